// cn_wavenet: a small WaveNet (van den Oord et al. 2016) that turns notes into mono audio,
// one mu-law class (256 levels) or one Gaussian per sample. This header holds the model: config, the flat
// parameter table, teacher-forced forward/backward over one chunk (training), and the two
// generators: the cached one (fast-wavenet queues, O(layers) per sample, no allocation per
// sample) and the naive one that recomputes the whole receptive field for every sample.
// Conditioning features (notes + harmonic excitation) live in cn_wn_features.h; checkpoint
// I/O in cn_wn_io.h; training in cn_wn_train.h.
//
// Network, per sample t (R residual, G gate, S skip channels, C conditioning features,
// K = 256 classes, c_t = note/excitation features of t followed by the instrument embedding,
// a_t = the audio inputs: x_{t-1}, x_{t-P}, x_{t-2P}, with x the past samples in [-1, 1] and
// P = rate / f0 of the note (fractional, linear interpolation): the pitch lag. Repeating
// the last period is then one weight away, so the network's own past locks to the note's
// pitch instead of drifting (the idea of QPNet's pitch-dependent dilation, and of the
// long-term predictor of speech codecs):
//   h0_t      = W_in [a_t, c_t] + b_in
//   layer l (dilation d_l, kernel 2, causal):
//     z_t     = W_dil [h_{t-d}, h_t] + W_cond c_t + b_dil       (2G: filter half, gate half)
//     g_t     = tanh(z_f) * sigmoid(z_g)                         (G)
//     h'_t    = h_t + W_res g_t + b_res                          (R, residual)
//     s_t    += W_skip g_t + b_skip                              (S, skip sum)
//   s_t      += W_exc c_t                                        direct excitation -> output path
//   logits_t  = W_o2 relu(W_o1 relu(s_t) + b_o1) + b_o2          (K outputs, the head's)
//   The head (cfg.out) reads those K outputs as either
//   - mu-law: K = 256 class logits of the 8-bit mu-law sample, or
//   - Gaussian: K = 2, the mean and log scale of a normal density of the sample value in
//     [-1, 1] (ClariNet's single-Gaussian WaveNet): no quantization, so no 8-bit hiss;
//     log scale is clamped below at CN_WN_LOGS_MIN, and temperature 0 plays the mean.
//   direct prediction (the easiest path from the excitation to the output): a linear
//   prediction u_t = w_p . [a_t, c_t] + b_p of the sample from the pitch-lagged past and
//   the features, and a bump around it
//   in mu-law space added to the logits: logits_t[k] += -exp(8 lb) (v_k - mulaw(u_t))^2
//   (the factor 8 lets AdamW's bounded steps move the sharpness fast enough),
//   v_k = centre of class k in [-1, 1]; for the Gaussian head u_t is added to the mean
//   (lb unused), so the network learns the residual of a linear predictor. A linear mix of the excitation's harmonics and of
//   the samples one and two periods ago is periodic at f0, so following it plays in tune.
// h at negative times is zero (zero padding); the receptive field is 1 + sum(d_l) samples.
#ifndef CN_WAVENET_H
#define CN_WAVENET_H

#include <stddef.h>
#include <stdint.h>

#include "core/cn_status.h"
#include "models/wavenet/cn_wn_features.h"

#define CN_WN_CLASSES 256        // mu-law classes; also the most outputs any head has
#define CN_WN_LOGS_MIN (-7.0f)   // Gaussian head: log scale floor (scale >= 9.1e-4, -61 dBFS)
#define CN_WN_MAX_LAYERS 40
#define CN_WN_MAX_INSTRUMENTS 16
#define CN_WN_DECAY_KNOTS 16 // the decay calibration's times per note (cn_wn_levels.h)
#define CN_WN_EQ_MAX_PER_OCTAVE 3 // the spectrum calibration's finest layout (cn_wn_eq.h)
#define CN_WN_EQ_MAX_BANDS (8 * CN_WN_EQ_MAX_PER_OCTAVE + 1)
// Bands of a spectrum table: 62.5 Hz .. 16 kHz, per_octave of them per octave.
static inline int cn_wn_eq_table_bands(int per_octave) { return 8 * per_octave + 1; }
#define CN_WN_NAME_MAX 32
#define CN_WN_SHARP_SCALE 8.0f // sharpness of the direct bump = exp(8 * pred.b[1])
#define CN_WN_NAUDIO 3          // audio inputs a_t: x_{t-1}, x_{t-P}, x_{t-2P}
#define CN_WN_HISTORY 4096      // past samples the audio inputs may reach (P <= 2047: 23.5 Hz at 48 kHz)

// The output head: what the network's K outputs mean (cn_wavenet.h's first comment).
enum { CN_WN_OUT_MULAW, CN_WN_OUT_GAUSS };

typedef struct cn_wn_config {
    int out;            // CN_WN_OUT_MULAW (256 classes) or CN_WN_OUT_GAUSS (mean, log scale)
    int n_layers;       // L dilated layers
    int cycle;          // dilations 1, 2, ..., 2^(cycle-1), repeated: layer l has 2^(l % cycle)
    int res, gate, skip; // R, G, S channels
    int emb;            // E: instrument embedding size (appended to the note features)
    int n_instruments;  // rows of the embedding table
    int sample_rate;    // Hz the model was trained at
    char instruments[CN_WN_MAX_INSTRUMENTS][CN_WN_NAME_MAX]; // names ("flute")
} cn_wn_config;

// 10 layers (dilations 1..512: receptive field 1024), R 32, G 32, S 64, E 8, 16 kHz.
void cn_wn_config_default(cn_wn_config *c);
cn_status cn_wn_config_check(const cn_wn_config *c);
int cn_wn_dilation(const cn_wn_config *c, int layer);
int cn_wn_receptive_field(const cn_wn_config *c);
static inline int cn_wn_cond_dim(const cn_wn_config *c) { return CN_WN_NFEAT + c->emb; }
// Columns of the input layer and of the direct prediction: [a_t, c_t].
static inline int cn_wn_in_dim(const cn_wn_config *c) { return CN_WN_NAUDIO + cn_wn_cond_dim(c); }
// The Gaussian head's log scale from its outputs [mean, log scale]: floored at CN_WN_LOGS_MIN.
static inline float cn_wn_log_scale(const float *out) { return out[1] > CN_WN_LOGS_MIN ? out[1] : CN_WN_LOGS_MIN; }
// K: outputs of the head (256 classes, or the Gaussian's 2).
static inline int cn_wn_out_dim(const cn_wn_config *c) { return c->out == CN_WN_OUT_GAUSS ? 2 : CN_WN_CLASSES; }
// "mulaw" or "gauss" (checkpoints, the CLI); cn_wn_out_parse returns -1 for another name.
const char *cn_wn_out_name(int out);
int cn_wn_out_parse(const char *name);
// Index of an instrument name, or -1.
int cn_wn_instrument_index(const cn_wn_config *c, const char *name);
// A comma list of instrument names ("flute,piano") into names: how many, or -1 when one
// is empty or too long or there are more than max.
int cn_wn_split_names(const char *list, char names[][CN_WN_NAME_MAX], int max);

// ---- parameters: one allocation split by a pointer table (STYLE lesson 2) ----------------
enum {
    CN_WN_P_IN_W,   // [R][A+C]  (A = CN_WN_NAUDIO)
    CN_WN_P_IN_B,   // [R]
    CN_WN_P_EMB,    // [n_instruments][E]
    CN_WN_P_COND_W, // [L][2G][C]   (all layers: one GEMM)
    CN_WN_P_DIL_W,  // [L][2G][2R]  (columns: tap t-d, then tap t)
    CN_WN_P_DIL_B,  // [L][2G]
    CN_WN_P_RES_W,  // [L][R][G]
    CN_WN_P_RES_B,  // [L][R]
    CN_WN_P_SKIP_W, // [L][S][G]
    CN_WN_P_SKIP_B, // [L][S]
    CN_WN_P_EXC_W,  // [S][C]
    CN_WN_P_O1_W,   // [S][S]
    CN_WN_P_O1_B,   // [S]
    CN_WN_P_O2_W,   // [K][S]
    CN_WN_P_O2_B,   // [K]
    CN_WN_P_PRED_W, // [A+C]
    CN_WN_P_PRED_B, // [2]: bias b_p, log sharpness lb
    CN_WN_NPARAM
};

// Named pointers into one flat array, in the order of the enum above (the convention of
// the transformer's cn_tf_weights too).
typedef struct cn_wn_params {
    float *in_w, *in_b, *emb, *cond_w, *dil_w, *dil_b, *res_w, *res_b, *skip_w, *skip_b, *exc_w,
        *o1_w, *o1_b, *o2_w, *o2_b, *pred_w, *pred_b;
} cn_wn_params;
_Static_assert(sizeof(cn_wn_params) == CN_WN_NPARAM * sizeof(float *), "one field per tensor, in enum order");
// Tensor i (enum order), for loops over all tensors.
static inline float *cn_wn_tensor(const cn_wn_params *p, int i) { return ((float *const *)p)[i]; }

// Element count of each tensor; returns the total.
size_t cn_wn_param_sizes(const cn_wn_config *c, size_t sizes[CN_WN_NPARAM]);
// Shape of tensor i (up to 3 dims; returns the number of dims) and its checkpoint name.
int cn_wn_param_shape(const cn_wn_config *c, int i, int shape[3]);
const char *cn_wn_param_name(int i);
// Whether AdamW applies weight decay to tensor i (matrices yes, biases/embedding no).
int cn_wn_param_decays(int i);
// Point p's fields into the flat array `mem` (cn_wn_param_sizes layout).
void cn_wn_params_point(const cn_wn_config *c, float *mem, cn_wn_params *p);

typedef struct cn_wn_model {
    cn_wn_config cfg;
    float *mem;       // all parameters, flat
    size_t n_params;
    cn_wn_params p;
    // Level calibration (not trained): dB added to a note of instrument i and pitch p, so
    // that its level matches FluidSynth's rendering (cn_wn_levels.h); 0 when uncalibrated.
    // Saved as the tensor "level.db" [n_instruments][128] when any is set. It is for a
    // voice's first note, which the model plays from silence; legato_db is for the notes
    // a voice carries on into (legato, cn_wn_levels.h), which the model often plays at
    // another level (the 16 kHz trumpet's E4-C5: ~20 dB louder). Saved as "legato.db" with
    // level.db; a file without it uses level.db for both.
    float level_db[CN_WN_MAX_INSTRUMENTS][128];
    float legato_db[CN_WN_MAX_INSTRUMENTS][128];
    // 1: the plugin's voices play a channel's melody legato (cn_wn_levels.h) and legato_db
    // holds those notes' levels: set by `levels` (but --no-legato), and by a file with
    // "legato.db"; 0: every note from silence.
    int legato;
    // Target levels (not trained): FluidSynth's level (dB RMS at velocity
    // CN_WN_LEVEL_VELOCITY) of a note of instrument i and pitch p at the decay table's
    // times after its onset (its violin and cello swell for half a second), which a
    // sustained instrument's voices follow (cn_wn_follow.h); `follow` is 1 when set
    // (`levels`, but --no-follow, and a file with "target.db"
    // [n_instruments][128][CN_WN_DECAY_KNOTS]).
    float target_db[CN_WN_MAX_INSTRUMENTS][128][CN_WN_DECAY_KNOTS];
    int follow;
    // Decay calibration (not trained): dB added to a held note of instrument i and pitch p
    // at CN_WN_DECAY_KNOTS times after its onset, so that a struck or plucked note fades as
    // FluidSynth's does (cn_wn_levels.h); 0 when uncalibrated. Saved as the tensor
    // "decay.db" [n_instruments][128][CN_WN_DECAY_KNOTS] when any is set.
    float decay_db[CN_WN_MAX_INSTRUMENTS][128][CN_WN_DECAY_KNOTS];
    // Spectrum calibration (not trained): dB per band of instrument i (eq_per_octave bands
    // per octave, 1 by default), played by a graphic equaliser so its balance matches
    // FluidSynth's (cn_wn_eq.h); 0 when uncalibrated. Saved as the tensor "eq.db"
    // [n_instruments][cn_wn_eq_table_bands(eq_per_octave)] when any is set (its width
    // gives the layout).
    float eq_db[CN_WN_MAX_INSTRUMENTS][CN_WN_EQ_MAX_BANDS];
    int eq_per_octave;
    // The weights the model's AUTO streams use (CN_WN_WEIGHTS_*, enum below); AUTO (0, the
    // default) chooses by size. Not saved: the plugin's "weights" parameter (`render` and
    // `play --weights`) and `bench wavenet --weights` set it.
    int gen_weights;
} cn_wn_model;

// Allocate; weights are zero until cn_wn_init_weights or a checkpoint load.
cn_status cn_wn_create(const cn_wn_config *cfg, cn_wn_model **out);
void cn_wn_destroy(cn_wn_model *m);
// Random init (scaled normal), deterministic for a seed.
void cn_wn_init_weights(cn_wn_model *m, uint64_t seed);

// Full conditioning vector of one sample: the note features then instrument's embedding.
void cn_wn_cond_fill(const cn_wn_model *m, int instrument, const float *feat, float *cond);
// The direct prediction added to the head's outputs[K] for xin = [a_t, c_t] (generation
// and training): the bump on the class logits, or the linear prediction on the mean.
void cn_wn_direct_logits(const cn_wn_model *m, const float *xin, float *logits);

// The audio inputs a_t[CN_WN_NAUDIO] of a sample: past[-k] is the sample k steps before it,
// for 1 <= k <= avail (earlier ones are silence); feat = its note features (the pitch gives
// the lag; before any note the pitch feature is 0, i.e. middle C, harmlessly).
void cn_wn_audio_inputs(int sample_rate, const float *feat, const float *past, int64_t avail,
                        float *a);
// The audio inputs audio[T][CN_WN_NAUDIO] of a chunk's T samples from past, which holds
// the CN_WN_HISTORY samples before the chunk first, then the chunk's (training).
void cn_wn_audio_inputs_chunk(int sample_rate, const float *feat, const float *past, int T, float *audio);
// Its transpose: adds to dpast[-k] the derivative of da . a_t by past[-k] (the samples
// cn_wn_audio_inputs reads, weighted as its interpolation weighs them).
void cn_wn_audio_inputs_adjoint(int sample_rate, const float *feat, const float *da, int64_t avail,
                                float *dpast);

// ---- training: teacher forcing over one chunk ---------------------------------------------
// Activations for chunks of up to max_t samples (one allocation).
typedef struct cn_wn_acts cn_wn_acts;
cn_status cn_wn_acts_create(const cn_wn_config *cfg, int max_t, cn_wn_acts **out);
void cn_wn_acts_destroy(cn_wn_acts *a);

// Forward over T samples. audio[T][CN_WN_NAUDIO] = the audio inputs of t (cn_wn_audio_inputs
// over what the model heard), feat[T][CN_WN_NFEAT] the note features of t, target[t] the
// sample of t in [-1, 1] (the mu-law head's target is its class, cn_mulaw_encode).
// Returns the mean negative log likelihood (nats) over t in [from, T): cross-entropy of
// the classes, or the Gaussian's density (negative when it is sharp). Keeps what backward
// needs. target NULL: outputs only (cn_wn_acts_logits), returns 0.
float cn_wn_forward(const cn_wn_model *m, cn_wn_acts *a, const float *audio, const float *feat,
                    int instrument, const float *target, int T, int from);
// Accumulates d(mean loss * scale)/d(params) into grad (flat, same layout as m->mem).
void cn_wn_backward(const cn_wn_model *m, cn_wn_acts *a, float *grad, float scale);
// A further loss on the Gaussian head's means (the harmonic loss): backward also takes
// scale x dmean[t] as its derivative by sample t's mean (t >= from). dmean[T] must live
// until then; each forward resets it to none.
void cn_wn_acts_set_dmean(cn_wn_acts *a, const float *dmean);
// 0: the next backward takes dmean's derivative alone, not the likelihood's (a loss on
// generated samples, cn_wn_free_run.h); each forward sets it back to 1.
void cn_wn_acts_set_likelihood(cn_wn_acts *a, int on);
// After a backward over t in [from, T) (T > from): its derivative by the audio inputs,
// daudio[T][CN_WN_NAUDIO] (through the input layer and the direct prediction; D =
// cn_wn_in_dim), the scale included.
void cn_wn_acts_daudio(const cn_wn_acts *a, int D, float *daudio);
// Outputs of the last forward, [T][K] (for tests).
const float *cn_wn_acts_logits(const cn_wn_acts *a);

// ---- generation -----------------------------------------------------------------------------
// Draw a class from logits[K] at temperature T (> 0) with a uniform u in [0, 1).
// Works in place on a scratch copy `work`[K]. Temperature 0 means argmax.
int cn_wn_sample(const float *logits, float temperature, float u, float *work);
// Temperature 0's sample: the most likely class refined between levels, the mean level of
// the classes within `radius` of it weighted by their probabilities, decoded on the
// mu-law curve. The 256 levels' quantization noise is a hiss as loud as an instrument's
// content above 8 kHz; the peak's own spread says where between levels the sample lies.
#define CN_WN_PEAK_RADIUS 3
float cn_wn_peak_value(const float *logits, int radius);
// The sample value in [-1, 1] the head's outputs[K] give at temperature T with the voice's
// generator: a class drawn at T (or the refined peak at 0), or mean + T x scale x a normal
// draw (the mean at 0). work: CN_WN_CLASSES floats.
struct cn_rng;
float cn_wn_draw(const cn_wn_config *c, const float *outputs, float temperature, struct cn_rng *rng, float *work);

// Cached incremental generator: per-layer queues of past residual vectors, for one voice
// or a batch of voices that share the weights (polyphony: one matrix-matrix product per
// layer and sample for all sounding voices, so the weights are read once for all).
typedef struct cn_wn_stream cn_wn_stream;
cn_status cn_wn_stream_create(const cn_wn_model *m, cn_wn_stream **out); // one voice
cn_status cn_wn_stream_create_batch(const cn_wn_model *m, int max_voices, cn_wn_stream **out);
// Weights of a stream (cn_wn_half.h): floats; halves widened in the kernel (half the bytes
// to stream per sample, arithmetic in float, results those of the float kernel on the
// rounded weights); or bf16 column pairs for VDPBF16PS (the inputs rounded to bf16 too;
// only on CPUs with AVX512-BF16, else create fails). AUTO (what the two functions above
// use) takes 16 bits when the AVX-512 kernel runs and the float weights exceed
// CN_WN_F16_ABOVE_BYTES, i.e. would not stay in a core's L2 (bf16 where the CPU has it,
// else halves): the shipped models keep exact float weights. I8: int8 column quads for
// VPDPBUSD, each row and each input vector scaled to +-127 (cn_wn_half.h; only on CPUs
// with AVX512-VNNI, else create fails); never chosen by AUTO.
enum { CN_WN_WEIGHTS_AUTO, CN_WN_WEIGHTS_F32, CN_WN_WEIGHTS_F16, CN_WN_WEIGHTS_BF16, CN_WN_WEIGHTS_I8 };
#define CN_WN_F16_ABOVE_BYTES (1u << 20)
cn_status cn_wn_stream_create_ex(const cn_wn_model *m, int max_voices, int weights, cn_wn_stream **out);
// CN_OK when this CPU runs weights of `kind`, else CN_ERR_ARG naming what it lacks.
cn_status cn_wn_weights_check(int kind);
// The weights' names as users give them (auto, float, half, bf16, int8): the kind of a
// name (-1 if none) and the name of a kind.
int cn_wn_weights_kind(const char *name);
const char *cn_wn_weights_name(int kind);
int cn_wn_stream_weights(const cn_wn_stream *s); // CN_WN_WEIGHTS_F32, _F16, _BF16 or _I8
// A stream that shares s's weights and voices but has working rows of its own, so that two
// threads may render disjoint sets of voices at once (one through s, one through the
// sibling; a voice's queues are the same whichever renders it). Destroy siblings first.
cn_status cn_wn_stream_create_sibling(const cn_wn_stream *s, cn_wn_stream **out);
void cn_wn_stream_destroy(cn_wn_stream *s);
void cn_wn_stream_reset(cn_wn_stream *s); // every voice: silence, time 0
void cn_wn_stream_reset_voice(cn_wn_stream *s, int voice);
// Pushes past[0..n) into a voice's sample history as if each had been played (the pitch
// lag reads them), without running the network: its queues stay as they are. Training
// starts a free-running chunk this way, with zero queues and the recording's history, as
// the teacher-forced forward sees a chunk.
void cn_wn_stream_push_history(cn_wn_stream *s, int voice, const float *past, int n);
// One sample: cond[C] of this sample (cn_wn_cond_fill), previous sample value xprev (the
// stream keeps the last CN_WN_HISTORY of them for the pitch lag). Writes logits[K]. Never
// allocates.
void cn_wn_stream_logits(cn_wn_stream *s, float xprev, const float *cond, float *logits);
// One sample of n voices (indices voices[0..n), distinct, < max_voices): xprev[n],
// cond[n][C], logits[n][K]. A voice gets the logits it would get alone, bit for bit.
void cn_wn_stream_logits_batch(cn_wn_stream *s, const int *voices, int n, const float *xprev, const float *cond,
                               float *logits);

// Naive reference: logits of sample t recomputed from scratch over the receptive field,
// with the same per-position kernels as the stream (whose weights it uses; its queues are
// not touched), so both give bit-identical logits. xprev[0..t], cond[0..t][C] (absolute
// times from 0). work: cn_wn_naive_work_size floats.
size_t cn_wn_naive_work_size(const cn_wn_config *c);
void cn_wn_naive_logits(const cn_wn_stream *s, const float *xprev, const float *cond, int64_t t,
                        float *work, float *logits);

// y[rows] += W x with W stored TRANSPOSED, wt[cols][rows] (axpy form: vectorises without
// reassociating sums). cn_wn_matvec_t uses the best kernel the CPU has (chosen at run time,
// cn_wn_matvec_kernel()): AVX-512F, else AVX2+FMA, else the compiler-vectorised generic
// loop; cn_wn_matvec_t_with runs a given one (capped at what the CPU has; tests, bench).
// Each kernel adds the columns in the same order, so they differ only by FMA rounding.
// cn_wn_matvec_ref is the scalar twin on row-major W[rows][cols].
enum { CN_WN_KERNEL_GENERIC, CN_WN_KERNEL_AVX2, CN_WN_KERNEL_AVX512 };
void cn_wn_matvec_t(float *y, const float *wt, const float *x, int rows, int cols);
void cn_wn_matvec_t_with(int kernel, float *y, const float *wt, const float *x, int rows, int cols);
void cn_wn_matvec_ref(float *y, const float *w, const float *x, int rows, int cols);
int cn_wn_matvec_kernel(void);
const char *cn_wn_kernel_name(int kernel);
// Gated activation of one position: z[2G] = [z_f, z_g] becomes [tanh z_f, sigmoid z_g] in
// place and g[G] their product (AVX-512 when the CPU has it and G % 16 == 0, else AVX2 when
// G % 8 == 0: the same values bit for bit; else libm). cn_wn_gate_with: a given kernel,
// capped at what the CPU has (tests).
void cn_wn_gate(float *z, float *g, int G);
void cn_wn_gate_with(int kernel, float *z, float *g, int G);

#endif
