// cn_wn_note_shape: does a note hold its level, and does it start as the recording's does?
// The metrics that choose weights (pitch accuracy, MR-STFT distance as a mean over frames,
// a note's level as its mean) all miss a note that swells inside itself or bursts at its
// release: the free-run fine-tune's violin did both (12 dB inside the note; 0.05 to 0.41 of
// full scale at the demo's last note) and scored closer to FluidSynth than the shipped one.
// They miss a sharp attack too: the longer fine-tune's guitar, closer on both, peaked at
// -1.7 dBFS in its A4 onsets where FluidSynth's loudest sample is -11 dBFS, and clipped
// loud chords. Each note is measured on what was played and on the recording over the same
// span, and counted when the first exceeds the second by more than the threshold
// (FluidSynth's violin and cello swell too, and its guitar's attacks vary).
//   swell: the loudest 10 ms against the median 10 ms, from CN_WN_SWELL_SKIP_S after the
//     onset (the attack) to CN_WN_SWELL_TAIL_S after the release, cut at the next onset;
//   attack: how far the largest sample over the first CN_WN_ATTACK_S after the onset rises
//     over the largest over the next CN_WN_ATTACK_AFTER_S, cut at the next onset (0 when
//     it does not: a fast attack where the recording's is slow, as on a clarinet, is no
//     spike, and the shipped clarinet's would count on 57% of its notes). That span runs
//     to half a second so that a legato note which starts in the last one's tail, dips and
//     comes back (the 48 kHz cello's A4 after an F#4: back by 240 ms) is not a click; over
//     80 ms it counted 8.8% of that cello's test-tune notes, none louder than -12.8 dBFS.
#ifndef CN_WN_NOTE_SHAPE_H
#define CN_WN_NOTE_SHAPE_H

#include <stdint.h>

#include "core/cn_note.h"
#include "core/cn_status.h"

#define CN_WN_SWELL_DB 6.0
#define CN_WN_SWELL_SKIP_S 0.05
#define CN_WN_SWELL_TAIL_S 0.1
#define CN_WN_SWELL_FRAME_S 0.01
#define CN_WN_SWELL_MIN_S 0.1 // shorter spans are not measured

#define CN_WN_ATTACK_DB 9.0
#define CN_WN_ATTACK_S 0.02
#define CN_WN_ATTACK_AFTER_S 0.48
#define CN_WN_ATTACK_MIN_S 0.03 // shorter spans after the attack are not measured

// Notes measured against the recording.
typedef struct cn_wn_excess {
    int notes;       // notes measured
    int over;        // of which exceed the recording's by more than the threshold
    double worst_db; // the largest excess (0 when none is measured)
} cn_wn_excess;

// The swells and attacks of `played` against `recording` (both n samples at `rate`) over
// notes[0..n_notes) (sorted by onset; notes that start past n are skipped).
cn_status cn_wn_note_swells(const float *played, const float *recording, int64_t n, int rate,
                            const cn_timed_note *notes, int n_notes, cn_wn_excess *out);
cn_status cn_wn_note_attacks(const float *played, const float *recording, int64_t n, int rate,
                             const cn_timed_note *notes, int n_notes, cn_wn_excess *out);

// sum += x: the counts added, the worst of both (of those that measured notes).
void cn_wn_excess_add(cn_wn_excess *sum, const cn_wn_excess *x);

#endif
