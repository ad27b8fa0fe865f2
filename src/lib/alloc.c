/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: allocation hooks, the byte buffer and the result arena. Pure: no I/O, no curl.
 */
#include "alloc_int.h"
#include "global_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void *loopmsg__malloc(size_t size)
{
    const loopmsg_allocator *a = loopmsg__allocator();
    return a->malloc_fn(size ? size : 1, a->ctx);
}

void *loopmsg__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = loopmsg__malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *loopmsg__realloc(void *ptr, size_t size)
{
    const loopmsg_allocator *a = loopmsg__allocator();
    return a->realloc_fn(ptr, size ? size : 1, a->ctx);
}

void loopmsg__free(void *ptr)
{
    if (ptr) {
        const loopmsg_allocator *a = loopmsg__allocator();
        a->free_fn(ptr, a->ctx);
    }
}

char *loopmsg__strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = loopmsg__malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *loopmsg__strdup(const char *s)
{
    return s ? loopmsg__strndup(s, strlen(s)) : NULL;
}

void loopmsg__wipe(void *ptr, size_t len)
{
    volatile unsigned char *p = ptr;
    while (len--)
        *p++ = 0;
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
    char *p = loopmsg__realloc(b->ptr, cap);
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

void loopmsg__buf_clear(loopmsg__buf *b)
{
    loopmsg__free(b->ptr);
    memset(b, 0, sizeof *b);
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
        loopmsg__free(b->ptr);
    memset(b, 0, sizeof *b);
    return p;
}

/* The arena: the root object follows a small header at a max_align_t boundary, so the root
 * pointer alone finds the arena. Small allocations are carved from the space after the root
 * and then from 1 KiB chunks (most results need a single malloc); each chunk, and each
 * allocation too large for one, is linked into a list that loopmsg__arena_free walks. */
typedef struct arena_link {
    struct arena_link *next;
} arena_link;

typedef struct arena_head {
    arena_link *chunks;
    char *cur;
    char *end;
} arena_head;

#define ALIGN_UP(n)                                                                                \
    (((n) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t))
#define HDR           ALIGN_UP(sizeof(arena_head))
#define LINK          ALIGN_UP(sizeof(arena_link))
#define HEAD_OF(root) ((arena_head *)(void *)((char *)(root)-HDR))
#define FIRST_SPACE   384u
#define CHUNK         1024u

void *loopmsg__arena_new(size_t root_size)
{
    if (root_size > SIZE_MAX - HDR - FIRST_SPACE)
        return NULL;
    size_t root = ALIGN_UP(root_size);
    char *h = loopmsg__malloc(HDR + root + FIRST_SPACE);
    if (!h)
        return NULL;
    memset(h, 0, HDR + root);
    arena_head *head = (arena_head *)(void *)h;
    head->cur = h + HDR + root;
    head->end = head->cur + FIRST_SPACE;
    return h + HDR;
}

void *loopmsg__arena_alloc(void *root, size_t size)
{
    arena_head *head = HEAD_OF(root);
    if (size > SIZE_MAX - LINK - CHUNK)
        return NULL;
    size_t need = ALIGN_UP(size ? size : 1);
    if ((size_t)(head->end - head->cur) < need) {
        /* A new chunk; an allocation larger than a chunk gets a block of its own and leaves
         * the current chunk as it is. */
        size_t chunk = need > CHUNK / 2 ? need : CHUNK;
        char *b = loopmsg__malloc(LINK + chunk);
        if (!b)
            return NULL;
        arena_link *link = (arena_link *)(void *)b;
        link->next = head->chunks;
        head->chunks = link;
        if (chunk != need) {
            head->cur = b + LINK;
            head->end = head->cur + chunk;
        } else {
            memset(b + LINK, 0, need);
            return b + LINK;
        }
    }
    char *p = head->cur;
    head->cur += need;
    memset(p, 0, need);
    return p;
}

char *loopmsg__arena_strndup(void *root, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = loopmsg__arena_alloc(root, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *loopmsg__arena_strdup(void *root, const char *s)
{
    return s ? loopmsg__arena_strndup(root, s, strlen(s)) : NULL;
}

void loopmsg__arena_free(void *root)
{
    if (!root)
        return;
    arena_head *head = HEAD_OF(root);
    arena_link *b = head->chunks;
    while (b) {
        arena_link *next = b->next;
        loopmsg__free(b);
        b = next;
    }
    loopmsg__free(head);
}
