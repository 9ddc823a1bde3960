#!/usr/bin/env bash
# mpi_projection.sh: expected data-parallel efficiency on N nodes, from two measured inputs
# and a stated network (docs/training-mpi.md). Not a measurement: a model.
# Usage: bash scripts/mpi_projection.sh GRAD_FLOATS ITEM_SECONDS [CORES [LABEL]]
#   GRAD_FLOATS   floats in the gradient allreduce (bench allreduce prints both models')
#   ITEM_SECONDS  forward + backward of one batch item on one thread (bench allreduce:
#                 a step's compute divided by the rank's items)
#   CORES         cores per node, one rank per node using them all (default 1): an item
#                 then takes ITEM_SECONDS / CORES (perfect threading, the best case)
# Ring allreduce of S bytes on N ranks: 2(N-1)/N * S / BW  +  2(N-1) * alpha.
# A step of b items per node takes b * item time + allreduce (no overlap); efficiency =
# compute / step, and >= 80% needs b >= 4 * allreduce / item time.
# Networks: 10 Gbit/s Ethernet (1.25 GB/s, alpha 30 us per message over TCP) and
# 100 Gbit/s (12.5 GB/s, alpha 10 us); line rates, so real runs are somewhat slower.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: bash scripts/mpi_projection.sh GRAD_FLOATS ITEM_SECONDS [CORES [LABEL]]" >&2
    exit 2
fi
awk -v S="$(($1 * 4))" -v t1="$2" -v cores="${3:-1}" -v label="${4:-model}" 'BEGIN {
    t = t1 / cores
    split("10 100", gbit); split("1.25e9 12.5e9", bw); split("30e-6 10e-6", alpha)
    printf "%s: %.2f MB of gradients; an item takes %.1f ms on one thread, %.2f ms on a node of %d core(s)\n",
           label, S / 1e6, t1 * 1e3, t * 1e3, cores
    printf "  %-9s %5s %13s %13s %15s %s\n", "network", "nodes", "bw term", "allreduce", "eff. 1/node", "  80%: items/node"
    for (k = 1; k <= 2; k++)
        for (i = 1; i <= 3; i++) {
            N = i == 1 ? 8 : i == 2 ? 64 : 512
            bwt = 2 * (N - 1) / N * S / bw[k]
            T = bwt + 2 * (N - 1) * alpha[k]
            b = 4 * T / t
            bmin = b <= 1 ? 1 : (b == int(b) ? b : int(b) + 1)
            printf "  %3d Gb/s %6d %10.2f ms %10.2f ms %14.0f%% %8d (global batch %d)\n", gbit[k], N, bwt * 1e3,
                   T * 1e3, 100 * t / (t + T), bmin, bmin * N
        }
}'
