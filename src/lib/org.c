/* SPDX-License-Identifier: MIT */
/*
 * org.c: organizations: details, create, update (PATCH), delete; the
 * list is a row of paginate.c. An organization's API key may come back in details and
 * create: those ops are marked secret (the engine neither logs nor keeps the body) and
 * loopmsg_org_free() wipes the key. Never includes curl.
 */
#include "loopmsg/org.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "message_int.h"
#include "validate_int.h"
#include "async_int.h"

#include <string.h>

#define PREFIX "/api/v1/organizations/details/"

static loopmsg_status decode_org(void **out, json_t *root, const char *raw, size_t len,
                                 loopmsg_error *err)
{
    if (!json_is_object(root))
        return loopmsg__decode_fail(err, "organization", "expected a JSON object");
    loopmsg_org *o = loopmsg__arena_new(sizeof *o);
    if (!o)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    o->org.id = loopmsg__json_str(o, root, "id", &bad);
    o->org.name = loopmsg__json_str(o, root, "name", &bad);
    o->org.status = loopmsg__json_str(o, root, "status", &bad);
    o->org.create_date = loopmsg__json_str(o, root, "create_date", &bad);
    o->org.api_key = loopmsg__json_str(o, root, "api_key", &bad);
    o->raw = loopmsg__arena_strndup(o, raw, len);
    o->raw_len = len;
    loopmsg_status st = loopmsg__decode_check(err, "organization", o->raw, bad, o->org.id);
    if (st != LOOPMSG_OK) {
        loopmsg_org_free(o);
        return st;
    }
    *out = o;
    return LOOPMSG_OK;
}

static void free_org(void *p)
{
    loopmsg_org_free(p);
}

void loopmsg_org_free(loopmsg_org *org)
{
    if (!org)
        return;
    if (org->org.api_key)
        loopmsg__wipe((void *)(uintptr_t)org->org.api_key, strlen(org->org.api_key));
    if (org->raw)
        loopmsg__wipe((void *)(uintptr_t)org->raw, org->raw_len);
    loopmsg__arena_free(org);
}

const loopmsg__op loopmsg__op_org_get = {.name = "organization",
                                         .method = LOOPMSG__GET,
                                         .decode = decode_org,
                                         .free_result = free_org,
                                         .flags = LOOPMSG__OP_SECRET};
const loopmsg__op loopmsg__op_org_create = {.name = "organization create",
                                            .method = LOOPMSG__POST,
                                            .decode = decode_org,
                                            .free_result = free_org,
                                            .flags = LOOPMSG__OP_SECRET};
const loopmsg__op loopmsg__op_org_update = {.name = "organization update",
                                            .method = LOOPMSG__PATCH,
                                            .decode = decode_org,
                                            .free_result = free_org,
                                            .flags = LOOPMSG__OP_SECRET};
const loopmsg__op loopmsg__op_org_delete = {.name = "organization delete",
                                            .method = LOOPMSG__DELETE};

loopmsg_status loopmsg_orgs_list(loopmsg_client *client, const loopmsg_list_params *params,
                                 loopmsg_page **page_out, loopmsg_error *err)
{
    return loopmsg_list_page(client, LOOPMSG_LIST_ORGANIZATIONS, params, page_out, err);
}

/* ---- validation and encoding ------------------------------------------------------------ */

static loopmsg_status v_url(const char *op, const char *field, const char *v, loopmsg_error *err)
{
    loopmsg_status st = loopmsg__v_id(op, field, v, false, err);
    if (st != LOOPMSG_OK || !loopmsg__set(v))
        return st;
    if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: %s: must be an http:// or https:// URL", op, field);
    if (strchr(v, ' '))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: must not contain spaces", op,
                                  field);
    return LOOPMSG_OK;
}

static loopmsg_status validate(const char *op, const loopmsg_org_params *p, bool create,
                               loopmsg_error *err)
{
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: params is NULL", op);
    loopmsg_status st =
        loopmsg__check_version(p->version, LOOPMSG_ORG_PARAMS_VERSION, "loopmsg_org_params",
                               "LOOPMSG_ORG_PARAMS_INIT", err);
    if (st != LOOPMSG_OK)
        return st;
    if (create) {
        const char *req[4] = {p->name, p->website, p->support_url, p->country};
        const char *names[4] = {"name", "website", "support_url", "country"};
        for (int i = 0; i < 4; i++)
            if (!loopmsg__set(req[i]))
                return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: is required", op,
                                          names[i]);
    } else if (!loopmsg__set(p->name) && !loopmsg__set(p->website) &&
               !loopmsg__set(p->support_url) && !loopmsg__set(p->country) &&
               !loopmsg__set(p->webhook_url) && !loopmsg__set(p->webhook_header)) {
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: params: nothing to update (set at least one field)", op);
    }
    if ((st = loopmsg__v_optional(op, "name", p->name, 0, err)) != LOOPMSG_OK ||
        (st = v_url(op, "website", p->website, err)) != LOOPMSG_OK ||
        (st = v_url(op, "support_url", p->support_url, err)) != LOOPMSG_OK ||
        (st = v_url(op, "webhook_url", p->webhook_url, err)) != LOOPMSG_OK ||
        (st = loopmsg__v_id(op, "webhook_header", p->webhook_header, false, err)) != LOOPMSG_OK)
        return st;
    if (loopmsg__set(p->country)) {
        const char *c = p->country;
        if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: country: must be an ISO 3166-1 alpha-2 code in capitals "
                                      "(\"US\")",
                                      op);
    }
    if (loopmsg__set(p->webhook_header) && !loopmsg__set(p->webhook_url) && create)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: webhook_header: needs webhook_url", op);
    return LOOPMSG_OK;
}

static json_t *encode(const loopmsg_org_params *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = loopmsg__json_put(o, "name", p->name);
    bad |= loopmsg__json_put(o, "website", p->website);
    bad |= loopmsg__json_put(o, "support_url", p->support_url);
    bad |= loopmsg__json_put(o, "country", p->country);
    bad |= loopmsg__json_put(o, "webhook_url", p->webhook_url);
    bad |= loopmsg__json_put(o, "webhook_header", p->webhook_header);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Validate (no I/O) and build the path and body of one call. */
static loopmsg_status prepare(loopmsg_client *client, const loopmsg__op *op, const char *org_id,
                              const loopmsg_org_params *params, char **path, json_t **body,
                              loopmsg_error *err)
{
    *path = NULL;
    *body = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL", op->name);
    loopmsg_status st;
    if (op != &loopmsg__op_org_create) {
        st = loopmsg__v_id(op->name, "id", org_id, true, err);
        if (st != LOOPMSG_OK)
            return st;
    }
    if (op == &loopmsg__op_org_create || op == &loopmsg__op_org_update) {
        st = validate(op->name, params, op == &loopmsg__op_org_create, err);
        if (st != LOOPMSG_OK)
            return st;
        *body = encode(params);
        if (!*body)
            return loopmsg__error_nomem(err);
    }
    *path = op == &loopmsg__op_org_create ? loopmsg__strdup("/api/v1/organizations/new/")
                                          : loopmsg__path_with_segment(PREFIX, org_id);
    if (!*path) {
        json_decref(*body);
        *body = NULL;
        return loopmsg__error_nomem(err);
    }
    return LOOPMSG_OK;
}

static loopmsg_status call(loopmsg_client *client, const loopmsg__op *op, const char *org_id,
                           const loopmsg_org_params *params, loopmsg_org **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(client, op, org_id, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    void *res = NULL;
    st = loopmsg__call(client, op, path, body, op->decode ? &res : NULL, err);
    if (out)
        *out = res;
    else
        loopmsg_org_free(res);
    return st;
}

loopmsg_status loopmsg_org_get(loopmsg_client *client, const char *org_id, loopmsg_org **out,
                               loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "organization: out is NULL");
    return call(client, &loopmsg__op_org_get, org_id, NULL, out, err);
}

loopmsg_status loopmsg_org_create(loopmsg_client *client, const loopmsg_org_params *params,
                                  loopmsg_org **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "organization create: out is NULL");
    return call(client, &loopmsg__op_org_create, NULL, params, out, err);
}

loopmsg_status loopmsg_org_update(loopmsg_client *client, const char *org_id,
                                  const loopmsg_org_params *params, loopmsg_org **out,
                                  loopmsg_error *err)
{
    return call(client, &loopmsg__op_org_update, org_id, params, out, err);
}

loopmsg_status loopmsg_org_delete(loopmsg_client *client, const char *org_id, loopmsg_error *err)
{
    return call(client, &loopmsg__op_org_delete, org_id, NULL, NULL, err);
}

/* ---- async ------------------------------------------------------------------------------ */

static void tramp_org(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                      loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_org_cb)fn)(c, id, result, err, ud);
}

static loopmsg_status submit(loopmsg_client *client, const loopmsg__op *op, const char *org_id,
                             const loopmsg_org_params *params, loopmsg__done_cb tramp,
                             loopmsg__fn cb, void *user_data, loopmsg_request_id *id_out,
                             loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(client, op, org_id, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, op, path, body, tramp, cb, user_data, id_out, err);
}

loopmsg_status loopmsg_org_get_async(loopmsg_client *client, const char *org_id, loopmsg_org_cb cb,
                                     void *user_data, loopmsg_request_id *id_out,
                                     loopmsg_error *err)
{
    return submit(client, &loopmsg__op_org_get, org_id, NULL, tramp_org, (loopmsg__fn)cb, user_data,
                  id_out, err);
}

loopmsg_status loopmsg_org_create_async(loopmsg_client *client, const loopmsg_org_params *params,
                                        loopmsg_org_cb cb, void *user_data,
                                        loopmsg_request_id *id_out, loopmsg_error *err)
{
    return submit(client, &loopmsg__op_org_create, NULL, params, tramp_org, (loopmsg__fn)cb,
                  user_data, id_out, err);
}

loopmsg_status loopmsg_org_update_async(loopmsg_client *client, const char *org_id,
                                        const loopmsg_org_params *params, loopmsg_org_cb cb,
                                        void *user_data, loopmsg_request_id *id_out,
                                        loopmsg_error *err)
{
    return submit(client, &loopmsg__op_org_update, org_id, params, tramp_org, (loopmsg__fn)cb,
                  user_data, id_out, err);
}

loopmsg_status loopmsg_org_delete_async(loopmsg_client *client, const char *org_id,
                                        loopmsg_done_cb cb, void *user_data,
                                        loopmsg_request_id *id_out, loopmsg_error *err)
{
    return submit(client, &loopmsg__op_org_delete, org_id, NULL, loopmsg__tramp_done,
                  (loopmsg__fn)cb, user_data, id_out, err);
}
