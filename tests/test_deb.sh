#!/usr/bin/env bash
# LABELS: slow
# TIMEOUT: 600
# test_deb: `cpack -G DEB` builds continuo_VERSION_ARCH.deb; its Depends come from
# dpkg-shlibdeps (the binary's shared libraries); dpkg-deb -x extracts it and the
# extracted binary continues and scores a tune, finding its shipped files; when the LV2
# instrument is built, the package carries usr/lib/lv2/continuo.lv2 and it plays from there.
set -euo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}" "${CN_BUILD_DIR:?}"
command -v dpkg-shlibdeps >/dev/null || { echo "test_deb: SKIP: dpkg-dev not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_deb: FAIL: $*" >&2; exit 1; }
(cd "$T" && cpack -G DEB -B "$T/out" --config "$CN_BUILD_DIR/CPackConfig.cmake" >"$T/cpack.log" 2>&1) ||
    fail "cpack: $(tail -5 "$T/cpack.log")"
deb=$(ls "$T"/out/continuo_*_*.deb) || fail "no continuo_VERSION_ARCH.deb in $(ls "$T/out")"
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libopenblas0 libportaudio2 libsndfile1 libfftw3-single3 libcjson1 libsamplerate0 libc6; do
    [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib"
done
if grep -q "^LILV_FOUND:INTERNAL=1" "$CN_BUILD_DIR/CMakeCache.txt"; then # built with LV2 hosting
    [[ $depends == *liblilv-0-0* ]] || fail "Depends lacks liblilv-0-0"
fi
dpkg-deb -x "$deb" "$T/root"
bin=$T/root/usr/bin/continuo
[ -x "$bin" ] && [ -f "$T/root/usr/share/man/man1/continuo.1" ] || fail "package misses the binary or man page"
cd "$T"
"$bin" continue "$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid" --notes 16 --seed 2 -o cont.mid 2>err ||
    fail "extracted binary: continue: $(cat err)"
"$bin" score cont.mid | tail -n 1
"$bin" --version | grep -q "shipped files: $T/root/usr/share/continuo" || fail "--version: $("$bin" --version)"
if [ -f "$CN_BUILD_DIR/lib/lv2/continuo.lv2/manifest.ttl" ]; then
    B=$T/root/usr/lib/lv2/continuo.lv2
    for f in manifest.ttl continuo.ttl continuo.so; do [ -f "$B/$f" ] || fail "package misses lib/lv2/continuo.lv2/$f"; done
    CN_LV2I_BUNDLE=$B "$CN_BUILD_DIR/tests/test_lv2_instrument" >lv2.log 2>&1 || fail "LV2 instrument from the package: $(tail -n 3 lv2.log)"
    echo "LV2 instrument from the package: $(tail -n 1 lv2.log)"
fi
echo "test_deb: ok"
