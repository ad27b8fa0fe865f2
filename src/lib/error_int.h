/* SPDX-License-Identifier: MIT */
/* error_int.h: the core's table of Loop API codes, as the engine reads it. Filling a caller's
 * loopmsg_error is the utility layer's (util_int.h, included here). */
#ifndef LOOPMSG_ERROR_INT_H
#define LOOPMSG_ERROR_INT_H

#include "loopmsg/error.h"
#include "util_int.h"

/* Whether the engine resends a request that failed with a Loop API code; read
 * from the one table of codes in error.c, next to the code's flags. */
typedef enum loopmsg__resend {
    LOOPMSG__RESEND_BY_STATUS = 0, /* the code says nothing: the HTTP status decides */
    LOOPMSG__RESEND_AUTO,          /* resent automatically (1010: nothing was sent) */
    LOOPMSG__RESEND_IF_ASKED,      /* only with retry_maybe_delivered (1020, 1030), whatever
                                      the HTTP status */
} loopmsg__resend;

loopmsg__resend loopmsg__api_code_resend(int api_code);
/* Whether a Loop API code says the key was missing or refused (110, 130). */
bool loopmsg__api_code_is_auth(int api_code);

/* LoopLookup's codes (the legacy Loop numbering, from a third-party
 * table, unverified): description (NULL when unknown), flags, and whether the code means
 * the key was refused. */
const char *loopmsg__lookup_code_description(int code);
unsigned int loopmsg__lookup_code_flags(int code);
bool loopmsg__lookup_code_is_auth(int code);

#endif
