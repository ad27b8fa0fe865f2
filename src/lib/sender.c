/* SPDX-License-Identifier: MIT */
/*
 * sender.c: sender names: details, move to another organization,
 * cancel, payment plans and orders (the sender and pool lists are in paginate.c). An order
 * charges a card at once: its op is marked ONCE (the engine never resends it after anything
 * left), this file refuses a second order within 30 s from the same client, and every failure
 * whose outcome is unknown says that the order may have been charged. Never includes curl.
 */
#include "loopmsg/sender.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "validate_int.h"
#include "async_int.h"
#include "message_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    loopmsg_status st = loopmsg__decode_check(err, "sender", d->raw, bad, d->sender.id);
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

const loopmsg__op loopmsg__op_sender = {.name = "sender",
                                        .method = LOOPMSG__GET,
                                        .decode = decode_details,
                                        .free_result = free_details};

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

/* ---- move and cancel ------------------------------------------------------------------- */

const loopmsg__op loopmsg__op_sender_move = {.name = "sender move",
                                             .method = LOOPMSG__PATCH,
                                             .decode = decode_details,
                                             .free_result = free_details};
static const loopmsg__op op_sender_cancel = {.name = "sender cancel", .method = LOOPMSG__DELETE};

static loopmsg_status prepare_move(loopmsg_client *client, const char *sender_id,
                                   const char *org_id, char **path, json_t **body,
                                   loopmsg_error *err)
{
    *path = NULL;
    *body = NULL;
    const char *op = loopmsg__op_sender_move.name;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL", op);
    loopmsg_status st;
    if ((st = loopmsg__v_id(op, "id", sender_id, true, err)) != LOOPMSG_OK ||
        (st = loopmsg__v_id(op, "organization_id", org_id, true, err)) != LOOPMSG_OK)
        return st;
    *body = json_pack("{s:s}", "organization_id", org_id);
    *path = loopmsg__path_with_segment("/api/v1/sender/", sender_id);
    if (!*body || !*path) {
        json_decref(*body);
        loopmsg__free(*path);
        *body = NULL;
        *path = NULL;
        return loopmsg__error_nomem(err);
    }
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_sender_move(loopmsg_client *client, const char *sender_id,
                                   const char *organization_id, loopmsg_sender_details **out,
                                   loopmsg_error *err)
{
    if (out)
        *out = NULL;
    char *path;
    json_t *body;
    loopmsg_status st = prepare_move(client, sender_id, organization_id, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &loopmsg__op_sender_move, path, body, (void **)out, err);
}

loopmsg_status loopmsg_sender_move_async(loopmsg_client *client, const char *sender_id,
                                         const char *organization_id, loopmsg_sender_details_cb cb,
                                         void *user_data, loopmsg_request_id *id_out,
                                         loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    loopmsg_status st = prepare_move(client, sender_id, organization_id, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &loopmsg__op_sender_move, path, body, tramp_sender,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

static loopmsg_status cancel_path(loopmsg_client *client, const char *sender_id, char **path,
                                  loopmsg_error *err)
{
    *path = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender cancel: client is NULL");
    loopmsg_status st = loopmsg__v_id("sender cancel", "id", sender_id, true, err);
    if (st != LOOPMSG_OK)
        return st;
    char *base = loopmsg__path_with_segment("/api/v1/sender/", sender_id);
    if (!base)
        return loopmsg__error_nomem(err);
    loopmsg__buf b = {0};
    loopmsg__buf_puts(&b, base);
    loopmsg__buf_puts(&b, "cancel/");
    loopmsg__free(base);
    *path = loopmsg__buf_detach(&b);
    return *path ? LOOPMSG_OK : loopmsg__error_nomem(err);
}

loopmsg_status loopmsg_sender_cancel(loopmsg_client *client, const char *sender_id,
                                     loopmsg_error *err)
{
    char *path;
    loopmsg_status st = cancel_path(client, sender_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call(client, &op_sender_cancel, path, NULL, NULL, err);
}

loopmsg_status loopmsg_sender_cancel_async(loopmsg_client *client, const char *sender_id,
                                           loopmsg_done_cb cb, void *user_data,
                                           loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    loopmsg_status st = cancel_path(client, sender_id, &path, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async(client, &op_sender_cancel, path, NULL, loopmsg__tramp_done,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

/* ---- plans ----------------------------------------------------------------------------- */

/* A JSON number as a double; absent or null leaves the fallback, another type is `bad`. */
static double json_num(json_t *o, const char *key, double fallback, const char **bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return fallback;
    if (!json_is_number(v)) {
        if (!*bad)
            *bad = key;
        return fallback;
    }
    return json_number_value(v);
}

/* The `items` array of a {count, items} answer (plans, orders): NULL with the error set when
 * it is missing or not an array. */
static json_t *items_of(json_t *root, const char *op, int *count, const char **bad,
                        loopmsg_error *err, loopmsg_status *st)
{
    *st = LOOPMSG_OK;
    if (!json_is_object(root)) {
        *st = loopmsg__decode_fail(err, op, "expected a JSON object");
        return NULL;
    }
    json_t *items = json_object_get(root, "items");
    if (!json_is_array(items)) {
        *st = loopmsg__decode_fail(err, op, "items is missing or not an array");
        return NULL;
    }
    *count = loopmsg__json_int(root, "count", -1, bad);
    return items;
}

static loopmsg_status decode_plans(void **out, json_t *root, const char *raw, size_t len,
                                   loopmsg_error *err)
{
    const char *bad = NULL;
    int count = -1;
    loopmsg_status st;
    json_t *items = items_of(root, "sender plans", &count, &bad, err, &st);
    if (!items)
        return st;
    loopmsg_sender_plans *p = loopmsg__arena_new(sizeof *p);
    if (!p)
        return loopmsg__error_nomem(err);
    size_t n = json_array_size(items);
    loopmsg_sender_plan *arr = n ? loopmsg__arena_alloc(p, n * sizeof *arr) : NULL;
    p->count = count;
    p->raw = loopmsg__arena_strndup(p, raw, len);
    p->raw_len = len;
    if ((n && !arr) || !p->raw) {
        loopmsg__arena_free(p);
        return loopmsg__error_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it)) {
            loopmsg__arena_free(p);
            return loopmsg__decode_fail(err, "sender plans", "an item is not an object");
        }
        arr[i].id = loopmsg__json_str(p, it, "id", &bad);
        arr[i].name = loopmsg__json_str(p, it, "name", &bad);
        arr[i].currency = loopmsg__json_str(p, it, "currency", &bad);
        arr[i].daily_contacts = (long)json_num(it, "daily_contacts", 0, &bad);
        arr[i].monthly_contacts = (long)json_num(it, "monthly_contacts", 0, &bad);
        arr[i].monthly_fee = json_num(it, "monthly_fee", 0, &bad);
    }
    p->items = arr;
    p->item_count = n;
    if (bad) {
        loopmsg__arena_free(p);
        return loopmsg__decode_bad(err, "sender plans", bad, "a field has the wrong type");
    }
    *out = p;
    return LOOPMSG_OK;
}

static void free_plans(void *p)
{
    loopmsg__arena_free(p);
}

void loopmsg_sender_plans_free(loopmsg_sender_plans *plans)
{
    loopmsg__arena_free(plans);
}

const loopmsg__op loopmsg__op_sender_plans = {.name = "sender plans",
                                              .method = LOOPMSG__GET,
                                              .decode = decode_plans,
                                              .free_result = free_plans};

static char *plans_path(loopmsg_client *client, loopmsg_error *err)
{
    if (!client) {
        loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender plans: client is NULL");
        return NULL;
    }
    char *path = loopmsg__strdup("/api/v1/sender/plans/");
    if (!path)
        loopmsg__error_nomem(err);
    return path;
}

loopmsg_status loopmsg_sender_plans_get(loopmsg_client *client, loopmsg_sender_plans **out,
                                        loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "sender plans: out is NULL");
    *out = NULL;
    char *path = plans_path(client, err);
    if (!path)
        return err ? err->status : LOOPMSG_E_INVALID_ARG;
    return loopmsg__call(client, &loopmsg__op_sender_plans, path, NULL, (void **)out, err);
}

static void tramp_plans(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                        loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_sender_plans_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_sender_plans_get_async(loopmsg_client *client, loopmsg_sender_plans_cb cb,
                                              void *user_data, loopmsg_request_id *id_out,
                                              loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path = plans_path(client, err);
    if (!path)
        return err ? err->status : LOOPMSG_E_INVALID_ARG;
    return loopmsg__call_async(client, &loopmsg__op_sender_plans, path, NULL, tramp_plans,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

/* ---- order ----------------------------------------------------------------------------- */

#define ORDER "sender order"

static loopmsg_status decode_order(void **out, json_t *root, const char *raw, size_t len,
                                   loopmsg_error *err)
{
    const char *bad = NULL;
    int count = -1;
    loopmsg_status st;
    json_t *items = items_of(root, ORDER, &count, &bad, err, &st);
    if (!items)
        return st;
    loopmsg_sender_order_result *o = loopmsg__arena_new(sizeof *o);
    if (!o)
        return loopmsg__error_nomem(err);
    size_t n = json_array_size(items);
    loopmsg_sender_order_entry *arr = n ? loopmsg__arena_alloc(o, n * sizeof *arr) : NULL;
    o->count = count;
    o->raw = loopmsg__arena_strndup(o, raw, len);
    o->raw_len = len;
    if ((n && !arr) || !o->raw) {
        loopmsg__arena_free(o);
        return loopmsg__error_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it)) {
            loopmsg__arena_free(o);
            return loopmsg__decode_fail(err, ORDER, "an item is not an object");
        }
        arr[i].id = loopmsg__json_str(o, it, "id", &bad);
        arr[i].name = loopmsg__json_str(o, it, "name", &bad);
        arr[i].phone_region = loopmsg__json_str(o, it, "phone_region", &bad);
        arr[i].zip_code = loopmsg__json_str(o, it, "zip_code", &bad);
        char *text = json_dumps(it, JSON_COMPACT);
        arr[i].json = text ? loopmsg__arena_strdup(o, text) : NULL;
        free(text);
        if (!arr[i].json)
            bad = loopmsg__json_nomem;
        else if (!arr[i].id && !bad)
            bad = "id";
    }
    o->items = arr;
    o->item_count = n;
    if (bad) {
        loopmsg__arena_free(o);
        return loopmsg__decode_bad(err, ORDER, bad,
                                   "an item's id is missing or a field has the "
                                   "wrong type");
    }
    *out = o;
    return LOOPMSG_OK;
}

static void free_order(void *p)
{
    loopmsg__arena_free(p);
}

void loopmsg_sender_order_result_free(loopmsg_sender_order_result *order)
{
    loopmsg__arena_free(order);
}

/* ONCE: a paying call is never resent once a byte may have left (see client_int.h). */
const loopmsg__op loopmsg__op_sender_order = {.name = ORDER,
                                              .method = LOOPMSG__POST,
                                              .decode = decode_order,
                                              .free_result = free_order,
                                              .flags = LOOPMSG__OP_ONCE};

static loopmsg_status v_item(const loopmsg_sender_order_item *it, const char *f, loopmsg_error *err)
{
    char field[96];
    loopmsg_status st;
#define FIELD(name) (snprintf(field, sizeof field, "%s" name, f), field)
    if ((st = loopmsg__v_id(ORDER, FIELD("plan_id"), it->plan_id, true, err)) != LOOPMSG_OK)
        return st;
    bool email = loopmsg__set(it->email_name) || loopmsg__set(it->email_domain);
    if (email) {
        if ((st = loopmsg__v_id(ORDER, FIELD("email_name"), it->email_name, true, err)) !=
                LOOPMSG_OK ||
            (st = loopmsg__v_id(ORDER, FIELD("email_domain"), it->email_domain, true, err)) !=
                LOOPMSG_OK)
            return st;
        if (strchr(it->email_name, '@'))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: the local part only, without '@'", ORDER,
                                      FIELD("email_name"));
        if (loopmsg__set(it->phone_region) || loopmsg__set(it->zip_code) || it->sms_and_call ||
            loopmsg__set(it->forwarding_to_phone_number) || it->rcs || it->whatsapp ||
            it->init_conversations || it->contact || it->port)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: an email sender takes no phone field", ORDER,
                                      FIELD("email_name"));
        return LOOPMSG_OK;
    }
    const char *region = it->phone_region;
    if (loopmsg__set(region) && strcmp(region, "US") != 0 && strcmp(region, "GB") != 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: must be US or GB", ORDER,
                                  FIELD("phone_region"));
    if (loopmsg__set(it->zip_code)) {
        if (strlen(it->zip_code) != 5 || strspn(it->zip_code, "0123456789") != 5)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: must be 5 digits", ORDER,
                                      FIELD("zip_code"));
        if (loopmsg__set(region) && strcmp(region, "US") != 0)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: for US numbers only",
                                      ORDER, FIELD("zip_code"));
    }
    if ((st = loopmsg__v_id(ORDER, FIELD("forwarding_to_phone_number"),
                            it->forwarding_to_phone_number, false, err)) != LOOPMSG_OK)
        return st;
    if (loopmsg__set(it->forwarding_to_phone_number) && !it->sms_and_call)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: requires sms_and_call",
                                  ORDER, FIELD("forwarding_to_phone_number"));
    if (it->contact) {
        if ((st = loopmsg__v_required(ORDER, FIELD("contact.first_name"), it->contact->first_name,
                                      0, err)) != LOOPMSG_OK ||
            (st = loopmsg__v_optional(ORDER, FIELD("contact.last_name"), it->contact->last_name, 0,
                                      err)) != LOOPMSG_OK)
            return st;
        if (loopmsg__set(it->contact->photo_url) &&
            (st = loopmsg__v_https_url(ORDER, FIELD("contact.photo_url"), (size_t)-1,
                                       it->contact->photo_url, err)) != LOOPMSG_OK)
            return st;
    }
    if (it->port) {
        const char *v[4] = {it->port->phone_number, it->port->account_number, it->port->pin,
                            it->port->carrier};
        const char *n[4] = {"port.phone_number", "port.account_number", "port.pin", "port.carrier"};
        for (int k = 0; k < 4; k++) {
            snprintf(field, sizeof field, "%s%s", f, n[k]);
            if ((st = loopmsg__v_id(ORDER, field, v[k], true, err)) != LOOPMSG_OK)
                return st;
        }
    }
#undef FIELD
    return LOOPMSG_OK;
}

static int put_bool(json_t *o, const char *key, bool v)
{
    return v ? json_object_set_new(o, key, json_true()) : 0;
}

static json_t *encode_item(const loopmsg_sender_order_item *it)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    if (loopmsg__set(it->email_name)) {
        bad |= loopmsg__json_put(o, "name", it->email_name);
        bad |= loopmsg__json_put(o, "domain", it->email_domain);
        bad |= loopmsg__json_put(o, "plan_id", it->plan_id);
    } else {
        bad |= loopmsg__json_put(o, "plan_id", it->plan_id);
        /* The docs call it "required", yet "default US": always sent. */
        bad |= loopmsg__json_put(o, "phone_region",
                                 loopmsg__set(it->phone_region) ? it->phone_region : "US");
        bad |= loopmsg__json_put(o, "zip_code", it->zip_code);
        bad |= put_bool(o, "sms_and_call", it->sms_and_call);
        bad |= loopmsg__json_put(o, "forwarding_to_phone_number", it->forwarding_to_phone_number);
        bad |= put_bool(o, "rcs", it->rcs);
        bad |= put_bool(o, "whatsapp", it->whatsapp);
        bad |= put_bool(o, "init_conversations", it->init_conversations);
        if (it->contact) {
            json_t *c = json_object();
            bad |= !c || loopmsg__json_put(c, "first_name", it->contact->first_name) != 0 ||
                   loopmsg__json_put(c, "last_name", it->contact->last_name) != 0 ||
                   loopmsg__json_put(c, "photo_url", it->contact->photo_url) != 0 ||
                   json_object_set_new(o, "contact", c) != 0;
        }
        if (it->port) {
            json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "phone_number", it->port->phone_number,
                                  "account_number", it->port->account_number, "pin", it->port->pin,
                                  "carrier", it->port->carrier);
            bad |= !p || json_object_set_new(o, "port", p) != 0;
        }
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static loopmsg_status prepare_order(loopmsg_client *client, const loopmsg_sender_order_params *p,
                                    char **path, json_t **body, loopmsg_error *err)
{
    *path = NULL;
    *body = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, ORDER ": client is NULL");
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, ORDER ": params is NULL");
    loopmsg_status st = loopmsg__check_version(p->version, LOOPMSG_SENDER_ORDER_PARAMS_VERSION,
                                               "loopmsg_sender_order_params",
                                               "LOOPMSG_SENDER_ORDER_PARAMS_INIT", err);
    if (st != LOOPMSG_OK)
        return st;
    if (!p->item_count)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  ORDER ": items: at least one sender name is required");
    if (!p->items)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  ORDER ": items: is NULL but item_count is %zu", p->item_count);
    for (size_t i = 0; i < p->item_count; i++) {
        char f[32] = "";
        if (p->item_count > 1)
            snprintf(f, sizeof f, "items[%zu].", i);
        if ((st = v_item(&p->items[i], f, err)) != LOOPMSG_OK)
            return st;
    }
    /* Loop takes one order per 30 s; checked last: a call refused for its parameters
     * says what is wrong with them first. */
    uint64_t now = loopmsg__mono_ms();
    if (client->last_sender_order_ms &&
        now - client->last_sender_order_ms < LOOPMSG_SENDER_ORDER_SPACING_MS) {
        uint64_t left = LOOPMSG_SENDER_ORDER_SPACING_MS - (now - client->last_sender_order_ms);
        loopmsg__error_set(err, LOOPMSG_E_STATE,
                           ORDER ": Loop allows one order every 30 s and this client sent one "
                                 "%llu ms ago: try again in %llu ms (nothing was sent)",
                           (unsigned long long)(now - client->last_sender_order_ms),
                           (unsigned long long)left);
        if (err) {
            err->retry_after_ms = (unsigned int)left;
            err->flags = LOOPMSG_ERRF_RETRYABLE;
        }
        return LOOPMSG_E_STATE;
    }
    json_t *b = NULL;
    if (p->item_count == 1) {
        b = encode_item(&p->items[0]);
    } else {
        json_t *arr = json_array();
        b = json_object();
        for (size_t i = 0; arr && b && i < p->item_count; i++)
            if (json_array_append_new(arr, encode_item(&p->items[i])) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        if (!arr || !b || json_object_set_new(b, "senders", arr) != 0) {
            json_decref(b);
            b = NULL;
        }
    }
    /* Where `test` goes in a bulk order is not documented: the docs say "include test: true
     * in the JSON payload", so it goes at the top level in both forms. */
    if (b && p->test && json_object_set_new(b, "test", json_true()) != 0) {
        json_decref(b);
        b = NULL;
    }
    *path = loopmsg__strdup("/api/v1/sender/new/");
    if (!b || !*path) {
        json_decref(b);
        loopmsg__free(*path);
        *path = NULL;
        return loopmsg__error_nomem(err);
    }
    *body = b;
    return LOOPMSG_OK;
}

/* After an order: an outcome the caller cannot know says so in the message; an order that
 * never left does not hold the 30-s guard. */
static void order_done(loopmsg_client *c, uint64_t stamp, loopmsg_status st, loopmsg_error *err)
{
    if (st == LOOPMSG_OK || !err)
        return;
    if (!(err->flags & LOOPMSG_ERRF_SENT) && c->last_sender_order_ms == stamp)
        c->last_sender_order_ms = 0;
    if (err->flags & LOOPMSG_ERRF_MAYBE_DELIVERED) {
        static const char prefix[] = ORDER ": ";
        const char *rest = err->message;
        if (strncmp(rest, prefix, sizeof prefix - 1) == 0)
            rest += sizeof prefix - 1;
        char msg[2 * LOOPMSG_ERROR_MESSAGE_SIZE];
        int n = snprintf(msg, sizeof msg,
                         ORDER ": may have been charged (the outcome is unknown: check the sender "
                               "list before ordering again): %s",
                         rest);
        size_t len = n < 0 ? 0 : (size_t)n;
        if (len >= LOOPMSG_ERROR_MESSAGE_SIZE) {
            len = LOOPMSG_ERROR_MESSAGE_SIZE - 1;
            while (len && ((unsigned char)msg[len] & 0xC0) == 0x80)
                len--; /* never cut a UTF-8 sequence */
        }
        memcpy(err->message, msg, len);
        err->message[len] = '\0';
    }
}

loopmsg_status loopmsg_sender_order(loopmsg_client *client,
                                    const loopmsg_sender_order_params *params,
                                    loopmsg_sender_order_result **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, ORDER ": out is NULL");
    *out = NULL;
    char *path;
    json_t *body;
    loopmsg_status st = prepare_order(client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    /* The guard needs the caller's error to see the outcome: use a local one when none. */
    loopmsg_error local;
    loopmsg_error *e = err ? err : &local;
    uint64_t stamp = loopmsg__mono_ms();
    client->last_sender_order_ms = stamp;
    st = loopmsg__call(client, &loopmsg__op_sender_order, path, body, (void **)out, e);
    order_done(client, stamp, st, e);
    return st;
}

/* The async face wraps the caller's callback to apply order_done() before it runs. */
typedef struct order_ctx {
    loopmsg_sender_order_cb cb;
    void *user_data;
    uint64_t stamp;
} order_ctx;

static void tramp_order(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                        loopmsg__fn fn, void *ud)
{
    (void)fn;
    order_ctx *ctx = ud;
    loopmsg_error e = *err;
    order_done(c, ctx->stamp, e.status, &e);
    if (ctx->cb)
        ctx->cb(c, id, result, &e, ctx->user_data);
    loopmsg__free(ctx);
}

loopmsg_status loopmsg_sender_order_async(loopmsg_client *client,
                                          const loopmsg_sender_order_params *params,
                                          loopmsg_sender_order_cb cb, void *user_data,
                                          loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    loopmsg_status st = prepare_order(client, params, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    order_ctx *ctx = loopmsg__calloc(1, sizeof *ctx);
    if (!ctx) {
        loopmsg__free(path);
        json_decref(body);
        return loopmsg__error_nomem(err);
    }
    ctx->cb = cb;
    ctx->user_data = user_data;
    ctx->stamp = loopmsg__mono_ms();
    uint64_t before = client->last_sender_order_ms;
    client->last_sender_order_ms = ctx->stamp;
    /* A non-NULL user function, so that the trampoline always runs and frees ctx. */
    st = loopmsg__call_async(client, &loopmsg__op_sender_order, path, body, tramp_order,
                             (loopmsg__fn)tramp_order, ctx, id_out, err);
    if (st != LOOPMSG_OK) {
        client->last_sender_order_ms = before;
        loopmsg__free(ctx);
    }
    return st;
}
