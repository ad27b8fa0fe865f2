/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/optin.h
 * @brief Opt-in links: generate a URL that opens Messages with a pre-filled text.
 *
 * The text carries a code (in place of LOOPMSG_OPTIN_PLACEHOLDER) that ties the contact's
 * message to the opt-in; when the contact sends it, Loop posts an opt-in webhook with the
 * custom fields given here. The opt-in history is listed by loopmsg_optin_history().
 */
#ifndef LOOPMSG_OPTIN_H
#define LOOPMSG_OPTIN_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup optin Opt-in links
 * @brief Generate a link that opens Messages with a pre-filled opt-in text.
 * @{
 */

/** The placeholder loopmsg_optin_params::body must contain; Loop replaces it with the code. @since
 * 0.1 */
#define LOOPMSG_OPTIN_PLACEHOLDER "[opt-in-code]"

/**
 * A custom field: sent as a top-level key of the request, returned in the opt-in webhook
 * (loopmsg_webhook_event::custom_fields). Both strings borrowed for the call.
 * @since 0.1
 */
typedef struct loopmsg_field {
    const char *key;   /**< Required; no control characters, at most 512 bytes; not "body",
                            "contact" or "sender_type", and not given twice. */
    const char *value; /**< Required (may be ""); valid UTF-8. */
} loopmsg_field;

/**
 * Parameters of an opt-in URL. Initialise with LOOPMSG_OPTIN_PARAMS_INIT (or
 * loopmsg_optin_params_init()); NULL or "" means "not sent" for the optional strings.
 * Borrowed by each call; an asynchronous call copies what it sends.
 * @since 0.1
 */
typedef struct loopmsg_optin_params {
    unsigned int version;        /**< LOOPMSG_OPTIN_PARAMS_VERSION */
    const char *body;            /**< Required: the pre-filled text, 1..10,000 characters;
                                      must contain "[opt-in-code]". */
    const char *contact;         /**< Optional pre-filled recipient (no control characters,
                                      at most 512 bytes). */
    const char *sender_type;     /**< e.g. "shared" for shared sender names; optional. */
    const loopmsg_field *fields; /**< Custom fields (click_id, utm_campaign, ...); may be NULL
                                      when field_count is 0. */
    size_t field_count;          /**< Entries in fields. */
} loopmsg_optin_params;

/** Layout version of loopmsg_optin_params declared by this header. @since 0.1 */
#define LOOPMSG_OPTIN_PARAMS_VERSION 1
/** Initialiser of loopmsg_optin_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_OPTIN_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_OPTIN_PARAMS_VERSION)

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

/**
 * A generated opt-in link. Missing links are NULL; at least one of url and imessage is set
 * (a response with neither is LOOPMSG_E_PROTOCOL). Library-allocated and read-only, in one
 * allocation: every pointer lives until loopmsg_optin_url_free().
 * @since 0.1
 */
typedef struct loopmsg_optin_url {
    const char *id;       /**< Id of the opt-in request; NULL when absent. */
    const char *url;      /**< Universal https link. */
    const char *imessage; /**< imessage:// deep link. */
    const char *sms;      /**< sms: link. */
    const char *whatsapp; /**< whatsapp:// link (current docs only). */
    const char *raw;      /**< The whole response, NUL-terminated. */
    size_t raw_len;       /**< Length of raw without the NUL. */
} loopmsg_optin_url;

/**
 * Generate an opt-in URL (POST /api/v1/opt-in/generate-url/) and wait for it. Blocking.
 * The parameters are checked before any I/O.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  Borrowed for the call; must not be NULL.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller: free it with
 *                     loopmsg_optin_url_free(). NULL otherwise. May be NULL to discard the
 *                     result.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or params NULL, a bad version, no body, a body
 *                                without the placeholder, a bad contact or field
 *                                (err->message names it).
 * @retval LOOPMSG_E_PROTOCOL     the response has no link.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_optin_generate_url(loopmsg_client *client, const loopmsg_optin_params *params,
                           loopmsg_optin_url **out, loopmsg_error *err);

/**
 * Free an opt-in URL result.
 * @param[in] url  A result of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_optin_url_free(loopmsg_optin_url *url);

/**
 * Completion of an asynchronous opt-in URL generation (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param url        The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_optin_url_cb)(loopmsg_client *client, loopmsg_request_id id,
                                     const loopmsg_optin_url *url, const loopmsg_error *err,
                                     void *user_data);

/**
 * Asynchronous loopmsg_optin_generate_url(): validates, builds the request and returns at
 * once.
 * @param[in]  client     The client.
 * @param[in]  params     As loopmsg_optin_generate_url(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_optin_generate_url() (cb is not called).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_generate_url_async(
    loopmsg_client *client, const loopmsg_optin_params *params, loopmsg_optin_url_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Generate an opt-in link with the frontend method (its own host, no API key) and wait for
 * it. Blocking. GET {LOOP_OPTIN_BASE_URL}/tracker-api/v1/generate-url/{organization_id}/
 * with `body`, `sender_type` and the custom fields percent-encoded into the query string.
 * The method is unauthenticated: no Authorization header is sent with it (the organization
 * id is the only identifier), so a client created without an API key may call it. The host
 * is the client's `optin_base_url` (default https://t.imsg.link; http:// only to a loopback
 * host). The same rules as loopmsg_optin_generate_url() apply to `params`, checked before
 * any I/O, except that `contact` is refused (the method does not take one).
 * @param[in]  client           The client (its key is not used); used by one thread at a
 *                              time, not from one of its callbacks (LOOPMSG_E_STATE).
 * @param[in]  organization_id  The organization (an id from the organizations list, or the
 *                              `organization_id` of a webhook); required, no control
 *                              characters, at most 512 bytes; percent-encoded into the path.
 *                              Borrowed for the call.
 * @param[in]  params           Body, sender type and custom fields; must not be NULL;
 *                              borrowed for the call.
 * @param[out] out              On LOOPMSG_OK a new result owned by the caller: free it with
 *                              loopmsg_optin_url_free(). NULL otherwise. Must not be NULL.
 *                              `whatsapp` may be NULL (absent from older docs).
 * @param[out] err              Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client, params or out NULL, a bad organization_id, version,
 *                                body or field, or a contact given (nothing sent;
 *                                err->message names the field).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response has no link, or a link that is not a string.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_frontend_url(
    loopmsg_client *client, const char *organization_id, const loopmsg_optin_params *params,
    loopmsg_optin_url **out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_optin_frontend_url(): validates, builds the request (everything it
 * sends is copied into the URL) and returns at once.
 * @param[in]  client           The client; used by one thread at a time; may be called
 *                              from one of its callbacks.
 * @param[in]  organization_id  As loopmsg_optin_frontend_url(); borrowed for this call only.
 * @param[in]  params           As loopmsg_optin_frontend_url(); borrowed for this call only.
 * @param[in]  cb               Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data        Passed to cb.
 * @param[out] id_out           Optional: the request's id (for loopmsg_client_cancel()); 0
 *                              when the call fails.
 * @param[out] err              Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_optin_frontend_url() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_optin_frontend_url_async(
    loopmsg_client *client, const char *organization_id, const loopmsg_optin_params *params,
    loopmsg_optin_url_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * One page of the opt-in history (GET /api/v1/audience/tracker/): loopmsg_list_page() with
 * LOOPMSG_LIST_OPT_INS. Blocking. Iterate with loopmsg_pager_new() or collect every page
 * with loopmsg_list_all() and the same kind.
 * @param[in]  client    The client; used by one thread at a time, not from one of its
 *                       callbacks (LOOPMSG_E_STATE).
 * @param[in]  params    Paging, sort, `from_date` and `to_date` (another filter is
 *                       refused); borrowed for the call; NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::opt_ins set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, or params refused as by
 *                                loopmsg_list_page() (a bad version, per_page, sort or date, or
 *                                a filter this list does not take: search, contact, direction,
 *                                type); err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_optin_history(loopmsg_client *client, const loopmsg_list_params *params,
                      loopmsg_page **page_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_OPTIN_H */
