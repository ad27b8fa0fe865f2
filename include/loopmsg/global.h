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
 * @defgroup global Initialisation and memory
 * @brief Process-wide initialisation, the allocator hooks and loopmsg_free().
 * @{
 */

/**
 * Allocator hooks. They cover the SDK's own allocations only: libcurl's and jansson's
 * global allocators are never changed on the application's behalf. The three functions
 * must all be set, behave as malloc, realloc and free do, and be thread-safe (the library
 * allocates on every thread that uses it).
 * @since 0.1
 */
typedef struct loopmsg_allocator {
    /** As malloc(); `ctx` is the ctx member. */
    void *(*malloc_fn)(size_t size, void *ctx);
    /** As realloc(); `ctx` is the ctx member. */
    void *(*realloc_fn)(void *ptr, size_t size, void *ctx);
    /** As free(); never called with NULL. */
    void (*free_fn)(void *ptr, void *ctx);
    /** Passed to each function; may be NULL. */
    void *ctx;
} loopmsg_allocator;

/**
 * Initialise the library (reference-counted). Calls curl_global_init() the first time.
 * Optional: loopmsg_client_new() initialises on demand, but a multi-threaded program
 * should call this once from its main thread first, before other threads use the library
 * (curl_global_init() is not thread-safe everywhere).
 *
 * @param[in] alloc  Allocator for the SDK's own memory, copied; NULL = libc. Only the
 *                   first (outermost) call may set it, and only before the library was
 *                   initialised on demand by loopmsg_client_new() (LOOPMSG_E_STATE after).
 * @return the number of active initialisations (> 0), or a negative loopmsg_status:
 *         LOOPMSG_E_INVALID_ARG when alloc lacks one of its three functions,
 *         LOOPMSG_E_STATE as said above, LOOPMSG_E_INTERNAL when curl_global_init() fails.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD int loopmsg_global_init(const loopmsg_allocator *alloc);

/**
 * Undo one loopmsg_global_init(). The last one calls curl_global_cleanup() and restores
 * the libc allocator: free every client and result first. A call with no initialisation
 * active does nothing. Same threading rule as loopmsg_global_init().
 * @return the number of initialisations still active (0 after the last one).
 * @since 0.1
 */
LOOPMSG_API int loopmsg_global_cleanup(void);

/**
 * Free a raw buffer the library returned for the caller to free with this function (for
 * example the response of loopmsg_emulator_control()), with the allocator in force.
 * Results that have their own `_free` function must be freed with that one instead.
 * Thread-safe.
 * @param[in] ptr  The buffer; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_free(void *ptr);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_GLOBAL_H */
