#!/usr/bin/env bash
# mpi_scaling.sh: training throughput of both models on this machine, one process against
# data-parallel MPI ranks, back to back in one run, with the ratios (docs/training-mpi.md).
# Usage: bash scripts/mpi_scaling.sh [BUILD_DIR] [MAX_RANKS] [ROUNDS]   (defaults: build, 2, 3)
# Each model trains its default architecture and global batch for a few steps in three
# ways: 1 rank x 1 thread, 1 rank x MAX_RANKS threads, MAX_RANKS ranks x 1 thread. The
# melody model reads data/melody/nottingham/train; the WaveNet 8 tunes of it that the
# reference synth renders at 16 kHz into a temporary folder. ROUNDS rounds run every
# configuration once each; the table gives the median and, in brackets, every round's rate.
# `uptime` is printed before and after each round: other load on the machine slows a row.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
ranks=${2:-2}
rounds=${3:-3}
bin=$build/continuo
[ -x "$bin" ] || { echo "mpi_scaling.sh: no $bin (build first)" >&2; exit 1; }
"$bin" --version | grep -q "^MPI: Open MPI" || { echo "mpi_scaling.sh: $bin was built without MPI" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpi_scaling.sh: no mpirun (apt-get install openmpi-bin)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
mpi=(mpirun -q --oversubscribe --bind-to none)

echo "load before: $(uptime)"
mkdir -p "$T/wn/sine"
i=0
for f in $(ls "$root"/data/melody/nottingham/train/*.mid | head -8); do
    i=$((i + 1))
    "$bin" train wavenet prepare "$f" --program 73 -o "$T/wn/sine/t$i.mid"
    "$bin" render "$T/wn/sine/t$i.mid" -o "$T/wn/sine/t$i.wav" --synth reference --rate 16000 2>/dev/null
done

# One configuration: prints its rate (the last progress line's tok/s or samples/s).
rate() { # unit launcher... -- args
    local unit=$1; shift
    "$@" 2>"$T/log" >/dev/null || { cat "$T/log" >&2; exit 1; }
    grep -o "[0-9]* $unit" "$T/log" | tail -1 | cut -d' ' -f1
}

mel=(train melody --data "$root/data/melody/nottingham/train" --steps 12 --eval-every 0 --ckpt-every 0
     -o "$T/m.st")
wn=(train wavenet --data "$T/wn/sine" --steps 6 --ckpt-every 1000 -o "$T/w.st")
cfgs=("1 1" "1 $ranks" "$ranks 1")
# Rounds: each runs every configuration once, so a burst of other load hits one round, not
# one configuration; the table shows each configuration's median over the rounds.
declare -A got
for r in $(seq "$rounds"); do
    for c in "${!cfgs[@]}"; do
        set -- ${cfgs[$c]}
        if [ "$1" = 1 ]; then launch=("$bin"); else launch=("${mpi[@]}" -np "$1" "$bin"); fi
        got[m$c]+=" $(rate "tok/s" "${launch[@]}" "${mel[@]}" --threads "$2")"
        got[w$c]+=" $(rate "samples/s" "${launch[@]}" "${wn[@]}" --threads "$2")"
    done
    echo "round $r: $(uptime)"
done
median() { printf "%s\n" $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf "%-26s %16s %17s   %s\n" "configuration" "melody tok/s" "wavenet smp/s" "every round: melody / wavenet"
for c in "${!cfgs[@]}"; do
    set -- ${cfgs[$c]}
    m=$(median "${got[m$c]}") w=$(median "${got[w$c]}")
    [ "$c" = 0 ] && base_m=$m base_w=$w
    awk -v c="$1 rank(s) x $2 thread(s)" -v m="$m" -v w="$w" -v bm="$base_m" -v bw="$base_w" \
        -v am="${got[m$c]}" -v aw="${got[w$c]}" \
        'BEGIN { printf "%-26s %7d (%4.2fx) %8d (%4.2fx)  %s /%s\n", c, m, m / bm, w, w / bw, am, aw }'
done
echo "load after: $(uptime)"
