// dist.c: MPI behind cn_dist.h, or the single-rank identity without it.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_dist.h"

#ifdef CN_HAVE_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_size = 1, g_started = 0;

int cn_dist_rank(void) { return g_rank; }
int cn_dist_size(void) { return g_size; }

// The launcher's process count, 0 when no MPI launcher started us (OpenMPI's mpirun,
// MPICH's hydra, or a PMIx launcher such as Slurm's srun).
static long launcher_size(void) {
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") ? 1 : 0;
}

void cn_dist_shard(int n, int *lo, int *hi) {
    *lo = (int)((long long)n * g_rank / g_size);
    *hi = (int)((long long)n * (g_rank + 1) / g_size);
}

// FNV-1a: a cheap fingerprint for comparing buffers across ranks.
static uint64_t hash64(const void *buf, size_t bytes) {
    const unsigned char *p = buf;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < bytes; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

#ifdef CN_HAVE_MPI

int cn_dist_compiled(void) { return 1; }

const char *cn_dist_library(void) {
    static char name[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(name, &len) != MPI_SUCCESS) return "unknown";
    name[strcspn(name, ",\n")] = 0; // "Open MPI v4.1.4, package: ..." -> its first part
    return name;
}

static cn_status mpi_fail(int rc, const char *what) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS) len = 0;
    msg[len] = 0;
    return cn_fail(CN_ERR_IO, "%s failed on rank %d: %s", what, g_rank, len ? msg : "MPI error");
}

cn_status cn_dist_init(void) {
    if (g_started || launcher_size() == 0) return CN_OK;
    int provided = 0, rc;
    if ((rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided)) != MPI_SUCCESS)
        return cn_fail(CN_ERR_IO, "MPI_Init failed (error %d)", rc);
    g_started = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    return CN_OK;
}

void cn_dist_finalize(void) {
    if (!g_started) return;
    MPI_Finalize();
    g_started = 0;
    g_rank = 0;
    g_size = 1;
}

// MPI counts are ints: larger buffers go in pieces.
#define PIECE ((size_t)1 << 30)

static cn_status sum_typed(void *x, size_t n, size_t elem, MPI_Datatype type) {
    if (g_size == 1) return CN_OK;
    char *p = x;
    for (size_t off = 0; off < n; off += PIECE) {
        size_t k = n - off < PIECE ? n - off : PIECE;
        int rc = MPI_Allreduce(MPI_IN_PLACE, p + off * elem, (int)k, type, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Allreduce");
    }
    return CN_OK;
}

cn_status cn_dist_sum(float *x, size_t n) { return sum_typed(x, n, sizeof *x, MPI_FLOAT); }
cn_status cn_dist_sum_d(double *x, size_t n) { return sum_typed(x, n, sizeof *x, MPI_DOUBLE); }

cn_status cn_dist_bcast(void *buf, size_t bytes, int root) {
    if (g_size == 1) return CN_OK;
    char *p = buf;
    for (size_t off = 0; off < bytes; off += PIECE) {
        size_t k = bytes - off < PIECE ? bytes - off : PIECE;
        int rc = MPI_Bcast(p + off, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Bcast");
    }
    return CN_OK;
}

cn_status cn_dist_agree(cn_status st) {
    if (g_size == 1) return st;
    int mine = st ? g_rank : g_size, first = g_size;
    int rc = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Allreduce");
    if (first == g_size) return CN_OK;
    struct {
        int code;
        char msg[1024];
    } e;
    memset(&e, 0, sizeof e);
    if (g_rank == first) {
        e.code = st;
        strncpy(e.msg, cn_error_message(), sizeof e.msg - 1);
    }
    if ((rc = MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD)) != MPI_SUCCESS)
        return mpi_fail(rc, "MPI_Bcast");
    if (first == 0) return cn_fail((cn_status)e.code, "%s", e.msg);
    return cn_fail((cn_status)e.code, "rank %d: %s", first, e.msg);
}

cn_status cn_dist_check_same(const void *buf, size_t bytes, const char *what) {
    if (g_size == 1) return CN_OK;
    uint64_t h = hash64(buf, bytes), v[2] = {h, ~h}, r[2];
    int rc = MPI_Allreduce(v, r, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Allreduce");
    // max(h) == min(h) (= ~max(~h)) exactly when every rank has the same hash
    if (r[0] != ~r[1]) return cn_fail(CN_ERR_STATE, "%s differ across the %d ranks", what, g_size);
    return CN_OK;
}

#else // built without MPI: rank 0 of 1

int cn_dist_compiled(void) { return 0; }
const char *cn_dist_library(void) { return "none"; }

cn_status cn_dist_init(void) {
    long n = launcher_size();
    if (n > 1)
        return cn_fail(CN_ERR_UNSUPPORTED, "started as one of %ld MPI processes, but this continuo was built "
                       "without MPI (install libopenmpi-dev and rebuild)", n);
    return CN_OK;
}

void cn_dist_finalize(void) {}
cn_status cn_dist_sum(float *x, size_t n) { (void)x, (void)n; return CN_OK; }
cn_status cn_dist_sum_d(double *x, size_t n) { (void)x, (void)n; return CN_OK; }
cn_status cn_dist_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; return CN_OK; }
cn_status cn_dist_agree(cn_status st) { return st; }
cn_status cn_dist_check_same(const void *buf, size_t bytes, const char *what) {
    (void)buf, (void)bytes, (void)what, (void)g_started, (void)hash64;
    return CN_OK;
}

#endif
