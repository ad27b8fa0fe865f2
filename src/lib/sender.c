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
#include "async_int.h"

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
        st = loopmsg__decode_bad(err, "sender", bad, "a field has the wrong type");
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

const loopmsg__op loopmsg__op_sender = {"sender", LOOPMSG__GET, decode_details, free_details, 0};

void loopmsg_sender_details_free(loopmsg_sender_details *details)
{
    loopmsg__arena_free(details);
}

static loopmsg_status sender_path(loopmsg_client *client, const char *sender_id, char **path,
                                  loopmsg_error *err)
{
    *path = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender: client is NULL");
    loopmsg_status st = loopmsg__v_id("sender", "id", sender_id, true, err);
    if (st != LOOPMSG_OK)
        return st;
    *path = loopmsg__path_with_segment("/api/v1/sender/", sender_id);
    return *path ? LOOPMSG_OK : loopmsg__error_nomem(err);
}

loopmsg_status loopmsg_sender_get(loopmsg_client *client, const char *sender_id,
                                  loopmsg_sender_details **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender: out is NULL");
    *out = NULL;
    char *path;
    loopmsg_status st = sender_path(client, sender_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_sender, path, NULL, (void **)out, err);
}

static void tramp_sender(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_sender_details_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_sender_get_async(loopmsg_client *client, const char *sender_id,
                                        loopmsg_sender_details_cb cb, void *user_data,
                                        loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = sender_path(client, sender_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_sender, path, NULL, tramp_sender,
                               (loopmsg__fn)cb, user_data, id_out, err);
}
