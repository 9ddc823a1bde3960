#!/usr/bin/env bash
# test_layers: cmake/layers.cmake (run at every build) accepts the source tree and rejects
# a lower layer including a higher one, two modules of one layer including each other,
# and a project header named without its module.
set -euo pipefail
: "${CN_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_layers: FAIL: $*" >&2; exit 1; }
check() { cmake -DSRC="$1" -P "$CN_SOURCE_DIR/cmake/layers.cmake" >"$T/out" 2>&1; }
check "$CN_SOURCE_DIR" || fail "the source tree breaks its own layers: $(cat "$T/out")"
for d in core engine dsp models host lv2 ui bench cli; do cp -r "$CN_SOURCE_DIR/$d" "$T/$d"; done
cp -r "$T" "$T.clean" && trap 'rm -rf "$T" "$T.clean"' EXIT
echo '#include "host/cn_playback.h"' >>"$T/engine/graph.c"
echo '#include "models/wavenet/cn_wavenet.h"' >>"$T/models/melody/sample.c"
echo '#include "cn_status.h"' >>"$T/dsp/biquad.c"
! check "$T" || fail "violations accepted"
grep -q "engine/graph.c: engine (layer 1) includes host (layer 5)" "$T/out" || fail "upward include not named: $(cat "$T/out")"
grep -q "models/melody/sample.c: models/melody (layer 4) includes models/wavenet (layer 4)" "$T/out" ||
    fail "same-layer include not named: $(cat "$T/out")"
grep -q 'dsp/biquad.c: "cn_status.h" does not name its module' "$T/out" || fail "bare include not named: $(cat "$T/out")"
check "$T.clean" || fail "a clean copy fails: $(cat "$T/out")"
echo "test_layers: ok"
