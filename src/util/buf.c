/* SPDX-License-Identifier: MIT */
/*
 * buf.c: the growable byte buffer, with the SDK's allocator or with libc. Pure: no I/O.
 */
#include "util_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *buf_realloc(const loopmsg__buf *b, void *p, size_t size)
{
    return b->libc ? realloc(p, size) : loopmsg__realloc(p, size);
}

static void buf_free(const loopmsg__buf *b, void *p)
{
    if (b->libc)
        free(p);
    else
        loopmsg__free(p);
}

static int buf_grow(loopmsg__buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = buf_realloc(b, b->ptr, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->ptr = p;
    b->cap = cap;
    return 1;
}

void loopmsg__buf_append(loopmsg__buf *b, const char *data, size_t len)
{
    if (!buf_grow(b, len))
        return;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

char *loopmsg__buf_reserve(loopmsg__buf *b, size_t more)
{
    return buf_grow(b, more) ? b->ptr + b->len : NULL;
}

void loopmsg__buf_commit(loopmsg__buf *b, size_t n)
{
    if (b->failed || !b->ptr)
        return;
    b->len += n;
    b->ptr[b->len] = '\0';
}

void loopmsg__buf_puts(loopmsg__buf *b, const char *s)
{
    loopmsg__buf_append(b, s, strlen(s));
}

void loopmsg__buf_putc(loopmsg__buf *b, char c)
{
    loopmsg__buf_append(b, &c, 1);
}

void loopmsg__buf_printf(loopmsg__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
    } else if ((size_t)n < sizeof small) {
        loopmsg__buf_append(b, small, (size_t)n);
    } else if (buf_grow(b, (size_t)n)) {
        vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

int loopmsg__buf_ok(const loopmsg__buf *b)
{
    return !b->failed;
}

void loopmsg__buf_reset(loopmsg__buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

static void buf_empty(loopmsg__buf *b)
{
    int libc = b->libc;
    memset(b, 0, sizeof *b);
    b->libc = libc;
}

void loopmsg__buf_clear(loopmsg__buf *b)
{
    buf_free(b, b->ptr);
    buf_empty(b);
}

char *loopmsg__buf_detach(loopmsg__buf *b)
{
    char *p = NULL;
    if (!b->failed) {
        if (!b->ptr)
            loopmsg__buf_append(b, "", 0);
        p = b->failed ? NULL : b->ptr;
    }
    if (!p)
        buf_free(b, b->ptr);
    buf_empty(b);
    return p;
}
