/* SPDX-License-Identifier: MIT */
/*
 * webhook.c: the pure half of webhooks. It turns a body into a typed loopmsg_webhook_event
 * (jansson, one result arena per event), runs the per-event callbacks in the reference SDK's
 * order and decides the HTTP answer to a request, in two phases: headers, then body; the
 * credential check is verify.c's. It must stay pure: no
 * sockets, no threads, no clock, and it never includes curl or libmicrohttpd, so that it can be
 * fuzzed byte for byte and used behind any HTTP server.
 */
#include "loopmsg/webhook.h"

#include "webhook_int.h"

#include "alloc_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "lookup_int.h"

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- event names ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    loopmsg_event_type type;
} event_names[] = {
    {"message_inbound", LOOPMSG_EVENT_MESSAGE_INBOUND},
    {"message_delivered", LOOPMSG_EVENT_MESSAGE_DELIVERED},
    {"message_failed", LOOPMSG_EVENT_MESSAGE_FAILED},
    {"message_reaction", LOOPMSG_EVENT_MESSAGE_REACTION},
    {"message_scheduled", LOOPMSG_EVENT_MESSAGE_SCHEDULED},
    {"opt-in", LOOPMSG_EVENT_OPT_IN},
    {"inbound_call", LOOPMSG_EVENT_INBOUND_CALL},
    {"sender_name_updated", LOOPMSG_EVENT_SENDER_NAME_UPDATED},
};

/* The name given to a LoopLookup callback, which has none of its own. Not in the table
 * above: a body that says `event: "lookup_result"` is not a lookup callback. */
#define LOOKUP_EVENT_NAME "lookup_result"

const char *loopmsg_event_type_name(loopmsg_event_type type)
{
    if (type == LOOPMSG_EVENT_LOOKUP_RESULT)
        return LOOKUP_EVENT_NAME;
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (event_names[i].type == type)
            return event_names[i].name;
    return "unknown";
}

loopmsg_event_type loopmsg__webhook_event_type(const char *name)
{
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (strcmp(event_names[i].name, name) == 0)
            return event_names[i].type;
    return LOOPMSG_EVENT_UNKNOWN;
}

/* Top-level keys with a meaning of their own. For `event: "opt-in"` every other top-level
 * key is a custom opt-in field (the shape the reference SDK assumes). */
static const char *const known_keys[] = {
    "event",           "webhook_id",   "api_version",  "message_id", "contact",    "text",
    "sender",          "passthrough",  "message_type", "channel",    "subject",    "attachments",
    "thread_id",       "language",     "group",        "speech",     "error_code", "reaction",
    "organization_id", "phone_number", "status",       "type",       "parameters",
};

static int is_known_key(const char *key)
{
    for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
        if (strcmp(known_keys[i], key) == 0)
            return 1;
    return 0;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* State of one parse: the arena root and the first error (later steps become no-ops once st
 * is set, so each field reader can be called unconditionally). */
typedef struct parse_ctx {
    loopmsg_webhook_event *ev;
    loopmsg_error *err;
    loopmsg_status st;
} parse_ctx;

#define MAX_ALIGN _Alignof(max_align_t)

/* Zeroed memory that lives as long as the event. The decoded strings of a body are never
 * longer than the body, so the block reserved from the body's size usually holds everything:
 * an event costs two allocations instead of one per field, which matters to a receiver
 * doing tens of thousands of them per second. */
static void *ctx_alloc(parse_ctx *c, size_t size, size_t align)
{
    return loopmsg__arena_alloc_aligned(c->ev, size, align);
}

static char *ctx_strndup(parse_ctx *c, const char *s, size_t n)
{
    char *d = ctx_alloc(c, n + 1, 1);
    if (d)
        memcpy(d, s, n); /* zeroed: the NUL is there */
    return d;
}

#define CTX_NEW(c, type) ((type *)ctx_alloc((c), sizeof(type), MAX_ALIGN))

static void fail_type(parse_ctx *c, const char *field, const char *what)
{
    if (c->st == LOOPMSG_OK)
        c->st = loopmsg__error_set(c->err, LOOPMSG_E_PROTOCOL, "webhook field \"%s\" must be %s",
                                   field, what);
}

static void fail_nomem(parse_ctx *c)
{
    if (c->st == LOOPMSG_OK)
        c->st = loopmsg__error_nomem(c->err);
}

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8: what a decoded U+0000 becomes. */
#define NUL_REPLACEMENT     "\xef\xbf\xbd"
#define NUL_REPLACEMENT_LEN 3

/* A decoded string as a C string. The body is decoded with JSON_ALLOW_NUL (a \u0000 in a
 * value is valid JSON, and refusing it would make Loop redeliver the event until it gives
 * up), so the value may hold NUL bytes: each becomes U+FFFD, so that the C string neither
 * ends early nor drops what follows (docs/webhooks.md). Three bytes replace the six of the
 * escape, so decoded strings stay shorter than the body. */
char *loopmsg__webhook_str(loopmsg_webhook_event *ev, const char *v, size_t n)
{
    size_t nuls = 0;
    for (const char *q = memchr(v, '\0', n); q; q = memchr(q + 1, '\0', n - (size_t)(q + 1 - v)))
        nuls++;
    char *p = loopmsg__arena_alloc_aligned(ev, n + nuls * (NUL_REPLACEMENT_LEN - 1) + 1, 1);
    if (!p)
        return NULL;
    if (!nuls) {
        memcpy(p, v, n); /* the block is zeroed: the terminating NUL is there */
        return p;
    }
    for (size_t i = 0, o = 0; i < n; i++) {
        if (v[i]) {
            p[o++] = v[i];
        } else {
            memcpy(p + o, NUL_REPLACEMENT, NUL_REPLACEMENT_LEN);
            o += NUL_REPLACEMENT_LEN;
        }
    }
    return p;
}

static char *arena_str(parse_ctx *c, json_t *s)
{
    char *p = loopmsg__webhook_str(c->ev, json_string_value(s), json_string_length(s));
    if (!p)
        fail_nomem(c);
    return p;
}

/* A string member: absent or null gives NULL; any other non-string is an error. */
static const char *get_str(parse_ctx *c, json_t *obj, const char *key, const char *field)
{
    if (c->st != LOOPMSG_OK)
        return NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        fail_type(c, field, "a string");
        return NULL;
    }
    return arena_str(c, v);
}

/* An object member: NULL when absent or null (or on error). */
static json_t *get_obj(parse_ctx *c, json_t *obj, const char *key, const char *field)
{
    if (c->st != LOOPMSG_OK)
        return NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        fail_type(c, field, "an object");
        return NULL;
    }
    return v;
}

/* An array of strings into an arena list. */
static void get_str_list(parse_ctx *c, json_t *obj, const char *key, const char *field,
                         const char *const **list_out, size_t *count_out)
{
    *list_out = NULL;
    *count_out = 0;
    if (c->st != LOOPMSG_OK)
        return;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_array(v)) {
        fail_type(c, field, "an array of strings");
        return;
    }
    size_t n = json_array_size(v);
    const char **list = ctx_alloc(c, (n ? n : 1) * sizeof *list, _Alignof(const char *));
    if (!list) {
        fail_nomem(c);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_string(item)) {
            fail_type(c, field, "an array of strings");
            return;
        }
        if (!(list[i] = arena_str(c, item)))
            return;
    }
    *list_out = list;
    *count_out = n;
}

static void get_double(parse_ctx *c, json_t *obj, const char *key, const char *field, double *out,
                       bool *has)
{
    if (c->st != LOOPMSG_OK)
        return;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_number(v)) {
        fail_type(c, field, "a number");
        return;
    }
    *out = json_number_value(v);
    *has = true;
}

static const loopmsg_webhook_language *get_language(parse_ctx *c, json_t *obj, const char *key,
                                                    const char *field)
{
    json_t *o = get_obj(c, obj, key, field);
    if (!o)
        return NULL;
    loopmsg_webhook_language *l = CTX_NEW(c, loopmsg_webhook_language);
    if (!l) {
        fail_nomem(c);
        return NULL;
    }
    /* The field names for errors are spelled out so that messages name the full path. */
    int in_speech = strcmp(field, "speech.language") == 0;
    l->code = get_str(c, o, "code", in_speech ? "speech.language.code" : "language.code");
    l->name = get_str(c, o, "name", in_speech ? "speech.language.name" : "language.name");
    l->script = get_str(c, o, "script", in_speech ? "speech.language.script" : "language.script");
    return l;
}

static const loopmsg_webhook_group *get_group(parse_ctx *c, json_t *obj)
{
    json_t *o = get_obj(c, obj, "group", "group");
    if (!o)
        return NULL;
    loopmsg_webhook_group *g = CTX_NEW(c, loopmsg_webhook_group);
    if (!g) {
        fail_nomem(c);
        return NULL;
    }
    g->id = get_str(c, o, "id", "group.id");
    /* Error examples in the docs spell it group_id. */
    if (!g->id)
        g->id = get_str(c, o, "group_id", "group.group_id");
    g->name = get_str(c, o, "name", "group.name");
    get_str_list(c, o, "participants", "group.participants", &g->participants,
                 &g->participant_count);
    return g;
}

static const loopmsg_webhook_speech *get_speech(parse_ctx *c, json_t *obj)
{
    json_t *o = get_obj(c, obj, "speech", "speech");
    if (!o)
        return NULL;
    loopmsg_webhook_speech *s = CTX_NEW(c, loopmsg_webhook_speech);
    if (!s) {
        fail_nomem(c);
        return NULL;
    }
    s->text = get_str(c, o, "text", "speech.text");
    s->language = get_language(c, o, "language", "speech.language");
    get_double(c, o, "confidence", "speech.confidence", &s->confidence, &s->has_confidence);
    json_t *m = get_obj(c, o, "metadata", "speech.metadata");
    if (!m)
        return s;
    loopmsg_webhook_speech_metadata *md = CTX_NEW(c, loopmsg_webhook_speech_metadata);
    if (!md) {
        fail_nomem(c);
        return NULL;
    }
#define MD(f) get_double(c, m, #f, "speech.metadata." #f, &md->f, &md->has_##f)
    MD(speaking_rate);
    MD(average_pause_duration);
    MD(speech_start_timestamp);
    MD(speech_duration);
    MD(jitter);
    MD(shimmer);
    MD(pitch);
    MD(voicing);
#undef MD
    s->metadata = md;
    return s;
}

static void get_error_code(parse_ctx *c, json_t *obj)
{
    if (c->st != LOOPMSG_OK)
        return;
    json_t *v = json_object_get(obj, "error_code");
    if (!v || json_is_null(v))
        return;
    if (!json_is_integer(v)) {
        fail_type(c, "error_code", "an integer");
        return;
    }
    json_int_t n = json_integer_value(v);
    if (n < INT_MIN || n > INT_MAX) {
        fail_type(c, "error_code", "an integer in the range of int");
        return;
    }
    c->ev->api_code = (int)n;
    c->ev->has_api_code = true;
}

/* The text of a custom field's value: strings as they are, anything else as compact JSON.
 * Reals are printed in their shortest round-tripping form rather than jansson's fixed 17
 * digits, so that 0.31 stays "0.31". */
static void field_value(parse_ctx *c, json_t *v, loopmsg_webhook_field *f)
{
    if (json_is_string(v)) {
        f->value = arena_str(c, v);
        return;
    }
    f->is_json = true;
    char num[40];
    if (json_is_real(v)) {
        double d = json_real_value(v);
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(num, sizeof num, "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
        if (!strpbrk(num, ".eEn") && strlen(num) + 2 < sizeof num) {
            size_t n = strlen(num);
            memcpy(num + n, ".0", 3);
        }
        f->value = ctx_strndup(c, num, strlen(num));
        if (!f->value)
            fail_nomem(c);
        return;
    }
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    size_t need = json_dumpb(v, NULL, 0, flags);
    char *p = ctx_alloc(c, need + 1, 1);
    if (!p) {
        fail_nomem(c);
        return;
    }
    if (need)
        json_dumpb(v, p, need, flags);
    f->value = p;
}

static void get_custom_fields(parse_ctx *c, json_t *root, int top_level)
{
    if (c->st != LOOPMSG_OK)
        return;
    json_t *params = get_obj(c, root, "parameters", "parameters");
    if (c->st != LOOPMSG_OK)
        return;
    size_t n = params ? json_object_size(params) : 0;
    const char *key;
    json_t *v;
    if (top_level) {
        json_object_foreach(root, key, v)
        {
            if (!is_known_key(key))
                n++;
        }
    }
    if (n == 0)
        return;
    loopmsg_webhook_field *fields = ctx_alloc(c, n * sizeof *fields, MAX_ALIGN);
    if (!fields) {
        fail_nomem(c);
        return;
    }
    size_t i = 0;
    if (params) {
        json_object_foreach(params, key, v)
        {
            fields[i].key = ctx_strndup(c, key, strlen(key));
            if (!fields[i].key)
                fail_nomem(c);
            field_value(c, v, &fields[i]);
            i++;
        }
    }
    if (top_level) {
        json_object_foreach(root, key, v)
        {
            if (is_known_key(key))
                continue;
            fields[i].key = ctx_strndup(c, key, strlen(key));
            if (!fields[i].key)
                fail_nomem(c);
            field_value(c, v, &fields[i]);
            i++;
        }
    }
    c->ev->custom_fields = fields;
    c->ev->custom_field_count = i;
}

/* A LoopLookup callback: the result decoder of lookup.c, in the event's arena. Takes root. */
static loopmsg_status parse_lookup(loopmsg_webhook_event **out, json_t *root, const char *body,
                                   size_t len, loopmsg_error *err)
{
    loopmsg_webhook_event *ev = loopmsg__webhook_event_new(body, len);
    loopmsg_lookup_result *r = ev ? loopmsg__arena_alloc(ev, sizeof *r) : NULL;
    const char *bad = NULL;
    loopmsg_status st = r ? loopmsg__lookup_decode(ev, root, r, &bad) : LOOPMSG_E_NOMEM;
    json_decref(root);
    if (st != LOOPMSG_OK || bad == loopmsg__json_nomem) {
        loopmsg__arena_free(ev);
        return loopmsg__error_nomem(err);
    }
    if (bad) {
        loopmsg__arena_free(ev);
        return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL,
                                  "webhook field \"%s\" has the wrong type", bad);
    }
    r->raw = ev->raw;
    r->raw_len = len;
    ev->type = LOOPMSG_EVENT_LOOKUP_RESULT;
    ev->event = LOOKUP_EVENT_NAME;
    ev->webhook_id = r->webhook_id;
    ev->contact = r->contact;
    ev->request_id = r->request_id;
    ev->lookup = r;
    *out = ev;
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_webhook_parse(const char *body, size_t len, loopmsg_webhook_event **out,
                                     loopmsg_error *err)
{
    return loopmsg_webhook_parse_ex(body, len, NULL, out, err);
}

loopmsg_status loopmsg_webhook_parse_ex(const char *body, size_t len,
                                        const loopmsg_webhook_parse_options *opts,
                                        loopmsg_webhook_event **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "out must not be NULL");
    if (!body && len)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "body is NULL but len is %zu", len);
    size_t max = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES;
    if (opts) {
        loopmsg_status st = loopmsg__check_version(
            opts->version, LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION, "loopmsg_webhook_parse_options",
            "LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT", err);
        if (st != LOOPMSG_OK)
            return st;
        if (opts->max_body_bytes)
            max = opts->max_body_bytes;
    }
    if (len > max)
        return loopmsg__error_set(err, LOOPMSG_E_TOO_LARGE,
                                  "webhook body of %zu bytes exceeds the limit of %zu bytes", len,
                                  max);
    if (len == 0)
        return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL, "webhook body is empty");
    /* The common shapes without a DOM (webhook_fast.c); anything else, and every error, is
     * jansson's. */
    loopmsg_webhook_event *ev = loopmsg__webhook_parse_fast(body, len);
    if (ev) {
        *out = ev;
        loopmsg__error_ok(err);
        return LOOPMSG_OK;
    }
    return loopmsg__webhook_parse_dom(out, body, len, err);
}

loopmsg_webhook_event *loopmsg__webhook_event_new(const char *body, size_t len)
{
    /* One block for the event, the raw copy, the decoded strings (never longer than the
     * body) and a few structs: one malloc, and one free on whichever thread frees it. */
    if (len > SIZE_MAX / 2 - 256)
        return NULL;
    loopmsg_webhook_event *ev = loopmsg__arena_new_with(sizeof *ev, 2 * len + 256);
    if (!ev)
        return NULL;
    char *raw = loopmsg__arena_alloc_aligned(ev, len + 1, 1);
    if (!raw) {
        loopmsg__arena_free(ev);
        return NULL;
    }
    memcpy(raw, body, len); /* zeroed: the NUL is there */
    ev->raw = raw;
    ev->raw_len = len;
    return ev;
}

loopmsg_status loopmsg__webhook_parse_dom(loopmsg_webhook_event **out, const char *body, size_t len,
                                          loopmsg_error *err)
{
    *out = NULL;
    json_error_t jerr;
    /* JSON_DECODE_ANY so that a top-level scalar gets the clearer "not an object" error;
     * JSON_ALLOW_NUL for \u0000 in values (see arena_str()). */
    json_t *root =
        json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL,
                                  "webhook body is not valid JSON: %s (line %d, column %d)",
                                  jerr.text, jerr.line, jerr.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL, "webhook body is not a JSON object");
    }
    json_t *event = json_object_get(root, "event");
    /* LoopLookup's callbacks carry no `event`: they are known by their shape. */
    bool lookup = !event && json_is_string(json_object_get(root, "request_id")) &&
                  (json_is_object(json_object_get(root, "result_v1")) ||
                   json_is_string(json_object_get(root, "webhook_id")));
    if (lookup)
        return parse_lookup(out, root, body, len, err);
    if (!event || !json_is_string(event)) {
        json_decref(root);
        return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL,
                                  event ? "webhook field \"event\" must be a string"
                                        : "webhook body has no \"event\" field");
    }

    parse_ctx c = {NULL, err, LOOPMSG_OK};
    c.ev = loopmsg__webhook_event_new(body, len);
    if (!c.ev) {
        json_decref(root);
        return loopmsg__error_nomem(err);
    }
    loopmsg_webhook_event *ev = c.ev;

    ev->event = get_str(&c, root, "event", "event");
    ev->webhook_id = get_str(&c, root, "webhook_id", "webhook_id");
    ev->api_version = get_str(&c, root, "api_version", "api_version");
    ev->message_id = get_str(&c, root, "message_id", "message_id");
    ev->contact = get_str(&c, root, "contact", "contact");
    ev->text = get_str(&c, root, "text", "text");
    ev->sender = get_str(&c, root, "sender", "sender");
    ev->passthrough = get_str(&c, root, "passthrough", "passthrough");
    ev->message_type = get_str(&c, root, "message_type", "message_type");
    ev->channel = get_str(&c, root, "channel", "channel");
    ev->subject = get_str(&c, root, "subject", "subject");
    get_str_list(&c, root, "attachments", "attachments", &ev->attachments, &ev->attachment_count);
    ev->thread_id = get_str(&c, root, "thread_id", "thread_id");
    ev->language = get_language(&c, root, "language", "language");
    ev->group = get_group(&c, root);
    ev->speech = get_speech(&c, root);
    get_error_code(&c, root);
    ev->reaction = get_str(&c, root, "reaction", "reaction");
    ev->organization_id = get_str(&c, root, "organization_id", "organization_id");
    ev->phone_number = get_str(&c, root, "phone_number", "phone_number");
    ev->status = get_str(&c, root, "status", "status");
    ev->payload_type = get_str(&c, root, "type", "type");

    if (c.st == LOOPMSG_OK) {
        ev->type = loopmsg__webhook_event_type(ev->event);
        /* The opt-in docs show `event: "message_inbound"` with `type: "opt_in"` and the
         * custom fields under `parameters`; the event table says `opt-in`. Both are accepted. */
        if (ev->type == LOOPMSG_EVENT_MESSAGE_INBOUND && ev->payload_type &&
            strcmp(ev->payload_type, "opt_in") == 0)
            ev->type = LOOPMSG_EVENT_OPT_IN;
        if (ev->type == LOOPMSG_EVENT_OPT_IN)
            get_custom_fields(&c, root, strcmp(ev->event, "opt-in") == 0);
    }
    json_decref(root);
    if (c.st != LOOPMSG_OK) {
        loopmsg__arena_free(ev);
        return c.st;
    }
    *out = ev;
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

void loopmsg_webhook_event_free(loopmsg_webhook_event *event)
{
    loopmsg__arena_free(event);
}

/* ---- dispatch --------------------------------------------------------------------------- */

int loopmsg_webhook_dispatch(const loopmsg_webhook_handlers *handlers,
                             const loopmsg_webhook_event *event, void *user_data)
{
    if (!handlers || !event || handlers->version == 0)
        return LOOPMSG_E_INVALID_ARG;
    loopmsg_webhook_event_cb cb = NULL;
    switch (event->type) {
    case LOOPMSG_EVENT_MESSAGE_INBOUND:
        cb = handlers->on_message_inbound;
        break;
    case LOOPMSG_EVENT_MESSAGE_DELIVERED:
        cb = handlers->on_message_delivered;
        break;
    case LOOPMSG_EVENT_MESSAGE_FAILED:
        cb = handlers->on_message_failed;
        break;
    case LOOPMSG_EVENT_MESSAGE_REACTION:
        cb = handlers->on_message_reaction;
        break;
    case LOOPMSG_EVENT_MESSAGE_SCHEDULED:
        cb = handlers->on_message_scheduled;
        break;
    case LOOPMSG_EVENT_OPT_IN:
        cb = handlers->on_opt_in;
        break;
    case LOOPMSG_EVENT_INBOUND_CALL:
        cb = handlers->on_inbound_call;
        break;
    case LOOPMSG_EVENT_SENDER_NAME_UPDATED:
        cb = handlers->on_sender_name_updated;
        break;
    case LOOPMSG_EVENT_LOOKUP_RESULT:
        /* A version-1 struct ends before on_lookup_result. */
        cb = handlers->version >= 2 ? handlers->on_lookup_result : handlers->on_unknown;
        break;
    case LOOPMSG_EVENT_UNKNOWN:
    default:
        cb = handlers->on_unknown;
        break;
    }
    int rc = cb ? cb(event, user_data) : 0;
    /* on_any always runs; a failure of the specific callback wins over on_any's result. */
    int any = handlers->on_any ? handlers->on_any(event, user_data) : 0;
    return rc != 0 ? rc : any;
}

/* ---- the framework-agnostic handler ------------------------------------------------------
 * Two phases, so that a server that sees the headers first refuses before reading a body:
 * check_headers (path, method, credentials, declared length), then handle_body (parse).
 * handle() is both in one call. Every answer body lives in the one table below; the
 * receiver builds its responses from it too (loopmsg_webhook_response_canned()). */

#define JSON_CT "application/json"

static const struct {
    int status;
    const char *body;
    size_t len;
} canned_answers[] = {
#define ANSWER(st, text)                                                                           \
    {                                                                                              \
        st, text, sizeof text - 1                                                                  \
    }
    ANSWER(200, "{\"status\":\"ok\"}"),
    ANSWER(100, ""),
    ANSWER(400, "{\"error\":\"bad request\"}"),
    ANSWER(401, "{\"error\":\"unauthorized\"}"),
    ANSWER(404, "{\"error\":\"not found\"}"),
    ANSWER(405, "{\"error\":\"method not allowed\"}"),
    ANSWER(413, "{\"error\":\"payload too large\"}"),
    ANSWER(500, "{\"error\":\"internal error\"}"),
    ANSWER(503, "{\"error\":\"busy\"}"),
#undef ANSWER
};

/* Set the canned answer for status; 0, or -1 (and the 500 answer) when there is none. */
static int answer(loopmsg_webhook_response *resp, int status)
{
    size_t n = sizeof canned_answers / sizeof canned_answers[0];
    size_t i = 0;
    while (i < n && canned_answers[i].status != status)
        i++;
    int rc = 0;
    if (i == n) {
        for (i = 0; canned_answers[i].status != 500; i++)
            ;
        rc = -1;
    }
    resp->status = canned_answers[i].status;
    resp->body = canned_answers[i].body;
    resp->body_len = canned_answers[i].len;
    resp->content_type = JSON_CT;
    return rc;
}

loopmsg_status loopmsg_webhook_response_canned(loopmsg_webhook_response *resp, int status)
{
    if (!resp)
        return LOOPMSG_E_INVALID_ARG;
    memset(resp, 0, sizeof *resp);
    /* 100 is the first phase's "read the body", not an answer to send. */
    if (status == 100 || answer(resp, status) != 0) {
        answer(resp, 500);
        return LOOPMSG_E_INVALID_ARG;
    }
    return LOOPMSG_OK;
}

/* The checks every entry point starts with: resp set to 500 until something better is
 * known, config's version. */
static loopmsg_status begin(loopmsg_webhook_response *resp,
                            const loopmsg_webhook_handler_config *config, loopmsg_error *err)
{
    if (!resp)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "resp must not be NULL");
    memset(resp, 0, sizeof *resp);
    answer(resp, 500);
    if (!config)
        return LOOPMSG_OK;
    return loopmsg__check_version(config->version, LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION,
                                  "loopmsg_webhook_handler_config",
                                  "LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT", err);
}

static size_t max_body(const loopmsg_webhook_handler_config *config)
{
    return config && config->max_body_bytes ? config->max_body_bytes
                                            : LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES;
}

loopmsg_status loopmsg_webhook_check_headers(loopmsg_webhook_response *resp,
                                             const loopmsg_webhook_handler_config *config,
                                             const loopmsg_webhook_request *req, loopmsg_error *err)
{
    loopmsg_status st = begin(resp, config, err);
    if (st != LOOPMSG_OK)
        return st;
    if (!req || !req->method)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  req ? "req->method must not be NULL" : "req must not be NULL");
    st = loopmsg__check_version(req->version, LOOPMSG_WEBHOOK_REQUEST_VERSION,
                                "loopmsg_webhook_request", "LOOPMSG_WEBHOOK_REQUEST_INIT", err);
    if (st != LOOPMSG_OK)
        return st;

    const char *path = req->path ? req->path : "/";
    const char *query = req->query;
    const char *qmark = strchr(path, '?');
    size_t path_len = qmark ? (size_t)(qmark - path) : strlen(path);
    if (qmark && !query)
        query = qmark + 1;

    if (strcmp(req->method, "GET") == 0 && path_len == 7 && memcmp(path, "/health", 7) == 0) {
        loopmsg__error_ok(err);
        answer(resp, 200);
        return LOOPMSG_OK;
    }
    const char *want = config ? config->path : NULL;
    if (want && (strlen(want) != path_len || memcmp(want, path, path_len) != 0)) {
        answer(resp, 404);
        return loopmsg__error_set(err, LOOPMSG_E_NOT_FOUND, "no webhook at this path");
    }
    if (strcmp(req->method, "POST") != 0) {
        answer(resp, 405);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "webhooks must be POSTed (method was %.16s)", req->method);
    }
    st = loopmsg_webhook_verify(req->authorization, query, config ? config->secrets : NULL,
                                config ? config->secret_count : 0, err);
    if (st == LOOPMSG_E_WEBHOOK_AUTH)
        answer(resp, 401);
    if (st != LOOPMSG_OK)
        return st;
    /* content_length exists only in a caller's struct of layout version 2 or later. */
    size_t declared = req->version >= 2 ? req->content_length : 0;
    if (declared > max_body(config)) {
        answer(resp, 413);
        return loopmsg__error_set(err, LOOPMSG_E_TOO_LARGE,
                                  "webhook body of %zu bytes exceeds the limit of %zu bytes",
                                  declared, max_body(config));
    }
    answer(resp, 100);
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_webhook_handle_body(loopmsg_webhook_response *resp,
                                           const loopmsg_webhook_handler_config *config,
                                           const char *body, size_t body_len, loopmsg_error *err)
{
    loopmsg_status st = begin(resp, config, err);
    if (st != LOOPMSG_OK)
        return st;
    if (!body && body_len)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "body is NULL but body_len is %zu",
                                  body_len);
    loopmsg_webhook_parse_options po = LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT;
    po.max_body_bytes = max_body(config);
    st = loopmsg_webhook_parse_ex(body, body_len, &po, &resp->event, err);
    switch (st) {
    case LOOPMSG_OK:
        answer(resp, 200);
        break;
    case LOOPMSG_E_TOO_LARGE:
        answer(resp, 413);
        break;
    case LOOPMSG_E_PROTOCOL:
        answer(resp, 400);
        break;
    default:
        break;
    }
    return st;
}

loopmsg_status loopmsg_webhook_handle(loopmsg_webhook_response *resp,
                                      const loopmsg_webhook_handler_config *config,
                                      const loopmsg_webhook_request *req, loopmsg_error *err)
{
    if (resp && req && !req->body && req->body_len) {
        memset(resp, 0, sizeof *resp);
        answer(resp, 500);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "req->body is NULL but body_len is %zu", req->body_len);
    }
    loopmsg_status st = loopmsg_webhook_check_headers(resp, config, req, err);
    if (st != LOOPMSG_OK || resp->status != 100)
        return st;
    return loopmsg_webhook_handle_body(resp, config, req->body, req->body_len, err);
}

void loopmsg_webhook_response_clear(loopmsg_webhook_response *resp)
{
    if (!resp)
        return;
    loopmsg_webhook_event_free(resp->event);
    memset(resp, 0, sizeof *resp);
}
