/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/org.h
 * @brief Organizations of the account: list, details, create, update, delete.
 *
 * Loop documents that listing, creating, updating and deleting organizations need the
 * **default organization's** key (the first organization of the account) and active paid
 * services; they do not work in the sandbox. With another organization's key, details are
 * readable for that organization only. The error for a wrong key is not documented; it
 * arrives as an ordinary API error.
 */
#ifndef LOOPMSG_ORG_H
#define LOOPMSG_ORG_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup orgs Organizations
 * @brief List, read, create, update and delete the account's organizations.
 * @{
 */

/**
 * One page of organizations (GET /api/v1/organizations/list/): loopmsg_list_page() with
 * LOOPMSG_LIST_ORGANIZATIONS. Blocking. Needs the default organization's key (the account's
 * first organization). Iterate with loopmsg_pager_new() or collect every page with
 * loopmsg_list_all() and the same kind.
 * @param[in]  client    The client; used by one thread at a time, not from one of its callbacks
 *                       (LOOPMSG_E_STATE).
 * @param[in]  params    Paging, sort and `search` (by name; another filter is refused);
 *                       borrowed for the call; NULL = all unset.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller, with
 *                       loopmsg_page::organizations set: free it with loopmsg_page_free(). NULL
 *                       otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, or params refused as by
 *                                loopmsg_list_page() (a bad version, per_page, sort or date, or
 *                                a filter this list does not take: dates, contact, direction,
 *                                type); err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_orgs_list(loopmsg_client *client,
                                                               const loopmsg_list_params *params,
                                                               loopmsg_page **page_out,
                                                               loopmsg_error *err);

/**
 * An organization as returned by details, create and update. `org.api_key` is set only when
 * the server returned one (creation returns it only when a webhook URL was given). The key
 * is secret: the library never logs it, and loopmsg_org_free() overwrites it (and `raw`,
 * which contains it) before releasing the memory.
 * @since 0.2
 */
typedef struct loopmsg_org {
    loopmsg_organization org; /**< The documented fields; NULL when absent. */
    const char *raw;          /**< The whole response, NUL-terminated (it may carry more
                                   fields). */
    size_t raw_len;           /**< Length of raw without the NUL. */
} loopmsg_org;

/**
 * Free an organization result, wiping its key (and `raw`) first.
 * @param[in]  org  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_org_free(loopmsg_org *org);

/**
 * Fields of a new organization or of an update (PATCH: only the fields set are sent).
 * Every string is copied into the request; NULL or "" means "not set".
 * @since 0.2
 */
typedef struct loopmsg_org_params {
    unsigned int version;       /**< LOOPMSG_ORG_PARAMS_VERSION */
    const char *name;           /**< Required to create. */
    const char *website;        /**< http:// or https:// URL without spaces; required to
                                     create. */
    const char *support_url;    /**< http:// or https:// URL without spaces; required to
                                     create. */
    const char *country;        /**< ISO 3166-1 alpha-2 in capitals ("US"); required to
                                     create. */
    const char *webhook_url;    /**< http:// or https:// URL receiving this organization's
                                     webhooks. */
    const char *webhook_header; /**< Sent verbatim as `Authorization` on those webhooks; on
                                     create it needs webhook_url. */
} loopmsg_org_params;

/** Layout version of loopmsg_org_params declared by this header. @since 0.2 */
#define LOOPMSG_ORG_PARAMS_VERSION 1
/** Initialiser of loopmsg_org_params: the version set, every other field zero. @since 0.2 */
#define LOOPMSG_ORG_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_ORG_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_ORG_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_ORG_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_params_init(loopmsg_org_params *out,
                                                                     unsigned int version);

/**
 * Details of one organization (GET /api/v1/organizations/details/{id}/). Blocking.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  org_id  The organization's id; required, no control characters, at most 512
 *                     bytes; borrowed.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller; free it with
 *                     loopmsg_org_free(). NULL otherwise. Must not be NULL.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or out NULL, a bad org_id, or a client without a Loop
 *                                Message API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such organization (404).
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_get(loopmsg_client *client,
                                                             const char *org_id, loopmsg_org **out,
                                                             loopmsg_error *err);

/**
 * Create an organization (POST /api/v1/organizations/new/). name, website, support_url and
 * country are required (checked before any I/O). The new organization's key comes back in
 * `(*out)->org.api_key` only when `webhook_url` was given. Blocking.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  The fields; borrowed; must not be NULL.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller; free it with
 *                     loopmsg_org_free(). NULL otherwise. Must not be NULL.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client, params or out NULL, a bad version, a missing or bad
 *                                field, or a client without a Loop Message API key (nothing
 *                                sent; err->message names the field).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_create(loopmsg_client *client,
                                                                const loopmsg_org_params *params,
                                                                loopmsg_org **out,
                                                                loopmsg_error *err);

/**
 * Update an organization (PATCH /api/v1/organizations/details/{id}/; only the fields set are
 * sent) and wait for the answer. Blocking. Needs the default organization's key (the account's
 * first organization). The fields are checked before any I/O, as for loopmsg_org_create(), but
 * none is required: at least one must be set.
 * @param[in]  client  The client; used by one thread at a time, not from one of its callbacks
 *                     (LOOPMSG_E_STATE).
 * @param[in]  org_id  The organization's id; required, no control characters, at most 512
 *                     bytes; percent-encoded into the path. Borrowed for the call.
 * @param[in]  params  The fields to change; must not be NULL; borrowed for the call.
 * @param[out] out     Optional (NULL to ignore the answer): on LOOPMSG_OK a new result owned by
 *                     the caller, the organization as the server returns it; free it with
 *                     loopmsg_org_free(). NULL otherwise.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or params NULL, a bad org_id or version, no field set,
 *                                a bad field, or a client without a Loop Message API key
 *                                (nothing sent; err->message names the field).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such organization (404).
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_update(loopmsg_client *client,
                                                                const char *org_id,
                                                                const loopmsg_org_params *params,
                                                                loopmsg_org **out,
                                                                loopmsg_error *err);

/**
 * Delete an organization (DELETE /api/v1/organizations/details/{id}/) and wait for the answer.
 * Blocking. Needs the default organization's key (the account's first organization). Loop
 * refuses while sender names are assigned to it: move or cancel them first. Any 2xx answer is
 * success (its body is not read).
 * @param[in]  client  The client; used by one thread at a time, not from one of its callbacks
 *                     (LOOPMSG_E_STATE).
 * @param[in]  org_id  As loopmsg_org_update(); borrowed for the call.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad org_id, or a client without a Loop Message
 *                                API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such organization (404).
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_delete(loopmsg_client *client,
                                                                const char *org_id,
                                                                loopmsg_error *err);

/**
 * Completion of an asynchronous organization get, create or update (see loopmsg_done_cb for the
 * rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param org        The result, borrowed until the callback returns (NULL on failure); its
 *                        key is wiped when the callback returns.
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_org_cb)(loopmsg_client *client, loopmsg_request_id id,
                               const loopmsg_org *org, const loopmsg_error *err, void *user_data);

/**
 * Asynchronous loopmsg_org_get(): validates, builds the request (the id is copied into it) and
 * returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  org_id     As loopmsg_org_get(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_org_get() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_org_get_async(loopmsg_client *client, const char *org_id, loopmsg_org_cb cb,
                      void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_org_create(): validates, builds the request (the fields are encoded into
 * it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  params     As loopmsg_org_create(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_org_create() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_create_async(
    loopmsg_client *client, const loopmsg_org_params *params, loopmsg_org_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_org_update(): validates, builds the request (the id and fields are
 * copied into it) and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  org_id     As loopmsg_org_update(); borrowed for this call only.
 * @param[in]  params     As loopmsg_org_update(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when the
 *                        call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_org_update() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_org_update_async(
    loopmsg_client *client, const char *org_id, const loopmsg_org_params *params, loopmsg_org_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_org_delete(): validates, builds the request (the id is copied into it)
 * and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one of
 *                        its callbacks.
 * @param[in]  org_id     As loopmsg_org_delete(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_org_delete() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_org_delete_async(loopmsg_client *client, const char *org_id, loopmsg_done_cb cb,
                         void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_ORG_H */
