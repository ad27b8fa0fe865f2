/* SPDX-License-Identifier: MIT */
/*
 * engine.c: the one I/O engine of a client, over libcurl's multi interface. It queues
 * requests, starts attempts (respecting max_concurrent, a client-side rate limit and a
 * host-wide pause after Retry-After), drives curl, classifies each finished attempt through
 * wire.c, applies the retry rules (error.c's table of codes says which are resent), and
 * completes requests either to a blocking caller (loopmsg__call: the engine plus a loop) or
 * to an async callback (only from poll/run/free, never from the submitting call).
 *
 * Endpoint modules never include curl; adding an endpoint never touches this file.
 */
#include "client_int.h"
#include "cork_int.h"
#include "wire_int.h"
#include "error_int.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE_BYTES (8u * 1024u * 1024u)
#define H2_STREAMS_ASSUMED 100

typedef enum { REQ_QUEUED, REQ_RUNNING, REQ_DONE } req_state;

typedef struct req_list {
    loopmsg__request *head, *tail;
    size_t count;
} req_list;

struct loopmsg__request {
    loopmsg__request *prev, *next;
    loopmsg_client *client;
    uint64_t id;
    const loopmsg__op *op;
    char *url;
    char *body;
    size_t body_len;
    CURL *easy;
    loopmsg__buf resp;
    char retry_after[64];
    char curl_errbuf[CURL_ERROR_SIZE];
    unsigned int attempts;
    unsigned int sends; /* times libcurl was about to send this attempt's request */
    bool wire_refused;  /* the wire callback stopped this attempt before it was sent */
    uint64_t not_before_ms;
    uint64_t deadline_at_ms; /* 0 = none */
    uint64_t attempt_started_ms;
    uint64_t attempt_ms; /* how long the last finished attempt took */
    req_state state;
    loopmsg_status status;
    loopmsg_error err;
    void *result;
    loopmsg__done_cb cb;
    loopmsg__fn user_fn;
    void *user_data;
    loopmsg__finish_cb on_finish;
    void *finish_ctx;
};

struct loopmsg_engine {
    CURLM *multi;
    CURLSH *share;      /* TLS sessions and DNS answers, shared by every connection of the client */
    const char *cainfo; /* trust as given to every handle (see choose_trust) */
    const char *capath;
    struct curl_slist *headers;
    struct curl_slist *headers_noauth; /* for LOOPMSG__OP_HOST_OPTIN */
    struct curl_slist *headers_lookup; /* for LOOPMSG__OP_HOST_LOOKUP; NULL without a key */
    req_list queued, running, done;
    CURL **idle; /* configured easy handles between requests, up to max_concurrent */
    size_t idle_count, idle_cap;
    uint64_t next_id;
    int dispatching;       /* inside a user callback */
    int in_wire;           /* inside the wire callback, i.e. inside a libcurl callback */
    int free_deferred;     /* loopmsg_client_free() called from a callback */
    uint64_t paused_until; /* Retry-After on 429/503 pauses every request to the host */
    double tokens;
    uint64_t tokens_at;
    bool conns_adapt;     /* the connection cap may still rise (adapt_to_http1) */
    loopmsg__corks corks; /* the connections' sockets, corked during each perform */
};

/* Both keys of the client, wherever either stands. */
static void mask_keys(const loopmsg_client *c, char *s, size_t len, bool cut)
{
    loopmsg__mask_secret(s, len, c->api_key, c->api_key_len, cut);
    loopmsg__mask_secret(s, len, c->lookup_api_key, c->lookup_api_key_len, cut);
}

/* The host an op goes to. */
static const char *base_of(const loopmsg_client *c, const loopmsg__op *op)
{
    return (op->flags & LOOPMSG__OP_HOST_OPTIN)    ? c->optin_base_url
           : (op->flags & LOOPMSG__OP_HOST_LOOKUP) ? c->lookup_base_url
                                                   : c->base_url;
}

void loopmsg__log(const loopmsg_client *c, loopmsg_log_level level, const char *fmt, ...)
{
    if (!c || !c->log_cb)
        return;
    char line[LOOPMSG__LOG_LINE_SIZE];
    bool cut;
    va_list ap;
    va_start(ap, fmt);
    size_t n = loopmsg__log_format(line, &cut, fmt, ap);
    va_end(ap);
    /* Belt and braces: no log line may carry the key in any spelling, whatever produced it;
     * a line cut short may end in part of it. */
    mask_keys(c, line, n, cut);
    /* The log callback runs in the middle of an engine turn: like a completion callback, it
     * may not drive the engine (poll, run and blocking calls get LOOPMSG_E_STATE). */
    struct loopmsg_engine *e = c->engine;
    if (e)
        e->dispatching++;
    c->log_cb(level, line, c->log_user_data);
    if (e)
        e->dispatching--;
}

/* A request or response body in the log, cut at 900 bytes: masked before the cut is made
 * visible, so that a key cut in two is masked too. */
static void log_body(const loopmsg_client *c, const char *dir, const char *body, size_t len)
{
    char line[901];
    size_t n = strnlen(body, len < sizeof line - 1 ? len : sizeof line - 1);
    memcpy(line, body, n);
    line[n] = '\0';
    mask_keys(c, line, n, n < len);
    loopmsg__log(c, LOOPMSG_LOG_DEBUG, "%s %s", dir, line);
}

static const char *method_name(loopmsg__method m);

/* One structured event (see loopmsg_log_event). Only fields that cannot carry a secret or a
 * message text go in: no body, no error message (it may quote a body), and the path without
 * its query, masked like a log line in case a caller put the key into a path segment. */
static void log_event(loopmsg_client *c, const loopmsg__request *r, loopmsg_log_event_kind kind,
                      loopmsg_log_level level, loopmsg_status st, uint64_t delay_ms)
{
    if (!c->log_event_cb)
        return;
    char path[512];
    const char *host = base_of(c, r->op);
    size_t base = strlen(host);
    const char *p = strncmp(r->url, host, base) == 0 ? r->url + base : r->url;
    size_t n = strcspn(p, "?#");
    bool cut = n >= sizeof path;
    if (cut)
        n = sizeof path - 1;
    memcpy(path, p, n);
    path[n] = '\0';
    mask_keys(c, path, n, cut);
    loopmsg_log_event ev = LOOPMSG_LOG_EVENT_INIT;
    ev.level = level;
    ev.kind = kind;
    ev.operation = r->op->name;
    ev.method = method_name(r->op->method);
    ev.path = path;
    ev.attempt = r->attempts;
    ev.request_id = r->id;
    ev.delay_ms = delay_ms;
    if (kind != LOOPMSG_LOG_EVENT_REQUEST && kind != LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE) {
        ev.http_status = r->err.http_status;
        ev.api_code = r->err.api_code;
        ev.status = st;
        ev.duration_ms = r->attempts ? r->attempt_ms : 0;
    } else if (kind == LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE) {
        ev.http_status = r->err.http_status;
    }
    /* As the text callback: it runs inside the engine and may not drive it. */
    struct loopmsg_engine *e = c->engine;
    if (e)
        e->dispatching++;
    c->log_event_cb(&ev, c->log_event_user_data);
    if (e)
        e->dispatching--;
}

/* ---- lists ----------------------------------------------------------------------------- */

static void list_push(req_list *l, loopmsg__request *r)
{
    r->next = NULL;
    r->prev = l->tail;
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
    l->count++;
}

static void list_remove(req_list *l, loopmsg__request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        l->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        l->tail = r->prev;
    r->prev = r->next = NULL;
    l->count--;
}

static req_list *list_of(struct loopmsg_engine *e, loopmsg__request *r)
{
    return r->state == REQ_QUEUED ? &e->queued : r->state == REQ_RUNNING ? &e->running : &e->done;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static void request_free(loopmsg__request *r)
{
    if (!r)
        return;
    if (r->result && r->op->free_result)
        r->op->free_result(r->result);
    loopmsg__free(r->url);
    loopmsg__free(r->body);
    loopmsg__buf_clear(&r->resp);
    loopmsg__free(r);
}

static void wipe_slist(struct curl_slist *l)
{
    for (; l; l = l->next)
        loopmsg__wipe(l->data, strlen(l->data));
}

/* Where trust comes from; docs/performance.md has the measurements behind it. A PEM bundle
 * costs about 25 ms and 1 MB of CPU-bound decoding each time OpenSSL loads it (~140
 * certificates): libcurl caches the loaded store per multi handle (CURLOPT_CA_CACHE_TIMEOUT,
 * 7.87+, OpenSSL) only when no CA directory is set, so a bundle alone is loaded once per
 * client. A hashed directory is read lazily, one small file per chain verified, so it is the
 * default whenever libcurl was built with one that exists: a one-shot send never decodes
 * the whole bundle. The caller's choice always wins, and a bundle given alone is the only
 * trust (no system directory added behind the caller's back). */
static void choose_trust(const loopmsg_client *c, struct loopmsg_engine *e)
{
    e->cainfo = c->ca_bundle_path;
    e->capath = c->ca_path;
    if (c->ca_bundle_path || c->ca_path)
        return;
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    struct stat st;
    if (v && v->capath && stat(v->capath, &st) == 0 && S_ISDIR(st.st_mode))
        e->capath = v->capath;
    else if (v)
        e->cainfo = v->cainfo; /* libcurl's default bundle (NULL: the TLS library's own) */
}

static CURLSH *new_share(void)
{
    CURLSH *sh = curl_share_init();
    if (!sh)
        return NULL;
    /* No lock callbacks: a client is driven by one thread at a time and the share is the
     * client's own. Connections are not shared: the multi handle already pools them. */
    if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
        curl_share_cleanup(sh);
        return NULL;
    }
    return sh;
}

/* conns per host; the idle-connection cache keeps that many for each of the three hosts a
 * client may talk to (Loop, LoopLookup, the opt-in host), so that switching hosts does not
 * close the other host's connection and cost a new TLS handshake. */
static void set_connections(struct loopmsg_engine *e, long conns)
{
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, conns * 3);
}

/* HTTP/2 is what the client expects: https (ALPN can offer it) and not HTTP/1.1 asked for.
 * Then each handle waits for a connection it can multiplex on, the sockets are corked, and
 * (max_connections left to the library) one connection serves 100 requests in flight. */
static bool expects_h2(const loopmsg_client *c)
{
    return c->http_version != LOOPMSG_HTTP_VERSION_1_1 && strncmp(c->base_url, "https://", 8) == 0;
}

/* The first answer that came over HTTP/1.x where HTTP/2 was expected (a server without it):
 * the connection cap left to the library rises to max_concurrent for good, as HTTP/1.1 needs
 * a connection per request in flight, and corking stops (a request is one write there, and
 * there may be a connection per request in flight), whatever max_connections is. Called
 * outside libcurl's callbacks: curl_multi_setopt refuses to run inside them. */
static void adapt_to_http1(loopmsg_client *c, struct loopmsg_engine *e, CURL *h)
{
    long v = 0;
    if ((!e->conns_adapt && !e->corks.on) ||
        curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &v) != CURLE_OK || !v ||
        v >= CURL_HTTP_VERSION_2_0)
        return;
    if (e->conns_adapt) {
        e->conns_adapt = false;
        set_connections(e, c->max_concurrent ? (long)c->max_concurrent : 16);
    }
    loopmsg__cork_stop(&e->corks);
}

/* libcurl's socket hooks: a new connection's socket is corked (cork_int.h), a closing one
 * forgotten before its number can be reused. */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
    if (purpose == CURLSOCKTYPE_IPCXN)
        loopmsg__cork_add(ud, fd);
    return CURL_SOCKOPT_OK;
}

static int on_closesocket(void *ud, curl_socket_t fd)
{
    loopmsg__cork_forget(ud, fd);
    return close(fd);
}

/* curl_multi_perform, then what it wrote leaves: nothing stays corked past the call. */
static void perform(struct loopmsg_engine *e, int *running)
{
    curl_multi_perform(e->multi, running);
    loopmsg__cork_release(&e->corks);
}

/* Content-Type, Expect and, when given, an Authorization line. NULL on OOM. */
static struct curl_slist *header_list(const char *auth)
{
    struct curl_slist *a = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *b = a ? curl_slist_append(a, "Expect:") : NULL;
    struct curl_slist *l = b && auth ? curl_slist_append(b, auth) : b;
    if (!l) {
        wipe_slist(a);
        curl_slist_free_all(a);
    }
    return l;
}

loopmsg_status loopmsg__engine_init(loopmsg_client *c, loopmsg_error *err)
{
    struct loopmsg_engine *e = loopmsg__calloc(1, sizeof *e);
    if (!e)
        return loopmsg__error_nomem(err);
    e->share = new_share();
    if (!e->share) {
        loopmsg__free(e);
        return loopmsg__error_nomem(err);
    }
    choose_trust(c, e);
    e->multi = curl_multi_init();
    /* A lookup-only client has no Loop Message key: its Loop calls are refused before any
     * I/O (check_call), and the list goes without one. */
    struct curl_slist *h = e->multi ? header_list(c->auth_header) : NULL;
    if (!e->multi || !h) {
        if (e->multi)
            curl_multi_cleanup(e->multi);
        curl_share_cleanup(e->share);
        loopmsg__free(e);
        return loopmsg__error_nomem(err);
    }
    e->headers = h;
    /* The same list without the key, for the one unauthenticated method, and with the
     * lookup key for LoopLookup (only when the client has one). */
    e->headers_noauth = header_list(NULL);
    e->headers_lookup = c->lookup_auth_header ? header_list(c->lookup_auth_header) : NULL;
    if (!e->headers_noauth || (c->lookup_auth_header && !e->headers_lookup)) {
        curl_slist_free_all(e->headers_noauth);
        wipe_slist(e->headers_lookup);
        curl_slist_free_all(e->headers_lookup);
        wipe_slist(e->headers);
        curl_slist_free_all(e->headers);
        curl_multi_cleanup(e->multi);
        curl_share_cleanup(e->share);
        loopmsg__free(e);
        return loopmsg__error_nomem(err);
    }
    /* Requests in flight (max_concurrent) and connections (max_connections) are separate
     * limits: over HTTP/2 every handle waits for a connection it can multiplex on
     * (CURLOPT_PIPEWAIT); over HTTP/1.1 each request in flight needs its own connection, up
     * to max_connections. libcurl opens a new connection for every request that finds the
     * others full (the server's stream limit) until the cap, so the cap is what keeps
     * HTTP/2 on few connections: see adapt_to_http1. */
    long streams = c->max_concurrent ? (long)c->max_concurrent : 16;
    long conns = c->max_connections ? (long)c->max_connections : streams;
    if (!c->max_connections && expects_h2(c)) {
        /* A server should allow at least 100 streams per connection (RFC 9113, 6.5.2). */
        conns = (streams + H2_STREAMS_ASSUMED - 1) / H2_STREAMS_ASSUMED;
        e->conns_adapt = true;
    }
    set_connections(e, conns);
    /* Corked sockets where HTTP/2 is expected: there a turn writes many small frames. */
    e->corks.on = expects_h2(c);
    curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
#if LIBCURL_VERSION_NUM >= 0x074300
    /* The client's own cap per connection; the server's SETTINGS limit applies on top. */
    curl_multi_setopt(e->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, streams);
#endif
    e->next_id = 1;
    e->tokens = c->rate_limit_per_second > 0 ? 1.0 : 0.0;
    e->tokens_at = loopmsg__mono_ms();
    c->engine = e;
    return LOOPMSG_OK;
}

/* ---- attempts -------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    loopmsg__request *r = ud;
    size_t n = size * nmemb;
    if (r->resp.len + n > MAX_RESPONSE_BYTES)
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    loopmsg__buf_append(&r->resp, data, n);
    return loopmsg__buf_ok(&r->resp) ? n : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    loopmsg__request *r = ud;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        r->retry_after[0] = '\0'; /* a new response (after 100-continue or a redirect) */
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t vlen = n - (sizeof name - 1);
        if (vlen >= sizeof r->retry_after)
            vlen = sizeof r->retry_after - 1;
        memcpy(r->retry_after, data + sizeof name - 1, vlen);
        r->retry_after[vlen] = '\0';
    }
    return n;
}

/* Tell the user's wire callback that r is about to leave. False: it refused. Like the log
 * callback it runs inside the engine's work and may not drive the engine. */
static bool wire_ok(loopmsg__request *r)
{
    loopmsg_client *c = r->client;
    if (!c->wire_cb)
        return true;
    c->engine->dispatching++;
    c->engine->in_wire++;
    int rc = c->wire_cb(c, r->id, r->attempts, c->wire_user_data);
    c->engine->in_wire--;
    c->engine->dispatching--;
    r->wire_refused = rc != 0;
    return rc == 0;
}

/* The wire callback stopped the attempt before its request was written. An earlier attempt
 * may still have been delivered (1020/1030 resent with retry_maybe_delivered); a GET that
 * libcurl resent within this attempt was sent once already. */
static loopmsg_status wire_refusal(loopmsg__request *r)
{
    unsigned int earlier = r->err.flags & LOOPMSG_ERRF_MAYBE_DELIVERED;
    loopmsg__error_set(&r->err, LOOPMSG_E_CANCELLED,
                       "%s: stopped by the wire callback before the request was sent%s",
                       r->op->name, earlier ? "; an earlier attempt may have been delivered" : "");
    r->err.flags = earlier | (r->sends > 1 ? LOOPMSG_ERRF_SENT : 0u);
    return LOOPMSG_E_CANCELLED;
}

/* libcurl silently resends a request on a fresh connection when a reused one dies before
 * any response byte arrived. The server may have read and acted on the first copy, so a POST
 * is never sent twice within one attempt: the second send is aborted and the attempt is
 * classified like any other failure after sending: a POST is not resent. Needs libcurl 7.80.
 * This is also the last moment before the request's bytes leave: the wire callback. */
#if LIBCURL_VERSION_NUM >= 0x075000
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    loopmsg__request *r = ud;
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    r->sends++;
    if (r->sends > 1 && r->op->method == LOOPMSG__POST)
        return CURL_PREREQFUNC_ABORT;
    return wire_ok(r) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}
#endif

static const char *method_name(loopmsg__method m)
{
    return m == LOOPMSG__POST     ? "POST"
           : m == LOOPMSG__DELETE ? "DELETE"
           : m == LOOPMSG__PATCH  ? "PATCH"
                                  : "GET";
}

/* Options that never change for a client are set once per easy handle, not per request:
 * curl_easy_reset and re-parsing the same URL cost a measurable share of a request. */
static CURL *new_easy(const loopmsg_client *c, struct loopmsg_engine *e)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, e->headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                     c->http_version == LOOPMSG_HTTP_VERSION_1_1 ? (long)CURL_HTTP_VERSION_1_1
                     : c->http_version == LOOPMSG_HTTP_VERSION_2 ? (long)CURL_HTTP_VERSION_2_0
                                                                 : (long)CURL_HTTP_VERSION_2TLS);
    /* Wait for a connection that may multiplex only where one can: HTTP/2 is negotiated by
     * TLS (ALPN). Over plain http:// libcurl would otherwise hold each new request until the
     * request ahead of it on the one connection has finished. */
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, expects_h2(c) ? 1L : 0L);
    if (e->corks.on) {
        curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
        curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &e->corks);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, &e->corks);
    }
    curl_easy_setopt(h, CURLOPT_SHARE, e->share);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    /* Verification stays on (libcurl's default; never turned off): only where trust comes from
     * is chosen. Both are set, NULL included, so a default never slips in beside them. */
    curl_easy_setopt(h, CURLOPT_CAINFO, e->cainfo);
    curl_easy_setopt(h, CURLOPT_CAPATH, e->capath);
    if (c->proxy)
        curl_easy_setopt(h, CURLOPT_PROXY, c->proxy); /* "" = none, environment ignored */
    /* Even for plaintext loopback the proxy gets a CONNECT tunnel, never the request itself:
     * the Authorization header must not reach a proxy's logs. */
    curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075000
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
#endif
    return h;
}

static CURL *take_easy(const loopmsg_client *c, struct loopmsg_engine *e)
{
    if (e->idle_count)
        return e->idle[--e->idle_count];
    return new_easy(c, e);
}

/* Every handle goes back to the pool, which grows up to max_concurrent (no more handles are
 * ever in use at once): a client that freed the handles above a fixed pool size and made new
 * ones at 1,000 in flight spent up to 30% more CPU than raw libcurl, and the churn of
 * libcurl's per-handle buffers (about 88 KB allocated, mostly untouched) through malloc left
 * 15-20 KB more resident per request in flight than keeping them (docs/performance.md,
 * HTTPS). */
static void give_easy(const loopmsg_client *c, struct loopmsg_engine *e, CURL *h)
{
    /* No pointer into a freed request may stay behind on an idle handle. */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_PRIVATE, NULL);
#if LIBCURL_VERSION_NUM >= 0x075000
    curl_easy_setopt(h, CURLOPT_PREREQDATA, NULL);
#endif
    if (e->idle_count == e->idle_cap) {
        size_t max = c->max_concurrent ? c->max_concurrent : 16;
        size_t cap = e->idle_cap ? e->idle_cap * 2 : 16;
        if (cap > max)
            cap = max;
        CURL **grown = cap > e->idle_cap ? loopmsg__realloc(e->idle, cap * sizeof *grown) : NULL;
        if (!grown) {
            curl_easy_cleanup(h); /* out of memory, or more than max_concurrent: not kept */
            return;
        }
        e->idle = grown;
        e->idle_cap = cap;
    }
    e->idle[e->idle_count++] = h;
}

static void finish(loopmsg_client *c, loopmsg__request *r, loopmsg_status st);

static int start_attempt(loopmsg_client *c, loopmsg__request *r, uint64_t now)
{
    struct loopmsg_engine *e = c->engine;
    CURL *h = take_easy(c, e);
    if (!h) {
        r->state = REQ_DONE; /* caller moved it off the queue */
        finish(c, r, loopmsg__error_nomem(&r->err));
        return -1;
    }
    r->easy = h;
    r->attempts++;
    r->sends = 0;
    r->wire_refused = false;
    r->attempt_started_ms = now;
    r->retry_after[0] = '\0';
    r->curl_errbuf[0] = '\0';
    loopmsg__buf_reset(&r->resp);

    long timeout = (long)c->timeout_ms;
    if (r->deadline_at_ms) {
        uint64_t left = r->deadline_at_ms > now ? r->deadline_at_ms - now : 1;
        if (left < (uint64_t)timeout)
            timeout = (long)left;
    }
    /* The same URL as this handle's last transfer (every send): skip re-parsing it. */
    char *last = NULL;
    if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &last) != CURLE_OK || !last ||
        strcmp(last, r->url) != 0)
        curl_easy_setopt(h, CURLOPT_URL, r->url);
    /* The op's host may differ from the one new_easy looked at (LoopLookup, opt-in). */
    curl_easy_setopt(h, CURLOPT_PIPEWAIT,
                     c->http_version != LOOPMSG_HTTP_VERSION_1_1 &&
                             strncmp(base_of(c, r->op), "https://", 8) == 0
                         ? 1L
                         : 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER,
                     (r->op->flags & LOOPMSG__OP_HOST_OPTIN)    ? e->headers_noauth
                     : (r->op->flags & LOOPMSG__OP_HOST_LOOKUP) ? e->headers_lookup
                                                                : e->headers);
    curl_easy_setopt(h, CURLOPT_PRIVATE, r);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_errbuf);
#if LIBCURL_VERSION_NUM >= 0x075000
    curl_easy_setopt(h, CURLOPT_PREREQDATA, r);
#endif
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    switch (r->op->method) {
    case LOOPMSG__POST:
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        break;
    case LOOPMSG__DELETE:
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    case LOOPMSG__PATCH:
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PATCH");
        break;
    case LOOPMSG__GET:
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        break;
    }
    if (c->log_cb) {
        loopmsg__log(c, LOOPMSG_LOG_DEBUG, "> %s %s (attempt %u)", method_name(r->op->method),
                     r->url, r->attempts);
        if (!(r->op->flags & LOOPMSG__OP_HOST_OPTIN))
            loopmsg__log(c, LOOPMSG_LOG_DEBUG, "> Authorization: [redacted]");
        if (r->body)
            log_body(c, ">", r->body, r->body_len);
    }
#if LIBCURL_VERSION_NUM < 0x075000
    /* No pre-request hook: tell the wire callback now, before connecting (early, never late). */
    if (!wire_ok(r)) {
        r->easy = NULL;
        give_easy(c, e, h);
        r->state = REQ_DONE;
        finish(c, r, wire_refusal(r));
        return -1;
    }
#endif
    log_event(c, r, LOOPMSG_LOG_EVENT_REQUEST, LOOPMSG_LOG_DEBUG, LOOPMSG_OK, 0);
    if (curl_multi_add_handle(e->multi, h) != CURLM_OK) {
        r->easy = NULL;
        give_easy(c, e, h);
        r->state = REQ_DONE;
        finish(c, r,
               loopmsg__error_set(&r->err, LOOPMSG_E_INTERNAL, "%s: curl_multi_add_handle failed",
                                  r->op->name));
        return -1;
    }
    r->state = REQ_RUNNING;
    list_push(&e->running, r);
    return 0;
}

static double next_random(loopmsg_client *c)
{
    if (c->random_fn)
        return c->random_fn(c->random_user_data);
    /* xorshift64*: jitter only needs to spread clients apart, not to be secret. */
    uint64_t x = c->rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng_state = x;
    return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* Retry only when the outcome is known: nothing sent, 429/503, code 1010; timeouts, resets,
 * 502 and 504 for GET and DELETE only. Returns the delay before the next attempt, or -1. */
static long retry_delay(loopmsg_client *c, loopmsg__request *r, loopmsg_status st, uint64_t now)
{
    const loopmsg_error *e = &r->err;
    bool post = r->op->method == LOOPMSG__POST;
    bool again;
    if (c->max_retries <= 0 || r->attempts > (unsigned int)c->max_retries)
        return -1;
    /* What a Loop code means for a resend is in the one table of codes (error.c); it wins
     * over the HTTP status: a 1030 that comes with a 503 may still have been delivered. */
    loopmsg__resend by_code = (r->op->flags & LOOPMSG__OP_HOST_LOOKUP)
                                  ? LOOPMSG__RESEND_BY_STATUS /* its own numbering */
                                  : loopmsg__api_code_resend(e->api_code);
    if (r->op->flags & LOOPMSG__OP_ONCE)
        again = (st == LOOPMSG_E_TRANSPORT || st == LOOPMSG_E_TIMEOUT) &&
                !(e->flags & LOOPMSG_ERRF_SENT) && (e->flags & LOOPMSG_ERRF_RETRYABLE);
    else if ((st == LOOPMSG_E_TRANSPORT || st == LOOPMSG_E_TIMEOUT) &&
             !(e->flags & LOOPMSG_ERRF_RETRYABLE))
        again = false; /* a certificate refused: the same attempt gets the same answer */
    else if (st == LOOPMSG_E_TRANSPORT || st == LOOPMSG_E_TIMEOUT)
        again = !(e->flags & LOOPMSG_ERRF_SENT) || !post;
    else if (by_code == LOOPMSG__RESEND_IF_ASKED)
        again = c->retry_maybe_delivered;
    else if (by_code == LOOPMSG__RESEND_AUTO)
        again = true;
    else if (e->http_status == 429 || e->http_status == 503)
        again = true;
    else if (e->http_status == 502 || e->http_status == 504)
        again = !post;
    else
        again = false;
    if (!again || st == LOOPMSG_E_PROTOCOL)
        return -1;
    if (e->retry_after_ms > LOOPMSG_MAX_RETRY_DELAY_MS)
        return -1; /* the server asks for longer than a blocking call should wait */
    uint64_t ceiling = c->retry_delay_ms;
    for (unsigned int i = 1; i < r->attempts && ceiling < LOOPMSG_MAX_RETRY_DELAY_MS; i++)
        ceiling *= 2;
    if (ceiling > LOOPMSG_MAX_RETRY_DELAY_MS)
        ceiling = LOOPMSG_MAX_RETRY_DELAY_MS;
    long delay = (long)((double)ceiling * next_random(c)); /* full jitter */
    if ((long)e->retry_after_ms > delay)
        delay = (long)e->retry_after_ms;
    if (r->deadline_at_ms && now + (uint64_t)delay >= r->deadline_at_ms)
        return -1;
    return delay;
}

/* The key in any spelling (as it is, JSON-escaped), whatever its length; a message that
 * filled its buffer may end in part of it. */
static void redact(char *msg, const loopmsg_client *c)
{
    size_t len = strlen(msg);
    mask_keys(c, msg, len, len + 1 >= LOOPMSG_ERROR_MESSAGE_SIZE);
}

/* Mask the key wherever a server echoes it (as it is or JSON-escaped) before the body is
 * parsed, so that no result or message holds it. A key under 4 characters is left in the
 * body: masking every occurrence of one or two characters would break the JSON (a key "1" in
 * "code":1010) and corrupt results; wire.c masks it in the excerpt it quotes instead, and
 * every log line and error message is masked on its own. */
static void redact_body(loopmsg__buf *b, const loopmsg_client *c)
{
    if (!b->ptr)
        return;
    if (c->api_key_len >= 4)
        loopmsg__mask_secret(b->ptr, b->len, c->api_key, c->api_key_len, false);
    if (c->lookup_api_key_len >= 4)
        loopmsg__mask_secret(b->ptr, b->len, c->lookup_api_key, c->lookup_api_key_len, false);
}

/* The server's certificate was not trusted, or the trust could not be loaded: the request
 * never left, and trying again cannot change the answer. */
static bool certificate_error(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* Classify the finished attempt of r into r->status / r->err / r->result. */
static loopmsg_status classify_attempt(loopmsg_client *c, loopmsg__request *r, CURLcode rc)
{
    CURL *h = r->easy;
    long http = 0;
    curl_off_t sent = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &sent);
    long reqsize = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
    bool post = r->op->method == LOOPMSG__POST;
    const char *op = r->op->name;
    redact_body(&r->resp, c);

    if (rc == CURLE_WRITE_ERROR && r->resp.len + 1 > MAX_RESPONSE_BYTES / 2) {
        loopmsg__error_set(&r->err, LOOPMSG_E_PROTOCOL, "%s: response larger than %u bytes", op,
                           MAX_RESPONSE_BYTES);
        r->err.flags = LOOPMSG_ERRF_SENT | (post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
        r->err.http_status = (int)http;
        return LOOPMSG_E_PROTOCOL;
    }
    if (rc == CURLE_WRITE_ERROR && !loopmsg__buf_ok(&r->resp)) {
        /* The answer arrived but could not be stored: the server has the request. */
        loopmsg__error_set(&r->err, LOOPMSG_E_NOMEM, "%s: out of memory reading the response%s", op,
                           post ? "; the request was sent, the outcome is unknown" : "");
        r->err.flags = LOOPMSG_ERRF_SENT | (post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
        r->err.http_status = (int)http;
        return LOOPMSG_E_NOMEM;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && r->wire_refused)
        return wire_refusal(r);
    if (rc != CURLE_OK) {
        bool resend_refused = rc == CURLE_ABORTED_BY_CALLBACK && r->sends > 1;
        /* libcurl calls the pre-request hook once the connection is ready, just before the
         * request goes out: from then on the bytes may have left, whatever the size counters
         * say (they are not reliable for HTTP/2 streams or a failure part-way through). */
        bool was_sent = reqsize > 0 || sent > 0 || r->sends > 0 || resend_refused;
        loopmsg_status st =
            rc == CURLE_OPERATION_TIMEDOUT ? LOOPMSG_E_TIMEOUT : LOOPMSG_E_TRANSPORT;
        const char *detail = resend_refused      ? "the connection closed without a response"
                             : r->curl_errbuf[0] ? r->curl_errbuf
                                                 : curl_easy_strerror(rc);
        loopmsg__error_set(
            &r->err, st, "%s: %s %s (%s)%s", op,
            st == LOOPMSG_E_TIMEOUT ? "timed out on" : "transport error on", base_of(c, r->op),
            detail, was_sent && post ? "; the request was sent, the outcome is unknown" : "");
        r->err.transport_code = (int)rc;
        r->err.flags = LOOPMSG_ERRF_RETRYABLE;
        if (certificate_error(rc)) {
            r->err.flags = 0; /* TLS failed before the request: nothing left the process */
            redact(r->err.message, c);
            return st;
        }
        if (was_sent)
            r->err.flags |= LOOPMSG_ERRF_SENT | (post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
        redact(r->err.message, c);
        return st;
    }

    /* A 2xx body the op's fast decoder reads is a success with its result, exactly as
     * classification and decode would have made it; any other body takes that path. */
    if (http >= 200 && http < 300 && r->op->decode_fast && r->resp.ptr &&
        r->op->decode_fast(&r->result, r->resp.ptr, r->resp.len)) {
        loopmsg__error_ok(&r->err);
        r->err.http_status = (int)http;
        return LOOPMSG_OK;
    }

    time_t wall = time(NULL);
    unsigned int ra =
        loopmsg__wire_retry_after(r->retry_after[0] ? r->retry_after : NULL, (long long)wall);
    json_t *root = NULL;
    bool lookup = (r->op->flags & LOOPMSG__OP_HOST_LOOKUP) != 0;
    loopmsg_status st = loopmsg__wire_classify_ex(
        op, post, (int)http, r->resp.ptr ? r->resp.ptr : "", r->resp.len, ra,
        lookup ? c->lookup_api_key : c->api_key, lookup, &root, &r->err);
    if (st == LOOPMSG_OK && r->op->decode) {
        st = r->op->decode(&r->result, root, r->resp.ptr ? r->resp.ptr : "", r->resp.len, &r->err);
        if (st != LOOPMSG_OK) {
            r->err.http_status = (int)http;
            /* A 2xx we cannot read: the server accepted the request. */
            r->err.flags = LOOPMSG_ERRF_SENT | (post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
        }
    }
    if (st == LOOPMSG_OK)
        r->err.http_status = (int)http;
    json_decref(root);
    redact(r->err.message, c);
    return st;
}

static void finish(loopmsg_client *c, loopmsg__request *r, loopmsg_status st)
{
    r->status = st;
    r->err.status = st;
    r->err.attempts = r->attempts;
    r->state = REQ_DONE;
    if (st != LOOPMSG_OK)
        log_event(c, r, LOOPMSG_LOG_EVENT_ERROR,
                  st == LOOPMSG_E_CANCELLED ? LOOPMSG_LOG_INFO : LOOPMSG_LOG_ERROR, st, 0);
    if (r->on_finish) {
        /* Internal consumers (batch) take the outcome at once; no user code runs here. */
        void *result = st == LOOPMSG_OK ? r->result : NULL;
        if (st == LOOPMSG_OK)
            r->result = NULL;
        r->on_finish(r->finish_ctx, st, result, &r->err);
        request_free(r);
        return;
    }
    list_push(&c->engine->done, r);
}

static void complete_attempt(loopmsg_client *c, loopmsg__request *r, CURLcode rc)
{
    struct loopmsg_engine *e = c->engine;
    uint64_t now = loopmsg__mono_ms();
    list_remove(&e->running, r);
    loopmsg_status st = classify_attempt(c, r, rc);
    if (r->err.http_status)
        adapt_to_http1(c, e, r->easy);
    curl_multi_remove_handle(e->multi, r->easy);
    give_easy(c, e, r->easy);
    r->easy = NULL;
    r->attempt_ms = now - r->attempt_started_ms;

    if (r->err.http_status)
        log_event(c, r, LOOPMSG_LOG_EVENT_RESPONSE, LOOPMSG_LOG_DEBUG, st, 0);
    if (c->log_cb) {
        if (r->err.http_status)
            loopmsg__log(c, LOOPMSG_LOG_DEBUG, "< %d in %llu ms", r->err.http_status,
                         (unsigned long long)(now - r->attempt_started_ms));
        if (r->resp.len && !(r->op->flags & LOOPMSG__OP_SECRET))
            log_body(c, "<", r->resp.ptr, r->resp.len);
    }
    if ((r->op->flags & LOOPMSG__OP_SECRET) && r->resp.ptr)
        loopmsg__wipe(r->resp.ptr, r->resp.len);
    if (st != LOOPMSG_OK) {
        /* A Retry-After longer than any retry may wait goes to the caller (retry_after_ms)
         * instead: it must not stall every later call on this client for hours. */
        if ((r->err.http_status == 429 || r->err.http_status == 503) && r->err.retry_after_ms &&
            r->err.retry_after_ms <= LOOPMSG_MAX_RETRY_DELAY_MS) {
            uint64_t until = now + r->err.retry_after_ms;
            if (until > e->paused_until) {
                e->paused_until = until;
                log_event(c, r, LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE, LOOPMSG_LOG_WARN, st,
                          r->err.retry_after_ms);
            }
        }
        long delay = retry_delay(c, r, st, now);
        if (delay >= 0) {
            loopmsg__log(c, LOOPMSG_LOG_WARN, "%s: retry %u of %d in %ld ms after: %s", r->op->name,
                         r->attempts, c->max_retries, delay, r->err.message);
            log_event(c, r, LOOPMSG_LOG_EVENT_RETRY, LOOPMSG_LOG_WARN, st, (uint64_t)delay);
            if (r->result && r->op->free_result)
                r->op->free_result(r->result);
            r->result = NULL;
            r->not_before_ms = now + (uint64_t)delay;
            r->state = REQ_QUEUED;
            list_push(&e->queued, r);
            return;
        }
        if (r->deadline_at_ms && now >= r->deadline_at_ms && st == LOOPMSG_E_TIMEOUT) {
            size_t l = strlen(r->err.message);
            snprintf(r->err.message + l, sizeof r->err.message - l, " (deadline of %u ms)",
                     c->deadline_ms);
        }
    }
    finish(c, r, st);
}

static void refill_tokens(loopmsg_client *c, uint64_t now)
{
    struct loopmsg_engine *e = c->engine;
    double rate = c->rate_limit_per_second;
    double burst = rate < 1.0 ? 1.0 : rate;
    e->tokens += (double)(now - e->tokens_at) * rate / 1000.0;
    if (e->tokens > burst)
        e->tokens = burst;
    e->tokens_at = now;
}

/* End the queued requests whose overall deadline passed while they waited (for a backoff,
 * a host-wide pause or a free slot): the deadline covers the whole call, not only attempts. */
static void expire_queued(loopmsg_client *c, uint64_t now)
{
    struct loopmsg_engine *e = c->engine;
    loopmsg__request *r = e->queued.head;
    while (r) {
        loopmsg__request *next = r->next;
        if (r->deadline_at_ms && now >= r->deadline_at_ms) {
            list_remove(&e->queued, r);
            if (r->attempts == 0) {
                loopmsg__error_set(&r->err, LOOPMSG_E_TIMEOUT,
                                   "%s: deadline of %u ms expired before the request was sent",
                                   r->op->name, c->deadline_ms);
                r->err.flags = LOOPMSG_ERRF_RETRYABLE;
            }
            /* Otherwise the last attempt's error stands. */
            finish(c, r, r->attempts ? r->err.status : LOOPMSG_E_TIMEOUT);
        }
        r = next;
    }
}

/* Start every queued request that may start now. */
static void start_ready(loopmsg_client *c)
{
    struct loopmsg_engine *e = c->engine;
    uint64_t now = loopmsg__mono_ms();
    size_t cap = c->max_concurrent ? c->max_concurrent : 16;
    expire_queued(c, now);
    if (e->paused_until > now)
        return;
    if (c->rate_limit_per_second > 0)
        refill_tokens(c, now);
    loopmsg__request *r = e->queued.head;
    while (r && e->running.count < cap) {
        loopmsg__request *next = r->next;
        if (r->not_before_ms <= now) {
            if (c->rate_limit_per_second > 0) {
                if (e->tokens < 1.0)
                    break;
                e->tokens -= 1.0;
            }
            list_remove(&e->queued, r);
            start_attempt(c, r, now);
        }
        r = next;
    }
}

/* How long the engine may sleep before a queued request is due (ms), -1 = no timer. */
static long next_due(loopmsg_client *c)
{
    struct loopmsg_engine *e = c->engine;
    uint64_t now = loopmsg__mono_ms();
    long best = -1;
    long expiry = -1; /* the soonest overall deadline of a queued request */
    size_t cap = c->max_concurrent ? c->max_concurrent : 16;
    if (!e->queued.count)
        return -1;
    for (loopmsg__request *r = e->queued.head; r; r = r->next) {
        if (!r->deadline_at_ms)
            continue;
        long d = r->deadline_at_ms > now ? (long)(r->deadline_at_ms - now) : 0;
        if (expiry < 0 || d < expiry)
            expiry = d;
    }
    if (e->running.count >= cap)
        return expiry;
    for (loopmsg__request *r = e->queued.head; r; r = r->next) {
        uint64_t at = r->not_before_ms > e->paused_until ? r->not_before_ms : e->paused_until;
        long d = at > now ? (long)(at - now) : 0;
        if (best < 0 || d < best)
            best = d;
    }
    if (c->rate_limit_per_second > 0 && e->tokens < 1.0) {
        long d = (long)((1.0 - e->tokens) * 1000.0 / c->rate_limit_per_second) + 1;
        if (d > best)
            best = d;
    }
    if (expiry >= 0 && (best < 0 || expiry < best))
        best = expiry;
    return best;
}

static void read_infos(loopmsg_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->engine->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        loopmsg__request *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode rc = m->data.result;
        if (r)
            complete_attempt(c, r, rc);
    }
}

/* One turn of the engine: start what may start, wait at most max_wait_ms for activity or
 * a timer, and process what finished. */
void loopmsg__engine_step(loopmsg_client *c, long max_wait_ms)
{
    struct loopmsg_engine *e = c->engine;
    int running = 0;
    /* Only what completes in this turn cuts the wait short: completions left for the next
     * poll would turn a blocking call's wait into a busy loop. */
    size_t done_before = e->done.count;
    start_ready(c);
    perform(e, &running);
    read_infos(c);
    start_ready(c);
    if (e->done.count > done_before && max_wait_ms > 0)
        max_wait_ms = 0;
    long due = next_due(c);
    if (due >= 0 && due < max_wait_ms)
        max_wait_ms = due;
    if (max_wait_ms > 0 || e->running.count) {
        curl_multi_poll(e->multi, NULL, 0, (int)(max_wait_ms > 0 ? max_wait_ms : 0), NULL);
        perform(e, &running);
        read_infos(c);
    }
}

void loopmsg__body_clear(loopmsg__body *b)
{
    json_decref(b->json);
    loopmsg__free(b->bytes);
    b->json = NULL;
    b->bytes = NULL;
    b->len = 0;
}

/* The body's bytes, owned by the caller, into *bytes_out and *len_out (NULL for no body); takes
 * over body. -1 on allocation failure. */
static int body_bytes(char **bytes_out, size_t *len_out, loopmsg__body body)
{
    *bytes_out = body.bytes;
    *len_out = body.len;
    if (!body.json)
        return 0;
    /* Encode into a stack buffer first: one allocation for the body instead of three. */
    char stackbuf[2048];
    char *copy = NULL;
    size_t need = json_dumpb(body.json, stackbuf, sizeof stackbuf, JSON_COMPACT);
    if (need > 0 && need <= sizeof stackbuf) {
        copy = loopmsg__strndup(stackbuf, need);
    } else if (need > 0) {
        copy = loopmsg__malloc(need + 1);
        if (copy && json_dumpb(body.json, copy, need, JSON_COMPACT) == need)
            copy[need] = '\0';
        else if (copy) {
            loopmsg__free(copy);
            copy = NULL;
        }
    }
    json_decref(body.json);
    *bytes_out = copy;
    *len_out = need;
    return copy ? 0 : -1;
}

static loopmsg_status new_request(loopmsg__request **out, loopmsg_client *c, const loopmsg__op *op,
                                  char *path, loopmsg__body body, loopmsg_error *err)
{
    *out = NULL;
    char *body_copy;
    size_t body_len;
    if (body_bytes(&body_copy, &body_len, body) != 0) {
        loopmsg__free(path);
        return loopmsg__error_nomem(err);
    }
    loopmsg__request *r = loopmsg__calloc(1, sizeof *r);
    loopmsg__buf url = {0};
    loopmsg__buf_puts(&url, base_of(c, op));
    loopmsg__buf_puts(&url, path ? path : "/");
    loopmsg__free(path);
    if (!r || !loopmsg__buf_ok(&url)) {
        loopmsg__buf_clear(&url);
        loopmsg__free(body_copy);
        loopmsg__free(r);
        return loopmsg__error_nomem(err);
    }
    r->client = c;
    r->op = op;
    r->url = loopmsg__buf_detach(&url);
    r->body = body_copy;
    r->body_len = body_len;
    r->id = c->engine->next_id++;
    r->state = REQ_QUEUED;
    r->not_before_ms = 0;
    if (c->deadline_ms)
        r->deadline_at_ms = loopmsg__mono_ms() + c->deadline_ms;
    *out = r;
    return LOOPMSG_OK;
}

static loopmsg_status check_call(loopmsg_client *c, const loopmsg__op *op, char *path,
                                 loopmsg__body *body, loopmsg_error *err)
{
    if (!c || !c->engine) {
        loopmsg__free(path);
        loopmsg__body_clear(body);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: client is NULL",
                                  op ? op->name : "call");
    }
    /* Each key goes to its own host only; a client may hold just one of them. */
    const char *missing = NULL;
    if (op && (op->flags & LOOPMSG__OP_HOST_LOOKUP) && !c->lookup_api_key)
        missing = "lookup_api_key: required (set it in the options or LOOP_LOOKUP_API_KEY)";
    else if (op && !(op->flags & (LOOPMSG__OP_HOST_LOOKUP | LOOPMSG__OP_HOST_OPTIN)) && !c->api_key)
        missing = "api_key: required (set it in the options or LOOP_API_KEY)";
    if (missing) {
        loopmsg__free(path);
        loopmsg__body_clear(body);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s", op->name, missing);
    }
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__call_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                  loopmsg__body body, void **result_out, loopmsg_error *err)
{
    if (result_out)
        *result_out = NULL;
    loopmsg_status st = check_call(c, op, path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    if (c->engine->dispatching) {
        loopmsg__free(path);
        loopmsg__body_clear(&body);
        return loopmsg__error_set(err, LOOPMSG_E_STATE,
                                  "%s: blocking call from inside a completion callback", op->name);
    }
    loopmsg__request *r;
    st = new_request(&r, c, op, path, body, err);
    if (st != LOOPMSG_OK)
        return st;
    struct loopmsg_engine *e = c->engine;
    list_push(&e->queued, r);
    while (r->state != REQ_DONE)
        loopmsg__engine_step(c, 1000);
    list_remove(&e->done, r);
    if (err)
        *err = r->err;
    st = r->status;
    if (st == LOOPMSG_OK && result_out) {
        *result_out = r->result;
        r->result = NULL;
    }
    request_free(r);
    return st;
}

loopmsg_status loopmsg__call(loopmsg_client *c, const loopmsg__op *op, char *path, json_t *body,
                             void **result_out, loopmsg_error *err)
{
    return loopmsg__call_body(c, op, path, (loopmsg__body){.json = body}, result_out, err);
}

loopmsg_status loopmsg__call_internal_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                           loopmsg__body body, loopmsg__finish_cb finish_cb,
                                           void *ctx, loopmsg_error *err)
{
    loopmsg_status st = check_call(c, op, path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    loopmsg__request *r;
    st = new_request(&r, c, op, path, body, err);
    if (st != LOOPMSG_OK)
        return st;
    r->on_finish = finish_cb;
    r->finish_ctx = ctx;
    list_push(&c->engine->queued, r);
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__call_internal(loopmsg_client *c, const loopmsg__op *op, char *path,
                                      json_t *body, loopmsg__finish_cb finish_cb, void *ctx,
                                      loopmsg_error *err)
{
    return loopmsg__call_internal_body(c, op, path, (loopmsg__body){.json = body}, finish_cb, ctx,
                                       err);
}

loopmsg_status loopmsg__call_async_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                        loopmsg__body body, loopmsg__done_cb cb,
                                        loopmsg__fn user_fn, void *user_data, uint64_t *id_out,
                                        loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    loopmsg_status st = check_call(c, op, path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    if (c->engine->free_deferred) {
        loopmsg__free(path);
        loopmsg__body_clear(&body);
        return loopmsg__error_set(err, LOOPMSG_E_STATE, "%s: the client is being freed", op->name);
    }
    loopmsg__request *r;
    st = new_request(&r, c, op, path, body, err);
    if (st != LOOPMSG_OK)
        return st;
    r->cb = cb;
    r->user_fn = user_fn;
    r->user_data = user_data;
    list_push(&c->engine->queued, r);
    if (id_out)
        *id_out = r->id;
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__call_async(loopmsg_client *c, const loopmsg__op *op, char *path,
                                   json_t *body, loopmsg__done_cb cb, loopmsg__fn user_fn,
                                   void *user_data, uint64_t *id_out, loopmsg_error *err)
{
    return loopmsg__call_async_body(c, op, path, (loopmsg__body){.json = body}, cb, user_fn,
                                    user_data, id_out, err);
}

/* Deliver completed async requests to their callbacks. Returns how many. */
static int dispatch_done(loopmsg_client *c)
{
    struct loopmsg_engine *e = c->engine;
    int n = 0;
    /* Only what is done now: callbacks may submit more, which completes in a later turn. */
    size_t budget = e->done.count;
    while (budget-- && e->done.head) {
        loopmsg__request *r = e->done.head;
        list_remove(&e->done, r);
        e->dispatching++;
        if (r->cb)
            r->cb(c, r->id, r->status == LOOPMSG_OK ? r->result : NULL, &r->err, r->user_fn,
                  r->user_data);
        e->dispatching--;
        request_free(r);
        n++;
    }
    return n;
}

int loopmsg__engine_poll(loopmsg_client *c, int timeout_ms)
{
    if (!c || !c->engine)
        return LOOPMSG_E_INVALID_ARG;
    if (c->engine->dispatching)
        return LOOPMSG_E_STATE;
    struct loopmsg_engine *e = c->engine;
    if (!e->done.count && (e->queued.count || e->running.count || timeout_ms > 0))
        loopmsg__engine_step(c, timeout_ms < 0 ? 1000 : timeout_ms);
    int n = dispatch_done(c);
    if (e->free_deferred)
        loopmsg_client_free(c);
    return n;
}

loopmsg_status loopmsg__engine_run(loopmsg_client *c, loopmsg_error *err)
{
    if (!c || !c->engine)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "run: client is NULL");
    if (c->engine->dispatching)
        return loopmsg__error_set(err, LOOPMSG_E_STATE, "run: called from inside a callback");
    struct loopmsg_engine *e = c->engine;
    while (e->queued.count || e->running.count || e->done.count) {
        if (!e->done.count)
            loopmsg__engine_step(c, 1000);
        dispatch_done(c);
        if (e->free_deferred) {
            loopmsg_client_free(c);
            break;
        }
    }
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

static void cancel_one(loopmsg_client *c, loopmsg__request *r)
{
    struct loopmsg_engine *e = c->engine;
    bool was_running = r->state == REQ_RUNNING;
    list_remove(list_of(e, r), r);
    if (r->easy) {
        curl_multi_remove_handle(e->multi, r->easy);
        give_easy(c, e, r->easy);
        r->easy = NULL;
    }
    if (r->result && r->op->free_result)
        r->op->free_result(r->result);
    r->result = NULL;
    /* A resend waiting for its backoff: an earlier attempt may have been delivered (a code
     * flagged MAYBE_DELIVERED, resent with retry_maybe_delivered), and the caller must still
     * be told so. */
    bool earlier = r->attempts && (r->err.flags & LOOPMSG_ERRF_MAYBE_DELIVERED);
    loopmsg__error_set(&r->err, LOOPMSG_E_CANCELLED, "%s: cancelled%s", r->op->name,
                       was_running && r->op->method == LOOPMSG__POST
                           ? " while in flight; the request may have reached the server"
                       : earlier ? "; an earlier attempt may have been delivered"
                                 : "");
    if (was_running || earlier)
        r->err.flags =
            r->op->method == LOOPMSG__POST || earlier ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u;
    finish(c, r, LOOPMSG_E_CANCELLED);
}

loopmsg_status loopmsg__engine_cancel(loopmsg_client *c, uint64_t id)
{
    if (!c || !c->engine)
        return LOOPMSG_E_INVALID_ARG;
    struct loopmsg_engine *e = c->engine;
    /* Removing a transfer from the multi handle inside one of libcurl's callbacks is not
     * allowed. */
    if (e->in_wire)
        return LOOPMSG_E_STATE;
    req_list *lists[] = {&e->queued, &e->running};
    for (size_t i = 0; i < 2; i++)
        for (loopmsg__request *r = lists[i]->head; r; r = r->next)
            if (r->id == id && r->cb) {
                cancel_one(c, r);
                return LOOPMSG_OK;
            }
    return LOOPMSG_E_INVALID_ARG;
}

size_t loopmsg__engine_cancel_unsent(loopmsg_client *c)
{
    if (!c || !c->engine)
        return 0;
    struct loopmsg_engine *e = c->engine;
    size_t n = 0;
    loopmsg__request *r = e->queued.head;
    while (r) {
        loopmsg__request *next = r->next;
        /* Only requests no attempt of which has started: nothing of them reached a server. */
        if (r->cb && r->attempts == 0) {
            cancel_one(c, r);
            n++;
        }
        r = next;
    }
    return n;
}

size_t loopmsg__engine_pending(const loopmsg_client *c)
{
    if (!c || !c->engine)
        return 0;
    const struct loopmsg_engine *e = c->engine;
    return e->queued.count + e->running.count + e->done.count;
}

loopmsg_status loopmsg__engine_wakeup(loopmsg_client *c)
{
    if (!c || !c->engine)
        return LOOPMSG_E_INVALID_ARG;
    return curl_multi_wakeup(c->engine->multi) == CURLM_OK ? LOOPMSG_OK : LOOPMSG_E_INTERNAL;
}

int loopmsg__engine_in_callback(const loopmsg_client *c)
{
    return c && c->engine && c->engine->dispatching;
}

int loopmsg__engine_defer_free(loopmsg_client *c)
{
    c->engine->free_deferred = 1;
    return 0;
}

size_t loopmsg__engine_corked(const loopmsg_client *c, const int **fds)
{
    *fds = c->engine ? c->engine->corks.fd : NULL;
    return c->engine ? c->engine->corks.count : 0;
}

void loopmsg__engine_free(loopmsg_client *c)
{
    struct loopmsg_engine *e = c->engine;
    if (!e)
        return;
    e->free_deferred = 1; /* refuse new async submissions from the callbacks below */
    while (e->queued.head)
        cancel_one(c, e->queued.head);
    while (e->running.head)
        cancel_one(c, e->running.head);
    dispatch_done(c);
    for (size_t i = 0; i < e->idle_count; i++)
        curl_easy_cleanup(e->idle[i]);
    loopmsg__free(e->idle);
    curl_multi_cleanup(e->multi); /* closes the connections: on_closesocket needs e->corks */
    loopmsg__cork_free(&e->corks);
    curl_share_cleanup(e->share); /* after every easy handle that used it */
    wipe_slist(e->headers);
    curl_slist_free_all(e->headers);
    curl_slist_free_all(e->headers_noauth);
    wipe_slist(e->headers_lookup);
    curl_slist_free_all(e->headers_lookup);
    loopmsg__free(e);
    c->engine = NULL;
}
