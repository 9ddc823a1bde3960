// LABELS: unit
// test_lv2_effect.c: LV2 effects from Debian's packages (x42-plugins, swh-lv2, and
// calf-plugins when installed) hosted as `lv2` effect instances do what the plugins
// should: the x42 EQ's and the Calf EQ's magnitude response
// measured with sines at a few frequencies, the swh delay's and the x42 delay's measured
// delay (impulse in, peak position out), the latency the x42 delay reports (plus the
// wrapper's own: it runs plugins on blocks of a fixed size), the channel
// adaptation (1-in/2-out and 2-in/2-out plugins on a mono and a stereo chain), and the one-line
// errors: unknown URI, unknown port, value out of range, a fraction for a whole-number or
// enumeration port, not an effect, missing feature.
// Exits 77 without lilv or without those plugins.
#include <math.h>
#include <string.h>

#include "cn_lv2_test.h"

#define PI 3.14159265358979323846

// Gain in dB of the effect for a sine at `hz`, measured over the last 0.5 s of 1.5 s.
static double gain_db(const char *args, double hz) {
    enum { N = (int)(1.5 * LV2T_RATE), TAIL = (int)(0.5 * LV2T_RATE) };
    static float buf[N];
    for (int i = 0; i < N; i++) buf[i] = 0.25f * (float)sin(2 * PI * hz * i / LV2T_RATE);
    void *fx = lv2t_make(args);
    lv2t_run(fx, buf, N);
    cn_lv2_effect_plugin.destroy(fx);
    double e = 0;
    for (int i = N - TAIL; i < N; i++) e += (double)buf[i] * buf[i];
    double rms = sqrt(e / TAIL), rms_in = 0.25 / sqrt(2.0);
    return 20 * log10(rms / rms_in);
}

// Position of the largest |sample| after an impulse at frame `at`, less the latency the
// instance reports (what the graph compensates).
static int impulse_peak(const char *args, int at, int n) {
    float *buf = calloc((size_t)n, sizeof *buf);
    TEST_ASSERT(buf);
    buf[at] = 1.0f;
    void *fx = lv2t_make(args);
    lv2t_run(fx, buf, n);
    int latency = (int)cn_lv2_effect_latency(fx);
    cn_lv2_effect_plugin.destroy(fx);
    int best = 0;
    for (int i = 1; i < n; i++)
        if (fabsf(buf[i]) > fabsf(buf[best])) best = i;
    TEST_ASSERT_MSG(fabsf(buf[best]) > 0.5f, "%s: impulse lost (peak %g)", args, (double)buf[best]);
    free(buf);
    return best - latency;
}

static void test_eq_response(void) {
    const char *peak = "uri=" URI_FIL4 ",freq1=1000,gain1=12,q1=0.6";
    double g[3] = {gain_db(peak, 100), gain_db(peak, 1000), gain_db(peak, 10000)};
    printf("x42 EQ, +12 dB band at 1 kHz: %.2f dB at 100 Hz, %.2f dB at 1 kHz, %.2f dB at 10 kHz\n", g[0], g[1],
           g[2]);
    TEST_NEAR(g[1], 12.0, 0.5);
    TEST_ASSERT_MSG(fabs(g[0]) < 1.0 && fabs(g[2]) < 1.0, "%g, %g dB away from the band", g[0], g[2]);
    double m = gain_db("uri=" URI_FIL4 ",gain=-6", 440);
    printf("x42 EQ, master gain -6 dB: %.2f dB at 440 Hz\n", m);
    TEST_NEAR(m, -6.0, 0.1);
    const char *hp = "uri=" URI_FIL4 ",HighPass=1,HPfreq=400";
    double lo = gain_db(hp, 50), hi = gain_db(hp, 4000);
    printf("x42 EQ, high-pass at 400 Hz: %.2f dB at 50 Hz, %.2f dB at 4 kHz\n", lo, hi);
    TEST_ASSERT_MSG(lo < -20 && fabs(hi) < 1.0, "high-pass: %g dB at 50 Hz, %g dB at 4 kHz", lo, hi);
}

// Calf (calf-plugins, when installed): the stereo 5-band EQ on the mono chain.
static void test_calf(void) {
    cn_lv2_info *info = NULL;
    int n = 0;
    if (cn_lv2_list(URI_CALF_EQ5, &info, &n)) {
        printf("calf-plugins not installed: the Calf EQ not measured\n");
        return;
    }
    cn_lv2_list_free(info, n);
    const char *band = "uri=" URI_CALF_EQ5 ",p2_active=1,p2_level=4,p2_freq=1000,p2_q=1";
    double g[3] = {gain_db(band, 100), gain_db(band, 1000), gain_db(band, 10000)};
    printf("Calf EQ 5 band, band 2 x4 (+12.04 dB) at 1 kHz: %.2f dB at 100 Hz, %.2f dB at 1 kHz, %.2f dB at 10 kHz\n",
           g[0], g[1], g[2]);
    TEST_NEAR(g[1], 12.04, 0.5);
    TEST_ASSERT_MSG(fabs(g[0]) < 1.0 && fabs(g[2]) < 1.0, "%g, %g dB away from the band", g[0], g[2]);
}

static void test_delays(void) {
    // The wrapper's own latency (its fixed run block) with a plugin that reports none.
    void *fx = lv2t_make("uri=" URI_FIL4);
    const int64_t own = cn_lv2_effect_latency(fx);
    cn_lv2_effect_plugin.destroy(fx);
    TEST_ASSERT(own > 0 && own <= LV2T_BLOCK);
    int swh = impulse_peak("uri=" URI_DELAY ",delay_time=0.01", 100, 4096);
    printf("swh delay_n, delay_time=0.01 s: impulse at 100 comes out at %d (+%lld run block)\n", swh, (long long)own);
    TEST_ASSERT(swh == 100 + 480);
    int x42 = impulse_peak("uri=" URI_NODELAY ",delay=300,report_latency=0", 100, 4096);
    printf("x42 nodelay, delay=300: impulse at 100 comes out at %d (+%lld)\n", x42, (long long)own);
    TEST_ASSERT(x42 == 400);
    fx = lv2t_make("uri=" URI_NODELAY ",delay=300,report_latency=0");
    TEST_ASSERT(cn_lv2_effect_latency(fx) == own); // mode 0: delays, reports nothing
    cn_lv2_effect_plugin.destroy(fx);
    fx = lv2t_make("uri=" URI_NODELAY ",delay=300,report_latency=1");
    TEST_ASSERT(cn_lv2_effect_latency(fx) == own + 300); // mode 1: delays and reports it
    cn_lv2_effect_plugin.destroy(fx);
    int comp = impulse_peak("uri=" URI_NODELAY ",delay=300,report_latency=1", 100, 4096);
    TEST_ASSERT(comp == 100); // reported: compensated, it lands where it went in
}

// A mono chain (process()), plugins with two outputs: (L+R)/2; with two inputs: both fed.
static void test_channels(void) {
    enum { N = 4800 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++) x[i] = (float)sin(0.05 * i) * 0.5f;
    memcpy(y, x, sizeof y);
    void *fx = lv2t_make("uri=" URI_SPLIT); // 1 in, 2 out: both outputs are the input
    lv2t_run(fx, y, N);
    const int lat = (int)cn_lv2_effect_latency(fx);
    cn_lv2_effect_plugin.destroy(fx);
    TEST_ASSERT(!memcmp(x, y + lat, (N - lat) * sizeof *y));
    // 2 in, 2 out: the right channel's phase inverted cancels the left in (L+R)/2; without
    // the inversion the input comes back. Measured after the balance's gain ramps.
    double e_inv = 0, e_dry = 0, e_in = 0;
    memcpy(y, x, sizeof y);
    fx = lv2t_make("uri=" URI_BALANCE ",phaseR=1");
    lv2t_run(fx, y, N);
    cn_lv2_effect_plugin.destroy(fx);
    for (int i = N / 2; i < N; i++) e_inv += (double)y[i] * y[i], e_in += (double)x[i] * x[i];
    memcpy(y, x, sizeof y);
    fx = lv2t_make("uri=" URI_BALANCE);
    lv2t_run(fx, y, N);
    cn_lv2_effect_plugin.destroy(fx);
    for (int i = N / 2; i < N; i++) e_dry += (double)(y[i] - x[i - lat]) * (y[i] - x[i - lat]);
    printf("x42 balance on a mono chain: phase-inverted R leaves %.2g of the energy, plain differs by %.2g\n",
           e_inv / e_in, e_dry / e_in);
    TEST_ASSERT(e_inv / e_in < 1e-6 && e_dry / e_in < 1e-6);
    double st = gain_db("uri=" URI_FIL4_STEREO ",gain=-6", 440); // 2 in, 2 out EQ
    TEST_NEAR(st, -6.0, 0.1);
}

// Stereo engine (ABI 3): a plugin with two audio inputs or outputs is a 2-channel node
// and gets left and right through process_stereo; 1-in/1-out is mono (the graph runs it
// dual mono).
static void test_stereo(void) {
    enum { N = 4800 };
    static float x[N], l[N], r[N];
    for (int i = 0; i < N; i++) x[i] = (float)sin(0.05 * i) * 0.5f;
    const cn_plugin_desc *d = &cn_lv2_effect_plugin;
    void *fx = lv2t_make("uri=" URI_FIL4);
    TEST_ASSERT(d->channels(fx) == 1);
    d->destroy(fx);
    // Balance, right channel inverted: left comes out as it went in, right inverted.
    fx = lv2t_make("uri=" URI_BALANCE ",phaseR=1");
    TEST_ASSERT(d->channels(fx) == 2);
    memcpy(l, x, sizeof l);
    memcpy(r, x, sizeof r);
    for (int pos = 0; pos < N; pos += 100) d->process_stereo(fx, pos, l + pos, r + pos, l + pos, r + pos, 100);
    const int lat = (int)cn_lv2_effect_latency(fx);
    d->destroy(fx);
    double el = 0, er = 0;
    for (int i = N / 2; i < N; i++) el += fabs(l[i] - x[i - lat]), er += fabs(r[i] + x[i - lat]);
    printf("x42 balance in stereo, phaseR=1: |L - in| %.2g, |R + in| %.2g\n", el, er);
    TEST_ASSERT(el < 1e-3 && er < 1e-3);
    // 1 in, 2 out: the input is (L+R)/2, both outputs carry it.
    fx = lv2t_make("uri=" URI_SPLIT);
    TEST_ASSERT(d->channels(fx) == 2);
    for (int i = 0; i < N; i++) l[i] = x[i], r[i] = 0;
    for (int pos = 0; pos < N; pos += 100) d->process_stereo(fx, pos, l + pos, r + pos, l + pos, r + pos, 100);
    d->destroy(fx);
    for (int i = lat; i < N; i++) TEST_ASSERT(l[i] == 0.5f * x[i - lat] && r[i] == l[i]);
}

static void expect_error(const char *args, const char *words) {
    void *fx = NULL;
    cn_status st = cn_lv2_effect_plugin.create(args, &fx);
    const char *msg = cn_error_message();
    printf("%s -> %s\n", args, msg);
    TEST_ASSERT_MSG(st != CN_OK && !fx, "%s was accepted", args);
    TEST_ASSERT_MSG(strstr(msg, words) && !strchr(msg, '\n'), "'%s' lacks '%s'", msg, words);
}

static void test_errors(void) {
    expect_error("uri=http://example.org/no-such-plugin", "no installed LV2 plugin has the URI 'http://example.org/no-such-plugin'");
    expect_error("uri=" URI_DELAY ",feedback=1", "no control port 'feedback' (control ports: max_delay, delay_time)");
    expect_error("uri=" URI_DELAY ",delay_time=11", "delay_time=11 out of range [0, 10]");
    expect_error("uri=" URI_DELAY ",delay_time=soon", "'soon' for delay_time is not a number");
    expect_error("delay_time=1", "no plugin URI");
    expect_error("uri=" URI_NODELAY ",delay=10.5", "delay=10.5: the port takes whole numbers only");
    expect_error("uri=" URI_NODELAY ",report_latency=1.5",
                 "report_latency=1.5 is none of the port's values: "); // an enumeration
    expect_error("uri=" URI_NODELAY ",report_latency=1.5", "0 (Delay, do not report latency)");
    expect_error("uri=http://gareus.org/oss/lv2/midifilter#mididelay", "is not an effect: 0 audio inputs");
    expect_error("uri=http://gareus.org/oss/lv2/convoLV2#Mono",
                 "requires the LV2 feature http://lv2plug.in/ns/ext/worker#schedule");
    expect_error("uri=http://plugin.org.uk/swh-plugins/surroundEncoder", "continuo adapts 1 or 2");
}

int main(void) {
    const char *const need[] = {URI_FIL4, URI_FIL4_STEREO, URI_NODELAY, URI_BALANCE, URI_DELAY, URI_SPLIT,
                                "http://gareus.org/oss/lv2/midifilter#mididelay",
                                "http://gareus.org/oss/lv2/convoLV2#Mono",
                                "http://plugin.org.uk/swh-plugins/surroundEncoder", NULL};
    lv2t_require(need);
    test_eq_response();
    test_delays();
    test_channels();
    test_stereo();
    test_calf();
    test_errors();
    printf("ok\n");
    return 0;
}
