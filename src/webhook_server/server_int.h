/* SPDX-License-Identifier: MIT */
/*
 * server_int.h: knobs of the receiver that are not options, for bench/webhook_bench_server
 * only (it links the static library). Not exported.
 */
#ifndef LOOPMSG_WEBHOOK_SERVER_INT_H
#define LOOPMSG_WEBHOOK_SERVER_INT_H

/* libmicrohttpd's threading, to measure the modes against one another. */
typedef enum loopmsg__http_mode {
    LOOPMSG__HTTP_MODE_DEFAULT = 0,    /* what loopmsg_webhook_server_start() uses */
    LOOPMSG__HTTP_MODE_POLL,           /* internal thread(s) with poll(); a pool when > 1 */
    LOOPMSG__HTTP_MODE_EPOLL,          /* internal thread(s) with epoll; a pool when > 1;
                                          stop does not quiesce (see server.c) */
    LOOPMSG__HTTP_MODE_PER_CONNECTION, /* one thread per connection */
} loopmsg__http_mode;

/* Process-wide; call before loopmsg_webhook_server_start(). */
void loopmsg__webhook_server_set_http_mode(loopmsg__http_mode mode);

#endif
