/* SPDX-License-Identifier: MIT */
/*
 * lookup_int.h: the LoopLookup result decoder, shared by the status call (lookup.c) and the
 * webhook parser (webhook.c), which sees the same object in a lookup callback. Pure.
 */
#ifndef LOOPMSG_LOOKUP_INT_H
#define LOOPMSG_LOOKUP_INT_H

#include "loopmsg/lookup.h"

#include <jansson.h>

/* Fill *r from the object `root` (a status answer or a callback body), every string copied
 * into the arena of `arena_root`; raw is left to the caller. Returns LOOPMSG_OK, or
 * LOOPMSG_E_NOMEM; *bad is set to the dotted name of the first field with the wrong type
 * (and the caller reports LOOPMSG_E_PROTOCOL). */
loopmsg_status loopmsg__lookup_decode(void *arena_root, json_t *root, loopmsg_lookup_result *r,
                                      const char **bad);

#endif
