/* SPDX-License-Identifier: MIT */
/* error_int.h: filling a caller's loopmsg_error. */
#ifndef LOOPMSG_ERROR_INT_H
#define LOOPMSG_ERROR_INT_H

#include "loopmsg/error.h"

#include <stdbool.h>

/* Reset err to "success" (all fields zero, empty message). NULL ok. */
void loopmsg__error_ok(loopmsg_error *err);

/* Set status and a printf-style message (truncated to fit); other fields are zeroed.
 * Returns status, so that `return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, ...)` works.
 * NULL err is fine. */
loopmsg_status loopmsg__error_set(loopmsg_error *err, loopmsg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shorthand for an allocation failure. */
loopmsg_status loopmsg__error_nomem(loopmsg_error *err);

/* Check a parameter struct's version: 0 or above `current` is an E_INVALID_ARG naming the
 * struct and its INIT macro. */
loopmsg_status loopmsg__check_version(unsigned int version, unsigned int current,
                                      const char *type_name, const char *init_macro,
                                      loopmsg_error *err);

/* Whether the engine resends a request that failed with a Loop API code (decision 8); read
 * from the one table of codes in error.c, next to the code's flags. */
typedef enum loopmsg__resend {
    LOOPMSG__RESEND_BY_STATUS = 0, /* the code says nothing: the HTTP status decides */
    LOOPMSG__RESEND_AUTO,          /* resent automatically (1010: nothing was sent) */
    LOOPMSG__RESEND_IF_ASKED,      /* only with retry_maybe_delivered (1020, 1030), whatever
                                      the HTTP status */
} loopmsg__resend;

loopmsg__resend loopmsg__api_code_resend(int api_code);

/* LoopLookup's codes (spec-management §7.10: the legacy Loop numbering, from a third-party
 * table, unverified): description (NULL when unknown), flags, and whether the code means
 * the key was refused. */
const char *loopmsg__lookup_code_description(int code);
unsigned int loopmsg__lookup_code_flags(int code);
bool loopmsg__lookup_code_is_auth(int code);

#endif
