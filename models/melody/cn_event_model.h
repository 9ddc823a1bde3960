// cn_event_model: the interface every melody predictor implements (the transformer,
// the adaptive n-gram, and their mixture), so `score`, `continue`, sampling, beam search
// and the benchmarks work with any of them. The next event is predicted in three
// factors, P(pitch) * P(dur | pitch) * P(rest | pitch, dur), over the vocabularies of
// cn_events.h. A model is fed the events of one tune in order (observe) and asked for
// the next event's factors; reset() starts a new tune with the given conditioning.
#ifndef CN_EVENT_MODEL_H
#define CN_EVENT_MODEL_H

#include "models/melody/cn_events.h"
#include "core/cn_status.h"

// Conditioning of a tune; -1 in any field means "unknown" (score uses all unknown).
typedef struct cn_melody_cond {
    int key;    // 0..23: tonic pitch class + 12*minor (C major = 0, A minor = 9+12)
    int meter;  // index into cn_meter_names (cn_events.h)
    int style;  // index into cn_style_names (cn_events.h)
    int length; // target length bucket (cn_length_bucket(notes))
} cn_melody_cond;

typedef struct cn_event_model {
    void *self;
    const char *name; // for messages and the MIDI text meta event
    // Start a new tune with this conditioning. Must be called before observe/predict.
    cn_status (*reset)(void *self, const cn_melody_cond *cond);
    // Append an observed (or generated) event to the context.
    cn_status (*observe)(void *self, const cn_mevent *e);
    // Distributions of the next event's factors (each sums to 1).
    void (*pitch_probs)(void *self, float out[CN_EV_NPITCH]);
    void (*dur_probs)(void *self, int pitch, float out[CN_EV_NDUR]);
    void (*rest_probs)(void *self, int pitch, int dur, float out[CN_EV_NREST]);
    // Save/restore the context state for beam search (may be NULL = not supported).
    void *(*clone)(void *self);
    void (*free_clone)(void *clone);
    void (*destroy)(void *self);
} cn_event_model;

// log2 P(e) under m's current context (does not observe e).
double cn_event_model_log2p(cn_event_model *m, const cn_mevent *e);

#endif
