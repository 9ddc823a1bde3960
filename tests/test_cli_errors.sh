# LABELS: unit
# test_cli_errors.sh: the engine's subcommands (render, play, devices, plugins, bench
# engine) answer --help on stdout with exit 0, and bad usage with exit 2 or a failure with
# exit 1, always as exactly one line on stderr starting "continuo <cmd>: ".
set -u
fail() { echo "test_cli_errors: FAIL: $*" >&2; exit 1; }
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export JACK_NO_START_SERVER=1 # a probe must never start an audio server
tune="$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid"

for cmd in render play devices plugins "bench engine"; do
    # shellcheck disable=SC2086
    $CN_BIN $cmd --help >"$tmp/out" 2>"$tmp/err" || fail "$cmd --help exit $?"
    grep -q "^usage: continuo $cmd" "$tmp/out" || fail "$cmd --help: $(head -1 "$tmp/out")"
    [ -s "$tmp/err" ] && fail "$cmd --help wrote to stderr"
done

# expect RC CMD ARGS...: exit code RC and one stderr line "continuo CMD: ...".
expect() {
    local want=$1; shift
    "$CN_BIN" "$@" >/dev/null 2>"$tmp/err" </dev/null
    local rc=$?
    [ $rc -eq "$want" ] || fail "$*: exit $rc, expected $want: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: not one line: $(cat "$tmp/err")"
    grep -Eq "^continuo $1( [a-z]+)?: " "$tmp/err" || fail "$*: $(cat "$tmp/err")"
    echo "ok ($rc) $*: $(cat "$tmp/err")"
}
expect 2 render
expect 2 render "$tune"
expect 2 render "$tune" -o
expect 2 render "$tune" a b -o "$tmp/x.wav"
expect 2 render "$tune" -o "$tmp/x.wav" --rate 12
expect 2 render "$tune" -o "$tmp/x.wav" --seed -1
expect 1 render "$tmp/none.mid" -o "$tmp/x.wav"
expect 1 render "$tune" -o "$tmp/x.wav" --fx "gain=3"
expect 1 render "$tune" -o "$tmp/x.wav" --synth reference --preset soft
expect 2 play
expect 2 play "$tune" --latency 0
expect 2 play "$tune" --duration -3
expect 2 play "$tune" --block 3
expect 2 play "$tune" --bogus
expect 2 play "$tune" --synth reference --budget 0.5
grep -q "reference synth has no --budget" "$tmp/err" || fail "unclear --budget error: $(cat "$tmp/err")"
expect 2 play "$tune" --instrument sine --budget 0.5
expect 1 play "$tmp/none.mid"
expect 1 play --endless --model no-such-model
expect 1 play "$tune" --device no-such-device-anywhere
expect 2 devices extra
expect 2 plugins extra
expect 2 bench engine --bogus
[ -e "$tmp/x.wav" ] && fail "an error left an output file"
echo "test_cli_errors: ok"
