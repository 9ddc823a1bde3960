// cn_paths.h: where continuo finds the files it ships (presets, weights, default data).
// The shipped folder is found from the running binary's own location, never from a
// compiled-in source path: PREFIX/share/continuo for an installed PREFIX/bin/continuo,
// or BUILD/share/continuo (links made by CMake) for BUILD/continuo in a build tree.
// Presets are looked up in $CONTINUO_PRESETS first (a user's own folder wins), then in
// the shipped presets/ folder.
#ifndef CN_PATHS_H
#define CN_PATHS_H

#include <stddef.h>

#include "core/cn_status.h"

#define CN_PATH_MAX 4096

// 1 when path ends in suffix (".json", ".safetensors").
int cn_has_suffix(const char *path, const char *suffix);
// 1 when path names a MIDI file: ends in .mid or .midi, in any case ("Tune.MID").
int cn_is_midi_name(const char *path);
// 1 for a folder entry that listings skip: ".", "..", dot files, macOS's "._tune.wav".
int cn_is_hidden_name(const char *name);

// The shipped folder ("" when none was found next to the binary).
const char *cn_share_dir(void);

// SHARE/rel into out; CN_ERR_IO naming rel when the shipped folder or the file is missing.
cn_status cn_share_path(const char *rel, char *out, size_t size);

// Resolve a preset: `name` is a path (contains '/' or names an existing file) or a bare
// name looked up as DIR/name.json, DIR/<prefix>name.json and DIR/name<ext> in each preset
// folder. `ext` (e.g. ".safetensors") may be NULL. An unknown name is CN_ERR_ARG, and
// the error lists the presets that exist with that prefix.
cn_status cn_preset_find(const char *name, const char *prefix, const char *ext, char *out, size_t size);

// Call fn(dir, file) for every *.json file of each preset folder ($CONTINUO_PRESETS,
// then the shipped one), in name order. A name shadowed by an earlier folder is skipped.
typedef void (*cn_preset_fn)(const char *dir, const char *file, void *user);
void cn_presets_each(cn_preset_fn fn, void *user);

// "a, b, c": the preset names (file names less ".json") that start with `prefix` (NULL:
// all), with the prefix removed when `strip` is set; "" when there are none.
void cn_presets_names(const char *prefix, int strip, char *buf, size_t size);

// What a preset file says of itself, for `continuo presets`.
// A preset is a JSON object with "model" (or "weights": the weights file, relative to the
// preset's folder), and optionally "instrument", "description", "temperature", "gain";
// any other key is an error. Plugins check the numbers against their parameter ranges.
typedef struct {
    char kind[16];          // "instrument" (has "instrument") or "melody"
    char model[256];        // the weights file it names
    char instrument[64];    // "" for a melody model
    char description[256];  // "" when the preset has none
    double temperature, gain; // NAN when not given
} cn_preset_info;
cn_status cn_preset_read_info(const char *path, cn_preset_info *info);
// The same from text in memory (`name` in messages).
cn_status cn_preset_parse_info(const char *json, size_t n, const char *name, cn_preset_info *info);
// The model file a preset names, resolved against the preset's folder; it must exist.
cn_status cn_preset_model_path(const char *preset_path, const cn_preset_info *info, char *out, size_t size);

#endif
