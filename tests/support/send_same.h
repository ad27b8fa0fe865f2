/* SPDX-License-Identifier: MIT */
/*
 * send_same.h: the full path of a 2xx send answer (classification, then the op's decoder,
 * as the engine runs them) and whether two send results are the same field by field; shared
 * by test_send_fast and fuzz_response, which hold the send fast path (src/lib/send_fast.c)
 * to the full path's results.
 */
#ifndef LOOPMSG_TEST_SEND_SAME_H
#define LOOPMSG_TEST_SEND_SAME_H

#include <loopmsg.h>

#include "lib/ops_int.h"
#include "lib/wire_int.h"

#include <string.h>

/* The result the full path makes of body (len bytes) answered with HTTP 200 to op, into
 * *out (NULL on failure); the status of classification or decoding. */
static inline loopmsg_status send_full_path(const loopmsg__op *op, const char *body, size_t len,
                                            loopmsg_send_result **out, loopmsg_error *err)
{
    json_t *root = NULL;
    *out = NULL;
    loopmsg_status st = loopmsg__wire_classify_ex(op->name, op->method == LOOPMSG__POST, 200, body,
                                                  len, 0, NULL, false, &root, err);
    if (st == LOOPMSG_OK) {
        void *result = NULL;
        st = op->decode(&result, root, body, len, err);
        if (st == LOOPMSG_OK)
            *out = result;
    }
    json_decref(root);
    return st;
}

static inline int send_same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Every field of two send results; raw must hold the same bytes and be NUL-terminated. */
static inline int send_same_result(const loopmsg_send_result *a, const loopmsg_send_result *b)
{
    return send_same_str(a->message_id, b->message_id) && send_same_str(a->contact, b->contact) &&
           send_same_str(a->text, b->text) && !a->group && !b->group && a->raw && b->raw &&
           a->raw_len == b->raw_len && memcmp(a->raw, b->raw, a->raw_len) == 0 &&
           a->raw[a->raw_len] == '\0' && b->raw[b->raw_len] == '\0';
}

#endif
