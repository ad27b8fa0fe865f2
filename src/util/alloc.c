/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: the allocator hooks set by loopmsg_global_init and the allocation entry points
 * that honour them, plus libc string copies for the parts that never use the hooks. Pure:
 * no I/O.
 */
#include "util_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t size, void *ctx)
{
    (void)ctx;
    return malloc(size);
}

static void *libc_realloc(void *ptr, size_t size, void *ctx)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void libc_free(void *ptr, void *ctx)
{
    (void)ctx;
    free(ptr);
}

static const loopmsg_allocator libc_allocator = {libc_malloc, libc_realloc, libc_free, NULL};
static loopmsg_allocator current = {libc_malloc, libc_realloc, libc_free, NULL};

const loopmsg_allocator *loopmsg__allocator(void)
{
    return &current;
}

void loopmsg__allocator_set(const loopmsg_allocator *alloc)
{
    current = alloc ? *alloc : libc_allocator;
}

void *loopmsg__malloc(size_t size)
{
    return current.malloc_fn(size ? size : 1, current.ctx);
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
    return current.realloc_fn(ptr, size ? size : 1, current.ctx);
}

void loopmsg__free(void *ptr)
{
    if (ptr)
        current.free_fn(ptr, current.ctx);
}

static char *copy_into(char *d, const char *s, size_t n)
{
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *loopmsg__strndup(const char *s, size_t n)
{
    return s ? copy_into(loopmsg__malloc(n + 1), s, n) : NULL;
}

char *loopmsg__strdup(const char *s)
{
    return s ? loopmsg__strndup(s, strlen(s)) : NULL;
}

char *loopmsg__libc_strndup(const char *s, size_t n)
{
    return s ? copy_into(malloc(n + 1), s, n) : NULL;
}

char *loopmsg__libc_strdup(const char *s)
{
    return s ? loopmsg__libc_strndup(s, strlen(s)) : NULL;
}

void loopmsg__wipe(void *ptr, size_t len)
{
    volatile unsigned char *p = ptr;
    while (len--)
        *p++ = 0;
}
