/* SPDX-License-Identifier: MIT */
/*
 * global_int.h: the process-wide state set by loopmsg_global_init. Part of the core's
 * documented internal interface: besides the core, the emulator's control client (linked with
 * the static core) includes it, to initialise libcurl as the core does. The allocator hooks
 * themselves are kept by the utility layer (util_int.h).
 */
#ifndef LOOPMSG_GLOBAL_INT_H
#define LOOPMSG_GLOBAL_INT_H

#include "loopmsg/global.h"

/* Initialise on demand (used by loopmsg_client_new and loopmsg_emulator_control); returns 0
 * or a negative status. */
int loopmsg__global_ensure(void);

#endif
