/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/webhook_server.h
 * @brief A ready-made webhook receiver on libmicrohttpd (library loopmsg_webhook).
 *
 * The receiver listens on 127.0.0.1 by default, authenticates and parses each POST with
 * loopmsg_webhook_handle(), drops repeats of a webhook_id it has already accepted, puts the
 * event on a bounded queue and answers 200 at once (Loop wants the answer within 15 s);
 * worker threads then run the callbacks with loopmsg_webhook_dispatch(). Options add a
 * durable spool (no acknowledged event is lost by a crash) and an "acknowledge after
 * handling" mode (the answer waits for the callbacks; 500 when they fail, so Loop
 * redelivers).
 *
 * Status codes: 200 accepted (or a repeat of an accepted event, or GET /health);
 * 400 malformed body; 401 bad credentials; 404 wrong path; 405 not POST; 413 body over the
 * limit (refused from Content-Length, before it is read; a chunked body is read and dropped
 * to its end, up to four times the limit, then answered); 503 queue full or stopping;
 * 500 spool write failed, or (acknowledge after handling) a callback failed.
 *
 * Link with loopmsg_webhook (pkg-config loopmsg_webhook, CMake loopmsg::webhook).
 */
#ifndef LOOPMSG_WEBHOOK_SERVER_H
#define LOOPMSG_WEBHOOK_SERVER_H

#include "client.h"
#include "common.h"
#include "error.h"
#include "webhook.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup webhook_server Webhook receiver
 * @brief A ready-made receiver on libmicrohttpd: authentication, deduplication, queue, workers,
 * durable spool (library loopmsg_webhook).
 * @{
 */

/** A running receiver. Opaque. @since 0.1 */
typedef struct loopmsg_webhook_server loopmsg_webhook_server;

/**
 * Called on a worker thread when the callbacks failed for an event (dispatch returned
 * non-zero `rc`), in either mode. The event is borrowed for the call.
 * @since 0.1
 */
typedef void (*loopmsg_webhook_error_cb)(const loopmsg_webhook_event *event, int rc,
                                         void *user_data);

/**
 * What an acceptance callback (loopmsg_webhook_accept_cb) did with an event.
 * @since 0.2
 */
typedef enum loopmsg_webhook_accept_result {
    LOOPMSG_WEBHOOK_ACCEPT_OK = 0,        /**< Taken over for good (e.g. stored durably): 200. */
    LOOPMSG_WEBHOOK_ACCEPT_DUPLICATE = 1, /**< Its webhook_id was taken over before: 200, counted
                                               as a duplicate. */
    LOOPMSG_WEBHOOK_ACCEPT_RETRY = 2      /**< Not taken (the store is unreachable or failed):
                                               503, so that Loop delivers it again. */
} loopmsg_webhook_accept_result;

/**
 * Delegated acceptance: called on an HTTP thread of the receiver for every request that passed
 * every check (path, method, credentials, size, parse), before it is answered. The answer
 * waits for the return value; the callback, not the receiver, deduplicates and stores the
 * event (the receiver's own dedupe set, queue, spool and worker callbacks are not used).
 * Several HTTP threads call it concurrently. It must return well within Loop's 15 s.
 * @param[in] event      The parsed event (raw / raw_len: the body exactly as received);
 *                       borrowed for the call.
 * @param[in] user_data  options.accept_user_data.
 * @return What was done with the event; any value other than LOOPMSG_WEBHOOK_ACCEPT_OK or
 *         LOOPMSG_WEBHOOK_ACCEPT_DUPLICATE answers 503.
 * @since 0.2
 */
typedef loopmsg_webhook_accept_result (*loopmsg_webhook_accept_cb)(
    const loopmsg_webhook_event *event, void *user_data);

/**
 * Receiver options. Zero means default for every field; strings and arrays are copied by
 * loopmsg_webhook_server_start().
 * @since 0.1
 */
typedef struct loopmsg_webhook_server_options {
    unsigned int version;         /**< LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION */
    const char *bind_address;     /**< IPv4 or IPv6 literal; NULL = "127.0.0.1". Use
                                       "0.0.0.0" to accept connections from other hosts. */
    uint16_t port;                /**< 0 = a free port (see loopmsg_webhook_server_port()). */
    const char *path;             /**< Path that receives webhooks, e.g. "/webhook"; NULL = any
                                       path. GET /health answers 200 whatever this is. */
    const char *const *secrets;   /**< Expected Authorization values (header verbatim,
                                       "Bearer V", or `?secret=V`; see
                                       loopmsg_webhook_verify()). */
    size_t secret_count;          /**< 0 = no authentication: anyone who can connect may post. */
    size_t max_body_bytes;        /**< 0 = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES (1 MiB). */
    unsigned int max_connections; /**< Concurrent connections; 0 = 4096, or the process's
                                       open-file limit (RLIMIT_NOFILE) less 64 when that is
                                       lower. More wait in the listen backlog until one
                                       closes. See also max_connections_per_address. */
    unsigned int timeout_ms;      /**< A connection idle this long is closed; a request whose
                                       line and headers have not all arrived this long after
                                       the connection opened (or its previous request ended)
                                       is cut off, however steadily they trickle in; so is
                                       one whose body has not fully arrived this long after
                                       its headers. 0 = 10000. Rounded up to seconds for the
                                       idle part. */
    unsigned int http_threads;    /**< Threads serving HTTP; 0 = 1, or 4 with spool_dir or
                                       accept_cb (their waits hold a thread). */
    unsigned int worker_threads;  /**< Threads running the callbacks; 0 = 2. Callbacks run
                                       concurrently when this is above 1. */
    size_t queue_capacity;        /**< Events waiting for a worker; beyond it 503; 0 = 4096. */
    size_t dedupe_capacity;       /**< webhook_ids remembered; 0 = 131072 (about 3 MiB at
                                       most). When full, the oldest id is forgotten even if it
                                       is younger than dedupe_ttl_s. */
    unsigned int dedupe_ttl_s;    /**< How long an id is remembered; 0 = 86400 (24 h). */
    const char *spool_dir;        /**< Durable mode: directory of the event log (created if
                                       missing, 0700). Every event is on disk before its 200;
                                       events not handled when the process died are
                                       delivered again at the next start. NULL = off. */
    bool ack_after_handling;      /**< Answer only after the callbacks ran: 200 when they
                                       succeeded, 500 when they failed (the webhook_id is then
                                       forgotten so that Loop's redelivery is handled). Keep
                                       the callbacks well under Loop's 15 s limit. */
    const loopmsg_webhook_handlers *handlers; /**< The callbacks; copied. NULL = none. */
    void *user_data;                          /**< Passed to every callback. */
    loopmsg_webhook_error_cb on_error;        /**< Optional; see loopmsg_webhook_error_cb. */
    loopmsg_log_cb log_cb; /**< Optional diagnostics (spool recovery, I/O errors); called on
                                any of the receiver's threads. Never carries a secret. */
    void *log_user_data;   /**< Passed to log_cb. */
    /* Version 2. */
    loopmsg_webhook_accept_cb accept_cb;      /**< Delegated acceptance (see
                                                   loopmsg_webhook_accept_cb), e.g.
                                                   loopmsg_redis_publisher_accept() of
                                                   <loopmsg/redis.h>; NULL = the receiver's own
                                                   queue. Not allowed with spool_dir or
                                                   ack_after_handling. @since 0.2 */
    void *accept_user_data;                   /**< Passed to accept_cb. @since 0.2 */
    unsigned int max_connections_per_address; /**< Concurrent connections from one client IP
                                                   address; more are closed at once. 0 = 64.
                                                   @since 0.2 */
} loopmsg_webhook_server_options;

/** Layout version of loopmsg_webhook_server_options declared by this header (2 adds
 * accept_cb, accept_user_data and max_connections_per_address). @since 0.1 */
#define LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION 2
/** Initialiser of loopmsg_webhook_server_options: the version set, every other field zero. @since
 * 0.1 */
#define LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT                                                        \
    LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_server_options_init(loopmsg_webhook_server_options *out, unsigned int version);

/**
 * Start a receiver on its own threads. Returns once it accepts connections and, in durable
 * mode, once the events left in the spool have been queued for delivery again.
 *
 * Callbacks run on the receiver's worker threads, never on the caller's; with more than
 * one worker they run concurrently. Each webhook_id reaches the callbacks once (events
 * without a webhook_id are not deduplicated); in durable mode an event whose callbacks
 * had run when the process died, but was not yet marked done, is delivered again.
 *
 * @param[out] out   The new receiver; stop it with loopmsg_webhook_server_stop() and
 *                   free it with loopmsg_webhook_server_free(). NULL on failure.
 * @param[in]  opts  Options; copied; must not be NULL.
 * @param[out] err   Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  Bad options (the message names the field).
 * @retval LOOPMSG_E_TRANSPORT    The address could not be bound.
 * @retval LOOPMSG_E_STATE        The spool directory is unusable or in use by another
 *                                receiver.
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_server_start(
    const loopmsg_webhook_server_options *opts, loopmsg_webhook_server **out, loopmsg_error *err);

/**
 * The TCP port the receiver listens on (the chosen one when options.port was 0).
 * @param[in] srv  The receiver; NULL gives 0. Thread-safe.
 * @return the port, in host byte order.
 * @since 0.1
 */
LOOPMSG_API uint16_t loopmsg_webhook_server_port(const loopmsg_webhook_server *srv);

/**
 * Stop gracefully: stop accepting connections, answer 503 to requests that arrive on open
 * connections, let requests already begun finish (a slow one at most timeout_ms), finish
 * every queued event (waiting for the callbacks), then return. Idempotent. Must not be
 * called from a callback. Blocks as long as a callback does.
 * @param[in] srv  The receiver; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_webhook_server_stop(loopmsg_webhook_server *srv);

/**
 * Stop (as loopmsg_webhook_server_stop()) and free. Must not be called from a callback.
 * @param[in] srv  The receiver; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_webhook_server_free(loopmsg_webhook_server *srv);

/** Counters of a receiver since it started. @since 0.1 */
typedef struct loopmsg_webhook_server_stats {
    unsigned int version;  /**< LOOPMSG_WEBHOOK_SERVER_STATS_VERSION, set by the caller. */
    uint64_t requests;     /**< HTTP requests seen. */
    uint64_t accepted;     /**< Events queued for the callbacks (recovered ones included). */
    uint64_t duplicates;   /**< Repeats of an accepted webhook_id (answered, not queued). */
    uint64_t rejected;     /**< Answered 400, 401, 404, 405 or 413. */
    uint64_t busy;         /**< Answered 503. */
    uint64_t handled;      /**< Events whose callbacks returned 0. */
    uint64_t failed;       /**< Events whose callbacks failed. */
    uint64_t recovered;    /**< Events re-queued from the spool at start. */
    size_t queued;         /**< Events waiting for a worker now. */
    size_t in_progress;    /**< Events whose callbacks are running now. */
    size_t dedupe_entries; /**< webhook_ids remembered now. */
    uint64_t dedupe_evicted_early; /**< Ids forgotten before dedupe_ttl_s (set was full). */
} loopmsg_webhook_server_stats;

/** Layout version of loopmsg_webhook_server_stats declared by this header. @since 0.1 */
#define LOOPMSG_WEBHOOK_SERVER_STATS_VERSION 1
/** Initialiser of loopmsg_webhook_server_stats: the version set, every other field zero. @since 0.1
 */
#define LOOPMSG_WEBHOOK_SERVER_STATS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_SERVER_STATS_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_SERVER_STATS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_SERVER_STATS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_server_stats_init(loopmsg_webhook_server_stats *out, unsigned int version);

/**
 * Read the counters. Thread-safe; the values are a consistent-enough snapshot for
 * monitoring (each counter is read atomically, not all of them at one instant).
 * @param[in]  srv  The receiver.
 * @param[out] out  Its version must be set (LOOPMSG_WEBHOOK_SERVER_STATS_INIT).
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  srv or out is NULL, or out->version is not set.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_server_stats_get(
    const loopmsg_webhook_server *srv, loopmsg_webhook_server_stats *out);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_WEBHOOK_SERVER_H */
