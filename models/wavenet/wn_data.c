// wn_data.c: WaveNet training data: notes from MIDI, the program-change MIDI copy that
// FluidSynth renders, and WAV + MIDI pair loading (cn_wn_data.h).
#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_paths.h"
#include "dsp/cn_mulaw.h"
#include "models/cn_smf.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_data.h"

// ---- notes ------------------------------------------------------------------------------------

static int wn_cmp_note(const void *a, const void *b) {
    const cn_timed_note *x = a, *y = b;
    if (x->on != y->on) return x->on < y->on ? -1 : 1;
    return y->pitch - x->pitch; // highest first at equal onsets
}

cn_status cn_wn_notes_from_midi(const cn_midi *m, int sample_rate, cn_timed_note **out, int *n) {
    *out = NULL;
    *n = 0;
    cn_timed_note *v = malloc(((size_t)m->n_notes + 1) * sizeof *v);
    if (!v) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for %d notes", m->n_notes);
    for (int i = 0; i < m->n_notes; i++) {
        const cn_midi_note *mn = &m->notes[i];
        v[i].on = llround(mn->on_s * sample_rate);
        v[i].off = llround(mn->off_s * sample_rate);
        v[i].pitch = mn->pitch;
        v[i].velocity = mn->velocity > 0 ? mn->velocity : 90;
    }
    qsort(v, (size_t)m->n_notes, sizeof *v, wn_cmp_note);
    int k = 0;
    for (int i = 0; i < m->n_notes; i++) {
        if (k && v[i].on == v[k - 1].on) continue; // equal onset: the highest was kept
        if (k && v[k - 1].off > v[i].on) v[k - 1].off = v[i].on;
        if (k && v[k - 1].off <= v[k - 1].on) k--; // cut to nothing
        v[k++] = v[i];
    }
    if (k && v[k - 1].off <= v[k - 1].on) k--;
    *out = v;
    *n = k;
    return CN_OK;
}

// ---- program-change MIDI copy -------------------------------------------------------------------

cn_status cn_wn_write_program_midi(const cn_midi *m, int program, int transpose, const char *path) {
    if (program < 0 || program > 127)
        return cn_fail(CN_ERR_RANGE, "program %d (General MIDI programs are 0..127)", program);
    cn_timed_note *notes;
    int n;
    cn_status st = cn_wn_notes_from_midi(m, 960, &notes, &n); // 960 ticks/s = 480/beat at 120 bpm
    if (st) return st;
    for (int i = 0; i < n; i++)
        if (notes[i].pitch + transpose < 0 || notes[i].pitch + transpose > 127) {
            int p = notes[i].pitch;
            free(notes);
            return cn_fail(CN_ERR_RANGE, "transposed by %d, note %d leaves the MIDI range 0..127", transpose, p);
        }
    for (int i = 0; i < n; i++) notes[i].pitch += transpose;
    cn_smf smf;
    cn_smf_begin(&smf, 0, 1, 480); // format 0, 480 ticks per beat
    cn_smf_track_begin(&smf);
    const uint8_t tempo[3] = {0x07, 0xA1, 0x20}, prog[1] = {(uint8_t)program}; // 500000 us/beat
    cn_smf_meta(&smf, 0, 0x51, tempo, 3);
    cn_smf_event(&smf, 0, 0xC0, prog, 1);
    int64_t now = 0;
    for (int i = 0; i < n; i++) {
        uint8_t on[2] = {(uint8_t)notes[i].pitch, (uint8_t)notes[i].velocity};
        uint8_t off[2] = {(uint8_t)notes[i].pitch, 64};
        cn_smf_event(&smf, (uint32_t)(notes[i].on - now), 0x90, on, 2);
        cn_smf_event(&smf, (uint32_t)(notes[i].off - notes[i].on), 0x80, off, 2);
        now = notes[i].off;
    }
    cn_smf_track_end(&smf);
    free(notes);
    return cn_smf_write_file(&smf, path);
}

// ---- WAV + MIDI pairs -------------------------------------------------------------------------

static int wn_cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cn_status cn_wn_read_audio(const char *wav, int sample_rate, int lag, float **out, int64_t *n_out) {
    *out = NULL;
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(wav, SFM_READ, &info);
    if (!sf) return cn_fail(CN_ERR_IO, "%s: %s", wav, sf_strerror(NULL));
    if (info.channels < 1 || info.channels > 2 || info.samplerate != sample_rate) {
        sf_close(sf);
        return cn_fail(CN_ERR_FORMAT, "%s: %d channel(s) at %d Hz, the model needs mono or stereo at %d Hz "
                       "(hint: sox IN.wav -c 1 -r %d OUT.wav)", wav, info.channels,
                       info.samplerate, sample_rate, sample_rate);
    }
    const int ch = info.channels; // stereo is mixed down to the model's mono
    float *x = malloc((size_t)(info.frames > 0 ? info.frames : 1) * (size_t)ch * sizeof *x);
    if (!x) {
        sf_close(sf);
        return cn_fail(CN_ERR_NOMEM, "%s: out of memory", wav);
    }
    sf_count_t got = sf_readf_float(sf, x, info.frames);
    sf_close(sf);
    if (ch == 2)
        for (sf_count_t i = 0; i < got; i++) x[i] = 0.5f * (x[2 * i] + x[2 * i + 1]);
    int64_t n = got - lag;
    if (n < 1) {
        free(x);
        return cn_fail(CN_ERR_FORMAT, "%s: only %lld frames", wav, (long long)got);
    }
    memmove(x, x + lag, (size_t)n * sizeof *x);
    *out = x;
    *n_out = n;
    return CN_OK;
}

static cn_status wn_load_clip(const char *wav, const char *mid, int sample_rate, int lag,
                              cn_wn_clip *c) {
    float *x;
    cn_status st = cn_wn_read_audio(wav, sample_rate, lag, &x, &c->n);
    if (st) return st;
    if (!(c->pcm = malloc((size_t)c->n * sizeof *c->pcm))) {
        free(x);
        return cn_fail(CN_ERR_NOMEM, "%s: out of memory", wav);
    }
    for (int64_t t = 0; t < c->n; t++) { // 16-bit files: exact
        float v = x[t] * 32768.0f;
        c->pcm[t] = (int16_t)lrintf(v > 32767.0f ? 32767.0f : v < -32768.0f ? -32768.0f : v);
    }
    free(x);
    cn_midi *m;
    st = cn_midi_read_file(mid, &m);
    if (st) return st;
    st = cn_wn_notes_from_midi(m, sample_rate, &c->notes, &c->n_notes);
    cn_midi_destroy(m);
    return st;
}

float cn_wn_clip_heard(const cn_wn_clip *c, int64_t t, int out) {
    const float x = cn_wn_clip_value(c, t);
    return out == CN_WN_OUT_GAUSS ? x : cn_mulaw_decode(cn_mulaw_encode(x));
}

cn_status cn_wn_dataset_add_dir(cn_wn_dataset *ds, const char *dir, const char *instrument,
                                int lag, char names[][32], int *n_names, int max_names) {
    DIR *d = opendir(dir);
    if (!d) return cn_fail(CN_ERR_IO, "%s: cannot open the data folder", dir);
    char **files = NULL;
    int nf = 0, cap = 0;
    cn_status st = CN_OK;
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (cn_is_hidden_name(e->d_name) || !cn_has_suffix(e->d_name, ".wav")) continue;
        if (nf == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = realloc(files, (size_t)cap * sizeof *p);
            if (!p) st = cn_fail(CN_ERR_NOMEM, "%s: out of memory listing the folder", dir);
            else files = p;
        }
        if (!st && !(files[nf] = strdup(e->d_name))) st = cn_fail(CN_ERR_NOMEM, "%s: out of memory listing the folder", dir);
        if (!st) nf++;
    }
    closedir(d);
    if (st) goto done;
    if (nf) qsort(files, (size_t)nf, sizeof *files, wn_cmp_str); // readdir order is arbitrary
    if (!instrument) {
        const char *slash = strrchr(dir, '/');
        instrument = slash && slash[1] ? slash + 1 : dir;
    }
    int inst = -1;
    for (int i = 0; i < *n_names; i++)
        if (!strcmp(names[i], instrument)) inst = i;
    if (inst < 0) {
        if (*n_names >= max_names || strlen(instrument) >= 32 || strchr(instrument, ',')) {
            st = cn_fail(CN_ERR_RANGE, "%s: instrument name '%s' is too long, has a comma, or "
                         "there are more than %d instruments", dir, instrument, max_names);
            goto done;
        }
        inst = (*n_names)++;
        strcpy(names[inst], instrument);
    }
    if (!nf) {
        st = cn_fail(CN_ERR_IO, "%s: no .wav files (hint: scripts/render_training_audio.sh)", dir);
        goto done;
    }
    cn_wn_clip *clips = realloc(ds->clips, (size_t)(ds->n_clips + nf) * sizeof *clips);
    if (!clips) {
        st = cn_fail(CN_ERR_NOMEM, "out of memory");
        goto done;
    }
    ds->clips = clips;
    for (int i = 0; i < nf && !st; i++) {
        char wav[4096], mid[4096];
        size_t len = strlen(files[i]);
        snprintf(wav, sizeof wav, "%s/%s", dir, files[i]);
        snprintf(mid, sizeof mid, "%s/%.*s.mid", dir, (int)(len - 4), files[i]);
        cn_wn_clip *c = &ds->clips[ds->n_clips];
        memset(c, 0, sizeof *c);
        c->instrument = inst;
        c->name = strdup(files[i]);
        st = c->name ? wn_load_clip(wav, mid, ds->sample_rate, lag, c)
                     : cn_fail(CN_ERR_NOMEM, "out of memory");
        ds->n_clips++; // counted even on failure so dataset_free releases it
        if (!st) ds->total += c->n;
    }
done:
    for (int i = 0; i < nf; i++) free(files[i]);
    free(files);
    return st;
}

void cn_wn_dataset_free(cn_wn_dataset *ds) {
    for (int i = 0; i < ds->n_clips; i++) {
        free(ds->clips[i].name);
        free(ds->clips[i].pcm);
        free(ds->clips[i].notes);
    }
    free(ds->clips);
    memset(ds, 0, sizeof *ds);
}
