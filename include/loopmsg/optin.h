/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/optin.h
 * @brief Opt-in links: generate a URL that opens Messages with a pre-filled text.
 */
#ifndef LOOPMSG_OPTIN_H
#define LOOPMSG_OPTIN_H

#include "client.h"

LOOPMSG_BEGIN_DECL

/** The placeholder the body must contain. @since 0.1 */
#define LOOPMSG_OPTIN_PLACEHOLDER "[opt-in-code]"

/** A custom field, returned in the opt-in webhook. @since 0.1 */
typedef struct loopmsg_field {
    const char *key;
    const char *value;
} loopmsg_field;

/** Parameters of an opt-in URL. @since 0.1 */
typedef struct loopmsg_optin_params {
    unsigned int version;        /**< LOOPMSG_OPTIN_PARAMS_VERSION */
    const char *body;            /**< Required; must contain "[opt-in-code]". */
    const char *contact;         /**< Optional pre-filled recipient. */
    const char *sender_type;     /**< e.g. "shared" for shared sender names. */
    const loopmsg_field *fields; /**< Custom fields (click_id, utm_campaign, ...). */
    size_t field_count;
} loopmsg_optin_params;

#define LOOPMSG_OPTIN_PARAMS_VERSION 1
#define LOOPMSG_OPTIN_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_OPTIN_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_OPTIN_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_OPTIN_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_params_init(loopmsg_optin_params *out,
                                                                       unsigned int version);

/** A generated opt-in link. Missing links are NULL. @since 0.1 */
typedef struct loopmsg_optin_url {
    const char *id;
    const char *url;      /**< Universal https link. */
    const char *imessage; /**< imessage:// deep link. */
    const char *sms;      /**< sms: link. */
    const char *whatsapp; /**< whatsapp:// link (current docs only). */
    const char *raw;
    size_t raw_len;
} loopmsg_optin_url;

/**
 * Generate an opt-in URL (POST /api/v1/opt-in/generate-url/).
 * @param[out] out  On LOOPMSG_OK a new result; free with loopmsg_optin_url_free().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_optin_generate_url(loopmsg_client *client, const loopmsg_optin_params *params,
                           loopmsg_optin_url **out, loopmsg_error *err);

/** Free an opt-in URL result. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_optin_url_free(loopmsg_optin_url *url);

/** Completion of an asynchronous opt-in URL generation. @since 0.1 */
typedef void (*loopmsg_optin_url_cb)(loopmsg_client *client, loopmsg_request_id id,
                                     const loopmsg_optin_url *url, const loopmsg_error *err,
                                     void *user_data);

/** Asynchronous loopmsg_optin_generate_url(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_generate_url_async(
    loopmsg_client *client, const loopmsg_optin_params *params, loopmsg_optin_url_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Generate an opt-in link with the frontend method (spec-management §6):
 * GET {LOOP_OPTIN_BASE_URL}/tracker-api/v1/generate-url/{organization_id}/ with `body`,
 * `sender_type` and the custom fields in the query string. The method is unauthenticated:
 * the client's API key is never sent with it (the organization id is the only identifier).
 * The same rules as loopmsg_optin_generate_url() apply to `params`, except that `contact`
 * is refused (the method does not take one).
 * @param[in]  client           The client (its key is not used).
 * @param[in]  organization_id  The organization (an id from the organizations list, or the
 *                              `organization_id` of a webhook); required.
 * @param[in]  params           Body, sender type and custom fields.
 * @param[out] out              On LOOPMSG_OK a new result; free with loopmsg_optin_url_free().
 *                              `whatsapp` may be NULL (absent from older docs).
 * @param[out] err              Optional details.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  Invalid arguments (nothing sent).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_frontend_url(
    loopmsg_client *client, const char *organization_id, const loopmsg_optin_params *params,
    loopmsg_optin_url **out, loopmsg_error *err);

/** Asynchronous loopmsg_optin_frontend_url(). @since 0.2 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_frontend_url_async(
    loopmsg_client *client, const char *organization_id, const loopmsg_optin_params *params,
    loopmsg_optin_url_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

LOOPMSG_END_DECL

#endif /* LOOPMSG_OPTIN_H */
