// atomic_file.c: temporary file + rename (cn_atomic_file.h).
#include "core/cn_atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cn_status io_error(const char *path, int err) {
    return cn_fail(CN_ERR_IO, "cannot write %s: %s%s", path, strerror(err),
                   err == ENOSPC ? " (disk full: free space and retry)" : "");
}

cn_status cn_atomic_file_open(cn_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) return cn_fail(CN_ERR_RANGE, "path too long: %s", path);
    strcpy(af->path, path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) return cn_fail(CN_ERR_IO, "cannot create %s: %s", af->tmp, strerror(errno));
    // mkstemp makes the file 0600; give it the usual mode under the process umask.
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask); // on failure it stays 0600: still a valid file
    if (!(af->f = fdopen(fd, "wb"))) {
        int err = errno;
        close(fd);
        unlink(af->tmp);
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
    if (!bad && rename(af->tmp, af->path) == 0) return CN_OK;
    if (!bad) err = errno;
    unlink(af->tmp);
    return io_error(af->path, err ? err : EIO);
}

void cn_atomic_file_abort(cn_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
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
