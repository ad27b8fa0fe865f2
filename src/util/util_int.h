/* SPDX-License-Identifier: MIT */
/*
 * util_int.h: the one internal utility layer that every part of the tree links (the core,
 * the webhook receiver, the Redis library, the emulator and the CLI): the allocation
 * entry points and the allocator hooks, the growable byte buffer, clocks, filling a
 * loopmsg_error, formatting a log line, hex digits.
 *
 * It is a static library (loopmsg_util) built with hidden visibility and linked privately
 * into each shared library, so none of these symbols is ever exported. It depends on no other
 * part of the tree: only on the public headers' types and on libc.
 *
 * Allocation: the loopmsg__malloc family honours the hooks given to loopmsg_global_init. In
 * libloopmsg.so the hooks are the user's; a shared library that links its own copy of this
 * layer (libloopmsg_webhook, libloopmsg_redis) sees libc there, so those parts and the
 * emulator allocate with libc explicitly (plain malloc, LOOPMSG__BUF_LIBC, loopmsg__libc_*).
 */
#ifndef LOOPMSG_UTIL_INT_H
#define LOOPMSG_UTIL_INT_H

#include "loopmsg/error.h"
#include "loopmsg/global.h"
#include "loopmsg/client.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- alloc.c: the SDK's allocator ------------------------------------------------------ */

/* The hooks in force (libc until loopmsg_global_init installs others). */
const loopmsg_allocator *loopmsg__allocator(void);
/* Install hooks; NULL restores libc. Called by loopmsg_global_init / _cleanup only. */
void loopmsg__allocator_set(const loopmsg_allocator *alloc);

void *loopmsg__malloc(size_t size);
void *loopmsg__calloc(size_t n, size_t size); /* overflow-checked, zeroed */
void *loopmsg__realloc(void *ptr, size_t size);
void loopmsg__free(void *ptr);
char *loopmsg__strdup(const char *s); /* NULL in, NULL out */
char *loopmsg__strndup(const char *s, size_t n);

/* The same copies with libc malloc (free with free()): for the parts that never use the
 * SDK's hooks. NULL in, NULL out; NULL on ENOMEM. */
char *loopmsg__libc_strdup(const char *s);
char *loopmsg__libc_strndup(const char *s, size_t n);

/* Overwrite memory so that the compiler cannot elide it (used for secrets). */
void loopmsg__wipe(void *ptr, size_t len);

/* ---- buf.c: the growable byte buffer --------------------------------------------------- */

/* Growable NUL-terminated buffer. Zero-initialised, it allocates with the SDK's allocator;
 * initialised with LOOPMSG__BUF_LIBC, with libc malloc (the emulator's memory). Free with
 * loopmsg__buf_clear. On an allocation failure the buffer goes into a failed state and every
 * later append is a no-op; check with loopmsg__buf_ok before using ptr. */
typedef struct loopmsg__buf {
    char *ptr;
    size_t len;
    size_t cap;
    int failed;
    int libc; /* allocate with libc instead of the SDK's hooks */
} loopmsg__buf;

#define LOOPMSG__BUF_LIBC                                                                          \
    {                                                                                              \
        NULL, 0, 0, 0, 1                                                                           \
    }

void loopmsg__buf_append(loopmsg__buf *b, const char *data, size_t len);
void loopmsg__buf_puts(loopmsg__buf *b, const char *s);
void loopmsg__buf_putc(loopmsg__buf *b, char c);
void loopmsg__buf_printf(loopmsg__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int loopmsg__buf_ok(const loopmsg__buf *b);
void loopmsg__buf_reset(loopmsg__buf *b); /* len = 0, keeps the memory */
void loopmsg__buf_clear(loopmsg__buf *b); /* frees; keeps the allocator choice */
/* The string, owned by the caller (free it as the buffer allocated it: loopmsg__free, or
 * free() for a libc buffer); "" for an empty buffer; NULL if failed. The buffer is empty
 * afterwards, with the same allocator choice. */
char *loopmsg__buf_detach(loopmsg__buf *b);
/* Room for `more` bytes (and a NUL) at the end: where to write them, or NULL when the buffer
 * is failed or growing failed. Then loopmsg__buf_commit(b, n) with the n <= more written. */
char *loopmsg__buf_reserve(loopmsg__buf *b, size_t more);
void loopmsg__buf_commit(loopmsg__buf *b, size_t n);

/* ---- file.c ------------------------------------------------------------------------------ */

/* Append everything fd gives until end of file to out (read() resumed after EINTR). 0, or -1
 * with errno: a read error, ENOMEM, or EFBIG when more than max bytes came (out failed). */
int loopmsg__read_fd(int fd, size_t max, loopmsg__buf *out);

/* ---- clock.c ---------------------------------------------------------------------------- */

/* Monotonic clock in milliseconds (for intervals and deadlines). */
uint64_t loopmsg__mono_ms(void);
/* Sleep ms milliseconds (resumed after a signal handler ran). For pacing only; tests and
 * waits for a condition use a condition variable or poll() instead. */
void loopmsg__sleep_ms(uint64_t ms);
/* Wall clock in milliseconds since the epoch. */
int64_t loopmsg__wall_ms(void);
/* The monotonic time ms from now, for pthread_cond_timedwait on a condition variable made
 * with loopmsg__cond_init_mono. */
void loopmsg__mono_deadline(struct timespec *out, uint64_t ms);
/* pthread_cond_init with CLOCK_MONOTONIC. 0 or an errno value. */
int loopmsg__cond_init_mono(pthread_cond_t *cond);

/* ---- error.c: a caller's loopmsg_error, a log line --------------------------------------- */

/* Reset err to "success" (all fields zero, empty message). NULL ok. */
void loopmsg__error_ok(loopmsg_error *err);

/* Set status and a printf-style message (truncated to fit); other fields are zeroed.
 * Returns status, so that `return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, ...)` works.
 * NULL err is fine. */
loopmsg_status loopmsg__error_set(loopmsg_error *err, loopmsg_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shorthand for an allocation failure ("out of memory"). */
loopmsg_status loopmsg__error_nomem(loopmsg_error *err);

/* Check a parameter struct's version: 0 or above `current` is an E_INVALID_ARG naming the
 * struct and its INIT macro. */
loopmsg_status loopmsg__check_version(unsigned int version, unsigned int current,
                                      const char *type_name, const char *init_macro,
                                      loopmsg_error *err);

/* The longest log line handed to a loopmsg_log_cb (with the NUL), by every part. */
#define LOOPMSG__LOG_LINE_SIZE 1024

/* The one log-line formatter: format into line, cut at LOOPMSG__LOG_LINE_SIZE - 1 bytes,
 * trailing CR/LF removed. Returns the length; *cut tells whether the text was cut. */
size_t loopmsg__log_format(char line[LOOPMSG__LOG_LINE_SIZE], bool *cut, const char *fmt,
                           va_list ap) __attribute__((format(printf, 3, 0)));

/* Format a line (cut at LOOPMSG__LOG_LINE_SIZE - 1 bytes, trailing CR/LF removed) and hand
 * it to cb; nothing when cb is NULL. The client's own log (engine.c) formats with
 * loopmsg__log_format and masks the key before its callback;
 * the receiver and the Redis library use this as it is. */
void loopmsg__log_line(loopmsg_log_cb cb, void *user_data, loopmsg_log_level level, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
void loopmsg__log_vline(loopmsg_log_cb cb, void *user_data, loopmsg_log_level level,
                        const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* ---- text.c ------------------------------------------------------------------------------ */

/* The value of a hex digit (either case), or -1. */
int loopmsg__hex_value(char c);

/* The length of the valid UTF-8 sequence that starts at s (n bytes left) with a byte >= 0x80,
 * or 0. Valid is what jansson accepts: no overlong form, no surrogate, nothing past U+10FFFF.
 * The one UTF-8 rule of the project (loopmsg__utf8_valid is built on it). */
size_t loopmsg__utf8_seq_len(const char *s, size_t n);

/* Append s (n bytes) as a JSON string literal, quotes included, escaped exactly as jansson's
 * json_dumpb writes a valid UTF-8 string with JSON_COMPACT alone: \" \\ \b \f \n \r \t, other
 * bytes below 0x20 as \u00XX (upper-case hex), everything else ('/', 0x7F, UTF-8) as it is.
 * A byte that is not part of valid UTF-8 (what jansson refuses) is written as \uFFFD, so the
 * output is always valid JSON; returns how many such bytes there were. A growth failure
 * leaves b failed (check loopmsg__buf_ok). */
size_t loopmsg__buf_json_quote(loopmsg__buf *b, const char *s, size_t n);

#endif
