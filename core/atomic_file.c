// atomic_file.c: temporary file + rename (cn_atomic_file.h).
#include "core/cn_atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cn_status cn_atomic_file_open(cn_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) return cn_fail(CN_ERR_RANGE, "path too long: %s", path);
    strcpy(af->path, path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) return cn_fail(CN_ERR_IO, "cannot create %s: %s", af->tmp, strerror(errno));
    fchmod(fd, 0644); // mkstemp's 0600 would hide a shared model from other users
    if (!(af->f = fdopen(fd, "wb"))) {
        close(fd);
        unlink(af->tmp);
        return cn_fail(CN_ERR_IO, "cannot write %s: %s", af->tmp, strerror(errno));
    }
    return CN_OK;
}

cn_status cn_atomic_file_commit(cn_atomic_file *af) {
    int bad = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
    int err = errno;
    bad |= fclose(af->f) != 0;
    af->f = NULL;
    if (!bad && rename(af->tmp, af->path) == 0) return CN_OK;
    if (!bad) err = errno;
    unlink(af->tmp);
    return cn_fail(CN_ERR_IO, "cannot write %s: %s", af->path, strerror(err));
}

void cn_atomic_file_abort(cn_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    unlink(af->tmp);
}
