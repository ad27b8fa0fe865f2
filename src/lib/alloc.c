/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: the result arena. Pure: no I/O, no curl. The allocation entry points and the byte
 * buffer it builds on are the utility layer's (src/util).
 */
#include "alloc_int.h"

#include <stdint.h>
#include <string.h>

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

void *loopmsg__arena_new_with(size_t root_size, size_t space)
{
    if (root_size > SIZE_MAX - HDR - _Alignof(max_align_t) ||
        space > SIZE_MAX - HDR - ALIGN_UP(root_size))
        return NULL;
    size_t root = ALIGN_UP(root_size);
    char *h = loopmsg__malloc(HDR + root + space);
    if (!h)
        return NULL;
    memset(h, 0, HDR + root);
    arena_head *head = (arena_head *)(void *)h;
    head->cur = h + HDR + root;
    head->end = head->cur + space;
    return h + HDR;
}

void *loopmsg__arena_new(size_t root_size)
{
    return loopmsg__arena_new_with(root_size, FIRST_SPACE);
}

/* Link a new block of `size` usable bytes (max_align_t-aligned) into the arena. */
static char *new_block(arena_head *head, size_t size)
{
    char *b = loopmsg__malloc(LINK + size);
    if (!b)
        return NULL;
    arena_link *link = (arena_link *)(void *)b;
    link->next = head->chunks;
    head->chunks = link;
    return b + LINK;
}

void *loopmsg__arena_alloc_aligned(void *root, size_t size, size_t align)
{
    arena_head *head = HEAD_OF(root);
    if (size > SIZE_MAX - LINK - CHUNK)
        return NULL;
    size_t need = size ? size : 1;
    size_t left = (size_t)(head->end - head->cur);
    size_t pad = (align - ((uintptr_t)head->cur & (align - 1))) & (align - 1);
    if (left < need || pad > left - need) {
        /* A new chunk; an allocation larger than half a chunk gets a block of its own and
         * leaves the current chunk as it is. */
        if (need > CHUNK / 2) {
            char *b = new_block(head, need);
            if (b)
                memset(b, 0, need);
            return b;
        }
        char *b = new_block(head, CHUNK);
        if (!b)
            return NULL;
        head->cur = b;
        head->end = b + CHUNK;
        pad = 0;
    }
    char *p = head->cur + pad;
    head->cur = p + need;
    memset(p, 0, need);
    return p;
}

void *loopmsg__arena_alloc(void *root, size_t size)
{
    if (size > SIZE_MAX - LINK - CHUNK)
        return NULL;
    return loopmsg__arena_alloc_aligned(root, ALIGN_UP(size ? size : 1), _Alignof(max_align_t));
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
