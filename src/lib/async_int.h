/* SPDX-License-Identifier: MIT */
/* async_int.h: the typed trampolines shared by every module's _async functions. */
#ifndef LOOPMSG_ASYNC_INT_H
#define LOOPMSG_ASYNC_INT_H

#include "client_int.h"

/* For loopmsg_done_cb (no result). */
void loopmsg__tramp_done(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud);
/* For loopmsg_send_cb. */
void loopmsg__tramp_send(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud);

#endif
