/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/message.h
 * @brief Messages: send (contact, group, voice), reactions, typing, mark read, status.
 *
 * Every call validates its parameters before any I/O: when validation fails the call
 * returns LOOPMSG_E_INVALID_ARG with a message naming the field, and nothing is sent.
 */
#ifndef LOOPMSG_MESSAGE_H
#define LOOPMSG_MESSAGE_H

#include "client.h"
#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/** Maximum attachments in a single or group send (current docs; decision 2). @since 0.1 */
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
    LOOPMSG_EFFECT_NONE = 0,
    LOOPMSG_EFFECT_SLAM,
    LOOPMSG_EFFECT_LOUD,
    LOOPMSG_EFFECT_GENTLE,
    LOOPMSG_EFFECT_INVISIBLE_INK,
    LOOPMSG_EFFECT_ECHO,
    LOOPMSG_EFFECT_SPOTLIGHT,
    LOOPMSG_EFFECT_BALLOONS,
    LOOPMSG_EFFECT_CONFETTI,
    LOOPMSG_EFFECT_LOVE,
    LOOPMSG_EFFECT_LASERS,
    LOOPMSG_EFFECT_FIREWORKS,
    LOOPMSG_EFFECT_SHOOTING_STAR,
    LOOPMSG_EFFECT_CELEBRATION
} loopmsg_effect;

/** Tapback reactions. UNKNOWN only appears in inbound webhooks. @since 0.1 */
typedef enum loopmsg_reaction {
    LOOPMSG_REACTION_NONE = 0,
    LOOPMSG_REACTION_LOVE,
    LOOPMSG_REACTION_LIKE,
    LOOPMSG_REACTION_DISLIKE,
    LOOPMSG_REACTION_LAUGH,
    LOOPMSG_REACTION_EMPHASIZE,
    LOOPMSG_REACTION_QUESTION,
    LOOPMSG_REACTION_UNKNOWN
} loopmsg_reaction;

/** Delivery channel. AUTO (0) lets Loop choose. @since 0.1 */
typedef enum loopmsg_channel {
    LOOPMSG_CHANNEL_AUTO = 0,
    LOOPMSG_CHANNEL_IMESSAGE,
    LOOPMSG_CHANNEL_SMS,
    LOOPMSG_CHANNEL_RCS,
    LOOPMSG_CHANNEL_WHATSAPP
} loopmsg_channel;

/** Status of an outbound message. OTHER: a value this version does not know. @since 0.1 */
typedef enum loopmsg_delivery_status {
    LOOPMSG_DELIVERY_OTHER = 0,
    LOOPMSG_DELIVERY_PROCESSING,
    LOOPMSG_DELIVERY_DELIVERED,
    LOOPMSG_DELIVERY_FAILED,
    LOOPMSG_DELIVERY_UNKNOWN
} loopmsg_delivery_status;

/** Wire name of an effect ("invisibleInk"); NULL for NONE or an out-of-range value. @since 0.1 */
LOOPMSG_API const char *loopmsg_effect_name(loopmsg_effect effect);
/** Parse a wire name (case-sensitive). @retval LOOPMSG_E_INVALID_ARG unknown name. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_effect_parse(loopmsg_effect *out,
                                                                  const char *name);
/** Wire name of a reaction ("love"); NULL for NONE or out of range. @since 0.1 */
LOOPMSG_API const char *loopmsg_reaction_name(loopmsg_reaction reaction);
/**
 * Parse a reaction as accepted by the send endpoint: "love", or "-love" to remove it.
 * @param[out] out         The reaction.
 * @param[out] remove_out  Optional; true for the "-" form.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_reaction_parse(loopmsg_reaction *out,
                                                                    bool *remove_out,
                                                                    const char *name);
/** Wire name of a channel ("sms"); NULL for AUTO or out of range. @since 0.1 */
LOOPMSG_API const char *loopmsg_channel_name(loopmsg_channel channel);
/** Parse a channel name. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_channel_parse(loopmsg_channel *out,
                                                                   const char *name);
/** Wire name of a delivery status ("delivered"); NULL for OTHER. @since 0.1 */
LOOPMSG_API const char *loopmsg_delivery_status_name(loopmsg_delivery_status status);

/** A message to one contact. Zero means "not set" for every field. @since 0.1 */
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

#define LOOPMSG_SEND_PARAMS_VERSION 1
#define LOOPMSG_SEND_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_SEND_PARAMS_VERSION)

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

/** A message to an iMessage group. @since 0.1 */
typedef struct loopmsg_group_send_params {
    unsigned int version; /**< LOOPMSG_GROUP_SEND_PARAMS_VERSION */
    const char *group;    /**< Required: group id from a message_inbound webhook. */
    const char *text;     /**< Required, 1..10,000 characters. */
    const char *subject;
    const char *sender;
    const char *const *attachments;
    size_t attachment_count;
    loopmsg_effect effect;
    const char *reply_to_id;
    const char *passthrough;
} loopmsg_group_send_params;

#define LOOPMSG_GROUP_SEND_PARAMS_VERSION 1
#define LOOPMSG_GROUP_SEND_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_GROUP_SEND_PARAMS_VERSION)

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
    unsigned int version;  /**< LOOPMSG_VOICE_PARAMS_VERSION */
    const char *contact;   /**< The recipient; required unless `group` is set. */
    const char *media_url; /**< Required: https://, at most 256 characters, ending in .mp3,
                                .wav, .m4a, .caf or .aac (a query string may follow). */
    const char *sender;
    const char *passthrough;
    loopmsg_channel channel; /**< SMS is refused (no audio over SMS). */
    /* ---- version 2 ---- */
    const char *group; /**< An iMessage group id (the `group.id` of an inbound webhook), sent
                            as `group` instead of `contact` (spec-management §5). Groups
                            are iMessage only: a channel other than AUTO or IMESSAGE is
                            refused. The result's `contact` then holds what the server
                            names the recipient (the group id), or `group` is filled.
                            @since 0.2 */
} loopmsg_voice_params;

#define LOOPMSG_VOICE_PARAMS_VERSION 2
#define LOOPMSG_VOICE_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_VOICE_PARAMS_VERSION)

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

/** A tapback on a message. @since 0.1 */
typedef struct loopmsg_reaction_params {
    unsigned int version;      /**< LOOPMSG_REACTION_PARAMS_VERSION */
    const char *contact;       /**< Required. */
    const char *message_id;    /**< Required: the message reacted to. */
    loopmsg_reaction reaction; /**< Required (not NONE or UNKNOWN). */
    bool remove;               /**< Remove the reaction (sent as "-love"). */
} loopmsg_reaction_params;

#define LOOPMSG_REACTION_PARAMS_VERSION 1
#define LOOPMSG_REACTION_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_REACTION_PARAMS_VERSION)

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
 * plus sender (the client's default sender counts).
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

#define LOOPMSG_TYPING_PARAMS_VERSION 1
#define LOOPMSG_TYPING_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_TYPING_PARAMS_VERSION)

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
    const char *id;
    const char *name;                /**< NULL when the group has no name. */
    const char *const *participants; /**< E.164 phones or lowercase emails. */
    size_t participant_count;
} loopmsg_group;

/**
 * Result of a send of any kind. Library-allocated and read-only; every pointer lives until
 * loopmsg_send_result_free(). Unknown response fields are ignored; missing optional ones
 * are NULL.
 * @since 0.1
 */
typedef struct loopmsg_send_result {
    const char *message_id; /**< Always set, except for reactions (undocumented body). */
    const char *contact;    /**< Normalised contact (voice responses call it recipient). */
    const char *text;
    const loopmsg_group *group; /**< Group sends only; NULL otherwise. */
    const char *raw;            /**< The response body as received (NUL-terminated). */
    size_t raw_len;
} loopmsg_send_result;

/** Free a send result. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_send_result_free(loopmsg_send_result *result);

/** Status of an outbound message, from the status endpoint. @since 0.1 */
typedef struct loopmsg_message_status {
    const char *message_id;
    loopmsg_delivery_status status;
    const char *status_name; /**< The status as sent by the server; NULL if absent. */
    const char *contact;
    const char *text;
    int error_code;          /**< Loop code when the send failed; 0 if absent. */
    const char *last_update; /**< ISO-8601; NULL if absent. */
    const char *raw;         /**< The response body (NUL-terminated). */
    size_t raw_len;
} loopmsg_message_status;

/** Free a status. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_message_status_free(loopmsg_message_status *status);

/**
 * Check send parameters as loopmsg_message_send() would, with no I/O.
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
 * @param[in]  client      The client. Not used concurrently from another thread.
 * @param[in]  params      Borrowed for the call.
 * @param[out] result_out  On LOOPMSG_OK a new result owned by the caller (free with
 *                         loopmsg_send_result_free); NULL otherwise. May be NULL to discard.
 * @param[out] err         Optional; always written.
 * @return LOOPMSG_OK or a negative loopmsg_status.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send(loopmsg_client *client,
                                                                  const loopmsg_send_params *params,
                                                                  loopmsg_send_result **result_out,
                                                                  loopmsg_error *err);

/** Send to an iMessage group. As loopmsg_message_send(); result->group is set. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_group(loopmsg_client *client, const loopmsg_group_send_params *params,
                           loopmsg_send_result **result_out, loopmsg_error *err);

/** Send a voice message. As loopmsg_message_send(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_voice(loopmsg_client *client, const loopmsg_voice_params *params,
                           loopmsg_send_result **result_out, loopmsg_error *err);

/**
 * Add or remove a tapback. result_out may be NULL; when given, the result's message_id may
 * be NULL (the API does not document this response).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_reaction(loopmsg_client *client, const loopmsg_reaction_params *params,
                              loopmsg_send_result **result_out, loopmsg_error *err);

/** Show a typing indicator and/or mark read. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_show_typing(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_error *err);

/** Mark a conversation read: loopmsg_message_show_typing() with read forced on. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_mark_read(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_error *err);

/**
 * Get the status of an outbound message (GET /v1/message/status/{id}/).
 * @param[out] status_out  On LOOPMSG_OK a new status owned by the caller.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_status_get(loopmsg_client *client, const char *message_id,
                           loopmsg_message_status **status_out, loopmsg_error *err);

/* ---- asynchronous forms and batch ---------------------------------------------------------- */

/**
 * Completion of an asynchronous send. `result` is borrowed until the callback returns
 * (NULL on failure); `err` is never NULL. See loopmsg_done_cb for the rules.
 * @since 0.1
 */
typedef void (*loopmsg_send_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_send_result *result, const loopmsg_error *err,
                                void *user_data);

/** Completion of an asynchronous status lookup. @since 0.1 */
typedef void (*loopmsg_status_cb)(loopmsg_client *client, loopmsg_request_id id,
                                  const loopmsg_message_status *status, const loopmsg_error *err,
                                  void *user_data);

/**
 * Submit a send; returns at once. The parameters are validated and copied here (the caller
 * may reuse its buffers as soon as this returns); a validation error is returned here and
 * the callback is not called.
 * @param[out] id_out  Optional: the request's id, for loopmsg_client_cancel().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_async(
    loopmsg_client *client, const loopmsg_send_params *params, loopmsg_send_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_send_group(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_group_async(
    loopmsg_client *client, const loopmsg_group_send_params *params, loopmsg_send_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_send_voice(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_voice_async(
    loopmsg_client *client, const loopmsg_voice_params *params, loopmsg_send_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_send_reaction(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_send_reaction_async(
    loopmsg_client *client, const loopmsg_reaction_params *params, loopmsg_send_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_show_typing(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_show_typing_async(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_done_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_mark_read(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_message_mark_read_async(
    loopmsg_client *client, const loopmsg_typing_params *params, loopmsg_done_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_message_status_get(). @since 0.1 */
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
 * @param[out] items  Caller array of `count` items; release with loopmsg_batch_items_clear().
 * @retval LOOPMSG_OK          every item succeeded
 * @retval LOOPMSG_E_PARTIAL   at least one item failed (see items[i].error)
 * @retval LOOPMSG_E_STATE     called from a callback
 * @retval LOOPMSG_E_INVALID_ARG  NULL client, params or items
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_message_send_batch(loopmsg_client *client, const loopmsg_send_params *params, size_t count,
                           loopmsg_batch_item *items, loopmsg_error *err);

/** Free the results held by batch items (not the array). NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_batch_items_clear(loopmsg_batch_item *items, size_t count);

LOOPMSG_END_DECL

#endif /* LOOPMSG_MESSAGE_H */
