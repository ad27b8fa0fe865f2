/* SPDX-License-Identifier: MIT */
/* global_int.h: access to the process-wide state set by loopmsg_global_init. */
#ifndef LOOPMSG_GLOBAL_INT_H
#define LOOPMSG_GLOBAL_INT_H

#include "loopmsg/global.h"

const loopmsg_allocator *loopmsg__allocator(void);
/* Initialise on demand (used by loopmsg_client_new); returns 0 or a negative status. */
int loopmsg__global_ensure(void);

#endif
