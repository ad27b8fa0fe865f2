/* SPDX-License-Identifier: MIT */
/*
 * optin.c: opt-in URL generation, by the backend method (POST, with the key) and by the
 * frontend one (GET on its own host, unauthenticated). The body must carry the "[opt-in-code]"
 * placeholder; custom fields become top-level keys of the request (the opt-in webhook returns
 * them). Never includes curl.
 */
#include "loopmsg/optin.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "message_int.h"
#include "validate_int.h"

#include <stdio.h>
#include <string.h>

#define OP "opt-in"

static const char *const reserved[] = {"body", "contact", "sender_type"};

static loopmsg_status validate(const loopmsg_optin_params *p, loopmsg_error *err)
{
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": params is NULL");
    loopmsg_status st =
        loopmsg__check_version(p->version, LOOPMSG_OPTIN_PARAMS_VERSION, "loopmsg_optin_params",
                               "LOOPMSG_OPTIN_PARAMS_INIT", err);
    if (st == LOOPMSG_OK)
        st = loopmsg__v_required(OP, "body", p->body, LOOPMSG_MAX_TEXT_CHARS, err);
    if (st != LOOPMSG_OK)
        return st;
    if (!strstr(p->body, LOOPMSG_OPTIN_PLACEHOLDER))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": body: must contain the placeholder [opt-in-code], which "
                                     "Loop replaces with the code that matches the opt-in to "
                                     "the contact");
    if ((st = loopmsg__v_id(OP, "contact", p->contact, false, err)) != LOOPMSG_OK ||
        (st = loopmsg__v_id(OP, "sender_type", p->sender_type, false, err)) != LOOPMSG_OK)
        return st;
    if (p->field_count && !p->fields)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": fields: is NULL but field_count is %zu", p->field_count);
    for (size_t i = 0; i < p->field_count; i++) {
        char name[48];
        snprintf(name, sizeof name, "fields[%zu].key", i);
        if ((st = loopmsg__v_id(OP, name, p->fields[i].key, true, err)) != LOOPMSG_OK)
            return st;
        for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
            if (strcmp(p->fields[i].key, reserved[k]) == 0)
                return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                          OP ": fields[%zu].key: \"%s\" is a reserved field", i,
                                          reserved[k]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->fields[i].key, p->fields[k].key) == 0)
                return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                          OP ": fields[%zu].key: \"%.40s\" is given twice", i,
                                          p->fields[i].key);
        snprintf(name, sizeof name, "fields[%zu].value", i);
        if (!p->fields[i].value)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": %s: is required", name);
        if ((st = loopmsg__v_optional(OP, name, p->fields[i].value, 0, err)) != LOOPMSG_OK)
            return st;
    }
    return LOOPMSG_OK;
}

static loopmsg_status decode(void **out, json_t *root, const char *raw, size_t len,
                             loopmsg_error *err)
{
    loopmsg_optin_url *u = loopmsg__arena_new(sizeof *u);
    if (!u)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    u->id = loopmsg__json_str(u, root, "id", &bad);
    u->url = loopmsg__json_str(u, root, "url", &bad);
    u->imessage = loopmsg__json_str(u, root, "imessage", &bad);
    u->sms = loopmsg__json_str(u, root, "sms", &bad);
    u->whatsapp = loopmsg__json_str(u, root, "whatsapp", &bad);
    u->raw = loopmsg__arena_strndup(u, raw, len);
    u->raw_len = len;
    loopmsg_status st = LOOPMSG_OK;
    if (!u->raw)
        st = loopmsg__error_nomem(err);
    else if (bad)
        st = loopmsg__decode_bad(err, OP, bad, "a field has the wrong type");
    else if (!u->url && !u->imessage)
        st = loopmsg__decode_fail(err, OP, "no link in the response");
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(u);
        return st;
    }
    *out = u;
    return LOOPMSG_OK;
}

static void free_url(void *p)
{
    loopmsg__arena_free(p);
}

const loopmsg__op loopmsg__op_optin = {
    .name = OP, .method = LOOPMSG__POST, .decode = decode, .free_result = free_url};

void loopmsg_optin_url_free(loopmsg_optin_url *url)
{
    loopmsg__arena_free(url);
}

static loopmsg_status prepare(loopmsg_client *client, const loopmsg_optin_params *params,
                              char **path, json_t **body_out, loopmsg_error *err)
{
    *path = NULL;
    *body_out = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": client is NULL");
    loopmsg_status st = validate(params, err);
    if (st != LOOPMSG_OK)
        return st;
    json_t *o = json_object();
    int bad = o ? 0 : -1;
    if (o) {
        bad |= loopmsg__json_put(o, "body", params->body);
        bad |= loopmsg__json_put(o, "contact", params->contact);
        bad |= loopmsg__json_put(o, "sender_type", params->sender_type);
        for (size_t i = 0; i < params->field_count; i++)
            bad |=
                json_object_set_new(o, params->fields[i].key, json_string(params->fields[i].value));
    }
    *path = loopmsg__strdup("/api/v1/opt-in/generate-url/");
    if (bad || !*path) {
        json_decref(o);
        loopmsg__free(*path);
        *path = NULL;
        return loopmsg__error_nomem(err);
    }
    *body_out = o;
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_optin_generate_url(loopmsg_client *client,
                                          const loopmsg_optin_params *params,
                                          loopmsg_optin_url **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_optin, path, body, (void **)out, err);
}

static void tramp_optin(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                        loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_optin_url_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_optin_generate_url_async(loopmsg_client *client,
                                                const loopmsg_optin_params *params,
                                                loopmsg_optin_url_cb cb, void *user_data,
                                                loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_optin, path, body, tramp_optin, (loopmsg__fn)cb,
                               user_data, id_out, err);
}

/* ---- frontend method (its own host, unauthenticated) ------------------------------------ */

#define FRONT "opt-in frontend"

/* Unauthenticated, on its own host: the engine sends no Authorization for OP_HOST_OPTIN. */
const loopmsg__op loopmsg__op_optin_frontend = {.name = FRONT,
                                                .method = LOOPMSG__GET,
                                                .decode = decode,
                                                .free_result = free_url,
                                                .flags = LOOPMSG__OP_HOST_OPTIN};

static void query_put(loopmsg__buf *b, const char *key, const char *value)
{
    if (!loopmsg__set(value))
        return;
    loopmsg__buf_putc(b, b->len && strchr(b->ptr, '?') ? '&' : '?');
    loopmsg__url_escape(b, key);
    loopmsg__buf_putc(b, '=');
    loopmsg__url_escape(b, value);
}

static loopmsg_status prepare_frontend(loopmsg_client *client, const char *org_id,
                                       const loopmsg_optin_params *params, char **path,
                                       loopmsg_error *err)
{
    *path = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, FRONT ": client is NULL");
    loopmsg_status st = loopmsg__v_id(FRONT, "organization_id", org_id, true, err);
    if (st != LOOPMSG_OK || (st = validate(params, err)) != LOOPMSG_OK)
        return st;
    if (loopmsg__set(params->contact))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  FRONT ": contact: not taken by the frontend method");
    char *base = loopmsg__path_with_segment("/tracker-api/v1/generate-url/", org_id);
    if (!base)
        return loopmsg__error_nomem(err);
    loopmsg__buf b = {0};
    loopmsg__buf_puts(&b, base);
    loopmsg__free(base);
    query_put(&b, "body", params->body);
    query_put(&b, "sender_type", params->sender_type);
    for (size_t i = 0; i < params->field_count; i++)
        query_put(&b, params->fields[i].key, params->fields[i].value);
    *path = loopmsg__buf_detach(&b);
    return *path ? LOOPMSG_OK : loopmsg__error_nomem(err);
}

loopmsg_status loopmsg_optin_frontend_url(loopmsg_client *client, const char *organization_id,
                                          const loopmsg_optin_params *params,
                                          loopmsg_optin_url **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, FRONT ": out is NULL");
    *out = NULL;
    char *path;
    loopmsg_status st = prepare_frontend(client, organization_id, params, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_optin_frontend, path, NULL, (void **)out, err);
}

loopmsg_status loopmsg_optin_frontend_url_async(loopmsg_client *client, const char *organization_id,
                                                const loopmsg_optin_params *params,
                                                loopmsg_optin_url_cb cb, void *user_data,
                                                loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = prepare_frontend(client, organization_id, params, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_optin_frontend, path, NULL, tramp_optin,
                               (loopmsg__fn)cb, user_data, id_out, err);
}
