// cn_dist: data-parallel training across processes, the one place that talks to MPI.
// Every rank holds the whole model, computes the gradients of its share of each global
// batch, and the ranks sum them with one allreduce; then each takes the same AdamW step,
// so all hold the same weights. Rank 0 alone writes files and reports progress.
//
// MPI is optional: a build without it (CN_HAVE_MPI undefined), or a run not started by
// mpirun (no OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment), is rank 0
// of 1, where every call below is the identity and costs nothing: training runs exactly
// as it does without this module. Collectives return a status instead of aborting
// (MPI_ERRORS_RETURN), and only the main thread calls them (MPI_THREAD_FUNNELED).
#ifndef CN_DIST_H
#define CN_DIST_H

#include <stddef.h>

#include "core/cn_status.h"

// 1 when this binary was built with MPI.
int cn_dist_compiled(void);
// The MPI library ("Open MPI v4.1.4"), or "none" without MPI; for --version.
const char *cn_dist_library(void);
// Start MPI when launched by mpirun (else nothing). Fails when mpirun started several
// processes of a binary built without MPI, which would each train alone on the same files.
cn_status cn_dist_init(void);
// Stop MPI if cn_dist_init started it; after an agreed error every rank calls it.
void cn_dist_finalize(void);
int cn_dist_rank(void); // 0 without MPI
int cn_dist_size(void); // 1 without MPI

// This rank's items [*lo, *hi) of n, contiguous, sizes differing by at most one.
void cn_dist_shard(int n, int *lo, int *hi);

// Collective, in place: x[i] = the sum of x[i] over the ranks (MPI_Allreduce).
cn_status cn_dist_sum(float *x, size_t n);
cn_status cn_dist_sum_d(double *x, size_t n);
// Collective: root's bytes into buf on every rank.
cn_status cn_dist_bcast(void *buf, size_t bytes, int root);
// Collective: one status for all ranks. When any rank failed, every rank returns the
// failure of the lowest failed rank with its message ("rank R: ..." unless R is 0), so rank 0 can print
// the one line; the others stop quietly instead of waiting forever in the next collective.
cn_status cn_dist_agree(cn_status st);
// Collective: fails on every rank (message "<what> differ across ranks") unless buf
// holds the same bytes on all of them (compared by a 64-bit hash).
cn_status cn_dist_check_same(const void *buf, size_t bytes, const char *what);

#endif
