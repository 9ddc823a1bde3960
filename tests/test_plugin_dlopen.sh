# LABELS: unit
# test_plugin_dlopen.sh: external plugins. Compiles a tiny effect plugin into a shared
# object (and one built for a future ABI version), loads it through CONTINUO_PLUGINS, and
# checks that `continuo plugins` lists it, that `render --fx` runs it (it halves the
# signal: the peak halves), and that a wrong ABI version or a missing file is a one-line
# error. Skips only when no C compiler is installed.
set -u
fail() { echo "test_plugin_dlopen: FAIL: $*" >&2; exit 1; }
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "test_plugin_dlopen: SKIP: no C compiler ($CC)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/half.c" <<'SRC'
#include <stdlib.h>
#include "engine/cn_plugin.h"
#ifndef ABI
#define ABI CN_PLUGIN_ABI_VERSION
#endif
typedef struct { float gain; } half;
static cn_status create(const char *args, void **out) {
    (void)args;
    half *h = malloc(sizeof *h);
    if (!h) return CN_ERR_NOMEM;
    h->gain = 0.5f;
    *out = h;
    return CN_OK;
}
static cn_status prepare(void *self, double rate, int max_frames) {
    (void)self; (void)rate; (void)max_frames;
    return CN_OK;
}
static void process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)start;
    for (int i = 0; i < frames; i++) out[i] = in[i] * ((half *)self)->gain;
}
static void set_param(void *self, int index, float v) { if (index == 0) ((half *)self)->gain = v; }
static void destroy(void *self) { free(self); }
static const cn_param_desc params[] = {{"gain", "linear gain", 0.0f, 1.0f, 0.5f}};
static const cn_plugin_desc desc = {ABI, "half", "Half", "external test effect: gain 0.5",
    CN_PLUGIN_EFFECT, params, 1, create, prepare, process, NULL, set_param, NULL, destroy};
static const cn_plugin_desc *const list[] = {&desc, NULL};
const cn_plugin_desc *const *cn_plugin_entry(void) { return list; }
SRC
"$CC" -std=c11 -shared -fPIC -I"$CN_SOURCE_DIR" "$tmp/half.c" -o "$tmp/half.so" || fail "cannot build plugin"
"$CC" -std=c11 -shared -fPIC -DABI=99 -I"$CN_SOURCE_DIR" "$tmp/half.c" -o "$tmp/future.so" || fail "cannot build plugin"

CONTINUO_PLUGINS="$tmp/half.so" "$CN_BIN" plugins >"$tmp/list" 2>"$tmp/err" || fail "plugins: $(cat "$tmp/err")"
grep -q '^half (effect): external test effect' "$tmp/list" || fail "half not listed: $(cat "$tmp/list")"
grep -q '^reference (generator)' "$tmp/list" || fail "built-ins missing"

tune="$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid"
"$CN_BIN" render "$tune" --synth reference -o "$tmp/dry.wav" --format float 2>/dev/null || fail "dry render"
CONTINUO_PLUGINS="$tmp/half.so" "$CN_BIN" render "$tune" --synth reference -o "$tmp/half.wav" --format float --fx half \
    2>"$tmp/err" || fail "render --fx half: $(cat "$tmp/err")"
peak() { sox "$1" -n stat 2>&1 | sed -n 's/^Maximum amplitude: *//p'; }
awk -v d="$(peak "$tmp/dry.wav")" -v h="$(peak "$tmp/half.wav")" \
    'BEGIN { exit !(d > 0.05 && h / d > 0.499 && h / d < 0.501) }' ||
    fail "peaks: dry $(peak "$tmp/dry.wav"), half $(peak "$tmp/half.wav")"

for bad in "$tmp/future.so" "$tmp/missing.so"; do
    CONTINUO_PLUGINS="$bad" "$CN_BIN" plugins >/dev/null 2>"$tmp/err" && fail "$bad accepted"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "not one line: $(cat "$tmp/err")"
    echo "ok: $(cat "$tmp/err")"
done
CONTINUO_PLUGINS="$tmp/future.so" "$CN_BIN" plugins 2>&1 | grep -q "ABI version 99" || fail "no ABI message"
echo "test_plugin_dlopen: ok"
