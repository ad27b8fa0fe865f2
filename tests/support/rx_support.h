/* SPDX-License-Identifier: MIT */
/*
 * rx_support.h: a small libmicrohttpd webhook receiver for tests that check what the emulator
 * (or `loopmsg webhooks replay`) posts: it records each request's method, path, headers and
 * body, and answers 200 (or 500 to the first `fail_first`, or to all with `fail_all`).
 */
#ifndef LOOPMSG_RX_SUPPORT_H
#define LOOPMSG_RX_SUPPORT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_HOOKS 128

typedef struct hook {
    json_t *body; /* parsed body, NULL when it was not JSON */
    char *text;   /* the body as received (NUL-terminated) */
    char auth[128];
    char user_agent[64];
    char content_type[64];
    char method[8];
    char path[128];
} hook;

typedef struct receiver {
    struct MHD_Daemon *daemon;
    char url[64]; /* http://127.0.0.1:PORT/hook */
    pthread_mutex_t lock;
    hook hooks[MAX_HOOKS];
    size_t count;
    size_t fail_first; /* answer 500 to the first N */
    bool fail_all;
} receiver;

/* Start on an ephemeral port (fails the test if it cannot). */
receiver *rx_start(void);
void rx_stop(receiver *rx);
size_t rx_count(receiver *rx);
/* Wait until n requests arrived (fails the test after timeout_ms). */
void rx_wait(receiver *rx, size_t n, long timeout_ms);

#endif
