// cn_ui.h: what the command-line front-ends (cli/ and bench/) share: the one place that
// prints errors, strict flag-value parsing, the terminal progress line, and the start-up
// choice of OpenBLAS core. The library below never prints; these functions do.
#ifndef CN_UI_H
#define CN_UI_H

#include <stddef.h>

#include "core/cn_progress.h"
#include "core/cn_status.h"

// Print "continuo <cmd>: <message>" (the library's last error when fmt is NULL) on one
// line to stderr and return 1. Under mpirun only rank 0 prints (errors there are agreed
// by all ranks first, models/nn/cn_dist.h), so a failed job says it once.
int cn_ui_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
// Usage error: prints the message and "try 'continuo <cmd> --help'", returns 2. Rank 0 only.
int cn_ui_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Strict number parsing for flags: the whole string must parse and lie in [lo, hi].
int cn_ui_parse_int(const char *s, long lo, long hi, long *out);
int cn_ui_parse_double(const char *s, double lo, double hi, double *out);
// "A" or "A-B" with lo <= A <= B <= hi (a range of bars); 1 when valid.
int cn_ui_parse_range(const char *s, long lo, long hi, long *a, long *b);
// The command as typed: prefix, then argv[1..argc-1] separated by spaces, cut to fit
// buf[n]; returns the length written.
size_t cn_ui_command_line(char *buf, size_t n, const char *prefix, int argc, char **argv);

// Restart once with OPENBLAS_CORETYPE set when OpenBLAS runs a weaker core than the CPU
// supports (blas_reexec.c); returns when nothing needs changing or exec fails.
void cn_ui_blas_reexec(char **argv);
// How the running core was chosen, for --version and bench.
const char *cn_ui_blas_origin(void);

// The terminal progress line of a long job (render, continue): a cn_progress_fn that
// redraws one line on stderr (done/total, percent, rate, ETA) once the job has run about
// 2 seconds ($CONTINUO_PROGRESS_DELAY overrides), and ends it with a newline when the
// job is done. When stderr is not a terminal it draws nothing.
typedef struct cn_ui_progress {
    const char *label; // e.g. "render"
    int tty, drawn;
    double delay;
} cn_ui_progress;
void cn_ui_progress_init(cn_ui_progress *u, const char *label);
void cn_ui_progress_draw(const cn_progress *p, void *user); // user: cn_ui_progress *

// Table-driven flags: each command lists its flags once, and one parser checks them with
// the same messages everywhere ("--rate must be 8000..384000, got 'x'").
typedef enum {
    CN_FLAG_STR,   // const char *
    CN_FLAG_INT,   // int, in [lo, hi]
    CN_FLAG_LONG,  // long, in [lo, hi]
    CN_FLAG_U64,   // uint64_t, in [lo, hi]
    CN_FLAG_FLOAT, // float, in [lo, hi]
    CN_FLAG_DBL,   // double, in [lo, hi]
    CN_FLAG_SET,   // int, set to 1 (no value)
    CN_FLAG_LIST,  // cn_flag_list: each value appended
    CN_FLAG_LIST_MANY, // as LIST, and the arguments after it up to the next flag too
} cn_flag_kind;
typedef struct cn_flag_list {
    const char **items;
    int n, max;
} cn_flag_list;
typedef struct cn_flag {
    const char *name; // long name without "--"
    char short_name;  // e.g. 'o', or 0
    cn_flag_kind kind;
    void *dst;        // of the kind's type
    double lo, hi;    // range of INT and DBL values
    int *seen;        // optional: set to 1 when the flag is given
} cn_flag;
// Parse argv (argv[0] is the command) by the table; positional arguments go to
// pos[0..max_pos) and *n_pos. Returns 0, or 1 after --help/-h (the caller prints usage),
// or 2 after printing a usage error for `cmd`.
int cn_ui_flags_parse(const char *cmd, const cn_flag *flags, int n_flags, int argc, char **argv,
                      const char **pos, int max_pos, int *n_pos);

// Commands that write files: SIGINT, SIGTERM and SIGHUP remove the temporary files of
// unfinished outputs, print "continuo CMD: interrupted (SIGNAME)" and exit 128 + signal
// (130, 143, 129); SIGXFSZ is ignored, so a file-size limit is an ordinary write error.
void cn_ui_cleanup_on_signals(const char *cmd);
// Under mpirun (models/nn/cn_dist.h): ranks other than 0 stop on those signals without a
// line, and rank 0 says what a SIGTERM there usually means: mpirun ending the job because
// another rank died.
void cn_ui_signals_for_rank(int rank);
// From here on those signals only clean up, without a line: the command has reported its
// end (under mpirun, one rank's failing exit makes mpirun SIGTERM the others).
void cn_ui_signals_quiet(void);

// "1h02m03s" / "2m03s" / "3s" into buf.
void cn_ui_format_duration(char *buf, int size, double seconds);

#endif
