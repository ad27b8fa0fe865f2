/* SPDX-License-Identifier: MIT */
/*
 * http_support.c: the tests' tiny HTTP client (http_support.h). libcurl's easy interface,
 * one handle per request; nothing of the SDK's engine, so that what reaches the server is
 * exactly what the test wrote.
 */
#include "http_support.h"

#include <stdio.h>
#include <string.h>

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

void ts_http(ts_http_res *r, const char *method, const char *url, const char *auth,
             const char *const *headers, const char *body, long timeout_ms)
{
    memset(r, 0, sizeof *r);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hdrs = NULL;
    char auth_line[512];
    if (auth) {
        snprintf(auth_line, sizeof auth_line, "Authorization: %s", auth);
        hdrs = curl_slist_append(hdrs, auth_line);
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    for (size_t i = 0; headers && headers[i]; i++)
        hdrs = curl_slist_append(hdrs, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    uint64_t t0 = ts_now_ms();
    r->rc = curl_easy_perform(h);
    r->elapsed_ms = (long)(ts_now_ms() - t0);
    if (r->rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

void ts_http_emu(ts_http_res *r, loopmsg_emulator *emu, const char *method, const char *path,
                 const char *auth, const char *body)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", loopmsg_emulator_url(emu), path);
    ts_http(r, method, url, auth, NULL, body, 0);
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
