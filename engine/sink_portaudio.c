// sink_portaudio.c: PortAudio output. Device listing and lookup for `continuo devices`
// and `--device`, and an output stream whose callback is the consumer of the live ring
// buffer. The callback runs on the audio thread: it reads what the ring buffer holds,
// zero-fills a shortfall and counts it as an xrun (and separately the underflows the
// device or audio server reports); it never allocates, locks, prints or
// blocks. Mono samples are duplicated to every output channel.
#include <ctype.h>
#include <errno.h>
#include <portaudio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cn_sink.h"

struct cn_pa_sink {
    PaStream *stream;
    cn_ringbuffer *rb;
    cn_live_stats *stats;
    int channels;      // the device's
    int content;       // samples per frame in the ring buffer
};

// cn_pa_init / cn_pa_terminate pairs from any setup thread: the count and PortAudio's own
// initialisation change together under the lock (never taken on the audio path).
static int pa_users;
static pthread_mutex_t pa_lock = PTHREAD_MUTEX_INITIALIZER;

cn_status cn_pa_init(void) {
    cn_status st = CN_OK;
    pthread_mutex_lock(&pa_lock);
    PaError e = pa_users == 0 ? Pa_Initialize() : paNoError;
    if (e != paNoError) st = cn_fail(CN_ERR_DEVICE, "cannot initialise PortAudio: %s", Pa_GetErrorText(e));
    else pa_users++;
    pthread_mutex_unlock(&pa_lock);
    return st;
}

void cn_pa_terminate(void) {
    pthread_mutex_lock(&pa_lock);
    if (pa_users > 0 && --pa_users == 0) Pa_Terminate();
    pthread_mutex_unlock(&pa_lock);
}

int cn_pa_device_count(void) {
    int n = Pa_GetDeviceCount();
    return n < 0 ? 0 : n;
}

cn_status cn_pa_device_get(int index, cn_pa_device_info *out) {
    const PaDeviceInfo *d = Pa_GetDeviceInfo(index);
    if (!d) return cn_fail(CN_ERR_DEVICE, "no audio device with index %d", index);
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    out->index = index;
    out->name = d->name;
    out->host_api = h ? h->name : "?";
    out->max_output_channels = d->maxOutputChannels;
    out->default_rate = d->defaultSampleRate;
    out->default_low_latency_s = d->defaultLowOutputLatency;
    out->is_default = index == Pa_GetDefaultOutputDevice();
    return CN_OK;
}

// Case-insensitive substring search.
static int contains(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return 1;
    }
    return n == 0;
}

cn_status cn_pa_device_find(const char *spec, int *index) {
    int n = cn_pa_device_count();
    if (n == 0) return cn_fail(CN_ERR_DEVICE, "no audio devices found (is a sound server running?)");
    if (!spec || !*spec) {
        PaDeviceIndex d = Pa_GetDefaultOutputDevice();
        if (d == paNoDevice) return cn_fail(CN_ERR_DEVICE, "no default audio output device "
                                                           "(pick one with --device, see 'continuo devices')");
        *index = d;
        return CN_OK;
    }
    char *end;
    errno = 0;
    long v = strtol(spec, &end, 10);
    if (!errno && !*end) {
        cn_pa_device_info info = {0};
        if (v < 0 || v >= n || cn_pa_device_get((int)v, &info))
            return cn_fail(CN_ERR_DEVICE, "no audio device with index %ld (see 'continuo devices')", v);
        if (info.max_output_channels < 1)
            return cn_fail(CN_ERR_DEVICE, "audio device %ld (%s) has no outputs", v, info.name);
        *index = (int)v;
        return CN_OK;
    }
    for (int i = 0; i < n; i++) {
        cn_pa_device_info info = {0};
        if (cn_pa_device_get(i, &info) || info.max_output_channels < 1) continue;
        if (contains(info.name, spec) || contains(info.host_api, spec)) {
            *index = i;
            return CN_OK;
        }
    }
    return cn_fail(CN_ERR_DEVICE, "no audio output device matches '%s' (see 'continuo devices')", spec);
}

// Audio thread: no malloc, locks, I/O or printf. Reads whole frames from the ring buffer:
// stereo to a stereo device as it is, to a mono one mixed down; mono to every channel.
static int pa_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags,
                       void *user) {
    (void)input;
    (void)time;
    cn_pa_sink *s = user;
    float *out = output;
    int ch = s->channels;
    struct timespec ts; // clock_gettime: a vDSO read, no system call, no lock
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    long long last = atomic_exchange_explicit(&s->stats->last_callback_ns, now, memory_order_relaxed);
    if (last && now - last > atomic_load_explicit(&s->stats->max_gap_ns, memory_order_relaxed))
        atomic_store_explicit(&s->stats->max_gap_ns, now - last, memory_order_relaxed); // one writer

    const size_t cc = (size_t)s->content;
    cn_rb_regions r;
    size_t got = cn_ringbuffer_acquire_read(s->rb, frames * cc, &r) / cc;
    for (int part = 0; part < 2; part++) {
        const float *src = part ? r.p2 : r.p1;
        size_t n = (part ? r.n2 : r.n1) / cc;
        for (size_t i = 0; i < n; i++, src += cc) {
            if (cc == 2 && ch == 2) *out++ = src[0], *out++ = src[1];
            else if (cc == 2) *out++ = 0.5f * (src[0] + src[1]);
            else
                for (int c = 0; c < ch; c++) *out++ = src[0];
        }
    }
    cn_ringbuffer_commit_read(s->rb, got * cc);
    if (got < frames) memset(out, 0, (frames - got) * (size_t)ch * sizeof *out);
    atomic_fetch_add_explicit(&s->stats->frames_played, (long long)got, memory_order_relaxed);
    int drained = atomic_load_explicit(&s->stats->drained, memory_order_acquire);
    if (got < frames && !drained)
        atomic_fetch_add_explicit(&s->stats->xruns, 1, memory_order_relaxed);
    if (flags & paOutputUnderflow)
        atomic_fetch_add_explicit(&s->stats->device_xruns, 1, memory_order_relaxed);
    return paContinue;
}

cn_status cn_pa_sink_open(const cn_pa_config *cfg, cn_ringbuffer *rb, cn_live_stats *stats,
                          cn_pa_sink **out) {
    cn_return_val_if_fail(cfg && rb && stats && out && (cfg->channels == 1 || cfg->channels == 2), CN_ERR_ARG);
    cn_pa_device_info info = {0};
    cn_status st = cn_pa_device_get(cfg->device, &info);
    if (st) return st;
    if (info.max_output_channels < 1)
        return cn_fail(CN_ERR_DEVICE, "audio device %d (%s) has no outputs", cfg->device, info.name);
    cn_pa_sink *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory opening the audio device");
    s->rb = rb;
    s->stats = stats;
    // Two device channels whenever there are (many devices refuse 1).
    s->channels = info.max_output_channels >= 2 ? 2 : 1;
    s->content = cfg->channels;
    PaStreamParameters p = {.device = cfg->device,
                            .channelCount = s->channels,
                            .sampleFormat = paFloat32,
                            .suggestedLatency = cfg->latency_s,
                            .hostApiSpecificStreamInfo = NULL};
    PaError e = Pa_OpenStream(&s->stream, NULL, &p, cfg->rate,
                              cfg->block > 0 ? (unsigned long)cfg->block : paFramesPerBufferUnspecified,
                              paClipOff, pa_callback, s);
    if (e != paNoError) {
        free(s);
        return cn_fail(CN_ERR_DEVICE, "cannot open audio device %d (%s: %s) at %.0f Hz: %s",
                       cfg->device, info.host_api, info.name, cfg->rate, Pa_GetErrorText(e));
    }
    *out = s;
    return CN_OK;
}

cn_status cn_pa_sink_start(cn_pa_sink *s) {
    PaError e = Pa_StartStream(s->stream);
    if (e != paNoError)
        return cn_fail(CN_ERR_DEVICE, "cannot start the audio stream: %s", Pa_GetErrorText(e));
    return CN_OK;
}

cn_status cn_pa_sink_stop(cn_pa_sink *s) {
    PaError e = Pa_StopStream(s->stream);
    if (e != paNoError)
        return cn_fail(CN_ERR_DEVICE, "cannot stop the audio stream: %s", Pa_GetErrorText(e));
    return CN_OK;
}

double cn_pa_sink_device_latency(const cn_pa_sink *s) {
    const PaStreamInfo *i = Pa_GetStreamInfo(s->stream);
    return i ? i->outputLatency : 0.0;
}

int cn_pa_sink_channels(const cn_pa_sink *s) { return s->channels; }

void cn_pa_sink_close(cn_pa_sink *s) {
    if (!s) return;
    Pa_CloseStream(s->stream);
    free(s);
}
