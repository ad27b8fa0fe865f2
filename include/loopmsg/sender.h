/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/sender.h
 * @brief Sender names and pools.
 */
#ifndef LOOPMSG_SENDER_H
#define LOOPMSG_SENDER_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/** One page of sender names: loopmsg_list_page(LOOPMSG_LIST_SENDERS). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_senders_list(loopmsg_client *client,
                                                                  const loopmsg_list_params *params,
                                                                  loopmsg_page **page_out,
                                                                  loopmsg_error *err);

/** One page of pools: loopmsg_list_page(LOOPMSG_LIST_POOLS). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pools_list(loopmsg_client *client,
                                                                const loopmsg_list_params *params,
                                                                loopmsg_page **page_out,
                                                                loopmsg_error *err);

/** Details of one sender name (GET /api/v1/sender/{id}/). @since 0.1 */
typedef struct loopmsg_sender_details {
    loopmsg_sender sender; /**< The documented fields; NULL when absent. */
    const char *raw;       /**< The whole response (it may carry more fields). */
    size_t raw_len;
} loopmsg_sender_details;

/**
 * Get a sender name's details.
 * @param[out] out  On LOOPMSG_OK a new result; free with loopmsg_sender_details_free().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_get(loopmsg_client *client,
                                                                const char *sender_id,
                                                                loopmsg_sender_details **out,
                                                                loopmsg_error *err);

/** Free sender details. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_sender_details_free(loopmsg_sender_details *details);

/** Completion of an asynchronous sender lookup. @since 0.1 */
typedef void (*loopmsg_sender_details_cb)(loopmsg_client *client, loopmsg_request_id id,
                                          const loopmsg_sender_details *details,
                                          const loopmsg_error *err, void *user_data);

/** Asynchronous loopmsg_sender_get(). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_get_async(
    loopmsg_client *client, const char *sender_id, loopmsg_sender_details_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

LOOPMSG_END_DECL

#endif /* LOOPMSG_SENDER_H */
