/* SPDX-License-Identifier: MIT */
/*
 * consumer.c: the consuming half of the Redis module. Worker threads, each with its own
 * connection and consumer name, read the stream with a consumer group, dispatch each entry to
 * the typed callbacks and acknowledge it only after they returned 0; failures are retried
 * with a doubling delay and end in STREAM:dead (appended and acknowledged in one script).
 * Entries pending too long in a consumer that died are claimed with XAUTOCLAIM. A lost
 * connection is made again until Redis is back or the consumer is stopped. Never acknowledges
 * an entry whose callbacks did not succeed, except by moving it to the dead stream.
 */
#include "redis_int.h"

#include <hiredis/hiredis.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_ATTEMPTS   5u
#define DEFAULT_RETRY_DELAY_MS 1000u
#define MAX_RETRY_DELAY_MS     60000u
#define DEFAULT_CLAIM_IDLE_MS  60000u
#define DEFAULT_BLOCK_MS       1000u
#define DEFAULT_TIMEOUT_MS     2000u
#define MAX_WORKERS            256u
#define RECONNECT_MAX_MS       5000u
#define HISTORY_COUNT          "16"
#define CLAIM_COUNT            "16"

/* KEYS[1] stream, KEYS[2] dead stream; ARGV: group, id, webhook_id, event, body, error,
 * attempts. Appending and acknowledging together: a crash between them can neither lose the
 * entry nor leave it in both places. */
static const char dead_script[] =
    "redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'webhook_id', ARGV[3], 'event', ARGV[4],\n"
    "           'body', ARGV[5], 'error', ARGV[6], 'attempts', ARGV[7])\n"
    "return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n";

struct loopmsg_redis_consumer {
    loopmsg__redis_url url;
    char *stream, *dead, *group, *name;
    unsigned int workers, max_attempts, retry_delay_ms, claim_idle_ms, block_ms, timeout_ms;
    char claim_idle[16], block[16];
    loopmsg_webhook_handlers handlers;
    void *user_data;
    loopmsg_log_cb log_cb;
    void *log_user_data;

    atomic_int stopping;
    atomic_int running;
    pthread_mutex_t lock; /* with cond: interruptible waits */
    pthread_cond_t cond;
    atomic_uint_fast64_t n_handled, n_failures, n_dead, n_claimed;
};

typedef struct worker {
    loopmsg_redis_consumer *c;
    pthread_t thread;
    char name[300];
    redisContext *rc;
    int history_done;
    unsigned long long next_claim_ms;
    char cursor[64];
    unsigned int reconnect_ms;
    int reported_down;
} worker;

/* Wait ms, or less when the consumer is stopped. 1 when stopping. */
static int pause_ms(loopmsg_redis_consumer *c, unsigned int ms)
{
    struct timespec ts;
    loopmsg__mono_deadline(&ts, ms);
    pthread_mutex_lock(&c->lock);
    while (!atomic_load(&c->stopping))
        if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&c->lock);
    return atomic_load(&c->stopping);
}

static void drop_connection(worker *w)
{
    if (w->rc) {
        redisFree(w->rc);
        w->rc = NULL;
    }
}

/* Connected, or -1 after a failed attempt (logged once per outage). */
static int ensure_connected(worker *w)
{
    if (w->rc)
        return 0;
    char msg[300];
    w->rc = loopmsg__redis_connect(&w->c->url, w->c->timeout_ms, msg, sizeof msg);
    if (!w->rc) {
        if (!w->reported_down)
            loopmsg__log_line(w->c->log_cb, w->c->log_user_data, LOOPMSG_LOG_ERROR, "%s; retrying",
                              msg);
        w->reported_down = 1;
        return -1;
    }
    if (w->reported_down)
        loopmsg__log_line(w->c->log_cb, w->c->log_user_data, LOOPMSG_LOG_INFO,
                          "connected to Redis again");
    w->reported_down = 0;
    w->reconnect_ms = 0;
    return 0;
}

/* One command on the worker's connection; the connection is dropped when it failed (its next
 * reply could be this one's). NULL when there is no connection or no reply. */
static redisReply *command(worker *w, int argc, const char **argv, const size_t *lens)
{
    if (ensure_connected(w) != 0)
        return NULL;
    redisReply *r = redisCommandArgv(w->rc, argc, argv, lens);
    if (!r || w->rc->err) {
        char msg[300];
        loopmsg__redis_describe(msg, sizeof msg, argv[0], w->rc, r);
        loopmsg__log_line(w->c->log_cb, w->c->log_user_data, LOOPMSG_LOG_WARN, "%s", msg);
        if (r)
            freeReplyObject(r);
        drop_connection(w);
        return NULL;
    }
    return r;
}

/* Wait before the next connection attempt: 100 ms, doubling, at most 5 s. 1 when stopping. */
static int backoff(worker *w)
{
    w->reconnect_ms = w->reconnect_ms ? w->reconnect_ms * 2 : 100;
    if (w->reconnect_ms > RECONNECT_MAX_MS)
        w->reconnect_ms = RECONNECT_MAX_MS;
    return pause_ms(w->c, w->reconnect_ms);
}

static size_t slen(const char *s)
{
    return strlen(s);
}

static int create_group(redisContext *rc, const loopmsg_redis_consumer *c, char *msg,
                        size_t msg_len)
{
    const char *argv[6] = {"XGROUP", "CREATE", c->stream, c->group, "0", "MKSTREAM"};
    size_t lens[6] = {6, 6, slen(c->stream), slen(c->group), 1, 8};
    redisReply *r = redisCommandArgv(rc, 6, argv, lens);
    int ok = r && (r->type == REDIS_REPLY_STATUS ||
                   (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) == 0));
    if (!ok)
        loopmsg__redis_describe(msg, msg_len, "XGROUP CREATE", rc, r);
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

/* Run a command until Redis answered it with a non-error reply, reconnecting as needed;
 * gives up (NULL) when stopping. For the acknowledgements: an entry whose callbacks ran must
 * not be left pending just because Redis blinked. */
static redisReply *command_until_done(worker *w, int argc, const char **argv, const size_t *lens)
{
    for (;;) {
        redisReply *r = command(w, argc, argv, lens);
        if (r && r->type != REDIS_REPLY_ERROR)
            return r;
        if (r) {
            loopmsg__log_line(w->c->log_cb, w->c->log_user_data, LOOPMSG_LOG_ERROR, "%s: %.*s",
                              argv[0], (int)r->len, r->str);
            freeReplyObject(r);
        }
        if (atomic_load(&w->c->stopping) || backoff(w))
            return NULL;
    }
}

static int ack(worker *w, const char *id, size_t id_len)
{
    loopmsg_redis_consumer *c = w->c;
    const char *argv[4] = {"XACK", c->stream, c->group, id};
    size_t lens[4] = {4, slen(c->stream), slen(c->group), id_len};
    redisReply *r = command_until_done(w, 4, argv, lens);
    if (!r) {
        loopmsg__log_line(
            c->log_cb, c->log_user_data, LOOPMSG_LOG_WARN,
            "entry %.*s handled but not acknowledged (stopping with Redis unreachable); it "
            "will be handled again",
            (int)id_len, id);
        return -1;
    }
    freeReplyObject(r);
    return 0;
}

typedef struct entry {
    const char *id;
    size_t id_len;
    const char *webhook_id, *event, *body;
    size_t webhook_id_len, event_len, body_len;
} entry;

static int dead_letter(worker *w, const entry *e, const char *error, unsigned int attempts)
{
    loopmsg_redis_consumer *c = w->c;
    char att[16];
    snprintf(att, sizeof att, "%u", attempts);
    const char *argv[12] = {"EVAL",
                            dead_script,
                            "2",
                            c->stream,
                            c->dead,
                            c->group,
                            e->id,
                            e->webhook_id ? e->webhook_id : "",
                            e->event ? e->event : "",
                            e->body ? e->body : "",
                            error,
                            att};
    size_t lens[12] = {4,
                       sizeof dead_script - 1,
                       1,
                       slen(c->stream),
                       slen(c->dead),
                       slen(c->group),
                       e->id_len,
                       e->webhook_id_len,
                       e->event_len,
                       e->body_len,
                       slen(error),
                       slen(att)};
    redisReply *r = command_until_done(w, 12, argv, lens);
    if (!r)
        return -1;
    freeReplyObject(r);
    atomic_fetch_add(&c->n_dead, 1);
    loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_ERROR,
                      "entry %.*s (webhook %.*s) moved to %s after %u attempt(s): %s",
                      (int)e->id_len, e->id,
                      (int)(e->webhook_id_len > 100 ? 100 : e->webhook_id_len),
                      e->webhook_id ? e->webhook_id : "", c->dead, attempts, error);
    return 0;
}

/* Reset the entry's idle time, so that other consumers do not take it for abandoned while it
 * waits for its next attempt. Best effort. */
static void touch(worker *w, const entry *e)
{
    loopmsg_redis_consumer *c = w->c;
    const char *argv[7] = {"XCLAIM", c->stream, c->group, w->name, "0", e->id, "JUSTID"};
    size_t lens[7] = {6, slen(c->stream), slen(c->group), slen(w->name), 1, e->id_len, 6};
    redisReply *r = command(w, 7, argv, lens);
    if (r)
        freeReplyObject(r);
}

/* Wait ms before the next attempt, touching the entry often enough. 1 when stopping. */
static int wait_retry(worker *w, const entry *e, unsigned int ms)
{
    unsigned int step = w->c->claim_idle_ms / 3;
    if (step < 50)
        step = 50;
    while (ms > 0) {
        unsigned int n = ms < step ? ms : step;
        if (pause_ms(w->c, n))
            return 1;
        ms -= n;
        touch(w, e);
    }
    return 0;
}

static void field(const redisReply *fields, const char *name, const char **out, size_t *len)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *v = fields->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && k->len == nl && memcmp(k->str, name, nl) == 0 &&
            v->type == REDIS_REPLY_STRING) {
            *out = v->str;
            *len = v->len;
            return;
        }
    }
}

/* Handle one entry ([id, [field, value, ...]]) to its end: acknowledged, moved to the dead
 * stream, or (stopping) left pending. */
static void process(worker *w, const redisReply *item)
{
    loopmsg_redis_consumer *c = w->c;
    if (item->type != REDIS_REPLY_ARRAY || item->elements < 2 ||
        item->element[0]->type != REDIS_REPLY_STRING)
        return;
    entry e;
    memset(&e, 0, sizeof e);
    e.id = item->element[0]->str;
    e.id_len = item->element[0]->len;
    const redisReply *fields = item->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) {
        /* Deleted from the stream while pending (XTRIM, XDEL): nothing to handle. */
        (void)ack(w, e.id, e.id_len);
        return;
    }
    field(fields, "webhook_id", &e.webhook_id, &e.webhook_id_len);
    field(fields, "event", &e.event, &e.event_len);
    field(fields, "body", &e.body, &e.body_len);
    if (!e.body) {
        (void)dead_letter(w, &e, "the entry has no body field", 0);
        return;
    }
    loopmsg_webhook_parse_options po = LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT;
    po.max_body_bytes = e.body_len ? e.body_len : 1;
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error perr;
    if (loopmsg_webhook_parse_ex(e.body, e.body_len, &po, &ev, &perr) != LOOPMSG_OK) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body does not parse: %s", perr.message);
        (void)dead_letter(w, &e, msg, 0);
        return;
    }
    unsigned int delay = c->retry_delay_ms;
    for (unsigned int attempt = 1;; attempt++) {
        int rc = loopmsg_webhook_dispatch(&c->handlers, ev, c->user_data);
        if (rc == 0) {
            if (ack(w, e.id, e.id_len) == 0)
                atomic_fetch_add(&c->n_handled, 1);
            break;
        }
        atomic_fetch_add(&c->n_failures, 1);
        char error[64];
        snprintf(error, sizeof error, "handler failed (%d)", rc);
        if (attempt >= c->max_attempts) {
            (void)dead_letter(w, &e, error, attempt);
            break;
        }
        loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_WARN,
                          "entry %.*s: %s, attempt %u of %u; next in %u ms", (int)e.id_len, e.id,
                          error, attempt, c->max_attempts, delay);
        if (wait_retry(w, &e, delay))
            break; /* stopping: stays pending, claimed later */
        delay = delay > MAX_RETRY_DELAY_MS / 2 ? MAX_RETRY_DELAY_MS : delay * 2;
    }
    loopmsg_webhook_event_free(ev);
}

/* The entries of a read reply: [[stream, [entry...]]] or nil. */
static size_t process_read(worker *w, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return 0;
    const redisReply *s = r->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements < 2 || s->element[1]->type != REDIS_REPLY_ARRAY)
        return 0;
    const redisReply *items = s->element[1];
    size_t n = 0;
    for (size_t i = 0; i < items->elements && !atomic_load(&w->c->stopping); i++, n++)
        process(w, items->element[i]);
    return items->elements;
}

static void claim(worker *w)
{
    loopmsg_redis_consumer *c = w->c;
    const char *argv[8] = {"XAUTOCLAIM",  c->stream, c->group, w->name,
                           c->claim_idle, w->cursor, "COUNT",  CLAIM_COUNT};
    size_t lens[8] = {
        10, slen(c->stream),  slen(c->group), slen(w->name), slen(c->claim_idle), slen(w->cursor),
        5,  slen(CLAIM_COUNT)};
    redisReply *r = command(w, 8, argv, lens);
    if (!r)
        return;
    /* [next cursor, [entries], (Redis 7: [deleted ids])] */
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_ARRAY) {
        snprintf(w->cursor, sizeof w->cursor, "%.*s", (int)r->element[0]->len, r->element[0]->str);
        const redisReply *items = r->element[1];
        if (items->elements) {
            atomic_fetch_add(&c->n_claimed, items->elements);
            loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_INFO,
                              "claimed %zu entr%s idle for %u ms or more", (size_t)items->elements,
                              items->elements == 1 ? "y" : "ies", c->claim_idle_ms);
        }
        for (size_t i = 0; i < items->elements && !atomic_load(&c->stopping); i++)
            process(w, items->element[i]);
        /* More to claim: come back at once. */
        if (strcmp(w->cursor, "0-0") != 0)
            w->next_claim_ms = 0;
    } else if (r->type == REDIS_REPLY_ERROR) {
        loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_ERROR, "XAUTOCLAIM: %.*s",
                          (int)r->len, r->str);
        if (strncmp(r->str, "NOGROUP", 7) == 0) {
            char msg[300];
            if (create_group(w->rc, c, msg, sizeof msg) != 0)
                loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_ERROR, "%s", msg);
        }
    }
    freeReplyObject(r);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    loopmsg_redis_consumer *c = w->c;
    unsigned int interval = c->claim_idle_ms / 2;
    if (interval < 100)
        interval = 100;
    if (interval > 30000)
        interval = 30000;
    while (!atomic_load(&c->stopping)) {
        if (ensure_connected(w) != 0) {
            (void)backoff(w);
            continue;
        }
        uint64_t now = loopmsg__mono_ms();
        if (now >= w->next_claim_ms) {
            w->next_claim_ms = now + interval;
            claim(w);
            continue;
        }
        /* This name's own pending entries first (an earlier run that stopped or died), then
         * new ones. One new entry at a time, so that an idle worker is not starved by a busy
         * one holding a batch. */
        const char *argv[11];
        size_t lens[11];
        int n = 0;
        argv[n] = "XREADGROUP", lens[n++] = 10;
        argv[n] = "GROUP", lens[n++] = 5;
        argv[n] = c->group, lens[n++] = slen(c->group);
        argv[n] = w->name, lens[n++] = slen(w->name);
        argv[n] = "COUNT", lens[n++] = 5;
        if (!w->history_done) {
            argv[n] = HISTORY_COUNT, lens[n++] = slen(HISTORY_COUNT);
        } else {
            argv[n] = "1", lens[n++] = 1;
            argv[n] = "BLOCK", lens[n++] = 5;
            argv[n] = c->block, lens[n++] = slen(c->block);
        }
        argv[n] = "STREAMS", lens[n++] = 7;
        argv[n] = c->stream, lens[n++] = slen(c->stream);
        argv[n] = w->history_done ? ">" : "0", lens[n++] = 1;
        redisReply *r = command(w, n, argv, lens);
        if (!r) {
            (void)backoff(w);
            continue;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_ERROR, "XREADGROUP: %.*s",
                              (int)r->len, r->str);
            int nogroup = strncmp(r->str, "NOGROUP", 7) == 0;
            freeReplyObject(r);
            char msg[300];
            if (nogroup && create_group(w->rc, c, msg, sizeof msg) != 0)
                loopmsg__log_line(c->log_cb, c->log_user_data, LOOPMSG_LOG_ERROR, "%s", msg);
            (void)backoff(w);
            continue;
        }
        size_t got = process_read(w, r);
        if (!w->history_done && got == 0)
            w->history_done = 1;
        freeReplyObject(r);
    }
    drop_connection(w);
    return NULL;
}

static char *dup_or_null(const char *s, int *nomem)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *nomem = 1;
    return d;
}

loopmsg_status loopmsg_redis_consumer_new(const loopmsg_redis_consumer_options *o,
                                          loopmsg_redis_consumer **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "out must not be NULL");
    *out = NULL;
    if (!o)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "opts must not be NULL");
    if (o->version == 0 || o->version > LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "loopmsg_redis_consumer_options.version %u is not supported; "
                                  "use LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT",
                                  o->version);
    if (!o->group || !o->group[0])
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "group is required");
    if (o->stream && !o->stream[0])
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "stream must not be empty");
    if (o->consumer && (!o->consumer[0] || strlen(o->consumer) > 200))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "consumer must be 1..200 characters");
    if (!o->handlers || o->handlers->version == 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "handlers is required (LOOPMSG_WEBHOOK_HANDLERS_INIT)");
    if (o->workers > MAX_WORKERS)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "at most %u workers", MAX_WORKERS);
    loopmsg_redis_consumer *c = calloc(1, sizeof *c);
    if (!c)
        return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
    pthread_mutex_init(&c->lock, NULL);
    loopmsg__cond_init_mono(&c->cond);
    char msg[300];
    if (loopmsg__redis_url_parse(&c->url, o->url, msg, sizeof msg) != 0) {
        loopmsg_redis_consumer_free(c);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "url: %s", msg);
    }
    int nomem = 0;
    const char *stream = o->stream ? o->stream : LOOPMSG_REDIS_DEFAULT_STREAM;
    c->stream = dup_or_null(stream, &nomem);
    c->group = dup_or_null(o->group, &nomem);
    size_t dl = strlen(stream) + sizeof ":dead";
    c->dead = malloc(dl);
    if (c->dead)
        snprintf(c->dead, dl, "%s:dead", stream);
    if (o->consumer) {
        c->name = dup_or_null(o->consumer, &nomem);
    } else {
        char host[128] = "localhost", name[200];
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
        c->name = dup_or_null(name, &nomem);
    }
    if (nomem || !c->dead) {
        loopmsg_redis_consumer_free(c);
        return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
    }
    c->workers = o->workers ? o->workers : 1;
    c->max_attempts = o->max_attempts ? o->max_attempts : DEFAULT_MAX_ATTEMPTS;
    c->retry_delay_ms = o->retry_delay_ms ? o->retry_delay_ms : DEFAULT_RETRY_DELAY_MS;
    if (c->retry_delay_ms > MAX_RETRY_DELAY_MS)
        c->retry_delay_ms = MAX_RETRY_DELAY_MS;
    c->claim_idle_ms = o->claim_idle_ms ? o->claim_idle_ms : DEFAULT_CLAIM_IDLE_MS;
    c->block_ms = o->block_ms ? o->block_ms : DEFAULT_BLOCK_MS;
    c->timeout_ms = (o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS) + c->block_ms;
    snprintf(c->claim_idle, sizeof c->claim_idle, "%u", c->claim_idle_ms);
    snprintf(c->block, sizeof c->block, "%u", c->block_ms);
    c->handlers = *o->handlers;
    c->user_data = o->user_data;
    c->log_cb = o->log_cb;
    c->log_user_data = o->log_user_data;

    /* Check now what would otherwise only show in the log: the URL, the credentials, the
     * server's version (XAUTOCLAIM: 6.2) and the group. */
    redisContext *rc = loopmsg__redis_connect(&c->url, c->timeout_ms, msg, sizeof msg);
    loopmsg_status st = LOOPMSG_OK;
    if (!rc) {
        st = loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "%s", msg);
    } else {
        const char *argv[2] = {"INFO", "server"};
        size_t lens[2] = {4, 6};
        redisReply *r = redisCommandArgv(rc, 2, argv, lens);
        const char *v =
            r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "redis_version:") : NULL;
        int major = 0, minor = 0;
        if (v && sscanf(v + 14, "%d.%d", &major, &minor) == 2 &&
            (major < 6 || (major == 6 && minor < 2)))
            st = loopmsg__error_set(err, LOOPMSG_E_TRANSPORT,
                                    "Redis %d.%d is too old: the consumer needs 6.2 or later "
                                    "(XAUTOCLAIM)",
                                    major, minor);
        if (r)
            freeReplyObject(r);
        if (st == LOOPMSG_OK && create_group(rc, c, msg, sizeof msg) != 0)
            st = loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "%s", msg);
        redisFree(rc);
    }
    if (st != LOOPMSG_OK) {
        loopmsg_redis_consumer_free(c);
        return st;
    }
    *out = c;
    if (err)
        memset(err, 0, sizeof *err);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_redis_consumer_run(loopmsg_redis_consumer *c, loopmsg_error *err)
{
    if (!c)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "consumer must not be NULL");
    if (atomic_exchange(&c->running, 1))
        return loopmsg__error_set(err, LOOPMSG_E_STATE, "the consumer is already running");
    worker *ws = calloc(c->workers, sizeof *ws);
    if (!ws) {
        atomic_store(&c->running, 0);
        return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
    }
    unsigned int started = 0;
    loopmsg_status st = LOOPMSG_OK;
    for (unsigned int i = 0; i < c->workers; i++) {
        ws[i].c = c;
        if (i == 0)
            snprintf(ws[i].name, sizeof ws[i].name, "%s", c->name);
        else
            snprintf(ws[i].name, sizeof ws[i].name, "%s-%u", c->name, i);
        snprintf(ws[i].cursor, sizeof ws[i].cursor, "0-0");
        if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
            st = loopmsg__error_set(err, LOOPMSG_E_NOMEM, "cannot start worker threads");
            loopmsg_redis_consumer_stop(c);
            break;
        }
        started++;
    }
    for (unsigned int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    free(ws);
    atomic_store(&c->running, 0);
    if (st == LOOPMSG_OK && err)
        memset(err, 0, sizeof *err);
    return st;
}

void loopmsg_redis_consumer_stop(loopmsg_redis_consumer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    atomic_store(&c->stopping, 1);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

loopmsg_status loopmsg_redis_consumer_stats_get(const loopmsg_redis_consumer *c,
                                                loopmsg_redis_consumer_stats *out)
{
    if (!c || !out || out->version == 0)
        return LOOPMSG_E_INVALID_ARG;
    loopmsg_redis_consumer *m = (loopmsg_redis_consumer *)(uintptr_t)c;
    unsigned int version = out->version;
    memset(out, 0, sizeof *out);
    out->version = version;
    out->handled = atomic_load(&m->n_handled);
    out->failures = atomic_load(&m->n_failures);
    out->dead = atomic_load(&m->n_dead);
    out->claimed = atomic_load(&m->n_claimed);
    return LOOPMSG_OK;
}

void loopmsg_redis_consumer_free(loopmsg_redis_consumer *c)
{
    if (!c)
        return;
    loopmsg__redis_url_wipe(&c->url);
    free(c->stream);
    free(c->dead);
    free(c->group);
    free(c->name);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
