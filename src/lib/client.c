/* SPDX-License-Identifier: MIT */
/*
 * client.c: client construction from options and the environment (key trimming, base URL
 * normalisation, the loopback-only rule for http://), and teardown with the key wiped.
 * No I/O here: the engine (engine.c) owns every transfer.
 */
#include "client_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "global_int.h"
#include "loopmsg/version.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/* True when host (without port) is loopback: localhost, 127.0.0.0/8, ::1. Only these may be
 * reached over plain http://. */
static bool host_is_loopback(const char *host, size_t len)
{
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (len == 5 && memcmp(host, "[::1]", 5) == 0)
        return true;
    if (len >= 4 && memcmp(host, "127.", 4) == 0) {
        /* Dotted quad only: "127.evil.com" must not pass. */
        int dots = 0, digits = 0;
        for (size_t i = 0; i < len; i++) {
            if (host[i] == '.') {
                if (!digits)
                    return false;
                dots++;
                digits = 0;
            } else if (host[i] >= '0' && host[i] <= '9') {
                if (++digits > 3)
                    return false;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }
    return false;
}

static loopmsg_status check_url(const char *field, const char *url, loopmsg_error *err)
{
    const char *rest;
    bool https = strncasecmp(url, "https://", 8) == 0;
    if (https)
        rest = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: must start with https:// (got \"%.60s\")", field, url);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F || *p == '?' || *p == '#')
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: must not contain spaces, control characters, "
                                      "a query or a fragment",
                                      field);
    size_t hostlen = strcspn(rest, "/");
    const char *host = rest;
    if (memchr(host, '@', hostlen))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: must not contain credentials",
                                  field);
    /* Strip the port: the last ':' outside an IPv6 literal. */
    size_t h = hostlen;
    if (host[0] == '[') {
        const char *close = memchr(host, ']', hostlen);
        if (!close)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: bad IPv6 host", field);
        h = (size_t)(close - host) + 1;
    } else {
        const char *colon = memchr(host, ':', hostlen);
        if (colon)
            h = (size_t)(colon - host);
    }
    if (h == 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: no host in \"%.60s\"", field,
                                  url);
    if (!https && !host_is_loopback(host, h))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: plaintext http:// is only allowed to a loopback "
                                  "host (127.0.0.1, ::1, localhost); use https://",
                                  field);
    return LOOPMSG_OK;
}

/* Trim a key and check it; on success key and len give the trimmed span of the string. */
static loopmsg_status trim_key(const char *field, const char **key, size_t *len, loopmsg_error *err)
{
    const char *k = *key;
    while (is_space(*k))
        k++;
    size_t n = strlen(k);
    while (n && is_space(k[n - 1]))
        n--;
    if (n == 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: is blank", field);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x20 || k[i] == 0x7F)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: contains control characters",
                                      field);
    *key = k;
    *len = n;
    return LOOPMSG_OK;
}

/* "Authorization: <key>" (NULL on OOM). */
static char *auth_line(const char *key, size_t len)
{
    loopmsg__buf b = {0};
    loopmsg__buf_puts(&b, "Authorization: ");
    loopmsg__buf_append(&b, key, len);
    return loopmsg__buf_detach(&b);
}

/* A secondary host (opt-in frontend, LoopLookup): env or default, trailing slashes removed,
 * the same plaintext rule as base_url. */
static loopmsg_status second_host(char **out, const char *given, const char *env,
                                  const char *fallback, const char *field, loopmsg_error *err)
{
    const char *v = given ? given : getenv(env);
    if (!v || !*v)
        v = fallback;
    *out = loopmsg__strdup(v);
    if (!*out)
        return loopmsg__error_nomem(err);
    size_t n = strlen(*out);
    while (n > 8 && (*out)[n - 1] == '/')
        (*out)[--n] = '\0';
    return check_url(field, *out, err);
}

static const char *env_or(const char *value, const char *name)
{
    if (value)
        return value;
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void client_destroy(loopmsg_client *c)
{
    if (c->api_key)
        loopmsg__wipe(c->api_key, c->api_key_len);
    if (c->auth_header)
        loopmsg__wipe(c->auth_header, strlen(c->auth_header));
    if (c->lookup_api_key)
        loopmsg__wipe(c->lookup_api_key, c->lookup_api_key_len);
    if (c->lookup_auth_header)
        loopmsg__wipe(c->lookup_auth_header, strlen(c->lookup_auth_header));
    loopmsg__free(c->api_key);
    loopmsg__free(c->auth_header);
    loopmsg__free(c->lookup_api_key);
    loopmsg__free(c->lookup_auth_header);
    loopmsg__free(c->lookup_base_url);
    loopmsg__free(c->base_url);
    loopmsg__free(c->optin_base_url);
    loopmsg__free(c->default_sender);
    loopmsg__free(c->ca_bundle_path);
    loopmsg__free(c->ca_path);
    if (c->proxy)
        loopmsg__wipe(c->proxy, strlen(c->proxy)); /* may hold proxy credentials */
    loopmsg__free(c->proxy);
    loopmsg__free(c->user_agent);
    loopmsg__wipe(c, sizeof *c);
    loopmsg__free(c);
}

loopmsg_status loopmsg_client_new(const loopmsg_client_options *opts, loopmsg_client **out,
                                  loopmsg_error *err)
{
    static const loopmsg_client_options defaults = LOOPMSG_CLIENT_OPTIONS_INIT;
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "client_new: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    loopmsg_status st =
        loopmsg__check_version(opts->version, LOOPMSG_CLIENT_OPTIONS_VERSION,
                               "loopmsg_client_options", "LOOPMSG_CLIENT_OPTIONS_INIT", err);
    if (st != LOOPMSG_OK)
        return st;
    if (loopmsg__global_ensure() != 0)
        return loopmsg__error_set(err, LOOPMSG_E_INTERNAL, "client_new: curl_global_init failed");

    /* Fields of version 3: an older caller's struct ends before them. */
    bool v3 = opts->version >= 3;
    const char *key = env_or(opts->api_key, "LOOP_API_KEY");
    const char *lkey = env_or(v3 ? opts->lookup_api_key : NULL, "LOOP_LOOKUP_API_KEY");
    if (!key && !lkey)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "api_key: required (set it in the options or LOOP_API_KEY)");
    size_t keylen = 0, lkeylen = 0;
    if (key && (st = trim_key("api_key", &key, &keylen, err)) != LOOPMSG_OK)
        return st;
    if (lkey && (st = trim_key("lookup_api_key", &lkey, &lkeylen, err)) != LOOPMSG_OK)
        return st;

    const char *base = env_or(opts->base_url, "LOOP_BASE_URL");
    if (!base)
        base = LOOPMSG_DEFAULT_BASE_URL;
    size_t baselen = strlen(base);
    const char *scheme_end = strstr(base, "://");
    size_t keep = scheme_end ? (size_t)(scheme_end - base) + 3 : 0; /* never eat "//" */
    while (baselen > keep && base[baselen - 1] == '/')
        baselen--;
    const char *sender = env_or(opts->default_sender, "LOOP_SENDER_ID");
    if (sender && has_ctl(sender))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "default_sender: contains control characters");
    /* Checked here: every body it goes into is JSON, which cannot carry it otherwise. */
    if (sender && !loopmsg__utf8_valid(sender, strlen(sender), NULL))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "default_sender: is not valid UTF-8");
    /* Fields of version 2 are read only from a struct that has them. */
    bool v2 = opts->version >= 2;
    const char *ca_bundle = env_or(opts->ca_bundle_path, "LOOP_CA_BUNDLE");
    const char *ca_path = env_or(v2 ? opts->ca_path : NULL, "LOOP_CA_PATH");
    const char *proxy = v2 ? opts->proxy : NULL;
    loopmsg_http_version http_version = v2 ? opts->http_version : LOOPMSG_HTTP_VERSION_AUTO;
    if ((unsigned int)http_version > LOOPMSG_HTTP_VERSION_2)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "http_version: unknown value %d",
                                  (int)http_version);
    if ((ca_bundle && has_ctl(ca_bundle)) || (ca_path && has_ctl(ca_path)))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "ca_bundle_path/ca_path: contains control characters");
    /* The proxy URL may carry credentials: never quote it. */
    if (proxy && has_ctl(proxy))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "proxy: contains control characters");
    if (opts->user_agent_suffix && has_ctl(opts->user_agent_suffix))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "user_agent_suffix: contains control characters");

    loopmsg_client *c = loopmsg__calloc(1, sizeof *c);
    if (!c)
        return loopmsg__error_nomem(err);
    c->base_url = loopmsg__strndup(base, baselen);
    if (!c->base_url) {
        client_destroy(c);
        return loopmsg__error_nomem(err);
    }
    st = check_url("base_url", c->base_url, err);
    if (st != LOOPMSG_OK) {
        client_destroy(c);
        return st;
    }
    /* The frontend opt-in method has its own host; the same plaintext rule holds, although no
     * key is sent there. So does LoopLookup's, which gets its own key. */
    st = second_host(&c->optin_base_url, NULL, "LOOP_OPTIN_BASE_URL",
                     LOOPMSG_DEFAULT_OPTIN_BASE_URL, "LOOP_OPTIN_BASE_URL", err);
    if (st == LOOPMSG_OK)
        st = second_host(&c->lookup_base_url, v3 ? opts->lookup_base_url : NULL,
                         "LOOP_LOOKUP_BASE_URL", LOOPMSG_DEFAULT_LOOKUP_BASE_URL,
                         v3 && opts->lookup_base_url ? "lookup_base_url" : "LOOP_LOOKUP_BASE_URL",
                         err);
    if (st != LOOPMSG_OK) {
        client_destroy(c);
        return st;
    }
    if (key) {
        c->api_key = loopmsg__strndup(key, keylen);
        c->api_key_len = keylen;
        c->auth_header = auth_line(key, keylen);
    }
    if (lkey) {
        c->lookup_api_key = loopmsg__strndup(lkey, lkeylen);
        c->lookup_api_key_len = lkeylen;
        c->lookup_auth_header = auth_line(lkey, lkeylen);
    }
    c->default_sender = loopmsg__strdup(sender);
    c->ca_bundle_path = loopmsg__strdup(ca_bundle);
    c->ca_path = loopmsg__strdup(ca_path);
    c->proxy = loopmsg__strdup(proxy);
    loopmsg__buf ua = {0};
    loopmsg__buf_puts(&ua, "libloopmsg/" LOOPMSG_VERSION);
    if (opts->user_agent_suffix && *opts->user_agent_suffix) {
        loopmsg__buf_putc(&ua, ' ');
        loopmsg__buf_puts(&ua, opts->user_agent_suffix);
    }
    c->user_agent = loopmsg__buf_detach(&ua);
    if ((key && (!c->api_key || !c->auth_header)) ||
        (lkey && (!c->lookup_api_key || !c->lookup_auth_header)) || !c->user_agent ||
        (sender && !c->default_sender) || (ca_bundle && !c->ca_bundle_path) ||
        (ca_path && !c->ca_path) || (proxy && !c->proxy)) {
        client_destroy(c);
        return loopmsg__error_nomem(err);
    }
    c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : LOOPMSG_DEFAULT_TIMEOUT_MS;
    c->connect_timeout_ms =
        opts->connect_timeout_ms ? opts->connect_timeout_ms : LOOPMSG_DEFAULT_CONNECT_TIMEOUT_MS;
    c->max_retries = opts->max_retries == 0  ? LOOPMSG_DEFAULT_RETRIES
                     : opts->max_retries < 0 ? 0
                                             : opts->max_retries;
    c->retry_delay_ms =
        opts->retry_delay_ms ? opts->retry_delay_ms : LOOPMSG_DEFAULT_RETRY_DELAY_MS;
    c->deadline_ms = opts->deadline_ms;
    c->retry_maybe_delivered = opts->retry_maybe_delivered;
    c->max_concurrent = opts->max_concurrent ? opts->max_concurrent : 16;
    c->max_connections = v2 ? opts->max_connections : 0; /* 0: the engine chooses */
    c->http_version = http_version;
    /* Below one request in 1000 s the token arithmetic would leave the range of a long. */
    c->rate_limit_per_second = opts->rate_limit_per_second <= 0      ? 0
                               : opts->rate_limit_per_second < 0.001 ? 0.001
                                                                     : opts->rate_limit_per_second;
    c->log_cb = opts->log_cb;
    c->log_user_data = opts->log_user_data;
    if (v3) {
        c->wire_cb = opts->wire_cb;
        c->wire_user_data = opts->wire_user_data;
        c->log_event_cb = opts->log_event_cb;
        c->log_event_user_data = opts->log_event_user_data;
    }
    c->rng_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)c ^ 0x9E3779B97F4A7C15ULL;
    if (!c->rng_state)
        c->rng_state = 1;

    st = loopmsg__engine_init(c, err);
    if (st != LOOPMSG_OK) {
        client_destroy(c);
        return st;
    }
    *out = c;
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

void loopmsg_client_free(loopmsg_client *client)
{
    if (!client)
        return;
    if (loopmsg__engine_in_callback(client)) {
        /* Freeing from a completion callback: finish after the dispatch loop returns. */
        loopmsg__engine_defer_free(client);
        return;
    }
    loopmsg__engine_free(client);
    client_destroy(client);
}

const char *loopmsg_client_base_url(const loopmsg_client *client)
{
    return client ? client->base_url : NULL;
}

const char *loopmsg_client_default_sender(const loopmsg_client *client)
{
    return client ? client->default_sender : NULL;
}

void loopmsg__client_set_random(loopmsg_client *c, double (*fn)(void *), void *user_data)
{
    c->random_fn = fn;
    c->random_user_data = user_data;
}
