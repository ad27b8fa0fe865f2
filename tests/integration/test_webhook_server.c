/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server.c: the libmicrohttpd receiver over real sockets, driven with libcurl:
 * status codes, delivery to the callbacks, duplicates, limits (413 before reading, a slow
 * client cut off), a slow callback that must not delay the 200, a full queue, "acknowledge
 * after handling" and graceful stop. The load tests are in test_webhook_server_load.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_support.h"
#include "test_support.h"
#include "webhook_support.h"

#define SECRET "wh-secret"

static const char *const secrets[] = {SECRET};

/* ---- helpers ---------------------------------------------------------------------------- */

/* Send "Expect: 100-continue" (curl's default for big bodies) instead of suppressing it. */
static int expect_100;

/* One request with a reusable easy handle (keep-alive across calls on one thread). */
static ts_http_res http(CURL *c, const char *method, uint16_t port, const char *path_query,
                        const char *auth, const char *body, size_t body_len)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned int)port, path_query);
    ts_http_req q = {.handle = c,
                     .method = method,
                     .url = url,
                     .auth = auth,
                     .body = body,
                     .body_len = body_len,
                     .expect_100 = expect_100,
                     .timeout_ms = 30000};
    ts_http_res r;
    ts_http_do(&r, &q);
    return r;
}

static ts_http_res post(uint16_t port, const char *path_query, const char *auth, const char *body)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    ts_http_res r = http(c, "POST", port, path_query, auth, body, strlen(body));
    curl_easy_cleanup(c);
    return r;
}

static char *event_body(const char *event, const char *id)
{
    char *b = malloc(256);
    assert_non_null(b);
    snprintf(b, 256,
             "{\"event\":\"%s\",\"webhook_id\":\"%s\",\"api_version\":\"1.0\","
             "\"message_id\":\"m-%s\",\"contact\":\"+14155550142\",\"text\":\"hi\"}",
             event, id, id);
    return b;
}

/* Shared state of the callbacks. */
typedef struct sink {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t calls;       /* on_any calls */
    size_t by_type[16]; /* specific callback calls per loopmsg_event_type */
    char last_id[128];
    char last_text[128];
    int block;                 /* callbacks wait while set */
    unsigned int block_max_ms; /* ... but at most this long */
    int fail_first;            /* the first call for each id fails (ack-after test) */
    char failed_ids[8][64];
    size_t nfailed;
    size_t errors;         /* on_error calls */
    unsigned int sleep_ms; /* every call sleeps this long */
} sink;

static void sink_init(sink *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
}

static void sink_destroy(sink *s)
{
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

static void sink_release(sink *s)
{
    pthread_mutex_lock(&s->lock);
    s->block = 0;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static size_t sink_calls(sink *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->calls;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Wait until at least n on_any calls happened (at most 20 s). */
static size_t sink_wait(sink *s, size_t n)
{
    uint64_t end = ts_now_ms() + 20000;
    pthread_mutex_lock(&s->lock);
    while (s->calls < n && ts_now_ms() < end) {
        pthread_mutex_unlock(&s->lock);
        ts_sleep_ms(5);
        pthread_mutex_lock(&s->lock);
    }
    size_t got = s->calls;
    pthread_mutex_unlock(&s->lock);
    return got;
}

static int on_specific(const loopmsg_webhook_event *ev, void *ud)
{
    sink *s = ud;
    pthread_mutex_lock(&s->lock);
    if ((size_t)ev->type < 16)
        s->by_type[ev->type]++;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int on_any(const loopmsg_webhook_event *ev, void *ud)
{
    sink *s = ud;
    if (s->sleep_ms)
        ts_sleep_ms(s->sleep_ms);
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    if (s->block) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->block_max_ms / 1000;
        while (s->block && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
            ;
    }
    if (s->fail_first && ev->webhook_id) {
        int seen = 0;
        for (size_t i = 0; i < s->nfailed; i++)
            seen |= strcmp(s->failed_ids[i], ev->webhook_id) == 0;
        if (!seen && s->nfailed < 8) {
            snprintf(s->failed_ids[s->nfailed++], 64, "%s", ev->webhook_id);
            rc = 1;
        }
    }
    if (ev->webhook_id)
        snprintf(s->last_id, sizeof s->last_id, "%s", ev->webhook_id);
    if (ev->text)
        snprintf(s->last_text, sizeof s->last_text, "%s", ev->text);
    s->calls++;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void on_error(const loopmsg_webhook_event *ev, int rc, void *ud)
{
    (void)ev;
    (void)rc;
    sink *s = ud;
    pthread_mutex_lock(&s->lock);
    s->errors++;
    pthread_mutex_unlock(&s->lock);
}

static loopmsg_webhook_handlers handlers(void)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_message_inbound = on_specific;
    h.on_message_delivered = on_specific;
    h.on_message_failed = on_specific;
    h.on_message_reaction = on_specific;
    h.on_message_scheduled = on_specific;
    h.on_opt_in = on_specific;
    h.on_inbound_call = on_specific;
    h.on_sender_name_updated = on_specific;
    h.on_unknown = on_specific;
    h.on_any = on_any;
    return h;
}

static loopmsg_webhook_server_options options(const loopmsg_webhook_handlers *h, sink *s)
{
    loopmsg_webhook_server_options o = wh_server_options(secrets, NULL, h);
    o.user_data = s;
    o.on_error = on_error;
    return o;
}

static loopmsg_webhook_server *start(const loopmsg_webhook_server_options *o)
{
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_server_start(o, &srv, &err);
    if (st != LOOPMSG_OK)
        fail_msg("server_start: %s (%s)", loopmsg_status_name(st), err.message);
    assert_non_null(srv);
    assert_int_not_equal(loopmsg_webhook_server_port(srv), 0);
    return srv;
}

/* The arrange of most tests: a sink, the handlers into it and options over both (adjust
 * w.s and w.o between rig_init and rig_start), then the started server and its port. */
typedef struct rig {
    sink s;
    loopmsg_webhook_handlers h;
    loopmsg_webhook_server_options o;
    loopmsg_webhook_server *srv;
    uint16_t port;
} rig;

static void rig_init(rig *t)
{
    sink_init(&t->s);
    t->h = handlers();
    t->o = options(&t->h, &t->s);
}

static void rig_start(rig *t)
{
    t->srv = start(&t->o);
    t->port = loopmsg_webhook_server_port(t->srv);
}

/* Callbacks block until sink_release (20 s at most). */
static void sink_block(sink *s)
{
    s->block = 1;
    s->block_max_ms = 20000;
}

static loopmsg_webhook_server_stats stats(loopmsg_webhook_server *srv)
{
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    return st;
}

/* Wait (at most 10 s) until n callbacks are running; the stats at that moment. */
static loopmsg_webhook_server_stats wait_in_progress(loopmsg_webhook_server *srv, size_t n)
{
    uint64_t end = ts_now_ms() + 10000;
    loopmsg_webhook_server_stats st = stats(srv);
    while (st.in_progress < n && ts_now_ms() < end) {
        ts_sleep_ms(5);
        st = stats(srv);
    }
    return st;
}

/* A raw TCP connection to the receiver. */
static int connect_raw(uint16_t port)
{
    int fd = wh_connect(NULL, port);
    assert_true(fd >= 0);
    return fd;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_webhook_server__status_codes(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    rig_start(&w);
    CURL *c = curl_easy_init();
    char *body = event_body("message_inbound", "codes-1");

    ts_http_res r = http(c, "GET", w.port, "/health", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");

    r = http(c, "POST", w.port, "/webhook", SECRET, body, strlen(body));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");

    r = http(c, "POST", w.port, "/other", SECRET, body, strlen(body));
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":\"not found\"}");

    r = http(c, "GET", w.port, "/webhook", SECRET, NULL, 0);
    assert_int_equal(r.status, 405);
    char allow[64];
    assert_string_equal(ts_http_header(&r, "Allow", allow, sizeof allow), "POST");

    r = http(c, "PUT", w.port, "/webhook", SECRET, body, strlen(body));
    assert_int_equal(r.status, 405);

    r = http(c, "POST", w.port, "/webhook", "wrong", body, strlen(body));
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "{\"error\":\"unauthorized\"}");

    r = http(c, "POST", w.port, "/webhook", NULL, body, strlen(body));
    assert_int_equal(r.status, 401);

    r = http(c, "POST", w.port, "/webhook", "Bearer " SECRET, body, strlen(body));
    assert_int_equal(r.status, 200);

    char *other = event_body("message_inbound", "codes-2");
    r = http(c, "POST", w.port, "/webhook?secret=" SECRET, NULL, other, strlen(other));
    assert_int_equal(r.status, 200);

    r = http(c, "POST", w.port, "/webhook", SECRET, "{\"no_event\":1}", 14);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "{\"error\":\"bad request\"}");
    r = http(c, "POST", w.port, "/webhook", SECRET, "not json", 8);
    assert_int_equal(r.status, 400);
    r = http(c, "POST", w.port, "/webhook", SECRET, "", 0);
    assert_int_equal(r.status, 400);

    assert_int_equal(sink_wait(&w.s, 2), 2);
    loopmsg_webhook_server_stop(w.srv);
    loopmsg_webhook_server_stats st = stats(w.srv);
    assert_int_equal(st.accepted, 2);
    assert_int_equal(st.duplicates, 1); /* the Bearer repost of codes-1 */
    assert_int_equal(st.rejected, 8);
    assert_int_equal(st.handled, 2);
    assert_int_equal(st.requests, 12);
    assert_int_equal(w.s.calls, 2);
    loopmsg_webhook_server_free(w.srv);
    curl_easy_cleanup(c);
    free(body);
    free(other);
    sink_destroy(&w.s);
}

static void test_webhook_server__delivers_every_sample_typed(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        loopmsg_event_type type;
    } samples[] = {
        {"message_inbound.json", LOOPMSG_EVENT_MESSAGE_INBOUND},
        {"message_inbound_audio.json", LOOPMSG_EVENT_MESSAGE_INBOUND},
        {"message_delivered.json", LOOPMSG_EVENT_MESSAGE_DELIVERED},
        {"message_failed.json", LOOPMSG_EVENT_MESSAGE_FAILED},
        {"message_reaction.json", LOOPMSG_EVENT_MESSAGE_REACTION},
        {"message_scheduled.json", LOOPMSG_EVENT_MESSAGE_SCHEDULED},
        {"opt-in.json", LOOPMSG_EVENT_OPT_IN},
        {"opt-in_docs_variant.json", LOOPMSG_EVENT_OPT_IN},
        {"inbound_call.json", LOOPMSG_EVENT_INBOUND_CALL},
        {"sender_name_updated.json", LOOPMSG_EVENT_SENDER_NAME_UPDATED},
        {"unknown.json", LOOPMSG_EVENT_UNKNOWN},
    };
    rig w;
    rig_init(&w);
    w.o.worker_threads = 1;
    rig_start(&w);
    const char *dir = getenv("LOOPMSG_TEST_DATA");
    size_t want[16] = {0};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/webhooks/%s", dir ? dir : "tests/data", samples[i].file);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        ts_http_res r = post(w.port, "/webhook", SECRET, buf);
        assert_int_equal(r.status, 200);
        want[samples[i].type]++;
    }
    assert_int_equal(sink_wait(&w.s, 11), 11);
    loopmsg_webhook_server_free(w.srv);
    for (size_t t = 0; t < 16; t++)
        assert_int_equal(w.s.by_type[t], want[t]);
    sink_destroy(&w.s);
}

static void test_webhook_server__repeats_delivered_once(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    rig_start(&w);
    char *body = event_body("message_delivered", "dup-1");
    for (int i = 0; i < 5; i++)
        assert_int_equal(post(w.port, "/webhook", SECRET, body).status, 200);
    /* Events without a webhook_id are not deduplicated. */
    const char *anon = "{\"event\":\"inbound_call\",\"contact\":\"+1\"}";
    assert_int_equal(post(w.port, "/webhook", SECRET, anon).status, 200);
    assert_int_equal(post(w.port, "/webhook", SECRET, anon).status, 200);
    loopmsg_webhook_server_stop(w.srv);
    assert_int_equal(w.s.calls, 3);
    assert_int_equal(w.s.by_type[LOOPMSG_EVENT_MESSAGE_DELIVERED], 1);
    assert_int_equal(w.s.by_type[LOOPMSG_EVENT_INBOUND_CALL], 2);
    loopmsg_webhook_server_stats st = stats(w.srv);
    assert_int_equal(st.duplicates, 4);
    assert_int_equal(st.accepted, 3);
    assert_int_equal(st.dedupe_entries, 1);
    loopmsg_webhook_server_free(w.srv);
    free(body);
    sink_destroy(&w.s);
}

static void test_webhook_server__repeat_while_in_flight_is_not_delivered_again(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    sink_block(&w.s);
    rig_start(&w);
    char *body = event_body("message_inbound", "in-flight-1");
    assert_int_equal(post(w.port, "/webhook", SECRET, body).status, 200);
    assert_int_equal(wait_in_progress(w.srv, 1).in_progress, 1); /* its callback is blocked */
    /* Loop repeats it while the first copy is still being handled: acknowledged, not
     * queued. */
    assert_int_equal(post(w.port, "/webhook", SECRET, body).status, 200);
    assert_int_equal(post(w.port, "/webhook", SECRET, body).status, 200);
    loopmsg_webhook_server_stats st = stats(w.srv);
    assert_int_equal(st.duplicates, 2);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.queued, 0);
    sink_release(&w.s);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.calls, 1);
    free(body);
    sink_destroy(&w.s);
}

/* POST body on the open connection fd without closing it, and read its 200 (asserted). */
static void post_keepalive(int fd, const char *body)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                     "\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof req);
    assert_true(send(fd, req, (size_t)n, MSG_NOSIGNAL) == n);
    char answer[512];
    ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
    assert_true(got > 12);
    answer[got] = '\0';
    assert_memory_equal(answer, "HTTP/1.1 200", 12);
}

static void test_webhook_server__connection_limit(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.o.max_connections = 3;
    w.o.http_threads = 1;
    rig_start(&w);
    int fds[3];
    for (int i = 0; i < 3; i++) {
        /* Accepted, served, and kept open (keep-alive): the receiver holds all three. */
        fds[i] = connect_raw(w.port);
        char id[16];
        snprintf(id, sizeof id, "held-%d", i);
        char *held = event_body("message_inbound", id);
        post_keepalive(fds[i], held);
        free(held);
    }
    /* A fourth connection waits unserved in the listen backlog... */
    int extra = connect_raw(w.port);
    char *body = event_body("message_inbound", "after-limit");
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                     "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     strlen(body), body);
    assert_int_equal(send(extra, req, (size_t)n, 0), n);
    struct pollfd p = {extra, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 500), 0); /* not served during this window */
    assert_int_equal(stats(w.srv).requests, 3);
    /* ...until one of the three goes. */
    close(fds[0]);
    assert_int_equal(poll(&p, 1, 5000), 1);
    char answer[512];
    ssize_t got = recv(extra, answer, sizeof answer - 1, 0);
    assert_true(got > 12);
    answer[got] = '\0';
    assert_non_null(strstr(answer, "HTTP/1.1 200"));
    close(extra);
    close(fds[1]);
    close(fds[2]);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.calls, 4);
    free(body);
    sink_destroy(&w.s);
}

static void test_webhook_server__too_large_refused_with_413(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    rig_start(&w);

    size_t len = 2u << 20;
    char *big = malloc(len + 1);
    assert_non_null(big);
    memset(big, ' ', len);
    memcpy(big, "{\"event\":\"message_inbound\",\"webhook_id\":\"big\"}", 46);
    big[len] = '\0';
    CURL *c = curl_easy_init();
    /* A client that asks first (Expect: 100-continue, as curl does) gets the 413 instead of
     * the go-ahead, and never sends the body. */
    expect_100 = 1;
    ts_http_res r = http(c, "POST", w.port, "/webhook", SECRET, big, len);
    expect_100 = 0;
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "{\"error\":\"payload too large\"}");
    /* A client that sends the body straight away gets the 413 too, unless the connection
     * reset (the receiver closes without reading the body) overtakes it; never a 200. */
    r = http(c, "POST", w.port, "/webhook", SECRET, big, len);
    assert_true(r.status == 413 || (r.status == 0 && r.rc != CURLE_OK));

    /* Without Content-Length (chunked), the limit cuts in while reading. */
    struct curl_slist *hd = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    hd = curl_slist_append(hd, "Authorization: " SECRET);
    CURL *c2 = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/webhook", (unsigned int)w.port);
    curl_easy_setopt(c2, CURLOPT_URL, url);
    curl_easy_setopt(c2, CURLOPT_POSTFIELDS, big);
    curl_easy_setopt(c2, CURLOPT_POSTFIELDSIZE, -1L);
    curl_easy_setopt(c2, CURLOPT_HTTPHEADER, hd);
    ts_http_res r2;
    memset(&r2, 0, sizeof r2);
    curl_easy_setopt(c2, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(c2, CURLOPT_WRITEDATA, &r2);
    curl_easy_setopt(c2, CURLOPT_TIMEOUT_MS, 20000L);
    CURLcode cc = curl_easy_perform(c2);
    long code = 0;
    curl_easy_getinfo(c2, CURLINFO_RESPONSE_CODE, &code);
    /* Read to its end (it is within 4 times the limit) and answered 413. */
    assert_int_equal(cc, CURLE_OK);
    assert_int_equal(code, 413);
    curl_slist_free_all(hd);
    curl_easy_cleanup(c2);

    /* Exactly at the limit is fine. */
    w.o.max_body_bytes = 1000;
    loopmsg_webhook_server *small = start(&w.o);
    char at[1001];
    memset(at, ' ', 1000);
    at[1000] = '\0';
    const char *small_ev = "{\"event\":\"unknown\",\"webhook_id\":\"at-limit\"}";
    memcpy(at, small_ev, strlen(small_ev));
    r = http(c, "POST", loopmsg_webhook_server_port(small), "/webhook", SECRET, at, 1000);
    assert_int_equal(r.status, 200);
    r = http(c, "POST", loopmsg_webhook_server_port(small), "/webhook", SECRET, big, 1001);
    assert_int_equal(r.status, 413);
    loopmsg_webhook_server_free(small);

    loopmsg_webhook_server_stop(w.srv);
    assert_int_equal(w.s.calls, 1); /* only the at-limit event */
    loopmsg_webhook_server_free(w.srv);
    curl_easy_cleanup(c);
    free(big);
    sink_destroy(&w.s);
}

/* Read the answer on a raw connection until the peer closes (at most 10 s); returns its
 * status code, 0 if none came. */
static int read_status(int fd)
{
    char answer[4096];
    size_t got = 0;
    uint64_t end = ts_now_ms() + 10000;
    while (got < sizeof answer - 1 && ts_now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    answer[got] = '\0';
    int status = 0;
    if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1)
        return 0;
    return status;
}

/* A body over max_body_bytes announced by Content-Length: 413 from the headers alone, and the
 * body is never read. */
static void test_webhook_server__oversized_content_length_answers_413(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.o.max_body_bytes = 1000;
    rig_start(&w);
    int fd = connect_raw(loopmsg_webhook_server_port(w.srv));
    const char *head = "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                       "\r\nContent-Length: 1001\r\n\r\n";
    wh_send_all(fd, head, strlen(head));
    assert_int_equal(read_status(fd), 413);
    close(fd);
    assert_int_equal(stats(w.srv).rejected, 1);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.calls, 0);
    sink_destroy(&w.s);
}

/* Send a chunked POST whose body is `total` bytes (in 500-byte chunks) and return the status
 * of the answer. */
static int post_chunked(uint16_t port, size_t total)
{
    int fd = connect_raw(port);
    const char *head = "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                       "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    wh_send_all(fd, head, strlen(head));
    char chunk[600];
    memset(chunk, 0, sizeof chunk);
    for (size_t sent = 0; sent < total;) {
        size_t n = total - sent < 500 ? total - sent : 500;
        int k = snprintf(chunk, sizeof chunk, "%zx\r\n", n);
        memset(chunk + k, ' ', n);
        if (sent == 0)
            memcpy(chunk + k, "{\"event\":\"message_inbound\",\"webhook_id\":\"chunked\"}", 50);
        memcpy(chunk + k + n, "\r\n", 2);
        if (send(fd, chunk, (size_t)k + n + 2, MSG_NOSIGNAL) <= 0)
            break; /* closed early: read what the receiver said */
        sent += n;
    }
    (void)send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    int status = read_status(fd);
    close(fd);
    return status;
}

/* A chunked body (no Content-Length) over the limit gets 413 as well, not a dropped
 * connection; exactly at the limit it is accepted. */
static void test_webhook_server__oversized_chunked_body_answers_413(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.o.max_body_bytes = 1000;
    rig_start(&w);
    assert_int_equal(post_chunked(w.port, 1001), 413);
    assert_int_equal(post_chunked(w.port, 3000), 413);
    assert_int_equal(post_chunked(w.port, 1000), 200);
    /* Beyond 4 times the limit the rest is not read: the connection is closed unanswered. */
    assert_int_equal(post_chunked(w.port, 5000), 0);
    loopmsg_webhook_server_stats st = stats(w.srv);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.accepted, 1);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.calls, 1);
    sink_destroy(&w.s);
}

static void test_webhook_server__slow_client_cut_off(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.o.timeout_ms = 1000;
    rig_start(&w);

    /* 1. Headers promise 100 bytes; 10 arrive, then nothing. */
    int fd = connect_raw(w.port);
    const char *head = "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                       "\r\nContent-Length: 100\r\n\r\n{\"event\":";
    assert_true(send(fd, head, strlen(head), 0) == (ssize_t)strlen(head));
    long t = wh_wait_closed(fd, 6000);
    assert_true(t >= 0); /* closed by the server */
    assert_true(t < 5000);
    close(fd);

    /* 2. Headers that never finish. */
    fd = connect_raw(w.port);
    const char *partial = "POST /webhook HTTP/1.1\r\nHost: x\r\n";
    assert_true(send(fd, partial, strlen(partial), 0) == (ssize_t)strlen(partial));
    t = wh_wait_closed(fd, 6000);
    assert_true(t >= 0 && t < 5000);
    close(fd);

    /* 3. A body trickled a byte every 150 ms: never idle, but the whole-request deadline
     * (1 s) cuts it off long before its 100 bytes are in. */
    fd = connect_raw(w.port);
    const char *head2 = "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
                        "\r\nContent-Length: 100\r\n\r\n";
    assert_true(send(fd, head2, strlen(head2), 0) == (ssize_t)strlen(head2));
    uint64_t t0 = ts_now_ms();
    int sent = 0, closed = 0;
    while (sent < 100 && ts_now_ms() - t0 < 8000) {
        if (send(fd, " ", 1, MSG_NOSIGNAL) != 1) {
            closed = 1;
            break;
        }
        sent++;
        if (wh_wait_closed(fd, 150) >= 0) {
            closed = 1;
            break;
        }
    }
    assert_true(closed);
    assert_true(sent < 100);
    assert_true(ts_now_ms() - t0 < 5000 || ts_slow());
    close(fd);

    /* The receiver is still fine. */
    char *body = event_body("message_inbound", "after-slow");
    assert_int_equal(post(w.port, "/webhook", SECRET, body).status, 200);
    loopmsg_webhook_server_stop(w.srv);
    assert_int_equal(w.s.calls, 1);
    loopmsg_webhook_server_free(w.srv);
    free(body);
    sink_destroy(&w.s);
}

/* Headers trickled a byte every 150 ms (never idle, so only the headers deadline can cut
 * them), from a client that arrives after a quiet spell and then after a completed
 * keep-alive request: the sweeper sleeps at most timeout_ms and is never woken when a
 * connection is listed, so each is still cut at its deadline. */
static void trickle_headers_until_cut(int fd)
{
    const char *head = "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    assert_true(send(fd, head, strlen(head), MSG_NOSIGNAL) == (ssize_t)strlen(head));
    uint64_t t0 = ts_now_ms();
    int closed = 0;
    /* Without the deadline the trickle would go on forever: the loop gives up at 8 s (20 s
     * when slowed by valgrind) and the test fails on `closed`. */
    uint64_t limit = ts_slow() ? 20000 : 8000;
    while (!closed && ts_now_ms() - t0 < limit) {
        closed = send(fd, "a", 1, MSG_NOSIGNAL) != 1 || wh_wait_closed(fd, 150) >= 0;
    }
    assert_true(closed);
    assert_true(ts_now_ms() - t0 < 5000 || ts_slow());
}

static void test_webhook_server__headers_deadline_after_quiet_spell(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.o.timeout_ms = 1000;
    rig_start(&w);
    /* These two sleeps are the scenario, not a wait for something: a spell longer than
     * timeout_ms in which nothing happens, so that the sweeper has gone to sleep with nothing
     * listed (there is no event to wait for: it is asleep precisely because none came). */
    ts_sleep_ms(1500);
    int fd = connect_raw(w.port);
    trickle_headers_until_cut(fd);
    close(fd);

    /* A keep-alive connection rejoins the list once its request completes. */
    char *body = event_body("message_inbound", "quiet-1");
    fd = connect_raw(w.port);
    post_keepalive(fd, body);
    ts_sleep_ms(1500);
    trickle_headers_until_cut(fd);
    close(fd);
    loopmsg_webhook_server_stop(w.srv);
    assert_int_equal(w.s.calls, 1);
    loopmsg_webhook_server_free(w.srv);
    free(body);
    sink_destroy(&w.s);
}

static void test_webhook_server__slow_callback_does_not_delay_200(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    sink_block(&w.s);
    rig_start(&w);
    char *b1 = event_body("message_inbound", "slow-1");
    char *b2 = event_body("message_inbound", "slow-2");
    ts_http_res r1 = post(w.port, "/webhook", SECRET, b1);
    ts_http_res r2 = post(w.port, "/webhook", SECRET, b2);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 200);
    /* Measured, not a tight bound: the answers came back while the callbacks slept. */
    print_message("200s after %ld ms and %ld ms with the callbacks asleep\n", r1.elapsed_ms,
                  r2.elapsed_ms);
    assert_true(r1.elapsed_ms < (ts_slow() ? 15000 : 5000));
    assert_true(r2.elapsed_ms < (ts_slow() ? 15000 : 5000));
    /* Both callbacks are (or are about to be) asleep on the two workers. */
    loopmsg_webhook_server_stats st = wait_in_progress(w.srv, 2);
    assert_int_equal(st.handled, 0);
    assert_int_equal(st.in_progress, 2);
    sink_release(&w.s);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.calls, 2);
    free(b1);
    free(b2);
    sink_destroy(&w.s);
}

static void test_webhook_server__full_queue_answers_503(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    sink_block(&w.s);
    w.o.worker_threads = 1;
    w.o.queue_capacity = 2;
    rig_start(&w);
    char *b[5];
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "q-%d", i);
        b[i] = event_body("message_inbound", id);
    }
    assert_int_equal(post(w.port, "/webhook", SECRET, b[0]).status, 200);
    /* Wait until the worker holds q-0, so that the queue itself is empty. */
    assert_int_equal(wait_in_progress(w.srv, 1).in_progress, 1);
    assert_int_equal(post(w.port, "/webhook", SECRET, b[1]).status, 200);
    assert_int_equal(post(w.port, "/webhook", SECRET, b[2]).status, 200);
    assert_int_equal(post(w.port, "/webhook", SECRET, b[3]).status, 503);
    assert_int_equal(stats(w.srv).busy, 1);
    sink_release(&w.s);
    assert_int_equal(sink_wait(&w.s, 3), 3);
    /* The refused event was not remembered: its redelivery is accepted and handled. */
    assert_int_equal(post(w.port, "/webhook", SECRET, b[3]).status, 200);
    assert_int_equal(sink_wait(&w.s, 4), 4);
    loopmsg_webhook_server_free(w.srv);
    for (int i = 0; i < 5; i++)
        free(b[i]);
    sink_destroy(&w.s);
}

static void test_webhook_server__ack_after_handling_500_then_redelivery(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.s.fail_first = 1;
    w.o.ack_after_handling = true;
    rig_start(&w);
    char *body = event_body("message_failed", "ack-1");
    ts_http_res r = post(w.port, "/webhook", SECRET, body);
    assert_int_equal(r.status, 500);
    assert_int_equal(sink_calls(&w.s), 1); /* the answer came after the callback */
    /* Loop redelivers: the id was not marked as seen, so it is handled again. */
    r = post(w.port, "/webhook", SECRET, body);
    assert_int_equal(r.status, 200);
    assert_int_equal(sink_calls(&w.s), 2);
    /* Now it is seen: a third copy is acknowledged without running the callbacks. */
    r = post(w.port, "/webhook", SECRET, body);
    assert_int_equal(r.status, 200);
    assert_int_equal(sink_calls(&w.s), 2);
    loopmsg_webhook_server_stats st = stats(w.srv);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.handled, 1);
    assert_int_equal(st.duplicates, 1);
    loopmsg_webhook_server_free(w.srv);
    assert_int_equal(w.s.errors, 1); /* on_error saw the failure */
    free(body);
    sink_destroy(&w.s);
}

static void test_webhook_server__ack_after_handling_waits_for_callbacks(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.s.sleep_ms = 300;
    w.o.ack_after_handling = true;
    rig_start(&w);
    char *body = event_body("message_inbound", "ack-wait");
    ts_http_res r = post(loopmsg_webhook_server_port(w.srv), "/webhook", SECRET, body);
    assert_int_equal(r.status, 200);
    assert_true(r.elapsed_ms >= 290);
    assert_int_equal(sink_calls(&w.s), 1);
    loopmsg_webhook_server_free(w.srv);
    free(body);
    sink_destroy(&w.s);
}

static void test_webhook_server__graceful_stop_finishes_the_queue(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    w.s.sleep_ms = 20;
    w.o.worker_threads = 1;
    rig_start(&w);
    CURL *c = curl_easy_init();
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "stop-%d", i);
        char *body = event_body("message_inbound", id);
        assert_int_equal(http(c, "POST", w.port, "/webhook", SECRET, body, strlen(body)).status,
                         200);
        free(body);
    }
    assert_true(sink_calls(&w.s) < 20); /* most are still queued */
    loopmsg_webhook_server_stop(w.srv);
    assert_int_equal(w.s.calls, 20);
    loopmsg_webhook_server_stop(w.srv); /* idempotent */
    /* Nothing listens any more. */
    char *body = event_body("message_inbound", "late");
    ts_http_res r = http(c, "POST", w.port, "/webhook", SECRET, body, strlen(body));
    assert_int_not_equal(r.rc, CURLE_OK);
    free(body);
    loopmsg_webhook_server_free(w.srv);
    curl_easy_cleanup(c);
    sink_destroy(&w.s);
}

/* A \u0000 in the text is valid JSON: 200 and delivered (a 400 would make Loop retry the
 * event and finally drop it), with U+FFFD in the C string and the raw body intact. */
static void test_webhook_server__escaped_nul_in_text_answers_200(void **state)
{
    (void)state;
    rig w;
    rig_init(&w);
    rig_start(&w);
    const char *body = "{\"event\":\"message_inbound\",\"webhook_id\":\"nul-1\","
                       "\"contact\":\"+14155550142\",\"text\":\"a\\u0000b\"}";
    ts_http_res r = post(loopmsg_webhook_server_port(w.srv), "/webhook", SECRET, body);
    assert_int_equal(r.status, 200);
    assert_int_equal(sink_wait(&w.s, 1), 1);
    loopmsg_webhook_server_free(w.srv);
    assert_string_equal(w.s.last_id, "nul-1");
    assert_string_equal(w.s.last_text, "a\xef\xbf\xbd"
                                       "b");
    sink_destroy(&w.s);
}

/* Clients that open connection after connection (GET /health, HTTP/1.0) until told to stop. */
typedef struct hammer {
    uint16_t port;
    atomic_int done;
    atomic_int answered;
} hammer;

static void *hammer_main(void *arg)
{
    hammer *hm = arg;
    static const char req[] = "GET /health HTTP/1.0\r\n\r\n";
    while (!atomic_load(&hm->done)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            continue;
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons(hm->port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
            send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1) &&
            wh_wait_closed(fd, 5000) >= 0)
            atomic_fetch_add(&hm->answered, 1);
        close(fd);
    }
    return NULL;
}

/* epoll instances open in this process (-1 when /proc/self/fd cannot be read). */
static int epoll_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strcmp(target, "anon_inode:[eventpoll]") == 0;
        }
    }
    closedir(d);
    return n;
}

/* The race that made stop abort lives in libmicrohttpd's epoll mode (see docs/webhooks.md,
 * "Stopping"): the receiver must not use it. */
static void test_webhook_server__http_threads_do_not_use_epoll(void **state)
{
    (void)state;
    int before = epoll_fds();
    if (before < 0)
        skip();
    loopmsg_webhook_server_options o = wh_server_options(secrets, NULL, NULL);
    static const unsigned int counts[] = {0, 1, 4}; /* 0: the default */
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        o.http_threads = counts[i];
        loopmsg_webhook_server *srv = start(&o);
        assert_int_equal(epoll_fds(), before);
        loopmsg_webhook_server_free(srv);
    }
}

/* Stopping while connections keep arriving on every HTTP thread must never abort the
 * process. (libmicrohttpd 0.9.75 panics in MHD_quiesce_daemon() when an epoll worker
 * removes the listen socket from its epoll set at the same moment.) */
static void test_webhook_server__stop_under_connection_load_never_aborts(void **state)
{
    (void)state;
    sink s;
    sink_init(&s);
    loopmsg_webhook_handlers h = handlers();
    loopmsg_webhook_server_options o = options(&h, &s);
    o.http_threads = 4;
    for (int round = 0; round < 100; round++) {
        loopmsg_webhook_server *srv = start(&o);
        hammer hm;
        hm.port = loopmsg_webhook_server_port(srv);
        atomic_init(&hm.done, 0);
        atomic_init(&hm.answered, 0);
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &hm), 0);
        /* Keep-alive connections spread over the HTTP threads, closed just before the stop
         * so that every thread is awake when it comes. */
        int fds[8];
        for (int i = 0; i < 8; i++) {
            fds[i] = connect_raw(hm.port);
            static const char ka[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
            assert_int_equal(send(fds[i], ka, sizeof ka - 1, 0), (ssize_t)(sizeof ka - 1));
            char buf[256];
            assert_true(recv(fds[i], buf, sizeof buf, 0) > 0);
        }
        /* Stop only once connections are flowing. */
        uint64_t end = ts_now_ms() + 10000;
        while (atomic_load(&hm.answered) < 4 && ts_now_ms() < end)
            ts_sleep_ms(1);
        assert_true(atomic_load(&hm.answered) >= 4);
        for (int i = 0; i < 8; i++)
            close(fds[i]);
        loopmsg_webhook_server_stop(srv);
        atomic_store(&hm.done, 1);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        loopmsg_webhook_server_free(srv);
    }
    sink_destroy(&s);
}

static void test_webhook_server__no_secrets_no_path_accepts_anything(void **state)
{
    (void)state;
    sink s;
    sink_init(&s);
    loopmsg_webhook_handlers h = handlers();
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.handlers = &h;
    o.user_data = &s;
    o.bind_address = "::1";
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&o, &srv, &err) != LOOPMSG_OK) {
        /* No IPv6 loopback here: fall back to the default address. */
        o.bind_address = NULL;
        srv = start(&o);
    }
    uint16_t port = loopmsg_webhook_server_port(srv);
    char url[128];
    snprintf(url, sizeof url, "http://%s:%u/any/path", o.bind_address ? "[::1]" : "127.0.0.1",
             (unsigned int)port);
    CURL *c = curl_easy_init();
    const char *body = "{\"event\":\"inbound_call\",\"webhook_id\":\"open-1\"}";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    ts_http_res r;
    memset(&r, 0, sizeof r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    assert_int_equal(code, 200);
    curl_easy_cleanup(c);
    loopmsg_webhook_server_free(srv);
    assert_int_equal(s.calls, 1);
    sink_destroy(&s);
}

static void test_webhook_server__bad_options(void **state)
{
    (void)state;
    loopmsg_webhook_server *srv = (loopmsg_webhook_server *)0x1;
    loopmsg_error err;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    assert_int_equal(loopmsg_webhook_server_start(NULL, &srv, &err), LOOPMSG_E_INVALID_ARG);
    assert_null(srv);
    assert_int_equal(loopmsg_webhook_server_start(&o, NULL, &err), LOOPMSG_E_INVALID_ARG);

    loopmsg_webhook_server_options bad = o;
    bad.version = 0;
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT"));

    bad = o;
    bad.bind_address = "localhost";
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "bind_address"));

    bad = o;
    bad.path = "webhook";
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "path"));

    static const char *const empty[] = {""};
    bad = o;
    bad.secrets = empty;
    bad.secret_count = 1;
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_INVALID_ARG);
    assert_string_equal(err.message, "secrets[0] is empty");

    loopmsg_webhook_handlers h = {0};
    bad = o;
    bad.handlers = &h;
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_INVALID_ARG);

    /* A port that is taken. */
    loopmsg_webhook_server *first = start(&o);
    bad = o;
    bad.port = loopmsg_webhook_server_port(first);
    assert_int_equal(loopmsg_webhook_server_start(&bad, &srv, &err), LOOPMSG_E_TRANSPORT);
    assert_null(srv);
    loopmsg_webhook_server_free(first);

    loopmsg_webhook_server_stats st = {0};
    assert_int_equal(loopmsg_webhook_server_stats_get(NULL, &st), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_webhook_server_port(NULL), 0);
    loopmsg_webhook_server_stop(NULL);
    loopmsg_webhook_server_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_server__status_codes),
        cmocka_unit_test(test_webhook_server__delivers_every_sample_typed),
        cmocka_unit_test(test_webhook_server__repeats_delivered_once),
        cmocka_unit_test(test_webhook_server__repeat_while_in_flight_is_not_delivered_again),
        cmocka_unit_test(test_webhook_server__connection_limit),
        cmocka_unit_test(test_webhook_server__too_large_refused_with_413),
        cmocka_unit_test(test_webhook_server__oversized_content_length_answers_413),
        cmocka_unit_test(test_webhook_server__oversized_chunked_body_answers_413),
        cmocka_unit_test(test_webhook_server__slow_client_cut_off),
        cmocka_unit_test(test_webhook_server__headers_deadline_after_quiet_spell),
        cmocka_unit_test(test_webhook_server__slow_callback_does_not_delay_200),
        cmocka_unit_test(test_webhook_server__full_queue_answers_503),
        cmocka_unit_test(test_webhook_server__ack_after_handling_500_then_redelivery),
        cmocka_unit_test(test_webhook_server__ack_after_handling_waits_for_callbacks),
        cmocka_unit_test(test_webhook_server__graceful_stop_finishes_the_queue),
        cmocka_unit_test(test_webhook_server__escaped_nul_in_text_answers_200),
        cmocka_unit_test(test_webhook_server__http_threads_do_not_use_epoll),
        cmocka_unit_test(test_webhook_server__stop_under_connection_load_never_aborts),
        cmocka_unit_test(test_webhook_server__no_secrets_no_path_accepts_anything),
        cmocka_unit_test(test_webhook_server__bad_options),
    };
    return cmocka_run_group_tests(tests, wh_group_setup, wh_group_teardown);
}
