/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/sender.h
 * @brief Sender names: the senders and pools lists, and one sender name's details.
 *
 * A sender name is the phone number or email address contacts see; its id is the value of
 * `sender` in sends and typing. Pool details and changes are in <loopmsg/pool.h>.
 */
#ifndef LOOPMSG_SENDER_H
#define LOOPMSG_SENDER_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup senders Sender names
 * @brief The senders and pools lists, and a sender name's details.
 * @{
 */

/**
 * One page of sender names: loopmsg_list_page() with LOOPMSG_LIST_SENDERS. Blocking.
 * @param[in]  client    The client; used by one thread at a time, not from one of its
 *                       callbacks (LOOPMSG_E_STATE).
 * @param[in]  params    Paging and sort (no other filter is accepted); borrowed for the
 *                       call; NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::senders set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @return as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_senders_list(loopmsg_client *client,
                                                                  const loopmsg_list_params *params,
                                                                  loopmsg_page **page_out,
                                                                  loopmsg_error *err);

/**
 * One page of pools: loopmsg_list_page() with LOOPMSG_LIST_POOLS. Blocking.
 * @param[in]  client    The client; used by one thread at a time, not from one of its
 *                       callbacks (LOOPMSG_E_STATE).
 * @param[in]  params    Paging and sort (no other filter is accepted); borrowed for the
 *                       call; NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::pools set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @return as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pools_list(loopmsg_client *client,
                                                                const loopmsg_list_params *params,
                                                                loopmsg_page **page_out,
                                                                loopmsg_error *err);

/**
 * Details of one sender name (GET /api/v1/sender/{id}/). Library-allocated and read-only,
 * in one allocation: every pointer lives until loopmsg_sender_details_free().
 * @since 0.1
 */
typedef struct loopmsg_sender_details {
    loopmsg_sender sender; /**< The documented fields; NULL when absent (the id is always
                                set: a response without one is LOOPMSG_E_PROTOCOL). */
    const char *raw;       /**< The whole response, NUL-terminated (it may carry more
                                fields). */
    size_t raw_len;        /**< Length of raw without the NUL. */
} loopmsg_sender_details;

/**
 * Get a sender name's details and wait for them. Blocking.
 * @param[in]  client     The client; used by one thread at a time, not from one of its
 *                        callbacks (LOOPMSG_E_STATE).
 * @param[in]  sender_id  The sender name's id (loopmsg_sender::id); required, no control
 *                        characters, at most 512 bytes; percent-encoded into the path.
 *                        Borrowed for the call.
 * @param[out] out        On LOOPMSG_OK a new result owned by the caller: free it with
 *                        loopmsg_sender_details_free(). NULL otherwise. Must not be NULL.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or out NULL, or a bad sender_id.
 * @retval LOOPMSG_E_NOT_FOUND    no such sender name (404).
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_get(loopmsg_client *client,
                                                                const char *sender_id,
                                                                loopmsg_sender_details **out,
                                                                loopmsg_error *err);

/**
 * Free sender details.
 * @param[in] details  A result of this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_sender_details_free(loopmsg_sender_details *details);

/**
 * Completion of an asynchronous sender lookup (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param details    The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_sender_details_cb)(loopmsg_client *client, loopmsg_request_id id,
                                          const loopmsg_sender_details *details,
                                          const loopmsg_error *err, void *user_data);

/**
 * Asynchronous loopmsg_sender_get(): validates, submits and returns at once.
 * @param[in]  client     The client.
 * @param[in]  sender_id  As loopmsg_sender_get(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  client NULL or a bad sender_id (cb is not called).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_get_async(
    loopmsg_client *client, const char *sender_id, loopmsg_sender_details_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_SENDER_H */
