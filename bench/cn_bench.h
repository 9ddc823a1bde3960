// cn_bench.h: `continuo bench <what>` entry points, one file each in bench/.
// Benchmarks print ratios measured in one run (never timed tests).
#ifndef CN_BENCH_H
#define CN_BENCH_H
int cn_bench_engine(int argc, char **argv);
int cn_bench_melody(int argc, char **argv);
int cn_bench_mixture(int argc, char **argv);
int cn_bench_infill(int argc, char **argv);
int cn_bench_conditioning(int argc, char **argv);
int cn_bench_wavenet(int argc, char **argv);
int cn_bench_blas(int argc, char **argv);
int cn_bench_live(int argc, char **argv);
int cn_bench_allreduce(int argc, char **argv);

// Training samples/s and GFLOP/s of a WaveNet on one thread (bench_wavenet.c); 0 on success.
typedef struct cn_wn_model cn_wn_model;
int cn_bench_wavenet_train_rate(const cn_wn_model *m, double *samples_per_s, double *gflops);
#endif
