/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/common.h
 * @brief Export, attribute and linkage macros shared by every libloopmsg header.
 */
#ifndef LOOPMSG_COMMON_H
#define LOOPMSG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(LOOPMSG_STATIC)
#if defined(LOOPMSG_BUILDING)
#define LOOPMSG_API __declspec(dllexport)
#else
#define LOOPMSG_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define LOOPMSG_API __attribute__((visibility("default")))
#else
#define LOOPMSG_API
#endif

#if defined(__GNUC__)
#define LOOPMSG_NODISCARD       __attribute__((warn_unused_result))
#define LOOPMSG_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define LOOPMSG_NODISCARD
#define LOOPMSG_DEPRECATED(msg)
#endif

#ifdef __cplusplus
#define LOOPMSG_BEGIN_DECL extern "C" {
#define LOOPMSG_END_DECL   }
#else
#define LOOPMSG_BEGIN_DECL
#define LOOPMSG_END_DECL
#endif

/* Initialiser of a versioned parameter struct: the version set, every other field zero.
 * Designated in C (no -Wmissing-field-initializers noise), positional in C++. */
#ifdef __cplusplus
#define LOOPMSG_STRUCT_INIT(version_macro)                                                         \
    {                                                                                              \
        version_macro                                                                              \
    }
#else
#define LOOPMSG_STRUCT_INIT(version_macro)                                                         \
    {                                                                                              \
        .version = (version_macro)                                                                 \
    }
#endif

#endif /* LOOPMSG_COMMON_H */
