/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/message.h
 * @brief Messages: send (contact, group, voice), reactions, typing, mark read, status.
 *
 * Every call validates its parameters before any I/O: when validation fails the call
 * returns LOOPMSG_E_INVALID_ARG with a message naming the field, and nothing is sent.
 * Lengths count Unicode characters, not bytes; text that is not valid UTF-8 is refused.
 * NULL and "" mean "not set" for every optional string. Identifiers (contact, group,
 * sender, message ids) must be free of control characters and at most 512 bytes.
 */
#ifndef LOOPMSG_MESSAGE_H
#define LOOPMSG_MESSAGE_H

#include "client.h"
#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup messages Messages
 * @brief Send to a contact, a group or as voice; reactions, typing, mark read, status;
 *        asynchronous forms and batches.
 * @{
 */

/** Maximum attachments in a single or group send (the limit of Loop's current documentation).
 * @since 0.1 */
#define LOOPMSG_MAX_ATTACHMENTS 5
/** Maximum length of an attachment or media URL, in characters. @since 0.1 */
#define LOOPMSG_MAX_URL_CHARS 256
/** Maximum passthrough length, in characters. @since 0.1 */
#define LOOPMSG_MAX_PASSTHROUGH_CHARS 1000
/** Maximum text length, in characters (the server truncates longer text). @since 0.1 */
#define LOOPMSG_MAX_TEXT_CHARS 10000
/** Maximum typing indicator duration in seconds. @since 0.1 */
#define LOOPMSG_MAX_TYPING_SECONDS 60

/** iMessage screen and bubble effects. @since 0.1 */
typedef enum loopmsg_effect {
    LOOPMSG_EFFECT_NONE = 0,      /**< No effect (not sent). */
    LOOPMSG_EFFECT_SLAM,          /**< "slam" (bubble). */
    LOOPMSG_EFFECT_LOUD,          /**< "loud" (bubble). */
    LOOPMSG_EFFECT_GENTLE,        /**< "gentle" (bubble). */
    LOOPMSG_EFFECT_INVISIBLE_INK, /**< "invisibleInk" (bubble). */
    LOOPMSG_EFFECT_ECHO,          /**< "echo" (screen). */
    LOOPMSG_EFFECT_SPOTLIGHT,     /**< "spotlight" (screen). */
    LOOPMSG_EFFECT_BALLOONS,      /**< "balloons" (screen). */
    LOOPMSG_EFFECT_CONFETTI,      /**< "confetti" (screen). */
    LOOPMSG_EFFECT_LOVE,          /**< "love" (screen). */
    LOOPMSG_EFFECT_LASERS,        /**< "lasers" (screen). */
    LOOPMSG_EFFECT_FIREWORKS,     /**< "fireworks" (screen). */
    LOOPMSG_EFFECT_SHOOTING_STAR, /**< "shootingStar" (screen). */
    LOOPMSG_EFFECT_CELEBRATION    /**< "celebration" (screen). */
} loopmsg_effect;

/** Tapback reactions. UNKNOWN only appears in inbound webhooks. @since 0.1 */
typedef enum loopmsg_reaction {
    LOOPMSG_REACTION_NONE = 0,  /**< No reaction (not a valid value to send). */
    LOOPMSG_REACTION_LOVE,      /**< "love" (heart). */
    LOOPMSG_REACTION_LIKE,      /**< "like" (thumbs up). */
    LOOPMSG_REACTION_DISLIKE,   /**< "dislike" (thumbs down). */
    LOOPMSG_REACTION_LAUGH,     /**< "laugh" (ha ha). */
    LOOPMSG_REACTION_EMPHASIZE, /**< "emphasize" (!!). */
    LOOPMSG_REACTION_QUESTION,  /**< "question" (?). */
    LOOPMSG_REACTION_UNKNOWN    /**< "unknown": a reaction Loop could not name (inbound only). */
} loopmsg_reaction;

/** Delivery channel. AUTO (0) lets Loop choose. @since 0.1 */
typedef enum loopmsg_channel {
    LOOPMSG_CHANNEL_AUTO = 0, /**< Not sent: Loop chooses. */
    LOOPMSG_CHANNEL_IMESSAGE, /**< "imessage". */
    LOOPMSG_CHANNEL_SMS,      /**< "sms": no subject, effect, reply or audio. */
    LOOPMSG_CHANNEL_RCS,      /**< "rcs". */
    LOOPMSG_CHANNEL_WHATSAPP  /**< "whatsapp". */
} loopmsg_channel;

/** Status of an outbound message. OTHER: a value this version does not know. @since 0.1 */
typedef enum loopmsg_delivery_status {
    LOOPMSG_DELIVERY_OTHER = 0,  /**< Absent, or a value this version does not know (see
                                      loopmsg_message_status::status_name). */
    LOOPMSG_DELIVERY_PROCESSING, /**< "processing": accepted, not yet delivered. */
    LOOPMSG_DELIVERY_DELIVERED,  /**< "delivered". */
    LOOPMSG_DELIVERY_FAILED,     /**< "failed" (see loopmsg_message_status::api_code). */
    LOOPMSG_DELIVERY_UNKNOWN     /**< "unknown": Loop does not know the outcome. */
} loopmsg_delivery_status;

/**
 * Wire name of an effect ("invisibleInk"). Thread-safe.
 * @param[in] effect  Any value.
 * @return a static string; NULL for NONE or an out-of-range value.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_effect_name(loopmsg_effect effect);
/**
 * Parse an effect's wire name (case-sensitive: "invisibleInk"). Thread-safe; does not
 * write err-style details.
 * @param[out] out   The effect; optional (NULL only checks the name).
 * @param[in]  name  The name; NULL is refused.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  NULL or unknown name (out untouched).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_effect_parse(const char *name,
                                                                  loopmsg_effect *out);
/**
 * Wire name of a reaction ("love"). Thread-safe.
 * @param[in] reaction  Any value.
 * @return a static string; NULL for NONE or out of range.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_reaction_name(loopmsg_reaction reaction);
/**
 * Parse a reaction as accepted by the send endpoint: "love", or "-love" to remove it
 * (case-sensitive; "unknown" is not accepted). Thread-safe.
 * @param[out] out         The reaction; optional.
 * @param[out] remove_out  Optional; true for the "-" form.
 * @param[in]  name        The name; NULL is refused.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  NULL or unknown name (out and remove_out untouched).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_reaction_parse(const char *name,
                                                                    loopmsg_reaction *out,
                                                                    bool *remove_out);
/**
 * Wire name of a channel ("sms"). Thread-safe.
 * @param[in] channel  Any value.
 * @return a static string; NULL for AUTO or out of range.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_channel_name(loopmsg_channel channel);
/**
 * Parse a channel's wire name ("imessage", "sms", "rcs", "whatsapp"; case-sensitive).
 * Thread-safe.
 * @param[out] out   The channel; optional.
 * @param[in]  name  The name; NULL is refused.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  NULL or unknown name (out untouched).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_channel_parse(const char *name,
                                                                   loopmsg_channel *out);
/**
 * Wire name of a delivery status ("delivered"). Thread-safe.
 * @param[in] status  Any value.
 * @return a static string; NULL for OTHER or out of range.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_delivery_status_name(loopmsg_delivery_status status);

/**
 * A message to one contact. Initialise with LOOPMSG_SEND_PARAMS_INIT (or
 * loopmsg_send_params_init()); zero means "not set" for every other field. Borrowed by
 * each call; asynchronous calls and batches copy what they send.
 * @since 0.1
 */
typedef struct loopmsg_send_params {
    unsigned int version;           /**< LOOPMSG_SEND_PARAMS_VERSION */
    const char *contact;            /**< Required: phone, email or Loop contact id. */
    const char *text;               /**< Required, 1..10,000 characters. */
    const char *subject;            /**< Bold title; not with SMS. */
    const char *sender;             /**< Sender id; NULL = the client's default sender. */
    const char *const *attachments; /**< https:// URLs, at most 256 characters each. */
    size_t attachment_count;        /**< At most LOOPMSG_MAX_ATTACHMENTS. */
    loopmsg_effect effect;          /**< Not with SMS. */
    const char *reply_to_id;        /**< Threaded reply to this message id; not with SMS. */
    const char *passthrough;        /**< Echoed in webhooks; at most 1000 characters. */
    loopmsg_channel channel;        /**< AUTO = Loop chooses. */
    bool contact_file;              /**< Attach the sender's vCard. */
} loopmsg_send_params;

/** Layout version of loopmsg_send_params declared by this header. @since 0.1 */
#define LOOPMSG_SEND_PARAMS_VERSION 1
/** Initialiser of loopmsg_send_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_SEND_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_SEND_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_SEND_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_SEND_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_send_params_init(loopmsg_send_params *out,
                                                                      unsigned int version);

/**
 * A message to an iMessage group. Initialise with LOOPMSG_GROUP_SEND_PARAMS_INIT (or
 * loopmsg_group_send_params_init()); zero means "not set". Borrowed by each call.
 * @since 0.1
 */
typedef struct loopmsg_group_send_params {
    unsigned int version;           /**< LOOPMSG_GROUP_SEND_PARAMS_VERSION */
    const char *group;              /**< Required: group id from a message_inbound webhook. */
    const char *text;               /**< Required, 1..10,000 characters. */
    const char *subject;            /**< Bold title. */
    const char *sender;             /**< Sender id; NULL = the client's default sender. */
    const char *const *attachments; /**< https:// URLs, at most 256 characters each; may be
                                         NULL when attachment_count is 0. */
    size_t attachment_count;        /**< At most LOOPMSG_MAX_ATTACHMENTS. */
    loopmsg_effect effect;          /**< LOOPMSG_EFFECT_NONE = none. */
    const char *reply_to_id;        /**< Threaded reply to this message id. */
    const char *passthrough;        /**< Echoed in webhooks; at most 1000 characters. */
} loopmsg_group_send_params;

/** Layout version of loopmsg_group_send_params declared by this header. @since 0.1 */
#define LOOPMSG_GROUP_SEND_PARAMS_VERSION 1
/** Initialiser of loopmsg_group_send_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_GROUP_SEND_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_GROUP_SEND_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_GROUP_SEND_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_GROUP_SEND_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_group_send_params_init(loopmsg_group_send_params *out, unsigned int version);

/**
 * A voice message, to a contact or (version 2) to an iMessage group: exactly one of
 * `contact` and `group` is set. A struct of version 1 (without `group`) is still accepted;
 * its `contact` is then required.
 * @since 0.1
 */
typedef struct loopmsg_voice_params {
    unsigned int version;    /**< LOOPMSG_VOICE_PARAMS_VERSION */
    const char *contact;     /**< The recipient; required unless `group` is set. */
    const char *media_url;   /**< Required: https://, at most 256 characters, ending in .mp3,
                                  .wav, .m4a, .caf or .aac (a query string may follow). */
    const char *sender;      /**< Sender id; NULL = the client's default sender. */
    const char *passthrough; /**< Echoed in webhooks; at most 1000 characters. */
    loopmsg_channel channel; /**< SMS is refused (no audio over SMS). */
    /* ---- version 2 ---- */
    const char *group; /**< An iMessage group id (the `group.id` of an inbound webhook), sent
                            as `group` instead of `contact` (barely documented). Groups
                            are iMessage only: a channel other than AUTO or IMESSAGE is
                            refused. The result's `contact` then holds what the server
                            names the recipient (the group id), or `group` is filled.
                            @since 0.2 */
} loopmsg_voice_params;

/** Layout version of loopmsg_voice_params declared by this header (2 adds `group`). @since 0.1 */
#define LOOPMSG_VOICE_PARAMS_VERSION 2
/** Initialiser of loopmsg_voice_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_VOICE_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_VOICE_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_VOICE_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_VOICE_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_voice_params_init(loopmsg_voice_params *out,
                                                                       unsigned int version);

/**
 * A tapback on a message. Initialise with LOOPMSG_REACTION_PARAMS_INIT (or
 * loopmsg_reaction_params_init()). Borrowed by each call.
 * @since 0.1
 */
typedef struct loopmsg_reaction_params {
    unsigned int version;      /**< LOOPMSG_REACTION_PARAMS_VERSION */
    const char *contact;       /**< Required. */
    const char *message_id;    /**< Required: the message reacted to. */
    loopmsg_reaction reaction; /**< Required (not NONE or UNKNOWN). */
    bool remove;               /**< Remove the reaction (sent as "-love"). */
} loopmsg_reaction_params;

/** Layout version of loopmsg_reaction_params declared by this header. @since 0.1 */
#define LOOPMSG_REACTION_PARAMS_VERSION 1
/** Initialiser of loopmsg_reaction_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_REACTION_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_REACTION_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_REACTION_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_REACTION_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_reaction_params_init(loopmsg_reaction_params *out, unsigned int version);

/**
 * Typing indicator / read receipt. Exactly one addressing mode: message_id, or contact
 * plus sender (the client's default sender counts). Initialise with
 * LOOPMSG_TYPING_PARAMS_INIT (or loopmsg_typing_params_init()). Borrowed by each call.
 * @since 0.1
 */
typedef struct loopmsg_typing_params {
    unsigned int version;        /**< LOOPMSG_TYPING_PARAMS_VERSION */
    const char *message_id;      /**< Mode A: an inbound message id. */
    const char *contact;         /**< Mode B: contact ... */
    const char *sender;          /**< ... and sender. */
    unsigned int typing_seconds; /**< 1..60; 0 = not sent. */
    bool read;                   /**< Mark the conversation read. */
} loopmsg_typing_params;

/** Layout version of loopmsg_typing_params declared by this header. @since 0.1 */
#define LOOPMSG_TYPING_PARAMS_VERSION 1
/** Initialiser of loopmsg_typing_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_TYPING_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_TYPING_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_TYPING_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_TYPING_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_typing_params_init(loopmsg_typing_params *out,
                                                                        unsigned int version);

/** An iMessage group as returned by the API. All fields borrowed from the result. @since 0.1 */
typedef struct loopmsg_group {
    const char *id;                  /**< Group id, for loopmsg_group_send_params::group. */
    const char *name;                /**< NULL when the group has no name. */
    const char *const *participants; /**< E.164 phones or lowercase emails. */
    size_t participant_count;        /**< Entries in participants. */
} loopmsg_group;

/**
 * Result of a send of any kind. Library-allocated and read-only; every pointer lives until
 * loopmsg_send_result_free(). Unknown response fields are ignored; missing optional ones
 * are NULL.
 * @since 0.1
 */
typedef struct loopmsg_send_result {
    const char *message_id;     /**< Always set, except for reactions (undocumented body). */
    const char *contact;        /**< Normalised contact (voice responses call it recipient). */
    const char *text;           /**< The text as the server echoed it; NULL if absent. */
    const loopmsg_group *group; /**< Group sends only; NULL otherwise. */
    const char *raw;            /**< The response body as received (NUL-terminated). */
    size_t raw_len;             /**< Length of raw without the NUL. */
} loopmsg_send_result;

/**
 * Free a send result.
 * @param[in] result  A result of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_send_result_free(loopmsg_send_result *result);

/**
 * Status of an outbound message, from the status endpoint. Library-allocated and
 * read-only, in one allocation: every pointer lives until loopmsg_message_status_free().
 * @since 0.1
 */
typedef struct loopmsg_message_status {
    const char *message_id;         /**< The message's id. */
    loopmsg_delivery_status status; /**< The status; LOOPMSG_DELIVERY_OTHER when absent or
                                         unknown to this version. */
    const char *status_name;        /**< The status as sent by the server; NULL if absent. */
    const char *contact;            /**< The recipient; NULL if absent. */
    const char *text;               /**< The message text; NULL if absent. */
    int api_code;                   /**< Loop code of a failed send; 0 if absent. */
    const char *last_update;        /**< ISO-8601; NULL if absent. */
    const char *raw;                /**< The response body (NUL-terminated). */
    size_t raw_len;                 /**< Length of raw without the NUL. */
} loopmsg_message_status;

/**
 * Free a status.
 * @param[in] status  A result of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_message_status_free(loopmsg_message_status *status);

/**
 * Check send parameters as loopmsg_message_send() would, with no I/O. Pure and re-entrant.
 * The client's default sender is not known here: a missing sender is not an error.
 * @param[in]  params  The parameters; borrowed.
 * @param[out] err     Optional; always written.
 * @return LOOPMSG_OK or LOOPMSG_E_INVALID_ARG (err->message names the field).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_send_params_validate(const loopmsg_send_params *params, loopmsg_error *err);

/**
 * Send a message to one contact and wait for the API's answer.
 *
 * The outcome is known only when the call returns LOOPMSG_OK or an error without
 * LOOPMSG_ERRF_MAYBE_DELIVERED. A send is never resent automatically when the server may
 * have accepted it (unless retry_maybe_delivered is set on the client).
 *
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  params      Borrowed for the call (nothing is kept); must not be NULL.
 * @param[out] result_out  On LOOPMSG_OK a new result owned by the caller (free it with
 *                         loopmsg_send_result_free()); NULL otherwise. May be NULL to
 *                         discard the result.
 * @param[out] err         Optional; always written. On failure err->flags says whether
 *                         the request reached Loop (LOOPMSG_ERRF_SENT), may have been
 *                         delivered (LOOPMSG_ERRF_MAYBE_DELIVERED) or may be retried.
 * @retval LOOPMSG_OK              Loop accepted the message; result has its message_id.
 * @retval LOOPMSG_E_INVALID_ARG   client or params NULL, a bad version or field (err->message
 *                                 names it): nothing is sent.
 * @retval LOOPMSG_E_STATE         Called from one of the client's callbacks.
 * @retval LOOPMSG_E_AUTH          The key was missing or refused (HTTP 401/403, code 110/130).
 * @retval LOOPMSG_E_RATE_LIMITED  HTTP 429 after the retries (err->retry_after_ms).
 * @retval LOOPMSG_E_API           Loop refused the message (err->api_code says why).
 * @retval LOOPMSG_E_NOT_FOUND     HTTP 404.
 * @retval LOOPMSG_E_HTTP          Another HTTP status without a Loop code.
 * @retval LOOPMSG_E_TRANSPORT     DNS, connection or TLS (a certificate not trusted: nothing
 *                                 is sent), or the connection broke (err->transport_code).
 * @retval LOOPMSG_E_PROTOCOL      A 2xx answer that is not the JSON a send returns.
 * @retval LOOPMSG_E_TIMEOUT       The per-attempt timeout or the overall deadline expired.
 * @retval LOOPMSG_E_CANCELLED     loopmsg_client_cancel() ended the wait.
 * @retval LOOPMSG_E_NOMEM         Out of memory.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send(loopmsg_client *client,
                                                                  const loopmsg_send_params *params,
                                                                  loopmsg_send_result **result_out,
                                                                  loopmsg_error *err);

/**
 * Send to an iMessage group and wait for the answer. As loopmsg_message_send();
 * result->group is set.
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  params      Borrowed for the call; must not be NULL.
 * @param[out] result_out  On LOOPMSG_OK a new result owned by the caller (free it with
 *                         loopmsg_send_result_free()); NULL otherwise. May be NULL to
 *                         discard the result.
 * @param[out] err         Optional; always written.
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (client or params NULL, a bad version or field:
 *         nothing is sent), or the negative loopmsg_status of the failed request.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_group(loopmsg_client *client, const loopmsg_group_send_params *params,
                           loopmsg_send_result **result_out, loopmsg_error *err);

/**
 * Send a voice message and wait for the answer. As loopmsg_message_send().
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  params      Borrowed for the call; must not be NULL.
 * @param[out] result_out  On LOOPMSG_OK a new result owned by the caller (free it with
 *                         loopmsg_send_result_free()); NULL otherwise. May be NULL to
 *                         discard the result.
 * @param[out] err         Optional; always written.
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (client or params NULL, a bad version or field:
 *         nothing is sent), or the negative loopmsg_status of the failed request.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_voice(loopmsg_client *client, const loopmsg_voice_params *params,
                           loopmsg_send_result **result_out, loopmsg_error *err);

/**
 * Add or remove a tapback and wait for the answer. When a result is returned its
 * message_id may be NULL (the API does not document this response).
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  params      Borrowed for the call; must not be NULL.
 * @param[out] result_out  On LOOPMSG_OK a new result owned by the caller (free it with
 *                         loopmsg_send_result_free()); NULL otherwise. May be NULL to
 *                         discard the result.
 * @param[out] err         Optional; always written.
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (client or params NULL, a bad version or field:
 *         nothing is sent), or the negative loopmsg_status of the failed request.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_reaction(loopmsg_client *client, const loopmsg_reaction_params *params,
                              loopmsg_send_result **result_out, loopmsg_error *err);

/**
 * Show a typing indicator and/or mark read, and wait for the answer.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  Borrowed for the call; must not be NULL.
 * @param[out] err     Optional; always written.
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (client or params NULL, both or neither
 *         addressing mode, typing_seconds above 60: nothing is sent), or the negative
 *         loopmsg_status of the failed request.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_show_typing(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_error *err);

/**
 * Mark a conversation read: loopmsg_message_show_typing() with read forced on.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  Borrowed for the call; must not be NULL (its `read` is ignored).
 * @param[out] err     Optional; always written.
 * @return as loopmsg_message_show_typing().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_mark_read(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_error *err);

/**
 * Get the status of an outbound message (GET /v1/message/status/{id}/) and wait for it.
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  message_id  The id a send returned; required, no control characters, at
 *                         most 512 bytes. Borrowed for the call.
 * @param[out] status_out  On LOOPMSG_OK a new status owned by the caller (free it with
 *                         loopmsg_message_status_free()); NULL otherwise. May be NULL to
 *                         discard it.
 * @param[out] err         Optional; always written.
 * @return LOOPMSG_OK, LOOPMSG_E_INVALID_ARG (client NULL or a bad message_id),
 *         LOOPMSG_E_NOT_FOUND (no such message), or the negative loopmsg_status of the
 *         failed request.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_status_get(loopmsg_client *client, const char *message_id,
                           loopmsg_message_status **status_out, loopmsg_error *err);

/* ---- asynchronous forms and batch ---------------------------------------------------------- */

/**
 * Completion of an asynchronous send. See loopmsg_done_cb for the rules.
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param result     Borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_send_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_send_result *result, const loopmsg_error *err,
                                void *user_data);

/**
 * Completion of an asynchronous status lookup. See loopmsg_done_cb for the rules.
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param status     Borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_status_cb)(loopmsg_client *client, loopmsg_request_id id,
                                  const loopmsg_message_status *status, const loopmsg_error *err,
                                  void *user_data);

/**
 * Asynchronous loopmsg_message_send(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_send(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_async(
    loopmsg_client *client, const loopmsg_send_params *params, loopmsg_send_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_send_group(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_send_group(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_group_async(
    loopmsg_client *client, const loopmsg_group_send_params *params, loopmsg_send_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_send_voice(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_send_voice(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_voice_async(
    loopmsg_client *client, const loopmsg_voice_params *params, loopmsg_send_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_send_reaction(): validates, copies the parameters into the request
 * and returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_send_reaction(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_reaction_async(
    loopmsg_client *client, const loopmsg_reaction_params *params, loopmsg_send_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_show_typing(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_show_typing(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_show_typing_async(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_done_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_mark_read(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  params      As loopmsg_message_mark_read(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_mark_read_async(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_done_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_message_status_get(): validates, copies the parameters into the request and
 * returns at once (the caller may reuse its buffers as soon as this returns).
 * @param[in]  client     The client.
 * @param[in]  message_id  As loopmsg_message_status_get(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or invalid parameters (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_status_get_async(
    loopmsg_client *client, const char *message_id, loopmsg_status_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/** The outcome of one batch item. @since 0.1 */
typedef struct loopmsg_batch_item {
    loopmsg_send_result *result; /**< Owned by the caller; NULL when this item failed. */
    loopmsg_error error;         /**< This item's outcome (status LOOPMSG_OK on success). */
} loopmsg_batch_item;

/**
 * Send `count` messages with at most the client's max_concurrent in flight, and wait for
 * all. Items are filled in input order. An item whose parameters are invalid fails with
 * LOOPMSG_E_INVALID_ARG and is not sent; the others are still sent. Retries follow the
 * same rules as single sends: an ambiguous send is never resent.
 *
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks. Blocks until every item is done.
 * @param[in]  params  Array of `count` parameter sets; borrowed for the call.
 * @param[in]  count   Number of messages; 0 returns LOOPMSG_OK at once.
 * @param[out] items   Caller array of `count` items, every one written; release the
 *                     results with loopmsg_batch_items_clear().
 * @param[out] err     Optional; always written (the overall outcome).
 * @retval LOOPMSG_OK          every item succeeded
 * @retval LOOPMSG_E_PARTIAL   at least one item failed (see items[i].error)
 * @retval LOOPMSG_E_STATE     called from a callback
 * @retval LOOPMSG_E_INVALID_ARG  NULL client, params or items
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_batch(loopmsg_client *client, const loopmsg_send_params *params, size_t count,
                           loopmsg_batch_item *items, loopmsg_error *err);

/**
 * Free the results held by batch items (not the array) and set them to NULL.
 * @param[in,out] items  The array; NULL is a no-op.
 * @param[in]     count  Its length.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_batch_items_clear(loopmsg_batch_item *items, size_t count);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_MESSAGE_H */
