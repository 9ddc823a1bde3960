// cn_cli.h: the subcommands of the `continuo` command: their entry points (one file each,
// cli/cmd_<name>.c). What they share with bench/ (error lines, flag values) is in ui/.
#ifndef CN_CLI_H
#define CN_CLI_H

#include "ui/cn_ui.h"

// Each returns the process exit code (0 success, 1 failure, 2 usage error).
// argv[0] is the subcommand name.
int cn_cmd_continue(int argc, char **argv);
int cn_cmd_infill(int argc, char **argv);
int cn_cmd_score(int argc, char **argv);
int cn_cmd_render(int argc, char **argv);
int cn_cmd_play(int argc, char **argv);
int cn_cmd_devices(int argc, char **argv);
int cn_cmd_train(int argc, char **argv);
int cn_cmd_plugins(int argc, char **argv);
int cn_cmd_bench(int argc, char **argv);
int cn_cmd_presets(int argc, char **argv);
int cn_cmd_version(void);

#endif
