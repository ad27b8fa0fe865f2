/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/client.h
 * @brief The client: credentials, endpoint, timeouts, retries, logging and its I/O engine.
 *
 * A client owns one libcurl multi engine; connections are reused across calls. A client
 * may be used by one thread at a time.
 */
#ifndef LOOPMSG_CLIENT_H
#define LOOPMSG_CLIENT_H

#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup client Client and asynchronous engine
 * @brief Create a client, drive its engine (poll, run), cancel requests.
 *
 * Every request function of the other groups takes a client. Its blocking form waits for
 * the answer; its `_async` form returns at once and its callback runs later from
 * loopmsg_client_poll(), loopmsg_client_run() or loopmsg_client_free().
 * @{
 */

/**
 * A Loop Message API client. Opaque. Holds the copied options, the API key (wiped on
 * free), the connections and the pending asynchronous requests. Used by one thread at a
 * time; loopmsg_client_wakeup() is the only function safe from another thread.
 * @since 0.1
 */
typedef struct loopmsg_client loopmsg_client;

/**
 * Identifies an asynchronous request on its client. An id, not a pointer: a stale id can
 * never be a use-after-free. Never 0.
 * @since 0.1
 */
typedef uint64_t loopmsg_request_id;

/** Severity of a log line. @since 0.1 */
typedef enum loopmsg_log_level {
    LOOPMSG_LOG_DEBUG = 0, /**< Detail of each request and response. */
    LOOPMSG_LOG_INFO = 1,  /**< Normal events. */
    LOOPMSG_LOG_WARN = 2,  /**< Something failed and will be retried, or was worked around. */
    LOOPMSG_LOG_ERROR = 3  /**< A request or an operation failed. */
} loopmsg_log_level;

/**
 * Log callback. `line` is borrowed for the call and never contains the API key: wherever
 * it would appear (also JSON-escaped, as a server may echo it, or cut in two where a body
 * is shortened) it is replaced by '*'. A key of 1 to 3 characters is masked wherever those
 * characters stand, so other text holding them is masked too.
 * Called on the thread that drives the client, in the middle of the engine's work: it must
 * not drive the client (poll, run, blocking calls and batches return LOOPMSG_E_STATE).
 * @param level      The line's severity.
 * @param line       NUL-terminated text of at most 1023 bytes (longer lines are cut);
 *                   borrowed for the call.
 * @param user_data  loopmsg_client_options::log_user_data (for a webhook receiver,
 *                   loopmsg_webhook_server_options::log_user_data).
 * @since 0.1
 */
typedef void (*loopmsg_log_cb)(loopmsg_log_level level, const char *line, void *user_data);

/**
 * Wire callback: a request is about to leave. Called on the thread that drives the client
 * once the connection is ready and before the first byte of the request is written
 * (libcurl's pre-request hook), so that a caller can record "this request may now reach
 * the server" (a journal's "sending" mark) before it can. It is called before every
 * attempt that may reach the server: each retry, and libcurl's silent resend of a request
 * on a new connection (which the engine refuses for POSTs, so a POST is never sent twice
 * within one attempt). An attempt that cannot reach the server (connection refused, DNS
 * failure, cancelled while queued) does not call it. With libcurl older than 7.80 it is
 * called when the attempt starts, before connecting: earlier than the wire, never later.
 *
 * Like the log callback it runs in the middle of the engine's work: it must not call any
 * function of this client but loopmsg_client_wakeup() (poll, run, blocking calls and
 * loopmsg_client_cancel() return LOOPMSG_E_STATE). It should be quick: every transfer of
 * the client waits for it.
 *
 * @param client    The client.
 * @param id        The request: for an asynchronous call, the id its submission returned
 *                  through id_out; blocking calls and batches have ids the caller never sees.
 * @param attempt   1 for the first attempt, 2 for the first retry, ...
 * @param user_data wire_user_data of the options.
 * @return 0 to let the request go. Anything else stops it before a byte is written: the
 *         request is not retried and completes with LOOPMSG_E_CANCELLED, without
 *         LOOPMSG_ERRF_SENT (LOOPMSG_ERRF_MAYBE_DELIVERED only when an earlier attempt may
 *         have been delivered).
 * @since 0.2
 */
typedef int (*loopmsg_wire_cb)(loopmsg_client *client, loopmsg_request_id id, unsigned int attempt,
                               void *user_data);

/**
 * What a structured log event reports. The enum only grows.
 * @since 0.2
 */
typedef enum loopmsg_log_event_kind {
    /** An attempt is about to be sent (level DEBUG). */
    LOOPMSG_LOG_EVENT_REQUEST = 0,
    /** An attempt got an HTTP answer, whatever its status (level DEBUG). */
    LOOPMSG_LOG_EVENT_RESPONSE = 1,
    /** An attempt failed and the request will be sent again after `delay_ms` (level WARN). */
    LOOPMSG_LOG_EVENT_RETRY = 2,
    /** A 429 or 503 answer with Retry-After: every request of the client waits `delay_ms`
     *  before it starts (level WARN). */
    LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE = 3,
    /** The request finished with an error, no retry left (level ERROR; LOOPMSG_E_CANCELLED
     *  at level INFO). */
    LOOPMSG_LOG_EVENT_ERROR = 4
} loopmsg_log_event_kind;

/**
 * One structured log event: what a program needs to feed its own logger or metrics. Written
 * by the library, borrowed by the callback for the duration of the call (copy what you keep).
 *
 * It never holds the API key, a webhook secret, a request or response body, a message text
 * or an error message (which may quote a body): only the fields below.
 * @since 0.2
 */
typedef struct loopmsg_log_event {
    /** LOOPMSG_LOG_EVENT_VERSION of the library that wrote it: the fields of that version
     *  and older are set. A reader built against an older header reads only the fields it
     *  knows; one built against a newer header checks this before reading the newer fields.
     */
    unsigned int version;
    /** The severity, as the text callback would get it. */
    loopmsg_log_level level;
    /** What happened. */
    loopmsg_log_event_kind kind;
    /** The operation: "send", "status", "audience list", ... Static storage. */
    const char *operation;
    /** The HTTP method: "GET", "POST", "PATCH" or "DELETE". Static storage. */
    const char *method;
    /** The request path, from the first '/' after the base URL, without the query string
     *  (e.g. "/api/v1/message/send/"). Borrowed for the call. */
    const char *path;
    /** The HTTP status of the attempt; 0 for REQUEST, and when no answer came. */
    int http_status;
    /** The Loop error code of the answer (loopmsg_error.api_code); 0 when none. */
    int api_code;
    /** RESPONSE, RETRY, ERROR: the attempt's outcome (LOOPMSG_OK for a good response). */
    loopmsg_status status;
    /** The attempt, from 1; 0 for an ERROR before any attempt (a deadline in the queue). */
    unsigned int attempt;
    /** RESPONSE, RETRY, ERROR: how long the attempt took, from its start to its end, in
     *  milliseconds; 0 otherwise. */
    uint64_t duration_ms;
    /** RETRY: the wait before the next attempt; RATE_LIMIT_PAUSE: the pause; 0 otherwise. */
    uint64_t delay_ms;
    /** The request's id on its client (as loopmsg_request_id, also for blocking calls),
     *  the same for every attempt of one request. */
    loopmsg_request_id request_id;
} loopmsg_log_event;

/** The layout of loopmsg_log_event this header declares. @since 0.2 */
#define LOOPMSG_LOG_EVENT_VERSION 1
/** A zeroed loopmsg_log_event of this header's version. @since 0.2 */
#define LOOPMSG_LOG_EVENT_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_LOG_EVENT_VERSION)

/**
 * Set `*out` as LOOPMSG_LOG_EVENT_INIT does (for bindings and for tests that make events).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_LOG_EVENT_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_log_event_init(loopmsg_log_event *out,
                                                                    unsigned int version);

/**
 * Structured log callback: one call per event (see loopmsg_log_event_kind), made at the
 * points where the text callback gets its lines; both may be set. `event` is borrowed for
 * the call. Same threading rules as loopmsg_log_cb: called on the thread that drives the
 * client, in the middle of the engine's work; it must not drive the client.
 * @since 0.2
 */
typedef void (*loopmsg_log_event_cb)(const loopmsg_log_event *event, void *user_data);

/** The production API. @since 0.1 */
#define LOOPMSG_DEFAULT_BASE_URL "https://a.loopmessage.com"

/**
 * Host of the frontend opt-in method (loopmsg_optin_frontend_url()); the environment
 * variable LOOP_OPTIN_BASE_URL overrides it (https://, or http:// to a loopback host only).
 * @since 0.2
 */
#define LOOPMSG_DEFAULT_OPTIN_BASE_URL "https://t.imsg.link"
/**
 * The LoopLookup API host; the environment variable LOOP_LOOKUP_BASE_URL or
 * loopmsg_client_options::lookup_base_url overrides it (https://, or http:// to a loopback
 * host only).
 * @since 0.2
 */
#define LOOPMSG_DEFAULT_LOOKUP_BASE_URL "https://a.looplookup.com"

/** Default per-attempt timeout. @since 0.1 */
#define LOOPMSG_DEFAULT_TIMEOUT_MS 15000u
/** Default connect timeout. @since 0.1 */
#define LOOPMSG_DEFAULT_CONNECT_TIMEOUT_MS 10000u
/** Default number of automatic retries (3 attempts in all). @since 0.1 */
#define LOOPMSG_DEFAULT_RETRIES 2
/** Default base delay of the exponential backoff. @since 0.1 */
#define LOOPMSG_DEFAULT_RETRY_DELAY_MS 2000u
/** Upper bound of any one backoff delay. @since 0.1 */
#define LOOPMSG_MAX_RETRY_DELAY_MS 60000u
/** Pass as max_retries to disable automatic retries. @since 0.1 */
#define LOOPMSG_NO_RETRIES (-1)

/**
 * Which HTTP version a client speaks. TLS verification is the same for every choice.
 * @since 0.2
 */
typedef enum loopmsg_http_version {
    /** HTTP/2 over https:// when the server offers it (ALPN), HTTP/1.1 otherwise and over
     *  plaintext loopback. The default. */
    LOOPMSG_HTTP_VERSION_AUTO = 0,
    /** HTTP/1.1 only: one request per connection at a time. */
    LOOPMSG_HTTP_VERSION_1_1 = 1,
    /** Ask for HTTP/2 everywhere: over https:// through ALPN (falling back to HTTP/1.1 when
     *  the server does not offer it), over plaintext loopback with an h2c upgrade. */
    LOOPMSG_HTTP_VERSION_2 = 2
} loopmsg_http_version;

/**
 * Client options. Zero means default for every field. String fields that are NULL fall
 * back to the environment: api_key to LOOP_API_KEY, default_sender to LOOP_SENDER_ID,
 * base_url to LOOP_BASE_URL (then LOOPMSG_DEFAULT_BASE_URL), ca_bundle_path to
 * LOOP_CA_BUNDLE, ca_path to LOOP_CA_PATH, lookup_api_key to LOOP_LOOKUP_API_KEY,
 * lookup_base_url to LOOP_LOOKUP_BASE_URL (then LOOPMSG_DEFAULT_LOOKUP_BASE_URL).
 *
 * Trust: with neither ca_bundle_path nor ca_path, the system's hashed CA directory (the one
 * libcurl was built with, /etc/ssl/certs on Debian) is used, so that a certificate is read
 * only when a chain needs it; without such a directory, libcurl's default bundle. A bundle is
 * parsed once per client, not once per connection. TLS sessions and DNS answers are shared
 * by all the connections of a client.
 *
 * Proxies: `proxy`, else libcurl's standard variables (`https_proxy`/`HTTPS_PROXY`,
 * `http_proxy` for plaintext loopback, `no_proxy`/`NO_PROXY`). Requests always go through a
 * CONNECT tunnel, so a proxy never sees the Authorization header, even for http://.
 * @since 0.1
 */
typedef struct loopmsg_client_options {
    unsigned int version;            /**< LOOPMSG_CLIENT_OPTIONS_VERSION */
    const char *api_key;             /**< Required (here or in the environment) unless a
                                          lookup key is given (lookup_api_key). Trimmed;
                                          copied, and wiped from memory on free. */
    const char *default_sender;      /**< Sender id put into every request that takes a
                                          `sender` and has none. */
    const char *base_url;            /**< Trailing slashes removed. http:// only for loopback. */
    unsigned int timeout_ms;         /**< Per attempt; 0 = 15000. */
    unsigned int connect_timeout_ms; /**< 0 = 10000. */
    int max_retries;                 /**< Automatic retries; 0 = 2, LOOPMSG_NO_RETRIES = none. */
    unsigned int retry_delay_ms;     /**< Backoff base; 0 = 2000. */
    unsigned int deadline_ms;        /**< Overall limit across all attempts; 0 = none. */
    bool retry_maybe_delivered;      /**< Also resend on codes 1020/1030 (the reference SDK's
                                          behaviour; may deliver twice). */
    const char *ca_bundle_path;      /**< CA bundle for TLS; NULL = system default. TLS
                                          verification cannot be turned off. */
    const char *user_agent_suffix;   /**< Appended to "libloopmsg/VERSION". */
    loopmsg_log_cb log_cb;           /**< Optional diagnostics; NULL = none. */
    void *log_user_data;             /**< Passed to log_cb. */
    unsigned int max_concurrent;     /**< In-flight cap for async and batch; 0 = 16. */
    double rate_limit_per_second;    /**< Client-side request rate cap; 0 = none. */
    /* ---- version 2 ---- */
    const char *ca_path;          /**< Hashed CA directory (`openssl rehash`); used instead of the
                                       system default, and together with ca_bundle_path when both
                                       are set. @since 0.2 */
    unsigned int max_connections; /**< Open connections to each host at most. 0 = chosen
                                       by the library: over https (HTTP/2 expected) one per
                                       100 requests in flight (max_concurrent / 100, rounded
                                       up), raised to max_concurrent for good as soon as an
                                       answer comes over HTTP/1.1; max_concurrent for
                                       http:// and with LOOPMSG_HTTP_VERSION_1_1. Over
                                       HTTP/2 the requests in flight share these connections
                                       up to the server's stream limit; more wait. @since
                                       0.2 */
    loopmsg_http_version http_version; /**< 0 = LOOPMSG_HTTP_VERSION_AUTO. @since 0.2 */
    const char *proxy; /**< Proxy URL ("http://host:port", "socks5h://..."); NULL = the
                            environment (see above); "" = no proxy, whatever the
                            environment says. @since 0.2 */
    /* ---- version 3 ---- */
    loopmsg_wire_cb wire_cb; /**< Optional: told before each request may leave; may refuse it
                                  (see loopmsg_wire_cb). @since 0.2 */
    void *wire_user_data;    /**< Passed to wire_cb. @since 0.2 */
    loopmsg_log_event_cb log_event_cb; /**< Optional structured diagnostics, beside (or
                                            instead of) log_cb. @since 0.2 */
    void *log_event_user_data;         /**< Passed to log_event_cb. @since 0.2 */
    const char *lookup_api_key;        /**< The LoopLookup key (<loopmsg/lookup.h>); NULL =
                                            LOOP_LOOKUP_API_KEY. Sent only to lookup_base_url, as
                                            the Loop Message key is sent only to base_url. Trimmed;
                                            copied, and wiped from memory on free. With it, api_key
                                            may be left unset: the client then serves lookups only,
                                            and its other calls fail with LOOPMSG_E_INVALID_ARG
                                            before any I/O. @since 0.2 */
    const char *lookup_base_url;       /**< The LoopLookup host; NULL = LOOP_LOOKUP_BASE_URL, else
                                            LOOPMSG_DEFAULT_LOOKUP_BASE_URL. Same rules as base_url
                                            (http:// only to loopback). @since 0.2 */
} loopmsg_client_options;

/**
 * Layout version of loopmsg_client_options declared by this header (3 since 0.2: ca_path,
 * max_connections, http_version, proxy in version 2; wire_cb, wire_user_data, log_event_cb,
 * log_event_user_data, lookup_api_key, lookup_base_url in version 3, which no release had
 * before 0.2, so its fields were appended without a new version). Structs of versions 1 and 2 are
 * still accepted; the fields they lack are taken as zero.
 * @since 0.1
 */
#define LOOPMSG_CLIENT_OPTIONS_VERSION 3
/** Initialiser of loopmsg_client_options: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_CLIENT_OPTIONS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_CLIENT_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_CLIENT_OPTIONS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_CLIENT_OPTIONS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_client_options_init(loopmsg_client_options *out, unsigned int version);

/**
 * Create a client.
 *
 * @param[out] out   On LOOPMSG_OK the new client, owned by the caller: free it with
 *                   loopmsg_client_free(). Set to NULL otherwise.
 * @param[in]  opts  Options, copied; NULL = all defaults (environment only).
 * @param[out] err   Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  no API key, a blank key, a bad base URL, plaintext http://
 *                                to a host that is not loopback, a bad options version,
 *                                an unknown http_version, control characters in a path or
 *                                the proxy URL.
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_new(const loopmsg_client_options *opts,
                                                                loopmsg_client **out,
                                                                loopmsg_error *err);

/**
 * Free a client: pending asynchronous requests complete with LOOPMSG_E_CANCELLED first
 * (their callbacks run here, on the calling thread). The API key is wiped. Called from one
 * of the client's callbacks, the free is deferred until the dispatch loop returns. Results
 * already returned stay valid: they do not refer to the client.
 * @param[in] client  The client; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_client_free(loopmsg_client *client);

/**
 * The effective base URL (no trailing slash).
 * @param[in] client  The client; NULL gives NULL.
 * @return a string borrowed from the client, valid until loopmsg_client_free().
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_client_base_url(const loopmsg_client *client);

/**
 * The effective default sender (from the options or LOOP_SENDER_ID).
 * @param[in] client  The client; NULL gives NULL.
 * @return a string borrowed from the client, valid until loopmsg_client_free(); NULL when
 *         there is none.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_client_default_sender(const loopmsg_client *client);

/* ---- asynchronous requests ------------------------------------------------------------- */

/**
 * Completion of an asynchronous call that has no result (typing, mark read, unsubscribe).
 * `err` is never NULL (status LOOPMSG_OK on success) and is borrowed for the call.
 *
 * The rules of every asynchronous callback:
 * - if the submitting call returns anything but LOOPMSG_OK, the callback is never called;
 * - otherwise it is called exactly once, including when the request is cancelled or the
 *   client is freed with it pending (status LOOPMSG_E_CANCELLED);
 * - it is never called from inside the submitting call, only from loopmsg_client_poll(),
 *   loopmsg_client_run() or loopmsg_client_free(), on the thread that calls them;
 * - inside it you may submit more asynchronous requests and cancel requests; poll, run, a
 *   blocking call or a batch on the same client fail with LOOPMSG_E_STATE; free is deferred
 *   until the dispatch loop returns.
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_done_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_error *err, void *user_data);

/**
 * Drive the engine once: wait at most timeout_ms (0 = do not wait, negative = up to 1 s)
 * for network activity or a timer, then run the callbacks of the requests that completed,
 * on the calling thread. Returns at once when nothing is pending and timeout_ms is not
 * positive. A free requested from a callback happens before this returns.
 * @param[in] client      The client.
 * @param[in] timeout_ms  Longest wait, in milliseconds.
 * @return the number of callbacks run (>= 0), or a negative loopmsg_status
 *         (LOOPMSG_E_INVALID_ARG when client is NULL, LOOPMSG_E_STATE when called from a
 *         callback).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD int loopmsg_client_poll(loopmsg_client *client, int timeout_ms);

/**
 * Drive the engine until no request is pending, running every callback on the calling
 * thread (including those of requests the callbacks submit). When a callback frees the
 * client, it is freed and this returns at once: do not use the client afterwards.
 * @param[in]  client  The client.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK             nothing is pending any more (the requests' own outcomes
 *                                went to their callbacks).
 * @retval LOOPMSG_E_INVALID_ARG  client is NULL.
 * @retval LOOPMSG_E_STATE        called from a callback.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_run(loopmsg_client *client,
                                                                loopmsg_error *err);

/**
 * Cancel a pending asynchronous request. Its callback runs (with LOOPMSG_E_CANCELLED) at
 * the next poll/run. A request already in flight may still have reached the server: a
 * cancelled send carries LOOPMSG_ERRF_MAYBE_DELIVERED. Allowed from a callback.
 * @param[in] client  The client.
 * @param[in] id      The id the submitting call returned.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client is NULL, or no pending request has this id
 *                                (already completed, or never submitted).
 * @retval LOOPMSG_E_STATE        called from the wire callback (since 0.2).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_cancel(loopmsg_client *client,
                                                                   loopmsg_request_id id);

/**
 * Cancel every asynchronous request that has not started yet (no byte of it reached a
 * server), e.g. to stop a bulk run on Ctrl-C while the requests in flight finish. Their
 * callbacks run with LOOPMSG_E_CANCELLED and no LOOPMSG_ERRF_MAYBE_DELIVERED at the next
 * poll/run. Requests in flight or waiting to be retried are left alone. Allowed from a
 * callback.
 * @param[in] client  The client; NULL gives 0.
 * @return how many were cancelled.
 * @since 0.1
 */
LOOPMSG_API size_t loopmsg_client_cancel_unsent(loopmsg_client *client);

/**
 * Requests submitted and not yet delivered to their callbacks (queued, in flight, waiting
 * for a retry, or completed and waiting for poll/run).
 * @param[in] client  The client; NULL gives 0. Same thread rule as the other client calls.
 * @return the number of such requests.
 * @since 0.1
 */
LOOPMSG_API size_t loopmsg_client_pending(const loopmsg_client *client);

/**
 * Interrupt a poll/run that is waiting, from any thread (curl_multi_wakeup()). The only
 * client function that is safe to call from another thread; the client must stay alive
 * during the call.
 * @param[in] client  The client.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client is NULL.
 * @retval LOOPMSG_E_INTERNAL     libcurl could not wake the engine.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_wakeup(loopmsg_client *client);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_CLIENT_H */
