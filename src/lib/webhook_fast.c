/* SPDX-License-Identifier: MIT */
/*
 * webhook_fast.c: the receiver's hot path. It reads the common webhook bodies with yajl's
 * event parser, writing each value straight into the event's arena, where the reference
 * parser (webhook.c) builds a jansson DOM first: about a seventh of the instructions for a
 * message_inbound body, and a handful of allocations instead of one per key and value
 * (docs/performance.md, "Webhook receiver"). It declines whatever it does not model exactly
 * (opt-in custom fields, LoopLookup callbacks, `speech`, real numbers, unknown keys holding
 * objects or arrays, a wrong type, a duplicate key, any JSON error), and webhook.c then
 * parses the body as before, so answers and error messages stay the reference parser's.
 * For the bodies it accepts it must build exactly the event the reference would:
 * fuzz_webhook_parse runs both on every input and compares them field by field. Where
 * yajl accepts what jansson refuses (\v and \f as white space, UTF-8 that only looks well
 * formed, unpaired surrogate escapes, a NUL in a key, integers beyond 64 bits), the body is
 * checked first (fastjson.c) or declined. Pure: no I/O; never includes curl or libmicrohttpd.
 */
#include "webhook_int.h"

#include "alloc_int.h"
#include "fastjson_int.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* What a key holds. */
enum {
    K_STR,       /* a string (or null) */
    K_LIST,      /* an array of strings (or null) */
    K_LANGUAGE,  /* the language object (or null) */
    K_GROUP,     /* the group object (or null) */
    K_ERROR,     /* error_code: an integer in the range of int (or null) */
    K_NULL_ONLY, /* read here only when null (speech) */
    K_GROUP_ID,  /* group.group_id, the spelling of the docs' error examples */
};

typedef struct field {
    const char *name;
    unsigned char len;
    unsigned char kind;
    unsigned short off; /* K_STR: the member of the frame's struct */
} field;

#define F(name, kind, type, member)                                                                \
    {                                                                                              \
        name, sizeof name - 1, kind, offsetof(type, member)                                        \
    }
#define TOP(name, member) F(name, K_STR, loopmsg_webhook_event, member)

/* Every top-level key webhook.c reads, but "parameters" (read for opt-in events only, which
 * are declined; elsewhere ignored like any unknown key). */
static const field top_fields[] = {
    TOP("event", event),
    TOP("webhook_id", webhook_id),
    TOP("api_version", api_version),
    TOP("message_id", message_id),
    TOP("contact", contact),
    TOP("text", text),
    TOP("sender", sender),
    TOP("passthrough", passthrough),
    TOP("message_type", message_type),
    TOP("channel", channel),
    TOP("subject", subject),
    TOP("thread_id", thread_id),
    TOP("reaction", reaction),
    TOP("organization_id", organization_id),
    TOP("phone_number", phone_number),
    TOP("status", status),
    TOP("type", payload_type),
    {"attachments", 11, K_LIST, 0},
    {"language", 8, K_LANGUAGE, 0},
    {"group", 5, K_GROUP, 0},
    {"error_code", 10, K_ERROR, 0},
    {"speech", 6, K_NULL_ONLY, 0},
};

static const field language_fields[] = {
    F("code", K_STR, loopmsg_webhook_language, code),
    F("name", K_STR, loopmsg_webhook_language, name),
    F("script", K_STR, loopmsg_webhook_language, script),
};

static const field group_fields[] = {
    F("id", K_STR, loopmsg_webhook_group, id),
    {"group_id", 8, K_GROUP_ID, 0},
    F("name", K_STR, loopmsg_webhook_group, name),
    {"participants", 12, K_LIST, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { FR_NONE, FR_TOP, FR_LANGUAGE, FR_GROUP, FR_LIST, FR_DONE };

/* More than this many strings in one array, or unknown top-level keys, and the body goes to
 * the reference parser. */
#define MAX_ITEMS   64
#define MAX_UNKNOWN 16

typedef struct fast {
    yajl_handle yajl;
    loopmsg_webhook_event *ev;
    const char *body;
    size_t len;
    int frame;
    int list_parent;   /* the frame an array is in */
    const field *key;  /* the field whose value comes next; NULL: an unknown key */
    uint32_t seen;     /* of the current object's fields */
    uint32_t seen_top; /* kept while in a nested object */
    loopmsg_webhook_language *language;
    loopmsg_webhook_group *group;
    const char *group_id;
    const char *items[MAX_ITEMS];
    size_t item_count;
    size_t next_field[FR_DONE]; /* where the next key search starts, per frame */
    struct {
        const char *p;
        size_t n;
    } unknown[MAX_UNKNOWN]; /* unknown top-level keys, to refuse a repeat as jansson does */
    size_t unknown_count;
} fast;

static void *struct_in_arena(fast *f, size_t size)
{
    return loopmsg__arena_alloc_aligned(f->ev, size, _Alignof(max_align_t));
}

/* The struct that the current object's K_STR fields are members of. */
static char *frame_base(fast *f)
{
    switch (f->frame) {
    case FR_TOP:
        return (char *)f->ev;
    case FR_LANGUAGE:
        return (char *)f->language;
    case FR_GROUP:
        return (char *)f->group;
    default:
        return NULL;
    }
}

static bool in_object(const fast *f)
{
    return f->frame == FR_TOP || f->frame == FR_LANGUAGE || f->frame == FR_GROUP;
}

static int on_null(void *ctx)
{
    fast *f = ctx;
    /* null is "absent" for every field webhook.c reads, and anything for an unknown key. */
    return in_object(f);
}

static int on_boolean(void *ctx, int value)
{
    fast *f = ctx;
    (void)value;
    return in_object(f) && !f->key;
}

static int on_number(void *ctx, const char *s, size_t n)
{
    fast *f = ctx;
    long long v;
    if (!in_object(f) || !loopmsg__fastjson_integer(s, n, &v))
        return 0;
    if (!f->key)
        return 1;
    if (f->key->kind != K_ERROR || v < INT_MIN || v > INT_MAX)
        return 0;
    f->ev->api_code = (int)v;
    f->ev->has_api_code = true;
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    fast *f = ctx;
    if (f->frame == FR_LIST) {
        if (f->item_count == MAX_ITEMS)
            return 0;
        const char *v = loopmsg__webhook_str(f->ev, (const char *)s, n);
        f->items[f->item_count++] = v;
        return v != NULL;
    }
    if (!in_object(f))
        return 0;
    if (!f->key)
        return 1;
    if (f->key->kind != K_STR && f->key->kind != K_GROUP_ID)
        return 0;
    const char *v = loopmsg__webhook_str(f->ev, (const char *)s, n);
    if (!v)
        return 0;
    if (f->key->kind == K_GROUP_ID)
        f->group_id = v;
    else
        memcpy(frame_base(f) + f->key->off, &v, sizeof v);
    return 1;
}

static int on_start_map(void *ctx)
{
    fast *f = ctx;
    if (f->frame == FR_NONE) {
        f->frame = FR_TOP;
        return 1;
    }
    if (f->frame != FR_TOP || !f->key)
        return 0;
    f->seen_top = f->seen;
    f->seen = 0;
    if (f->key->kind == K_LANGUAGE) {
        f->language = struct_in_arena(f, sizeof *f->language);
        f->frame = FR_LANGUAGE;
        return f->language != NULL;
    }
    if (f->key->kind == K_GROUP) {
        f->group = struct_in_arena(f, sizeof *f->group);
        f->group_id = NULL;
        f->frame = FR_GROUP;
        return f->group != NULL;
    }
    return 0;
}

static int on_end_map(void *ctx)
{
    fast *f = ctx;
    switch (f->frame) {
    case FR_TOP: {
        if (!loopmsg__fastjson_rest_blank(f->yajl, f->body, f->len))
            return 0;
        f->frame = FR_DONE;
        return 1;
    }
    case FR_LANGUAGE:
        f->ev->language = f->language;
        break;
    case FR_GROUP:
        if (!f->group->id)
            f->group->id = f->group_id;
        f->ev->group = f->group;
        break;
    default:
        return 0;
    }
    f->frame = FR_TOP;
    f->seen = f->seen_top;
    return 1;
}

static int on_start_array(void *ctx)
{
    fast *f = ctx;
    if ((f->frame != FR_TOP && f->frame != FR_GROUP) || !f->key || f->key->kind != K_LIST)
        return 0;
    f->list_parent = f->frame;
    f->frame = FR_LIST;
    f->item_count = 0;
    return 1;
}

static int on_end_array(void *ctx)
{
    fast *f = ctx;
    if (f->frame != FR_LIST)
        return 0;
    size_t n = f->item_count;
    /* As webhook.c's get_str_list(): an empty array gives an empty list, not NULL. */
    const char **list =
        loopmsg__arena_alloc_aligned(f->ev, (n ? n : 1) * sizeof *list, _Alignof(const char *));
    if (!list)
        return 0;
    if (n)
        memcpy(list, f->items, n * sizeof *list);
    f->frame = f->list_parent;
    if (f->frame == FR_TOP) {
        f->ev->attachments = list;
        f->ev->attachment_count = n;
    } else {
        f->group->participants = list;
        f->group->participant_count = n;
    }
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t n)
{
    fast *f = ctx;
    const char *k = (const char *)key;
    const field *fields;
    size_t count;
    switch (f->frame) {
    case FR_TOP:
        fields = top_fields;
        count = COUNT(top_fields);
        break;
    case FR_LANGUAGE:
        fields = language_fields;
        count = COUNT(language_fields);
        break;
    case FR_GROUP:
        fields = group_fields;
        count = COUNT(group_fields);
        break;
    default:
        return 0;
    }
    /* jansson refuses a NUL in a key. */
    if (memchr(k, '\0', n))
        return 0;
    /* From the field after the last one found in this frame: bodies tend to list their
     * keys in the table's order, and the search then ends at its first step. */
    size_t start = f->next_field[f->frame] % count;
    for (size_t j = 0; j < count; j++) {
        size_t i = (start + j) % count;
        if (fields[i].len == n && memcmp(fields[i].name, k, n) == 0) {
            if (f->seen & (UINT32_C(1) << i))
                return 0; /* a duplicate: jansson's error */
            f->seen |= UINT32_C(1) << i;
            f->key = &fields[i];
            f->next_field[f->frame] = i + 1;
            return 1;
        }
    }
    /* An unknown key: ignored by webhook.c at the top level (but for duplicates), and not
     * modelled in the nested objects. Only keys without escapes (they point into the body,
     * where they stay) are remembered for the duplicate check. */
    if (f->frame != FR_TOP || f->unknown_count == MAX_UNKNOWN || k < f->body ||
        k + n > f->body + f->len)
        return 0;
    for (size_t i = 0; i < f->unknown_count; i++)
        if (f->unknown[i].n == n && memcmp(f->unknown[i].p, k, n) == 0)
            return 0;
    f->unknown[f->unknown_count].p = k;
    f->unknown[f->unknown_count].n = n;
    f->unknown_count++;
    f->key = NULL;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null,      on_boolean, NULL,       NULL,           on_number,    on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* The longest body the fast path reads; longer ones go to webhook.c. */
#define FAST_MAX_BODY 1900u
_Static_assert(FAST_MAX_BODY <= LOOPMSG__FASTJSON_MAX_BODY, "yajl's scratch block is too small");

loopmsg_webhook_event *loopmsg__webhook_parse_fast(const char *body, size_t len)
{
    if (!body || len == 0 || len > FAST_MAX_BODY || !loopmsg__fastjson_acceptable(body, len))
        return NULL;
    fast f;
    memset(&f, 0, sizeof f);
    f.body = body;
    f.len = len;
    f.ev = loopmsg__webhook_event_new(body, len);
    if (!f.ev)
        return NULL;
    loopmsg__fastjson_scratch mem;
    yajl_handle h = loopmsg__fastjson_open(&mem, &callbacks, &f);
    f.yajl = h;
    bool ok = h && yajl_parse(h, (const unsigned char *)body, len) == yajl_status_ok &&
              yajl_complete_parse(h) == yajl_status_ok && f.frame == FR_DONE;
    if (h)
        yajl_free(h);
    loopmsg_webhook_event *ev = f.ev;
    /* `event` must have been a string; the opt-in shapes carry custom fields, which only
     * webhook.c reads. */
    if (ok && ev->event) {
        ev->type = loopmsg__webhook_event_type(ev->event);
        if (ev->type == LOOPMSG_EVENT_MESSAGE_INBOUND && ev->payload_type &&
            strcmp(ev->payload_type, "opt_in") == 0)
            ev->type = LOOPMSG_EVENT_OPT_IN;
        if (ev->type != LOOPMSG_EVENT_OPT_IN)
            return ev;
    }
    loopmsg__arena_free(ev);
    return NULL;
}
