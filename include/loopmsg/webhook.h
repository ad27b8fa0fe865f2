/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/webhook.h
 * @brief Webhooks, the pure part: parse a body into a typed event, verify the
 *        Authorization header, dispatch to per-event callbacks, and a framework-agnostic
 *        HTTP handler.
 *
 * Nothing here does I/O or starts threads (but loopmsg_webhook_history(), the one Loop API
 * call about webhooks): every function is re-entrant and may be called
 * from any thread. A program that already runs an HTTP server (nginx with FastCGI, its own
 * event loop) calls loopmsg_webhook_handle() with the request it received and sends back
 * the status and body it gets; one that sees the headers before the body calls
 * loopmsg_webhook_check_headers() first and loopmsg_webhook_handle_body() once the body is
 * in. The ready-made receiver built on libmicrohttpd is in
 * <loopmsg/webhook_server.h> (library loopmsg_webhook).
 *
 * Events are parsed leniently where Loop is vague and strictly where it is not: only the
 * `event` string is required; fields the library does not know are ignored; a known field
 * with the wrong JSON type is an error naming the field; `null` counts as absent.
 *
 * Strings of an event are UTF-8 C strings. A string value holding `\u0000` is accepted (it is
 * valid JSON), and in the C string each such NUL is replaced by U+FFFD (the bytes EF BF BD),
 * so that the string neither ends early nor drops what follows; loopmsg_webhook_event::raw
 * keeps the body exactly as received. A `\u0000` in an object key is a malformed body.
 */
#ifndef LOOPMSG_WEBHOOK_H
#define LOOPMSG_WEBHOOK_H

#include "common.h"
#include "error.h"
#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup webhooks Webhooks
 * @brief Parse, verify, dispatch and answer webhooks, with no I/O (re-entrant).
 * @{
 */

/** Default limit on a webhook body: 1 MiB. @since 0.1 */
#define LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES ((size_t)1 << 20)

/**
 * The kind of a webhook event: every event Loop documents, plus UNKNOWN. Append-only.
 * @since 0.1
 */
typedef enum loopmsg_event_type {
    LOOPMSG_EVENT_UNKNOWN = 0,         /**< The literal "unknown" event, or any event name this
                                            version does not know (see loopmsg_webhook_event::event). */
    LOOPMSG_EVENT_MESSAGE_INBOUND,     /**< "message_inbound": a contact sent a message. */
    LOOPMSG_EVENT_MESSAGE_DELIVERED,   /**< "message_delivered": an outbound message arrived. */
    LOOPMSG_EVENT_MESSAGE_FAILED,      /**< "message_failed": an outbound message failed (final). */
    LOOPMSG_EVENT_MESSAGE_REACTION,    /**< "message_reaction": a tapback on your message. */
    LOOPMSG_EVENT_MESSAGE_SCHEDULED,   /**< "message_scheduled". */
    LOOPMSG_EVENT_OPT_IN,              /**< "opt-in", or "message_inbound" with type "opt_in". */
    LOOPMSG_EVENT_INBOUND_CALL,        /**< "inbound_call": the contact tried to call. */
    LOOPMSG_EVENT_SENDER_NAME_UPDATED, /**< "sender_name_updated". */
    LOOPMSG_EVENT_LOOKUP_RESULT        /**< A LoopLookup callback (<loopmsg/lookup.h>): a body
                                            with no `event` field, recognised by its shape
                                            (see loopmsg_webhook_parse_ex()); its name here is
                                            "lookup_result". @since 0.2 */
} loopmsg_event_type;

/**
 * The wire name of an event type: "message_inbound", "opt-in", "unknown"...
 * @param[in] type  Any value.
 * @return a static string; "unknown" for LOOPMSG_EVENT_UNKNOWN and out-of-range values.
 *         Thread-safe.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_event_type_name(loopmsg_event_type type);

/** The `language` object of an event (also inside `speech`). @since 0.1 */
typedef struct loopmsg_webhook_language {
    const char *code;   /**< ISO 639-1 ("en"); NULL if absent. */
    const char *name;   /**< "English"; NULL if absent. */
    const char *script; /**< "Hans"/"Hant" for Chinese; NULL otherwise. */
} loopmsg_webhook_language;

/** The `group` object of a group message. @since 0.1 */
typedef struct loopmsg_webhook_group {
    const char *id;                  /**< Group id, usable as `group` in a group send. */
    const char *name;                /**< NULL when the group has no name. */
    const char *const *participants; /**< E.164 phones or emails; NULL when absent. */
    size_t participant_count;        /**< Entries in participants. */
} loopmsg_webhook_group;

/**
 * `speech.metadata` of a transcribed audio message. Every value is optional: a `has_`
 * flag says whether it was present (the value is 0.0 otherwise).
 * @since 0.1
 */
typedef struct loopmsg_webhook_speech_metadata {
    double speaking_rate;            /**< `speaking_rate`, as Loop sends it. */
    double average_pause_duration;   /**< `average_pause_duration`, as Loop sends it. */
    double speech_start_timestamp;   /**< `speech_start_timestamp`, as Loop sends it. */
    double speech_duration;          /**< `speech_duration`, as Loop sends it. */
    double jitter;                   /**< `jitter` (voice pitch variation). */
    double shimmer;                  /**< `shimmer` (voice amplitude variation). */
    double pitch;                    /**< `pitch`, as Loop sends it. */
    double voicing;                  /**< `voicing`, as Loop sends it. */
    bool has_speaking_rate;          /**< speaking_rate was present. */
    bool has_average_pause_duration; /**< average_pause_duration was present. */
    bool has_speech_start_timestamp; /**< speech_start_timestamp was present. */
    bool has_speech_duration;        /**< speech_duration was present. */
    bool has_jitter;                 /**< jitter was present. */
    bool has_shimmer;                /**< shimmer was present. */
    bool has_pitch;                  /**< pitch was present. */
    bool has_voicing;                /**< voicing was present. */
} loopmsg_webhook_speech_metadata;

/** The `speech` object of an inbound audio message (when transcription worked). @since 0.1 */
typedef struct loopmsg_webhook_speech {
    const char *text;                                /**< Transcript; NULL if absent. */
    const loopmsg_webhook_language *language;        /**< NULL if absent. */
    const loopmsg_webhook_speech_metadata *metadata; /**< NULL if absent. */
    double confidence;   /**< The reference SDK's `confidence`, when sent. */
    bool has_confidence; /**< confidence was present. */
} loopmsg_webhook_speech;

/**
 * One custom opt-in field. String values are given as they are; any other JSON value
 * (number, boolean, object, array) is given as its compact JSON text with is_json set.
 * @since 0.1
 */
typedef struct loopmsg_webhook_field {
    const char *key;   /**< The field's name. */
    const char *value; /**< The string, or the compact JSON text when is_json. */
    bool is_json;      /**< value is JSON text (the field was not a string). */
} loopmsg_webhook_field;

/**
 * A parsed webhook. Library-allocated and read-only: every pointer in it (nested structs,
 * lists, strings) lives until loopmsg_webhook_event_free(). Missing optional fields are
 * NULL (counts 0). The struct only grows by appending fields.
 * @since 0.1
 */
typedef struct loopmsg_webhook_event {
    loopmsg_event_type type;        /**< What the event is; see event for the name as received. */
    const char *event;              /**< The `event` string as received (never NULL). For the
                                         docs' opt-in shape this is "message_inbound" while type
                                         is LOOPMSG_EVENT_OPT_IN. */
    const char *webhook_id;         /**< Unique per event; the dedupe key. */
    const char *api_version;        /**< The payload's `api_version`. */
    const char *message_id;         /**< The message the event is about. */
    const char *contact;            /**< E.164 phone or lowercase email. */
    const char *text;               /**< The message; a `\u0000` in it is given as U+FFFD (see
                                         the file comment; raw has the exact value). */
    const char *sender;             /**< Sender name id. */
    const char *passthrough;        /**< The passthrough of the outbound message, echoed. */
    const char *message_type;       /**< "text", "reaction", "audio", "attachments", "sticker",
                                         "location". */
    const char *channel;            /**< "imessage", "sms", "rcs", "whatsapp". */
    const char *subject;            /**< Bold title of the message. */
    const char *const *attachments; /**< Download URLs. */
    size_t attachment_count;        /**< Entries in attachments. */
    const char *thread_id;          /**< Set when the contact replied to a specific message. */
    const loopmsg_webhook_language *language; /**< Detected language of the text. */
    const loopmsg_webhook_group *group;       /**< Group messages only. */
    const loopmsg_webhook_speech *speech;     /**< Transcribed audio only. */
    int api_code;                             /**< message_failed: the Loop code (0 if absent). */
    bool has_api_code;                        /**< "error_code" was in the body. */
    const char *reaction;        /**< message_reaction: "love", "like", ..., "unknown". */
    const char *organization_id; /**< sender_name_updated, opt-in (docs shape). */
    const char *phone_number;    /**< sender_name_updated. */
    const char *status;          /**< sender_name_updated: "active", "pending", ... */
    const char *payload_type;    /**< The top-level `type` field ("opt_in"), if any. */
    const loopmsg_webhook_field *custom_fields; /**< Opt-in custom fields: the members of
                                                     `parameters`, and for `event: "opt-in"`
                                                     every top-level key the library does
                                                     not know. In body order. */
    size_t custom_field_count;                  /**< Entries in custom_fields. */
    const char *raw;        /**< The body exactly as received, NUL-terminated. */
    size_t raw_len;         /**< Length of raw, without the NUL. */
    const char *request_id; /**< LOOPMSG_EVENT_LOOKUP_RESULT: the lookup's id (also in
                                 lookup). @since 0.2 */
    const struct loopmsg_lookup_result *lookup; /**< LOOPMSG_EVENT_LOOKUP_RESULT: the result
                                                     (loopmsg_lookup_result, in
                                                     <loopmsg/lookup.h>, whose raw is this
                                                     event's raw); NULL for other events.
                                                     @since 0.2 */
} loopmsg_webhook_event;

/** Options of loopmsg_webhook_parse_ex(). Zero means default. @since 0.1 */
typedef struct loopmsg_webhook_parse_options {
    unsigned int version;  /**< LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION */
    size_t max_body_bytes; /**< 0 = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES. */
} loopmsg_webhook_parse_options;

/** Layout version of loopmsg_webhook_parse_options declared by this header. @since 0.1 */
#define LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION 1
/** Initialiser of loopmsg_webhook_parse_options: the version set, every other field zero. @since
 * 0.1 */
#define LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT                                                         \
    LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_parse_options_init(loopmsg_webhook_parse_options *out, unsigned int version);

/**
 * Parse a webhook body into a typed event, with the default limit of 1 MiB.
 * Same as loopmsg_webhook_parse_ex() with NULL options. Thread-safe (re-entrant).
 * @param[out] out   On LOOPMSG_OK a new event owned by the caller (free it with
 *                   loopmsg_webhook_event_free()); NULL on error. Must not be NULL.
 * @param[in]  body  The bytes received; need not be NUL-terminated; may be NULL only when
 *                   len is 0. Borrowed for the call.
 * @param[in]  len   Number of bytes in body.
 * @param[out] err   Optional; always written.
 * @return as loopmsg_webhook_parse_ex().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_parse(const char *body, size_t len,
                                                                   loopmsg_webhook_event **out,
                                                                   loopmsg_error *err);

/**
 * Parse a webhook body into a typed event.
 *
 * The body must be UTF-8 JSON: an object with an `event` string and no duplicate keys.
 * Every event Loop documents is recognised (see ::loopmsg_event_type); both opt-in shapes
 * ("opt-in", and "message_inbound" with type "opt_in") become LOOPMSG_EVENT_OPT_IN.
 * Unknown fields are ignored.
 *
 * A LoopLookup callback has no `event` field: a body without one is taken as a lookup
 * callback (LOOPMSG_EVENT_LOOKUP_RESULT, `event` "lookup_result") when it has a
 * `request_id` string and either a `result_v1` object or a `webhook_id` string; its
 * result is in loopmsg_webhook_event::lookup, and webhook_id, contact and request_id are
 * set as well. Any other body without `event` is an error, as before. @since 0.2
 *
 * @param[out] out   On LOOPMSG_OK a new event owned by the caller (free it with
 *                   loopmsg_webhook_event_free()); NULL on error. Must not be NULL.
 * @param[in]  body  The bytes received; need not be NUL-terminated; may be NULL only when
 *                   len is 0. Borrowed for the call (the event keeps its own copy).
 * @param[in]  len   Number of bytes in body.
 * @param[in]  opts  Optional (NULL = defaults); borrowed for the call.
 * @param[out] err   Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_TOO_LARGE    len exceeds max_body_bytes (nothing was parsed).
 * @retval LOOPMSG_E_PROTOCOL     not JSON, not UTF-8, not an object, duplicate key, no
 *                                `event` string (and not a lookup callback), or a known field of
 * the wrong type (err->message names the field).
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, body NULL with len > 0, or bad opts version.
 * @retval LOOPMSG_E_NOMEM
 * Thread-safe (re-entrant).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_parse_ex(const char *body, size_t len, const loopmsg_webhook_parse_options *opts,
                         loopmsg_webhook_event **out, loopmsg_error *err);

/**
 * Free an event and everything it points to.
 * @param[in] event  An event of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_webhook_event_free(loopmsg_webhook_event *event);

/**
 * Check a webhook request's credentials, in constant time.
 *
 * The request passes when, for one of the expected values V:
 *  - the Authorization header equals V verbatim (what Loop sends: the header value set in
 *    the dashboard), or
 *  - it equals "Bearer V", or
 *  - the query string's first `secret` parameter, percent-decoded (with '+' as space, as
 *    in HTML forms), equals V.
 * Every expected value and every form is compared over its full length whatever the
 * outcome, so the time taken does not reveal how much of a value matched. An empty
 * expected value never matches.
 *
 * With secret_count 0 (no expected values configured) every request passes: authentication
 * is off. Configure at least one value for anything reachable from the internet.
 *
 * @param[in]  authorization  The Authorization header value; NULL when absent.
 * @param[in]  query          The URL's query string, with or without the leading '?';
 *                            NULL when absent.
 * @param[in]  secrets        The expected values (several during a rotation); may be NULL
 *                            when secret_count is 0.
 * @param[in]  secret_count   Number of expected values.
 * @param[out] err            Optional; always written. Never contains a secret.
 * @retval LOOPMSG_OK              The request is authentic (or authentication is off).
 * @retval LOOPMSG_E_WEBHOOK_AUTH  No expected value matched.
 * @retval LOOPMSG_E_INVALID_ARG   secrets is NULL (or holds a NULL) with secret_count > 0.
 * Thread-safe (re-entrant).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_verify(const char *authorization,
                                                                    const char *query,
                                                                    const char *const *secrets,
                                                                    size_t secret_count,
                                                                    loopmsg_error *err);

/**
 * An event callback. Return 0 when the event was handled, anything else on failure.
 * Runs on the thread that calls loopmsg_webhook_dispatch() (a worker thread of the
 * receiver).
 * @param event      The event, borrowed for the call.
 * @param user_data  As given to loopmsg_webhook_dispatch().
 * @return 0 on success, non-zero on failure.
 * @since 0.1
 */
typedef int (*loopmsg_webhook_event_cb)(const loopmsg_webhook_event *event, void *user_data);

/**
 * Per-event callbacks for loopmsg_webhook_dispatch(). Every member is optional; a missing
 * callback is a no-op that succeeds.
 * @since 0.1
 */
typedef struct loopmsg_webhook_handlers {
    unsigned int version;                            /**< LOOPMSG_WEBHOOK_HANDLERS_VERSION */
    loopmsg_webhook_event_cb on_message_inbound;     /**< LOOPMSG_EVENT_MESSAGE_INBOUND. */
    loopmsg_webhook_event_cb on_message_delivered;   /**< LOOPMSG_EVENT_MESSAGE_DELIVERED. */
    loopmsg_webhook_event_cb on_message_failed;      /**< LOOPMSG_EVENT_MESSAGE_FAILED. */
    loopmsg_webhook_event_cb on_message_reaction;    /**< LOOPMSG_EVENT_MESSAGE_REACTION. */
    loopmsg_webhook_event_cb on_message_scheduled;   /**< LOOPMSG_EVENT_MESSAGE_SCHEDULED. */
    loopmsg_webhook_event_cb on_opt_in;              /**< Both opt-in shapes. */
    loopmsg_webhook_event_cb on_inbound_call;        /**< LOOPMSG_EVENT_INBOUND_CALL. */
    loopmsg_webhook_event_cb on_sender_name_updated; /**< LOOPMSG_EVENT_SENDER_NAME_UPDATED. */
    loopmsg_webhook_event_cb on_unknown;             /**< "unknown" and any event name not known. */
    loopmsg_webhook_event_cb on_any; /**< Every event, after the specific callback. */
    /* ---- version 2 ---- */
    loopmsg_webhook_event_cb on_lookup_result; /**< LOOPMSG_EVENT_LOOKUP_RESULT (a handlers
                                                    struct of version 1 sends these events to
                                                    on_unknown). @since 0.2 */
} loopmsg_webhook_handlers;

/** Layout version of loopmsg_webhook_handlers declared by this header (2 since 0.2:
 *  on_lookup_result). @since 0.1 */
#define LOOPMSG_WEBHOOK_HANDLERS_VERSION 2
/** Initialiser of loopmsg_webhook_handlers: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_WEBHOOK_HANDLERS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_HANDLERS_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_HANDLERS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_HANDLERS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_handlers_init(loopmsg_webhook_handlers *out, unsigned int version);

/**
 * Run the callbacks for one event: the specific callback chosen by event->type, then
 * on_any, even when the specific one failed.
 *
 * @param[in] handlers   The callbacks; borrowed.
 * @param[in] event      The event; borrowed, passed to each callback.
 * @param[in] user_data  Passed to each callback.
 * @return 0 when every callback that ran returned 0; otherwise the specific callback's
 *         non-zero value if it failed (an on_any failure is then dropped), else on_any's.
 *         LOOPMSG_E_INVALID_ARG when handlers or event is NULL or handlers->version is
 *         not set (no callback runs).
 * Runs on the calling thread; re-entrant.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD int loopmsg_webhook_dispatch(const loopmsg_webhook_handlers *handlers,
                                                           const loopmsg_webhook_event *event,
                                                           void *user_data);

/** Settings of loopmsg_webhook_handle(). Zero means default. @since 0.1 */
typedef struct loopmsg_webhook_handler_config {
    unsigned int version;       /**< LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION */
    const char *path;           /**< Path that receives webhooks ("/webhook"); NULL = any
                                     path. Compared exactly, without the query string. */
    const char *const *secrets; /**< Expected Authorization values (loopmsg_webhook_verify). */
    size_t secret_count;        /**< 0 = no authentication. */
    size_t max_body_bytes;      /**< 0 = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES. */
} loopmsg_webhook_handler_config;

/** Layout version of loopmsg_webhook_handler_config declared by this header. @since 0.1 */
#define LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION 1
/** Initialiser of loopmsg_webhook_handler_config: the version set, every other field zero. @since
 * 0.1 */
#define LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT                                                        \
    LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_handler_config_init(loopmsg_webhook_handler_config *out, unsigned int version);

/**
 * An HTTP request as seen by loopmsg_webhook_handle() and loopmsg_webhook_check_headers().
 * All fields borrowed.
 * @since 0.1
 */
typedef struct loopmsg_webhook_request {
    unsigned int version;      /**< LOOPMSG_WEBHOOK_REQUEST_VERSION */
    const char *method;        /**< "POST", "GET"...; required. */
    const char *path;          /**< The URL path ("/webhook"); a "?query" suffix is split off
                                    when query is NULL. NULL = "/". */
    const char *query;         /**< Query string without '?'; NULL when none. */
    const char *authorization; /**< Authorization header; NULL when absent. */
    const char *body;          /**< Request body; NULL only when body_len is 0. Not read by
                                    loopmsg_webhook_check_headers(). */
    size_t body_len;           /**< Bytes in body. */
    size_t content_length;     /**< The body length the headers declare (Content-Length,
                                    parsed by the HTTP server); 0 when none was declared
                                    (chunked). A value above max_body_bytes is answered 413
                                    before the body is read. Layout version 2.
                                    @since 0.2 */
} loopmsg_webhook_request;

/** Layout version of loopmsg_webhook_request declared by this header (2 adds
 * content_length). @since 0.1 */
#define LOOPMSG_WEBHOOK_REQUEST_VERSION 2
/** Initialiser of loopmsg_webhook_request: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_WEBHOOK_REQUEST_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_WEBHOOK_REQUEST_VERSION)

/**
 * Set `*out` as LOOPMSG_WEBHOOK_REQUEST_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_WEBHOOK_REQUEST_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_request_init(loopmsg_webhook_request *out, unsigned int version);

/**
 * What to answer. Filled by loopmsg_webhook_handle(); release with
 * loopmsg_webhook_response_clear().
 * @since 0.1
 */
typedef struct loopmsg_webhook_response {
    int status;                   /**< HTTP status: 200, 400, 401, 404, 405, 413 or 500; 100
                                       from loopmsg_webhook_check_headers() when the body is
                                       to be read; 503 only from
                                       loopmsg_webhook_response_canned(). */
    const char *body;             /**< Short static body (never NULL, never freed). */
    size_t body_len;              /**< Bytes in body. */
    const char *content_type;     /**< Static, e.g. "application/json". */
    loopmsg_webhook_event *event; /**< On a 200 to a webhook POST: the parsed event, owned
                                       by the response until taken (set the field to NULL
                                       after taking it). NULL otherwise. */
} loopmsg_webhook_response;

/**
 * The first phase of loopmsg_webhook_handle(): decide what the headers alone decide, before
 * the body is read. For servers that see the headers first (an nginx module, FastCGI,
 * libmicrohttpd): a request refused here never costs the reading of its body. In order:
 *  - GET /health: 200 {"status":"ok"} (answer it; there is no second phase);
 *  - a path other than config->path: 404;
 *  - a method other than POST: 405;
 *  - credentials that do not pass loopmsg_webhook_verify(): 401;
 *  - req->content_length over max_body_bytes: 413;
 *  - otherwise status 100 (Continue): read the body and pass it to
 *    loopmsg_webhook_handle_body(), which does not check credentials again.
 * req->body and req->body_len are not read.
 *
 * @param[out] resp    Filled on every call (status 500 when the call itself fails); never
 *                     holds an event. Its body is static: nothing to clear.
 * @param[in]  config  Optional (NULL = any path, no authentication, 1 MiB); borrowed.
 * @param[in]  req     The request's method, path, query, authorization and (layout version 2)
 *                     content_length; borrowed.
 * @param[out] err     Optional; always written with the reason for a refusal.
 * @return LOOPMSG_OK for 100 and for the health answer; otherwise the reason (E_NOT_FOUND,
 *         E_INVALID_ARG for a bad method or bad arguments, E_WEBHOOK_AUTH, E_TOO_LARGE,
 *         E_NOMEM).
 * Thread-safe (re-entrant).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_check_headers(
    loopmsg_webhook_response *resp, const loopmsg_webhook_handler_config *config,
    const loopmsg_webhook_request *req, loopmsg_error *err);

/**
 * The second phase of loopmsg_webhook_handle(): the body of a request whose headers
 * loopmsg_webhook_check_headers() answered with 100. It is parsed once
 * (loopmsg_webhook_parse_ex()):
 *  - a body over max_body_bytes: 413;
 *  - a body that does not parse: 400;
 *  - otherwise 200 with resp->event set: queue it, answer, then handle it.
 * Credentials are not checked here: never call it for a request the first phase refused.
 *
 * @param[out] resp      Filled on every call (status 500 when the call itself fails);
 *                       release with loopmsg_webhook_response_clear().
 * @param[in]  config    Optional, the same as for the first phase; borrowed.
 * @param[in]  body      The body received; need not be NUL-terminated; NULL only when
 *                       body_len is 0. Borrowed (the event keeps its own copy).
 * @param[in]  body_len  Bytes in body.
 * @param[out] err       Optional; always written with the reason for a non-200.
 * @return LOOPMSG_OK for a 200; otherwise E_TOO_LARGE, E_PROTOCOL, E_INVALID_ARG (bad
 *         arguments) or E_NOMEM.
 * Thread-safe (re-entrant).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_webhook_handle_body(
    loopmsg_webhook_response *resp, const loopmsg_webhook_handler_config *config, const char *body,
    size_t body_len, loopmsg_error *err);

/**
 * The canned answer of this handler for an HTTP status, for servers that answer some
 * requests themselves (the receiver's 503 when its queue is full) with the same bodies:
 * 200 {"status":"ok"}, 400, 401, 404, 405, 413, 500, 503 {"error":"..."}, all
 * "application/json".
 * @param[out] resp    Filled with the status, a static body and content type; no event.
 * @param[in]  status  One of the statuses above.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  resp is NULL, or no canned answer for status (resp then
 *                                holds the 500 answer).
 * Thread-safe.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_response_canned(loopmsg_webhook_response *resp, int status);

/**
 * Decide the HTTP answer to one request, as Loop expects it, without doing any I/O: the
 * one-call form of loopmsg_webhook_check_headers() then loopmsg_webhook_handle_body(). In
 * order:
 *  - GET /health: 200 {"status":"ok"};
 *  - a path other than config->path: 404;
 *  - a method other than POST: 405;
 *  - credentials that do not pass loopmsg_webhook_verify(): 401;
 *  - a declared content_length or a body over max_body_bytes: 413;
 *  - a body that does not parse (loopmsg_webhook_parse_ex()): 400;
 *  - otherwise 200 with resp->event set: queue it, answer, then handle it (Loop expects
 *    the 200 within 15 seconds).
 *
 * @param[out] resp    Filled on every call (status 500 when the call itself fails).
 * @param[in]  config  Optional (NULL = any path, no authentication, 1 MiB); borrowed.
 * @param[in]  req     The request; borrowed.
 * @param[out] err     Optional; always written with the reason for a non-200.
 * @return LOOPMSG_OK for a 200; otherwise the reason (E_NOT_FOUND, E_INVALID_ARG for a
 *         bad method or bad arguments, E_WEBHOOK_AUTH, E_TOO_LARGE, E_PROTOCOL, E_NOMEM).
 * Thread-safe (re-entrant).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_handle(loopmsg_webhook_response *resp, const loopmsg_webhook_handler_config *config,
                       const loopmsg_webhook_request *req, loopmsg_error *err);

/**
 * Free the event a response still owns and zero the response.
 * @param[in,out] resp  The response; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_webhook_response_clear(loopmsg_webhook_response *resp);

/**
 * One page of webhook delivery history (GET /api/v1/webhooks/history/): what Loop sent to the
 * account's webhook URL. Unlike the rest of this header it is a Loop API call, made through a
 * client: loopmsg_list_page() with LOOPMSG_LIST_WEBHOOK_DELIVERIES. Blocking.
 * @param[in]  client    The client; used by one thread at a time, not from one of its callbacks
 *                       (LOOPMSG_E_STATE).
 * @param[in]  params    Paging and sort (another filter is refused); borrowed for the call;
 *                       NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::deliveries set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, or params refused as by
 *                                loopmsg_list_page() (a bad version, per_page, sort or date, or
 *                                a filter this list does not take: any but paging and sort);
 *                                err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_webhook_history(loopmsg_client *client, const loopmsg_list_params *params,
                        loopmsg_page **page_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_WEBHOOK_H */
