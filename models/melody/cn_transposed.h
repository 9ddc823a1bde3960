// cn_transposed: a cn_event_model that hears every tune `semis` semitones higher and
// answers in the tune's own pitches. Mixing a model's views at several transpositions
// (a transposition ensemble) averages away what it learned about one key only: the
// shipped predictor mixes the transformer heard at -2..+2 semitones (docs/scoring.md).
// The key condition moves with the pitches; a pitch that would leave 0..127 is heard an
// octave nearer the middle, and the answer gives such pitches probability 0.
#ifndef CN_TRANSPOSED_H
#define CN_TRANSPOSED_H

#include "models/melody/cn_event_model.h"
#include "core/cn_status.h"

// inner is copied (its self pointer is kept); with own != 0 the view destroys it when
// destroyed (also when creation fails). Clones need inner's clone/free_clone.
cn_status cn_transposed_create(const cn_event_model *inner, int semis, int own,
                               cn_event_model **out);

// The pitch a view `semis` away hears for `pitch`: moved, then folded by octaves into 0..127.
int cn_transposed_pitch(int pitch, int semis);

#endif
