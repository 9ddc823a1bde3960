// wn_features.c: note features and harmonic excitation for the WaveNet (cn_wn_features.h).
#include <math.h>
#include <string.h>

#include "models/wavenet/cn_wn_features.h"

#define WN_ATTACK_S 0.005
#define WN_RELEASE_S 0.08
#define WN_MAX_HARMONICS 64

void cn_wn_feat_init(cn_wn_featgen *g, int sample_rate, uint64_t noise_seed) {
    memset(g, 0, sizeof *g);
    g->sample_rate = sample_rate;
    g->noise_seed = noise_seed;
}

static double wn_env_held(const cn_wn_featgen *g, int64_t t) {
    double a = (double)(t - g->on_frame) / (WN_ATTACK_S * g->sample_rate);
    return a < 1.0 ? a : 1.0;
}

static double wn_f0(double pitch) { return 440.0 * pow(2.0, (pitch - 69.0) / 12.0); }

void cn_wn_feat_note_on(cn_wn_featgen *g, int pitch, int velocity) {
    g->has_note = 1;
    g->held = 1;
    g->pitch = pitch;
    g->velocity = velocity;
    g->on_frame = g->t0 = g->t;
    g->cyc0 = 0.0;
    g->f0 = wn_f0(pitch + g->bend);
}

void cn_wn_feat_bend(cn_wn_featgen *g, double semitones) {
    semitones = round(semitones * 100.0) / 100.0; // cents, as the pitch feature carries it
    if (semitones == g->bend) return;
    if (g->has_note) {
        g->cyc0 += g->f0 * (double)(g->t - g->t0) / g->sample_rate;
        g->t0 = g->t;
        g->f0 = wn_f0(g->pitch + semitones);
    }
    g->bend = semitones;
}

void cn_wn_feat_note_off(cn_wn_featgen *g, int pitch) {
    if (!g->held || pitch != g->pitch) return;
    g->env_at_off = (float)wn_env_held(g, g->t);
    g->held = 0;
    g->off_frame = g->t;
}

void cn_wn_feat_all_off(cn_wn_featgen *g) { cn_wn_feat_note_off(g, g->pitch); }

// Stateless noise: a 64-bit mix (splitmix64 finaliser) of seed and frame, mapped to [-1, 1).
static float wn_noise(uint64_t seed, int64_t frame) {
    uint64_t z = seed ^ ((uint64_t)frame * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1ull << 23) - 1.0);
}

void cn_wn_feat_next(cn_wn_featgen *g, float *feat) {
    memset(feat, 0, CN_WN_NFEAT * sizeof *feat);
    int64_t t = g->t++;
    if (!g->has_note) return;
    double sr = g->sample_rate;
    double ton = (double)(t - g->on_frame) / sr;
    double env;
    feat[CN_WN_F_GATE] = (float)g->held;
    feat[CN_WN_F_PITCH] = (float)((g->pitch + g->bend - 60) / 24.0);
    feat[CN_WN_F_VEL] = (float)(g->velocity / 127.0);
    feat[CN_WN_F_ON_FAST] = (float)exp(-ton / 0.01);
    feat[CN_WN_F_ON_MID] = (float)exp(-ton / 0.1);
    feat[CN_WN_F_ON_SLOW] = (float)exp(-ton / 1.0);
    if (g->held) {
        env = wn_env_held(g, t);
    } else {
        double toff = (double)(t - g->off_frame) / sr;
        feat[CN_WN_F_RELEASE] = (float)exp(-toff / 0.05);
        env = g->env_at_off * exp(-toff / WN_RELEASE_S);
    }
    feat[CN_WN_F_ENV] = (float)env;
    if (env < 1e-6) return;
    // Phase from the onset (or the last bend) in double precision: exact for hours of
    // audio, no drift. Unbent, cyc0 = 0 and t0 = the onset.
    double f0 = g->f0;
    double cyc = g->cyc0 + f0 * (double)(t - g->t0) / sr;
    double phi = 2.0 * M_PI * (cyc - floor(cyc));
    int nh = (int)(0.5 * sr / f0);
    if (nh > WN_MAX_HARMONICS) nh = WN_MAX_HARMONICS;
    // sin(k phi) by the Chebyshev recurrence s_k = 2 cos(phi) s_{k-1} - s_{k-2}.
    double c1 = cos(phi), s_prev = 0.0, s = sin(phi), saw = 0.0, sq = 0.0;
    double c_prev = 1.0, c = c1;
    for (int k = 1; k <= nh; k++) {
        saw += s / k;
        if (k & 1) sq += s / k;
        if (k <= 4) {
            feat[CN_WN_F_HARM + 2 * (k - 1)] = (float)(s * env);
            feat[CN_WN_F_HARM + 2 * (k - 1) + 1] = (float)(c * env);
        }
        double s_next = 2.0 * c1 * s - s_prev, c_next = 2.0 * c1 * c - c_prev;
        s_prev = s;
        s = s_next;
        c_prev = c;
        c = c_next;
    }
    feat[CN_WN_F_SAW] = (float)(saw * (2.0 / M_PI) * env);
    feat[CN_WN_F_SQUARE] = (float)(sq * (4.0 / M_PI) * env);
    feat[CN_WN_F_NOISE] = (float)(wn_noise(g->noise_seed, t) * env);
}

void cn_wn_features_range(const cn_timed_note *notes, int n_notes, int sample_rate,
                          uint64_t noise_seed, int64_t t0, int64_t n, float *feat) {
    cn_wn_featgen g;
    cn_wn_feat_init(&g, sample_rate, noise_seed);
    int next_on = 0;
    int64_t cur_off = -1; // off frame of the sounding note
    // State at t0: the last note begun before t0 (a later onset replaces an earlier note,
    // so earlier notes do not matter), released at its off frame if that lies before t0.
    while (next_on < n_notes && notes[next_on].on < t0) next_on++;
    for (int k = next_on - 1; k >= 0; k--) {
        const cn_timed_note *nt = &notes[k];
        if (nt->off <= nt->on) continue; // never sounded
        g.t = nt->on;
        cn_wn_feat_note_on(&g, nt->pitch, nt->velocity);
        cur_off = nt->off;
        if (nt->off < t0) {
            g.t = nt->off;
            cn_wn_feat_note_off(&g, nt->pitch);
        }
        break;
    }
    g.t = t0;
    for (int64_t t = t0; t < t0 + n; t++) {
        if (g.held && t >= cur_off) cn_wn_feat_note_off(&g, g.pitch);
        while (next_on < n_notes && notes[next_on].on <= t) {
            const cn_timed_note *nt = &notes[next_on++];
            if (nt->off <= t) continue; // entirely before t (zero length after rounding)
            cn_wn_feat_note_on(&g, nt->pitch, nt->velocity);
            cur_off = nt->off;
        }
        cn_wn_feat_next(&g, feat + (t - t0) * CN_WN_NFEAT);
    }
}

void cn_wn_features_from_notes(const cn_timed_note *notes, int n_notes, int sample_rate,
                               uint64_t noise_seed, int64_t n, float *feat) {
    cn_wn_features_range(notes, n_notes, sample_rate, noise_seed, 0, n, feat);
}
