#!/usr/bin/env bash
# LABELS: live;slow
# TIMEOUT: 300
# test_install: `cmake --install` into a temporary prefix, the prefix moved elsewhere, the
# source and build trees hidden (a private mount namespace with empty folders over them,
# where unshare allows it), and then, from another directory: --version, presets,
# continue, score, render --synth wavenet and play --endless on a JACK dummy server.
# The installed man page and bash completion are checked too.
set -euo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}" "${CN_BUILD_DIR:?}"
command -v jackd >/dev/null || { echo "test_install: SKIP: jackd not installed"; exit 77; }
T=$(mktemp -d)
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

cmake --install "$CN_BUILD_DIR" --prefix "$T/first" >"$T/install.log" || fail "install: $(tail -3 "$T/install.log")"
mv "$T/first" "$T/moved" # the binary must find its files wherever the prefix ends up
P=$T/moved
for f in bin/continuo share/man/man1/continuo.1 share/bash-completion/completions/continuo \
         share/continuo/presets/melody.json share/continuo/presets/wavenet-gm3.safetensors share/continuo/presets/wavenet-gm8-48k.safetensors share/continuo/presets/wavenet-gm8-48k-free-run.safetensors share/continuo/presets/wavenet-gm8-48k-free-run-long.safetensors \
         share/continuo/data/melody/nottingham/train share/continuo/data/demo/primer.txt; do
    [ -e "$P/$f" ] || fail "not installed: $f"
done
! grep -qF "$CN_SOURCE_DIR" "$P/bin/continuo" || fail "the binary holds the source path $CN_SOURCE_DIR"

# The checks, as a script run from an unrelated directory.
cat >"$T/checks.sh" <<CHECKS
set -euo pipefail
cd "$T/elsewhere"
bin=$P/bin/continuo
fail() { echo "test_install: FAIL: \$*" >&2; exit 1; }
\$bin --version >version.txt || fail "--version"
grep -q "shipped files: $P/share/continuo" version.txt || fail "--version: \$(cat version.txt)"
grep -Eq "melody-folk.safetensors +sha256 [0-9a-f]{12}" version.txt || fail "no model hash: \$(cat version.txt)"
\$bin presets | grep -q "^wavenet-violin" || fail "presets"
\$bin continue "D5:1/2 F#5:1/2 A5 D6" --notes 12 --seed 3 -o tune.mid 2>err.txt || fail "continue: \$(cat err.txt)"
\$bin score tune.mid --json >score.json || fail "score"
grep -q '"notes":16' score.json || fail "score: \$(cat score.json)"
\$bin render tune.mid -o tune.wav --synth wavenet --instrument violin --rate 16000 2>err.txt ||
    fail "render: \$(cat err.txt)"
[ "\$(soxi -s tune.wav)" -gt 16000 ] || fail "render: short file"
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
trap jack_stop EXIT
jack_start jackd.log || { echo "test_install: SKIP: jackd could not start"; exit 77; }
\$bin play --endless --duration 2 --seed 1 --device JACK --synth reference 2>play.err ||
    fail "play --endless: \$(cat play.err)"
tail -n 1 play.err | grep -q "^played 96000 frames" || fail "play: \$(tail -n 1 play.err)"
echo "installed prefix: version, presets, continue, score, render (wavenet), play --endless: ok"
CHECKS
mkdir -p "$T/elsewhere"
# jack_helpers.sh must stay readable: copy it out before the source tree is hidden.
mkdir -p "$T/tests" && cp "$CN_SOURCE_DIR/tests/jack_helpers.sh" "$T/tests/"
sed -i "s|$CN_SOURCE_DIR/tests/jack_helpers.sh|$T/tests/jack_helpers.sh|" "$T/checks.sh"

hide="mount -t tmpfs none '$CN_SOURCE_DIR' && mount -t tmpfs none '$CN_BUILD_DIR' 2>/dev/null || true"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    unshare -m bash -c "mount --make-rprivate / && $hide && [ ! -e '$CN_SOURCE_DIR/presets' ] && bash '$T/checks.sh'" ||
        fail "checks with the source tree hidden"
    echo "(source and build trees hidden in a private mount namespace)"
else
    bash "$T/checks.sh" || fail "checks"
    echo "(not root: source tree not hidden; the binary holds no path into it)"
fi
