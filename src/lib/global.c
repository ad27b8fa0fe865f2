/* SPDX-License-Identifier: MIT */
/*
 * global.c: reference-counted process initialisation (curl_global_init), which installs the
 * allocator hooks (kept by the utility layer, src/util/alloc.c). Never touches curl's or
 * jansson's own allocators.
 */
#include "global_int.h"
#include "util_int.h"
#include "loopmsg/error.h"
#include "loopmsg/version.h"

#include <curl/curl.h>
#include <pthread.h>

static int init_count;
static int implicit_init;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

int loopmsg_global_init(const loopmsg_allocator *alloc)
{
    pthread_mutex_lock(&init_lock);
    int rc;
    if (init_count == 0) {
        if (alloc && (!alloc->malloc_fn || !alloc->realloc_fn || !alloc->free_fn)) {
            rc = LOOPMSG_E_INVALID_ARG;
            goto out;
        }
        if (alloc && implicit_init) {
            /* A client made before this call may still hold libc memory. */
            rc = LOOPMSG_E_STATE;
            goto out;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            rc = LOOPMSG_E_INTERNAL;
            goto out;
        }
        loopmsg__allocator_set(alloc);
    } else if (alloc) {
        /* The allocator cannot change while memory from the old one may be live. */
        rc = LOOPMSG_E_STATE;
        goto out;
    }
    rc = ++init_count;
out:
    pthread_mutex_unlock(&init_lock);
    return rc;
}

int loopmsg_global_cleanup(void)
{
    pthread_mutex_lock(&init_lock);
    if (init_count > 0 && --init_count == 0) {
        curl_global_cleanup();
        loopmsg__allocator_set(NULL);
    }
    int rc = init_count;
    pthread_mutex_unlock(&init_lock);
    return rc;
}

int loopmsg__global_ensure(void)
{
    /* Initialised on demand once and never cleaned up implicitly: libcurl keeps global
     * state that outlives clients, and curl_global_init is itself reference-counted. */
    pthread_mutex_lock(&init_lock);
    int rc = 0;
    if (init_count == 0 && !implicit_init) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            rc = LOOPMSG_E_INTERNAL;
        else
            implicit_init = 1;
    }
    pthread_mutex_unlock(&init_lock);
    return rc;
}

void loopmsg_free(void *ptr)
{
    loopmsg__free(ptr);
}

unsigned int loopmsg_version_num(void)
{
    return LOOPMSG_VERSION_NUM;
}

const char *loopmsg_version_string(void)
{
    return LOOPMSG_VERSION;
}
