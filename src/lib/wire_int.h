/* SPDX-License-Identifier: MIT */
/*
 * wire_int.h: pure conversions between bytes and structs: response classification into
 * result JSON or a loopmsg_error, URL escaping, UTF-8 checks and JSON field readers.
 * Nothing here does I/O or includes curl.
 */
#ifndef LOOPMSG_WIRE_INT_H
#define LOOPMSG_WIRE_INT_H

#include "loopmsg/error.h"
#include "alloc_int.h"

#include <jansson.h>
#include <stdbool.h>

/* Classify a complete HTTP response.
 *   op_name       prefix for the error message ("send")
 *   is_post       the request was a POST (non-idempotent: gateways make it ambiguous)
 *   http_status   the status code
 *   body/len      the body (need not be NUL-terminated)
 *   retry_after_ms  parsed Retry-After (0 if none)
 *   secret        NULL, or the API key: masked in any excerpt of the body the message quotes
 * On a 2xx success returns LOOPMSG_OK and *json_out holds the parsed body (NULL for an empty
 * body), owned by the caller. Otherwise returns the error status with err filled in
 * (http_status, api_code, flags, retry_after_ms, message) and *json_out NULL. */
loopmsg_status loopmsg__wire_classify(const char *op_name, bool is_post, int http_status,
                                      const char *body, size_t len, unsigned int retry_after_ms,
                                      const char *secret, json_t **json_out, loopmsg_error *err);

/* As loopmsg__wire_classify; lookup: the answer of a LoopLookup method, whose codes are
 * read with LoopLookup's own table (error.c). */
loopmsg_status loopmsg__wire_classify_ex(const char *op_name, bool is_post, int http_status,
                                         const char *body, size_t len, unsigned int retry_after_ms,
                                         const char *secret, bool lookup, json_t **json_out,
                                         loopmsg_error *err);

/* Parse a Retry-After header value (seconds or an HTTP date relative to now_epoch_s);
 * returns milliseconds, 0 if absent or malformed, capped at one day. */
unsigned int loopmsg__wire_retry_after(const char *value, long long now_epoch_s);

/* Append s to b percent-encoding everything but RFC 3986 unreserved characters. */
void loopmsg__url_escape(loopmsg__buf *b, const char *s);

/* Build "prefix" + escaped(segment) + "/" as a new string (NULL on OOM). */
char *loopmsg__path_with_segment(const char *prefix, const char *segment);

/* UTF-8: true if s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF); counts code
 * points into *chars_out when non-NULL. */
bool loopmsg__utf8_valid(const char *s, size_t len, size_t *chars_out);

/* Overwrite with '*' every place in s[0..len) that spells secret: as it is, or with any of
 * its characters written as a JSON escape (\u002d or \u002D for '-', \/ for '/', a surrogate
 * pair). A secret of any length, even one character, is masked wherever it stands, so text
 * that merely holds the same characters is masked too (accepted: keys that short are not
 * real keys). cut: s was cut short at len, and a possible start of secret at its very end is
 * masked as well. */
void loopmsg__mask_secret(char *s, size_t len, const char *secret, size_t secret_len, bool cut);

/* Copy at most max visible characters of an untrusted text into dst (size dst_size),
 * replacing control bytes and invalid UTF-8 with '?', adding "..." when cut. */
void loopmsg__sanitize_excerpt(char *dst, size_t dst_size, const char *src, size_t len, size_t max);

/* JSON readers for decoders: a string field copied into the arena of `root_obj`, or NULL
 * when absent or null. *type_error is set to the field name when the field exists with the
 * wrong type (so decoders can report E_PROTOCOL), and to loopmsg__json_nomem when the copy
 * could not be allocated (so that a field is never silently dropped). */
extern const char loopmsg__json_nomem[];
const char *loopmsg__json_str(void *arena_root, json_t *obj, const char *key,
                              const char **type_error);
int loopmsg__json_int(json_t *obj, const char *key, int fallback, const char **type_error);

/* Decoder helpers shared by endpoint modules. */
loopmsg_status loopmsg__decode_fail(loopmsg_error *err, const char *op, const char *what);
/* The error for a decoder whose readers set `bad`: E_NOMEM for loopmsg__json_nomem, else
 * loopmsg__decode_fail(err, op, what). */
loopmsg_status loopmsg__decode_bad(loopmsg_error *err, const char *op, const char *bad,
                                   const char *what);

/* The checks that end the decoder of one object: the copy of the raw body was made (E_NOMEM),
 * no field had the wrong type (loopmsg__decode_bad), its id is there (E_PROTOCOL "op:
 * malformed response: id is missing"). The caller frees its result on failure. */
loopmsg_status loopmsg__decode_check(loopmsg_error *err, const char *op, const char *raw_copy,
                                     const char *bad, const char *id);

/* Decode a sender object (list item or details) into a loopmsg_sender at dst. */
loopmsg_status loopmsg__decode_sender(void *root, json_t *o, void *dst, const char **bad);

#endif
