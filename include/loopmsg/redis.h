/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/redis.h
 * @brief Webhooks shared by several machines through Redis (library loopmsg_redis, hiredis).
 *
 * Receivers behind a load balancer hand every webhook to a Redis stream, and consumers on any
 * machine read it with a consumer group:
 *
 * - A **publisher** (loopmsg_redis_publisher_new()) stores an event in one atomic step (a Lua
 *   script): remember its webhook_id for a while (`SET NX EX`) and append it to the stream
 *   (`XADD` with the fields `webhook_id`, `event` and `body`, the payload exactly as
 *   received). A webhook_id already remembered is not appended again. Plugged into the
 *   receiver of <loopmsg/webhook_server.h> with loopmsg_redis_publisher_accept() as its
 *   `accept_cb`, Loop gets its 200 only after Redis answered, and 503 when Redis is
 *   unreachable or failing.
 * - A **consumer** (loopmsg_redis_consumer_new()) reads the stream with a consumer group
 *   (created if missing), runs the typed callbacks of a loopmsg_webhook_handlers for each
 *   entry and acknowledges it (`XACK`) only after they returned 0. A failure is retried with
 *   a growing delay up to max_attempts; then the entry is appended to the stream `KEY:dead`
 *   with the last error, and acknowledged. Entries left pending by a consumer that died are
 *   claimed by the others once idle for claim_idle_ms (`XAUTOCLAIM`, Redis 6.2 or later).
 *
 * Delivery to the callbacks is at least once: a consumer that dies after its callbacks ran
 * but before its `XACK` reached Redis has the entry handled again by another consumer. Key
 * callbacks on webhook_id when that matters.
 *
 * How much survives a crash of Redis itself depends on its configuration (`appendonly yes`
 * with `appendfsync always`: no acknowledged webhook is lost); see docs/scaling.md.
 *
 * URLs: `redis://[[user]:password@]host[:port][/db]` (port 6379, db 0 by default; `[::1]`
 * for an IPv6 literal; the password may be percent-encoded) and `unix:///path/to/socket`
 * (optionally `?db=N`). TLS (`rediss://`) is not supported.
 *
 * Link with loopmsg_redis (pkg-config loopmsg_redis, CMake loopmsg::redis).
 */
#ifndef LOOPMSG_REDIS_H
#define LOOPMSG_REDIS_H

#include "client.h"
#include "common.h"
#include "error.h"
#include "webhook.h"
#include "webhook_server.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup redis Redis
 * @brief Receivers and consumers on several machines sharing one Redis stream: an atomic
 * dedupe-and-append for the receiver, a consumer group that acknowledges after the callbacks
 * (library loopmsg_redis).
 * @{
 */

/** The stream used when none is given. @since 0.2 */
#define LOOPMSG_REDIS_DEFAULT_STREAM "loopmsg:webhooks"

/**
 * Write a Redis URL fit for a log line: the password replaced by `***` (a user name is kept),
 * the rest as given. For messages that name the server ("consuming ... at URL"): the library
 * itself never prints a URL. Pure: the URL need not be valid (anything between `://` and the
 * last `@` of the authority is treated as credentials).
 * @param[out] out       Buffer for the result, always NUL-terminated when out_size > 0;
 *                       truncated when too small (the password is never copied, so a
 *                       cut cannot reveal part of it).
 * @param[in]  out_size  Size of out in bytes.
 * @param[in]  url       The URL; borrowed.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out or url is NULL, or out_size is 0.
 * @retval LOOPMSG_E_TOO_LARGE    The result was truncated.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_redis_url_redact(const char *url, char *out,
                                                                      size_t out_size);

/* ---- publisher ------------------------------------------------------------------------ */

/** Appends webhooks to a Redis stream, each webhook_id once. Opaque; thread-safe. @since 0.2 */
typedef struct loopmsg_redis_publisher loopmsg_redis_publisher;

/**
 * Publisher options. Zero means default for every field; strings are copied by
 * loopmsg_redis_publisher_new().
 * @since 0.2
 */
typedef struct loopmsg_redis_publisher_options {
    unsigned int version;      /**< LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION */
    const char *url;           /**< Where Redis is (see the file's description); required. */
    const char *stream;        /**< Stream key; NULL = LOOPMSG_REDIS_DEFAULT_STREAM. The
                                    webhook_ids are remembered under `STREAM:seen:ID`. */
    unsigned int dedupe_ttl_s; /**< How long a webhook_id is remembered; 0 = 86400 (24 h,
                                    longer than Loop's three hours of redelivery). */
    unsigned int timeout_ms;   /**< Limit of a connection attempt and of each command; 0 =
                                    2000. A publish that runs out of it fails (the receiver
                                    answers 503). */
    loopmsg_log_cb log_cb;     /**< Optional diagnostics (connection lost, Redis errors); called
                                    on the publishing thread. Never carries the password. */
    void *log_user_data;       /**< Passed to log_cb. */
} loopmsg_redis_publisher_options;

/** Layout version of loopmsg_redis_publisher_options declared by this header. @since 0.2 */
#define LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION 1
/** Initialiser of loopmsg_redis_publisher_options: the version set, every other field zero.
 * @since 0.2 */
#define LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT                                                       \
    LOOPMSG_STRUCT_INIT(LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT does: for callers that cannot expand C
 * macros (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION, as the caller's header declares.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_redis_publisher_options_init(loopmsg_redis_publisher_options *out, unsigned int version);

/**
 * Create a publisher and check that Redis answers: connect (authenticate, select the
 * database) and load the script, so that a wrong URL or password shows at once. Connections
 * are then made as needed (one per concurrent caller) and made again after a failure.
 * @param[out] out   The new publisher; free with loopmsg_redis_publisher_free(). NULL on failure.
 * @param[in]  opts  Options; copied; must not be NULL.
 * @param[out] err   Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  Bad options or URL (the message names the field).
 * @retval LOOPMSG_E_TRANSPORT    Redis cannot be reached, or refused the credentials or the
 *                                script (the message says which).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_redis_publisher_new(
    const loopmsg_redis_publisher_options *opts, loopmsg_redis_publisher **out, loopmsg_error *err);

/**
 * Store one event: in one atomic step, remember event->webhook_id for dedupe_ttl_s and append
 * the event to the stream, unless the id is already remembered. An event without a
 * webhook_id is always appended. Returns only after Redis answered (with `appendfsync always`
 * the entry is then on Redis's disk). When the answer is lost (timeout, connection cut) the
 * entry may or may not have been appended: publishing the same event again is safe.
 * Thread-safe: concurrent calls use separate connections.
 * @param[in]  pub            The publisher.
 * @param[in]  event          The event (raw / raw_len go to the `body` field); borrowed.
 * @param[out] duplicate_out  Optional: set to true when the id was already remembered (nothing
 *                            appended), false otherwise.
 * @param[out] err            Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  pub or event is NULL.
 * @retval LOOPMSG_E_TRANSPORT    Redis unreachable, too slow, or answered an error: the
 *                                event may not have been stored; try again later.
 * @retval LOOPMSG_E_NOMEM
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_redis_publish(loopmsg_redis_publisher *pub, const loopmsg_webhook_event *event,
                      bool *duplicate_out, loopmsg_error *err);

/**
 * A loopmsg_webhook_accept_cb that publishes with loopmsg_redis_publish(): set
 * `options.accept_cb = loopmsg_redis_publisher_accept` and `options.accept_user_data = pub`
 * in loopmsg_webhook_server_options. Failures are reported to the publisher's log_cb.
 * @param[in] event      The event; borrowed.
 * @param[in] publisher  A loopmsg_redis_publisher *.
 * @return LOOPMSG_WEBHOOK_ACCEPT_OK (appended), LOOPMSG_WEBHOOK_ACCEPT_DUPLICATE (id already
 *         remembered) or LOOPMSG_WEBHOOK_ACCEPT_RETRY (not stored: answer 503).
 * @since 0.2
 */
LOOPMSG_API loopmsg_webhook_accept_result
loopmsg_redis_publisher_accept(const loopmsg_webhook_event *event, void *publisher);

/**
 * Close the connections and free. Must not be called while another thread publishes.
 * @param[in] pub  The publisher; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_redis_publisher_free(loopmsg_redis_publisher *pub);

/* ---- consumer ------------------------------------------------------------------------- */

/** Reads a stream with a consumer group and runs callbacks for its entries. Opaque. @since 0.2 */
typedef struct loopmsg_redis_consumer loopmsg_redis_consumer;

/**
 * Consumer options. Zero means default for every field; strings are copied by
 * loopmsg_redis_consumer_new().
 * @since 0.2
 */
typedef struct loopmsg_redis_consumer_options {
    unsigned int version;        /**< LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION */
    const char *url;             /**< Where Redis is (see the file's description); required. */
    const char *stream;          /**< Stream key; NULL = LOOPMSG_REDIS_DEFAULT_STREAM. Entries
                                      that fail for good go to `STREAM:dead`. */
    const char *group;           /**< Consumer group; required; created (with the stream) if
                                      missing, reading from the start of the stream. */
    const char *consumer;        /**< This consumer's name in the group; NULL = "HOST:PID".
                                      With several workers, worker i > 0 is "NAME-i". Reuse a
                                      name after a restart to take back its pending entries at
                                      once; other names claim them after claim_idle_ms. */
    unsigned int workers;        /**< Entries handled at once, each on its own thread and
                                      connection; 0 = 1. At most 256. */
    unsigned int max_attempts;   /**< Attempts of an entry before it goes to `STREAM:dead`;
                                      0 = 5. */
    unsigned int retry_delay_ms; /**< Delay before the second attempt, doubled for each next
                                      one, at most 60 s; 0 = 1000. */
    unsigned int claim_idle_ms;  /**< An entry pending this long in another consumer is claimed
                                      (that consumer is taken for dead); 0 = 60000. Keep it
                                      above the longest handling of one attempt. */
    unsigned int block_ms;       /**< Longest wait for a new entry in one read; it also bounds
                                      how long loopmsg_redis_consumer_stop() takes to be
                                      noticed by an idle worker; 0 = 1000. */
    unsigned int timeout_ms;     /**< Limit of a connection attempt and of each command (on top
                                      of block_ms for a read); 0 = 2000. */
    const loopmsg_webhook_handlers *handlers; /**< The callbacks; copied; required. The entry
                                                   is acknowledged when
                                                   loopmsg_webhook_dispatch() returns 0. */
    void *user_data;                          /**< Passed to every callback. */
    loopmsg_log_cb log_cb; /**< Optional diagnostics (failures, retries, dead entries, lost
                                connections); called on the worker threads. Never carries the
                                password. */
    void *log_user_data;   /**< Passed to log_cb. */
} loopmsg_redis_consumer_options;

/** Layout version of loopmsg_redis_consumer_options declared by this header. @since 0.2 */
#define LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION 1
/** Initialiser of loopmsg_redis_consumer_options: the version set, every other field zero.
 * @since 0.2 */
#define LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT                                                        \
    LOOPMSG_STRUCT_INIT(LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT does: for callers that cannot expand C
 * macros (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION, as the caller's header declares.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_redis_consumer_options_init(loopmsg_redis_consumer_options *out, unsigned int version);

/**
 * Create a consumer: check the options, connect once (so that a wrong URL or password shows
 * at once) and create the group if missing. Nothing is read before
 * loopmsg_redis_consumer_run().
 * @param[out] out   The new consumer; free with loopmsg_redis_consumer_free(). NULL on failure.
 * @param[in]  opts  Options; copied; must not be NULL.
 * @param[out] err   Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  Bad options or URL (the message names the field).
 * @retval LOOPMSG_E_TRANSPORT    Redis cannot be reached or refused a command (the message
 *                                says which; `XAUTOCLAIM` needs Redis 6.2).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_redis_consumer_new(
    const loopmsg_redis_consumer_options *opts, loopmsg_redis_consumer **out, loopmsg_error *err);

/**
 * Run the workers until loopmsg_redis_consumer_stop(): each reads its own pending entries
 * first (those of an earlier run under the same name), then new ones, and periodically
 * claims entries idle for claim_idle_ms in other consumers. Each entry is parsed
 * (loopmsg_webhook_parse_ex()) and dispatched (loopmsg_webhook_dispatch()); 0 acknowledges
 * it; a failure is retried after retry_delay_ms (doubling) up to max_attempts, then the entry
 * goes to `STREAM:dead` (fields `id`, `webhook_id`, `event`, `body`, `error`, `attempts`) and
 * is acknowledged. A body that does not parse goes there at once. When Redis is unreachable
 * the workers retry the connection until it is back or the consumer is stopped.
 *
 * Callbacks run on the worker threads, concurrently when workers > 1.
 * @param[in]  c    The consumer. One run at a time.
 * @param[out] err  Optional; always written.
 * @retval LOOPMSG_OK             Stopped: every callback that ran has returned, and the
 *                                entries they handled were acknowledged (when Redis answered).
 * @retval LOOPMSG_E_INVALID_ARG  c is NULL.
 * @retval LOOPMSG_E_STATE        Already running.
 * @retval LOOPMSG_E_NOMEM        The worker threads could not be started.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_redis_consumer_run(loopmsg_redis_consumer *c,
                                                                        loopmsg_error *err);

/**
 * Ask a running loopmsg_redis_consumer_run() to return: the workers finish the entry in hand
 * (its callbacks and its acknowledgement), do not start another, and do not wait out a retry
 * delay (an entry waiting for its next attempt stays pending: it is claimed later). Returns
 * at once. Thread-safe; may be called before run (which then returns at once) and from a
 * callback.
 * @param[in] c  The consumer; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_redis_consumer_stop(loopmsg_redis_consumer *c);

/** Counters of a consumer since it was created. @since 0.2 */
typedef struct loopmsg_redis_consumer_stats {
    unsigned int version; /**< LOOPMSG_REDIS_CONSUMER_STATS_VERSION, set by the caller. */
    uint64_t handled;     /**< Entries whose callbacks returned 0 (acknowledged). */
    uint64_t failures;    /**< Attempts whose callbacks failed. */
    uint64_t dead;        /**< Entries moved to `STREAM:dead`. */
    uint64_t claimed;     /**< Entries claimed from other consumers. */
} loopmsg_redis_consumer_stats;

/** Layout version of loopmsg_redis_consumer_stats declared by this header. @since 0.2 */
#define LOOPMSG_REDIS_CONSUMER_STATS_VERSION 1
/** Initialiser of loopmsg_redis_consumer_stats: the version set, every other field zero.
 * @since 0.2 */
#define LOOPMSG_REDIS_CONSUMER_STATS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_REDIS_CONSUMER_STATS_VERSION)

/**
 * Set `*out` as LOOPMSG_REDIS_CONSUMER_STATS_INIT does: for callers that cannot expand C
 * macros (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_REDIS_CONSUMER_STATS_VERSION, as the caller's header declares.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_redis_consumer_stats_init(loopmsg_redis_consumer_stats *out, unsigned int version);

/**
 * Read the counters. Thread-safe.
 * @param[in]  c    The consumer.
 * @param[out] out  Its version must be set (LOOPMSG_REDIS_CONSUMER_STATS_INIT).
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  c or out is NULL, or out->version is not set.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_redis_consumer_stats_get(
    const loopmsg_redis_consumer *c, loopmsg_redis_consumer_stats *out);

/**
 * Free a consumer that is not running (stop it and let run return first).
 * @param[in] c  The consumer; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_redis_consumer_free(loopmsg_redis_consumer *c);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_REDIS_H */
