#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages continuo needs, only those missing.
# Usage: bash scripts/deps.sh [build|test|all]
#   build: compiler, CMake and the libraries (lilv + lv2-dev: hosting LV2 effects);
#   test/all: plus jackd2 (live-audio test), libopenmpi-dev + openmpi-bin (data-parallel
#   training, built when CMake finds MPI), fluidsynth + fluid-soundfont-gm (WaveNet data and
#   evaluation), sox, clang (fuzzers), swh-lv2 + x42-plugins + calf-plugins (LV2 effects the
#   tests host), lilv-utils + jalv + sordi (lv2ls, lv2info, a JACK host and TTL
#   validation for the LV2 instrument).
# As root it runs apt-get itself; as another user it runs it through sudo; without either it
# names the packages and the command to run, and exits 1. Nothing missing: no apt-get call.
set -euo pipefail
what=${1:-all}
case "$what" in build|test|all) ;; *) echo "deps.sh: unknown set '$what' (build|test|all)" >&2; exit 2;; esac
# file + dpkg-dev: cpack's DEB generator computes dependencies with dpkg-shlibdeps.
pkgs=(build-essential cmake pkg-config git file dpkg-dev portaudio19-dev libsndfile1-dev
      libfftw3-dev libopenblas-dev libcjson-dev libsamplerate0-dev liblilv-dev lv2-dev)
if [ "$what" != build ]; then
  pkgs+=(jackd2 fluidsynth fluid-soundfont-gm sox clang libclang-rt-14-dev swh-lv2 x42-plugins calf-plugins
        libopenmpi-dev openmpi-bin lilv-utils jalv sordi)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Run a command as root: directly when we are root, else through sudo (env passes the
# variable without needing sudo's -E, which sudoers may forbid).
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps.sh: missing packages and no sudo; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi
echo "deps.sh: installing ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
