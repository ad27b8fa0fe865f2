/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/pool.h
 * @brief Sender pools: the list, details, create, update, delete.
 *
 * Loop's docs give the update and delete path as `/api/v1/sender/{id}/`, the sender route;
 * the library uses `/api/v1/pool/{id}/` instead (inferred from the details, list and new
 * paths, which all use `/api/v1/pool/`). Unverified against the live service.
 */
#ifndef LOOPMSG_POOL_H
#define LOOPMSG_POOL_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup pools Pools
 * @brief Read, create, update and delete pools of sender names.
 * @{
 */

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
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, or params refused as by
 *                                loopmsg_list_page() (a bad version, per_page, sort or date, or
 *                                a filter this list does not take: any but paging and sort);
 *                                err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pools_list(loopmsg_client *client,
                                                                const loopmsg_list_params *params,
                                                                loopmsg_page **page_out,
                                                                loopmsg_error *err);

/**
 * A pool as returned by details or creation. Details carry `status` (count 0), creation
 * carries `count` (status NULL): the two documented shapes differ. @since 0.2
 */
typedef struct loopmsg_pool_details {
    loopmsg_pool pool;  /**< id, name, count, create_date. */
    const char *status; /**< Details only; values not documented. */
    const char *raw;    /**< The whole response, NUL-terminated. */
    size_t raw_len;     /**< Length of raw without the NUL. */
} loopmsg_pool_details;

/**
 * Free a pool result.
 * @param[in]  pool  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_pool_details_free(loopmsg_pool_details *pool);

/** Fields of a new pool or of an update; unset fields are not sent. @since 0.2 */
typedef struct loopmsg_pool_params {
    unsigned int version;          /**< LOOPMSG_POOL_PARAMS_VERSION */
    const char *name;              /**< Pool name. */
    const char *const *sender_ids; /**< Sender name ids (`ids`); on update they replace the
                                        membership. */
    size_t sender_id_count;        /**< Entries in sender_ids; 0 = not sent. */
} loopmsg_pool_params;

/** Layout version of loopmsg_pool_params declared by this header. @since 0.2 */
#define LOOPMSG_POOL_PARAMS_VERSION 1
/** Initialiser of loopmsg_pool_params: the version set, every other field zero. @since 0.2 */
#define LOOPMSG_POOL_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_POOL_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_POOL_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_POOL_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_params_init(loopmsg_pool_params *out,
                                                                      unsigned int version);

/**
 * Details of a pool (GET /api/v1/pool/{id}/). Blocking.
 * @param[in]  client   The client; used by one thread at a time, not from one of its
 *                      callbacks (LOOPMSG_E_STATE).
 * @param[in]  pool_id  The pool's id; required, no control characters, at most 512 bytes;
 *                      borrowed.
 * @param[out] out      On LOOPMSG_OK a new result owned by the caller; free it with
 *                      loopmsg_pool_details_free(). NULL otherwise. Must not be NULL.
 * @param[out] err      Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or out NULL, a bad pool_id, or a client without a Loop
 *                                Message API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such pool (404).
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_get(loopmsg_client *client,
                                                              const char *pool_id,
                                                              loopmsg_pool_details **out,
                                                              loopmsg_error *err);

/**
 * Create a pool (POST /api/v1/pool/new/). Both fields are optional per the docs; at least
 * one must be set here. Blocking.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  The fields; borrowed; must not be NULL.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller; free it with
 *                     loopmsg_pool_details_free(). NULL otherwise. Must not be NULL.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client, params or out NULL, a bad version, no field set, a bad
 *                                sender id, or a client without a Loop Message API key (nothing
 *                                sent; err->message names the field).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_create(loopmsg_client *client,
                                                                 const loopmsg_pool_params *params,
                                                                 loopmsg_pool_details **out,
                                                                 loopmsg_error *err);

/**
 * Update a pool (PATCH /api/v1/pool/{id}/; the docs give the sender path, taken for a
 * documentation error) and wait for the answer. Blocking. Only the fields set are sent;
 * `sender_ids`, when given, replace the membership. At least one field must be set. Any 2xx
 * answer is success (its body is not read).
 * @param[in]  client   The client; used by one thread at a time, not from one of its callbacks
 *                      (LOOPMSG_E_STATE).
 * @param[in]  pool_id  The pool's id; required, no control characters, at most 512 bytes;
 *                      percent-encoded into the path. Borrowed for the call.
 * @param[in]  params   The fields to change; must not be NULL; borrowed for the call.
 * @param[out] err      Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or params NULL, a bad pool_id or version, no field set,
 *                                a bad sender id, or a client without a Loop Message API key
 *                                (nothing sent; err->message names the field).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such pool (404).
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_update(loopmsg_client *client,
                                                                 const char *pool_id,
                                                                 const loopmsg_pool_params *params,
                                                                 loopmsg_error *err);

/**
 * Delete a pool (DELETE /api/v1/pool/{id}/; the docs give the sender path, taken for a
 * documentation error) and wait for the answer. Blocking. Any 2xx answer is success (its body
 * is not read).
 * @param[in]  client   The client; used by one thread at a time, not from one of its callbacks
 *                      (LOOPMSG_E_STATE).
 * @param[in]  pool_id  As loopmsg_pool_update(); borrowed for the call.
 * @param[out] err      Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad pool_id, or a client without a Loop Message
 *                                API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such pool (404).
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_delete(loopmsg_client *client,
                                                                 const char *pool_id,
                                                                 loopmsg_error *err);

/**
 * Completion of an asynchronous pool get or create (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param pool       The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_pool_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_pool_details *pool, const loopmsg_error *err,
                                void *user_data);

/**
 * Asynchronous loopmsg_pool_get(): validates, builds the request (the id is copied into it) and
 * returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  pool_id    As loopmsg_pool_get(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_pool_get() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_pool_get_async(loopmsg_client *client, const char *pool_id, loopmsg_pool_cb cb,
                       void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_pool_create(): validates, builds the request (the fields are encoded
 * into it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  params     As loopmsg_pool_create(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_pool_create() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_create_async(
    loopmsg_client *client, const loopmsg_pool_params *params, loopmsg_pool_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_pool_update(): validates, builds the request (the id and fields are
 * copied into it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  pool_id    As loopmsg_pool_update(); borrowed for this call only.
 * @param[in]  params     As loopmsg_pool_update(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_pool_update() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pool_update_async(
    loopmsg_client *client, const char *pool_id, const loopmsg_pool_params *params,
    loopmsg_done_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_pool_delete(): validates, builds the request (the id is copied into it)
 * and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  pool_id    As loopmsg_pool_delete(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_pool_delete() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_pool_delete_async(loopmsg_client *client, const char *pool_id, loopmsg_done_cb cb,
                          void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_POOL_H */
