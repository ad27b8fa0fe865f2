/* SPDX-License-Identifier: MIT */
/*
 * webhook_floor_server.c: the floor of the HTTP layer for webhook_throughput.sh. A
 * libmicrohttpd hello-world that reads each request body, drops it and answers
 * 200 {"status":"ok"} from one shared response: no verification, no parse, no queue. What
 * the receiver does per request costs whatever it serves below this server's rate, measured
 * in the same run on the same machine. It prints its port on stdout and runs until
 * SIGINT/SIGTERM.
 *
 *   webhook_floor_server [--port P] [--mode poll|epoll|per-connection] [--http-threads N]
 *
 * --mode and --http-threads choose libmicrohttpd's threading as the receiver's bench options
 * do (N > 1: a thread pool of N), so that each mode's floor can be measured too.
 */
#include <microhttpd.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ok_body[] = "{\"status\":\"ok\"}";

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    struct MHD_Response *ok = cls;
    if (!*con_cls) {
        *con_cls = (void *)1; /* the headers are in; the body follows */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, ok);
}

static unsigned long number(const char *flag, const char *s)
{
    char *end = NULL;
    unsigned long v = s ? strtoul(s, &end, 10) : 0;
    if (!s || !*s || *end) {
        fprintf(stderr, "webhook_floor_server: %s needs a number\n", flag);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    unsigned int port = 0, threads = 1;
    unsigned int flags = MHD_USE_POLL_INTERNAL_THREAD;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--port") == 0) {
            port = (unsigned int)number(a, v);
            i++;
        } else if (strcmp(a, "--http-threads") == 0) {
            threads = (unsigned int)number(a, v);
            i++;
        } else if (strcmp(a, "--mode") == 0 && v) {
            if (strcmp(v, "poll") == 0)
                flags = MHD_USE_POLL_INTERNAL_THREAD;
            else if (strcmp(v, "epoll") == 0)
                flags = MHD_USE_EPOLL_INTERNAL_THREAD;
            else if (strcmp(v, "per-connection") == 0)
                flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD;
            else {
                fprintf(stderr, "webhook_floor_server: unknown mode %s\n", v);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "webhook_floor_server: unknown argument %s\n", a);
            return 2;
        }
    }
    struct MHD_Response *ok = MHD_create_response_from_buffer(
        sizeof ok_body - 1, (void *)(uintptr_t)ok_body, MHD_RESPMEM_PERSISTENT);
    if (!ok || MHD_add_response_header(ok, "Content-Type", "application/json") != MHD_YES)
        return 1;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct MHD_OptionItem pool[] = {
        {threads > 1 && !(flags & MHD_USE_THREAD_PER_CONNECTION) ? MHD_OPTION_THREAD_POOL_SIZE
                                                                 : MHD_OPTION_END,
         threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d =
        MHD_start_daemon(flags | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, on_access, ok,
                         MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         (size_t)16384, MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "webhook_floor_server: cannot start libmicrohttpd\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("%u\n", info ? (unsigned int)info->port : port);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(ok);
    return 0;
}
