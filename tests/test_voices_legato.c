// LABELS: unit
// test_voices_legato.c: voice allocation with a synth that plays legato (cn_voice_ops.legato,
// the WaveNet): a note-on takes over a released voice of its channel that the synth says
// can carry on, the closest in pitch of those (the youngest among equals), without a new
// slot or a steal; held and pedal-held voices, other channels' voices and voices the synth
// refuses are never taken; without the callback every note gets a slot of its own.
#include <stdio.h>
#include <string.h>

#include "cn_test.h"
#include "dsp/cn_voices.h"

typedef struct recorder {
    int started[16], how[16], released[16];
    int refuse; // slot the synth says cannot carry on (-1: none)
    int asked;
} recorder;

static void on_start(void *synth, int slot, int how) {
    recorder *r = synth;
    r->started[slot]++;
    r->how[slot] = how;
}
static void on_release(void *synth, int slot) { ((recorder *)synth)->released[slot]++; }
static int on_legato(void *synth, int slot, int pitch) {
    recorder *r = synth;
    (void)pitch;
    r->asked++;
    return slot != r->refuse;
}

static const cn_voice_ops legato_ops = {on_start, on_release, on_legato};
static const cn_voice_ops plain_ops = {on_start, on_release, NULL};

static void event(cn_voices *vs, const cn_voice_ops *ops, recorder *r, int type, int pitch, int channel) {
    cn_note_event e = CN_NOTE(0, type, pitch, 100);
    e.channel = channel;
    if (type == CN_EV_CONTROL) { // pitch = the pedal's value here
        e.control = 64;
        e.value = pitch;
    }
    cn_voices_event(vs, &e, ops, r);
}

// A fresh voice set of `limit` slots and recorder (refusing slot `refuse`, -1: none).
static void fresh(cn_voices *vs, int limit, recorder *r, int refuse) {
    cn_voices_init(vs, limit);
    memset(r, 0, sizeof *r);
    r->refuse = refuse;
}

// C4 struck and released, then D4 on channel 0.
static void line(cn_voices *vs, const cn_voice_ops *ops, recorder *r) {
    event(vs, ops, r, CN_EV_NOTE_ON, 60, 0);
    event(vs, ops, r, CN_EV_NOTE_OFF, 60, 0);
    event(vs, ops, r, CN_EV_NOTE_ON, 62, 0);
}

static int slot_of(const cn_voices *vs, int pitch) {
    for (int i = 0; i < vs->limit; i++)
        if (vs->v[i].state == CN_VOICE_HELD && vs->v[i].pitch == pitch) return i;
    return -1;
}

int main(void) {
    cn_voices vs;
    recorder r;

    // A melody on channel 0: each note carries on in the first voice.
    fresh(&vs, 4, &r, -1);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 60, 0);
    TEST_ASSERT(slot_of(&vs, 60) == 0 && r.how[0] == CN_VOICE_NEW);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_OFF, 60, 0);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 62, 0);
    TEST_ASSERT(slot_of(&vs, 62) == 0 && r.how[0] == CN_VOICE_LEGATO && r.started[0] == 2);
    TEST_ASSERT(vs.active == 1 && vs.stolen == 0);
    // A second channel's note does not take channel 0's released voice.
    event(&vs, &legato_ops, &r, CN_EV_NOTE_OFF, 62, 0);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 64, 1);
    TEST_ASSERT(slot_of(&vs, 64) == 1 && r.how[1] == CN_VOICE_NEW && vs.active == 2);
    // A held voice is not taken: a chord note on top of a sounding one gets its own slot.
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 67, 1);
    TEST_ASSERT(slot_of(&vs, 67) == 2 && slot_of(&vs, 64) == 1 && r.how[2] == CN_VOICE_NEW);

    // Chord to chord: each note takes the released voice closest in pitch.
    fresh(&vs, 8, &r, -1);
    const int c1[3] = {60, 64, 67}, c2[3] = {65, 59, 69}; // G4 -> A4, C4 -> B3, E4 -> F4 (voice leading)
    for (int i = 0; i < 3; i++) event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, c1[i], 0);
    for (int i = 0; i < 3; i++) event(&vs, &legato_ops, &r, CN_EV_NOTE_OFF, c1[i], 0);
    for (int i = 0; i < 3; i++) event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, c2[i], 0);
    TEST_ASSERT(slot_of(&vs, 65) == 1 && slot_of(&vs, 59) == 0 && slot_of(&vs, 69) == 2);
    TEST_ASSERT(vs.active == 3 && vs.stolen == 0);

    // The synth refuses a voice (its release is over, another instrument): a new slot.
    fresh(&vs, 4, &r, 0);
    line(&vs, &legato_ops, &r);
    TEST_ASSERT(r.asked == 1 && slot_of(&vs, 62) == 1 && r.how[1] == CN_VOICE_NEW);

    // The pedal holds a released key's voice (sustained, not released): not taken.
    fresh(&vs, 4, &r, -1);
    event(&vs, &legato_ops, &r, CN_EV_CONTROL, 127, 0);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 60, 0);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_OFF, 60, 0);
    TEST_ASSERT(vs.v[0].state == CN_VOICE_SUSTAINED);
    event(&vs, &legato_ops, &r, CN_EV_NOTE_ON, 62, 0);
    TEST_ASSERT(r.asked == 0 && slot_of(&vs, 62) == 1 && vs.v[0].state == CN_VOICE_SUSTAINED);

    // Without the callback: a new slot for every note, and a full set steals (counted).
    fresh(&vs, 1, &r, -1);
    line(&vs, &plain_ops, &r);
    TEST_ASSERT(r.how[0] == CN_VOICE_STOLEN && vs.stolen == 1 && vs.stolen_tails == 1);
    // ... and with it, one voice plays the line without a steal.
    fresh(&vs, 1, &r, -1);
    line(&vs, &legato_ops, &r);
    TEST_ASSERT(r.how[0] == CN_VOICE_LEGATO && vs.stolen == 0);
    printf("legato voice allocation: all cases pass\n");
    return 0;
}
