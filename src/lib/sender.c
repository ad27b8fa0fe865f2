/* SPDX-License-Identifier: MIT */
/*
 * sender.c: details of one sender name (the sender and pool lists are in paginate.c).
 * Never includes curl.
 */
#include "loopmsg/sender.h"
#include "client_int.h"
#include "ops_int.h"
#include "codec_int.h"
#include "error_int.h"
#include "validate_int.h"

static loopmsg_status decode_details(void **out, json_t *root, const char *raw, size_t len,
                                     loopmsg_error *err)
{
    if (!json_is_object(root))
        return loopmsg__decode_fail(err, "sender", "expected a JSON object");
    loopmsg_sender_details *d = loopmsg__arena_new(sizeof *d);
    if (!d)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    loopmsg__decode_sender(d, root, &d->sender, &bad);
    d->raw = loopmsg__arena_strndup(d, raw, len);
    d->raw_len = len;
    loopmsg_status st = LOOPMSG_OK;
    if (!d->raw)
        st = loopmsg__error_nomem(err);
    else if (bad)
        st = loopmsg__decode_fail(err, "sender", "a field has the wrong type");
    else if (!d->sender.id)
        st = loopmsg__decode_fail(err, "sender", "id is missing");
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(d);
        return st;
    }
    *out = d;
    return LOOPMSG_OK;
}

static void free_details(void *p)
{
    loopmsg__arena_free(p);
}

const loopmsg__op loopmsg__op_sender = {"sender", LOOPMSG__GET, decode_details, free_details};

void loopmsg_sender_details_free(loopmsg_sender_details *details)
{
    loopmsg__arena_free(details);
}

loopmsg_status loopmsg_sender_get(loopmsg_client *client, const char *sender_id,
                                  loopmsg_sender_details **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    if (!client || !out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender: client or out is NULL");
    loopmsg_status st = loopmsg__v_id("sender", "id", sender_id, true, err);
    if (st != LOOPMSG_OK)
        return st;
    char *path = loopmsg__path_with_segment("/api/v1/sender/", sender_id);
    if (!path)
        return loopmsg__error_nomem(err);
    return loopmsg__call(client, &loopmsg__op_sender, path, NULL, (void **)out, err);
}
