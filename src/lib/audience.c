/* SPDX-License-Identifier: MIT */
/*
 * audience.c: a contact's audience status and unsubscribing (the audience lists are in
 * paginate.c). Validation before any I/O; paths percent-encode the contact (RFC 3986 rules).
 * Never includes curl.
 */
#include "loopmsg/audience.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "validate_int.h"
#include "async_int.h"

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

const loopmsg__op loopmsg__op_check_status = {.name = "check_status",
                                              .method = LOOPMSG__GET,
                                              .decode = decode_check,
                                              .free_result = free_box};
const loopmsg__op loopmsg__op_unsubscribe = {.name = "unsubscribe", .method = LOOPMSG__DELETE};

/* Validate and build the path of a contact call (no I/O). */
static loopmsg_status contact_path(const char *op, const char *prefix, loopmsg_client *client,
                                   const char *contact, char **path_out, loopmsg_error *err)
{
    *path_out = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL", op);
    loopmsg_status st = loopmsg__v_id(op, "contact", contact, true, err);
    if (st != LOOPMSG_OK)
        return st;
    *path_out = loopmsg__path_with_segment(prefix, contact);
    return *path_out ? LOOPMSG_OK : loopmsg__error_nomem(err);
}

#define CHECK_PREFIX  "/api/v1/audience/check-status/"
#define DELETE_PREFIX "/api/v1/audience/delete/"

loopmsg_status loopmsg_audience_check_status(loopmsg_client *client, const char *contact,
                                             loopmsg_contact_status *status_out, loopmsg_error *err)
{
    if (status_out)
        *status_out = LOOPMSG_CONTACT_OTHER;
    char *path;
    loopmsg_status st = contact_path("check_status", CHECK_PREFIX, client, contact, &path, err);
    if (st != LOOPMSG_OK)
        return st;
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
    char *path;
    loopmsg_status st = contact_path("unsubscribe", DELETE_PREFIX, client, contact, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_unsubscribe, path, NULL, NULL, err);
}

static void tramp_contact_status(loopmsg_client *c, uint64_t id, void *result,
                                 const loopmsg_error *err, loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_contact_status_cb)fn)(
            c, id, result ? ((status_box *)result)->status : LOOPMSG_CONTACT_OTHER, err, ud);
}

loopmsg_status loopmsg_audience_check_status_async(loopmsg_client *client, const char *contact,
                                                   loopmsg_contact_status_cb cb, void *user_data,
                                                   loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = contact_path("check_status", CHECK_PREFIX, client, contact, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_check_status, path, NULL, tramp_contact_status,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

loopmsg_status loopmsg_audience_unsubscribe_async(loopmsg_client *client, const char *contact,
                                                  loopmsg_done_cb cb, void *user_data,
                                                  loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = contact_path("unsubscribe", DELETE_PREFIX, client, contact, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_unsubscribe, path, NULL, loopmsg__tramp_done,
                               (loopmsg__fn)cb, user_data, id_out, err);
}
