// cmd_version.c: `continuo --version`: what this binary is and what it runs on.
#include <stdio.h>
#include <string.h>

#include "models/nn/cn_blas_core.h"
#include "cli/cn_cli.h"
#include "models/nn/cn_dist.h"
#include "models/nn/cn_nn.h"
#include "core/cn_paths.h"
#include "core/cn_sha256.h"
#include "cn_version.h"
#include "models/wavenet/cn_wavenet.h"

typedef struct {
    char seen[16][256];
    int n;
} model_list;

// Each weights file named by a shipped preset, once, with its short SHA-256.
static void print_model(const char *dir, const char *file, void *user) {
    model_list *l = user;
    char path[CN_PATH_MAX], weights[CN_PATH_MAX], hex[65];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cn_preset_info in;
    if (cn_preset_read_info(path, &in) || !in.model[0]) return;
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->seen[i], in.model)) return;
    if (l->n < 16) snprintf(l->seen[l->n++], sizeof l->seen[0], "%s", in.model);
    // weights holds the resolved path even when the file is missing
    if (cn_preset_model_path(path, &in, weights, sizeof weights) || cn_sha256_file(weights, hex))
        printf("  %-28s missing (%s)\n", in.model, weights);
    else
        printf("  %-28s sha256 %.12s\n", in.model, hex);
}

int cn_cmd_version(void) {
    char blas[64];
    cn_blas_version(blas, sizeof blas);
    const char *best = cn_blas_core_best();
    printf("continuo %s (git %s)\n", CN_VERSION, CN_GIT_REV);
    printf("BLAS: %s, core %s (%s); best core for this CPU: %s\n", blas, cn_blas_corename(),
           cn_ui_blas_origin(), best ? best : "unknown");
    printf("SIMD kernels: nn %s, wavenet matvec %s\n", cn_nn_avx2() ? "avx2" : "generic",
           cn_wn_kernel_name(cn_wn_matvec_kernel()));
    printf("MPI: %s%s\n", cn_dist_library(),
           cn_dist_compiled() ? " (mpirun -np N continuo train ... trains data-parallel)" : " (built without MPI)");
    printf("shipped files: %s\n", *cn_share_dir() ? cn_share_dir() : "not found");
    model_list l = {.n = 0};
    cn_presets_each(print_model, &l);
    return 0;
}
