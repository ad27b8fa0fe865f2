/* SPDX-License-Identifier: MIT */
/*
 * jsonw.h: a small JSON writer into one reused buffer, for output that is written once per
 * row (send-bulk's result lines and journal lines): no allocation per line once the buffer
 * has grown to the longest line. Objects, strings, integers, booleans; nothing is parsed.
 */
#ifndef LOOPMSG_CLI_JSONW_H
#define LOOPMSG_CLI_JSONW_H

#include "util_int.h"

#include <stddef.h>

/* The line is out.ptr/out.len (the utility layer's buffer, through the SDK's allocator, so
 * a zeroed writer is a ready one); when !loopmsg__buf_ok(&out) a growth failed: the line is
 * incomplete, do not write it. */
typedef struct cli_jw {
    loopmsg__buf out;
    unsigned int nested; /* bit k: the object at depth k has a member already */
    unsigned int depth;
} cli_jw;

#define CLI_JW_INIT                                                                                \
    {                                                                                              \
        {NULL, 0, 0, 0, 0}, 0, 0                                                                   \
    }

/* Forget the line (keep the buffer). */
void cli_jw_reset(cli_jw *w);
/* Free the buffer; accepts a writer set to CLI_JW_INIT. */
void cli_jw_clear(cli_jw *w);
/* '{', or "key":{ when key is not NULL (inside an object). At most 30 levels. */
void cli_jw_begin(cli_jw *w, const char *key);
void cli_jw_end(cli_jw *w);
/* Members of the object being written. A NULL string value writes nothing. */
void cli_jw_str(cli_jw *w, const char *key, const char *value);
void cli_jw_int(cli_jw *w, const char *key, long long value);
void cli_jw_bool(cli_jw *w, const char *key, int value);
/* Raw bytes (a newline after a line). */
void cli_jw_raw(cli_jw *w, const char *bytes, size_t len);

/*
 * A JSON string literal of s (quotes included), escaped as jansson writes it: \" \\ \b \f \n
 * \r \t, other control characters as \u00XX, everything else as it is. A byte that is not
 * part of valid UTF-8 is written as \uFFFD, so the output is always valid JSON.
 */
void cli_jw_quote(cli_jw *w, const char *s);

#endif
