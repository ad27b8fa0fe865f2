/* SPDX-License-Identifier: MIT */
/*
 * alloc_int.h: the result arena: every library-allocated result is one root object whose
 * strings and arrays hang off it and are freed by one call. The allocation entry points
 * (loopmsg__malloc and friends, which honour loopmsg_global_init's hooks) and the byte buffer
 * are the utility layer's; this header brings them in.
 */
#ifndef LOOPMSG_ALLOC_INT_H
#define LOOPMSG_ALLOC_INT_H

#include "util_int.h"

#include <stddef.h>

/* Result arena. loopmsg__arena_new returns a zeroed root object of root_size bytes; further
 * allocations tied to it live until loopmsg__arena_free(root). Allocation failure returns
 * NULL. */
void *loopmsg__arena_new(size_t root_size);
void *loopmsg__arena_alloc(void *root, size_t size);    /* zeroed */
char *loopmsg__arena_strdup(void *root, const char *s); /* NULL in, NULL out */
char *loopmsg__arena_strndup(void *root, const char *s, size_t n);
void loopmsg__arena_free(void *root); /* NULL ok */

#endif
