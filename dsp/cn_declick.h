// cn_declick: removes the step a signal takes at a known sample. The WaveNet answers a
// note-off with a jump in its output (the violin's waveform moves 0.15 in one sample,
// then 0.06 and 0.04, where its samples otherwise move 0.006): a click across the whole
// spectrum. From the marked sample on, the declicker continues the line through its last
// two output samples for `span` seconds (a few samples), takes what the input then
// differs by as the step, and adds the opposite, fading out exponentially over `tau`
// seconds: the jump becomes a smooth glide and the waveform after it is kept. Away from
// a mark, samples pass unchanged once the correction has faded. No allocation: safe on
// the audio and worker threads.
#ifndef CN_DECLICK_H
#define CN_DECLICK_H

typedef struct cn_declick {
    float y1, y2;   // the last two output samples
    float fix;      // the correction being added, fading
    float fade;     // per-sample factor of the fade
    int span;       // samples bridged by the line after a mark
    int armed;      // samples of the bridge still to come
} cn_declick;

void cn_declick_init(cn_declick *d, double rate, double span, double tau); // silence before
void cn_declick_mark(cn_declick *d);                                       // the next sample may step
void cn_declick_process(cn_declick *d, float *x, int n);                   // in place

#endif
