/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/version.h
 * @brief Compile-time and run-time version of libloopmsg.
 */
#ifndef LOOPMSG_VERSION_H
#define LOOPMSG_VERSION_H

#include "common.h"

/**
 * @defgroup version Version
 * @brief The version of the headers (macros) and of the linked library (functions).
 * @{
 */

/** Major version of these headers. @since 0.1 */
#define LOOPMSG_VERSION_MAJOR 0
/** Minor version of these headers. @since 0.1 */
#define LOOPMSG_VERSION_MINOR 2
/** Patch version of these headers. @since 0.1 */
#define LOOPMSG_VERSION_PATCH 0
/** Version of these headers as a string literal, "MAJOR.MINOR.PATCH". @since 0.1 */
#define LOOPMSG_VERSION "0.2.0"
/** Version of these headers as one number: (MAJOR << 16) | (MINOR << 8) | PATCH. @since 0.1 */
#define LOOPMSG_VERSION_NUM                                                                        \
    ((LOOPMSG_VERSION_MAJOR << 16) | (LOOPMSG_VERSION_MINOR << 8) | LOOPMSG_VERSION_PATCH)
/**
 * True (in `#if` too) when these headers are version x.y.z or later: for code that must
 * compile against several versions.
 * @since 0.1
 */
#define LOOPMSG_VERSION_AT_LEAST(x, y, z) (LOOPMSG_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

LOOPMSG_BEGIN_DECL

/**
 * The version number of the linked library, as LOOPMSG_VERSION_NUM.
 * Compare with the header's LOOPMSG_VERSION_NUM to detect a mismatch. Thread-safe.
 * @return (MAJOR << 16) | (MINOR << 8) | PATCH of the library.
 * @since 0.1
 */
LOOPMSG_API unsigned int loopmsg_version_num(void);

/**
 * The version of the linked library as a string, e.g. "0.2.0". Thread-safe.
 * @return a static string, never NULL; not to be freed.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_version_string(void);

LOOPMSG_END_DECL

/** @} */

#endif /* LOOPMSG_VERSION_H */
