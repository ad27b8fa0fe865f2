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
/* loopmsg__arena_new with `space` bytes for the allocations that follow in the same block:
 * a result whose size is known up front costs one malloc. */
void *loopmsg__arena_new_with(size_t root_size, size_t space);
void *loopmsg__arena_alloc(void *root, size_t size); /* zeroed */
/* Zeroed, aligned to `align` (a power of two, at most _Alignof(max_align_t)) rather than to
 * max_align_t: strings packed with align 1 waste nothing. */
void *loopmsg__arena_alloc_aligned(void *root, size_t size, size_t align);
char *loopmsg__arena_strdup(void *root, const char *s); /* NULL in, NULL out */
char *loopmsg__arena_strndup(void *root, const char *s, size_t n);
void loopmsg__arena_free(void *root); /* NULL ok */

#endif
