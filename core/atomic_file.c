// atomic_file.c: temporary file + rename (cn_atomic_file.h).
#include "core/cn_atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// The temporary files open now, for cn_atomic_file_remove_all (a signal handler).
#define MAX_OPEN 16
static char open_paths[MAX_OPEN][CN_PATH_MAX + 16];
static atomic_int open_used[MAX_OPEN];

static void track(const char *tmp) {
    for (int i = 0; i < MAX_OPEN; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&open_used[i], &expected, -1)) { // claimed, not yet valid
            memcpy(open_paths[i], tmp, strlen(tmp) + 1);
            atomic_store_explicit(&open_used[i], 1, memory_order_release);
            return;
        }
    }
}

static void untrack(const char *tmp) {
    for (int i = 0; i < MAX_OPEN; i++)
        if (atomic_load_explicit(&open_used[i], memory_order_acquire) == 1 && !strcmp(open_paths[i], tmp)) {
            atomic_store_explicit(&open_used[i], 0, memory_order_release);
            return;
        }
}

void cn_atomic_file_remove_all(void) {
    for (int i = 0; i < MAX_OPEN; i++)
        if (atomic_load_explicit(&open_used[i], memory_order_acquire) == 1) unlink(open_paths[i]);
}

static cn_status io_error(const char *path, int err) {
    return cn_fail(CN_ERR_IO, "cannot write %s: %s%s", path, strerror(err),
                   err == ENOSPC ? " (disk full: free space and retry)" : "");
}

cn_status cn_atomic_file_open(cn_atomic_file *af, const char *path) {
    static atomic_uint counter;
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) return cn_fail(CN_ERR_RANGE, "path too long: %s", path);
    strcpy(af->path, path);
    // The name is chosen and registered before the file exists, so a signal arriving at
    // any moment finds it registered (unlinking a name not yet created is harmless).
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(af->tmp, sizeof af->tmp, "%s.tmp-%d-%u", path, (int)getpid(), atomic_fetch_add(&counter, 1));
        track(af->tmp);
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); // the umask applies
        if (fd < 0) {
            int err = errno;
            untrack(af->tmp);
            if (err != EEXIST) return cn_fail(CN_ERR_IO, "cannot create %s: %s", af->tmp, strerror(err));
        }
    }
    if (fd < 0) return cn_fail(CN_ERR_IO, "cannot create a temporary file beside %s", path);
    if (!(af->f = fdopen(fd, "wb"))) {
        int err = errno;
        close(fd);
        unlink(af->tmp);
        untrack(af->tmp);
        return io_error(af->tmp, err);
    }
    return CN_OK;
}

cn_status cn_atomic_file_commit(cn_atomic_file *af) {
    errno = 0;
    int bad = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
    int err = errno;
    if (fclose(af->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    af->f = NULL;
    if (!bad && rename(af->tmp, af->path) == 0) {
        untrack(af->tmp);
        return CN_OK;
    }
    if (!bad) err = errno;
    unlink(af->tmp);
    untrack(af->tmp);
    return io_error(af->path, err ? err : EIO);
}

void cn_atomic_file_abort(cn_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) {
        unlink(af->tmp);
        untrack(af->tmp);
    }
}

cn_status cn_atomic_file_fail(cn_atomic_file *af) {
    int err = errno;
    cn_atomic_file_abort(af);
    return io_error(af->path, err ? err : EIO);
}

cn_status cn_atomic_file_write(const char *path, const void *data, size_t size) {
    cn_atomic_file af;
    cn_status st = cn_atomic_file_open(&af, path);
    if (st) return st;
    if (size && fwrite(data, 1, size, af.f) != size) return cn_atomic_file_fail(&af);
    return cn_atomic_file_commit(&af);
}
