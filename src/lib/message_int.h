/* SPDX-License-Identifier: MIT */
/* message_int.h: validation + encoding of message calls, shared by the sync and async faces. */
#ifndef LOOPMSG_MESSAGE_INT_H
#define LOOPMSG_MESSAGE_INT_H

#include "client_int.h"
#include "loopmsg/message.h"

typedef enum loopmsg__message_kind {
    LOOPMSG__MSG_SEND,
    LOOPMSG__MSG_GROUP,
    LOOPMSG__MSG_VOICE,
    LOOPMSG__MSG_REACTION,
    LOOPMSG__MSG_TYPING,
    LOOPMSG__MSG_READ,
    LOOPMSG__MSG_STATUS /* params is the message id (const char *) */
} loopmsg__message_kind;

/* Validate (no I/O) and encode a message call: the op, the encoded path and the body (none
 * for GET), all owned by the caller. */
loopmsg_status loopmsg__message_prepare(loopmsg__message_kind kind, loopmsg_client *c,
                                        const void *params, const loopmsg__op **op_out,
                                        char **path_out, loopmsg__body *body_out,
                                        loopmsg_error *err);

loopmsg_delivery_status loopmsg__delivery_status_parse(const char *s);

/* The fast decoder of the send answers (send_fast.c), a loopmsg__decode_fast_fn once
 * require_id is bound: true with *out a loopmsg_send_result exactly as the full path makes
 * it; false (nothing allocated) for a body it leaves to the full path. require_id: a
 * missing message_id is the full path's error (every send but reactions). */
bool loopmsg__send_decode_fast(void **out, const char *raw, size_t raw_len, bool require_id);
json_t *loopmsg__encode_send(loopmsg_client *c, const loopmsg_send_params *p);

/* The send body written straight into out (appended): byte for byte what
 * json_dumpb(loopmsg__encode_send(c, p), JSON_COMPACT) writes, without building the value.
 * 0 on success; -1 on allocation failure; 1 when a string is one that jansson refuses (not
 * valid UTF-8, or a NULL attachment): the caller then takes loopmsg__encode_send, so that
 * such input fails exactly as it does there. out is to be cleared by the caller in every
 * case. */
int loopmsg__encode_send_bytes(loopmsg__buf *out, loopmsg_client *c, const loopmsg_send_params *p);

/* JSON helpers: set a string when non-empty / a list when non-empty; -1 on OOM. */
int loopmsg__json_put(json_t *o, const char *key, const char *value);
int loopmsg__json_put_list(json_t *o, const char *key, const char *const *values, size_t n);

#endif
