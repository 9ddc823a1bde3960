// cn_builtins.h: registration of the built-in plugins (they live outside engine/).
#ifndef CN_BUILTINS_H
#define CN_BUILTINS_H
#include "core/cn_status.h"
// Register every built-in generator and effect with the engine registry. Idempotent.
cn_status cn_register_builtins(void);
#endif
