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

/** A Loop Message API client. Opaque. @since 0.1 */
typedef struct loopmsg_client loopmsg_client;

/** Severity of a log line. @since 0.1 */
typedef enum loopmsg_log_level {
    LOOPMSG_LOG_DEBUG = 0,
    LOOPMSG_LOG_INFO = 1,
    LOOPMSG_LOG_WARN = 2,
    LOOPMSG_LOG_ERROR = 3
} loopmsg_log_level;

/**
 * Log callback. `line` is borrowed for the call and never contains the API key: wherever
 * it would appear (also JSON-escaped, as a server may echo it, or cut in two where a body
 * is shortened) it is replaced by '*'. A key of 1 to 3 characters is masked wherever those
 * characters stand, so other text holding them is masked too.
 * Called on the thread that drives the client, in the middle of the engine's work: it must
 * not drive the client (poll, run, blocking calls and batches return LOOPMSG_E_STATE).
 * @since 0.1
 */
typedef void (*loopmsg_log_cb)(loopmsg_log_level level, const char *line, void *user_data);

/** The production API. @since 0.1 */
#define LOOPMSG_DEFAULT_BASE_URL "https://a.loopmessage.com"

/**
 * Host of the frontend opt-in method (loopmsg_optin_frontend_url()); the environment
 * variable LOOP_OPTIN_BASE_URL overrides it (https://, or http:// to a loopback host only).
 * @since 0.2
 */
#define LOOPMSG_DEFAULT_OPTIN_BASE_URL "https://t.imsg.link"
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
 * LOOP_CA_BUNDLE, ca_path to LOOP_CA_PATH.
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
    const char *api_key;             /**< Required (here or in the environment). Trimmed;
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
    loopmsg_log_cb log_cb;           /**< Optional diagnostics. */
    void *log_user_data;
    unsigned int max_concurrent;  /**< In-flight cap for async and batch; 0 = 16. */
    double rate_limit_per_second; /**< Client-side request rate cap; 0 = none. */
    /* ---- version 2 ---- */
    const char *ca_path;          /**< Hashed CA directory (`openssl rehash`); used instead of the
                                       system default, and together with ca_bundle_path when both
                                       are set. @since 0.2 */
    unsigned int max_connections; /**< Open connections to the API at most; 0 = max_concurrent.
                                       Over HTTP/2 the requests in flight share few
                                       connections (one while the server's stream limit
                                       allows). @since 0.2 */
    loopmsg_http_version http_version; /**< 0 = LOOPMSG_HTTP_VERSION_AUTO. @since 0.2 */
    const char *proxy; /**< Proxy URL ("http://host:port", "socks5h://..."); NULL = the
                            environment (see above); "" = no proxy, whatever the
                            environment says. @since 0.2 */
} loopmsg_client_options;

#define LOOPMSG_CLIENT_OPTIONS_VERSION 2
#define LOOPMSG_CLIENT_OPTIONS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_CLIENT_OPTIONS_VERSION)

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
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_new(loopmsg_client **out,
                                                                const loopmsg_client_options *opts,
                                                                loopmsg_error *err);

/**
 * Free a client: pending asynchronous requests complete with LOOPMSG_E_CANCELLED first.
 * The API key is wiped. NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_client_free(loopmsg_client *client);

/** The effective base URL (no trailing slash). Borrowed from the client. @since 0.1 */
LOOPMSG_API const char *loopmsg_client_base_url(const loopmsg_client *client);

/** The effective default sender, or NULL. Borrowed from the client. @since 0.1 */
LOOPMSG_API const char *loopmsg_client_default_sender(const loopmsg_client *client);

/* ---- asynchronous requests ------------------------------------------------------------- */

/**
 * Identifies an asynchronous request on its client. An id, not a pointer: a stale id can
 * never be a use-after-free. Never 0.
 * @since 0.1
 */
typedef uint64_t loopmsg_request_id;

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
 * @since 0.1
 */
typedef void (*loopmsg_done_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_error *err, void *user_data);

/**
 * Drive the engine once: wait at most timeout_ms (0 = do not wait, negative = up to 1 s)
 * for network activity or a timer, then run the callbacks of the requests that completed.
 * @return the number of callbacks run (>= 0), or a negative loopmsg_status
 *         (LOOPMSG_E_STATE when called from a callback).
 * @since 0.1
 */
LOOPMSG_API int loopmsg_client_poll(loopmsg_client *client, int timeout_ms);

/**
 * Drive the engine until no request is pending, running every callback.
 * @retval LOOPMSG_E_STATE  called from a callback.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_client_run(loopmsg_client *client,
                                                                loopmsg_error *err);

/**
 * Cancel a pending asynchronous request. Its callback runs (with LOOPMSG_E_CANCELLED) at
 * the next poll/run. A request already in flight may still have reached the server: a
 * cancelled send carries LOOPMSG_ERRF_MAYBE_DELIVERED.
 * @retval LOOPMSG_E_INVALID_ARG  no pending request has this id (already completed).
 * @since 0.1
 */
LOOPMSG_API loopmsg_status loopmsg_client_cancel(loopmsg_client *client, loopmsg_request_id id);

/**
 * Cancel every asynchronous request that has not started yet (no byte of it reached a
 * server), e.g. to stop a bulk run on Ctrl-C while the requests in flight finish. Their
 * callbacks run with LOOPMSG_E_CANCELLED and no LOOPMSG_ERRF_MAYBE_DELIVERED at the next
 * poll/run. Requests in flight or waiting to be retried are left alone.
 * @return how many were cancelled.
 * @since 0.1
 */
LOOPMSG_API size_t loopmsg_client_cancel_unsent(loopmsg_client *client);

/** Requests submitted and not yet delivered to their callbacks. @since 0.1 */
LOOPMSG_API size_t loopmsg_client_pending(const loopmsg_client *client);

/**
 * Interrupt a poll/run that is waiting, from any thread. The only client function that is
 * safe to call from another thread.
 * @since 0.1
 */
LOOPMSG_API loopmsg_status loopmsg_client_wakeup(loopmsg_client *client);

LOOPMSG_END_DECL

#endif /* LOOPMSG_CLIENT_H */
