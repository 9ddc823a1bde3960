// cn_smf.h: the one Standard MIDI File writer: a growing byte buffer with tracks of
// delta-timed events. cn_melody_write_midi (midi_write.c) and the WaveNet's training
// scores (wn_data.c) build their files with it. Reading is midi_read.c.
#ifndef CN_SMF_H
#define CN_SMF_H

#include <stddef.h>
#include <stdint.h>

#include "core/cn_status.h"

#define CN_SMF_MAX_VLQ 0x0fffffffu // the largest delta time a file can hold

typedef struct cn_smf {
    uint8_t *d;
    size_t n, cap;
    size_t track; // offset of the open track's data, 0 when none is open
    int failed;   // an allocation failed: later writes are ignored, reported by cn_smf_finish
} cn_smf;

// The header chunk: format (0 or 1), number of tracks, ticks per quarter note.
void cn_smf_begin(cn_smf *s, int format, int tracks, int ppq);
void cn_smf_track_begin(cn_smf *s);
// An event after `delta` ticks: status byte and its data bytes (n = 0..2).
void cn_smf_event(cn_smf *s, uint32_t delta, int status, const uint8_t *data, int n);
void cn_smf_meta(cn_smf *s, uint32_t delta, int type, const void *data, uint32_t len);
// End of track (delta 0) and the chunk length patched in.
void cn_smf_track_end(cn_smf *s);
// The bytes (owned by the caller, free()) or CN_ERR_NOMEM.
cn_status cn_smf_finish(cn_smf *s, uint8_t **data, size_t *size);
// Write the file atomically (cn_atomic_file); frees the buffer either way.
cn_status cn_smf_write_file(cn_smf *s, const char *path);

#endif
