/* SPDX-License-Identifier: MIT */
/*
 * http_support.c: the tests' tiny HTTP client (http_support.h). libcurl's easy interface,
 * one handle per request unless the test brings its own; nothing of the SDK's engine, so that
 * what reaches the server is exactly what the test wrote.
 */
#include "http_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t append_capped(char *dst, size_t cap, size_t *len, const char *p, size_t n)
{
    size_t room = cap - 1 - *len;
    size_t take = n < room ? n : room;
    memcpy(dst + *len, p, take);
    *len += take;
    dst[*len] = '\0';
    return n;
}

size_t ts_http_on_body(char *p, size_t size, size_t n, void *ud)
{
    ts_http_res *r = ud;
    return append_capped(r->body, sizeof r->body, &r->body_len, p, size * n);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    ts_http_res *r = ud;
    return append_capped(r->headers, sizeof r->headers, &r->headers_len, p, size * n);
}

void ts_http_do(ts_http_res *r, const ts_http_req *q)
{
    memset(r, 0, sizeof *r);
    CURL *h = q->handle ? q->handle : curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hdrs = NULL;
    char auth_line[512];
    if (q->auth) {
        snprintf(auth_line, sizeof auth_line, "Authorization: %s", q->auth);
        hdrs = curl_slist_append(hdrs, auth_line);
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, q->expect_100 ? "Expect: 100-continue" : "Expect:");
    for (size_t i = 0; q->headers && q->headers[i]; i++)
        hdrs = curl_slist_append(hdrs, q->headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, q->url);
    /* A reused handle keeps the last request's settings: NOBODY first (turning it off after a
     * HEAD makes a GET), then the body or HTTPGET to drop the last one, then the method. */
    curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(q->method, "HEAD") == 0 ? 1L : 0L);
    if (q->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    uint64_t t0 = ts_now_ms();
    r->rc = curl_easy_perform(h);
    r->elapsed_ms = (long)(ts_now_ms() - t0);
    if (r->rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    /* The handle must not point at the list (or at r) once they are gone. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (!q->handle)
        curl_easy_cleanup(h);
}

void ts_http(ts_http_res *r, const char *method, const char *url, const char *auth,
             const char *const *headers, const char *body, long timeout_ms)
{
    ts_http_req q = {.method = method,
                     .url = url,
                     .auth = auth,
                     .headers = headers,
                     .body = body,
                     .body_len = body ? strlen(body) : 0,
                     .timeout_ms = timeout_ms};
    ts_http_do(r, &q);
}

const char *ts_http_header(const ts_http_res *r, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    out[0] = '\0';
    for (const char *line = r->headers; *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1, *e = line + len;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            size_t n = (size_t)(e - v) < size - 1 ? (size_t)(e - v) : size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        line += len + (eol != NULL);
    }
    return out;
}

void ts_http_emu(ts_http_res *r, loopmsg_emulator *emu, const char *method, const char *path,
                 const char *auth, const char *body)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", loopmsg_emulator_url(emu), path);
    ts_http(r, method, url, auth, NULL, body, 0);
}

char *ts_percent_decode(const char *enc, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = enc; *p && o + 1 < size; p++) {
        if (p[0] == '%' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

json_t *ts_http_json(const ts_http_res *r)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (!j)
        fail_msg("response body is not JSON: %s (%s)", r->body, e.text);
    return j;
}

const char *ts_jstr(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

long ts_jint(const json_t *j, const char *key)
{
    return (long)json_integer_value(json_object_get(j, key));
}
