/* SPDX-License-Identifier: MIT */
/*
 * init_int.h: the one definition of every `loopmsg_<struct>_init()` function, the callable
 * twin of a `LOOPMSG_<STRUCT>_INIT` macro for callers that cannot expand C macros (bindings
 * through an FFI). Each library defines the functions of its own structs with this macro.
 */
#ifndef LOOPMSG_INIT_INT_H
#define LOOPMSG_INIT_INT_H

#include "loopmsg/error.h"

#include <string.h>

/* The version must be the one the caller's header declares: a caller built against another
 * layout of the struct would have us write past its end. */
#define LOOPMSG__DEFINE_INIT(type, version_macro, init_macro)                                      \
    loopmsg_status type##_init(type *out, unsigned int version)                                    \
    {                                                                                              \
        if (out == NULL || version != (version_macro))                                             \
            return LOOPMSG_E_INVALID_ARG;                                                          \
        memset(out, 0, sizeof *out); /* padding too: callers may compare bytes */                  \
        *out = (type)init_macro;                                                                   \
        return LOOPMSG_OK;                                                                         \
    }

#endif
