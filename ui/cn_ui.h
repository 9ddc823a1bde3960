// cn_ui.h: what the command-line front-ends (cli/ and bench/) share: the one place that
// prints errors, strict flag-value parsing, and the start-up choice of OpenBLAS core.
// The library below never prints; these functions do.
#ifndef CN_UI_H
#define CN_UI_H

#include "core/cn_status.h"

// Print "continuo <cmd>: <message>" (the library's last error when fmt is NULL) on one
// line to stderr and return 1.
int cn_ui_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Usage error: prints the message and "try 'continuo <cmd> --help'", returns 2.
int cn_ui_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Strict number parsing for flags: the whole string must parse and lie in [lo, hi].
int cn_ui_parse_int(const char *s, long lo, long hi, long *out);
int cn_ui_parse_double(const char *s, double lo, double hi, double *out);

// Restart once with OPENBLAS_CORETYPE set when OpenBLAS runs a weaker core than the CPU
// supports (blas_reexec.c); returns when nothing needs changing or exec fails.
void cn_ui_blas_reexec(char **argv);
// How the running core was chosen, for --version and bench.
const char *cn_ui_blas_origin(void);

#endif
