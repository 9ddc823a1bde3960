// cn_train.h: `continuo train melody|wavenet` entry points (cli/train_<model>.c).
#ifndef CN_TRAIN_H
#define CN_TRAIN_H
int cn_train_melody_main(int argc, char **argv);
int cn_train_wavenet_main(int argc, char **argv);
int cn_train_ngram_main(int argc, char **argv);
#endif
