// bench_wavenet.c: `continuo bench wavenet`: WaveNet speed on one core, measured in one run:
// real-time factor (seconds of audio per second of compute) of the cached generator next to
// the naive one that recomputes the receptive field per sample; the per-sample matvec
// kernels (AVX2, generic loop, OpenBLAS sgemv) on the model's shapes; training samples/s
// and its share of this core's sgemm peak. With --eval DIR it also scores audio quality on
// held-out tunes (DIR/INSTRUMENT/NAME.wav rendered by FluidSynth + NAME.mid): pitch
// accuracy of the WaveNet, of FluidSynth itself and of the reference synth, and the
// multi-resolution STFT distance of the WaveNet and of the reference synth to FluidSynth.
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_clock.h"
#include "bench/cn_bench.h"
#include "bench/cn_bench_util.h"
#include "ui/cn_ui.h"
#include "dsp/cn_band_energy.h"
#include "dsp/cn_mrstft.h"
#include "dsp/cn_mulaw.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_rng.h"
#include "dsp/cn_synth_reference.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wn_half.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_note_shape.h"
#include "models/wavenet/cn_wn_synth.h"
#include "models/wavenet/cn_wn_train.h"

#define CMD "bench wavenet"


static void usage(void) {
    printf("usage: continuo bench wavenet [--model FILE] [--seconds S] [--eval DIR] [--lag MS]\n"
           "                              [--eval-seconds S] [--temperature T] [--seed N]\n"
           "                              [--weights KIND]\n"
           "Speed on one core: real-time factor of cached vs naive generation at the model's\n"
           "rate, matvec kernels, polyphony (samples/s per voice for 1, 2, 4, 8 and 16\n"
           "voices batched against the same voices one at a time, and batched on one thread\n"
           "per core as the plugin renders them), training samples/s and\n"
           "share of the sgemm peak. Without\n"
           "--model a randomly initialised default model is timed (same cost).\n"
           "  --model FILE      WaveNet .safetensors (default: random default model)\n"
           "  --seconds S       audio generated for the cached timing (default 4)\n"
           "  --eval DIR        held-out folders DIR/NAME/*.wav+*.mid (NAME = instrument),\n"
           "                    each tune played by the WaveNet plugin as `render` plays\n"
           "                    it (needs --model): pitch accuracy, MR-STFT distance,\n"
           "                    energy above 8 kHz, per-note levels, notes that swell\n"
           "                    and notes whose attack is sharper, vs FluidSynth's audio\n"
           "  --eval-seconds S  seconds scored per tune (default 20; 0 = whole tune)\n"
           "  --lag MS          FluidSynth's onset delay removed from its audio (default 7)\n"
           "  --temperature T   sampling temperature for --eval (default 1)\n"
           "  --seed N          sampling seed (default 1)\n"
           "  --weights KIND    weights of the model's generator: auto (by size, as the\n"
           "                    product), float, half, bf16 or int8 (default auto; with\n"
           "                    --eval, the plugin's \"weights\", as render --weights)\n");
}

// ---- speed ------------------------------------------------------------------------------------------

// ns per call of matvec kernel `which` (a CN_WN_KERNEL_*, or -1 for OpenBLAS sgemv)
static double time_kernel(int which, int rows, int cols, int reps) {
    float *w = calloc((size_t)rows * cols, sizeof(float)), *x = calloc((size_t)cols, sizeof(float)),
          *y = calloc((size_t)rows, sizeof(float));
    for (int i = 0; i < rows * cols; i++) w[i] = 1e-3f * (float)(i % 7);
    for (int i = 0; i < cols; i++) x[i] = 0.5f;
    double t0 = cn_clock_now();
    for (int r = 0; r < reps; r++) {
        if (which >= 0) cn_wn_matvec_t_with(which, y, w, x, rows, cols);
        else cblas_sgemv(CblasRowMajor, CblasTrans, cols, rows, 1.0f, w, rows, x, 1, 1.0f, y, 1);
        x[0] = y[0] * 1e-9f; // keep the loop honest
    }
    double t = (cn_clock_now() - t0) / reps;
    free(w);
    free(x);
    free(y);
    return t * 1e9;
}

// Cached generation of `seconds` of three notes at temperature 1: seconds of compute, and
// the audio in *audio (n samples, caller frees); 0 when out of memory.
static double time_cached(const cn_wn_model *m, double seconds, float **audio, int64_t *n) {
    *n = (int64_t)(seconds * m->cfg.sample_rate);
    const int64_t k = *n;
    cn_timed_note notes[] = {{0, k / 3, 69, 100}, {k / 3, 2 * k / 3, 72, 90}, {2 * k / 3, k, 64, 80}};
    cn_wn_synth *s;
    *audio = malloc((size_t)k * sizeof(float));
    if (!*audio || cn_wn_synth_create(m, 0, 1.0f, 1, &s)) return 0.0;
    double t0 = cn_clock_now();
    cn_wn_synth_render_notes(s, 1, notes, 3, k, *audio);
    double tc = cn_clock_now() - t0;
    cn_wn_synth_destroy(s);
    return tc;
}

// Seconds to render `samples` of n voices (each its own note) on one poly: batched (one
// call for all, on `threads` threads) or one voice at a time (n calls), the same work.
static double time_voices(const cn_wn_model *m, int n, int batched, int threads, int64_t samples) {
    cn_wn_poly *p;
    float *out = malloc((size_t)n * 256 * sizeof(float));
    if (!out || cn_wn_poly_create(m, n, 0.0f, &p)) { // temperature 0, as the shipped presets
        free(out);
        return -1.0;
    }
    if (cn_wn_poly_set_threads(p, threads)) {
        cn_wn_poly_destroy(p);
        free(out);
        return -1.0;
    }
    int idx[64];
    for (int v = 0; v < n; v++) {
        idx[v] = v;
        cn_wn_poly_reset(p, v, 0, (uint64_t)v + 1);
        cn_wn_poly_note_on(p, v, 60 + v, 100);
    }
    double t0 = 0.0;
    for (int64_t done = -1024; done < samples; done += 256) { // the first 1024 samples warm up, untimed
        if (done == 0) t0 = cn_clock_now();
        if (batched) cn_wn_poly_render(p, idx, n, out, 256);
        else
            for (int v = 0; v < n; v++) cn_wn_poly_render(p, &idx[v], 1, out, 256);
    }
    double t = cn_clock_now() - t0;
    cn_wn_poly_destroy(p);
    free(out);
    return t;
}

// Polyphony: samples/s per voice for 1..16 voices in one batch against the same voices
// rendered one after the other, and the batch shared among one thread per core (as the
// plugin does by default; measured in this run, side by side, best of three each).
static int bench_voices(const cn_wn_model *m, double seconds) {
    const int rate = m->cfg.sample_rate;
    const int64_t samples = (int64_t)(seconds * rate / 4) + 256;
    const int threads = cn_wn_poly_default_threads();
    printf("polyphony, %d Hz (%s kernel, temperature 0 as the presets): samples/s per voice, one voice at a\n"
           "time and batched on one core, batched on %d threads (one per core)\n", rate,
           cn_wn_kernel_name(cn_wn_matvec_kernel()), threads);
    printf("  %6s %14s %14s %9s %14s %9s %18s\n", "voices", "one at a time", "batched", "speed-up", "threads",
           "speed-up", "x real time/voice");
    for (int n = 1; n <= 16; n *= 2) {
        // Best of three, alternating: on a shared machine the fastest run is the least disturbed.
        double tb = 1e300, ts = 1e300, tt = 1e300;
        for (int rep = 0; rep < 3; rep++) {
            double s = time_voices(m, n, 0, 1, samples), b = time_voices(m, n, 1, 1, samples),
                   t = time_voices(m, n, 1, threads, samples);
            if (b <= 0 || s <= 0 || t <= 0) return cn_ui_error(CMD, "out of memory");
            tb = b < tb ? b : tb;
            ts = s < ts ? s : ts;
            tt = t < tt ? t : tt;
        }
        double pb = (double)samples / tb, ps = (double)samples / ts, pt = (double)samples / tt;
        printf("  %6d %14.0f %14.0f %8.2fx %14.0f %8.2fx %18.2f\n", n, ps, pb, pb / ps, pt, pt / pb, pt / rate);
    }
    return 0;
}

static int bench_speed(const cn_wn_model *m, double seconds) {
    const cn_wn_config *c = &m->cfg;
    const int rate = c->sample_rate, C = cn_wn_cond_dim(c);
    int64_t n;
    float *audio;
    double t0, tc = time_cached(m, seconds, &audio, &n);
    if (tc <= 0.0) {
        free(audio);
        return cn_ui_error(CMD, "out of memory");
    }
    cn_timed_note notes[] = {{0, n / 3, 69, 100}};
    double rtf = seconds / tc;
    // naive: a few hundred samples past the receptive field
    int rf = cn_wn_receptive_field(c), nn = 200;
    float *xp = calloc((size_t)(rf + nn), sizeof(float)), *cond = calloc((size_t)(rf + nn) * C, sizeof(float));
    float *feat = malloc((size_t)(rf + nn) * CN_WN_NFEAT * sizeof(float)), logits[CN_WN_CLASSES];
    float *work = malloc(cn_wn_naive_work_size(c) * sizeof(float));
    cn_wn_stream *st;
    if (!xp || !cond || !feat || !work || cn_wn_stream_create(m, &st)) return cn_ui_error(CMD, "out of memory");
    cn_wn_features_from_notes(notes, 1, rate, CN_WN_NOISE_SEED, rf + nn, feat);
    for (int t = 0; t < rf + nn; t++) {
        cn_wn_cond_fill(m, 0, feat + (size_t)t * CN_WN_NFEAT, cond + (size_t)t * C);
        xp[t] = audio[t % n];
    }
    t0 = cn_clock_now();
    for (int t = rf; t < rf + nn; t++) cn_wn_naive_logits(st, xp, cond, t, work, logits);
    double tn = (cn_clock_now() - t0) / nn;
    double rtf_naive = 1.0 / (tn * rate);
    cn_wn_stream_destroy(st);
    free(xp);
    free(cond);
    free(feat);
    free(work);
    free(audio);
    printf("generation, one core, %d Hz, %d layers, receptive field %d, %zu parameters:\n", rate,
           c->n_layers, rf, m->n_params);
    printf("  cached (fast-wavenet queues): %.2fx real time (%.1f us/sample)\n", rtf, 1e6 * tc / n);
    printf("  naive (recompute %d samples): %.5fx real time (%.1f us/sample)\n", rf, rtf_naive, 1e6 * tn);
    printf("  cached / naive speed-up: %.0fx   target >= 2x real time per voice: %s\n", rtf / rtf_naive,
           rtf >= 2.0 ? "met" : "NOT met");
    // kernels on the model's shapes
    const int shapes[3][2] = {{2 * c->gate, 2 * c->res}, {c->skip, c->gate}, {cn_wn_out_dim(c), c->skip}};
    const int used = cn_wn_matvec_kernel();
    printf("matvec kernels, ns per call (rows x cols), runtime kernel: %s\n", cn_wn_kernel_name(used));
    for (int i = 0; i < 3; i++) {
        const int reps = 200000, rows = shapes[i][0], cols = shapes[i][1];
        printf("  %3dx%-3d", rows, cols);
        for (int k = CN_WN_KERNEL_GENERIC; k <= used; k++)
            printf("  %s %.0f", cn_wn_kernel_name(k), time_kernel(k, rows, cols, reps));
        double ta = time_kernel(used, rows, cols, reps), tb = time_kernel(-1, rows, cols, reps);
        printf("  OpenBLAS sgemv %.0f  (BLAS / used = %.2f)\n", tb, tb / ta);
    }
    return 0;
}

// Training samples/s of m (forward + backward of one chunk, one thread) and its GFLOP/s.
int cn_bench_wavenet_train_rate(const cn_wn_model *m, double *samples_per_s, double *gflops) {
    const cn_wn_config *c = &m->cfg;
    const int T = 4096, warm = 1024, steps = 3;
    cn_wn_acts *a = NULL;
    float *grad = calloc(m->n_params, sizeof(float)), *xp = malloc((size_t)T * CN_WN_NAUDIO * sizeof(float)),
          *feat = malloc((size_t)T * CN_WN_NFEAT * sizeof(float));
    float *tg = malloc((size_t)T * sizeof *tg);
    int rc = !grad || !xp || !feat || !tg || cn_wn_acts_create(c, T, &a);
    if (!rc) {
        cn_timed_note note = {0, T, 62, 90};
        cn_wn_features_from_notes(&note, 1, c->sample_rate, CN_WN_NOISE_SEED, T, feat);
        cn_rng r;
        cn_rng_seed(&r, 1, 0);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < CN_WN_NAUDIO; j++) xp[t * CN_WN_NAUDIO + j] = 0.3f * cn_rng_normal(&r);
            tg[t] = 0.3f * cn_rng_normal(&r);
        }
        cn_wn_model *mm = (cn_wn_model *)m;
        cn_wn_forward(mm, a, xp, feat, 0, tg, T, warm); // warm-up
        double t0 = cn_clock_now();
        for (int s = 0; s < steps; s++) {
            cn_wn_forward(mm, a, xp, feat, 0, tg, T, warm);
            cn_wn_backward(mm, a, grad, 1.0f);
        }
        double tt = (cn_clock_now() - t0) / steps;
        // multiply-adds per sample of the forward; backward costs about twice that
        const double L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c);
        double macs = R * (CN_WN_NAUDIO + C) + L * 2 * G * C + S * C + L * (2 * G * 2 * R + R * G + S * G) +
                      S * S + cn_wn_out_dim(c) * S;
        *samples_per_s = (T - warm) / tt;
        *gflops = 3.0 * 2.0 * macs * T / tt * 1e-9;
    }
    free(grad);
    free(xp);
    free(feat);
    free(tg);
    cn_wn_acts_destroy(a);
    return rc;
}

static int bench_train(const cn_wn_model *m) {
    double sps, gflops;
    if (cn_bench_wavenet_train_rate(m, &sps, &gflops)) return cn_ui_error(CMD, "out of memory");
    // this core's sgemm peak on a large square product (best of 0.5 s of runs)
    const int N = 768;
    double peak = cn_bench_sgemm_gflops(N, 1, 0.5);
    printf("training, one thread (chunk 4096, loss on 3072): %.0f samples/s, "
           "%.2f GFLOP/s = %.0f%% of sgemm peak %.1f GFLOP/s (%dx%d, OpenBLAS core %s)\n", sps, gflops,
           100.0 * gflops / peak, peak, N, N, cn_blas_corename());
    return 0;
}

// Seconds per sample of the bare stream with float or half weights: a held note's
// conditioning, logits and a draw at temperature 1 per sample (the synth adds features
// and voice handling around this).
static double time_stream(const cn_wn_model *m, int weights, int64_t n) {
    const int C = cn_wn_cond_dim(&m->cfg);
    float *cond = malloc((size_t)C * sizeof(float)), *work = malloc(CN_WN_CLASSES * sizeof(float)),
          feat[CN_WN_NFEAT], logits[CN_WN_CLASSES];
    cn_wn_stream *s = NULL;
    if (!cond || !work || cn_wn_stream_create_ex(m, 1, weights, &s)) {
        free(cond);
        free(work);
        return -1.0;
    }
    cn_timed_note note = {0, 1 << 30, 69, 100};
    cn_wn_features_from_notes(&note, 1, m->cfg.sample_rate, CN_WN_NOISE_SEED, 1, feat);
    cn_wn_cond_fill(m, 0, feat, cond);
    cn_rng r;
    cn_rng_seed(&r, 1, 0);
    float x = 0.0f;
    double t0 = cn_clock_now();
    for (int64_t t = 0; t < n; t++) {
        cn_wn_stream_logits(s, x, cond, logits);
        x = cn_wn_draw(&m->cfg, logits, 1.0f, &r, work);
    }
    double dt = (cn_clock_now() - t0) / (double)n;
    cn_wn_stream_destroy(s);
    free(cond);
    free(work);
    return dt;
}

// The network the issue measured PyTorch 1.13 on (one thread): 64 residual / 64 gate /
// 128 skip channels, 20 layers (two stacks of dilations 1..512). PyTorch itself is not
// run here (docs/wavenet.md has the side-by-side script and figures): the bench prints
// continuo's own figures and its ratios against its own float path.
static int bench_pytorch_net(double seconds) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.n_layers = 20;
    cfg.res = cfg.gate = 64;
    cfg.skip = 128;
    cn_wn_model *m;
    if (cn_wn_create(&cfg, &m)) return cn_ui_error(CMD, NULL);
    cn_wn_init_weights(m, 1);
    printf("PyTorch comparison network: 64/64/128 channels, 20 layers, %zu parameters (%.1f MB as floats), one thread\n",
           m->n_params, m->n_params * 4e-6);
    int64_t n;
    float *audio;
    double tc = time_cached(m, seconds, &audio, &n);
    free(audio);
    if (tc <= 0.0) {
        cn_wn_destroy(m);
        return cn_ui_error(CMD, "out of memory");
    }
    printf("  cached generation (synth, weights as the stream picks them): %.0f samples/s = %.2fx real time at %d Hz\n",
           (double)n / tc, (double)n / tc / cfg.sample_rate, cfg.sample_rate);
    // Float against 16- and 8-bit weights (those the CPU has), best of three alternating runs.
    int kinds[4], nk = 0;
    const char *names[4];
    for (int k = CN_WN_WEIGHTS_F32; k <= CN_WN_WEIGHTS_I8; k++)
        if (!cn_wn_weights_check(k)) {
            kinds[nk] = k;
            names[nk++] = cn_wn_weights_name(k);
        }
    double best[4] = {1e300, 1e300, 1e300, 1e300};
    for (int rep = 0; rep < 3; rep++)
        for (int k = 0; k < nk; k++) {
            double t = time_stream(m, kinds[k], n / 2);
            if (t <= 0) {
                cn_wn_destroy(m);
                return cn_ui_error(CMD, "out of memory");
            }
            best[k] = t < best[k] ? t : best[k];
        }
    printf("  stream alone, samples/s by weights:");
    for (int k = 0; k < nk; k++) printf(" %s %.0f%s", names[k], 1.0 / best[k], k ? "" : ",");
    for (int k = 1; k < nk; k++) printf("%s %.2fx", k == 1 ? " (vs float:" : ",", best[0] / best[k]);
    printf(")%s%s\n", cn_wn_has_bf16() ? "" : "; no AVX512-BF16 on this CPU", cn_wn_has_vnni() ? "" : "; no AVX512-VNNI");
    printf("  ");
    int rc = bench_train(m);
    cn_wn_destroy(m);
    return rc;
}

// ---- audio quality -------------------------------------------------------------------------------------

// What --eval measures of one tune (FluidSynth's audio at full resolution, "fl").
typedef struct {
    double acc[3];        // pitch accuracy: WaveNet, FluidSynth, reference synth
    double dist[2];       // MR-STFT distance to FluidSynth: WaveNet, reference synth
    double hf[2];         // energy above 8 kHz, dB: WaveNet, FluidSynth (only above 16 kHz)
    double snr8, hfnoise8; // FluidSynth through 8-bit mu-law: SNR, its error above 8 kHz in dB
    int notes, within6;   // per-note levels of what the plugin played
    double worst_db;
    cn_wn_excess swells;  // notes that swell beyond FluidSynth's (cn_wn_note_shape.h)
    cn_wn_excess attacks; // notes whose attack is sharper than FluidSynth's
} eval_tune;

#define HF_HZ 8000.0

static cn_status eval_one(const cn_wn_model *m, const char *model, int inst, const cn_wn_clip *cl, const char *wav,
                          double lag_ms, double secs, float temperature, uint64_t seed, int weights, eval_tune *e) {
    const int rate = m->cfg.sample_rate;
    int64_t n = secs > 0 && (int64_t)(secs * rate) < cl->n ? (int64_t)(secs * rate) : cl->n, nf;
    float *wn = malloc((size_t)n * sizeof(float)), *ref = malloc((size_t)n * sizeof(float)),
          *q8 = malloc((size_t)n * sizeof(float)), *fl = NULL;
    double *diff = malloc((size_t)(cl->n_notes ? cl->n_notes : 1) * sizeof(double));
    cn_status st = wn && ref && q8 && diff ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory");
    if (!st) st = cn_wn_read_audio(wav, rate, (int)(lag_ms * 1e-3 * rate + 0.5), &fl, &nf);
    if (!st && nf < n) st = cn_fail(CN_ERR_FORMAT, "%s: shorter than its clip", wav);
    // What `continuo render` plays: the WaveNet plugin, its voices (legato where the model
    // is calibrated for it) with the model's level, decay and spectrum tables, declicker,
    // DC blocker and gate.
    char args[4400];
    if (!st && snprintf(args, sizeof args, "model=%s,instrument=%s,seed=%llu,temperature=%g,threads=1,weights=%d",
                        model, m->cfg.instruments[inst], (unsigned long long)seed, (double)temperature, weights) >= (int)sizeof args)
        st = cn_fail(CN_ERR_ARG, "%s: path too long", model);
    if (!st) st = cn_graph_render_notes(&cn_wavenet_plugin, args, cl->notes, cl->n_notes, rate, n, wn);
    if (!st) st = cn_wn_pitch_accuracy(wn, n, rate, cl->notes, cl->n_notes, &e->acc[0]);
    if (!st) st = cn_wn_pitch_accuracy(fl, n, rate, cl->notes, cl->n_notes, &e->acc[1]);
    if (!st) st = cn_graph_render_notes(&cn_synth_reference_plugin, NULL, cl->notes, cl->n_notes, rate, n, ref);
    if (!st) st = cn_wn_pitch_accuracy(ref, n, rate, cl->notes, cl->n_notes, &e->acc[2]);
    if (!st) st = cn_mrstft_distance(wn, (size_t)n, fl, (size_t)n, &e->dist[0]);
    if (!st) st = cn_mrstft_distance(ref, (size_t)n, fl, (size_t)n, &e->dist[1]);
    // The output's resolution: FluidSynth's audio through the model's 8-bit mu-law.
    double sig = 0.0, err = 0.0;
    for (int64_t t = 0; !st && t < n; t++) {
        q8[t] = fl[t] - cn_mulaw_decode(cn_mulaw_encode(fl[t]));
        sig += (double)fl[t] * fl[t];
        err += (double)q8[t] * q8[t];
    }
    e->snr8 = err > 0.0 ? 10.0 * log10(sig / err) : 200.0;
    e->hf[0] = e->hf[1] = e->hfnoise8 = NAN;
    if (!st && rate > 2 * HF_HZ) {
        st = cn_band_energy_db(wn, (size_t)n, rate, HF_HZ, rate / 2.0, &e->hf[0]);
        if (!st) st = cn_band_energy_db(fl, (size_t)n, rate, HF_HZ, rate / 2.0, &e->hf[1]);
        if (!st) st = cn_band_energy_db(q8, (size_t)n, rate, HF_HZ, rate / 2.0, &e->hfnoise8);
    }
    // Levels of the notes inside the scored span only.
    cn_wn_clip span = cn_wn_clip_head(cl, n);
    span.instrument = inst; // the clip's index is its data set's (one folder): the model's may differ
    int k = 0;
    if (!st) st = cn_wn_audio_level_diffs(m, &span, wn, diff, &k);
    if (!st) st = cn_wn_note_swells(wn, fl, n, rate, span.notes, span.n_notes, &e->swells);
    if (!st) st = cn_wn_note_attacks(wn, fl, n, rate, span.notes, span.n_notes, &e->attacks);
    e->notes = k;
    e->within6 = 0;
    e->worst_db = 0.0;
    for (int i = 0; i < k; i++) {
        e->within6 += fabs(diff[i]) <= 6.0;
        if (fabs(diff[i]) > fabs(e->worst_db)) e->worst_db = diff[i];
    }
    free(wn);
    free(ref);
    free(q8);
    free(fl);
    free(diff);
    return st;
}

// Sums of eval_tune over the tunes of one instrument (or all).
typedef struct {
    double acc[3], dist[2], hf_diff, snr8, hfnoise_rel;
    int tunes, hf_tunes, notes, within6;
    double worst_db;
    cn_wn_excess swells, attacks;
} eval_sum;

static void eval_add(eval_sum *s, const eval_tune *e) {
    for (int i = 0; i < 3; i++) s->acc[i] += e->acc[i];
    for (int i = 0; i < 2; i++) s->dist[i] += e->dist[i];
    s->snr8 += e->snr8;
    if (!isnan(e->hf[0])) {
        s->hf_diff += e->hf[0] - e->hf[1];
        s->hfnoise_rel += e->hfnoise8 - e->hf[1];
        s->hf_tunes++;
    }
    s->notes += e->notes;
    s->within6 += e->within6;
    if (fabs(e->worst_db) > fabs(s->worst_db)) s->worst_db = e->worst_db;
    cn_wn_excess_add(&s->swells, &e->swells);
    cn_wn_excess_add(&s->attacks, &e->attacks);
    s->tunes++;
}

static const char *met(int ok) { return ok ? "met" : "NOT met"; }

// The share of measured notes over the threshold, in percent (0 when none was measured).
static double excess_share(const cn_wn_excess *x) { return x->notes ? 100.0 * x->over / x->notes : 0.0; }

// One row of the per-instrument table, with the targets of docs/wavenet.md ("Quality").
static void eval_print_sum(const char *name, const eval_sum *s) {
    double n = s->tunes, pitch = s->acc[0] / s->acc[1], dist = s->dist[0] / s->dist[1];
    double within = s->notes ? (double)s->within6 / s->notes : 0.0;
    printf("  %-10s %6.3f %6.3f %5.0f%% %-7s %6.3f %6.3f %5.2f %-7s", name, s->acc[0] / n, s->acc[1] / n, 100.0 * pitch,
           met(pitch >= 0.95), s->dist[0] / n, s->dist[1] / n, dist, met(dist <= 0.7));
    if (s->hf_tunes) {
        double hf = s->hf_diff / s->hf_tunes;
        printf(" %+6.1f %-7s", hf, met(fabs(hf) <= 6.0));
    } else {
        printf(" %6s %-7s", "-", "-");
    }
    printf(" %5.1f%% %+6.1f %-7s %5.1f", 100.0 * within, s->worst_db, met(s->notes && within >= 0.95), s->snr8 / n);
    if (s->hf_tunes) printf(" %+7.1f", s->hfnoise_rel / s->hf_tunes);
    else printf(" %7s", "-");
    printf(" %5.1f%% %+6.1f %5.1f%% %+6.1f\n", excess_share(&s->swells), s->swells.worst_db, excess_share(&s->attacks),
           s->attacks.worst_db);
}

static int bench_eval(const cn_wn_model *m, const char *model, const char *dir, double secs, double lag_ms,
                      float temperature, uint64_t seed, int weights) {
    const cn_wn_config *c = &m->cfg;
    char span[32] = "whole tune";
    if (secs > 0) snprintf(span, sizeof span, "first %g s", secs);
    printf("audio quality on %s (held-out tunes, %s of each; temperature %.2f, seed %llu, %d Hz, %s weights):\n",
           dir, span, temperature, (unsigned long long)seed, c->sample_rate, cn_wn_weights_name(weights));
    printf("  %-10s %-16s %7s %7s %7s %8s %8s %8s %8s %6s %8s %6s %8s %6s\n", "instrument", "tune", "acc_wn",
           "acc_fl", "acc_ref", "mrstft_wn", "mrstft_ref", "hf_wn-fl", "notes6dB", "worst", "swells", "worst", "sharp",
           "worst");
    eval_sum all, per[CN_WN_MAX_INSTRUMENTS];
    memset(&all, 0, sizeof all);
    memset(per, 0, sizeof per);
    for (int inst = 0; inst < c->n_instruments; inst++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, c->instruments[inst]);
        cn_wn_dataset ds = {.sample_rate = c->sample_rate};
        char names[CN_WN_MAX_INSTRUMENTS][32];
        int n_names = 0;
        if (cn_wn_dataset_add_dir(&ds, path, NULL, (int)(lag_ms * 1e-3 * c->sample_rate + 0.5),
                                  names, &n_names, CN_WN_MAX_INSTRUMENTS)) {
            cn_wn_dataset_free(&ds);
            fprintf(stderr, "continuo %s: skipping %s: %s\n", CMD, path, cn_error_message());
            continue;
        }
        for (int i = 0; i < ds.n_clips; i++) {
            const cn_wn_clip *cl = &ds.clips[i];
            char wav[4200];
            snprintf(wav, sizeof wav, "%s/%s", path, cl->name);
            eval_tune e;
            if (eval_one(m, model, inst, cl, wav, lag_ms, secs, temperature, seed, weights, &e)) {
                fprintf(stderr, "continuo %s: %s: %s\n", CMD, cl->name, cn_error_message());
                continue;
            }
            printf("  %-10s %-16s %7.3f %7.3f %7.3f %8.3f %8.3f", c->instruments[inst], cl->name, e.acc[0], e.acc[1],
                   e.acc[2], e.dist[0], e.dist[1]);
            if (!isnan(e.hf[0])) printf(" %+8.1f", e.hf[0] - e.hf[1]);
            else printf(" %8s", "-");
            printf(" %3d/%-4d %+6.1f %3d/%-4d %+6.1f %3d/%-4d %+6.1f\n", e.within6, e.notes, e.worst_db, e.swells.over,
                   e.swells.notes, e.swells.worst_db, e.attacks.over, e.attacks.notes, e.attacks.worst_db);
            eval_add(&per[inst], &e);
            eval_add(&all, &e);
        }
        cn_wn_dataset_free(&ds);
    }
    if (!all.tunes) return cn_ui_error(CMD, "no tune could be scored in %s", dir);
    printf("per instrument, against the targets (pitch accuracy >= 95%% of FluidSynth's, MR-STFT <= 0.7x the\n"
           "reference synth's, energy above 8 kHz within 6 dB of FluidSynth's, >= 95%% of notes within 6 dB):\n");
    printf("  %-10s %6s %6s %6s %-7s %6s %6s %5s %-7s %6s %-7s %6s %6s %-7s %5s %7s %6s %6s %6s %6s\n", "instrument",
           "acc_wn", "acc_fl", "ratio", "", "mr_wn", "mr_ref", "ratio", "", "hf dB", "", "notes", "worst", "", "snr8",
           "noise8", "swells", "worst", "sharp", "worst");
    for (int inst = 0; inst < c->n_instruments; inst++)
        if (per[inst].tunes) eval_print_sum(c->instruments[inst], &per[inst]);
    eval_print_sum("all", &all);
    printf("  (pitch accuracy: YIN 10 ms frames inside notes within 50 cents, unvoiced = miss; mrstft:\n"
           "   multi-resolution STFT log-magnitude distance to FluidSynth, lower is better; hf dB: energy\n"
           "   above 8 kHz, WaveNet - FluidSynth; notes: each note's level in what the plugin played\n"
           "   vs FluidSynth's, share within 6 dB and the worst; snr8: FluidSynth's audio through the\n"
           "   model's 8-bit mu-law, dB; noise8: that error's energy above 8 kHz - FluidSynth's own\n"
           "   there, dB; swells: notes whose loudest 10 ms over their median exceeds FluidSynth's by\n"
           "   more than 6 dB, share and the worst excess; sharp: notes whose largest sample in the\n"
           "   first %.0f ms rises over the largest from then to %.0f ms after the onset (cut at the\n"
           "   next onset; 0 if it does not) by more than %.0f dB beyond FluidSynth's)\n",
           CN_WN_ATTACK_S * 1e3, (CN_WN_ATTACK_S + CN_WN_ATTACK_AFTER_S) * 1e3, CN_WN_ATTACK_DB);
    return 0;
}

int cn_bench_wavenet(int argc, char **argv) {
    const char *model = NULL, *eval = NULL, *weights = "auto";
    double seconds = 4.0, eval_s = 20.0, lag = 7.0, temp = 1.0;
    long seed = 1;
    const cn_flag flags[] = {
        {"model", 0, CN_FLAG_STR, &model, 0, 0, NULL},
        {"eval", 0, CN_FLAG_STR, &eval, 0, 0, NULL},
        {"seconds", 0, CN_FLAG_DBL, &seconds, 0.01, 3600, NULL},
        {"eval-seconds", 0, CN_FLAG_DBL, &eval_s, 0, 3600, NULL},
        {"lag", 0, CN_FLAG_DBL, &lag, 0, 1000, NULL},
        {"temperature", 0, CN_FLAG_DBL, &temp, 0, 2, NULL},
        {"seed", 0, CN_FLAG_LONG, &seed, 0, 2147483647, NULL},
        {"weights", 0, CN_FLAG_STR, &weights, 0, 0, NULL},
    };
    int n_pos;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    const int kind = cn_wn_weights_kind(weights);
    if (kind < 0) return cn_ui_error(CMD, "--weights must be auto, float, half, bf16 or int8");
    if (cn_wn_weights_check(kind)) return cn_ui_error(CMD, NULL);
    if (eval && !model) return cn_ui_error(CMD, "--eval needs --model FILE (the model the plugin plays)");
    cn_blas_set_threads(1);
    cn_wn_model *m = NULL;
    if (model) {
        if (cn_wn_load(model, &m, NULL, NULL, NULL)) return cn_ui_error(CMD, NULL);
    } else {
        cn_wn_config cfg;
        cn_wn_config_default(&cfg);
        if (cn_wn_create(&cfg, &m)) return cn_ui_error(CMD, NULL);
        cn_wn_init_weights(m, 1);
    }
    m->gen_weights = kind;
    rc = eval ? bench_eval(m, model, eval, eval_s, lag, (float)temp, (uint64_t)seed, kind)
                  : bench_speed(m, seconds);
    if (!rc && !eval) rc = bench_voices(m, seconds);
    if (!rc && !eval) rc = bench_train(m);
    if (!rc && !eval) rc = bench_pytorch_net(seconds);
    cn_wn_destroy(m);
    return rc;
}
