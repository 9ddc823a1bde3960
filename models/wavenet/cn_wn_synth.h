// cn_wn_synth: playing WaveNet voices: note events -> conditioning features -> cached
// stream -> sampled mu-law class -> float sample, fed back as the next input. Sampling is
// at a temperature with a seeded generator per voice, so the same seeds and events give
// bit-identical audio. Rendering never allocates (audio worker thread safe); create does.
//   cn_wn_poly   several voices on one batched stream (cn_wn_stream_logits_batch): every
//                sample of all sounding voices is one matrix-matrix product per layer;
//   cn_wn_synth  one voice (training evaluation, tests, benchmarks): a poly of one.
#ifndef CN_WN_SYNTH_H
#define CN_WN_SYNTH_H

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wavenet.h"

// Noise seed of the excitation's noise feature, the same in training and generation.
#define CN_WN_NOISE_SEED 0x5EEDull

typedef struct cn_wn_poly cn_wn_poly;

// max_voices voices, all silent. m must outlive the poly.
cn_status cn_wn_poly_create(const cn_wn_model *m, int max_voices, float temperature, cn_wn_poly **out);
void cn_wn_poly_destroy(cn_wn_poly *p);
// Render on `threads` threads (the caller's and threads - 1 helpers, started here; 1: the
// caller's alone, the default). The voices of a render are shared among them; each voice's
// samples are the same whatever the count. Not while a render runs.
#define CN_WN_POLY_MAX_THREADS 4
cn_status cn_wn_poly_set_threads(cn_wn_poly *p, int threads);
int cn_wn_poly_threads(const cn_wn_poly *p);
// The default count: one per core, at most CN_WN_POLY_MAX_THREADS.
int cn_wn_poly_default_threads(void);
void cn_wn_poly_set_temperature(cn_wn_poly *p, float temperature);
// Voice v back to silence at its frame 0 with its generator re-seeded, playing instrument
// (0 <= instrument < n_instruments, checked by the caller).
void cn_wn_poly_reset(cn_wn_poly *p, int v, int instrument, uint64_t seed);
// Events of voice v take effect at its next rendered frame.
void cn_wn_poly_note_on(cn_wn_poly *p, int v, int pitch, int velocity);
void cn_wn_poly_note_off(cn_wn_poly *p, int v, int pitch);
void cn_wn_poly_all_off(cn_wn_poly *p, int v);
// Bend voice v's note by `semitones` (cn_wn_feat_bend).
void cn_wn_poly_bend(cn_wn_poly *p, int v, double semitones);
// Render `frames` samples of the n voices voices[0..n) into out[i][frames] (values in
// [-1, 1]), all in one batch per sample.
void cn_wn_poly_render(cn_wn_poly *p, const int *voices, int n, float *out, int frames);

typedef struct cn_wn_synth cn_wn_synth;

// instrument: index into m->cfg.instruments. m must outlive the synth.
cn_status cn_wn_synth_create(const cn_wn_model *m, int instrument, float temperature,
                             uint64_t seed, cn_wn_synth **out);
void cn_wn_synth_destroy(cn_wn_synth *s);
// Back to silence at frame 0 with the generator re-seeded.
void cn_wn_synth_reset(cn_wn_synth *s, uint64_t seed);
void cn_wn_synth_set_temperature(cn_wn_synth *s, float temperature);
// Events take effect at the next rendered frame.
void cn_wn_synth_note_on(cn_wn_synth *s, int pitch, int velocity);
void cn_wn_synth_note_off(cn_wn_synth *s, int pitch);
void cn_wn_synth_all_off(cn_wn_synth *s);
// Render `frames` samples into out[] (values in [-1, 1]).
void cn_wn_synth_render(cn_wn_synth *s, float *out, int frames);

// Offline: render frames [0, n) of a note list sorted by onset into out[n] (events applied
// at their exact frames, note-offs before note-ons). Starts from cn_wn_synth_reset(seed).
void cn_wn_synth_render_notes(cn_wn_synth *s, uint64_t seed, const cn_timed_note *notes, int n_notes,
                              int64_t n, float *out);

#endif
