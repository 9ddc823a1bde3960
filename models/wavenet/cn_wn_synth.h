// cn_wn_synth: a playing WaveNet voice: note events -> conditioning features -> cached
// stream -> sampled mu-law class -> float sample, fed back as the next input. Sampling is
// at a temperature with its own seeded generator, so the same seed and events give
// bit-identical audio. Rendering never allocates (audio worker thread safe); create does.
#ifndef CN_WN_SYNTH_H
#define CN_WN_SYNTH_H

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wavenet.h"

// Noise seed of the excitation's noise feature, the same in training and generation.
#define CN_WN_NOISE_SEED 0x5EEDull

typedef struct cn_wn_synth cn_wn_synth;

// instrument: index into m->cfg.instruments. m must outlive the synth.
cn_status cn_wn_synth_create(const cn_wn_model *m, int instrument, float temperature,
                             uint64_t seed, cn_wn_synth **out);
void cn_wn_synth_destroy(cn_wn_synth *s);
// Back to silence at frame 0 with the generator re-seeded.
void cn_wn_synth_reset(cn_wn_synth *s, uint64_t seed);
void cn_wn_synth_set_temperature(cn_wn_synth *s, float temperature);
// Instrument index (checked by the caller: 0 <= i < n_instruments).
void cn_wn_synth_set_instrument(cn_wn_synth *s, int instrument);
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
