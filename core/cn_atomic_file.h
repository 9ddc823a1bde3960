// cn_atomic_file.h: write a file under a temporary name in the same folder, then rename it
// over the target, so that a failed or interrupted write never leaves a half-written file
// under the real name. Every output of continuo goes through it: models and checkpoints
// (safetensors), MIDI files, audio files (sink_sndfile), the n-gram file. Write errors name
// the path and the cause ("disk full" for ENOSPC).
#ifndef CN_ATOMIC_FILE_H
#define CN_ATOMIC_FILE_H

#include <stdio.h>

#include "core/cn_paths.h"
#include "core/cn_status.h"

typedef struct {
    FILE *f; // write here between open and commit
    char path[CN_PATH_MAX], tmp[CN_PATH_MAX + 16];
} cn_atomic_file;

// Create PATH.tmp-PID-N beside path (same file system, so the rename is atomic), with the
// mode a new file gets under the umask.
cn_status cn_atomic_file_open(cn_atomic_file *af, const char *path);
// Flush, fsync and close, then rename onto the path; on any failure the temporary file is
// removed and the error names the path.
cn_status cn_atomic_file_commit(cn_atomic_file *af);
// Close and remove the temporary file (after a failed write, or when interrupted).
void cn_atomic_file_abort(cn_atomic_file *af);

// After a failed fwrite: remove the temporary file and return the write error (errno's
// cause, read before anything else runs).
cn_status cn_atomic_file_fail(cn_atomic_file *af);

// The whole job for bytes in memory: open, write, commit.
cn_status cn_atomic_file_write(const char *path, const void *data, size_t size);

// Remove every temporary file still open. Async-signal-safe (only unlink), for the
// handler of SIGINT/SIGTERM/SIGHUP, so an interrupted run leaves nothing behind.
void cn_atomic_file_remove_all(void);

#endif
