// cn_wn_swell: does a note hold its level? The metrics that choose weights (pitch accuracy,
// MR-STFT distance as a mean over frames, a note's level as its mean) all miss a note
// that swells inside itself or bursts at its release: the free-run fine-tune's violin did
// both (12 dB inside the note; 0.05 to 0.41 of full scale at the demo's last note) and
// scored closer to FluidSynth than the shipped one. A note's swell is its loudest 10 ms
// against its median 10 ms, from CN_WN_SWELL_SKIP_S after its onset (the attack) to
// CN_WN_SWELL_TAIL_S after its release, cut at the next onset; measured on what was played
// and on the recording over the same span, a note swells when the first exceeds the
// second by more than CN_WN_SWELL_DB (FluidSynth's violin and cello swell too).
#ifndef CN_WN_SWELL_H
#define CN_WN_SWELL_H

#include <stdint.h>

#include "core/cn_note.h"
#include "core/cn_status.h"

#define CN_WN_SWELL_DB 6.0
#define CN_WN_SWELL_SKIP_S 0.05
#define CN_WN_SWELL_TAIL_S 0.1
#define CN_WN_SWELL_FRAME_S 0.01
#define CN_WN_SWELL_MIN_S 0.1 // shorter spans are not measured

typedef struct cn_wn_swells {
    int notes;        // notes measured
    int swelling;     // of which swell (excess > CN_WN_SWELL_DB)
    double worst_db;  // the largest excess (0 when none is measured)
} cn_wn_swells;

// The swells of `played` against `recording` (both n samples at `rate`) over notes[0..n_notes)
// (sorted by onset; notes that start past n are skipped).
cn_status cn_wn_note_swells(const float *played, const float *recording, int64_t n, int rate,
                            const cn_timed_note *notes, int n_notes, cn_wn_swells *out);

// sum += x: the counts added, the worst of both (of those that measured notes).
void cn_wn_swells_add(cn_wn_swells *sum, const cn_wn_swells *x);

#endif
