/* SPDX-License-Identifier: MIT */
/*
 * lookup.c: LoopLookup: single and bulk lookups, the status of one, and
 * the result decoder that the webhook parser shares for lookup callbacks. Every op here is
 * flagged LOOPMSG__OP_HOST_LOOKUP: the engine sends it to the lookup host with the lookup key
 * and reads its error codes with LoopLookup's own table. Where the documentation could not be
 * read (the bulk answer), decoders accept every shape mentioned and keep the body. The
 * history is a row of paginate.c. Never includes curl.
 */
#include "loopmsg/lookup.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "lookup_int.h"
#include "message_int.h"
#include "validate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP_SINGLE "lookup"
#define OP_BULK   "bulk lookup"
#define OP_STATUS "lookup status"

/* ---- names -------------------------------------------------------------------------------- */

static const char *const availability_names[] = {"unknown", "available", "unavailable"};
static const char *const state_names[] = {"unknown", "queued", "processing", "completed",
                                          "canceled"};

const char *loopmsg_lookup_availability_name(loopmsg_lookup_availability availability)
{
    unsigned int i = (unsigned int)availability;
    return i < sizeof availability_names / sizeof availability_names[0] ? availability_names[i]
                                                                        : "unknown";
}

const char *loopmsg_lookup_state_name(loopmsg_lookup_state state)
{
    unsigned int i = (unsigned int)state;
    return i < sizeof state_names / sizeof state_names[0] ? state_names[i] : "unknown";
}

static unsigned int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 1; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (unsigned int)i;
    return 0;
}

/* ---- the result decoder (status answers and callbacks) ------------------------------------ */

/* A string member; `path` names it in *bad when it has the wrong type. */
static const char *str_at(void *arena, json_t *obj, const char *key, const char *path,
                          const char **bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        if (!*bad)
            *bad = path;
        return NULL;
    }
    const char *s = loopmsg__arena_strndup(arena, json_string_value(v), json_string_length(v));
    if (!s && !*bad)
        *bad = loopmsg__json_nomem;
    return s;
}

/* An object member: NULL when absent or null; the wrong type sets *bad. */
static json_t *obj_at(json_t *obj, const char *key, const char *path, const char **bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        if (!*bad)
            *bad = path;
        return NULL;
    }
    return v;
}

/* An array of strings into the arena. */
static void list_at(void *arena, json_t *obj, const char *key, const char *path,
                    const char *const **list, size_t *count, const char **bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_array(v)) {
        if (!*bad)
            *bad = path;
        return;
    }
    size_t n = json_array_size(v);
    const char **out = loopmsg__arena_alloc(arena, (n ? n : 1) * sizeof *out);
    if (!out) {
        if (!*bad)
            *bad = loopmsg__json_nomem;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) {
            if (!*bad)
                *bad = path;
            return;
        }
        out[i] = loopmsg__arena_strndup(arena, json_string_value(e), json_string_length(e));
        if (!out[i]) {
            if (!*bad)
                *bad = loopmsg__json_nomem;
            return;
        }
    }
    *list = out;
    *count = n;
}

static void service(void *arena, json_t *services, const char *key, loopmsg_lookup_service *s,
                    const char **bad)
{
    /* The paths are static: *bad must outlive the call. */
    bool im = strcmp(key, "imessage") == 0;
#define P(leaf)                                                                                    \
    (im ? "result_v1.apple_services.imessage." leaf : "result_v1.apple_services.facetime." leaf)
    json_t *o =
        obj_at(services, key,
               im ? "result_v1.apple_services.imessage" : "result_v1.apple_services.facetime", bad);
    if (!o)
        return;
    s->status = str_at(arena, o, "status", P("status"), bad);
    s->availability = (loopmsg_lookup_availability)name_index(
        availability_names, sizeof availability_names / sizeof availability_names[0], s->status);
    s->date = str_at(arena, o, "date", P("date"), bad);
    json_t *links = obj_at(o, "links", P("links"), bad);
    if (links) {
        s->link_imessage = str_at(arena, links, "imessage", P("links.imessage"), bad);
        s->link_sms = str_at(arena, links, "sms", P("links.sms"), bad);
        s->link_facetime = str_at(arena, links, "facetime", P("links.facetime"), bad);
        s->link_facetime_audio =
            str_at(arena, links, "facetime_audio", P("links.facetime_audio"), bad);
        s->link_tel = str_at(arena, links, "tel", P("links.tel"), bad);
    }
#undef P
}

/* The phone-number details: NULL when none of their members came. */
static const loopmsg_lookup_details *details(void *arena, json_t *res, const char **bad)
{
    json_t *carrier = obj_at(res, "carrier", "result_v1.carrier", bad);
    json_t *country = obj_at(res, "country", "result_v1.country", bad);
    json_t *format = obj_at(res, "format", "result_v1.format", bad);
    json_t *currencies = json_object_get(res, "currencies");
    json_t *zones = json_object_get(res, "time_zones");
    if (!carrier && !country && !format && !currencies && !zones)
        return NULL;
    loopmsg_lookup_details *d = loopmsg__arena_alloc(arena, sizeof *d);
    if (!d) {
        if (!*bad)
            *bad = loopmsg__json_nomem;
        return NULL;
    }
    if (carrier) {
        d->carrier = str_at(arena, carrier, "carrier", "result_v1.carrier.carrier", bad);
        d->number_type =
            str_at(arena, carrier, "number_type", "result_v1.carrier.number_type", bad);
    }
    if (country) {
        d->country_iso2 = str_at(arena, country, "iso2", "result_v1.country.iso2", bad);
        d->country_iso3 = str_at(arena, country, "iso3", "result_v1.country.iso3", bad);
        d->country_name = str_at(arena, country, "name", "result_v1.country.name", bad);
        d->country_flag = str_at(arena, country, "flag", "result_v1.country.flag", bad);
        d->country_description =
            str_at(arena, country, "description", "result_v1.country.description", bad);
        json_t *num = json_object_get(country, "numeric");
        if (json_is_integer(num) && json_integer_value(num) >= 0 &&
            json_integer_value(num) <= 9999) {
            d->country_numeric = (int)json_integer_value(num);
            d->has_country_numeric = true;
        } else if (num && !json_is_null(num) && !*bad) {
            *bad = "result_v1.country.numeric";
        }
    }
    if (format) {
        d->format_e164 = str_at(arena, format, "e164", "result_v1.format.e164", bad);
        d->format_international =
            str_at(arena, format, "international", "result_v1.format.international", bad);
        d->format_national = str_at(arena, format, "national", "result_v1.format.national", bad);
        d->format_out_of_usa =
            str_at(arena, format, "out_of_usa", "result_v1.format.out_of_usa", bad);
        d->format_rfc3966 = str_at(arena, format, "rfc3966", "result_v1.format.rfc3966", bad);
    }
    list_at(arena, res, "currencies", "result_v1.currencies", &d->currencies, &d->currency_count,
            bad);
    list_at(arena, res, "time_zones", "result_v1.time_zones", &d->time_zones, &d->time_zone_count,
            bad);
    return d;
}

loopmsg_status loopmsg__lookup_decode(void *arena, json_t *root, loopmsg_lookup_result *r,
                                      const char **bad)
{
    r->request_id = str_at(arena, root, "request_id", "request_id", bad);
    r->contact = str_at(arena, root, "contact", "contact", bad);
    r->webhook_id = str_at(arena, root, "webhook_id", "webhook_id", bad);
    r->status = str_at(arena, root, "status", "status", bad);
    r->state = (loopmsg_lookup_state)name_index(
        state_names, sizeof state_names / sizeof state_names[0], r->status);
    json_t *res = obj_at(root, "result_v1", "result_v1", bad);
    if (res) {
        r->has_result = true;
        /* A callback has no status: it is sent once the lookup is done. */
        if (!r->status)
            r->state = LOOPMSG_LOOKUP_STATE_COMPLETED;
        json_t *services = obj_at(res, "apple_services", "result_v1.apple_services", bad);
        if (services) {
            service(arena, services, "imessage", &r->imessage, bad);
            service(arena, services, "facetime", &r->facetime, bad);
        }
        r->details = details(arena, res, bad);
        char *text = json_dumps(res, JSON_COMPACT);
        r->result_json = text ? loopmsg__arena_strdup(arena, text) : NULL;
        free(text);
        if (!r->result_json)
            return LOOPMSG_E_NOMEM;
    }
    return *bad == loopmsg__json_nomem ? LOOPMSG_E_NOMEM : LOOPMSG_OK;
}

static loopmsg_status decode_result(void **out, json_t *root, const char *raw, size_t len,
                                    loopmsg_error *err)
{
    if (!json_is_object(root))
        return loopmsg__decode_fail(err, OP_STATUS, "expected a JSON object");
    loopmsg_lookup_result *r = loopmsg__arena_new(sizeof *r);
    if (!r)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    loopmsg_status st = loopmsg__lookup_decode(r, root, r, &bad);
    r->raw = loopmsg__arena_strndup(r, raw, len);
    r->raw_len = len;
    if (st != LOOPMSG_OK || !r->raw) {
        st = loopmsg__error_nomem(err);
    } else if (bad) {
        char what[112];
        snprintf(what, sizeof what, "field \"%s\" has the wrong type", bad);
        st = loopmsg__decode_bad(err, OP_STATUS, bad, what);
    }
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(r);
        return st;
    }
    *out = r;
    return LOOPMSG_OK;
}

/* ---- acceptance --------------------------------------------------------------------------- */

static loopmsg_status decode_accepted(const char *op, bool single, void **out, json_t *root,
                                      const char *raw, size_t len, loopmsg_error *err)
{
    if (!json_is_object(root))
        return loopmsg__decode_fail(err, op, "expected a JSON object");
    loopmsg_lookup_accepted *a = loopmsg__arena_new(sizeof *a);
    if (!a)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    a->request_id = str_at(a, root, "request_id", "request_id", &bad);
    a->contact = str_at(a, root, "contact", "contact", &bad);
    if (!single) {
        /* Unverified: a bulk id under either name, and the
         * third-party client's `requests` list. */
        a->bulk_id = str_at(a, root, "bulk_id", "bulk_id", &bad);
        if (!a->bulk_id)
            a->bulk_id = str_at(a, root, "id", "id", &bad);
    }
    json_t *reqs = single ? NULL : json_object_get(root, "requests");
    size_t n = json_is_array(reqs) ? json_array_size(reqs) : 0;
    if (reqs && !json_is_null(reqs) && !json_is_array(reqs) && !bad)
        bad = "requests";
    if (single && a->request_id)
        n = 1;
    loopmsg_lookup_request *list = loopmsg__arena_alloc(a, (n ? n : 1) * sizeof *list);
    if (!list && !bad)
        bad = loopmsg__json_nomem;
    if (list && single && a->request_id) {
        list[0].request_id = a->request_id;
        list[0].contact = a->contact;
    } else if (list) {
        for (size_t i = 0; i < n && !bad; i++) {
            json_t *it = json_array_get(reqs, i);
            if (!json_is_object(it)) {
                bad = "requests";
                break;
            }
            list[i].request_id = str_at(a, it, "request_id", "requests[].request_id", &bad);
            list[i].contact = str_at(a, it, "contact", "requests[].contact", &bad);
        }
    }
    a->requests = list;
    a->request_count = bad ? 0 : n;
    a->raw = loopmsg__arena_strndup(a, raw, len);
    a->raw_len = len;
    loopmsg_status st = LOOPMSG_OK;
    if (!a->raw) {
        st = loopmsg__error_nomem(err);
    } else if (bad) {
        char what[112];
        snprintf(what, sizeof what, "field \"%s\" has the wrong type", bad);
        st = loopmsg__decode_bad(err, op, bad, what);
    } else if (single && !a->request_id) {
        st = loopmsg__decode_fail(err, op, "request_id is missing");
    }
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(a);
        return st;
    }
    *out = a;
    return LOOPMSG_OK;
}

static loopmsg_status decode_single(void **out, json_t *root, const char *raw, size_t len,
                                    loopmsg_error *err)
{
    return decode_accepted(OP_SINGLE, true, out, root, raw, len, err);
}

static loopmsg_status decode_bulk(void **out, json_t *root, const char *raw, size_t len,
                                  loopmsg_error *err)
{
    return decode_accepted(OP_BULK, false, out, root, raw, len, err);
}

static void free_arena(void *p)
{
    loopmsg__arena_free(p);
}

void loopmsg_lookup_accepted_free(loopmsg_lookup_accepted *accepted)
{
    loopmsg__arena_free(accepted);
}

void loopmsg_lookup_result_free(loopmsg_lookup_result *result)
{
    loopmsg__arena_free(result);
}

/* A lookup may spend a credit: never resent once its bytes may have left. */
const loopmsg__op loopmsg__op_lookup = {.name = OP_SINGLE,
                                        .method = LOOPMSG__POST,
                                        .decode = decode_single,
                                        .free_result = free_arena,
                                        .flags = LOOPMSG__OP_HOST_LOOKUP | LOOPMSG__OP_ONCE};
const loopmsg__op loopmsg__op_lookup_bulk = {.name = OP_BULK,
                                             .method = LOOPMSG__POST,
                                             .decode = decode_bulk,
                                             .free_result = free_arena,
                                             .flags = LOOPMSG__OP_HOST_LOOKUP | LOOPMSG__OP_ONCE};
const loopmsg__op loopmsg__op_lookup_status = {.name = OP_STATUS,
                                               .method = LOOPMSG__GET,
                                               .decode = decode_result,
                                               .free_result = free_arena,
                                               .flags = LOOPMSG__OP_HOST_LOOKUP};

/* ---- requests ----------------------------------------------------------------------------- */

static loopmsg_status validate(const char *op, bool single, const loopmsg_lookup_params *p,
                               loopmsg_error *err)
{
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: params is NULL", op);
    loopmsg_status st =
        loopmsg__check_version(p->version, LOOPMSG_LOOKUP_PARAMS_VERSION, "loopmsg_lookup_params",
                               "LOOPMSG_LOOKUP_PARAMS_INIT", err);
    if (st != LOOPMSG_OK)
        return st;
    if (single) {
        if (p->contacts || p->contact_count)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: contacts: not taken by a single lookup (use "
                                      "loopmsg_lookup_bulk)",
                                      op);
        if ((st = loopmsg__v_id(op, "contact", p->contact, true, err)) != LOOPMSG_OK)
            return st;
    } else {
        if (loopmsg__set(p->contact))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: contact: not taken by a bulk lookup (use contacts)", op);
        if (p->contact_count == 0)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: contacts: is required", op);
        if (!p->contacts)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: contacts: is NULL but contact_count is %zu", op,
                                      p->contact_count);
        if (p->contact_count > LOOPMSG_LOOKUP_MAX_CONTACTS)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: contacts: at most %u per request, got %zu", op,
                                      LOOPMSG_LOOKUP_MAX_CONTACTS, p->contact_count);
        for (size_t i = 0; i < p->contact_count; i++) {
            char name[32];
            snprintf(name, sizeof name, "contacts[%zu]", i);
            if ((st = loopmsg__v_id(op, name, p->contacts[i], true, err)) != LOOPMSG_OK)
                return st;
        }
    }
    if (loopmsg__set(p->region)) {
        const char *r = p->region;
        if (strlen(r) != 2 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z')
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: region: must be two capital letters (ISO 3166 "
                                      "alpha-2, e.g. US)",
                                      op);
    }
    return LOOPMSG_OK;
}

static loopmsg_status prepare(const char *op, bool single, loopmsg_client *client,
                              const loopmsg_lookup_params *p, char **path, json_t **body_out,
                              loopmsg_error *err)
{
    *path = NULL;
    *body_out = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL", op);
    loopmsg_status st = validate(op, single, p, err);
    if (st != LOOPMSG_OK)
        return st;
    json_t *o = json_object();
    int bad = o ? 0 : -1;
    if (o && single) {
        bad |= loopmsg__json_put(o, "contact", p->contact);
    } else if (o) {
        json_t *arr = json_array();
        bad |= json_object_set_new(o, "contacts", arr);
        for (size_t i = 0; arr && i < p->contact_count; i++)
            bad |= json_array_append_new(arr, json_string(p->contacts[i]));
    }
    if (o) {
        bad |= loopmsg__json_put(o, "region", p->region);
        if (p->contact_details)
            bad |= json_object_set_new(o, "contact_details", json_true());
    }
    *path = loopmsg__strdup("/api/v1/lookup/");
    if (bad || !*path) {
        json_decref(o);
        loopmsg__free(*path);
        *path = NULL;
        return loopmsg__error_nomem(err);
    }
    *body_out = o;
    return LOOPMSG_OK;
}

static loopmsg_status run(const char *op, bool single, loopmsg_client *client,
                          const loopmsg_lookup_params *params, loopmsg_lookup_accepted **out,
                          loopmsg_error *err)
{
    if (out)
        *out = NULL;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(op, single, client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, single ? &loopmsg__op_lookup : &loopmsg__op_lookup_bulk, path,
                         body, (void **)out, err);
}

loopmsg_status loopmsg_lookup_send(loopmsg_client *client, const loopmsg_lookup_params *params,
                                   loopmsg_lookup_accepted **out, loopmsg_error *err)
{
    return run(OP_SINGLE, true, client, params, out, err);
}

loopmsg_status loopmsg_lookup_bulk(loopmsg_client *client, const loopmsg_lookup_params *params,
                                   loopmsg_lookup_accepted **out, loopmsg_error *err)
{
    return run(OP_BULK, false, client, params, out, err);
}

static void tramp_accepted(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                           loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_lookup_accepted_cb)fn)(c, id, result, err, ud);
}

static loopmsg_status run_async(const char *op, bool single, loopmsg_client *client,
                                const loopmsg_lookup_params *params, loopmsg_lookup_accepted_cb cb,
                                void *user_data, loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    loopmsg_status st = prepare(op, single, client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, single ? &loopmsg__op_lookup : &loopmsg__op_lookup_bulk,
                               path, body, tramp_accepted, (loopmsg__fn)cb, user_data, id_out, err);
}

loopmsg_status loopmsg_lookup_send_async(loopmsg_client *client,
                                         const loopmsg_lookup_params *params,
                                         loopmsg_lookup_accepted_cb cb, void *user_data,
                                         loopmsg_request_id *id_out, loopmsg_error *err)
{
    return run_async(OP_SINGLE, true, client, params, cb, user_data, id_out, err);
}

loopmsg_status loopmsg_lookup_bulk_async(loopmsg_client *client,
                                         const loopmsg_lookup_params *params,
                                         loopmsg_lookup_accepted_cb cb, void *user_data,
                                         loopmsg_request_id *id_out, loopmsg_error *err)
{
    return run_async(OP_BULK, false, client, params, cb, user_data, id_out, err);
}

/* ---- status ------------------------------------------------------------------------------- */

static loopmsg_status status_path(loopmsg_client *client, const char *id, char **path,
                                  loopmsg_error *err)
{
    *path = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP_STATUS ": client is NULL");
    loopmsg_status st = loopmsg__v_id(OP_STATUS, "request_id", id, true, err);
    if (st != LOOPMSG_OK)
        return st;
    *path = loopmsg__path_with_segment("/api/v1/lookup/status/", id);
    return *path ? LOOPMSG_OK : loopmsg__error_nomem(err);
}

loopmsg_status loopmsg_lookup_status(loopmsg_client *client, const char *request_id,
                                     loopmsg_lookup_result **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP_STATUS ": out is NULL");
    *out = NULL;
    char *path;
    loopmsg_status st = status_path(client, request_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_lookup_status, path, NULL, (void **)out, err);
}

static void tramp_result(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_lookup_result_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_lookup_status_async(loopmsg_client *client, const char *request_id,
                                           loopmsg_lookup_result_cb cb, void *user_data,
                                           loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = status_path(client, request_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_lookup_status, path, NULL, tramp_result,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

loopmsg_status loopmsg_lookup_history(loopmsg_client *client, const loopmsg_list_params *params,
                                      loopmsg_page **page_out, loopmsg_error *err)
{
    return loopmsg_list_page(client, LOOPMSG_LIST_LOOKUPS, params, page_out, err);
}
