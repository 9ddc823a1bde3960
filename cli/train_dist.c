// train_dist.c: what `continuo train melody|wavenet` do under mpirun (cn_train.h).
#include <stdio.h>

#include "cli/cn_cli.h"
#include "cli/cn_train.h"
#include "models/nn/cn_dist.h"

int cn_train_dist_begin(const char *cmd) {
    if (cn_dist_init()) return cn_ui_error(cmd, NULL);
    if (cn_dist_size() > 1) cn_ui_signals_for_rank(cn_dist_rank());
    return 0;
}

void cn_train_dist_note(int batch, const char *items) {
    int n = cn_dist_size();
    if (n == 1 || cn_dist_rank() != 0) return;
    if (batch % n == 0)
        fprintf(stderr, "data-parallel on %d MPI ranks: each computes %d of the %d %s of every step\n", n,
                batch / n, batch, items);
    else
        fprintf(stderr, "data-parallel on %d MPI ranks: each computes %d or %d of the %d %s of every step\n",
                n, batch / n, batch / n + 1, batch, items);
}
