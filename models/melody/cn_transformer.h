// cn_transformer: the melody transformer. One token per note event (cn_events.h);
// token 0 is a "start" token that carries the tune's conditioning (key, meter, style,
// length bucket, each with an "unknown" row). A pre-LayerNorm decoder-only transformer
// with rotary position embeddings (RoPE), causal attention and a GELU MLP turns tokens
// 0..n-1 into hidden states h[0..n-1]; h[t] predicts event t with a factorized head:
//   P(pitch | h)            = softmax(W_p h + b_p)
//   P(dur | h, pitch)       = softmax(W_d gelu(h + Ed[pitch]) + b_d)
//   P(rest | h, pitch, dur) = softmax(W_r gelu(h + Er[pitch] + Erd[dur-1]) + b_r)
// Forward and backward are written by hand (llm.c style): Config + Weights (one flat
// array split by a pointer table) + Acts (one sequence's activations) + Grads (a flat
// array shaped like the weights). Incremental inference with a KV cache, the
// cn_event_model adapter and model files live in transformer_infer.c / transformer_io.c.
#ifndef CN_TRANSFORMER_H
#define CN_TRANSFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "models/melody/cn_event_model.h"
#include "models/melody/cn_events.h"
#include "models/nn/cn_rng.h"
#include "core/cn_status.h"

#define CN_TF_FORMAT "continuo-melody"
#define CN_TF_VERSION 2     // 2 added the infilling tensors fim.mark and fim.gap
#define CN_TF_VERSION_MIN 1 // version 1 files load; their infilling tensors are untrained
#define CN_TF_NKEY 24 // tonic pitch class + 12 * minor
// Training runs causal attention in this many blocks of query rows (transformer.c);
// bench/bench_melody.c counts its FLOPs the same way.
#define CN_TF_ATT_BLOCKS 4

typedef struct cn_tf_config {
    int d_model;   // C: width of the residual stream
    int n_layers;  // L
    int n_heads;   // H; head size C/H must be even (RoPE rotates pairs)
    int ctx;       // T: most tokens seen at once (start token + T-1 events)
    float dropout; // residual and embedding dropout while training
} cn_tf_config;

// d_model 192, 4 layers, 6 heads, ctx 256, dropout 0.1.
void cn_tf_config_default(cn_tf_config *c);
cn_status cn_tf_config_check(const cn_tf_config *c);

// ---- parameters ---------------------------------------------------------------------
// Rows of the conditioning tables: the vocabulary plus one "unknown" row (the last).
int cn_tf_cond_rows(int field); // field 0 key, 1 meter, 2 style, 3 length

enum {
    CN_TF_EMB_PITCH, CN_TF_EMB_DUR, CN_TF_EMB_REST,                  // [128,C] [96,C] [97,C]
    CN_TF_COND_KEY, CN_TF_COND_METER, CN_TF_COND_STYLE, CN_TF_COND_LEN, // [rows,C]
    CN_TF_LN1_G, CN_TF_LN1_B,                                         // [L,C]
    CN_TF_QKV_W, CN_TF_QKV_B,                                         // [L,3C,C] [L,3C]
    CN_TF_ATT_W, CN_TF_ATT_B,                                         // [L,C,C] [L,C]
    CN_TF_LN2_G, CN_TF_LN2_B,                                         // [L,C]
    CN_TF_FC_W, CN_TF_FC_B,                                           // [L,4C,C] [L,4C]
    CN_TF_PROJ_W, CN_TF_PROJ_B,                                       // [L,C,4C] [L,C]
    CN_TF_LNF_G, CN_TF_LNF_B,                                         // [C]
    CN_TF_HP_W, CN_TF_HP_B,                                           // [128,C] [128]
    CN_TF_HD_PEMB, CN_TF_HD_W, CN_TF_HD_B,                            // [128,C] [96,C] [96]
    CN_TF_HR_PEMB, CN_TF_HR_DEMB, CN_TF_HR_W, CN_TF_HR_B,             // [128,C] [96,C] [97,C] [97]
    CN_TF_FIM_MARK, CN_TF_FIM_GAP,                                    // [2,C] [CN_TF_NGAP,C]
    CN_TF_NPARAM
};

// Named pointers into one flat array (weights, gradients or AdamW moments alike), in the
// order of the enum above, as the WaveNet's cn_wn_params (one convention for both).
typedef struct cn_tf_weights {
    float *emb_pitch, *emb_dur, *emb_rest, *cond_key, *cond_meter, *cond_style, *cond_len;
    float *ln1_g, *ln1_b, *qkv_w, *qkv_b, *att_w, *att_b, *ln2_g, *ln2_b, *fc_w, *fc_b, *proj_w, *proj_b;
    float *lnf_g, *lnf_b, *hp_w, *hp_b, *hd_pemb, *hd_w, *hd_b, *hr_pemb, *hr_demb, *hr_w, *hr_b;
    float *fim_mark, *fim_gap;
} cn_tf_weights;
_Static_assert(sizeof(cn_tf_weights) == CN_TF_NPARAM * sizeof(float *), "one field per tensor, in enum order");
// Tensor i (enum order), for loops over all tensors.
static inline float *cn_tf_tensor(const cn_tf_weights *w, int i) { return ((float *const *)w)[i]; }

// Element count of each tensor; returns the total.
size_t cn_tf_param_sizes(const cn_tf_config *c, size_t sizes[CN_TF_NPARAM]);
// Shape of tensor i (up to 3 dims; returns the number of dims) and its checkpoint name.
int cn_tf_param_shape(const cn_tf_config *c, int i, int shape[3]);
const char *cn_tf_param_name(int i);
int cn_tf_param_decays(int i); // 1 if AdamW weight decay applies (matmul weights)
// Point w's fields into the flat array `mem` (cn_tf_param_sizes layout).
void cn_tf_params_point(const cn_tf_config *c, float *mem, cn_tf_weights *w);

// ---- infilling (fill-in-the-middle) ----------------------------------------------------
// A tune with a gap is arranged as  start, prefix..., SUFFIX(gap), suffix..., MIDDLE,
// middle...: the model reads both sides, then writes the middle left to right. Markers
// are cn_mevent tokens with a negative pitch; the suffix marker's dur field holds the
// gap's length in ticks (embedded in beats, CN_TF_NGAP rows, the last for 64 beats and
// more), so the model knows how much time the middle must fill. A target with a
// negative pitch (a marker) is not scored.
#define CN_TF_SUFFIX (-1)
#define CN_TF_MIDDLE (-2)
#define CN_TF_NGAP 65
static inline cn_mevent cn_tf_suffix_marker(int gap_ticks) {
    return (cn_mevent){CN_TF_SUFFIX, gap_ticks, 0};
}
static inline cn_mevent cn_tf_middle_marker(void) { return (cn_mevent){CN_TF_MIDDLE, 0, 0}; }
int cn_tf_gap_row(int gap_ticks);

typedef struct cn_tf {
    cn_tf_config cfg;
    int fim; // trained for infilling (metadata "fim"); a version 1 file never is
    size_t n_params;
    float *params; // [n_params]
    cn_tf_weights w;
    float *rope_cos, *rope_sin; // [T, C/H/2]
} cn_tf;

cn_status cn_tf_create(const cn_tf_config *cfg, cn_tf **out); // weights zeroed
void cn_tf_destroy(cn_tf *m);                                  // NULL is a no-op
// GPT-2 style init: N(0, 0.02), residual projections scaled by 1/sqrt(2L), norms 1.
void cn_tf_init_weights(cn_tf *m, uint64_t seed);

// ---- training forward / backward (one sequence) ---------------------------------------
typedef struct cn_tf_acts cn_tf_acts;
cn_status cn_tf_acts_create(const cn_tf_config *cfg, cn_tf_acts **out);
void cn_tf_acts_destroy(cn_tf_acts *a);

// Run tokens [start(cond), in[0..n_in-1]] (n_in + 1 <= ctx; markers allowed). With
// targets[n_in + 1] (target t = the event token t predicts; markers are skipped) returns
// the summed negative log-likelihood in nats and keeps what backward needs; without,
// returns 0. rng != NULL enables dropout.
float cn_tf_forward(const cn_tf *m, cn_tf_acts *a, const cn_melody_cond *cond,
                    const cn_mevent *in, int n_in, const cn_mevent *targets, cn_rng *rng);
// Accumulate scale * d(NLL)/d(params) of the last forward (which had targets) into grads.
void cn_tf_backward(const cn_tf *m, cn_tf_acts *a, float *grads, float scale);
// x[C] = the input embedding of event or marker e.
void cn_tf_embed(const cn_tf *m, const cn_mevent *e, float *x);
// Final-LayerNorm hidden state of token t of the last forward, [C].
const float *cn_tf_hidden(const cn_tf_acts *a, int t);

// ---- the factorized head on one hidden state -------------------------------------------
void cn_tf_pitch_probs(const cn_tf *m, const float *h, float out[CN_EV_NPITCH]);
void cn_tf_dur_probs(const cn_tf *m, const float *h, int pitch, float out[CN_EV_NDUR]);
void cn_tf_rest_probs(const cn_tf *m, const float *h, int pitch, int dur, float out[CN_EV_NREST]);

// ---- inference (transformer_infer.c) -----------------------------------------------------
// Events kept in the window after n events were observed: all while n <= ctx-1; past
// that the window drops to its newest ctx/2 events and grows again, so the KV cache is
// rebuilt once every ctx/2 - 1 events instead of on every event.
int cn_tf_window_len(int ctx, long n);

typedef struct cn_tf_state cn_tf_state;
// use_cache = 0 recomputes the whole window on every event (the reference path).
cn_status cn_tf_state_create(const cn_tf *m, int use_cache, cn_tf_state **out);
void cn_tf_state_destroy(cn_tf_state *s);
cn_status cn_tf_state_clone(const cn_tf_state *s, cn_tf_state **out);
void cn_tf_state_reset(cn_tf_state *s, const cn_melody_cond *cond);
void cn_tf_state_observe(cn_tf_state *s, const cn_mevent *e);
const float *cn_tf_state_hidden(const cn_tf_state *s); // predicts the next event, [C]

// n <= CN_TF_MAX_BATCH cached states of one model that observe one event each at every
// step (one tune heard at several transpositions): each weight matrix is read once per
// step for all of them. State i's hidden state equals a lone state's fed the same events
// up to float rounding (the batched products sum in another order).
#define CN_TF_MAX_BATCH 8
typedef struct cn_tf_batch cn_tf_batch;
cn_status cn_tf_batch_create(const cn_tf *m, int n, cn_tf_batch **out);
cn_status cn_tf_batch_clone(const cn_tf_batch *b, cn_tf_batch **out);
void cn_tf_batch_destroy(cn_tf_batch *b);
void cn_tf_batch_reset(cn_tf_batch *b, const cn_melody_cond cond[]); // cond[n]
void cn_tf_batch_observe(cn_tf_batch *b, const cn_mevent ev[]);      // ev[n]
const float *cn_tf_batch_hidden(const cn_tf_batch *b, int i);

// Wrap a state as a cn_event_model (name "transformer"). The model `m` must outlive it;
// `own_model` = 1 makes destroy also free m.
cn_status cn_tf_event_model(cn_tf *m, int use_cache, int own_model, cn_event_model *out);

// ---- model files (transformer_io.c) ------------------------------------------------------
// Extra metadata pairs (NULL-terminated key, value list) and optional AdamW state
// (moments [n_params] each and the step count) for resumable checkpoints.
typedef struct cn_tf_save_extra {
    const char *const *meta; // {"key", "value", ..., NULL}
    const float *adam_m, *adam_v;
    long step;
} cn_tf_save_extra;

cn_status cn_tf_save(const cn_tf *m, const char *path, const cn_tf_save_extra *extra);
// Load a model (architecture from the file's metadata; format and version checked).
cn_status cn_tf_load(const char *path, cn_tf **out);
// Load the AdamW state of a checkpoint saved for the same architecture.
cn_status cn_tf_load_optim(const char *path, const cn_tf *m, float *adam_m, float *adam_v,
                           long *step);

#endif
