// blas_reexec.c: start-up check that OpenBLAS runs the best core this CPU supports.
// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, so the only way to change
// its core is to set the variable and execute this program again (once: the second run
// finds the variable set). A value the user set is respected, and CONTINUO_BLAS_FIX=0
// turns the check off (bench blas uses it to time OpenBLAS's own choice).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/nn/cn_blas_core.h"
#include "ui/cn_ui.h"
#include "models/nn/cn_nn.h"

void cn_ui_blas_reexec(char **argv) {
    const char *off = getenv("CONTINUO_BLAS_FIX");
    if (getenv("OPENBLAS_CORETYPE") || (off && !strcmp(off, "0"))) return;
    const char *running = cn_blas_corename();
    const char *better = cn_blas_core_upgrade(running, cn_blas_core_best());
    if (!better) return;
    // Remember what OpenBLAS chose by itself, for --version and bench.
    if (setenv("CONTINUO_BLAS_CHOSEN", running, 1) || setenv("OPENBLAS_CORETYPE", better, 1)) return;
    fflush(NULL);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc?): run on with the weaker core rather than not at all.
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("CONTINUO_BLAS_CHOSEN");
}

const char *cn_ui_blas_origin(void) {
    static char buf[160];
    const char *chosen = getenv("CONTINUO_BLAS_CHOSEN");
    const char *set = getenv("OPENBLAS_CORETYPE");
    if (chosen && set)
        snprintf(buf, sizeof buf, "set by continuo for this CPU; OpenBLAS alone picked %s", chosen);
    else if (set)
        snprintf(buf, sizeof buf, "OPENBLAS_CORETYPE=%s from the environment", set);
    else
        snprintf(buf, sizeof buf, "OpenBLAS's own choice");
    return buf;
}
