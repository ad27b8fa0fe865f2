/* SPDX-License-Identifier: MIT */
/*
 * validate_int.h: the field rules shared by every endpoint (attachments, text, lengths in
 * Unicode characters, UTF-8). Each
 * check returns LOOPMSG_OK or LOOPMSG_E_INVALID_ARG with a message "<op>: <field>: <why>".
 * Pure: no I/O. An empty optional string counts as "not set".
 */
#ifndef LOOPMSG_VALIDATE_INT_H
#define LOOPMSG_VALIDATE_INT_H

#include "loopmsg/error.h"

#include <stdbool.h>
#include <stddef.h>

/* A required string: non-NULL, non-empty, valid UTF-8, at most max_chars (0 = no limit). */
loopmsg_status loopmsg__v_required(const char *op, const char *field, const char *value,
                                   size_t max_chars, loopmsg_error *err);

/* An optional string: NULL or "" pass; otherwise valid UTF-8 and at most max_chars. */
loopmsg_status loopmsg__v_optional(const char *op, const char *field, const char *value,
                                   size_t max_chars, loopmsg_error *err);

/* An identifier (contact, group, message id, sender) must also be free of control chars. */
loopmsg_status loopmsg__v_id(const char *op, const char *field, const char *value, bool required,
                             loopmsg_error *err);

/* An https:// URL of at most LOOPMSG_MAX_URL_CHARS characters. `field` may contain a %zu
 * index (pass index, or (size_t)-1 when not a list element). */
loopmsg_status loopmsg__v_https_url(const char *op, const char *field, size_t index,
                                    const char *url, loopmsg_error *err);

/* A list of attachment URLs: count <= max, pointer non-NULL when count > 0, each URL valid. */
loopmsg_status loopmsg__v_attachments(const char *op, const char *const *urls, size_t count,
                                      size_t max, loopmsg_error *err);

/* Is `s` set (non-NULL and non-empty)? */
static inline bool loopmsg__set(const char *s)
{
    return s && *s;
}

#endif
