/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/audience.h
 * @brief Audience: contact status, unsubscribe, and the audience and message history lists.
 */
#ifndef LOOPMSG_AUDIENCE_H
#define LOOPMSG_AUDIENCE_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup audience Audience
 * @brief Contact status, unsubscribe, and the audience and message history lists (the opt-in
 * history is in optin.h, the webhook delivery history in webhook.h).
 * @{
 */

/** A contact's audience status. OTHER: a value this version does not know. @since 0.1 */
typedef enum loopmsg_contact_status {
    LOOPMSG_CONTACT_OTHER = 0,    /**< A value this version does not know. */
    LOOPMSG_CONTACT_ACTIVE,       /**< "active": in the audience, may be messaged. */
    LOOPMSG_CONTACT_UNSUBSCRIBED, /**< "unsubscribed": opted out. */
    LOOPMSG_CONTACT_UNKNOWN       /**< "unknown": not in the audience. */
} loopmsg_contact_status;

/**
 * Wire name of a contact status ("active"). Pure; thread-safe.
 * @param[in]  status  The status.
 * @return a static string; NULL for LOOPMSG_CONTACT_OTHER or a value outside the enum.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_contact_status_name(loopmsg_contact_status status);

/**
 * Check a contact's status (GET /api/v1/audience/check-status/{contact}/) and wait for it.
 * Blocking.
 * @param[in]  client      The client; used by one thread at a time, not from one of its
 *                         callbacks (LOOPMSG_E_STATE).
 * @param[in]  contact     International phone starting with '+', or an email; required, no
 *                         control characters, at most 512 bytes; percent-encoded into the path.
 *                         Borrowed for the call.
 * @param[out] status_out  Optional (NULL to ignore): the status; LOOPMSG_CONTACT_OTHER on
 *                         failure or for a value this version does not know.
 * @param[out] err         Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad contact, or a client without a Loop Message
 *                                API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response has no `status` string.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_check_status(loopmsg_client *client, const char *contact,
                              loopmsg_contact_status *status_out, loopmsg_error *err);

/**
 * Unsubscribe a contact (DELETE /api/v1/audience/delete/{contact}/) and wait for the answer.
 * Blocking. A 204 with no body and a 2xx JSON body are both success. Like every DELETE it may
 * be retried after a timeout, a dropped connection, 502 or 504.
 * @param[in]  client   The client; used by one thread at a time, not from one of its callbacks
 *                      (LOOPMSG_E_STATE).
 * @param[in]  contact  As loopmsg_audience_check_status(); borrowed for the call.
 * @param[out] err      Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad contact, or a client without a Loop Message
 *                                API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_audience_unsubscribe(loopmsg_client *client,
                                                                          const char *contact,
                                                                          loopmsg_error *err);

/**
 * One page of the audience (GET /api/v1/audience/list/): loopmsg_list_page() with
 * LOOPMSG_LIST_AUDIENCE. Blocking. Iterate with loopmsg_pager_new() or collect every page with
 * loopmsg_list_all() and the same kind.
 * @param[in]  client    The client; used by one thread at a time, not from one of its callbacks
 *                       (LOOPMSG_E_STATE).
 * @param[in]  params    Paging, sort, `search`, `from_date` and `to_date` (another filter is
 *                       refused); borrowed for the call; NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::contacts set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, or params refused as by
 *                                loopmsg_list_page() (a bad version, per_page, sort or date, or
 *                                a filter this list does not take: contact, direction, type);
 *                                err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_list(loopmsg_client *client, const loopmsg_list_params *params,
                      loopmsg_page **page_out, loopmsg_error *err);

/**
 * One page of a contact's message history (GET /api/v1/audience/messages/{contact}/):
 * loopmsg_list_page() with LOOPMSG_LIST_MESSAGE_HISTORY. Blocking.
 * @param[in]  client    The client; used by one thread at a time, not from one of its callbacks
 *                       (LOOPMSG_E_STATE).
 * @param[in]  params    Required: `contact` (percent-encoded into the path), and optionally
 *                       paging, sort, `from_date`, `to_date`, `direction` and `type`; borrowed
 *                       for the call.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::messages set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client, params or page_out NULL, no or a bad contact, or
 *                                params refused as by loopmsg_list_page() (`search` is not
 *                                taken); err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_history(loopmsg_client *client, const loopmsg_list_params *params,
                         loopmsg_page **page_out, loopmsg_error *err);

/**
 * Completion of an asynchronous status check (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param status     The status; LOOPMSG_CONTACT_OTHER on failure.
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_contact_status_cb)(loopmsg_client *client, loopmsg_request_id id,
                                          loopmsg_contact_status status, const loopmsg_error *err,
                                          void *user_data);

/**
 * Asynchronous loopmsg_audience_check_status(): validates, builds the request (the contact is
 * copied into it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  contact    As loopmsg_audience_check_status(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none.
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_audience_check_status() (cb is not called).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_audience_check_status_async(
    loopmsg_client *client, const char *contact, loopmsg_contact_status_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_audience_unsubscribe(): validates, builds the request (the contact is
 * copied into it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  contact    As loopmsg_audience_unsubscribe(); borrowed for this call only.
 * @param[in]  cb         Completion callback (no result: the outcome is in its err); NULL =
 *                        none.
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_audience_unsubscribe() (cb is not called).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_unsubscribe_async(loopmsg_client *client, const char *contact, loopmsg_done_cb cb,
                                   void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_AUDIENCE_H */
