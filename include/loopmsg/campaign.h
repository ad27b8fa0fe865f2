/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/campaign.h
 * @brief Campaigns: broadcast (one text to many contacts) or individualised messages.
 *
 * Every rule is checked before any I/O (loopmsg_campaign_params_validate()): one mode
 * only, non-empty lists, real dates, times, a time window, an IANA time zone name,
 * attachments and effects.
 */
#ifndef LOOPMSG_CAMPAIGN_H
#define LOOPMSG_CAMPAIGN_H

#include "list.h"
#include "message.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup campaigns Campaigns
 * @brief Create a broadcast or individualised campaign.
 * @{
 */

/** Maximum attachments of a campaign (and of each campaign message). @since 0.1 */
#define LOOPMSG_MAX_CAMPAIGN_ATTACHMENTS 3

/**
 * One individualised campaign message. Every string is borrowed by the call that gets it.
 * @since 0.1
 */
typedef struct loopmsg_campaign_message {
    const char *contact;            /**< Required: phone, email or contact id (no control
                                         characters, at most 512 bytes). */
    const char *text;               /**< Required, 1..10,000 characters. */
    const char *subject;            /**< Bold title; NULL or "" = none. */
    loopmsg_effect effect;          /**< LOOPMSG_EFFECT_NONE = none; unknown values refused. */
    const char *const *attachments; /**< At most 3 https:// URLs of at most 256 characters;
                                         may be NULL when attachment_count is 0. */
    size_t attachment_count;        /**< Entries in attachments. */
} loopmsg_campaign_message;

/**
 * A campaign. Initialise with LOOPMSG_CAMPAIGN_PARAMS_INIT (or
 * loopmsg_campaign_params_init()). Exactly one mode: broadcast (text + contacts) or
 * individualised (messages); setting any field of both modes is refused. Scheduling fields
 * are optional (NULL or "" = not sent); the server applies its defaults (today,
 * 10:00-22:00, America/New_York). Borrowed by each call; an asynchronous call copies what
 * it sends.
 * @since 0.1
 */
typedef struct loopmsg_campaign_params {
    unsigned int version; /**< LOOPMSG_CAMPAIGN_PARAMS_VERSION */
    const char *name;     /**< Required: the campaign's name. */
    /* broadcast */
    const char *text;            /**< Broadcast: the text every contact gets, 1..10,000
                                      characters. */
    const char *const *contacts; /**< Broadcast: the recipients (phone, email or contact id;
                                      no control characters, at most 512 bytes each). */
    size_t contact_count;        /**< Broadcast: entries in contacts; at least 1. */
    /* individualised */
    const loopmsg_campaign_message *messages; /**< Individualised: one message per contact. */
    size_t message_count; /**< Individualised: entries in messages; at least 1. */
    /* both */
    const char *const *attachments; /**< At most 3 https:// URLs of at most 256 characters;
                                         may be NULL when attachment_count is 0. */
    size_t attachment_count;        /**< Entries in attachments. */
    loopmsg_effect effect;          /**< LOOPMSG_EFFECT_NONE = none; unknown values refused. */
    const char *subject;            /**< Bold title; NULL or "" = none. */
    const char *from_date;          /**< First day, YYYY-MM-DD, a real calendar date. */
    const char *from_time; /**< Start of the daily window, HH:mm, 00:00-23:59; must be before
                                to_time (an unset one counts as 10:00). */
    const char *to_time;   /**< End of the daily window, HH:mm (an unset one counts as
                                22:00). */
    const char *timezone;  /**< IANA name, e.g. "America/Los_Angeles": "UTC", "GMT", or
                                Area/Location with a known area (Africa, America, Antarctica,
                                Arctic, Asia, Atlantic, Australia, Europe, Indian, Pacific,
                                Etc). Checked by its form, not against tzdata. */
} loopmsg_campaign_params;

/** Layout version of loopmsg_campaign_params declared by this header. @since 0.1 */
#define LOOPMSG_CAMPAIGN_PARAMS_VERSION 1
/** Initialiser of loopmsg_campaign_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_CAMPAIGN_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_CAMPAIGN_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_CAMPAIGN_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_CAMPAIGN_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_campaign_params_init(loopmsg_campaign_params *out, unsigned int version);

/**
 * A created campaign. Library-allocated and read-only, in one allocation: every pointer
 * lives until loopmsg_campaign_free().
 * @since 0.1
 */
typedef struct loopmsg_campaign {
    const char *id;          /**< Campaign id; always set (a response without one is
                                  LOOPMSG_E_PROTOCOL). */
    const char *name;        /**< Its name; NULL when absent. */
    const char *create_date; /**< When it was created, as the server wrote it; NULL when
                                  absent. */
    const char *raw;         /**< The whole response, NUL-terminated. */
    size_t raw_len;          /**< Length of raw without the NUL. */
} loopmsg_campaign;

/**
 * Check campaign parameters as loopmsg_campaign_create() does, with no I/O. Pure and
 * re-entrant: may be called from any thread.
 * @param[in]  params  The parameters; borrowed.
 * @param[out] err     Optional; always written (err->message names the first bad field).
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  params NULL, a bad version, or a rule broken (see the
 *                                fields of loopmsg_campaign_params).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_campaign_params_validate(const loopmsg_campaign_params *params, loopmsg_error *err);

/**
 * Create a campaign (POST /api/v1/campaigns/new/) and wait for the answer. Blocking. The
 * parameters are checked first (loopmsg_campaign_params_validate()); nothing is sent when
 * they fail.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  Borrowed for the call; must not be NULL.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller: free it with
 *                     loopmsg_campaign_free(). NULL otherwise. May be NULL to discard the
 *                     result.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, or as loopmsg_campaign_params_validate().
 * @retval LOOPMSG_E_PROTOCOL     the response has no campaign id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_campaign_create(loopmsg_client *client, const loopmsg_campaign_params *params,
                        loopmsg_campaign **out, loopmsg_error *err);

/**
 * Free a campaign result.
 * @param[in] campaign  A result of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_campaign_free(loopmsg_campaign *campaign);

/**
 * Completion of an asynchronous campaign creation (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param campaign   The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_campaign_cb)(loopmsg_client *client, loopmsg_request_id id,
                                    const loopmsg_campaign *campaign, const loopmsg_error *err,
                                    void *user_data);

/**
 * Asynchronous loopmsg_campaign_create(): validates, builds the request and returns at once.
 * @param[in]  client     The client.
 * @param[in]  params     As loopmsg_campaign_create(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_campaign_create() (cb is not called).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_campaign_create_async(
    loopmsg_client *client, const loopmsg_campaign_params *params, loopmsg_campaign_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_CAMPAIGN_H */
