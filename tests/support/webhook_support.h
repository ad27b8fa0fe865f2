/* SPDX-License-Identifier: MIT */
/*
 * webhook_support.h: what the webhook receiver tests share: a cmocka group setup that
 * initialises libcurl, POSTs of a body or of a numbered event, receiver options, a counting
 * receiver (deliveries per id), a receiver child process whose callbacks never return, and
 * throwaway spool directories.
 */
#ifndef LOOPMSG_WEBHOOK_SUPPORT_H
#define LOOPMSG_WEBHOOK_SUPPORT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "test_support.h"
#include <loopmsg/webhook_server.h>

/* cmocka group setup/teardown: curl_global_init / curl_global_cleanup. */
int wh_group_setup(void **state);
int wh_group_teardown(void **state);

/* POST body to http://127.0.0.1:port/webhook with "Authorization: auth" (none if NULL),
 * Content-Type application/json and no "Expect: 100-continue", on a reused handle (keep-alive;
 * the response body is discarded). Returns the HTTP status, 0 on a transport error. */
long wh_post(CURL *c, uint16_t port, const char *auth, const char *body, long timeout_ms);

/* POST the message_inbound event with webhook_id "<prefix>-NNNN" (n, 4 digits) to
 * http://127.0.0.1:port/webhook with "Authorization: secret" on a reused handle (keep-alive;
 * the body is discarded). Returns the HTTP status, 0 on a transport error. */
long wh_post_id(CURL *c, uint16_t port, const char *secret, const char *prefix, int n);

/* Options of a receiver on /webhook checking secrets[0] only (the caller keeps `secrets` alive
 * until the receiver starts), with spool_dir (NULL: not durable) and handlers h. */
loopmsg_webhook_server_options wh_server_options(const char *const *secrets, const char *spool_dir,
                                                 const loopmsg_webhook_handlers *h);

/* Deliveries per id, for ids of the form "<anything>-NNNN" with NNNN < WH_MAX_IDS. */
#define WH_MAX_IDS 4096
typedef struct wh_counter {
    atomic_int per_id[WH_MAX_IDS];
    atomic_int total;
    atomic_int other; /* ids of another form (or none) */
} wh_counter;

/* Start a receiver on /webhook (one secret; spool_dir may be NULL) whose callbacks count into
 * c. Fails the test if it does not start. */
loopmsg_webhook_server *wh_counter_start(wh_counter *c, const char *secret, const char *spool_dir);

/* Wait until c->total reaches n, at most timeout_ms. */
void wh_wait_total(wh_counter *c, int n, unsigned int timeout_ms);

/* Fork a child that runs a receiver on /webhook (one secret, spool_dir, `workers` worker
 * threads) whose callbacks never return; *port is its port. The child lives until killed. */
pid_t wh_spawn_blocked_receiver(const char *secret, const char *spool_dir, unsigned int workers,
                                uint16_t *port);

/* A raw TCP connection to 127.0.0.1:port, from the local address `from` (an IPv4 literal such
 * as "127.0.0.7"; NULL lets the kernel choose). Returns the socket, -1 if connect() failed
 * (errno set); fails the test on any other error. */
int wh_connect(const char *from, uint16_t port);

/* Send all of buf[0..len) on a raw connection; fails the test if the connection breaks. */
void wh_send_all(int fd, const char *buf, size_t len);

/* Wait up to max_ms for the peer to close fd (read returns 0 or an error); returns the time it
 * took, or -1 if still open. Response bytes, if any, are read and dropped. */
long wh_wait_closed(int fd, int max_ms);

/* A new temporary directory "/tmp/loopmsg-spool-XXXXXX" and, returned, the path of a spool
 * inside it that does not exist yet (the receiver creates it). Free with wh_spool_dir_free,
 * which removes both. */
char *wh_spool_dir_new(void);
void wh_spool_dir_free(char *dir);

#endif
