// cn_effects: the built-in effect plugins (engine/cn_plugin.h), thin wrappers over the
// dsp/ processors. All process in place, allocate only in prepare(), take no create()
// arguments (NULL or "") and are configured through their parameters:
//   eq       low shelf (150 Hz), one peaking band, high shelf (6 kHz), optional low cut
//   reverb   synthetic-IR convolution reverb (cn_reverb.h)
//   limiter  5 ms lookahead peak limiter (cn_limiter.h); delays the signal by 5 ms
#ifndef CN_EFFECTS_H
#define CN_EFFECTS_H

#include "engine/cn_plugin.h"

extern const cn_plugin_desc cn_fx_eq_plugin;
extern const cn_plugin_desc cn_fx_reverb_plugin;
extern const cn_plugin_desc cn_fx_limiter_plugin;

#endif
