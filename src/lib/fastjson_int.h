/* SPDX-License-Identifier: MIT */
/*
 * fastjson_int.h: what the yajl fast paths share (webhook_fast.c for webhook bodies,
 * send_fast.c for the send answers): the bytes yajl accepts and jansson refuses, found
 * before parsing; the integer tokens jansson reads; the check that only white space follows
 * the top-level object; and yajl's memory, a block on the stack that cannot fail. A fast path
 * built on these reads a body exactly as jansson would, or declines it. Pure: no I/O.
 */
#ifndef LOOPMSG_FASTJSON_INT_H
#define LOOPMSG_FASTJSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_parse.h>

/* The largest body the scratch block below is sized for: a fast path declines longer ones
 * (it may choose a smaller limit of its own). */
#define LOOPMSG__FASTJSON_MAX_BODY 4000u

/* False when yajl would accept what jansson refuses: \v or \f (white space to yajl only),
 * bytes that are not strictly UTF-8 (yajl checks the shape of a sequence, not overlong
 * forms, surrogates or the range), and a \u escape of a surrogate that is not a high one
 * followed by a low one (yajl makes '?' or a wrong character of it). It does not look for
 * a NUL in a decoded string or key: each fast path checks those on its own terms. */
bool loopmsg__fastjson_acceptable(const char *body, size_t len);

/* True when the JSON number token s (n bytes, as yajl passes it) is an integer that jansson
 * reads as a json_int_t (jansson refuses one that overflows); its value into *out. False for
 * a real: its overflow rules are jansson's own, so a fast path declines them. */
bool loopmsg__fastjson_integer(const char *s, size_t n, long long *out);

/* Called from the end_map callback of the top-level object: true when only JSON white space
 * follows it in body (len bytes). yajl takes an unterminated string after the object for
 * input still to come, and then for nothing at the end, so the rest is checked here. */
bool loopmsg__fastjson_rest_blank(yajl_handle h, const char *body, size_t len);

/* yajl's memory for one parse of a body of at most LOOPMSG__FASTJSON_MAX_BODY bytes. Large
 * (12 KiB): it lives on the caller's stack for the duration of one parse. */
#define LOOPMSG__FASTJSON_SCRATCH_BYTES 12288u
typedef struct loopmsg__fastjson_scratch {
    size_t used;
    _Alignas(max_align_t) unsigned char buf[LOOPMSG__FASTJSON_SCRATCH_BYTES];
} loopmsg__fastjson_scratch;

/* A yajl handle (default options) whose allocations come from *s, for one parse; free it
 * with yajl_free before s goes out of scope. */
yajl_handle loopmsg__fastjson_open(loopmsg__fastjson_scratch *s, const yajl_callbacks *callbacks,
                                   void *ctx);

#endif
