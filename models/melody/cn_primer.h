// cn_primer: getting melodies into the melody models: a primer given on the command
// line (a MIDI file or text notation), MIDI files as note events, and lists of MIDI
// files from files and directories (for score, n-gram training and the benchmarks).
#ifndef CN_PRIMER_H
#define CN_PRIMER_H

#include "models/melody/cn_events.h"
#include "models/cn_melody.h"
#include "core/cn_status.h"

// A primer: a MIDI file (named *.mid/*.midi, or any file starting "MThd"; melody track =
// most notes), a file of text notation, or text notation itself. A folder is an error.
// out is initialised here.
cn_status cn_primer_load(const char *arg, cn_melody *out);

// The conditioning key (cn_melody_cond.key: tonic pitch class + 12 * minor) of a
// melody's key signature, -1 if it has none.
int cn_melody_key_index(const cn_melody *m);

// The melody of a MIDI file as note events, clamped into the vocabularies
// (*clamped = how many events were clamped; may be NULL).
cn_status cn_events_load_midi(const char *path, cn_event_seq *out, int *clamped);

// Expand files and directories (their *.mid / *.midi files, not recursive, sorted by
// name) into a malloc'd list of malloc'd paths. A path that is neither is an error.
cn_status cn_midi_paths(const char *const *paths, int n_paths, char ***out, int *n_out);
void cn_midi_paths_free(char **list, int n);

#endif
