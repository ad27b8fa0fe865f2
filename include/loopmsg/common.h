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

/**
 * @defgroup common Common macros
 * @brief Symbol export, attributes, C++ linkage and the initialiser of versioned structs.
 *
 * Included by every header. Applications use LOOPMSG_STATIC (define it when linking the
 * static library on Windows) and, through the `LOOPMSG_..._INIT` macros,
 * LOOPMSG_STRUCT_INIT; the others decorate the declarations.
 * @{
 */

/**
 * @def LOOPMSG_API
 * Marks a public function as exported from the shared library: `visibility("default")`
 * with GCC and Clang (the library is built with hidden visibility, so only `loopmsg_*`
 * functions are exported), `__declspec(dllexport)` / `__declspec(dllimport)` on Windows
 * unless LOOPMSG_STATIC is defined, nothing elsewhere.
 * @since 0.1
 *
 * @def LOOPMSG_NODISCARD
 * Marks a function whose result must not be ignored (`warn_unused_result` with GCC and
 * Clang; nothing elsewhere). Every function that returns a loopmsg_status carries it, as do
 * those returning an int that is a negative loopmsg_status on failure
 * (loopmsg_client_poll(), loopmsg_global_init(), loopmsg_webhook_dispatch()). With GCC a
 * `(void)` cast does not silence it: use the result.
 * @since 0.1
 *
 * @def LOOPMSG_DEPRECATED
 * Marks a declaration as deprecated, with `msg` (a string literal naming the replacement)
 * in the compiler's warning (GCC and Clang; nothing elsewhere).
 * @since 0.1
 *
 * @def LOOPMSG_BEGIN_DECL
 * Opens the declarations of a header: `extern "C" {` in C++, nothing in C.
 * @since 0.1
 *
 * @def LOOPMSG_END_DECL
 * Closes what LOOPMSG_BEGIN_DECL opened: `}` in C++, nothing in C.
 * @since 0.1
 *
 * @def LOOPMSG_STRUCT_INIT
 * Initialiser of a versioned parameter struct: its first member, `version`, set to
 * `version_macro` (the struct's `LOOPMSG_..._VERSION`), every other field zero.
 * Designated in C (no -Wmissing-field-initializers noise), positional in C++. Every
 * `LOOPMSG_..._INIT` macro expands to it.
 * @since 0.1
 */

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

/** @} */

#endif /* LOOPMSG_COMMON_H */
