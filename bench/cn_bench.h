// cn_bench.h: `continuo bench <what>` entry points, one file each in bench/.
// Benchmarks print ratios measured in one run (never timed tests).
#ifndef CN_BENCH_H
#define CN_BENCH_H
int cn_bench_engine(int argc, char **argv);
int cn_bench_melody(int argc, char **argv);
int cn_bench_wavenet(int argc, char **argv);
#endif
