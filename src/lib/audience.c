/* SPDX-License-Identifier: MIT */
/*
 * audience.c: a contact's audience status and unsubscribing (the audience lists are in
 * paginate.c). Validation before any I/O; paths percent-encode the contact (decision 11).
 * Never includes curl.
 */
#include "loopmsg/audience.h"
#include "client_int.h"
#include "ops_int.h"
#include "codec_int.h"
#include "error_int.h"
#include "validate_int.h"

#include <string.h>

static const char *const status_names[] = {NULL, "active", "unsubscribed", "unknown"};

const char *loopmsg_contact_status_name(loopmsg_contact_status status)
{
    return (int)status > 0 && (int)status < 4 ? status_names[status] : NULL;
}

typedef struct status_box {
    loopmsg_contact_status status;
} status_box;

static loopmsg_status decode_check(void **out, json_t *root, const char *raw, size_t len,
                                   loopmsg_error *err)
{
    (void)raw;
    (void)len;
    json_t *s = json_object_get(root, "status");
    if (!json_is_string(s))
        return loopmsg__decode_fail(err, "check_status", "status is missing");
    status_box *b = loopmsg__arena_new(sizeof *b);
    if (!b)
        return loopmsg__error_nomem(err);
    for (int i = 1; i < 4; i++)
        if (strcmp(json_string_value(s), status_names[i]) == 0)
            b->status = (loopmsg_contact_status)i;
    *out = b;
    return LOOPMSG_OK;
}

static void free_box(void *p)
{
    loopmsg__arena_free(p);
}

const loopmsg__op loopmsg__op_check_status = {"check_status", LOOPMSG__GET, decode_check, free_box};
const loopmsg__op loopmsg__op_unsubscribe = {"unsubscribe", LOOPMSG__DELETE, NULL, NULL};

loopmsg_status loopmsg_audience_check_status(loopmsg_client *client, const char *contact,
                                             loopmsg_contact_status *status_out,
                                             loopmsg_error *err)
{
    if (status_out)
        *status_out = LOOPMSG_CONTACT_OTHER;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "check_status: client is NULL");
    loopmsg_status st = loopmsg__v_id("check_status", "contact", contact, true, err);
    if (st != LOOPMSG_OK)
        return st;
    char *path = loopmsg__path_with_segment("/api/v1/audience/check-status/", contact);
    if (!path)
        return loopmsg__error_nomem(err);
    void *box = NULL;
    st = loopmsg__call(client, &loopmsg__op_check_status, path, NULL, &box, err);
    if (st == LOOPMSG_OK) {
        if (status_out)
            *status_out = ((status_box *)box)->status;
        loopmsg__arena_free(box);
    }
    return st;
}

loopmsg_status loopmsg_audience_unsubscribe(loopmsg_client *client, const char *contact,
                                            loopmsg_error *err)
{
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "unsubscribe: client is NULL");
    loopmsg_status st = loopmsg__v_id("unsubscribe", "contact", contact, true, err);
    if (st != LOOPMSG_OK)
        return st;
    char *path = loopmsg__path_with_segment("/api/v1/audience/delete/", contact);
    if (!path)
        return loopmsg__error_nomem(err);
    return loopmsg__call(client, &loopmsg__op_unsubscribe, path, NULL, NULL, err);
}
