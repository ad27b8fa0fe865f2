/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/global.h
 * @brief Process-wide initialisation and the allocator hooks for the SDK's own memory.
 */
#ifndef LOOPMSG_GLOBAL_H
#define LOOPMSG_GLOBAL_H

#include "common.h"

LOOPMSG_BEGIN_DECL

/**
 * Allocator hooks. They cover the SDK's own allocations only: libcurl's and jansson's
 * global allocators are never changed on the application's behalf.
 * @since 0.1
 */
typedef struct loopmsg_allocator {
    void *(*malloc_fn)(size_t size, void *ctx);
    void *(*realloc_fn)(void *ptr, size_t size, void *ctx);
    void (*free_fn)(void *ptr, void *ctx);
    void *ctx;
} loopmsg_allocator;

/**
 * Initialise the library (reference-counted). Calls curl_global_init() the first time.
 * Optional: loopmsg_client_new() initialises on demand, but a multi-threaded program
 * should call this once from its main thread first. Not thread-safe.
 *
 * @param[in] alloc  Allocator for the SDK's own memory, copied; NULL = libc. Only the
 *                   first (outermost) call may set it, and only before the library was
 *                   initialised on demand by loopmsg_client_new() (LOOPMSG_E_STATE after).
 * @return the number of active initialisations (> 0), or a negative loopmsg_status.
 * @since 0.1
 */
LOOPMSG_API int loopmsg_global_init(const loopmsg_allocator *alloc);

/**
 * Undo one loopmsg_global_init(). The last one calls curl_global_cleanup() and restores
 * the libc allocator. Returns the number of initialisations still active.
 * @since 0.1
 */
LOOPMSG_API int loopmsg_global_cleanup(void);

/** Free a raw buffer returned by the library. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_free(void *ptr);

LOOPMSG_END_DECL

#endif /* LOOPMSG_GLOBAL_H */
