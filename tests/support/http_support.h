/* SPDX-License-Identifier: MIT */
/*
 * http_support.h: a tiny HTTP client for tests that speak to the emulator (or any local
 * server) as a raw client would: one request with libcurl's easy interface, the status, the
 * body and the header block captured (capped), and small JSON readers for the answers.
 */
#ifndef LOOPMSG_HTTP_SUPPORT_H
#define LOOPMSG_HTTP_SUPPORT_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#include "test_support.h"

typedef struct ts_http_res {
    CURLcode rc;
    long status; /* 0 when rc is not CURLE_OK */
    char body[65536];
    size_t body_len;
    char headers[8192]; /* the header block as received, status line included */
    size_t headers_len;
    long elapsed_ms;
} ts_http_res;

/* One request on a new handle: method (GET, POST, ...) to url, with "Authorization: auth"
 * (none if NULL), the extra header lines in `headers` (NULL-terminated; may be NULL), a JSON
 * body (NULL: none) with Content-Type application/json and no "Expect: 100-continue", and
 * timeout_ms (0: 10 s). Fills *r; a transport error is left in r->rc, not asserted. */
void ts_http(ts_http_res *r, const char *method, const char *url, const char *auth,
             const char *const *headers, const char *body, long timeout_ms);

/* A request in full, for a test that needs more than ts_http: its own handle reused across
 * requests (keep-alive on one connection), a body with a length (binary, or "" sent as an
 * empty body), curl's default "Expect: 100-continue" for big bodies. HEAD asks for no body. */
typedef struct ts_http_req {
    CURL *handle; /* NULL: a new handle for this request only */
    const char *method;
    const char *url;
    const char *auth;           /* the Authorization value, or NULL */
    const char *const *headers; /* extra header lines, NULL-terminated; may be NULL */
    const char *body;           /* NULL: none */
    size_t body_len;            /* the length of body */
    int expect_100;             /* send "Expect: 100-continue" instead of suppressing it */
    long timeout_ms;            /* 0: 10 s */
} ts_http_req;
void ts_http_do(ts_http_res *r, const ts_http_req *q);

/* The value of the first header `name` (case-insensitive) in r->headers, surrounding blanks
 * trimmed, into out (truncated to size); "" when absent. Returns out. */
const char *ts_http_header(const ts_http_res *r, const char *name, char *out, size_t size);

/* The CURLOPT_WRITEFUNCTION that fills a ts_http_res's body (CURLOPT_WRITEDATA: the
 * ts_http_res), for a test that drives its own handle. */
size_t ts_http_on_body(char *p, size_t size, size_t n, void *ud);

/* ts_http to loopmsg_emulator_url(emu) + path. */
void ts_http_emu(ts_http_res *r, loopmsg_emulator *emu, const char *method, const char *path,
                 const char *auth, const char *body);

/* Percent-decode enc (to its end) into out, truncated to size bytes. Returns out. */
char *ts_percent_decode(const char *enc, char *out, size_t size);

/* The body as JSON (fails the test if it is not). Caller decrefs. */
json_t *ts_http_json(const ts_http_res *r);

/* Members of a JSON object: a string (NULL if absent or not a string), an integer (0). */
const char *ts_jstr(const json_t *j, const char *key);
long ts_jint(const json_t *j, const char *key);

#endif
