/* SPDX-License-Identifier: MIT */
/*
 * send_fast.c: the fast path of the send answers (send, send_group, send_voice,
 * send_reaction). It reads the flat object Loop answers a send with using yajl's event
 * parser, writing each string it keeps straight into the result's arena, where the full
 * path (classification in wire.c, then the decoder in message.c) builds a jansson DOM first.
 * It keeps message_id, contact, recipient and text, checks success, and skips any other key
 * whose value is a string, an integer, true, false or null. It gives exactly the result the
 * full path would give, or declines, and the full path then decides (and reports any
 * error). It declines: anything but one object followed by white space only; a nested
 * object or array anywhere (a group); success other than true; a repeated success,
 * message_id, contact, recipient or text (jansson keeps the last); one of those four with a
 * type other than string or null; no message_id where the call requires one; a real number
 * (jansson has its own overflow rules) or an integer jansson cannot hold; a NUL in a string
 * or a key (jansson refuses \u0000 without JSON_ALLOW_NUL); the bytes jansson refuses
 * (fastjson.c); a body over LOOPMSG__FASTJSON_MAX_BODY bytes; a failed allocation.
 * fuzz_response runs both paths on every input and compares them field by field.
 * Pure: no I/O; never includes curl.
 */
#include "message_int.h"

#include "alloc_int.h"
#include "fastjson_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* The keys read; every other key is skipped. */
enum { K_SUCCESS, K_MESSAGE_ID, K_CONTACT, K_RECIPIENT, K_TEXT, K_COUNT };
#define K_OTHER K_COUNT

static const struct {
    const char *name;
    size_t len;
} keys[K_COUNT] = {
    [K_SUCCESS] = {"success", 7}, [K_MESSAGE_ID] = {"message_id", 10},
    [K_CONTACT] = {"contact", 7}, [K_RECIPIENT] = {"recipient", 9},
    [K_TEXT] = {"text", 4},
};

enum { AT_START, IN_OBJECT, AT_END };

typedef struct fast {
    yajl_handle yajl;
    loopmsg_send_result *r;
    const char *body;
    size_t len;
    int state;
    int key;                    /* the key whose value comes next: K_* or K_OTHER */
    unsigned int seen;          /* bit k: keys[k] was there */
    const char *value[K_COUNT]; /* the strings kept, in r's arena; NULL: absent or null */
} fast;

/* Every value callback runs inside the top-level object only: a nested object or array is
 * declined where it starts. */

static int on_null(void *ctx)
{
    fast *f = ctx;
    /* null reads as absent (loopmsg__json_str); success:null passes classification, but
     * only true is taken here. */
    return f->state == IN_OBJECT && f->key != K_SUCCESS;
}

static int on_boolean(void *ctx, int value)
{
    fast *f = ctx;
    if (f->state != IN_OBJECT)
        return 0;
    if (f->key == K_SUCCESS)
        return value != 0; /* false is the API's error, reported by the full path */
    return f->key == K_OTHER;
}

static int on_number(void *ctx, const char *s, size_t n)
{
    fast *f = ctx;
    long long v;
    return f->state == IN_OBJECT && f->key == K_OTHER && loopmsg__fastjson_integer(s, n, &v);
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    fast *f = ctx;
    if (f->state != IN_OBJECT || f->key == K_SUCCESS || (n && memchr(s, '\0', n)))
        return 0;
    if (f->key == K_OTHER)
        return 1;
    /* Packed (alignment 1) in the space reserved for it: the block is zeroed, so the NUL is
     * there. */
    char *p = loopmsg__arena_alloc_aligned(f->r, n + 1, 1);
    if (!p)
        return 0;
    if (n)
        memcpy(p, s, n);
    f->value[f->key] = p;
    return 1;
}

static int on_start_map(void *ctx)
{
    fast *f = ctx;
    if (f->state != AT_START)
        return 0;
    f->state = IN_OBJECT;
    return 1;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t n)
{
    fast *f = ctx;
    if (f->state != IN_OBJECT || (n && memchr(key, '\0', n)))
        return 0;
    f->key = K_OTHER;
    for (int k = 0; k < K_COUNT; k++) {
        if (keys[k].len == n && memcmp(keys[k].name, key, n) == 0) {
            if (f->seen & (1u << k))
                return 0;
            f->seen |= 1u << k;
            f->key = k;
            break;
        }
    }
    return 1;
}

static int on_end_map(void *ctx)
{
    fast *f = ctx;
    if (f->state != IN_OBJECT || !loopmsg__fastjson_rest_blank(f->yajl, f->body, f->len))
        return 0;
    f->state = AT_END;
    return 1;
}

static int on_start_array(void *ctx)
{
    (void)ctx;
    return 0;
}

static const yajl_callbacks callbacks = {
    on_null,      on_boolean, NULL,       NULL,           on_number, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, NULL,
};

bool loopmsg__send_decode_fast(void **out, const char *raw, size_t raw_len, bool require_id)
{
    if (!raw || raw_len == 0 || raw_len > LOOPMSG__FASTJSON_MAX_BODY ||
        !loopmsg__fastjson_acceptable(raw, raw_len))
        return false;
    fast f;
    memset(&f, 0, sizeof f);
    f.body = raw;
    f.len = raw_len;
    /* One block for the result: the copy of the body, and the strings kept, each shorter
     * than its quoted spelling in the body (a key is read once) with its NUL. */
    f.r = loopmsg__arena_new_with(sizeof *f.r, 2 * raw_len + 1);
    if (!f.r)
        return false;
    loopmsg__fastjson_scratch mem;
    f.yajl = loopmsg__fastjson_open(&mem, &callbacks, &f);
    bool ok = f.yajl && yajl_parse(f.yajl, (const unsigned char *)raw, raw_len) == yajl_status_ok &&
              yajl_complete_parse(f.yajl) == yajl_status_ok && f.state == AT_END;
    if (f.yajl)
        yajl_free(f.yajl);
    loopmsg_send_result *r = f.r;
    char *copy = ok && (!require_id || f.value[K_MESSAGE_ID])
                     ? loopmsg__arena_alloc_aligned(r, raw_len + 1, 1)
                     : NULL;
    if (!copy) {
        loopmsg__arena_free(r);
        return false;
    }
    memcpy(copy, raw, raw_len);
    r->raw = copy;
    r->raw_len = raw_len;
    r->message_id = f.value[K_MESSAGE_ID];
    /* As decode_send_common: contact, else recipient (the voice answers' name). */
    r->contact = f.value[K_CONTACT] ? f.value[K_CONTACT] : f.value[K_RECIPIENT];
    r->text = f.value[K_TEXT];
    *out = r;
    return true;
}
