/* SPDX-License-Identifier: MIT */
/*
 * webhook_bench_server.c: the receiver under benchmark (driven by webhook_throughput.sh with
 * wrk). It starts a loopmsg_webhook_server whose callback only counts, prints its port on
 * stdout, runs until SIGINT/SIGTERM and then prints the receiver's counters on stderr.
 *
 *   webhook_bench_server [--port P] [--http-threads N] [--workers N] [--queue N]
 *                        [--dedupe-capacity N] [--secret S] [--spool DIR]
 *                        [--ack-after-handling] [--mode poll|epoll|per-connection]
 *
 * --mode sets libmicrohttpd's threading through an internal knob of the static library,
 * to compare the modes (webhook_throughput.sh, HTTP_MODE); without it, the default.
 */
#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include "server_int.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong events;

static int count_event(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)ev;
    (void)user_data;
    atomic_fetch_add_explicit(&events, 1, memory_order_relaxed);
    return 0;
}

static unsigned long number(const char *flag, const char *s)
{
    char *end = NULL;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || !*s || *end) {
        fprintf(stderr, "webhook_bench_server: %s needs a number\n", flag);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    const char *secret = "bench-secret";
    o.path = "/webhook";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--port") == 0) {
            o.port = (uint16_t)number(a, v);
            i++;
        } else if (strcmp(a, "--http-threads") == 0) {
            o.http_threads = (unsigned int)number(a, v);
            i++;
        } else if (strcmp(a, "--workers") == 0) {
            o.worker_threads = (unsigned int)number(a, v);
            i++;
        } else if (strcmp(a, "--dedupe-capacity") == 0) {
            o.dedupe_capacity = number(a, v);
            i++;
        } else if (strcmp(a, "--queue") == 0) {
            o.queue_capacity = number(a, v);
            i++;
        } else if (strcmp(a, "--secret") == 0 && v) {
            secret = v;
            i++;
        } else if (strcmp(a, "--spool") == 0 && v) {
            o.spool_dir = v;
            i++;
        } else if (strcmp(a, "--mode") == 0 && v) {
            if (strcmp(v, "poll") == 0)
                loopmsg__webhook_server_set_http_mode(LOOPMSG__HTTP_MODE_POLL);
            else if (strcmp(v, "epoll") == 0)
                loopmsg__webhook_server_set_http_mode(LOOPMSG__HTTP_MODE_EPOLL);
            else if (strcmp(v, "per-connection") == 0)
                loopmsg__webhook_server_set_http_mode(LOOPMSG__HTTP_MODE_PER_CONNECTION);
            else {
                fprintf(stderr, "webhook_bench_server: unknown mode %s\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--ack-after-handling") == 0) {
            o.ack_after_handling = true;
        } else {
            fprintf(stderr, "webhook_bench_server: unknown argument %s\n", a);
            return 2;
        }
    }
    const char *secrets[] = {secret};
    o.secrets = secrets;
    o.secret_count = 1;
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = count_event;
    o.handlers = &h;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&o, &srv, &err) != LOOPMSG_OK) {
        fprintf(stderr, "webhook_bench_server: %s\n", err.message);
        return 1;
    }
    printf("%u\n", (unsigned int)loopmsg_webhook_server_port(srv));
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    loopmsg_webhook_server_stop(srv);
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    if (loopmsg_webhook_server_stats_get(srv, &st) == LOOPMSG_OK)
        fprintf(stderr,
                "receiver: requests %llu, accepted %llu, duplicates %llu, rejected %llu, "
                "busy (503) %llu, handled %llu, callbacks %lu\n",
                (unsigned long long)st.requests, (unsigned long long)st.accepted,
                (unsigned long long)st.duplicates, (unsigned long long)st.rejected,
                (unsigned long long)st.busy, (unsigned long long)st.handled, atomic_load(&events));
    loopmsg_webhook_server_free(srv);
    return 0;
}
