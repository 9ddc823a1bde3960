// cn_bench_util.h: what the benchmarks share (their clock is core/cn_clock.h): the
// OpenBLAS sgemm peak of this machine, so that a model's achieved GFLOP/s can be put
// next to what BLAS itself reaches in the same run.
#ifndef CN_BENCH_UTIL_H
#define CN_BENCH_UTIL_H


// Peak GFLOP/s of a large square sgemm (C[n,n] = A[n,n] B[n,n], 2n^3 flops) on
// `threads` OpenBLAS threads: calls are timed one by one for about `seconds` after an
// untimed one, and the fastest counts (a shared machine's load and the clock ramping up
// only ever slow a call down). Leaves OpenBLAS set to `threads`. Negative when out of
// memory.
double cn_bench_sgemm_gflops(int n, int threads, double seconds);

#endif
