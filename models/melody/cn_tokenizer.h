// cn_tokenizer: from melodies and corpus folders to what the melody transformer trains
// on: each tune's note events (cn_events.h) and its conditioning (cn_event_model.h):
// key from the key signature (sharps + minor -> tonic pitch class), meter from the time
// signature, style from the corpus folder name, length bucket from the event count.
// Also the transposition used for data augmentation.
#ifndef CN_TOKENIZER_H
#define CN_TOKENIZER_H

#include "models/melody/cn_event_model.h"
#include "models/melody/cn_events.h"
#include "models/cn_melody.h"
#include "core/cn_status.h"

typedef struct cn_tune {
    cn_event_seq ev;     // clamped into the vocabularies
    cn_melody_cond cond; // fully known where the file says so, -1 otherwise
} cn_tune;

typedef struct cn_tune_set {
    cn_tune *t;
    int n, cap;
    long events;    // total events
    int clamped;    // events whose duration or rest was clamped
    int skipped;    // files that could not be read or held no notes
    char first_skip[256]; // the message of the first skipped file
} cn_tune_set;

// Key index 0..23 = tonic pitch class + 12 * minor, from a key signature (-7..7 sharps).
int cn_tok_key(int sharps, int minor);
// Style index of a corpus folder: its basename, or its parent's when the basename is
// train, valid or test (data/melody/nottingham/train -> nottingham); "other" otherwise.
int cn_tok_style_of_dir(const char *dir);
// Conditioning of a melody: -1 (unknown) for a missing key or meter; an unlisted meter
// is "other".
cn_melody_cond cn_tok_cond(const cn_melody *m, int style, int n_events);

// Events + conditioning of one melody (events clamped; *clamped counts changes).
cn_status cn_tok_tune(const cn_melody *m, int style, cn_tune *out, int *clamped);
// Add every .mid/.midi file of `dir` (sorted by name; not recursive) with the style of
// the folder name. Unreadable files are skipped and counted, not fatal; a folder that
// cannot be opened or holds no usable file is an error.
cn_status cn_tune_set_add_dir(cn_tune_set *set, const char *dir);
void cn_tune_set_free(cn_tune_set *set);

// Transpose events by `semis` and shift the key; returns 0 and changes nothing when a
// pitch would leave 0..127, 1 when applied.
int cn_tok_transpose(cn_mevent *ev, int n, cn_melody_cond *cond, int semis);
// A key index (0..23, or -1 = unknown, kept) moved by `semis`: the tonic moves, the mode stays.
int cn_key_transpose(int key, int semis);

#endif
