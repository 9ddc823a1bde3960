// sink_sndfile.c: mono audio file sink through libsndfile. Samples go to a temporary
// file next to the target (cn_atomic_file: PATH.tmp-XXXXXX); finish() closes it and
// renames it over PATH; destroy() without finish() removes it.
// A short write (disk full, file size limit) is a CN_ERR_IO with the path and reason.
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cn_atomic_file.h"
#include "engine/cn_sink.h"

typedef struct {
    cn_sink base; // first: a cn_sink* is a file_sink*
    SNDFILE *sf;     // writes into af.f's descriptor, which it does not own
    cn_atomic_file af;
    int open;        // af holds an unpublished temporary file
    const char *path; // af.path
} file_sink;

cn_status cn_file_format_parse(const char *name, cn_file_format *out) {
    static const struct { const char *name; cn_file_format fmt; } names[] = {
        {"wav16", CN_FILE_WAV16}, {"wav24", CN_FILE_WAV24},
        {"float", CN_FILE_WAV_FLOAT}, {"flac", CN_FILE_FLAC}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name && !strcmp(name, names[i].name)) {
            *out = names[i].fmt;
            return CN_OK;
        }
    return cn_fail(CN_ERR_ARG, "unknown audio format '%s' (wav16, wav24, float or flac)",
                   name ? name : "");
}

static cn_status sf_format_of(const char *path, cn_file_format fmt, int *sf_fmt) {
    const char *dot = strrchr(path, '.');
    const char *ext = dot && !strchr(dot, '/') ? dot + 1 : "";
    int is_flac = !strcasecmp(ext, "flac"), is_wav = !strcasecmp(ext, "wav");
    // The name must say what the file is: a .ogg holding WAV data misleads every player.
    if (!is_flac && !is_wav)
        return cn_fail(CN_ERR_ARG, "%s: continuo writes .wav or .flac files (the name must end so)", path);
    if (fmt == CN_FILE_AUTO) fmt = is_flac ? CN_FILE_FLAC : CN_FILE_WAV16;
    if ((fmt == CN_FILE_FLAC) != is_flac)
        return cn_fail(CN_ERR_ARG, "%s: the extension does not match the %s format", path,
                       fmt == CN_FILE_FLAC ? "flac" : "wav");
    switch (fmt) {
    case CN_FILE_WAV16: *sf_fmt = SF_FORMAT_WAV | SF_FORMAT_PCM_16; break;
    case CN_FILE_WAV24: *sf_fmt = SF_FORMAT_WAV | SF_FORMAT_PCM_24; break;
    case CN_FILE_WAV_FLOAT: *sf_fmt = SF_FORMAT_WAV | SF_FORMAT_FLOAT; break;
    case CN_FILE_FLAC: *sf_fmt = SF_FORMAT_FLAC | SF_FORMAT_PCM_24; break;
    default: return cn_fail(CN_ERR_ARG, "bad audio format %d", (int)fmt);
    }
    return CN_OK;
}

static cn_status file_write(cn_sink *base, const float *buf, int frames) {
    file_sink *s = (file_sink *)base;
    errno = 0;
    sf_count_t n = sf_writef_float(s->sf, buf, frames);
    if (n != frames) {
        // errno names the cause ("No space left on device"); libsndfile's text is vaguer.
        int e = errno;
        return cn_fail(CN_ERR_IO, "%s: write failed after %lld frames: %s", s->path,
                       (long long)(base->frames + n), e ? strerror(e) : sf_strerror(s->sf));
    }
    base->frames += frames;
    for (long i = 0; i < (long)frames * base->channels; i++) base->clipped += buf[i] > 1.0f || buf[i] < -1.0f;
    return CN_OK;
}

static cn_status file_finish(cn_sink *base) {
    file_sink *s = (file_sink *)base;
    if (!s->sf) return cn_fail(CN_ERR_STATE, "%s: already finished", s->path);
    int rc = sf_close(s->sf); // flushes headers and buffered data
    s->sf = NULL;
    s->open = 0;
    if (rc) {
        cn_atomic_file_abort(&s->af);
        return cn_fail(CN_ERR_IO, "%s: cannot finish the file: %s", s->path, sf_error_number(rc));
    }
    return cn_atomic_file_commit(&s->af); // published: destroy must not remove it
}

static void file_destroy(cn_sink *base) {
    file_sink *s = (file_sink *)base;
    if (s->sf) sf_close(s->sf);
    if (s->open) cn_atomic_file_abort(&s->af);
    free(s);
}

cn_status cn_sink_sndfile_create(const char *path, int rate, int channels, cn_file_format fmt,
                                 cn_sink **out) {
    cn_return_val_if_fail(path && *path && out && (channels == 1 || channels == 2), CN_ERR_ARG);
    if (rate < 1000 || rate > 768000)
        return cn_fail(CN_ERR_RANGE, "%s: sample rate %d Hz out of range", path, rate);
    int sf_fmt = 0;
    cn_status st = sf_format_of(path, fmt, &sf_fmt);
    if (st) return st;
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = sf_fmt};
    if (!sf_format_check(&info))
        return cn_fail(CN_ERR_ARG, "%s: libsndfile cannot write this format at %d Hz", path, rate);

    file_sink *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory creating %s", path);
    if ((st = cn_atomic_file_open(&s->af, path))) {
        free(s);
        return st;
    }
    s->open = 1;
    s->path = s->af.path;
    s->sf = sf_open_fd(fileno(s->af.f), SFM_WRITE, &info, 0);
    if (!s->sf) {
        st = cn_fail(CN_ERR_IO, "cannot write %s: %s", path, sf_strerror(NULL));
        file_destroy(&s->base);
        return st;
    }
    sf_command(s->sf, SFC_SET_CLIPPING, NULL, SF_TRUE); // clip, never wrap, integer formats
    s->base.channels = channels;
    s->base.write = file_write;
    s->base.finish = file_finish;
    s->base.destroy = file_destroy;
    *out = &s->base;
    return CN_OK;
}
