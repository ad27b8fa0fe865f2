/* SPDX-License-Identifier: MIT */
/*
 * publisher.c: the receiving half of the Redis module. One Lua script remembers a webhook_id
 * (SET NX EX) and appends the event to the stream (XADD) in one atomic step, so that two
 * receivers given the same webhook never both append it, and a receiver that dies between
 * the two steps cannot leave an id remembered but never appended. Connections are kept in a
 * small pool (one per concurrent caller: the receiver's HTTP threads) and dropped after any
 * failure. Never answers "stored" without Redis's reply in hand.
 */
#include "redis_int.h"

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TTL_S      86400u
#define DEFAULT_TIMEOUT_MS 2000u
#define POOL_MAX           64

/* KEYS[1] the id's dedupe key, KEYS[2] the stream; ARGV: ttl, webhook_id, event, body.
 * An XADD that fails (wrong type, out of memory) forgets the id again, so that Loop's
 * redelivery is not taken for a duplicate of an event that was never stored. Returns the
 * entry id, or false (nil) for a duplicate. */
static const char publish_script[] =
    "if KEYS[1] ~= '' then\n"
    "  if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return false end\n"
    "end\n"
    "local r = redis.pcall('XADD', KEYS[2], '*', 'webhook_id', ARGV[2], 'event', ARGV[3],\n"
    "                      'body', ARGV[4])\n"
    "if type(r) == 'table' and r.err then\n"
    "  if KEYS[1] ~= '' then redis.call('DEL', KEYS[1]) end\n"
    "  return r\n"
    "end\n"
    "return r\n";

struct loopmsg_redis_publisher {
    loopmsg__redis_url url;
    char *stream;
    char *seen_prefix; /* "STREAM:seen:" */
    size_t seen_prefix_len;
    char ttl[16];
    unsigned int timeout_ms;
    char sha[41]; /* of publish_script, from SCRIPT LOAD */
    loopmsg_log_cb log_cb;
    void *log_user_data;

    pthread_mutex_t lock;
    redisContext *idle[POOL_MAX];
    size_t idle_count;
};

static int load_script(redisContext *c, char sha[41], char *msg, size_t msg_len)
{
    const char *argv[3] = {"SCRIPT", "LOAD", publish_script};
    size_t lens[3] = {6, 4, sizeof publish_script - 1};
    redisReply *r = redisCommandArgv(c, 3, argv, lens);
    int ok = r && r->type == REDIS_REPLY_STRING && r->len == 40;
    if (ok)
        memcpy(sha, r->str, 41);
    else
        loopmsg__redis_describe(msg, msg_len, "Redis refused SCRIPT LOAD", c, r);
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

static void drop_idle(loopmsg_redis_publisher *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->idle_count)
        redisFree(p->idle[--p->idle_count]);
    pthread_mutex_unlock(&p->lock);
}

/* An idle connection (*reused set), or a new one. */
static redisContext *take(loopmsg_redis_publisher *p, int *reused, char *msg, size_t msg_len)
{
    pthread_mutex_lock(&p->lock);
    redisContext *c = p->idle_count ? p->idle[--p->idle_count] : NULL;
    pthread_mutex_unlock(&p->lock);
    *reused = c != NULL;
    if (!c)
        c = loopmsg__redis_connect(&p->url, p->timeout_ms, msg, msg_len);
    return c;
}

static void give_back(loopmsg_redis_publisher *p, redisContext *c)
{
    pthread_mutex_lock(&p->lock);
    if (p->idle_count < POOL_MAX) {
        p->idle[p->idle_count++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (c)
        redisFree(c);
}

loopmsg_status loopmsg_redis_publisher_new(const loopmsg_redis_publisher_options *opts,
                                           loopmsg_redis_publisher **out, loopmsg_error *err)
{
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "out must not be NULL");
    *out = NULL;
    if (!opts)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "opts must not be NULL");
    if (opts->version == 0 || opts->version > LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "loopmsg_redis_publisher_options.version %u is not supported; "
                                  "use LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT",
                                  opts->version);
    if (opts->stream && !opts->stream[0])
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "stream must not be empty");
    loopmsg_redis_publisher *p = calloc(1, sizeof *p);
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
    pthread_mutex_init(&p->lock, NULL);
    char msg[300];
    if (loopmsg__redis_url_parse(&p->url, opts->url, msg, sizeof msg) != 0) {
        loopmsg_redis_publisher_free(p);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "url: %s", msg);
    }
    const char *stream = opts->stream ? opts->stream : LOOPMSG_REDIS_DEFAULT_STREAM;
    size_t sl = strlen(stream);
    p->stream = strdup(stream);
    p->seen_prefix_len = sl + sizeof ":seen:" - 1;
    p->seen_prefix = malloc(p->seen_prefix_len + 1);
    if (!p->stream || !p->seen_prefix) {
        loopmsg_redis_publisher_free(p);
        return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
    }
    snprintf(p->seen_prefix, p->seen_prefix_len + 1, "%s:seen:", stream);
    snprintf(p->ttl, sizeof p->ttl, "%u", opts->dedupe_ttl_s ? opts->dedupe_ttl_s : DEFAULT_TTL_S);
    p->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    p->log_cb = opts->log_cb;
    p->log_user_data = opts->log_user_data;

    redisContext *c = loopmsg__redis_connect(&p->url, p->timeout_ms, msg, sizeof msg);
    if (!c || load_script(c, p->sha, msg, sizeof msg) != 0) {
        if (c)
            redisFree(c);
        loopmsg_redis_publisher_free(p);
        return loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "%s", msg);
    }
    give_back(p, c);
    *out = p;
    if (err)
        memset(err, 0, sizeof *err);
    return LOOPMSG_OK;
}

/* EVALSHA, and EVAL when Redis no longer knows the script (restarted, SCRIPT FLUSH). */
static redisReply *run_script(loopmsg_redis_publisher *p, redisContext *c, const char *key,
                              size_t key_len, const loopmsg_webhook_event *ev)
{
    const char *id = ev->webhook_id ? ev->webhook_id : "";
    const char *name = ev->event ? ev->event : "";
    const char *argv[9] = {
        "EVALSHA", p->sha, "2", key, p->stream, p->ttl, id, name, ev->raw ? ev->raw : ""};
    size_t lens[9] = {
        7,          40,           1,          key_len, strlen(p->stream), strlen(p->ttl),
        strlen(id), strlen(name), ev->raw_len};
    redisReply *r = redisCommandArgv(c, 9, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = publish_script;
        lens[1] = sizeof publish_script - 1;
        r = redisCommandArgv(c, 9, argv, lens);
    }
    return r;
}

loopmsg_status loopmsg_redis_publish(loopmsg_redis_publisher *p, const loopmsg_webhook_event *ev,
                                     bool *duplicate_out, loopmsg_error *err)
{
    if (duplicate_out)
        *duplicate_out = false;
    if (!p || !ev)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "publisher and event are required");
    size_t id_len = ev->webhook_id ? strlen(ev->webhook_id) : 0;
    char stack_key[256];
    char *key = stack_key;
    size_t key_len = 0;
    if (id_len) {
        key_len = p->seen_prefix_len + id_len;
        if (key_len + 1 > sizeof stack_key && !(key = malloc(key_len + 1)))
            return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
        memcpy(key, p->seen_prefix, p->seen_prefix_len);
        memcpy(key + p->seen_prefix_len, ev->webhook_id, id_len + 1);
    } else {
        key[0] = '\0';
    }
    char msg[300];
    loopmsg_status st = LOOPMSG_OK;
    int reused = 0;
    redisContext *c = take(p, &reused, msg, sizeof msg);
    redisReply *r = c ? run_script(p, c, key, key_len, ev) : NULL;
    if (c && c->err && reused && id_len) {
        /* An idle connection found dead (Redis restarted, an idle timeout): once more on a new
         * one. Safe even if the first copy ran: the id is remembered, so the second is
         * answered as a duplicate. */
        if (r)
            freeReplyObject(r);
        redisFree(c);
        drop_idle(p); /* the others are most likely dead too */
        c = loopmsg__redis_connect(&p->url, p->timeout_ms, msg, sizeof msg);
        r = c ? run_script(p, c, key, key_len, ev) : NULL;
    }
    if (!c) {
        st = loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "%s", msg);
    } else {
        if (r && r->type == REDIS_REPLY_STRING) {
            if (err)
                memset(err, 0, sizeof *err);
        } else if (r && r->type == REDIS_REPLY_NIL) {
            if (duplicate_out)
                *duplicate_out = true;
            if (err)
                memset(err, 0, sizeof *err);
        } else {
            loopmsg__redis_describe(msg, sizeof msg, "Redis did not store the event", c, r);
            st = loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "%s", msg);
        }
        /* A connection that failed is not reused: its next reply could be this one's. */
        if (!r || c->err) {
            redisFree(c);
            c = NULL;
        }
        if (r)
            freeReplyObject(r);
        if (c)
            give_back(p, c);
    }
    if (st != LOOPMSG_OK && err)
        err->flags = LOOPMSG_ERRF_RETRYABLE;
    if (key != stack_key)
        free(key);
    return st;
}

loopmsg_webhook_accept_result loopmsg_redis_publisher_accept(const loopmsg_webhook_event *event,
                                                             void *publisher)
{
    loopmsg_redis_publisher *p = publisher;
    bool dup = false;
    loopmsg_error e;
    if (loopmsg_redis_publish(p, event, &dup, &e) != LOOPMSG_OK) {
        if (p)
            loopmsg__log_line(p->log_cb, p->log_user_data, LOOPMSG_LOG_ERROR, "%s; answering 503",
                              e.message);
        return LOOPMSG_WEBHOOK_ACCEPT_RETRY;
    }
    return dup ? LOOPMSG_WEBHOOK_ACCEPT_DUPLICATE : LOOPMSG_WEBHOOK_ACCEPT_OK;
}

void loopmsg_redis_publisher_free(loopmsg_redis_publisher *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->idle_count; i++)
        redisFree(p->idle[i]);
    loopmsg__redis_url_wipe(&p->url);
    free(p->stream);
    free(p->seen_prefix);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
