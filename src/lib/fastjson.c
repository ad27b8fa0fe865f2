/* SPDX-License-Identifier: MIT */
/*
 * fastjson.c: the pieces the yajl fast paths share (fastjson_int.h): the checks that make
 * yajl read a body as jansson reads it, and yajl's scratch memory. Pure: no I/O; never
 * includes curl or jansson.
 */
#include "fastjson_int.h"

#include "wire_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The \uXXXX escape at s (n bytes available), or -1. */
static long unicode_escape(const char *s, size_t n)
{
    if (n < 6 || s[0] != '\\' || s[1] != 'u')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int d = loopmsg__hex_value(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Escapes are walked two bytes at a time so that an escaped backslash is not taken for the
 * start of another. */
bool loopmsg__fastjson_acceptable(const char *body, size_t len)
{
    if (memchr(body, '\v', len) || memchr(body, '\f', len) || !loopmsg__utf8_valid(body, len, NULL))
        return false;
    const char *end = body + len;
    for (const char *p = memchr(body, '\\', len); p; p = memchr(p, '\\', (size_t)(end - p))) {
        if (end - p < 2)
            return false;
        if (p[1] != 'u') {
            p += 2;
            continue;
        }
        long u = unicode_escape(p, (size_t)(end - p));
        if (u < 0)
            return false;
        p += 6;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return false;
        if (u >= 0xD800 && u <= 0xDBFF) {
            long lo = unicode_escape(p, (size_t)(end - p));
            if (lo < 0xDC00 || lo > 0xDFFF)
                return false;
            p += 6;
        }
    }
    return true;
}

bool loopmsg__fastjson_integer(const char *s, size_t n, long long *out)
{
    char buf[32];
    if (n >= sizeof buf || memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno)
        return false;
    *out = v;
    return true;
}

bool loopmsg__fastjson_rest_blank(yajl_handle h, const char *body, size_t len)
{
    for (size_t i = yajl_get_bytes_consumed(h); i < len; i++)
        if (!body[i] || !strchr(" \t\n\r", body[i]))
            return false;
    return true;
}

/* yajl does not check its allocations (a NULL would crash it), so it gets memory that
 * cannot fail: the caller's scratch block, sized for a body of LOOPMSG__FASTJSON_MAX_BODY
 * bytes. What yajl takes for one parse: the handle, the lexer and two buffer structs, and a
 * state stack that stays at its first 128 bytes (the fast paths decline nesting before yajl
 * pushes more), under 1 KiB with the block heads; the decode buffer (a string with escapes),
 * 2 KiB, grown to 4 KiB by a longer string (the 2 KiB block is not reclaimed); and the lexer
 * buffer (a token cut at the end of the input), likewise 2 KiB or 4 KiB. Both long strings
 * come from the same body, so at most one of the two buffers grows: 8 KiB plus the structs.
 * Should the block ever run out, libc takes over (as for jansson, whose allocations the
 * library's hooks do not reach either), and only a libc that cannot give a few KiB ends the
 * process. */
#define SCRATCH_ALIGN _Alignof(max_align_t)

/* Each block starts with its size, for realloc. */
typedef union block_head {
    size_t size;
    max_align_t align;
} block_head;

static bool in_scratch(const loopmsg__fastjson_scratch *s, const void *p)
{
    return (const unsigned char *)p >= s->buf &&
           (const unsigned char *)p < s->buf + LOOPMSG__FASTJSON_SCRATCH_BYTES;
}

static void *y_malloc(void *ctx, size_t n)
{
    loopmsg__fastjson_scratch *s = ctx;
    size_t need = sizeof(block_head) + (n + SCRATCH_ALIGN - 1) / SCRATCH_ALIGN * SCRATCH_ALIGN;
    if (n < LOOPMSG__FASTJSON_SCRATCH_BYTES && need <= LOOPMSG__FASTJSON_SCRATCH_BYTES - s->used) {
        block_head *h = (block_head *)(void *)(s->buf + s->used);
        s->used += need;
        h->size = n;
        return h + 1;
    }
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void *y_realloc(void *ctx, void *p, size_t n)
{
    loopmsg__fastjson_scratch *s = ctx;
    if (!p)
        return y_malloc(ctx, n);
    if (!in_scratch(s, p)) {
        void *q = realloc(p, n ? n : 1);
        if (!q)
            abort();
        return q;
    }
    size_t old = ((block_head *)p - 1)->size;
    void *q = y_malloc(ctx, n);
    memcpy(q, p, old < n ? old : n);
    return q;
}

static void y_free(void *ctx, void *p)
{
    if (p && !in_scratch(ctx, p))
        free(p);
}

yajl_handle loopmsg__fastjson_open(loopmsg__fastjson_scratch *s, const yajl_callbacks *callbacks,
                                   void *ctx)
{
    s->used = 0;
    /* yajl keeps a copy of the functions: af need not outlive this call. */
    yajl_alloc_funcs af = {y_malloc, y_realloc, y_free, s};
    return yajl_alloc(callbacks, &af, ctx);
}
