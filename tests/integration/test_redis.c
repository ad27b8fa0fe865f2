/* SPDX-License-Identifier: MIT */
/*
 * test_redis.c: libloopmsg_redis itself (no CLI) against a real redis-server started by the
 * test (tests/support/redis_support.c). The publisher: the Lua step stores the fields exactly
 * as received, remembers the webhook_id with its TTL and appends nothing for a duplicate;
 * a failed XADD forgets the id again; bad URLs, wrong passwords and an unreachable server are
 * refused without quoting the password. The receiver's accept_cb answers 503 (never 200)
 * while Redis is down and 200 again once it is back. The consumer: typed handlers, the
 * acknowledgement only after the callback, retries up to max_attempts and then KEY:dead with
 * the last error, an unparseable body to KEY:dead at once, XAUTOCLAIM of a dead consumer's
 * pending entries, several workers and consumers exactly once, a lost Redis, and a stop that
 * finishes and acknowledges the entry in hand. Skips without redis-server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/redis.h>
#include <loopmsg/webhook_server.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "redis_support.h"
#include "test_support.h"
#include "webhook_support.h"

#define SECRET   "wh-secret"
#define STREAM   "hooks"
#define DEAD     "hooks:dead"
#define GROUP    "g"
#define PASSWORD "pw-Zq8!secret"

static const char *const secrets[] = {SECRET};

/* Generous bounds on waits for conditions (valgrind runs 20-50 times slower). */
#define WAIT_MS 60000u

typedef struct fixture {
    rs_server redis;
    redisContext *rc; /* for assertions */
} fixture;

static int setup(void **state)
{
    *state = NULL;
    if (!rs_available()) {
        print_message("redis-server not installed: skipping\n");
        return 0;
    }
    ts_setup(state);
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    rs_start(&f->redis);
    f->rc = rs_connect(&f->redis);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    if (f->rc)
        redisFree(f->rc);
    rs_destroy(&f->redis);
    free(f);
    return ts_teardown(state);
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* Log lines collected from any thread. */
typedef struct logbuf {
    pthread_mutex_t lock;
    char text[16384];
    size_t len;
} logbuf;

static void log_init(logbuf *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
}

static void log_cb(loopmsg_log_level level, const char *line, void *ud)
{
    (void)level;
    logbuf *l = ud;
    pthread_mutex_lock(&l->lock);
    int n = snprintf(l->text + l->len, sizeof l->text - l->len, "%s\n", line);
    if (n > 0)
        l->len = l->len + (size_t)n < sizeof l->text ? l->len + (size_t)n : sizeof l->text - 1;
    pthread_mutex_unlock(&l->lock);
}

static int log_has(logbuf *l, const char *needle)
{
    pthread_mutex_lock(&l->lock);
    int found = strstr(l->text, needle) != NULL;
    pthread_mutex_unlock(&l->lock);
    return found;
}

static loopmsg_webhook_event *parse(const char *body)
{
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_parse(body, strlen(body), &ev, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    return ev;
}

static char *inbound_body(const char *id)
{
    char *b = malloc(256);
    assert_non_null(b);
    snprintf(b, 256,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"%s\",\"api_version\":\"1.0\","
             "\"contact\":\"+14155550142\",\"text\":\"hi\"}",
             id);
    return b;
}

static loopmsg_redis_publisher *publisher_ex(const char *url, unsigned int ttl_s, logbuf *log)
{
    loopmsg_redis_publisher_options o = LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT;
    o.url = url;
    o.stream = STREAM;
    o.dedupe_ttl_s = ttl_s;
    o.timeout_ms = 5000;
    if (log) {
        o.log_cb = log_cb;
        o.log_user_data = log;
    }
    loopmsg_redis_publisher *p = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_redis_publisher_new(&o, &p, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_non_null(p);
    return p;
}

static loopmsg_redis_publisher *publisher(fixture *f)
{
    return publisher_ex(f->redis.url, 0, NULL);
}

/* Publish a body; returns whether it was a duplicate. */
static bool publish_body(loopmsg_redis_publisher *p, const char *body)
{
    loopmsg_webhook_event *ev = parse(body);
    bool dup = true;
    loopmsg_error err;
    loopmsg_status st = loopmsg_redis_publish(p, ev, &dup, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_int_equal(err.status, LOOPMSG_OK);
    assert_string_equal(err.message, "");
    loopmsg_webhook_event_free(ev);
    return dup;
}

static void publish_id(loopmsg_redis_publisher *p, const char *id)
{
    char *b = inbound_body(id);
    assert_false(publish_body(p, b));
    free(b);
}

/* The value of field `name` of a stream entry ([id, [k, v, ...]]); NULL when absent. */
static const redisReply *field(const redisReply *entry, const char *name)
{
    const redisReply *fl = entry->element[1];
    for (size_t k = 0; k + 1 < fl->elements; k += 2)
        if (strcmp(fl->element[k]->str, name) == 0)
            return fl->element[k + 1];
    return NULL;
}

static void assert_field(const redisReply *entry, const char *name, const char *want,
                         size_t want_len)
{
    const redisReply *v = field(entry, name);
    if (!v)
        fail_msg("the entry has no field %s", name);
    assert_int_equal(v->type, REDIS_REPLY_STRING);
    if (v->len != want_len || memcmp(v->str, want, want_len) != 0)
        fail_msg("field %s is \"%.*s\", expected \"%.*s\"", name, (int)v->len, v->str,
                 (int)want_len, want);
}

#define assert_field_str(e, name, want) assert_field((e), (name), (want), strlen(want))

static long long xlen(fixture *f, const char *key)
{
    return rs_int(rs_cmd(f->rc, "XLEN %s", key));
}

static long long pending(fixture *f)
{
    redisReply *r = rs_cmd(f->rc, "XPENDING %s %s", STREAM, GROUP);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    long long v = r->element[0]->integer;
    freeReplyObject(r);
    return v;
}

/* ---- the publisher ---------------------------------------------------------------------- */

static void test_redis__publish_stores_the_fields_exactly_as_received(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher_ex(f->redis.url, 120, NULL);
    /* Spacing, a newline, an escape and raw UTF-8: the body field is these bytes, not a
     * re-encoding. */
    const char body[] = "{ \"event\" : \"message_inbound\",\n  \"webhook_id\":\"wid-1\", "
                        "\"contact\":\"+15550100\", \"text\":\"caf\\u00e9 \xe2\x9c\x93\" }";
    assert_false(publish_body(p, body));
    redisReply *r = rs_cmd(f->rc, "XRANGE %s - +", STREAM);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 1);
    const redisReply *e = r->element[0];
    assert_int_equal(e->element[1]->elements, 6); /* webhook_id, event, body: nothing else */
    assert_field_str(e, "webhook_id", "wid-1");
    assert_field_str(e, "event", "message_inbound");
    assert_field(e, "body", body, sizeof body - 1);
    freeReplyObject(r);
    /* The id is remembered under STREAM:seen:ID for dedupe_ttl_s. */
    long long ttl = rs_int(rs_cmd(f->rc, "TTL %s:seen:wid-1", STREAM));
    assert_true(ttl > 0 && ttl <= 120);
    loopmsg_redis_publisher_free(p);
}

static void test_redis__publish_duplicate_is_not_appended(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    loopmsg_redis_publisher *other = publisher(f); /* a second receiver */
    char *b = inbound_body("dup-1");
    assert_false(publish_body(p, b));
    assert_true(publish_body(p, b));
    assert_true(publish_body(other, b));
    assert_int_equal(xlen(f, STREAM), 1);
    /* The default TTL: 24 h. */
    long long ttl = rs_int(rs_cmd(f->rc, "TTL %s:seen:dup-1", STREAM));
    assert_true(ttl > 86000 && ttl <= 86400);
    /* Once forgotten (the TTL ran out), the same id is appended again. */
    assert_int_equal(rs_int(rs_cmd(f->rc, "PEXPIRE %s:seen:dup-1 1", STREAM)), 1);
    uint64_t end = ts_now_ms() + WAIT_MS;
    while (rs_int(rs_cmd(f->rc, "EXISTS %s:seen:dup-1", STREAM)) != 0 && ts_now_ms() < end)
        ts_sleep_ms(1);
    assert_false(publish_body(other, b));
    assert_int_equal(xlen(f, STREAM), 2);
    free(b);
    /* Without a webhook_id there is nothing to deduplicate on: always appended. */
    const char *noid = "{\"event\":\"message_inbound\",\"contact\":\"+15550100\",\"text\":\"x\"}";
    assert_false(publish_body(p, noid));
    assert_false(publish_body(p, noid));
    assert_int_equal(xlen(f, STREAM), 4);
    loopmsg_redis_publisher_free(other);
    loopmsg_redis_publisher_free(p);
}

static void test_redis__publish_failed_xadd_forgets_the_id(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    /* The stream key holds a string: XADD fails inside the script. */
    freeReplyObject(rs_cmd(f->rc, "SET %s not-a-stream", STREAM));
    char *b = inbound_body("wt-1");
    loopmsg_webhook_event *ev = parse(b);
    bool dup = true;
    loopmsg_error err;
    loopmsg_status st = loopmsg_redis_publish(p, ev, &dup, &err);
    ts_assert_status(LOOPMSG_E_TRANSPORT, st, &err);
    assert_false(dup);
    assert_int_equal(err.flags, LOOPMSG_ERRF_RETRYABLE);
    ts_assert_contains(err.message, "Redis did not store the event");
    ts_assert_contains(err.message, "WRONGTYPE");
    /* Not remembered: Loop's redelivery must not be taken for a duplicate. */
    assert_int_equal(rs_int(rs_cmd(f->rc, "EXISTS %s:seen:wt-1", STREAM)), 0);
    assert_int_equal(rs_int(rs_cmd(f->rc, "DEL %s", STREAM)), 1);
    st = loopmsg_redis_publish(p, ev, &dup, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_false(dup);
    assert_int_equal(xlen(f, STREAM), 1);
    loopmsg_webhook_event_free(ev);
    free(b);
    loopmsg_redis_publisher_free(p);
}

static loopmsg_status try_publisher(const char *url, loopmsg_error *err)
{
    loopmsg_redis_publisher_options o = LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT;
    o.url = url;
    loopmsg_redis_publisher *p = (loopmsg_redis_publisher *)&o; /* must be set to NULL */
    loopmsg_status st = loopmsg_redis_publisher_new(&o, &p, err);
    if (st == LOOPMSG_OK)
        loopmsg_redis_publisher_free(p);
    else
        assert_null(p);
    return st;
}

static void test_redis__publisher_new_refuses_bad_url_password_and_absent_server(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_error err;
    loopmsg_redis_publisher *p = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_redis_publisher_new(NULL, &p, &err), &err);
    loopmsg_redis_publisher_options o = {0};
    o.url = f->redis.url;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_redis_publisher_new(&o, &p, &err), &err);
    ts_assert_contains(err.message, "LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT");

    ts_assert_status(LOOPMSG_E_INVALID_ARG, try_publisher("http://127.0.0.1", &err), &err);
    assert_string_equal(err.message, "url: Redis URL: must start with redis:// or unix://");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, try_publisher("redis://127.0.0.1:99999", &err), &err);
    assert_string_equal(err.message, "url: Redis URL: the port must be 1..65535");

    uint16_t port;
    int fd = ts_bound_port(&port);
    char url[128], want[128];
    snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%d", PASSWORD, port);
    ts_assert_status(LOOPMSG_E_TRANSPORT, try_publisher(url, &err), &err);
    snprintf(want, sizeof want, "cannot connect to Redis at 127.0.0.1:%d", port);
    ts_assert_contains(err.message, want);
    assert_null(strstr(err.message, PASSWORD));
    close(fd);

    /* A server with a password: the wrong one is refused without being quoted. */
    freeReplyObject(rs_cmd(f->rc, "CONFIG SET requirepass %s", PASSWORD));
    snprintf(url, sizeof url, "redis://:wrong-%s@127.0.0.1:%d", PASSWORD, f->redis.port);
    ts_assert_status(LOOPMSG_E_TRANSPORT, try_publisher(url, &err), &err);
    ts_assert_contains(err.message, "Redis refused the credentials");
    assert_null(strstr(err.message, PASSWORD));
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", f->redis.port);
    ts_assert_status(LOOPMSG_E_TRANSPORT, try_publisher(url, &err), &err);
    ts_assert_contains(err.message, "NOAUTH");
    /* The right one, bare, with the default user, and percent-encoded ('!' as %21). */
    snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%d", PASSWORD, f->redis.port);
    ts_assert_status(LOOPMSG_OK, try_publisher(url, &err), &err);
    snprintf(url, sizeof url, "redis://default:%s@127.0.0.1:%d/0", PASSWORD, f->redis.port);
    ts_assert_status(LOOPMSG_OK, try_publisher(url, &err), &err);
    snprintf(url, sizeof url, "redis://:pw-Zq8%%21secret@127.0.0.1:%d", f->redis.port);
    ts_assert_status(LOOPMSG_OK, try_publisher(url, &err), &err);
    freeReplyObject(rs_cmd(f->rc, "AUTH %s", PASSWORD));
    freeReplyObject(rs_cmd(f->rc, "CONFIG SET requirepass %s", ""));
}

/* ---- the receiver's hook ------------------------------------------------------------------ */

static void test_redis__receiver_answers_503_while_redis_is_down_then_200(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    logbuf log;
    log_init(&log);
    loopmsg_redis_publisher *p = publisher_ex(f->redis.url, 0, &log);
    loopmsg_webhook_server_options o = wh_server_options(secrets, NULL, NULL);
    o.accept_cb = loopmsg_redis_publisher_accept;
    o.accept_user_data = p;
    o.http_threads = 4;
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_server_start(&o, &srv, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    uint16_t port = loopmsg_webhook_server_port(srv);
    CURL *c = curl_easy_init();

    assert_int_equal(wh_post_id(c, port, SECRET, "ev", 1), 200);
    assert_int_equal(wh_post_id(c, port, SECRET, "ev", 1), 200);
    assert_int_equal(xlen(f, STREAM), 1);

    redisFree(f->rc);
    f->rc = NULL;
    rs_kill(&f->redis);
    for (int k = 2; k <= 6; k++)
        assert_int_equal(wh_post_id(c, port, SECRET, "ev", k), 503);
    assert_true(log_has(&log, "; answering 503"));
    assert_true(log_has(&log, "cannot connect to Redis at 127.0.0.1:"));

    rs_restart(&f->redis);
    f->rc = rs_connect(&f->redis);
    assert_int_equal(wh_post_id(c, port, SECRET, "ev", 2), 200);
    /* The first event and its id survived the kill (appendfsync always): a repeat is a
     * duplicate, the stream holds events 1 and 2 once each. */
    assert_int_equal(wh_post_id(c, port, SECRET, "ev", 1), 200);
    assert_int_equal(xlen(f, STREAM), 2);
    redisReply *r = rs_cmd(f->rc, "XRANGE %s - +", STREAM);
    assert_field_str(r->element[0], "webhook_id", "ev-0001");
    assert_field_str(r->element[1], "webhook_id", "ev-0002");
    freeReplyObject(r);
    curl_easy_cleanup(c);

    loopmsg_webhook_server_stats stats = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &stats), LOOPMSG_OK);
    assert_int_equal(stats.accepted, 2);
    assert_int_equal(stats.duplicates, 2);
    assert_int_equal(stats.busy, 5);
    loopmsg_webhook_server_stop(srv);
    loopmsg_webhook_server_free(srv);
    loopmsg_redis_publisher_free(p);
    pthread_mutex_destroy(&log.lock);
}

/* ---- the consumer ------------------------------------------------------------------------ */

typedef struct cons_ctx {
    fixture *f;
    redisContext *probe; /* XPENDING from inside the callbacks (one worker) */
    atomic_int inbound, delivered, failed, any;
    atomic_int
        wrong; /* a callback saw what it should not (no cmocka asserts off the main thread) */
    atomic_int pending_in_callback_min;
    atomic_int per_id[512]; /* handlings of "ev-NNNN" */
    atomic_int calls_always_fail, calls_fail_twice;
    /* stop test */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int entered, release;
    loopmsg_redis_consumer *self;
    loopmsg_status nested_run;
    uint64_t first_call_ms;
    logbuf log; /* the consumer's log lines */
} cons_ctx;

static void ctx_init(cons_ctx *x, fixture *f)
{
    memset(x, 0, sizeof *x);
    x->f = f;
    atomic_store(&x->pending_in_callback_min, 1 << 30);
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->cond, NULL);
    log_init(&x->log);
}

static void ctx_clear(cons_ctx *x)
{
    if (x->probe)
        redisFree(x->probe);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->cond);
    pthread_mutex_destroy(&x->log.lock);
}

static void count_id(cons_ctx *x, const loopmsg_webhook_event *ev)
{
    int k;
    const char *dash = ev->webhook_id ? strrchr(ev->webhook_id, '-') : NULL;
    if (dash && sscanf(dash + 1, "%d", &k) == 1 && k >= 0 && k < 512)
        atomic_fetch_add(&x->per_id[k], 1);
}

typedef struct runner {
    loopmsg_redis_consumer *c;
    pthread_t th;
    loopmsg_status st;
    loopmsg_error err;
    atomic_int returned;
} runner;

static void *run_main(void *arg)
{
    runner *r = arg;
    r->st = loopmsg_redis_consumer_run(r->c, &r->err);
    atomic_store(&r->returned, 1);
    return NULL;
}

static loopmsg_redis_consumer *consumer_ex(fixture *f, const loopmsg_webhook_handlers *h,
                                           cons_ctx *x, const char *name, unsigned int workers,
                                           unsigned int max_attempts, unsigned int claim_idle_ms)
{
    loopmsg_redis_consumer_options o = LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT;
    o.url = f->redis.url;
    o.stream = STREAM;
    o.group = GROUP;
    o.consumer = name;
    o.workers = workers;
    o.max_attempts = max_attempts;
    o.retry_delay_ms = 10;
    o.claim_idle_ms = claim_idle_ms;
    o.block_ms = 100;
    o.handlers = h;
    o.user_data = x;
    o.log_cb = log_cb;
    o.log_user_data = &x->log;
    loopmsg_redis_consumer *c = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_redis_consumer_new(&o, &c, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    return c;
}

static void run_start(runner *r, loopmsg_redis_consumer *c)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
}

static void run_stop(runner *r)
{
    loopmsg_redis_consumer_stop(r->c);
    pthread_join(r->th, NULL);
    ts_assert_status(LOOPMSG_OK, r->st, &r->err);
}

/* A consumer running on its own thread with on_any (plus what the test set in h). */
typedef struct session {
    cons_ctx x;
    loopmsg_webhook_handlers h;
    loopmsg_redis_consumer *c;
    runner r;
} session;

static void session_init(session *s, fixture *f, loopmsg_webhook_event_cb on_any)
{
    ctx_init(&s->x, f);
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    s->h = h;
    s->h.on_any = on_any;
    s->c = NULL;
}

static void session_run(session *s, const char *name, unsigned int workers,
                        unsigned int max_attempts, unsigned int claim_idle_ms)
{
    s->c = consumer_ex(s->x.f, &s->h, &s->x, name, workers, max_attempts, claim_idle_ms);
    s->x.self = s->c;
    run_start(&s->r, s->c);
}

static void session_free(session *s)
{
    loopmsg_redis_consumer_free(s->c);
    ctx_clear(&s->x);
}

static loopmsg_redis_consumer_stats stats_of(loopmsg_redis_consumer *c)
{
    loopmsg_redis_consumer_stats s = LOOPMSG_REDIS_CONSUMER_STATS_INIT;
    assert_int_equal(loopmsg_redis_consumer_stats_get(c, &s), LOOPMSG_OK);
    return s;
}

static void assert_stats(loopmsg_redis_consumer *c, uint64_t handled, uint64_t failures,
                         uint64_t dead, uint64_t claimed)
{
    loopmsg_redis_consumer_stats s = stats_of(c);
    assert_int_equal(s.handled, handled);
    assert_int_equal(s.failures, failures);
    assert_int_equal(s.dead, dead);
    assert_int_equal(s.claimed, claimed);
}

/* Wait until the consumers' handled + dead counters reach the given totals. */
static void wait_counts(loopmsg_redis_consumer *const *cs, size_t n, uint64_t handled,
                        uint64_t dead)
{
    uint64_t end = ts_now_ms() + WAIT_MS;
    for (;;) {
        uint64_t h = 0, d = 0;
        for (size_t i = 0; i < n; i++) {
            loopmsg_redis_consumer_stats s = stats_of(cs[i]);
            h += s.handled;
            d += s.dead;
        }
        if (h >= handled && d >= dead)
            return;
        if (ts_now_ms() > end)
            fail_msg("after %u ms: %llu handled (want %llu), %llu dead (want %llu)", WAIT_MS,
                     (unsigned long long)h, (unsigned long long)handled, (unsigned long long)d,
                     (unsigned long long)dead);
        ts_sleep_ms(5);
    }
}

/* A typed callback: counts into *n, and into x->wrong when given another type. */
static int typed(cons_ctx *x, const loopmsg_webhook_event *ev, loopmsg_event_type want,
                 atomic_int *n)
{
    if (ev->type != want)
        atomic_fetch_add(&x->wrong, 1);
    atomic_fetch_add(n, 1);
    return 0;
}

static int on_inbound(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    return typed(x, ev, LOOPMSG_EVENT_MESSAGE_INBOUND, &x->inbound);
}

static int on_delivered(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    return typed(x, ev, LOOPMSG_EVENT_MESSAGE_DELIVERED, &x->delivered);
}

static int on_failed(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    if (ev->api_code != 1020)
        atomic_fetch_add(&x->wrong, 1);
    return typed(x, ev, LOOPMSG_EVENT_MESSAGE_FAILED, &x->failed);
}

/* on_any: the entry is still pending in the group while its callbacks run. */
static int on_any_pending(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    /* The raw body is what was published (the entry's body field, byte for byte). */
    if (!ev->raw || ev->raw_len != strlen(ev->raw))
        atomic_fetch_add(&x->wrong, 1);
    redisReply *r = redisCommand(x->probe, "XPENDING %s %s", STREAM, GROUP);
    int n = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1)
        n = (int)r->element[0]->integer;
    if (r)
        freeReplyObject(r);
    if (n < atomic_load(&x->pending_in_callback_min))
        atomic_store(&x->pending_in_callback_min, n);
    atomic_fetch_add(&x->any, 1);
    return 0;
}

static void test_redis__consumer_dispatches_typed_handlers_and_acks_after(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    const char *files[] = {"webhooks/message_inbound.json", "webhooks/message_delivered.json",
                           "webhooks/message_failed.json", "webhooks/message_reaction.json"};
    char *bodies[4];
    for (size_t i = 0; i < 4; i++) {
        bodies[i] = ts_read_file(ts_data_path(files[i]), NULL);
        assert_non_null(bodies[i]);
        assert_false(publish_body(p, bodies[i]));
    }
    session s;
    session_init(&s, f, on_any_pending);
    s.x.probe = rs_connect(&f->redis);
    s.h.on_message_inbound = on_inbound;
    s.h.on_message_delivered = on_delivered;
    s.h.on_message_failed = on_failed;
    session_run(&s, "c1", 1, 0, 0);
    wait_counts(&s.c, 1, 4, 0);
    run_stop(&s.r);
    assert_int_equal(atomic_load(&s.x.inbound), 1);
    assert_int_equal(atomic_load(&s.x.delivered), 1);
    assert_int_equal(atomic_load(&s.x.failed), 1);
    assert_int_equal(atomic_load(&s.x.any), 4); /* the reaction: on_any only */
    assert_int_equal(atomic_load(&s.x.wrong), 0);
    /* Each callback saw its own entry still pending: the XACK comes after it. */
    assert_int_equal(atomic_load(&s.x.pending_in_callback_min), 1);
    assert_int_equal(pending(f), 0);
    assert_stats(s.c, 4, 0, 0, 0);
    assert_int_equal(xlen(f, DEAD), 0);
    session_free(&s);
    for (size_t i = 0; i < 4; i++)
        free(bodies[i]);
    loopmsg_redis_publisher_free(p);
}

static int on_any_flaky(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    if (strcmp(ev->webhook_id, "always-fail") == 0) {
        atomic_fetch_add(&x->calls_always_fail, 1);
        return 7;
    }
    /* "fail-twice": fails its first two attempts. */
    return atomic_fetch_add(&x->calls_fail_twice, 1) < 2 ? 5 : 0;
}

static void test_redis__failing_handler_goes_to_dead_after_max_attempts(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    char *fail_body = inbound_body("always-fail");
    char *twice_body = inbound_body("fail-twice");
    assert_false(publish_body(p, fail_body));
    assert_false(publish_body(p, twice_body));
    redisReply *orig = rs_cmd(f->rc, "XRANGE %s - + COUNT 1", STREAM);
    char orig_id[64];
    snprintf(orig_id, sizeof orig_id, "%s", orig->element[0]->element[0]->str);
    freeReplyObject(orig);

    session s;
    session_init(&s, f, on_any_flaky);
    session_run(&s, "c1", 1, 3, 0);
    wait_counts(&s.c, 1, 1, 1);
    run_stop(&s.r);

    assert_int_equal(atomic_load(&s.x.calls_always_fail), 3);
    assert_int_equal(atomic_load(&s.x.calls_fail_twice), 3);
    assert_stats(s.c, 1, 5, 1, 0);
    assert_int_equal(pending(f), 0);
    redisReply *d = rs_cmd(f->rc, "XRANGE %s - +", DEAD);
    assert_int_equal(d->elements, 1);
    const redisReply *e = d->element[0];
    assert_int_equal(e->element[1]->elements, 12);
    assert_field_str(e, "id", orig_id);
    assert_field_str(e, "webhook_id", "always-fail");
    assert_field_str(e, "event", "message_inbound");
    assert_field_str(e, "body", fail_body);
    assert_field_str(e, "error", "handler failed (7)");
    assert_field_str(e, "attempts", "3");
    freeReplyObject(d);
    char want[160];
    snprintf(want, sizeof want, "entry %s (webhook always-fail) moved to %s after 3 attempt(s)",
             orig_id, DEAD);
    assert_true(log_has(&s.x.log, want));
    assert_true(log_has(&s.x.log, "handler failed (5), attempt 2 of 3"));
    session_free(&s);
    free(fail_body);
    free(twice_body);
    loopmsg_redis_publisher_free(p);
}

static int on_any_count(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    count_id(x, ev);
    atomic_fetch_add(&x->any, 1);
    return 0;
}

static void test_redis__unparseable_entry_goes_to_dead_at_once(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    /* Written by something else than the publisher: a body that is not JSON, an entry
     * without a body. */
    freeReplyObject(rs_cmd(f->rc, "XADD %s * webhook_id bad-1 event message_inbound body %s",
                           STREAM, "{not json"));
    freeReplyObject(rs_cmd(f->rc, "XADD %s * webhook_id nobody-1 event message_inbound", STREAM));
    session s;
    session_init(&s, f, on_any_count);
    session_run(&s, "c1", 1, 5, 0);
    wait_counts(&s.c, 1, 0, 2);
    run_stop(&s.r);
    assert_int_equal(atomic_load(&s.x.any), 0);
    assert_stats(s.c, 0, 0, 2, 0);
    assert_int_equal(pending(f), 0);
    redisReply *d = rs_cmd(f->rc, "XRANGE %s - +", DEAD);
    assert_int_equal(d->elements, 2);
    assert_field_str(d->element[0], "webhook_id", "bad-1");
    assert_field_str(d->element[0], "body", "{not json");
    assert_field_str(d->element[0], "attempts", "0");
    const redisReply *e0 = field(d->element[0], "error");
    assert_non_null(e0);
    assert_int_equal(strncmp(e0->str, "the body does not parse: ", 25), 0);
    assert_true(e0->len > 25);
    assert_field_str(d->element[1], "webhook_id", "nobody-1");
    assert_field_str(d->element[1], "error", "the entry has no body field");
    assert_field_str(d->element[1], "attempts", "0");
    freeReplyObject(d);
    session_free(&s);
}

static int on_any_timed(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    pthread_mutex_lock(&x->lock);
    if (!x->first_call_ms)
        x->first_call_ms = ts_now_ms();
    pthread_mutex_unlock(&x->lock);
    return on_any_count(ev, ud);
}

static void test_redis__pending_entries_of_a_dead_consumer_are_claimed(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    enum { N = 20, IDLE_MS = 300 };
    loopmsg_redis_publisher *p = publisher(f);
    for (int k = 0; k < N; k++) {
        char id[32];
        snprintf(id, sizeof id, "ev-%04d", k);
        publish_id(p, id);
    }
    /* "ghost" reads every entry and dies before acknowledging any. */
    freeReplyObject(rs_cmd(f->rc, "XGROUP CREATE %s %s 0 MKSTREAM", STREAM, GROUP));
    uint64_t read_at = ts_now_ms();
    redisReply *g =
        rs_cmd(f->rc, "XREADGROUP GROUP %s ghost COUNT 100 STREAMS %s >", GROUP, STREAM);
    assert_int_equal(g->type, REDIS_REPLY_ARRAY);
    assert_int_equal(g->element[0]->element[1]->elements, N);
    freeReplyObject(g);
    assert_int_equal(pending(f), N);

    session s;
    session_init(&s, f, on_any_timed);
    session_run(&s, "alive", 1, 0, IDLE_MS);
    wait_counts(&s.c, 1, N, 0);
    run_stop(&s.r);
    /* Not before they were idle claim_idle_ms (Redis's clock and ours: a few ms apart). */
    assert_true(s.x.first_call_ms + 5 >= read_at + IDLE_MS);
    for (int k = 0; k < N; k++)
        assert_int_equal(atomic_load(&s.x.per_id[k]), 1);
    assert_stats(s.c, N, 0, 0, N);
    assert_int_equal(pending(f), 0);
    assert_true(log_has(&s.x.log, "idle for 300 ms or more"));
    session_free(&s);
    loopmsg_redis_publisher_free(p);
}

static void test_redis__two_consumers_two_workers_each_entry_once(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    int n = ts_slow() ? 60 : 300;
    cons_ctx x;
    ctx_init(&x, f);
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = on_any_count;
    loopmsg_redis_consumer *cs[2] = {consumer_ex(f, &h, &x, "a", 2, 0, 0),
                                     consumer_ex(f, &h, &x, "b", 2, 0, 0)};
    runner r[2];
    run_start(&r[0], cs[0]);
    run_start(&r[1], cs[1]);
    /* Published while the consumers read: the blocking reads wake up. */
    loopmsg_redis_publisher *p = publisher(f);
    for (int k = 0; k < n; k++) {
        char id[32];
        snprintf(id, sizeof id, "ev-%04d", k);
        publish_id(p, id);
    }
    wait_counts(cs, 2, (uint64_t)n, 0);
    run_stop(&r[0]);
    run_stop(&r[1]);
    for (int k = 0; k < n; k++)
        if (atomic_load(&x.per_id[k]) != 1)
            fail_msg("ev-%04d handled %d times", k, atomic_load(&x.per_id[k]));
    assert_int_equal(atomic_load(&x.any), n);
    assert_int_equal(pending(f), 0);
    loopmsg_redis_consumer_free(cs[0]);
    loopmsg_redis_consumer_free(cs[1]);
    ctx_clear(&x);
    loopmsg_redis_publisher_free(p);
}

static void test_redis__consumer_waits_for_redis_to_come_back(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    publish_id(p, "ev-0000");
    session s;
    session_init(&s, f, on_any_count);
    session_run(&s, "c1", 1, 0, 0);
    wait_counts(&s.c, 1, 1, 0);
    redisFree(f->rc);
    f->rc = NULL;
    rs_kill(&f->redis);
    uint64_t end = ts_now_ms() + WAIT_MS;
    while (!log_has(&s.x.log, "; retrying") && ts_now_ms() < end)
        ts_sleep_ms(5);
    assert_true(log_has(&s.x.log, "cannot connect to Redis at 127.0.0.1:"));
    rs_restart(&f->redis);
    f->rc = rs_connect(&f->redis);
    publish_id(p, "ev-0001");
    wait_counts(&s.c, 1, 2, 0);
    assert_true(log_has(&s.x.log, "connected to Redis again"));
    run_stop(&s.r);
    assert_int_equal(atomic_load(&s.x.per_id[0]), 1);
    assert_int_equal(atomic_load(&s.x.per_id[1]), 1);
    assert_int_equal(pending(f), 0);
    session_free(&s);
    loopmsg_redis_publisher_free(p);
}

/* Blocks until released; meanwhile a second run of the same consumer is refused. */
static int on_any_blocking(const loopmsg_webhook_event *ev, void *ud)
{
    cons_ctx *x = ud;
    (void)ev;
    loopmsg_error err;
    x->nested_run = loopmsg_redis_consumer_run(x->self, &err);
    pthread_mutex_lock(&x->lock);
    x->entered = 1;
    pthread_cond_broadcast(&x->cond);
    while (!x->release)
        pthread_cond_wait(&x->cond, &x->lock);
    pthread_mutex_unlock(&x->lock);
    atomic_fetch_add(&x->any, 1);
    return 0;
}

static void test_redis__stop_finishes_and_acknowledges_the_entry_in_hand(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_redis_publisher *p = publisher(f);
    publish_id(p, "ev-0000");
    session s;
    session_init(&s, f, on_any_blocking);
    session_run(&s, "c1", 2, 0, 0);
    pthread_mutex_lock(&s.x.lock);
    while (!s.x.entered)
        pthread_cond_wait(&s.x.cond, &s.x.lock);
    pthread_mutex_unlock(&s.x.lock);
    assert_int_equal(s.x.nested_run, LOOPMSG_E_STATE);
    loopmsg_redis_consumer_stop(s.c);
    /* The run waits for the callback; the entry is not acknowledged before it returns. */
    assert_int_equal(atomic_load(&s.r.returned), 0);
    assert_int_equal(pending(f), 1);
    pthread_mutex_lock(&s.x.lock);
    s.x.release = 1;
    pthread_cond_broadcast(&s.x.cond);
    pthread_mutex_unlock(&s.x.lock);
    pthread_join(s.r.th, NULL);
    ts_assert_status(LOOPMSG_OK, s.r.st, &s.r.err);
    assert_int_equal(atomic_load(&s.x.any), 1);
    assert_int_equal(pending(f), 0);
    assert_stats(s.c, 1, 0, 0, 0);
    /* Stopped stays stopped: a new run returns at once, reading nothing. */
    publish_id(p, "ev-0001");
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_redis_consumer_run(s.c, &err), &err);
    assert_int_equal(atomic_load(&s.x.any), 1);
    session_free(&s);
    loopmsg_redis_publisher_free(p);
}

static void test_redis__consumer_new_refuses_bad_options(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    struct {
        const char *url, *group, *consumer;
        const loopmsg_webhook_handlers *h;
        unsigned int workers;
        loopmsg_status st;
        const char *msg;
    } cases[] = {
        {f->redis.url, NULL, NULL, &h, 0, LOOPMSG_E_INVALID_ARG, "group is required"},
        {f->redis.url, GROUP, NULL, NULL, 0, LOOPMSG_E_INVALID_ARG, "handlers is required"},
        {f->redis.url, GROUP, "", &h, 0, LOOPMSG_E_INVALID_ARG, "consumer must be 1..200"},
        {f->redis.url, GROUP, NULL, &h, 257, LOOPMSG_E_INVALID_ARG, "at most 256 workers"},
        {"redis://", GROUP, NULL, &h, 0, LOOPMSG_E_INVALID_ARG, "url: Redis URL: no host"},
        {"redis://127.0.0.1:1", GROUP, NULL, &h, 0, LOOPMSG_E_TRANSPORT,
         "cannot connect to Redis at 127.0.0.1:1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_redis_consumer_options o = LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT;
        o.url = cases[i].url;
        o.group = cases[i].group;
        o.consumer = cases[i].consumer;
        o.handlers = cases[i].h;
        o.workers = cases[i].workers;
        loopmsg_redis_consumer *c = (loopmsg_redis_consumer *)&o;
        loopmsg_error err;
        ts_assert_status(cases[i].st, loopmsg_redis_consumer_new(&o, &c, &err), &err);
        assert_null(c);
        ts_assert_contains(err.message, cases[i].msg);
    }
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_redis_consumer_run(NULL, &err), &err);
    loopmsg_redis_consumer_stop(NULL);
    loopmsg_redis_consumer_free(NULL);
    loopmsg_redis_publisher_free(NULL);
    loopmsg_redis_consumer_stats s = {0};
    assert_int_equal(loopmsg_redis_consumer_stats_get(NULL, &s), LOOPMSG_E_INVALID_ARG);
}

static int group_setup(void **state)
{
    signal(SIGPIPE, SIG_IGN);
    return wh_group_setup(state);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(test_redis__##name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(publish_stores_the_fields_exactly_as_received),
        T(publish_duplicate_is_not_appended),
        T(publish_failed_xadd_forgets_the_id),
        T(publisher_new_refuses_bad_url_password_and_absent_server),
        T(receiver_answers_503_while_redis_is_down_then_200),
        T(consumer_dispatches_typed_handlers_and_acks_after),
        T(failing_handler_goes_to_dead_after_max_attempts),
        T(unparseable_entry_goes_to_dead_at_once),
        T(pending_entries_of_a_dead_consumer_are_claimed),
        T(two_consumers_two_workers_each_entry_once),
        T(consumer_waits_for_redis_to_come_back),
        T(stop_finishes_and_acknowledges_the_entry_in_hand),
        T(consumer_new_refuses_bad_options),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, wh_group_teardown);
}
