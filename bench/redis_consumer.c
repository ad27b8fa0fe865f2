/* SPDX-License-Identifier: MIT */
/*
 * redis_consumer.c: how fast libloopmsg_redis consumers drain a stream (run by
 * bench/redis_throughput.sh). Fills a new stream with N entries as the publisher writes them
 * (webhook_id, event, body: a message_inbound payload), then starts C consumers of one group
 * (one worker each, a callback that does nothing) and times them until every entry was
 * handled and acknowledged. Prints events per second.
 *
 *   redis_consumer PORT N CONSUMERS    (a redis-server on 127.0.0.1:PORT)
 */
#include <loopmsg.h>
#include <loopmsg/redis.h>

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONSUMERS 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int noop(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)ev;
    (void)user_data;
    return 0;
}

static void *run_main(void *arg)
{
    loopmsg_error err;
    if (loopmsg_redis_consumer_run(arg, &err) != LOOPMSG_OK)
        fprintf(stderr, "redis_consumer: run: %s\n", err.message);
    return NULL;
}

/* N entries in `stream`, pipelined 1000 at a time. */
static int fill(redisContext *rc, const char *stream, long n)
{
    for (long done = 0; done < n;) {
        long batch = n - done < 1000 ? n - done : 1000;
        for (long i = 0; i < batch; i++) {
            char id[64], body[512];
            snprintf(id, sizeof id, "bench-%ld", done + i);
            snprintf(body, sizeof body,
                     "{\"event\":\"message_inbound\",\"webhook_id\":\"%s\",\"api_version\":\"1.0\","
                     "\"message_id\":\"c0a8e3f1-5d2b-4a7e-8f19-6b3d2e1a9c05\",\"contact\":"
                     "\"+14155550142\",\"text\":\"Are you open on Saturday?\",\"message_type\":"
                     "\"text\",\"channel\":\"imessage\"}",
                     id);
            redisAppendCommand(rc, "XADD %s * webhook_id %s event message_inbound body %s", stream,
                               id, body);
        }
        for (long i = 0; i < batch; i++) {
            redisReply *r = NULL;
            if (redisGetReply(rc, (void **)&r) != REDIS_OK || !r || r->type != REDIS_REPLY_STRING) {
                fprintf(stderr, "redis_consumer: XADD failed: %s\n",
                        r && r->type == REDIS_REPLY_ERROR ? r->str : rc->errstr);
                if (r)
                    freeReplyObject(r);
                return -1;
            }
            freeReplyObject(r);
        }
        done += batch;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: redis_consumer PORT N CONSUMERS\n");
        return 2;
    }
    long port = strtol(argv[1], NULL, 10);
    long n = strtol(argv[2], NULL, 10);
    long nc = strtol(argv[3], NULL, 10);
    if (port < 1 || port > 65535 || n < 1 || nc < 1 || nc > MAX_CONSUMERS) {
        fprintf(stderr, "redis_consumer: PORT 1..65535, N >= 1, CONSUMERS 1..%d\n", MAX_CONSUMERS);
        return 2;
    }
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%ld", port);
    redisContext *rc = redisConnect("127.0.0.1", (int)port);
    if (!rc || rc->err) {
        fprintf(stderr, "redis_consumer: cannot connect to %s\n", url);
        return 1;
    }
    char stream[64];
    snprintf(stream, sizeof stream, "bench:%ld:%ld", (long)getpid(), nc);
    if (fill(rc, stream, n) != 0)
        return 1;

    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = noop;
    loopmsg_redis_consumer *cs[MAX_CONSUMERS];
    for (long i = 0; i < nc; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%ld", i);
        loopmsg_redis_consumer_options o = LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT;
        o.url = url;
        o.stream = stream;
        o.group = "bench";
        o.consumer = name;
        o.handlers = &h;
        o.block_ms = 100;
        loopmsg_error err;
        if (loopmsg_redis_consumer_new(&o, &cs[i], &err) != LOOPMSG_OK) {
            fprintf(stderr, "redis_consumer: %s\n", err.message);
            return 1;
        }
    }
    pthread_t th[MAX_CONSUMERS];
    double t0 = now_s();
    for (long i = 0; i < nc; i++)
        pthread_create(&th[i], NULL, run_main, cs[i]);
    uint64_t handled = 0;
    while (handled < (uint64_t)n) {
        usleep(2000);
        handled = 0;
        for (long i = 0; i < nc; i++) {
            loopmsg_redis_consumer_stats s = LOOPMSG_REDIS_CONSUMER_STATS_INIT;
            if (loopmsg_redis_consumer_stats_get(cs[i], &s) == LOOPMSG_OK)
                handled += s.handled;
        }
    }
    double elapsed = now_s() - t0;
    for (long i = 0; i < nc; i++)
        loopmsg_redis_consumer_stop(cs[i]);
    for (long i = 0; i < nc; i++) {
        pthread_join(th[i], NULL);
        loopmsg_redis_consumer_free(cs[i]);
    }
    redisReply *r = redisCommand(rc, "DEL %s", stream);
    if (r)
        freeReplyObject(r);
    redisFree(rc);
    printf("%ld consumer(s), 1 worker each, no-op handler: %ld events in %.2f s = %.0f events/s\n",
           nc, n, elapsed, (double)n / elapsed);
    return 0;
}
