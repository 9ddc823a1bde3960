// cn_notation: the short text notation of melodies (docs/DESIGN.md, "Command line"):
// space-separated PITCH[:BEATS] tokens, pitch names like C4 F#5 Bb3 (C4 = MIDI 60),
// `r` for a rest, beats an integer or a fraction (D4:1/2), default 1; `|` bar lines are
// allowed and ignored. Durations must land on the 12-ticks-per-beat grid.
#ifndef CN_NOTATION_H
#define CN_NOTATION_H

#include <stddef.h>

#include "models/cn_melody.h"
#include "core/cn_status.h"

// Parse text into mel (appends). Errors name the offending token.
cn_status cn_notation_parse(const char *text, cn_melody *mel);
// Print mel into a malloc'd string (caller frees). Bar lines are added every
// meter_num beats when the meter is known.
cn_status cn_notation_format(const cn_melody *mel, char **out);

#endif
