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

/** Wire name of a contact status ("active"); NULL for OTHER. @since 0.1 */
LOOPMSG_API const char *loopmsg_contact_status_name(loopmsg_contact_status status);

/**
 * Check a contact's status (GET /api/v1/audience/check-status/{contact}/).
 * Blocking; not from one of the client's callbacks (LOOPMSG_E_STATE).
 * @param[in]  client      The client; used by one thread at a time.
 * @param[in]  contact     International phone starting with '+', or an email; borrowed.
 * @param[out] err         Optional; always written.
 * @param[out] status_out  The status.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_check_status(loopmsg_client *client, const char *contact,
                              loopmsg_contact_status *status_out, loopmsg_error *err);

/**
 * Unsubscribe a contact (DELETE /api/v1/audience/delete/{contact}/). A 204 with no body and
 * a 2xx JSON body are both success.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_audience_unsubscribe(loopmsg_client *client,
                                                                          const char *contact,
                                                                          loopmsg_error *err);

/** One page of the audience: loopmsg_list_page(LOOPMSG_LIST_AUDIENCE). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_list(loopmsg_client *client, const loopmsg_list_params *params,
                      loopmsg_page **page_out, loopmsg_error *err);

/** One page of a contact's message history (params->contact required). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_history(loopmsg_client *client, const loopmsg_list_params *params,
                         loopmsg_page **page_out, loopmsg_error *err);

/** Completion of an asynchronous status check. @since 0.1 */
typedef void (*loopmsg_contact_status_cb)(loopmsg_client *client, loopmsg_request_id id,
                                          loopmsg_contact_status status, const loopmsg_error *err,
                                          void *user_data);

/** Asynchronous loopmsg_audience_check_status(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_audience_check_status_async(
    loopmsg_client *client, const char *contact, loopmsg_contact_status_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/** Asynchronous loopmsg_audience_unsubscribe(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_audience_unsubscribe_async(loopmsg_client *client, const char *contact, loopmsg_done_cb cb,
                                   void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_AUDIENCE_H */
