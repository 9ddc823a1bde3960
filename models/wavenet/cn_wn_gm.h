// cn_wn_gm: which WaveNet instrument plays a General MIDI program. A few programs name
// their own instrument first (cello, horn, clarinet, ...); otherwise each of the 16 GM
// families (8 programs each) lists instrument names in order of preference; the first
// one the model has is chosen, else the model's first instrument. The table is in
// docs/wavenet.md ("Instruments for GM programs").
#ifndef CN_WN_GM_H
#define CN_WN_GM_H

#include "models/wavenet/cn_wavenet.h"

// Index of the instrument for GM program 0..127 (clamped) in the model's config.
int cn_wn_gm_instrument(const cn_wn_config *c, int program);
// The same over several models: the first preferred name any of them has (the earlier
// model when two have it) decides. Returns the model's index, its instrument in *inst;
// model 0's first instrument when none has a preferred name.
int cn_wn_gm_choose(const cn_wn_config *const *models, int n, int program, int *inst);

// A General MIDI file plays, by default, on the models of these presets (each model once;
// the earlier one wins an instrument both have): the shipped trumpet's is the longer
// fine-tune's trumpet, the clarinet's the first fine-tune's clarinet, the flute's the
// 48 kHz model of all eight, so each program plays what its instrument's preset plays;
// a presets folder of one's own ($CONTINUO_PRESETS, or a host's presets=DIR, which must
// hold all three) may give them other models.
#define CN_WN_GM_N_PRESETS 3
#define CN_WN_GM_PRESETS ((const char *const[CN_WN_GM_N_PRESETS]){"trumpet", "clarinet", "flute"})
// The GM family name of a program ("Brass").
const char *cn_wn_gm_family(int program);

#endif
