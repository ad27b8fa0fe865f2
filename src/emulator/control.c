/* SPDX-License-Identifier: MIT */
/*
 * control.c: the client side of the emulator's /__sandbox/ control plane, for a process that
 * talks to an emulator running elsewhere (`loopmsg sandbox inject` and friends). One
 * blocking libcurl easy request per call, no retries and no Authorization header. Unlike
 * the rest of the emulator it runs on the caller's side, so what it hands back is allocated
 * with the SDK's allocator (the caller frees it with loopmsg_free()). It never touches a
 * loopmsg_emulator object.
 */
#include "emulator_int.h"

#include "global_int.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define CONTROL_PREFIX          "/__sandbox/"
#define CONTROL_CONNECT_TIMEOUT 10000L
#define CONTROL_TIMEOUT         30000L
/* Control answers are small; the request log is the largest. */
#define CONTROL_MAX_RESPONSE (64u * 1024u * 1024u)

static const char *const endpoints[] = {"inject", "trigger", "faults", "requests",
                                        "reset",  "script",  "health"};

/* The endpoint name without prefix and trailing slash, if it is a known one. */
static const char *known_endpoint(const char *endpoint)
{
    if (strncmp(endpoint, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0)
        endpoint += strlen(CONTROL_PREFIX);
    size_t n = strcspn(endpoint, "/");
    if (endpoint[n] == '/' && endpoint[n + 1] != '\0')
        return NULL;
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (strlen(endpoints[i]) == n && strncmp(endpoints[i], endpoint, n) == 0)
            return endpoints[i];
    return NULL;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *user_data)
{
    loopmsg__buf *b = user_data;
    size_t n = size * nmemb;
    if (b->len + n > CONTROL_MAX_RESPONSE)
        return 0;
    loopmsg__buf_append(b, ptr, n);
    return loopmsg__buf_ok(b) ? n : 0;
}

/* A non-2xx answer: keep the emulator's own words ({"code", "message"}) when it sent them. */
static loopmsg_status http_error(loopmsg_error *err, long status, const char *body, size_t len,
                                 const char *name)
{
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    const json_t *code = json_object_get(j, "code");
    if (!code)
        code = json_object_get(j, "error_code");
    const char *message = json_string_value(json_object_get(j, "message"));
    int api_code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
    loopmsg_status st = api_code        ? LOOPMSG_E_API
                        : status == 404 ? LOOPMSG_E_NOT_FOUND
                                        : LOOPMSG_E_HTTP;
    if (message && api_code)
        loopmsg__error_set(err, st, "sandbox %s: %s (HTTP %ld, code %d)", name, message, status,
                           api_code);
    else if (message)
        loopmsg__error_set(err, st, "sandbox %s: %s (HTTP %ld)", name, message, status);
    else
        loopmsg__error_set(err, st, "sandbox %s: HTTP %ld (is this a loopmsg sandbox?)", name,
                           status);
    if (err) {
        err->http_status = (int)status;
        err->api_code = api_code;
        err->attempts = 1;
    }
    json_decref(j);
    return st;
}

loopmsg_status loopmsg_emulator_control(const char *base_url, const char *endpoint,
                                        const char *json_body, char **response_out,
                                        loopmsg_error *err)
{
    loopmsg__error_ok(err);
    if (response_out)
        *response_out = NULL;
    if (!base_url || !*base_url)
        base_url = getenv("LOOP_BASE_URL");
    if (!base_url || !*base_url)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "no sandbox URL: pass base_url or set LOOP_BASE_URL");
    if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "sandbox URL must start with http:// or https://");
    const char *name = endpoint ? known_endpoint(endpoint) : NULL;
    if (!name)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "unknown sandbox control endpoint \"%s\"",
                                  endpoint ? endpoint : "(null)");
    if (loopmsg__global_ensure() != 0)
        return loopmsg__error_set(err, LOOPMSG_E_INTERNAL, "curl_global_init failed");

    size_t base_len = strlen(base_url);
    while (base_len > 0 && base_url[base_len - 1] == '/')
        base_len--;
    loopmsg__buf url = {0};
    loopmsg__buf_append(&url, base_url, base_len);
    loopmsg__buf_printf(&url, "%s%s", CONTROL_PREFIX, name);
    loopmsg__buf body = {0};
    CURL *h = loopmsg__buf_ok(&url) && loopmsg__buf_ok(&body) ? curl_easy_init() : NULL;
    struct curl_slist *headers = NULL;
    if (h && json_body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        struct curl_slist *h2 = headers ? curl_slist_append(headers, "Expect:") : NULL;
        if (!h2) {
            curl_slist_free_all(headers);
            headers = NULL;
        }
    }
    if (!h || (json_body && !headers)) {
        curl_easy_cleanup(h);
        curl_slist_free_all(headers);
        loopmsg__buf_clear(&url);
        loopmsg__buf_clear(&body);
        return loopmsg__error_nomem(err);
    }

    curl_easy_setopt(h, CURLOPT_URL, url.ptr);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONTROL_CONNECT_TIMEOUT);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CONTROL_TIMEOUT);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libloopmsg-sandbox-control");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    /* The control plane is local by design: never go through a proxy from the environment. */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    /* A sandbox serving HTTPS with its own CA: the same trust variables as the client. */
    const char *ca_bundle = getenv("LOOP_CA_BUNDLE");
    const char *ca_path = getenv("LOOP_CA_PATH");
    if ((ca_bundle && *ca_bundle) || (ca_path && *ca_path)) {
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_bundle && *ca_bundle ? ca_bundle : NULL);
        curl_easy_setopt(h, CURLOPT_CAPATH, ca_path && *ca_path ? ca_path : NULL);
    }
    if (json_body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    }
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    long request_size = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);

    loopmsg_status st = LOOPMSG_OK;
    if (!loopmsg__buf_ok(&body)) {
        st = loopmsg__error_nomem(err); /* the answer could not be stored */
    } else if (cc != CURLE_OK) {
        st = cc == CURLE_OPERATION_TIMEDOUT ? LOOPMSG_E_TIMEOUT : LOOPMSG_E_TRANSPORT;
        loopmsg__error_set(err, st, "sandbox %s: could not reach the sandbox at %s: %s", name,
                           url.ptr, curl_easy_strerror(cc));
        if (err) {
            err->transport_code = (int)cc;
            err->flags = request_size > 0 ? LOOPMSG_ERRF_SENT : 0;
            err->attempts = request_size > 0 ? 1 : 0;
        }
    } else if (status < 200 || status > 299) {
        st = http_error(err, status, body.ptr, body.len, name);
    } else if (err) {
        err->http_status = (int)status;
        err->attempts = 1;
    }
    loopmsg__buf_clear(&url);
    if (st == LOOPMSG_OK && response_out) {
        *response_out = loopmsg__buf_detach(&body);
        if (!*response_out)
            st = loopmsg__error_nomem(err);
    } else {
        loopmsg__buf_clear(&body);
    }
    return st;
}
