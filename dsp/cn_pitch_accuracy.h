// cn_pitch_accuracy: the audio pitch metric of docs/DESIGN.md ("Metrics"). Given audio
// and the notes it should play, it counts the 10 ms frames that lie inside a note and
// the share of them whose YIN f0 is within `tolerance_cents` (50) of that note's pitch.
// Unvoiced frames count as misses. Frames closer than `edge_s` (default 0.030 s) to a
// note's onset or offset are skipped, because the attack transient, the previous
// note's release and the YIN window (which reaches ~half its length across the edge)
// make those frames ambiguous. When notes overlap, a frame belongs to all the notes
// covering it, is counted once, and is a hit if it matches any of them. The YIN search
// range is narrowed to [lowest note / 2, highest note * 2], so octave errors still miss.
#ifndef CN_PITCH_ACCURACY_H
#define CN_PITCH_ACCURACY_H

#include <stddef.h>

#include "core/cn_note.h"
#include "core/cn_status.h"


typedef struct cn_pitch_accuracy_config {
    double hop_s;           // frame hop (0.010)
    double edge_s;          // skipped at each note edge (0.030)
    double tolerance_cents; // hit tolerance (50)
} cn_pitch_accuracy_config;

typedef struct cn_pitch_accuracy_result {
    size_t frames;   // frames inside notes (after edge skipping)
    size_t voiced;   // of those, voiced
    size_t hits;     // of those, within tolerance
    double accuracy; // hits / frames (0 when frames == 0)
    double voiced_accuracy; // hits / voiced
    double mean_hit_cents;  // mean |error| over the hits, cents (tuning precision)
} cn_pitch_accuracy_result;

cn_pitch_accuracy_config cn_pitch_accuracy_config_default(void);

double cn_midi_pitch_to_hz(double pitch);

cn_status cn_pitch_accuracy(const float *audio, size_t n, double rate, const cn_timed_note *notes,
                            int n_notes, const cn_pitch_accuracy_config *cfg,
                            cn_pitch_accuracy_result *out);

#endif
