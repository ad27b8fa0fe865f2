/* SPDX-License-Identifier: MIT */
/*
 * client_int.h: the client object, the request object and the engine that moves requests
 * through libcurl's multi interface. Endpoint modules (message.c, audience.c, ...) only use
 * loopmsg__call() / loopmsg__call_async(); they never touch curl.
 */
#ifndef LOOPMSG_CLIENT_INT_H
#define LOOPMSG_CLIENT_INT_H

#include "loopmsg/client.h"
#include "alloc_int.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum loopmsg__method {
    LOOPMSG__GET = 0,
    LOOPMSG__POST,
    LOOPMSG__DELETE,
    LOOPMSG__PATCH /* a partial update: replaying it sets the same values again */
} loopmsg__method;

/* loopmsg__op.flags */
/* Never resent automatically, whatever the client's retry settings: only an attempt whose
 * connection failed before any byte of the request left is tried again (a paying call). */
#define LOOPMSG__OP_ONCE 0x1u
/* The response carries a secret (a new organization's API key): never logged, and the
 * engine's copy of it is wiped once decoded. */
#define LOOPMSG__OP_SECRET 0x2u
/* The frontend opt-in method: sent to the client's optin_base_url, without Authorization
 * (the method is unauthenticated, and the key must not travel to another host). */
#define LOOPMSG__OP_HOST_OPTIN 0x4u
/* A LoopLookup method: sent to the client's lookup_base_url with the lookup key (never the
 * Loop Message key), and its errors read with LoopLookup's own code table. */
#define LOOPMSG__OP_HOST_LOOKUP 0x8u

/* Decode a successful (2xx) response into a result (an arena root). `root` is the parsed
 * body, NULL when the body was empty (204). `raw` is the NUL-terminated body. */
typedef loopmsg_status (*loopmsg__decode_fn)(void **out, json_t *root, const char *raw,
                                             size_t raw_len, loopmsg_error *err);

/* The fast form of a decoder, tried first on a 2xx body (already masked): true with *out
 * the finished result, exactly the one classification and `decode` would make of the same
 * body; false when the body is not one of the shapes it reads, or on an allocation failure,
 * with nothing allocated and *out untouched: the body then takes the full path, which
 * reports every error. `raw` need not be NUL-terminated. */
typedef bool (*loopmsg__decode_fast_fn)(void **out, const char *raw, size_t raw_len);

/* What the engine needs to know about an endpoint. Static tables, one per endpoint, written
 * with designated initialisers: an absent member is zero. */
typedef struct loopmsg__op {
    const char *name; /* prefix of error messages and log lines: "send" */
    loopmsg__method method;
    loopmsg__decode_fn decode; /* NULL: the call has no result */
    void (*free_result)(void *);
    unsigned int flags;                  /* LOOPMSG__OP_* */
    loopmsg__decode_fast_fn decode_fast; /* NULL: every body takes the full path */
} loopmsg__op;

/* Generic function pointer: a public typed callback travels as this and is cast back to its
 * own type by the trampoline that calls it. */
typedef void (*loopmsg__fn)(void);

/* Completion of an asynchronous request, called from poll/run/free only. `result` is
 * borrowed (NULL on failure); `user_fn` is the caller's typed callback. */
typedef void (*loopmsg__done_cb)(loopmsg_client *client, uint64_t id, void *result,
                                 const loopmsg_error *err, loopmsg__fn user_fn, void *user_data);

/* Completion for the library's own bookkeeping (batch): called as soon as the request
 * finishes, inside the engine; takes ownership of `result` (NULL on failure). */
typedef void (*loopmsg__finish_cb)(void *ctx, loopmsg_status status, void *result,
                                   const loopmsg_error *err);

typedef struct loopmsg__request loopmsg__request;

/* A request body: a JSON value that the engine serialises, or bytes already encoded (`len`
 * bytes and a NUL, from loopmsg__malloc); at most one of the two is set, neither for no body.
 * Whoever holds it frees it with loopmsg__body_clear. */
typedef struct loopmsg__body {
    json_t *json;
    char *bytes;
    size_t len;
} loopmsg__body;

void loopmsg__body_clear(loopmsg__body *b);

/* Run one request to completion (the blocking face of the engine). Takes ownership of
 * `path` (already percent-encoded, starting with '/') and of `body` (NULL = none). On
 * success *result_out (when non-NULL) receives the decoded result, owned by the caller. */
loopmsg_status loopmsg__call(loopmsg_client *c, const loopmsg__op *op, char *path, json_t *body,
                             void **result_out, loopmsg_error *err);

/* Submit one request (the async face). Same ownership as loopmsg__call. On LOOPMSG_OK the
 * callback runs exactly once, later, from poll/run/free; never on failure. */
loopmsg_status loopmsg__call_async(loopmsg_client *c, const loopmsg__op *op, char *path,
                                   json_t *body, loopmsg__done_cb cb, loopmsg__fn user_fn,
                                   void *user_data, uint64_t *id_out, loopmsg_error *err);

/* Submit a request whose completion goes to an internal finish callback (see above). Same
 * ownership rules; on failure the callback is not called. */
loopmsg_status loopmsg__call_internal(loopmsg_client *c, const loopmsg__op *op, char *path,
                                      json_t *body, loopmsg__finish_cb finish, void *ctx,
                                      loopmsg_error *err);

/* The same three with a loopmsg__body, which they take over on every path (success or not). */
loopmsg_status loopmsg__call_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                  loopmsg__body body, void **result_out, loopmsg_error *err);
loopmsg_status loopmsg__call_async_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                        loopmsg__body body, loopmsg__done_cb cb,
                                        loopmsg__fn user_fn, void *user_data, uint64_t *id_out,
                                        loopmsg_error *err);
loopmsg_status loopmsg__call_internal_body(loopmsg_client *c, const loopmsg__op *op, char *path,
                                           loopmsg__body body, loopmsg__finish_cb finish, void *ctx,
                                           loopmsg_error *err);

/* One turn of the engine (start, wait at most max_wait_ms, process). No user callbacks run. */
void loopmsg__engine_step(loopmsg_client *c, long max_wait_ms);

/* Engine internals shared with client.c. */
loopmsg_status loopmsg__engine_init(loopmsg_client *c, loopmsg_error *err);
void loopmsg__engine_free(loopmsg_client *c); /* completes pending requests as CANCELLED */
int loopmsg__engine_poll(loopmsg_client *c, int timeout_ms);
loopmsg_status loopmsg__engine_run(loopmsg_client *c, loopmsg_error *err);
loopmsg_status loopmsg__engine_cancel(loopmsg_client *c, uint64_t id);
size_t loopmsg__engine_pending(const loopmsg_client *c);
size_t loopmsg__engine_cancel_unsent(loopmsg_client *c);
loopmsg_status loopmsg__engine_wakeup(loopmsg_client *c);
int loopmsg__engine_in_callback(const loopmsg_client *c);
int loopmsg__engine_defer_free(loopmsg_client *c); /* free later, after the callback */
/* The client's connection sockets corked now (cork_int.h); for tests. */
size_t loopmsg__engine_corked(const loopmsg_client *c, const int **fds);

/* Log a line through the client's log callback (no-op without one). */
void loopmsg__log(const loopmsg_client *c, loopmsg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Test hook: the [0,1) random source used for backoff jitter. NULL restores the default. */
void loopmsg__client_set_random(loopmsg_client *c, double (*fn)(void *), void *user_data);

struct loopmsg_engine; /* engine.c */

struct loopmsg_client {
    char *api_key; /* NULL for a lookup-only client (then auth_header is NULL too) */
    size_t api_key_len;
    char *auth_header; /* "Authorization: <key>", wiped on free */
    char *base_url;
    char *optin_base_url; /* LOOP_OPTIN_BASE_URL, default https://t.imsg.link */
    char *lookup_api_key; /* NULL: no LoopLookup calls; wiped on free */
    size_t lookup_api_key_len;
    char *lookup_auth_header; /* "Authorization: <lookup key>", wiped on free */
    char *lookup_base_url;    /* LOOP_LOOKUP_BASE_URL, default https://a.looplookup.com */
    char *default_sender;
    char *ca_bundle_path;
    char *ca_path;
    char *proxy; /* NULL = the environment; "" = none */
    char *user_agent;
    unsigned int timeout_ms;
    unsigned int connect_timeout_ms;
    int max_retries;
    unsigned int retry_delay_ms;
    unsigned int deadline_ms;
    bool retry_maybe_delivered;
    unsigned int max_concurrent;
    unsigned int max_connections;
    loopmsg_http_version http_version;
    double rate_limit_per_second;
    loopmsg_log_cb log_cb;
    void *log_user_data;
    loopmsg_wire_cb wire_cb;
    void *wire_user_data;
    loopmsg_log_event_cb log_event_cb;
    void *log_event_user_data;
    double (*random_fn)(void *);
    void *random_user_data;
    uint64_t rng_state;
    struct loopmsg_engine *engine;
    uint64_t last_sender_order_ms; /* monotonic; 0 = never (the 30-s ordering guard) */
};

#endif
