#!/usr/bin/env bash
# LABELS: unit
# TIMEOUT: 600
# test_lv2_instrument_install: the LV2 instrument from an installed prefix, as a host finds
# it: `cmake --install` puts continuo.lv2 in PREFIX/lib/lv2; lv2ls and lv2info (lilv) see
# it with LV2_PATH and print nothing on stderr (lilv loads the TTL without warnings),
# lv2_validate finds no error in it (with sordi installed); the
# module exports only lv2_descriptor; test_lv2_instrument passes on the installed bundle,
# also after the prefix moves (the presets are found from the bundle's path, never the
# host's binary); a bundle without continuo's share folder fails to instantiate with one
# line that says why. Exits 77 without lilv-utils or without the bundle in the build.
set -euo pipefail
: "${CN_BUILD_DIR:?}"
for t in lv2ls lv2info nm; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed (lilv-utils, binutils)"; exit 77; }
done
[ -f "$CN_BUILD_DIR/lib/lv2/continuo.lv2/manifest.ttl" ] || { echo "SKIP: LV2 instrument not built (no lilv/lv2)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_lv2_instrument_install: FAIL: $*" >&2; exit 1; }
URI=urn:continuo:instrument

cmake --install "$CN_BUILD_DIR" --prefix "$T/prefix" >"$T/install.log" 2>&1 || fail "install: $(tail -n 3 "$T/install.log")"
B=$T/prefix/lib/lv2/continuo.lv2
for f in manifest.ttl continuo.ttl continuo.so; do [ -f "$B/$f" ] || fail "$B/$f not installed"; done

LV2_PATH=$T/prefix/lib/lv2 lv2ls >"$T/ls" 2>"$T/ls.err" || fail "lv2ls failed: $(cat "$T/ls.err")"
[ "$(cat "$T/ls")" = "$URI" ] || fail "lv2ls lists: $(cat "$T/ls")"
[ ! -s "$T/ls.err" ] || fail "lv2ls warns: $(cat "$T/ls.err")"
LV2_PATH=$T/prefix/lib/lv2 lv2info "$URI" >"$T/info" 2>"$T/info.err" || fail "lv2info failed: $(cat "$T/info.err")"
[ ! -s "$T/info.err" ] || fail "lv2info warns: $(cat "$T/info.err")"
grep -q "Required Features: http://lv2plug.in/ns/ext/urid#map" "$T/info" || fail "urid:map not required"
for sym in midi_in out_l out_r instrument temperature gain freewheel budget; do
  grep -q "Symbol: *$sym\$" "$T/info" || fail "lv2info shows no port $sym"
done
[ "$(grep -c "^	Port " "$T/info")" = 8 ] || fail "not 8 ports"
# The TTL against the LV2 specification (lv2-dev's lv2_validate runs sordi's sord_validate).
if command -v lv2_validate >/dev/null && command -v sord_validate >/dev/null; then
  lv2_validate "$B/manifest.ttl" "$B/continuo.ttl" >"$T/valid" 2>&1 || fail "lv2_validate: $(cat "$T/valid")"
  grep -q "^Found 0 errors" "$T/valid" || fail "lv2_validate: $(cat "$T/valid")"
  grep "^Found" "$T/valid"
else
  echo "sord_validate not installed (sordi): TTL not validated against the specification"
fi
exports=$(nm -D --defined-only "$B/continuo.so" | awk '{print $3}')
[ "$exports" = lv2_descriptor ] || fail "the module exports more than lv2_descriptor: $exports"

CN_LV2I_BUNDLE=$B "$CN_BUILD_DIR/tests/test_lv2_instrument" >"$T/run" 2>&1 || fail "installed bundle: $(tail -n 5 "$T/run")"
mv "$T/prefix" "$T/moved"
CN_LV2I_BUNDLE=$T/moved/lib/lv2/continuo.lv2 "$CN_BUILD_DIR/tests/test_lv2_instrument" >"$T/run2" 2>&1 ||
    fail "moved prefix: $(tail -n 5 "$T/run2")"

mkdir -p "$T/lonely/lib/lv2"
cp -r "$T/moved/lib/lv2/continuo.lv2" "$T/lonely/lib/lv2/"
if CN_LV2I_BUNDLE=$T/lonely/lib/lv2/continuo.lv2 "$CN_BUILD_DIR/tests/test_lv2_instrument" >"$T/run3" 2>&1; then
  fail "a bundle without share/continuo instantiated"
fi
grep -q "^continuo: no presets at $T/lonely/lib/lv2/continuo.lv2/.*/presets: install continuo with cmake --install" "$T/run3" ||
    fail "no clear error without the presets: $(cat "$T/run3")"
grep "^wavenet" "$T/run"
echo "test_lv2_instrument_install: ok"
