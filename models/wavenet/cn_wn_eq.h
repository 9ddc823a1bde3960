// cn_wn_eq: the spectrum of each instrument, measured against FluidSynth. The model gets a
// note's harmonics where FluidSynth has them but not their balance everywhere: it adds its
// own partials at 10-14 kHz where FluidSynth's clarinet and horn have almost nothing (+34
// and +20 dB above 8 kHz on held-out tunes) and has too little there for the violin and
// guitar (-11, -9 dB). A graphic equaliser per instrument fixes that at playback: bands
// centred on 62.5 Hz .. 16 kHz, 1, 2 or 3 per octave (cn_wn_model.eq_per_octave; octave
// bands could not tell 6-8 kHz from 8-11 kHz, where FluidSynth's clarinet has its last
// energy and the model its own partials), a gain in dB each (cn_wn_model.eq_db), played
// as a cascade of RBJ biquads (a low shelf, peaking filters one band wide, a high shelf)
// whose gains are fitted so the cascade's response at the band centres is the table's.
// Measured by `continuo train wavenet levels` from its clips but the held runs (chromatic
// runs and tunes; held runs would weigh the decaying instruments' loud starts): the table
// is moved until the model's energy per band through it has FluidSynth's
// balance at the model's own total energy (the level table sets the level), within
// [CN_WN_EQ_MIN_DB, CN_WN_EQ_MAX_DB]. The bands of the notes' first harmonics get one gain
// (cn_wn_eq_tied_bands): the table corrects the balance above them, and below the lowest
// note, not the balance of a note's own first harmonics.
#ifndef CN_WN_EQ_H
#define CN_WN_EQ_H

#include "dsp/cn_biquad.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_data.h"

#define CN_WN_EQ_MIN_DB (-60.0) // FluidSynth's clarinet has almost nothing above 8 kHz: -90 dB
#define CN_WN_EQ_MAX_DB 24.0 // the 48 kHz model's violin and cello ask for up to +19 and +21 dB from 2 kHz up
#define CN_WN_EQ_DEFAULT_PER_OCTAVE 2 // `train wavenet levels --spectrum-bands`
#define CN_WN_EQ_LIMIT_DB 80 // files beyond +-80 dB are corrupt

// Centre of band b (Hz) of a layout with `per_octave` bands per octave (1..
// CN_WN_EQ_MAX_PER_OCTAVE): 62.5 * 2^(b / per_octave); its edges half a band either side.
double cn_wn_eq_centre(int b, int per_octave);
// Bands of the layout below Nyquist at this rate: the top one's upper edge may pass it.
int cn_wn_eq_bands(double rate, int per_octave);
// The edges of those bands (bands + 1 of them): the first from `lo_hz`, the last up to Nyquist.
int cn_wn_eq_band_edges(double rate, int per_octave, double lo_hz, double edges[CN_WN_EQ_MAX_BANDS + 1]);
// Whether instrument inst has a spectrum table (any band not 0 dB).
int cn_wn_eq_set(const cn_wn_model *m, int inst);

// The filters of one instrument's table at the model's rate: bands at or above Nyquist are
// left out. n == 0: no table (all gains 0), nothing to do.
typedef struct cn_wn_eq {
    cn_biquad_coeffs c[CN_WN_EQ_MAX_BANDS];
    int n;
} cn_wn_eq;
void cn_wn_eq_make(const cn_wn_model *m, int inst, cn_wn_eq *eq);
// The same from a table of gains (cn_wn_eq_table_bands(per_octave) of them) at `rate`.
void cn_wn_eq_design(const float *gain_db, int per_octave, double rate, cn_wn_eq *eq);
// The cascade's response (dB) at `hz`.
double cn_wn_eq_response_db(const cn_wn_eq *eq, double hz, double rate);

// One voice's filter state. Reset at a note's start; process in place, no allocation.
typedef struct cn_wn_eq_state {
    cn_biquad b[CN_WN_EQ_MAX_BANDS];
} cn_wn_eq_state;
void cn_wn_eq_reset(const cn_wn_eq *eq, cn_wn_eq_state *s);
void cn_wn_eq_process(const cn_wn_eq *eq, cn_wn_eq_state *s, float *x, int n);
// A whole signal x[0..n), from silence, in place (evaluation and calibration, any length).
void cn_wn_eq_apply(const cn_wn_eq *eq, float *x, int64_t n);

// The bands a calibration fits as one (*lo..*hi, none when *hi < *lo): from the one holding
// the lowest fundamental of instrument `name`'s notes in `ds` up to the last centred at
// or below CN_WN_EQ_TIED_HZ. One table serves every pitch, so a tilt there turns the
// balance of each note's first harmonics: the guitar's, cutting 350-700 Hz by 4-7 dB and
// lifting 1-1.4 kHz by 5, put its D5s' second harmonic 12 dB over the fundamental and the
// pitch tracker an octave up (in tune as the model played it). Bands below the lowest
// fundamental hold no harmonic and stay free (the clarinet's rumble cut).
#define CN_WN_EQ_TIED_HZ 1000.0
void cn_wn_eq_tied_bands(const cn_wn_dataset *ds, int name, double rate, int per_octave, int *lo, int *hi);

// Measure every clip of `ds` (instrument = the clip's, by index into names[]): its notes
// played by the model (temperature 0, as in cn_wn_levels.h, level and decay tables
// applied) against the recording, and set m->eq_db of the instruments it covers (replacing
// their previous table) in the layout of `per_octave` bands per octave (m->eq_per_octave;
// an error if another instrument keeps a table of another layout). report(ctx, line) gets
// one line per instrument (may be NULL): its table, how far the balance is off, and the
// bands the table's limits hold, if any.
cn_status cn_wn_calibrate_eq(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names, int per_octave,
                             void (*report)(void *ctx, const char *line), void *ctx);
// Its two steps: the layout for the instruments names[0..n_names) (the error above), then
// one instrument's table (folder `name`, in m->eq_per_octave's layout). Instruments are
// independent: threads may calibrate different ones at once.
cn_status cn_wn_eq_layout_set(cn_wn_model *m, char names[][32], int n_names, int per_octave);
cn_status cn_wn_calibrate_eq_one(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int name,
                                 void (*report)(void *ctx, const char *line), void *ctx);

#endif
