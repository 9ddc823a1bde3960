// fuzz_audio: libFuzzer target for the WaveNet's training-audio reader (build with
// -DCN_FUZZ=ON, clang): the input becomes a folder's NAME.wav beside a valid NAME.mid, and
// cn_wn_dataset_add_dir must load it or refuse it with a message, never crash or leak.
// Seeds: short WAV files of the expected and of other formats.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/cn_melody.h"
#include "models/cn_midi.h"
#include "models/wavenet/cn_wn_data.h"

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) abort();                                                       \
    } while (0)

static char dir[64], wav[96];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/cn_fuzz_audio_%d/sine", (int)getpid());
    char parent[64];
    snprintf(parent, sizeof parent, "/tmp/cn_fuzz_audio_%d", (int)getpid());
    CHECK(!mkdir(parent, 0700) || access(parent, F_OK) == 0);
    CHECK(!mkdir(dir, 0700) || access(dir, F_OK) == 0);
    cn_melody mel;
    cn_melody_init(&mel);
    CHECK(!cn_melody_push(&mel, 69, 12, 90) && !cn_melody_push(&mel, 72, 12, 90));
    char mid[96];
    snprintf(mid, sizeof mid, "%s/clip.mid", dir);
    CHECK(!cn_melody_write_midi(&mel, mid, NULL));
    cn_melody_free(&mel);
    snprintf(wav, sizeof wav, "%s/clip.wav", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!wav[0]) setup();
    FILE *f = fopen(wav, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size && !fclose(f));
    cn_wn_dataset ds = {.sample_rate = 16000};
    char names[4][32];
    int n_names = 0;
    cn_status st = cn_wn_dataset_add_dir(&ds, dir, NULL, 0, names, &n_names, 4);
    CHECK(st || ds.n_clips == 1);
    if (st) CHECK(cn_error_message()[0]);
    cn_wn_dataset_free(&ds);
    return 0;
}
