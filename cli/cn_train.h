// cn_train.h: `continuo train melody|wavenet` entry points (cli/train_<model>.c).
#ifndef CN_TRAIN_H
#define CN_TRAIN_H
int cn_train_melody_main(int argc, char **argv);
int cn_train_wavenet_main(int argc, char **argv);
int cn_train_ngram_main(int argc, char **argv);

// Under mpirun (models/nn/cn_dist.h) training runs data-parallel: begin starts MPI (a
// printed error and 1 when it cannot) and quiets the signal lines of ranks other than 0;
// the command calls cn_dist_finalize() before it returns, whatever happened. The note is
// rank 0's line saying how a batch of `batch` items is shared (nothing on one rank).
int cn_train_dist_begin(const char *cmd);
void cn_train_dist_note(int batch, const char *items);
#endif
