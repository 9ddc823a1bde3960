// LABELS: unit
// test_sinks.c: file sinks publish only on finish (temporary file + rename), leave
// nothing behind when abandoned or when the disk "fills up" (RLIMIT_FSIZE), pick the
// format from the extension, and refuse bad formats; the null sink counts frames.
#include <dirent.h>
#include <signal.h>
#include <sndfile.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/cn_sink.h"
#include "cn_test.h"

static char dir[] = "/tmp/cn_test_sinks_XXXXXX";

static int files_in_dir(void) {
    DIR *d = opendir(dir);
    TEST_ASSERT(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void check_file(const char *path, int format, int frames) {
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    TEST_ASSERT_MSG(sf != NULL, "%s", path);
    TEST_ASSERT(info.format == format && info.frames == frames && info.samplerate == 44100);
    sf_close(sf);
}

int main(void) {
    TEST_ASSERT(mkdtemp(dir) != NULL);
    static float buf[4096];
    for (int i = 0; i < 4096; i++) buf[i] = 0.5f * (float)((i % 64) - 32) / 32.0f;
    char path[256];
    struct { const char *ext; cn_file_format fmt; int sf; } cases[] = {
        {"a.wav", CN_FILE_AUTO, SF_FORMAT_WAV | SF_FORMAT_PCM_16},
        {"b.wav", CN_FILE_WAV24, SF_FORMAT_WAV | SF_FORMAT_PCM_24},
        {"c.wav", CN_FILE_WAV_FLOAT, SF_FORMAT_WAV | SF_FORMAT_FLOAT},
        {"d.flac", CN_FILE_AUTO, SF_FORMAT_FLAC | SF_FORMAT_PCM_24},
    };
    for (int c = 0; c < 4; c++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[c].ext);
        cn_sink *s;
        TEST_OK(cn_sink_sndfile_create(path, 44100, 1, cases[c].fmt, &s));
        TEST_OK(s->write(s, buf, 4096));
        TEST_OK(s->write(s, buf, 100));
        TEST_ASSERT(access(path, F_OK) != 0); // only a temporary file so far
        TEST_OK(s->finish(s));
        cn_sink_destroy(s);
        check_file(path, cases[c].sf, 4196);
        struct stat st;
        TEST_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0044)); // not left at 0600
    }
    TEST_ASSERT(files_in_dir() == 4);

    // Abandoned: destroy without finish leaves nothing.
    snprintf(path, sizeof path, "%s/abandoned.wav", dir);
    cn_sink *s;
    TEST_OK(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_AUTO, &s));
    TEST_OK(s->write(s, buf, 4096));
    cn_sink_destroy(s);
    TEST_ASSERT(files_in_dir() == 4);

    // Bad formats and places.
    cn_file_format f;
    TEST_ASSERT(cn_file_format_parse("mp3", &f) == CN_ERR_ARG);
    TEST_OK(cn_file_format_parse("wav24", &f));
    TEST_ASSERT(f == CN_FILE_WAV24);
    snprintf(path, sizeof path, "%s/x.ogg", dir);
    TEST_ASSERT(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_AUTO, &s) == CN_ERR_ARG);
    TEST_ASSERT(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_WAV16, &s) == CN_ERR_ARG); // WAV named .ogg
    snprintf(path, sizeof path, "%s/noext", dir);
    TEST_ASSERT(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_WAV16, &s) == CN_ERR_ARG);
    snprintf(path, sizeof path, "%s/x.flac", dir);
    TEST_ASSERT(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_WAV_FLOAT, &s) == CN_ERR_ARG);
    snprintf(path, sizeof path, "%s/no/such/dir/x.wav", dir);
    TEST_ASSERT(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_AUTO, &s) == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "no/such/dir/x.wav"));

    // "Disk full": a 64 KiB file size limit makes the writes fail (EFBIG instead of the
    // SIGXFSZ signal, which is ignored here).
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {65536, 65536}, old;
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max; // keep the hard limit so it can be restored
    TEST_ASSERT(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    snprintf(path, sizeof path, "%s/full.wav", dir);
    TEST_OK(cn_sink_sndfile_create(path, 44100, 1, CN_FILE_WAV_FLOAT, &s));
    cn_status st = CN_OK;
    for (int i = 0; i < 100 && !st; i++) st = s->write(s, buf, 4096);
    if (!st) st = s->finish(s);
    TEST_ASSERT(st == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "full.wav"));
    printf("disk-full error: %s\n", cn_error_message());
    cn_sink_destroy(s);
    TEST_ASSERT(setrlimit(RLIMIT_FSIZE, &old) == 0);
    TEST_ASSERT(files_in_dir() == 4);

    TEST_OK(cn_sink_null_create(1, &s));
    TEST_OK(s->write(s, buf, 1000));
    TEST_OK(s->write(s, buf, 24));
    TEST_ASSERT(s->frames == 1024);
    TEST_OK(s->finish(s));
    cn_sink_destroy(s);

    for (int c = 0; c < 4; c++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[c].ext);
        unlink(path);
    }
    rmdir(dir);
    printf("test_sinks: ok\n");
    return 0;
}
