// signals.c: interrupted commands leave no temporary file behind (cn_ui.h).
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/cn_atomic_file.h"
#include "ui/cn_ui.h"

enum { N_SIGS = 3 };
static const int sigs[N_SIGS] = {SIGINT, SIGTERM, SIGHUP};
static char messages[N_SIGS][256]; // formatted before any signal can arrive
static size_t lengths[N_SIGS];

static void on_signal(int sig) { // async-signal-safe: unlink, write, _exit
    cn_atomic_file_remove_all();
    for (int i = 0; i < N_SIGS; i++)
        if (sigs[i] == sig) {
            ssize_t w = write(STDERR_FILENO, messages[i], lengths[i]);
            (void)w;
        }
    _exit(128 + sig);
}

static const char *g_cmd = "";

void cn_ui_cleanup_on_signals(const char *cmd) {
    static const char *const names[N_SIGS] = {"SIGINT", "SIGTERM", "SIGHUP"};
    g_cmd = cmd;
    for (int i = 0; i < N_SIGS; i++) {
        int n = snprintf(messages[i], sizeof messages[i], "continuo %s: interrupted (%s)\n", cmd, names[i]);
        lengths[i] = n > 0 && (size_t)n < sizeof messages[i] ? (size_t)n : 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < N_SIGS; i++) sigaddset(&sa.sa_mask, sigs[i]); // one handler at a time
    for (int i = 0; i < N_SIGS; i++) sigaction(sigs[i], &sa, NULL);
    signal(SIGXFSZ, SIG_IGN); // past a file-size limit write() fails with EFBIG instead
}

void cn_ui_signals_for_rank(int rank) {
    sigset_t block, old;
    sigemptyset(&block);
    for (int i = 0; i < N_SIGS; i++) sigaddset(&block, sigs[i]);
    sigprocmask(SIG_BLOCK, &block, &old); // no handler reads a half-written message
    for (int i = 0; i < N_SIGS; i++)
        if (rank != 0) lengths[i] = 0;
        else if (sigs[i] == SIGTERM) {
            int n = snprintf(messages[i], sizeof messages[i],
                             "continuo %s: stopped (SIGTERM): under mpirun another rank died or the job "
                             "was cancelled; files written before stay whole\n", g_cmd);
            lengths[i] = n > 0 && (size_t)n < sizeof messages[i] ? (size_t)n : 0;
        }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void cn_ui_signals_quiet(void) {
    for (int i = 0; i < N_SIGS; i++) lengths[i] = 0; // one store each: a handler sees old or 0
}
