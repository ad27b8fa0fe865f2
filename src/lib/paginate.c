/* SPDX-License-Identifier: MIT */
/*
 * paginate.c: the one mechanism behind every list endpoint: query building (unset
 * parameters omitted), envelope and item decoding into a loopmsg_page, the page iterator and
 * collect-all (they stop on the last page, on a missing num_pages, on an empty page, and at
 * max_pages). Never includes curl.
 */
#include "loopmsg/audience.h"
#include "loopmsg/optin.h"
#include "loopmsg/pool.h"
#include "loopmsg/sender.h"
#include "loopmsg/webhook.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "validate_int.h"
#include "async_int.h"
#include "loopmsg/campaign.h"
#include "loopmsg/lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_SORT = 1,
    F_DATES = 2,
    F_SEARCH = 4,
    F_HISTORY = 8, /* contact in the path, direction, type */
    F_LOOKUP = 16  /* LoopLookup: its own host, `sort` for sort_by, per_page up to 5000 */
};

typedef struct list_def {
    const char *op;   /* error prefix */
    const char *path; /* for history: the prefix before the contact */
    unsigned int filters;
    size_t item_size;
    loopmsg_status (*decode_item)(void *root, json_t *item, void *dst, const char **bad);
} list_def;

/* ---- item decoders ----------------------------------------------------------------------- */

static loopmsg_status d_contact(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_contact *c = dst;
    c->id = loopmsg__json_str(root, o, "id", bad);
    c->value = loopmsg__json_str(root, o, "value", bad);
    return LOOPMSG_OK;
}

static loopmsg_status d_history(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_history_item *h = dst;
    h->id = loopmsg__json_str(root, o, "id", bad);
    h->create_date = loopmsg__json_str(root, o, "create_date", bad);
    h->channel = loopmsg__json_str(root, o, "channel", bad);
    h->direction = loopmsg__json_str(root, o, "direction", bad);
    h->language = loopmsg__json_str(root, o, "language", bad);
    h->type = loopmsg__json_str(root, o, "type", bad);
    h->text = loopmsg__json_str(root, o, "text", bad);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__decode_sender(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_sender *s = dst;
    s->id = loopmsg__json_str(root, o, "id", bad);
    s->name = loopmsg__json_str(root, o, "name", bad);
    s->status = loopmsg__json_str(root, o, "status", bad);
    s->create_date = loopmsg__json_str(root, o, "create_date", bad);
    s->imessage_link = loopmsg__json_str(root, o, "imessage_link", bad);
    return LOOPMSG_OK;
}

static loopmsg_status d_pool(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_pool *p = dst;
    p->id = loopmsg__json_str(root, o, "id", bad);
    p->name = loopmsg__json_str(root, o, "name", bad);
    p->count = loopmsg__json_int(o, "count", 0, bad);
    p->create_date = loopmsg__json_str(root, o, "create_date", bad);
    return LOOPMSG_OK;
}

static bool json_bool(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static loopmsg_status d_optin(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_optin_record *r = dst;
    r->id = loopmsg__json_str(root, o, "id", bad);
    r->ip_address = loopmsg__json_str(root, o, "ip_address", bad);
    r->organization = loopmsg__json_str(root, o, "organization", bad);
    r->origin = loopmsg__json_str(root, o, "origin", bad);
    r->type = loopmsg__json_str(root, o, "type", bad);
    r->create_date = loopmsg__json_str(root, o, "create_date", bad);
    json_t *geo = json_object_get(o, "geo");
    if (json_is_object(geo)) {
        r->geo_city = loopmsg__json_str(root, geo, "city", bad);
        r->geo_country = loopmsg__json_str(root, geo, "country", bad);
        r->geo_region = loopmsg__json_str(root, geo, "region", bad);
        r->geo_postal_code = loopmsg__json_str(root, geo, "postal_code", bad);
        r->geo_time_zone = loopmsg__json_str(root, geo, "time_zone", bad);
        r->geo_europe_union = json_bool(geo, "europe_union");
    }
    json_t *ua = json_object_get(o, "user_agent");
    if (json_is_object(ua)) {
        r->ua_browser = loopmsg__json_str(root, ua, "browser", bad);
        r->ua_device = loopmsg__json_str(root, ua, "device", bad);
        r->ua_os = loopmsg__json_str(root, ua, "os", bad);
        r->ua_email_client = loopmsg__json_str(root, ua, "email_client", bad);
        r->ua_bot = json_bool(ua, "bot");
        r->ua_mobile = json_bool(ua, "mobile");
    }
    return LOOPMSG_OK;
}

static loopmsg_status d_delivery(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_webhook_delivery *d = dst;
    d->attempt = loopmsg__json_int(o, "attempt", 0, bad);
    d->create_date = loopmsg__json_str(root, o, "create_date", bad);
    d->event_type = loopmsg__json_str(root, o, "event_type", bad);
    json_t *j = json_object_get(o, "json");
    if (json_is_string(j)) {
        d->json = loopmsg__arena_strdup(root, json_string_value(j));
        if (!d->json)
            return LOOPMSG_E_NOMEM;
    } else if (j && !json_is_null(j)) {
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return LOOPMSG_E_NOMEM;
        d->json = loopmsg__arena_strdup(root, text);
        free(text);
        if (!d->json)
            return LOOPMSG_E_NOMEM;
    }
    return LOOPMSG_OK;
}

static loopmsg_status d_org(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_organization *g = dst;
    g->id = loopmsg__json_str(root, o, "id", bad);
    g->name = loopmsg__json_str(root, o, "name", bad);
    g->status = loopmsg__json_str(root, o, "status", bad);
    g->create_date = loopmsg__json_str(root, o, "create_date", bad);
    /* api_key stays NULL: a list never hands out keys (item_json still has the item). */
    return LOOPMSG_OK;
}

static loopmsg_status d_lookup(void *root, json_t *o, void *dst, const char **bad)
{
    loopmsg_lookup_record *l = dst;
    l->id = loopmsg__json_str(root, o, "id", bad);
    l->status = loopmsg__json_str(root, o, "status", bad);
    l->contact = loopmsg__json_str(root, o, "contact", bad);
    l->create_date = loopmsg__json_str(root, o, "create_date", bad);
    l->update_date = loopmsg__json_str(root, o, "update_date", bad);
    return LOOPMSG_OK;
}

static const list_def defs[] = {
    [LOOPMSG_LIST_AUDIENCE] = {"audience list", "/api/v1/audience/list/",
                               F_SORT | F_DATES | F_SEARCH, sizeof(loopmsg_contact), d_contact},
    [LOOPMSG_LIST_MESSAGE_HISTORY] = {"message history", "/api/v1/audience/messages/",
                                      F_SORT | F_DATES | F_HISTORY, sizeof(loopmsg_history_item),
                                      d_history},
    [LOOPMSG_LIST_SENDERS] = {"senders list", "/api/v1/sender/list/", F_SORT,
                              sizeof(loopmsg_sender), loopmsg__decode_sender},
    [LOOPMSG_LIST_POOLS] = {"pools list", "/api/v1/pool/list/", F_SORT, sizeof(loopmsg_pool),
                            d_pool},
    [LOOPMSG_LIST_OPT_INS] = {"opt-in history", "/api/v1/audience/tracker/", F_SORT | F_DATES,
                              sizeof(loopmsg_optin_record), d_optin},
    [LOOPMSG_LIST_WEBHOOK_DELIVERIES] = {"webhook history", "/api/v1/webhooks/history/", F_SORT,
                                         sizeof(loopmsg_webhook_delivery), d_delivery},
    [LOOPMSG_LIST_ORGANIZATIONS] = {"organizations list", "/api/v1/organizations/list/",
                                    F_SORT | F_SEARCH, sizeof(loopmsg_organization), d_org},
    [LOOPMSG_LIST_LOOKUPS] = {"lookup history", "/customer/api/v1/lookup-history/",
                              F_SORT | F_DATES | F_SEARCH | F_LOOKUP, sizeof(loopmsg_lookup_record),
                              d_lookup},
};

static const list_def *def_of(loopmsg_list_kind kind)
{
    if ((int)kind < LOOPMSG_LIST_AUDIENCE || (int)kind > LOOPMSG_LIST_LOOKUPS)
        return NULL;
    return &defs[kind];
}

/* ---- page decoding ----------------------------------------------------------------------- */

/* Build a page from an envelope. `raw` may be NULL (collect-all). */
static loopmsg_status build_page(loopmsg_page **out, loopmsg_list_kind kind, json_t *root,
                                 const char *raw, size_t raw_len, loopmsg_error *err)
{
    const list_def *d = def_of(kind);
    if (!json_is_object(root))
        return loopmsg__decode_fail(err, d->op, "expected a JSON object");
    loopmsg_page *p = loopmsg__arena_new(sizeof *p);
    if (!p)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    p->kind = kind;
    p->page = loopmsg__json_int(root, "page", 0, &bad);
    p->num_pages = loopmsg__json_int(root, "num_pages", -1, &bad);
    p->per_page = loopmsg__json_int(root, "per_page", 0, &bad);
    p->count = loopmsg__json_int(root, "count", -1, &bad);
    if (kind == LOOPMSG_LIST_MESSAGE_HISTORY)
        p->contact_status = loopmsg__json_str(p, root, "status", &bad);
    if (raw) {
        p->raw = loopmsg__arena_strndup(p, raw, raw_len);
        p->raw_len = raw_len;
    }
    json_t *items = json_object_get(root, "items");
    loopmsg_status st = LOOPMSG_OK;
    size_t n = json_is_array(items) ? json_array_size(items) : 0;
    if (items && !json_is_null(items) && !json_is_array(items)) {
        st = loopmsg__decode_fail(err, d->op, "items is not an array");
        goto done;
    }
    char *arr = loopmsg__arena_alloc(p, (n ? n : 1) * d->item_size);
    const char **ij = loopmsg__arena_alloc(p, (n ? n : 1) * sizeof *ij);
    if (!arr || !ij || (raw && !p->raw)) {
        st = loopmsg__error_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_object(it)) {
            st = loopmsg__decode_fail(err, d->op, "an item is not an object");
            goto done;
        }
        if (d->decode_item(p, it, arr + i * d->item_size, &bad) != LOOPMSG_OK) {
            st = loopmsg__error_nomem(err);
            goto done;
        }
        char *text = json_dumps(it, JSON_COMPACT);
        ij[i] = text ? loopmsg__arena_strdup(p, text) : NULL;
        free(text);
        if (!ij[i]) {
            st = loopmsg__error_nomem(err);
            goto done;
        }
    }
    if (bad) {
        char what[96];
        snprintf(what, sizeof what, "field \"%s\" has the wrong type", bad);
        st = loopmsg__decode_bad(err, d->op, bad, what);
        goto done;
    }
    p->item_count = n;
    p->item_json = ij;
    switch (kind) {
    case LOOPMSG_LIST_AUDIENCE:
        p->contacts = (const loopmsg_contact *)(void *)arr;
        break;
    case LOOPMSG_LIST_MESSAGE_HISTORY:
        p->messages = (const loopmsg_history_item *)(void *)arr;
        break;
    case LOOPMSG_LIST_SENDERS:
        p->senders = (const loopmsg_sender *)(void *)arr;
        break;
    case LOOPMSG_LIST_POOLS:
        p->pools = (const loopmsg_pool *)(void *)arr;
        break;
    case LOOPMSG_LIST_OPT_INS:
        p->opt_ins = (const loopmsg_optin_record *)(void *)arr;
        break;
    case LOOPMSG_LIST_WEBHOOK_DELIVERIES:
        p->deliveries = (const loopmsg_webhook_delivery *)(void *)arr;
        break;
    case LOOPMSG_LIST_ORGANIZATIONS:
        p->organizations = (const loopmsg_organization *)(void *)arr;
        break;
    case LOOPMSG_LIST_LOOKUPS:
        p->lookups = (const loopmsg_lookup_record *)(void *)arr;
        break;
    }
done:
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(p);
        return st;
    }
    *out = p;
    return LOOPMSG_OK;
}

#define DECODER(name, kind)                                                                        \
    static loopmsg_status name(void **out, json_t *root, const char *raw, size_t len,              \
                               loopmsg_error *err)                                                 \
    {                                                                                              \
        return build_page((loopmsg_page **)out, kind, root, raw, len, err);                        \
    }
DECODER(dec_audience, LOOPMSG_LIST_AUDIENCE)
DECODER(dec_history, LOOPMSG_LIST_MESSAGE_HISTORY)
DECODER(dec_senders, LOOPMSG_LIST_SENDERS)
DECODER(dec_pools, LOOPMSG_LIST_POOLS)
DECODER(dec_optins, LOOPMSG_LIST_OPT_INS)
DECODER(dec_deliveries, LOOPMSG_LIST_WEBHOOK_DELIVERIES)
DECODER(dec_orgs, LOOPMSG_LIST_ORGANIZATIONS)
DECODER(dec_lookups, LOOPMSG_LIST_LOOKUPS)

static void free_page(void *p)
{
    loopmsg__arena_free(p);
}

const loopmsg__op loopmsg__list_ops[] = {
    [LOOPMSG_LIST_AUDIENCE] = {.name = "audience list",
                               .method = LOOPMSG__GET,
                               .decode = dec_audience,
                               .free_result = free_page},
    [LOOPMSG_LIST_MESSAGE_HISTORY] = {.name = "message history",
                                      .method = LOOPMSG__GET,
                                      .decode = dec_history,
                                      .free_result = free_page},
    [LOOPMSG_LIST_SENDERS] = {.name = "senders list",
                              .method = LOOPMSG__GET,
                              .decode = dec_senders,
                              .free_result = free_page},
    [LOOPMSG_LIST_POOLS] = {.name = "pools list",
                            .method = LOOPMSG__GET,
                            .decode = dec_pools,
                            .free_result = free_page},
    [LOOPMSG_LIST_OPT_INS] = {.name = "opt-in history",
                              .method = LOOPMSG__GET,
                              .decode = dec_optins,
                              .free_result = free_page},
    [LOOPMSG_LIST_WEBHOOK_DELIVERIES] = {.name = "webhook history",
                                         .method = LOOPMSG__GET,
                                         .decode = dec_deliveries,
                                         .free_result = free_page},
    [LOOPMSG_LIST_ORGANIZATIONS] = {.name = "organizations list",
                                    .method = LOOPMSG__GET,
                                    .decode = dec_orgs,
                                    .free_result = free_page},
    [LOOPMSG_LIST_LOOKUPS] = {.name = "lookup history",
                              .method = LOOPMSG__GET,
                              .decode = dec_lookups,
                              .free_result = free_page,
                              .flags = LOOPMSG__OP_HOST_LOOKUP},
};

void loopmsg_page_free(loopmsg_page *page)
{
    loopmsg__arena_free(page);
}

/* ---- parameters -------------------------------------------------------------------------- */

static loopmsg_status check_params(const list_def *d, const loopmsg_list_params *p,
                                   loopmsg_error *err)
{
    const char *op = d->op;
    unsigned int max = (d->filters & F_LOOKUP) ? LOOPMSG_LOOKUP_MAX_PER_PAGE : LOOPMSG_MAX_PER_PAGE;
    if (p->per_page > max)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: per_page: must be between 1 and %u, got %u", op, max,
                                  p->per_page);
    if ((int)p->sort < 0 || p->sort > LOOPMSG_SORT_DESC)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: sort: unknown value", op);
    const char *dates[2] = {p->from_date, p->to_date};
    const char *names[2] = {"from_date", "to_date"};
    for (int i = 0; i < 2; i++) {
        if (!loopmsg__set(dates[i]))
            continue;
        if (!(d->filters & F_DATES))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: not supported by this list", op, names[i]);
        if (!loopmsg_date_valid(dates[i]))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: must be a real date written YYYY-MM-DD, got "
                                      "\"%.20s\"",
                                      op, names[i], dates[i]);
    }
    if (loopmsg__set(p->search) && !(d->filters & F_SEARCH))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: search: not supported by this list", op);
    loopmsg_status st = loopmsg__v_optional(op, "search", p->search, 0, err);
    if (st != LOOPMSG_OK)
        return st;
    if (d->filters & F_HISTORY) {
        st = loopmsg__v_id(op, "contact", p->contact, true, err);
        if (st != LOOPMSG_OK)
            return st;
        if ((int)p->direction < 0 || p->direction > LOOPMSG_DIRECTION_OUTBOUND)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: direction: unknown value",
                                      op);
        return loopmsg__v_id(op, "type", p->type, false, err);
    }
    const char *hist_only = loopmsg__set(p->contact) ? "contact"
                            : p->direction           ? "direction"
                            : loopmsg__set(p->type)  ? "type"
                                                     : NULL;
    if (hist_only)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: %s: only message history takes it", op, hist_only);
    return LOOPMSG_OK;
}

static void put_uint(loopmsg__buf *b, char *sep, const char *key, unsigned int v)
{
    if (!v)
        return;
    loopmsg__buf_printf(b, "%c%s=%u", *sep, key, v);
    *sep = '&';
}

static void put_str(loopmsg__buf *b, char *sep, const char *key, const char *v)
{
    if (!loopmsg__set(v))
        return;
    loopmsg__buf_printf(b, "%c%s=", *sep, key);
    loopmsg__url_escape(b, v);
    *sep = '&';
}

/* The path with its query string for one page. */
static char *page_path(const list_def *d, const loopmsg_list_params *p, unsigned int page,
                       unsigned int per_page)
{
    loopmsg__buf b = {0};
    loopmsg__buf_puts(&b, d->path);
    if (d->filters & F_HISTORY) {
        loopmsg__url_escape(&b, p->contact);
        loopmsg__buf_putc(&b, '/');
    }
    char sep = '?';
    put_uint(&b, &sep, "page", page);
    put_uint(&b, &sep, "per_page", per_page);
    /* LoopLookup's history calls it `sort`, not `sort_by`. */
    put_str(&b, &sep, (d->filters & F_LOOKUP) ? "sort" : "sort_by",
            p->sort == LOOPMSG_SORT_ASC    ? "asc"
            : p->sort == LOOPMSG_SORT_DESC ? "desc"
                                           : NULL);
    put_str(&b, &sep, "from_date", p->from_date);
    put_str(&b, &sep, "to_date", p->to_date);
    put_str(&b, &sep, "search", p->search);
    put_str(&b, &sep, "direction",
            p->direction == LOOPMSG_DIRECTION_INBOUND    ? "inbound"
            : p->direction == LOOPMSG_DIRECTION_OUTBOUND ? "outbound"
                                                         : NULL);
    put_str(&b, &sep, "type", p->type);
    return loopmsg__buf_detach(&b);
}

static loopmsg_status prepare(const list_def **d_out, loopmsg_client *client,
                              loopmsg_list_kind kind, const loopmsg_list_params *params,
                              loopmsg_list_params *copy, loopmsg_error *err)
{
    const list_def *d = def_of(kind);
    if (!d)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "list: unknown list kind %d",
                                  (int)kind);
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL", d->op);
    static const loopmsg_list_params defaults = LOOPMSG_LIST_PARAMS_INIT;
    if (!params)
        params = &defaults;
    loopmsg_status st =
        loopmsg__check_version(params->version, LOOPMSG_LIST_PARAMS_VERSION, "loopmsg_list_params",
                               "LOOPMSG_LIST_PARAMS_INIT", err);
    if (st == LOOPMSG_OK)
        st = check_params(d, params, err);
    if (st != LOOPMSG_OK)
        return st;
    *copy = *params;
    *d_out = d;
    return LOOPMSG_OK;
}

static loopmsg_status fetch(loopmsg_client *client, loopmsg_list_kind kind, const list_def *d,
                            const loopmsg_list_params *p, unsigned int page, unsigned int per_page,
                            loopmsg_page **out, loopmsg_error *err)
{
    char *path = page_path(d, p, page, per_page);
    if (!path)
        return loopmsg__error_nomem(err);
    return loopmsg__call(client, &loopmsg__list_ops[kind], path, NULL, (void **)out, err);
}

loopmsg_status loopmsg_list_page(loopmsg_client *client, loopmsg_list_kind kind,
                                 const loopmsg_list_params *params, loopmsg_page **page_out,
                                 loopmsg_error *err)
{
    if (!page_out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "list: page_out is NULL");
    *page_out = NULL;
    const list_def *d = NULL;
    loopmsg_list_params p;
    loopmsg_status st = prepare(&d, client, kind, params, &p, err);
    if (st != LOOPMSG_OK)
        return st;
    return fetch(client, kind, d, &p, p.page, p.per_page, page_out, err);
}

static void tramp_page(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                       loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_page_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_list_page_async(loopmsg_client *client, loopmsg_list_kind kind,
                                       const loopmsg_list_params *params, loopmsg_page_cb cb,
                                       void *user_data, loopmsg_request_id *id_out,
                                       loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    const list_def *d = NULL;
    loopmsg_list_params p;
    loopmsg_status st = prepare(&d, client, kind, params, &p, err);
    if (st != LOOPMSG_OK)
        return st;
    char *path = page_path(d, &p, p.page, p.per_page);
    if (!path)
        return loopmsg__error_nomem(err);
    return loopmsg__call_async(client, &loopmsg__list_ops[kind], path, NULL, tramp_page,
                               (loopmsg__fn)cb, user_data, id_out, err);
}

/* ---- iterator ---------------------------------------------------------------------------- */

struct loopmsg_pager {
    loopmsg_client *client;
    loopmsg_list_kind kind;
    const list_def *def;
    loopmsg_list_params params; /* strings point into `strings` */
    char *strings[5];
    unsigned int next_page;
    unsigned int per_page;
    unsigned int fetched;
    unsigned int max_pages;
    bool done;
};

void loopmsg_pager_free(loopmsg_pager *pager)
{
    if (!pager)
        return;
    for (size_t i = 0; i < 5; i++)
        loopmsg__free(pager->strings[i]);
    loopmsg__free(pager);
}

loopmsg_status loopmsg_pager_new(loopmsg_client *client, loopmsg_list_kind kind,
                                 const loopmsg_list_params *params, loopmsg_pager **out,
                                 loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "pager: out is NULL");
    *out = NULL;
    const list_def *d = NULL;
    loopmsg_list_params p;
    loopmsg_status st = prepare(&d, client, kind, params, &p, err);
    if (st != LOOPMSG_OK)
        return st;
    loopmsg_pager *g = loopmsg__calloc(1, sizeof *g);
    if (!g)
        return loopmsg__error_nomem(err);
    const char **fields[5] = {&p.from_date, &p.to_date, &p.search, &p.contact, &p.type};
    for (size_t i = 0; i < 5; i++) {
        if (!*fields[i])
            continue;
        g->strings[i] = loopmsg__strdup(*fields[i]);
        if (!g->strings[i]) {
            loopmsg_pager_free(g);
            return loopmsg__error_nomem(err);
        }
        *fields[i] = g->strings[i];
    }
    g->client = client;
    g->kind = kind;
    g->def = d;
    g->params = p;
    g->next_page = p.page ? p.page : 1;
    g->per_page = p.per_page ? p.per_page : 100;
    g->max_pages = p.max_pages ? p.max_pages : LOOPMSG_DEFAULT_MAX_PAGES;
    *out = g;
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_pager_next(loopmsg_pager *g, loopmsg_page **page_out, loopmsg_error *err)
{
    if (!g || !page_out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "pager_next: NULL argument");
    *page_out = NULL;
    if (g->done || g->fetched >= g->max_pages) {
        g->done = true;
        loopmsg__error_ok(err);
        return LOOPMSG_OK;
    }
    loopmsg_page *page = NULL;
    loopmsg_status st =
        fetch(g->client, g->kind, g->def, &g->params, g->next_page, g->per_page, &page, err);
    if (st != LOOPMSG_OK)
        return st; /* the same page is asked for again on the next call */
    g->fetched++;
    /* Stop on the last page, on a missing num_pages (the end cannot be known), on an empty
     * page. */
    if (page->item_count == 0 || page->num_pages < 0 ||
        g->next_page >= (unsigned int)page->num_pages)
        g->done = true;
    g->next_page++;
    *page_out = page;
    return LOOPMSG_OK;
}

unsigned int loopmsg_pager_pages_fetched(const loopmsg_pager *pager)
{
    return pager ? pager->fetched : 0;
}

loopmsg_status loopmsg_list_all(loopmsg_client *client, loopmsg_list_kind kind,
                                const loopmsg_list_params *params, size_t max_items,
                                loopmsg_page **page_out, loopmsg_error *err)
{
    if (!page_out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "list_all: page_out is NULL");
    *page_out = NULL;
    loopmsg_pager *g = NULL;
    loopmsg_status st = loopmsg_pager_new(client, kind, params, &g, err);
    if (st != LOOPMSG_OK)
        return st;
    json_t *env = json_object();
    json_t *items = json_array();
    if (!env || !items || json_object_set(env, "items", items) != 0) {
        st = loopmsg__error_nomem(err);
        goto out;
    }
    for (;;) {
        loopmsg_page *page = NULL;
        st = loopmsg_pager_next(g, &page, err);
        if (st != LOOPMSG_OK || !page)
            break;
        for (size_t i = 0; i < page->item_count; i++) {
            if (max_items && json_array_size(items) >= max_items)
                break;
            json_t *it = json_loads(page->item_json[i], 0, NULL);
            if (!it || json_array_append_new(items, it) != 0) {
                st = loopmsg__error_nomem(err);
                break;
            }
        }
        int bad = json_object_set_new(env, "page", json_integer(page->page));
        bad |= json_object_set_new(env, "num_pages", json_integer(page->num_pages));
        bad |= json_object_set_new(env, "per_page", json_integer(page->per_page));
        bad |= json_object_set_new(env, "count", json_integer(page->count));
        if (page->contact_status)
            bad |= json_object_set_new(env, "status", json_string(page->contact_status));
        if (bad && st == LOOPMSG_OK)
            st = loopmsg__error_nomem(err);
        loopmsg_page_free(page);
        if (st != LOOPMSG_OK || (max_items && json_array_size(items) >= max_items))
            break;
    }
    if (st == LOOPMSG_OK)
        st = build_page(page_out, kind, env, NULL, 0, err);
    if (st == LOOPMSG_OK)
        loopmsg__error_ok(err);
out:
    json_decref(items);
    json_decref(env);
    loopmsg_pager_free(g);
    return st;
}

/* ---- named wrappers ------------------------------------------------------------------------ */

/* Declared with their resources (audience.h, optin.h, webhook.h, sender.h, pool.h): each is
 * loopmsg_list_page() with its kind. */
#define LIST_WRAPPER(name, kind)                                                                   \
    loopmsg_status name(loopmsg_client *client, const loopmsg_list_params *params,                 \
                        loopmsg_page **page_out, loopmsg_error *err)                               \
    {                                                                                              \
        return loopmsg_list_page(client, kind, params, page_out, err);                             \
    }

LIST_WRAPPER(loopmsg_audience_list, LOOPMSG_LIST_AUDIENCE)
LIST_WRAPPER(loopmsg_audience_history, LOOPMSG_LIST_MESSAGE_HISTORY)
LIST_WRAPPER(loopmsg_optin_history, LOOPMSG_LIST_OPT_INS)
LIST_WRAPPER(loopmsg_webhook_history, LOOPMSG_LIST_WEBHOOK_DELIVERIES)
LIST_WRAPPER(loopmsg_senders_list, LOOPMSG_LIST_SENDERS)
LIST_WRAPPER(loopmsg_pools_list, LOOPMSG_LIST_POOLS)
