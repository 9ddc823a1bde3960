// cn_cli.h: what the subcommands of the `continuo` command share: their entry points
// (one file each, cli/cmd_<name>.c) and the one place that prints errors.
#ifndef CN_CLI_H
#define CN_CLI_H

#include "cn_status.h"

// Each returns the process exit code (0 success, 1 failure, 2 usage error).
// argv[0] is the subcommand name.
int cn_cmd_continue(int argc, char **argv);
int cn_cmd_score(int argc, char **argv);
int cn_cmd_render(int argc, char **argv);
int cn_cmd_play(int argc, char **argv);
int cn_cmd_devices(int argc, char **argv);
int cn_cmd_train(int argc, char **argv);
int cn_cmd_plugins(int argc, char **argv);
int cn_cmd_bench(int argc, char **argv);
int cn_cmd_presets(int argc, char **argv);
int cn_cmd_version(void);

// Restart once with OPENBLAS_CORETYPE set when OpenBLAS runs a weaker core than the CPU
// supports (blas_reexec.c); returns when nothing needs changing or exec fails.
void cn_cli_blas_reexec(char **argv);
// How the running core was chosen, for --version and bench.
const char *cn_cli_blas_origin(void);

// Print "continuo <cmd>: <message>" (the library's last error when msg is NULL) on one line
// to stderr and return 1.
int cn_cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Usage error: prints the message and "try 'continuo <cmd> --help'", returns 2.
int cn_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Strict number parsing for flags: whole string must parse and lie in [lo, hi].
int cn_cli_parse_int(const char *s, long lo, long hi, long *out);
int cn_cli_parse_double(const char *s, double lo, double hi, double *out);

#endif
