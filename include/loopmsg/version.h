/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/version.h
 * @brief Compile-time and run-time version of libloopmsg.
 */
#ifndef LOOPMSG_VERSION_H
#define LOOPMSG_VERSION_H

#include "common.h"

#define LOOPMSG_VERSION_MAJOR 0
#define LOOPMSG_VERSION_MINOR 1
#define LOOPMSG_VERSION_PATCH 0
#define LOOPMSG_VERSION       "0.1.0"
#define LOOPMSG_VERSION_NUM                                                                        \
    ((LOOPMSG_VERSION_MAJOR << 16) | (LOOPMSG_VERSION_MINOR << 8) | LOOPMSG_VERSION_PATCH)
#define LOOPMSG_VERSION_AT_LEAST(x, y, z) (LOOPMSG_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

LOOPMSG_BEGIN_DECL

/**
 * The version number of the linked library, as LOOPMSG_VERSION_NUM.
 * Compare with the header's LOOPMSG_VERSION_NUM to detect a mismatch.
 * @since 0.1
 */
LOOPMSG_API unsigned int loopmsg_version_num(void);

/**
 * The version of the linked library as a static string, e.g. "0.1.0". Never NULL.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_version_string(void);

LOOPMSG_END_DECL

#endif /* LOOPMSG_VERSION_H */
