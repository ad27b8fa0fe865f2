/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/emulator.h
 * @brief The local Loop Message emulator: the Loop API on 127.0.0.1, in-process.
 *
 * Used by libloopmsg's own tests and by `loopmsg sandbox`. Besides emulating the API it
 * records every request it receives and can play scripted answers (status, headers, body,
 * delay, dropped connection), which take precedence over the emulated behaviour.
 * Part of the static library loopmsg_emulator (links libmicrohttpd).
 */
#ifndef LOOPMSG_EMULATOR_H
#define LOOPMSG_EMULATOR_H

#include "client.h"
#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup emulator Emulator
 * @brief The Loop API on 127.0.0.1, in-process: scripted answers, recorded requests, faults,
 * injected messages (library loopmsg_emulator).
 * @{
 */

/** A running emulator. Opaque. @since 0.1 */
typedef struct loopmsg_emulator loopmsg_emulator;

/** Emulator options. Zero means default for every field. @since 0.1 */
typedef struct loopmsg_emulator_options {
    unsigned int version;       /**< LOOPMSG_EMULATOR_OPTIONS_VERSION */
    const char *bind_address;   /**< NULL = "127.0.0.1". */
    uint16_t port;              /**< 0 = pick a free port (read it with loopmsg_emulator_port). */
    const char *api_key;        /**< Accepted key; NULL = "test-key". */
    const char *webhook_url;    /**< Where events are POSTed; NULL = no webhooks. */
    const char *webhook_header; /**< Authorization value sent with webhooks; NULL = none. */
    const char
        *fixtures_path; /**< JSON fixture file (senders, pools, audience); NULL = built-in. */
    unsigned int delivery_delay_ms; /**< processing -> delivered delay; 0 = 1000. */
    double time_scale;              /**< Multiplies every emulated delay; 0 = 1.0. */
    bool quiet;                     /**< Do not log requests to the log callback. */
    loopmsg_log_cb log_cb;          /**< Optional request log, one LOOPMSG_LOG_INFO line per request
                                         and per webhook attempt; called on the emulator's threads. */
    void *log_user_data;            /**< Passed to log_cb. */
    bool webhook_duplicate; /**< POST every webhook twice (same webhook_id), as a redelivery. */
    /* ---- version 2 ---- */
    const char *tls_cert_file; /**< PEM certificate (chain) file: serve HTTPS (HTTP/1.1)
                                    instead of HTTP. Needs tls_key_file. @since 0.2 */
    const char *tls_key_file;  /**< PEM private key of tls_cert_file. @since 0.2 */
    /**
     * Cap on the request-body bytes held in memory by all connections together; a request
     * whose body would go past it is answered 503 with Retry-After (its body read and
     * dropped). Each request is also capped at 16 MiB (413). 0 = 64 MiB. @since 0.2
     */
    size_t max_buffered_bytes;
    /** The key its LoopLookup endpoints accept (POST /api/v1/lookup/, its status and
     *  history, on the same port); NULL = "test-lookup-key". Version 2, which no release
     *  had before 0.2, so the field was appended without a new version. @since 0.2 */
    const char *lookup_api_key;
} loopmsg_emulator_options;

/** Layout version of loopmsg_emulator_options declared by this header. @since 0.1 */
#define LOOPMSG_EMULATOR_OPTIONS_VERSION 2
/** Initialiser of loopmsg_emulator_options: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_EMULATOR_OPTIONS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_EMULATOR_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_EMULATOR_OPTIONS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_EMULATOR_OPTIONS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_options_init(loopmsg_emulator_options *out, unsigned int version);

/**
 * Start an emulator on its own threads. Returns once it accepts connections.
 * @param[out] out   The new emulator; stop it with loopmsg_emulator_free().
 * @retval LOOPMSG_E_INVALID_ARG  bad options; only one of tls_cert_file/tls_key_file; a TLS
 *                                file that cannot be read; TLS asked of a libmicrohttpd
 *                                built without it.
 * @param[in]  opts  Options, copied; NULL = defaults.
 * @param[out] err   Optional.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_emulator_start(
    const loopmsg_emulator_options *opts, loopmsg_emulator **out, loopmsg_error *err);

/**
 * Stop its threads and free it.
 * @param[in] emu  The emulator; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_emulator_free(loopmsg_emulator *emu);

/**
 * The TCP port it listens on (the chosen one when the options' port was 0). Thread-safe.
 * @param[in] emu  The emulator.
 * @return The port.
 * @since 0.1
 */
LOOPMSG_API uint16_t loopmsg_emulator_port(const loopmsg_emulator *emu);

/**
 * Its base URL, e.g. "http://127.0.0.1:40123", or "https://..." when it serves TLS (no
 * trailing slash). Thread-safe.
 * @param[in] emu  The emulator.
 * @return a string borrowed from the emulator, valid until loopmsg_emulator_free().
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_emulator_url(const loopmsg_emulator *emu);

/** What a scripted answer does to the connection. @since 0.1 */
typedef enum loopmsg_emulator_drop {
    LOOPMSG_EMULATOR_DROP_NONE = 0,    /**< Answer normally. */
    LOOPMSG_EMULATOR_DROP_BEFORE_BODY, /**< Close the connection before reading the body. */
    LOOPMSG_EMULATOR_DROP_AFTER_BODY   /**< Read the whole request, then close, no answer. */
} loopmsg_emulator_drop;

/**
 * One scripted answer. Scripted answers are consumed in FIFO order, one per request
 * (any path), before the emulated API sees the request. A request that consumed a
 * scripted answer is still recorded.
 * @since 0.1
 */
typedef struct loopmsg_emulator_answer {
    unsigned int version;       /**< LOOPMSG_EMULATOR_ANSWER_VERSION */
    int status;                 /**< HTTP status; 0 = 200. */
    const char *body;           /**< Response body; NULL = empty. */
    const char *content_type;   /**< NULL = "application/json"; "" = no Content-Type header. */
    const char *headers;        /**< Extra headers, "Name: value" lines separated by "\n". */
    unsigned int delay_ms;      /**< Wait before answering (or dropping). */
    loopmsg_emulator_drop drop; /**< Close the connection instead of answering. */
} loopmsg_emulator_answer;

/** Layout version of loopmsg_emulator_answer declared by this header. @since 0.1 */
#define LOOPMSG_EMULATOR_ANSWER_VERSION 1
/** Initialiser of loopmsg_emulator_answer: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_EMULATOR_ANSWER_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_EMULATOR_ANSWER_VERSION)

/**
 * Set `*out` as LOOPMSG_EMULATOR_ANSWER_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_EMULATOR_ANSWER_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_answer_init(loopmsg_emulator_answer *out, unsigned int version);

/**
 * Queue a scripted answer. Thread-safe.
 * @param[in] emu     The emulator.
 * @param[in] answer  The answer, copied (strings included).
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (NULL argument or bad version) or
 *         LOOPMSG_E_NOMEM.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_script(loopmsg_emulator *emu, const loopmsg_emulator_answer *answer);

/** A request as the emulator received it. All strings NUL-terminated. @since 0.1 */
typedef struct loopmsg_emulator_request {
    const char *method;        /**< "GET", "POST", ... */
    const char *path;          /**< Raw path as sent, percent-encoding kept, no query. */
    const char *query;         /**< Raw query string without '?'; "" if none. */
    const char *authorization; /**< Authorization header, NULL if absent. */
    const char *content_type;  /**< Content-Type header, NULL if absent. */
    const char *user_agent;    /**< User-Agent header, NULL if absent. */
    const char *body;          /**< Request body ("" if none). */
    size_t body_len;           /**< Bytes in body. */
    int answered_status;       /**< Status answered; 0 if the connection was dropped. */
} loopmsg_emulator_request;

/**
 * Number of requests recorded since start or the last reset. Thread-safe.
 * @param[in] emu  The emulator.
 * @return The count.
 * @since 0.1
 */
LOOPMSG_API size_t loopmsg_emulator_request_count(loopmsg_emulator *emu);

/**
 * Copy of the index-th recorded request (0 = first). Thread-safe.
 * @param[out] out    A new copy owned by the caller: free it with
 *                    loopmsg_emulator_request_free(). NULL on failure.
 * @param[in]  emu    The emulator.
 * @param[in]  index  0-based, below loopmsg_emulator_request_count().
 * @return LOOPMSG_OK, or LOOPMSG_E_INVALID_ARG when index is out of range.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_request_get(loopmsg_emulator *emu, size_t index, loopmsg_emulator_request **out);

/**
 * Free a recorded request copy.
 * @param[in] req  A copy from loopmsg_emulator_request_get(); NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_emulator_request_free(loopmsg_emulator_request *req);

/**
 * Forget recorded requests and pending scripted answers (the emulated state is kept).
 * Thread-safe.
 * @param[in] emu  The emulator.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_emulator_reset(loopmsg_emulator *emu);

/**
 * Fault injection for the emulated API (not for scripted answers nor /__sandbox/).
 * Zero everywhere = no faults. @since 0.1
 */
typedef struct loopmsg_emulator_faults {
    unsigned int version;    /**< LOOPMSG_EMULATOR_FAULTS_VERSION */
    unsigned int latency_ms; /**< Added to every answer (not scaled by time_scale). */
    double error_rate;       /**< 0..1: probability of answering with an error instead. */
    int error_status;        /**< HTTP status of those errors; 0 = 500. */
    int api_code;            /**< Loop code in their body; 0 = 1000. */
    double drop_rate;        /**< 0..1: probability of closing the connection, no answer. */
} loopmsg_emulator_faults;

/** Layout version of loopmsg_emulator_faults declared by this header. @since 0.1 */
#define LOOPMSG_EMULATOR_FAULTS_VERSION 1
/** Initialiser of loopmsg_emulator_faults: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_EMULATOR_FAULTS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_EMULATOR_FAULTS_VERSION)

/**
 * Set `*out` as LOOPMSG_EMULATOR_FAULTS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_EMULATOR_FAULTS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_faults_init(loopmsg_emulator_faults *out, unsigned int version);

/**
 * Replace the fault settings (copied). NULL clears them. Thread-safe.
 * @return LOOPMSG_OK, or LOOPMSG_E_INVALID_ARG for a bad version or a rate outside 0..1.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_emulator_set_faults(loopmsg_emulator *emu, const loopmsg_emulator_faults *faults);

/**
 * Simulate an inbound message from a contact: it is stored in the message history, the
 * contact joins the audience (active), and a message_inbound webhook is POSTed when a
 * webhook_url is set. A text containing a code from opt-in/generate-url completes that
 * opt-in instead (tracker entry + "opt-in" webhook with the custom fields).
 * Thread-safe.
 * @param[in]  emu              The emulator.
 * @param[in]  contact          Phone or email (normalised like the API does).
 * @param[in]  text             Message text.
 * @param[in]  group            Optional group id (created if unknown); NULL = direct.
 * @param[out] message_id_out   Optional buffer for the new message id (37 bytes suffice).
 * @param[in]  message_id_size  Size of message_id_out in bytes.
 * @param[out] err              Optional.
 * @retval LOOPMSG_OK             Stored (and its webhook queued).
 * @retval LOOPMSG_E_INVALID_ARG  emu, contact or text NULL, not UTF-8, or refused by the
 *                                emulated state (err->message says why).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_emulator_inject(
    loopmsg_emulator *emu, const char *contact, const char *text, const char *group,
    char *message_id_out, size_t message_id_size, loopmsg_error *err);

/**
 * POST an arbitrary webhook event (a JSON object with an "event" string) to the webhook
 * URL, with redelivery like every other event. webhook_id and api_version are added when
 * absent (api_version not for sender_name_updated).
 * @return LOOPMSG_OK; LOOPMSG_E_INVALID_ARG for bad JSON; LOOPMSG_E_STATE without a
 *         webhook_url.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_emulator_trigger(loopmsg_emulator *emu,
                                                                      const char *event_json,
                                                                      char *webhook_id_out,
                                                                      size_t webhook_id_size,
                                                                      loopmsg_error *err);

/**
 * Webhook deliveries queued or in flight (redeliveries included). Thread-safe.
 * @param[in] emu  The emulator.
 * @return The count; 0 means every webhook caused so far has been sent and recorded.
 * @since 0.1
 */
LOOPMSG_API size_t loopmsg_emulator_webhooks_pending(loopmsg_emulator *emu);

/**
 * Call a control endpoint of an emulator that runs elsewhere (another process, e.g.
 * `loopmsg sandbox`), over HTTP: `GET` when json_body is NULL, else `POST` with the body as
 * `application/json`. No Authorization header is sent (the control plane has none). Over
 * https:// the server is verified with LOOP_CA_BUNDLE / LOOP_CA_PATH when set. One
 * attempt, no retries; 10 s to connect, 30 s in all. Does not need a loopmsg_emulator.
 *
 * @param[out] response_out  Optional. On LOOPMSG_OK the response body (NUL-terminated,
 *                           possibly ""), owned by the caller: free it with loopmsg_free().
 *                           Set to NULL on failure.
 * @param[in]  base_url      The emulator's base URL ("http://127.0.0.1:40123"; trailing
 *                           slashes ignored); NULL = the LOOP_BASE_URL environment variable.
 * @param[in]  endpoint      A control endpoint: "inject", "trigger", "faults", "requests",
 *                           "reset", "script" or "health", or the same with the
 *                           "/__sandbox/" prefix.
 * @param[in]  json_body     The request body (a JSON object), or NULL for a GET.
 * @param[out] err           Optional; always written. On an HTTP error: http_status, the
 *                           body's code in api_code and its message in message.
 * @retval LOOPMSG_OK             A 2xx answer.
 * @retval LOOPMSG_E_INVALID_ARG  No base URL, a URL that is not http(s)://, an unknown
 *                                endpoint.
 * @retval LOOPMSG_E_TRANSPORT    No connection or no answer (transport_code is the CURLcode;
 *                                LOOPMSG_ERRF_SENT when the request may have been sent).
 * @retval LOOPMSG_E_TIMEOUT      No answer within 30 s.
 * @retval LOOPMSG_E_API          A non-2xx answer with a Loop-style code in its body.
 * @retval LOOPMSG_E_NOT_FOUND    404 without a code (not an emulator?).
 * @retval LOOPMSG_E_HTTP         Any other non-2xx answer.
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_emulator_control(const char *base_url,
                                                                      const char *endpoint,
                                                                      const char *json_body,
                                                                      char **response_out,
                                                                      loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_EMULATOR_H */
