#!/usr/bin/env bash
# test_manpage: the man page (docs/continuo.1) names every command and every flag that
# the binary's --help texts name, and renders without warnings; the bash completion
# offers the commands and a command's flags, read from the same --help texts.
set -euo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
man=$CN_SOURCE_DIR/docs/continuo.1
fail() { echo "test_manpage: FAIL: $*" >&2; exit 1; }
flags_of() { "$CN_BIN" "$@" --help | grep -oE -- '(^|[ ,[])--?[a-z][a-z0-9-]*' | sed 's/^[ ,[]//' | sort -u; }

cmds=$("$CN_BIN" --help | awk '/^  [a-z]/ {print $1}')
[ -n "$cmds" ] || fail "no commands in continuo --help"
missing=()
for c in $cmds; do
    grep -q "^\.SS $c" "$man" || missing+=("command $c")
done
for c in "train melody" "train wavenet" "train ngram"; do
    grep -qF ".SS $c" "$man" || missing+=("command $c")
done
helps=(continue infill score render play devices plugins presets "train melody" "train wavenet"
       "bench engine" "bench melody" "bench mixture" "bench infill" "bench conditioning" "bench wavenet" "bench blas" "bench live" "bench allreduce"
       "train ngram")
n=0
for h in "${helps[@]}"; do
    for f in $(flags_of $h); do
        case $f in -h | --help) continue ;; esac
        n=$((n + 1))
        roff=${f//-/\\-}
        grep -qF -- "$roff" "$man" || missing+=("$h $f")
    done
done
[ ${#missing[@]} -eq 0 ] || fail "not in the man page: ${missing[*]}"
[ "$n" -gt 80 ] || fail "only $n flags found in the --help texts"
if command -v groff >/dev/null; then
    warn=$(groff -man -Tutf8 -ww "$man" 2>&1 >/dev/null || true)
    [ -z "$warn" ] || fail "groff warnings: $warn"
fi

# Completion, as bash would call it.
. "$CN_SOURCE_DIR/scripts/continuo.bash-completion"
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _continuo; echo "${COMPREPLY[*]}"; }
got=$(complete_words "$CN_BIN" re)
[ "$got" = render ] || fail "completion of 're': '$got'"
got=$(complete_words "$CN_BIN" render --sy)
[ "$got" = --synth ] || fail "completion of 'render --sy': '$got'"
got=$(complete_words "$CN_BIN" render x.mid --synth w)
[ "$got" = wavenet ] || fail "completion of '--synth w': '$got'"
got=$(complete_words "$CN_BIN" render x.mid --instrument vi)
[[ " $got " == *" violin "* ]] || fail "completion of '--instrument vi': '$got'"
got=$(complete_words "$CN_BIN" train wavenet --eval-t)
[ "$got" = --eval-temperature ] || fail "completion of 'train wavenet --eval-t': '$got'"
got=$(complete_words "$CN_BIN" bench b)
[ "$got" = blas ] || fail "completion of 'bench b': '$got'"
echo "test_manpage: $n flags of ${#helps[@]} commands in the man page; completion ok"
