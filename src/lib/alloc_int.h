/* SPDX-License-Identifier: MIT */
/*
 * alloc_int.h: the SDK's allocation entry points (they honour loopmsg_global_init's hooks),
 * a growable byte buffer, and the result arena: every library-allocated result is one root
 * object whose strings and arrays hang off it and are freed by one call.
 */
#ifndef LOOPMSG_ALLOC_INT_H
#define LOOPMSG_ALLOC_INT_H

#include <stdarg.h>
#include <stddef.h>

void *loopmsg__malloc(size_t size);
void *loopmsg__calloc(size_t n, size_t size); /* overflow-checked, zeroed */
void *loopmsg__realloc(void *ptr, size_t size);
void loopmsg__free(void *ptr);
char *loopmsg__strdup(const char *s); /* NULL in, NULL out */
char *loopmsg__strndup(const char *s, size_t n);

/* Overwrite memory so that the compiler cannot elide it (used for the API key). */
void loopmsg__wipe(void *ptr, size_t len);

/* Growable NUL-terminated buffer. Zero-initialise; free with loopmsg__buf_clear. On an
 * allocation failure the buffer goes into a failed state and every later append is a no-op;
 * check with loopmsg__buf_ok before using ptr. */
typedef struct loopmsg__buf {
    char *ptr;
    size_t len;
    size_t cap;
    int failed;
} loopmsg__buf;

void loopmsg__buf_append(loopmsg__buf *b, const char *data, size_t len);
void loopmsg__buf_puts(loopmsg__buf *b, const char *s);
void loopmsg__buf_putc(loopmsg__buf *b, char c);
void loopmsg__buf_printf(loopmsg__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int loopmsg__buf_ok(const loopmsg__buf *b);
void loopmsg__buf_reset(loopmsg__buf *b);   /* len = 0, keeps the memory */
void loopmsg__buf_clear(loopmsg__buf *b);   /* frees */
char *loopmsg__buf_detach(loopmsg__buf *b); /* caller owns; NULL if failed */

/* Result arena. loopmsg__arena_new returns a zeroed root object of root_size bytes; further
 * allocations tied to it live until loopmsg__arena_free(root). Allocation failure returns
 * NULL. */
void *loopmsg__arena_new(size_t root_size);
void *loopmsg__arena_alloc(void *root, size_t size);    /* zeroed */
char *loopmsg__arena_strdup(void *root, const char *s); /* NULL in, NULL out */
char *loopmsg__arena_strndup(void *root, const char *s, size_t n);
void loopmsg__arena_free(void *root); /* NULL ok */

#endif
