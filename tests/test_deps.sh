#!/usr/bin/env bash
# test_deps: scripts/deps.sh against stub apt-get, dpkg-query, sudo and id on a PATH that
# holds nothing else (plus grep and env): root with packages missing, a user with sudo, a
# user without sudo (one clear line, exit 1), and nothing missing (no apt call at all).
# The stubs log every command they receive; the test compares the logs exactly.
set -euo pipefail
: "${CN_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_deps: FAIL: $*" >&2; exit 1; }

make_stubs() { # dir uid installed(0|1) with_sudo(0|1)
    local d=$1
    mkdir -p "$d"
    ln -s "$(command -v grep)" "$d/grep"
    ln -s "$(command -v env)" "$d/env"
    printf '#!/bin/bash\necho %s\n' "$2" >"$d/id"
    if [ "$3" = 1 ]; then
        printf '#!/bin/bash\nprintf "install ok installed"\n' >"$d/dpkg-query"
    else
        printf '#!/bin/bash\nexit 1\n' >"$d/dpkg-query"
    fi
    printf '#!/bin/bash\necho "apt-get $* [DEBIAN_FRONTEND=$DEBIAN_FRONTEND]" >>"%s/log"\n' "$d" >"$d/apt-get"
    if [ "$4" = 1 ]; then
        printf '#!/bin/bash\necho "sudo $*" >>"%s/log"\nexec "$@"\n' "$d" >"$d/sudo"
    fi
    chmod +x "$d"/*
}

run_deps() { # dir set -> exit code; stderr in dir/err
    local rc=0
    PATH="$1" /bin/bash "$CN_SOURCE_DIR/scripts/deps.sh" "$2" 2>"$1/err" || rc=$?
    return $rc
}

build_pkgs="build-essential cmake pkg-config git file dpkg-dev portaudio19-dev libsndfile1-dev libfftw3-dev libopenblas-dev libcjson-dev libsamplerate0-dev liblilv-dev lv2-dev"
test_pkgs="$build_pkgs jackd2 fluidsynth fluid-soundfont-gm sox clang libclang-rt-14-dev swh-lv2 x42-plugins calf-plugins libopenmpi-dev openmpi-bin lilv-utils jalv sordi"

# 1. root, everything missing: apt-get update, then install of every package, no sudo.
make_stubs "$T/root" 0 0 1
run_deps "$T/root" all || fail "root: exit $? ($(cat "$T/root/err"))"
expect="apt-get update -qq [DEBIAN_FRONTEND=noninteractive]
apt-get install -y -qq --no-install-recommends $test_pkgs [DEBIAN_FRONTEND=noninteractive]"
[ "$(cat "$T/root/log")" = "$expect" ] || fail "root: commands were:
$(cat "$T/root/log")
expected:
$expect"

# 2. a user with sudo: the same commands, each through sudo (no -E), build set only.
make_stubs "$T/user" 1000 0 1
run_deps "$T/user" build || fail "user with sudo: exit $? ($(cat "$T/user/err"))"
expect="sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
apt-get update -qq [DEBIAN_FRONTEND=noninteractive]
sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $build_pkgs
apt-get install -y -qq --no-install-recommends $build_pkgs [DEBIAN_FRONTEND=noninteractive]"
[ "$(cat "$T/user/log")" = "$expect" ] || fail "user with sudo: commands were:
$(cat "$T/user/log")
expected:
$expect"

# 3. a user without sudo: exit 1, one line naming the packages and the command, no apt call.
make_stubs "$T/nosudo" 1000 0 0
rc=0
run_deps "$T/nosudo" build || rc=$?
[ "$rc" = 1 ] || fail "user without sudo: exit $rc, expected 1"
[ ! -e "$T/nosudo/log" ] || fail "user without sudo: apt-get was called: $(cat "$T/nosudo/log")"
[ "$(wc -l <"$T/nosudo/err")" = 1 ] || fail "user without sudo: not one line: $(cat "$T/nosudo/err")"
grep -q "as root run: apt-get install $build_pkgs" "$T/nosudo/err" ||
    fail "user without sudo: message does not name the command: $(cat "$T/nosudo/err")"

# 4. nothing missing: exit 0, no apt-get and no sudo, whoever runs it.
for uid in 0 1000; do
    make_stubs "$T/none$uid" $uid 1 1
    run_deps "$T/none$uid" all || fail "nothing missing (uid $uid): exit $?"
    [ ! -e "$T/none$uid/log" ] || fail "nothing missing (uid $uid): called $(cat "$T/none$uid/log")"
done

# 5. a wrong argument: exit 2 with a message.
rc=0
run_deps "$T/root" everything || rc=$?
[ "$rc" = 2 ] && grep -q "unknown set" "$T/root/err" || fail "bad argument: exit $rc"
echo "test_deps: root, sudo, no sudo, nothing missing, bad argument: ok"
