/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/campaign.h
 * @brief Campaigns: broadcast (one text to many contacts) or individualised messages.
 */
#ifndef LOOPMSG_CAMPAIGN_H
#define LOOPMSG_CAMPAIGN_H

#include "message.h"

LOOPMSG_BEGIN_DECL

/** Maximum attachments of a campaign (and of each campaign message). @since 0.1 */
#define LOOPMSG_MAX_CAMPAIGN_ATTACHMENTS 3

/** One individualised campaign message. @since 0.1 */
typedef struct loopmsg_campaign_message {
    const char *contact; /**< Required. */
    const char *text;    /**< Required. */
    const char *subject;
    loopmsg_effect effect;
    const char *const *attachments; /**< At most 3 https:// URLs. */
    size_t attachment_count;
} loopmsg_campaign_message;

/**
 * A campaign. Exactly one mode: broadcast (text + contacts) or individualised (messages).
 * Scheduling fields are optional; the server applies its defaults (today, 10:00-22:00,
 * America/New_York).
 * @since 0.1
 */
typedef struct loopmsg_campaign_params {
    unsigned int version; /**< LOOPMSG_CAMPAIGN_PARAMS_VERSION */
    const char *name;     /**< Required. */
    /* broadcast */
    const char *text;
    const char *const *contacts;
    size_t contact_count;
    /* individualised */
    const loopmsg_campaign_message *messages;
    size_t message_count;
    /* both */
    const char *const *attachments; /**< At most 3. */
    size_t attachment_count;
    loopmsg_effect effect;
    const char *subject;
    const char *from_date; /**< YYYY-MM-DD, a real calendar date. */
    const char *from_time; /**< HH:mm, 00:00-23:59; must be before to_time. */
    const char *to_time;   /**< HH:mm. */
    const char *timezone;  /**< IANA name, e.g. "America/Los_Angeles". */
} loopmsg_campaign_params;

#define LOOPMSG_CAMPAIGN_PARAMS_VERSION 1
#define LOOPMSG_CAMPAIGN_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_CAMPAIGN_PARAMS_VERSION)

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

/** A created campaign. @since 0.1 */
typedef struct loopmsg_campaign {
    const char *id;
    const char *name;
    const char *create_date;
    const char *raw;
    size_t raw_len;
} loopmsg_campaign;

/** Check campaign parameters with no I/O. @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_campaign_params_validate(const loopmsg_campaign_params *params, loopmsg_error *err);

/**
 * Create a campaign (POST /api/v1/campaigns/new/).
 * @param[out] out  On LOOPMSG_OK a new result; free with loopmsg_campaign_free().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_campaign_create(loopmsg_client *client, const loopmsg_campaign_params *params,
                        loopmsg_campaign **out, loopmsg_error *err);

/** Free a campaign result. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_campaign_free(loopmsg_campaign *campaign);

/** True when s is a real calendar date written YYYY-MM-DD. @since 0.1 */
LOOPMSG_API bool loopmsg_date_valid(const char *s);

/** Completion of an asynchronous campaign creation. @since 0.1 */
typedef void (*loopmsg_campaign_cb)(loopmsg_client *client, loopmsg_request_id id,
                                    const loopmsg_campaign *campaign, const loopmsg_error *err,
                                    void *user_data);

/** Asynchronous loopmsg_campaign_create(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_campaign_create_async(
    loopmsg_client *client, const loopmsg_campaign_params *params, loopmsg_campaign_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

LOOPMSG_END_DECL

#endif /* LOOPMSG_CAMPAIGN_H */
