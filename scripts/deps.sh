#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages continuo needs, only those missing.
# Usage: bash scripts/deps.sh [build|test|all]   (as root, or with sudo available)
#   build: compiler, CMake and the libraries;  test/all: plus jackd2 (live-audio test),
#   fluidsynth + fluid-soundfont-gm (WaveNet data and evaluation), sox, clang (fuzzers).
set -euo pipefail
what=${1:-all}
pkgs=(build-essential cmake pkg-config portaudio19-dev libsndfile1-dev libfftw3-dev
      libopenblas-dev libcjson-dev libsamplerate0-dev)
if [ "$what" != build ]; then
  pkgs+=(jackd2 fluidsynth fluid-soundfont-gm sox clang libclang-rt-14-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO -E apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
