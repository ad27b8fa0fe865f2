/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/sender.h
 * @brief Sender names: the list, details, move, cancel, plans and orders.
 *
 * A sender name is the phone number or email address contacts see; its id is the value of
 * `sender` in sends and typing. Pools (their list, details and changes) are in
 * <loopmsg/pool.h>.
 */
#ifndef LOOPMSG_SENDER_H
#define LOOPMSG_SENDER_H

#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup senders Sender names
 * @brief The senders list, and a sender name's details.
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
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_senders_list(loopmsg_client *client,
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

/* ---- manage: move, cancel --------------------------------------------------------------- */

/**
 * Move a sender name to another organization (PATCH /api/v1/sender/{id}/ with
 * `organization_id`) and wait for the answer. Blocking. Needs the default organization's
 * key (the account's first organization): Loop answers another key with an API error. The
 * arguments are checked before any I/O.
 * @param[in]  client           The client; used by one thread at a time, not from one of
 *                              its callbacks (LOOPMSG_E_STATE).
 * @param[in]  sender_id        The sender name id (loopmsg_sender::id); required, no control
 *                              characters, at most 512 bytes; percent-encoded into the path.
 *                              Borrowed for the call.
 * @param[in]  organization_id  The organization to move it to (an id from the organizations
 *                              list); required, the same rules as sender_id; sent in the
 *                              JSON body. Borrowed for the call.
 * @param[out] out              Optional (NULL to ignore the answer): on LOOPMSG_OK a new
 *                              result owned by the caller, the sender as the server returns
 *                              it; free it with loopmsg_sender_details_free(). NULL otherwise.
 * @param[out] err              Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad sender_id or organization_id, or a
 *                                client without a Loop Message API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such sender name (404).
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an id.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_move(loopmsg_client *client,
                                                                 const char *sender_id,
                                                                 const char *organization_id,
                                                                 loopmsg_sender_details **out,
                                                                 loopmsg_error *err);

/**
 * Asynchronous loopmsg_sender_move(): validates, builds the request (the ids are copied into
 * it) and returns at once. `cb` receives the moved sender, borrowed until it returns.
 * @param[in]  client           The client; used by one thread at a time; may be called from
 *                              one of its callbacks.
 * @param[in]  sender_id        As loopmsg_sender_move(); borrowed for this call only.
 * @param[in]  organization_id  As loopmsg_sender_move(); borrowed for this call only.
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
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_sender_move() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_move_async(
    loopmsg_client *client, const char *sender_id, const char *organization_id,
    loopmsg_sender_details_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Cancel a sender name at once (DELETE /api/v1/sender/{id}/cancel/) and wait for the answer.
 * Blocking. Refunds follow Loop's helpdesk policy; a `sender_name_updated` webhook may
 * follow. Any 2xx answer is success (its body is not read). Like every DELETE it may be
 * retried after a timeout, a dropped connection, 502 or 504 (the client's retry options).
 * @param[in]  client     The client; used by one thread at a time, not from one of its
 *                        callbacks (LOOPMSG_E_STATE).
 * @param[in]  sender_id  The sender name id (loopmsg_sender::id); required, no control
 *                        characters, at most 512 bytes; percent-encoded into the path.
 *                        Borrowed for the call.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, a bad sender_id, or a client without a Loop
 *                                Message API key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_NOT_FOUND    no such sender name (404).
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_cancel(loopmsg_client *client,
                                                                   const char *sender_id,
                                                                   loopmsg_error *err);

/**
 * Asynchronous loopmsg_sender_cancel(): validates, builds the request and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one
 *                        of its callbacks.
 * @param[in]  sender_id  As loopmsg_sender_cancel(); borrowed for this call only.
 * @param[in]  cb         Completion callback (no result: the outcome is in its err); NULL =
 *                        none.
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        the client is being freed (called from one of its
 *                                callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_sender_cancel() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_sender_cancel_async(loopmsg_client *client, const char *sender_id, loopmsg_done_cb cb,
                            void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/* ---- plans ------------------------------------------------------------------------------ */

/**
 * A payment plan for sender names (GET /api/v1/sender/plans/). Strings are NULL when absent;
 * they live as long as the loopmsg_sender_plans that holds them.
 * @since 0.2
 */
typedef struct loopmsg_sender_plan {
    const char *id;        /**< The `plan_id` of an order. */
    const char *name;      /**< Plan name. */
    long daily_contacts;   /**< Daily contact allowance (0 when absent). */
    long monthly_contacts; /**< Monthly contact allowance (0 when absent). */
    double monthly_fee;    /**< Price per month, in `currency`. */
    const char *currency;  /**< ISO 4217, e.g. "USD". */
} loopmsg_sender_plan;

/**
 * The plans on offer. Library-allocated and read-only, in one allocation: every pointer
 * lives until loopmsg_sender_plans_free().
 * @since 0.2
 */
typedef struct loopmsg_sender_plans {
    const loopmsg_sender_plan *items; /**< item_count plans. */
    size_t item_count;                /**< Number of entries of `items`. */
    int count;                        /**< The server's `count` (-1 when absent). */
    const char *raw;                  /**< The whole response. */
    size_t raw_len;                   /**< Length of `raw` in bytes. */
} loopmsg_sender_plans;

/**
 * Free a plans result.
 * @param[in] plans  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_sender_plans_free(loopmsg_sender_plans *plans);

/**
 * Get the payment plans on offer (GET /api/v1/sender/plans/; not paginated) and wait for
 * them. Blocking.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller: free it with
 *                     loopmsg_sender_plans_free(). NULL otherwise. Must not be NULL.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or out NULL, or a client without a Loop Message API
 *                                key (nothing sent).
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an `items` array of
 *                                objects, or a field has the wrong type.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_plans_get(loopmsg_client *client,
                                                                      loopmsg_sender_plans **out,
                                                                      loopmsg_error *err);

/**
 * Completion of an asynchronous plans request (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param plans      The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_sender_plans_cb)(loopmsg_client *client, loopmsg_request_id id,
                                        const loopmsg_sender_plans *plans, const loopmsg_error *err,
                                        void *user_data);

/**
 * Asynchronous loopmsg_sender_plans_get(): builds the request and returns at once.
 * @param[in]  client     The client; used by one thread at a time; may be called from one
 *                        of its callbacks.
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
 * @retval LOOPMSG_E_INVALID_ARG  client NULL, or a client without a Loop Message API key
 *                                (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_sender_plans_get_async(loopmsg_client *client, loopmsg_sender_plans_cb cb, void *user_data,
                               loopmsg_request_id *id_out, loopmsg_error *err);

/* ---- order ------------------------------------------------------------------------------ */

/** The minimum spacing of two orders from one client (Loop: one order per 30 s). @since 0.2 */
#define LOOPMSG_SENDER_ORDER_SPACING_MS 30000

/** The contact card shown for a phone sender (`contact`, iMessage and WhatsApp). @since 0.2 */
typedef struct loopmsg_sender_contact_card {
    const char *first_name; /**< Required when the card is given. */
    const char *last_name;  /**< Optional. */
    const char *photo_url;  /**< Optional public https:// URL of a square (1:1) image. */
} loopmsg_sender_contact_card;

/** An existing number to port in instead of buying a new one (`port`). @since 0.2 */
typedef struct loopmsg_sender_port {
    const char *phone_number;   /**< Required: the number, international format (+1323...). */
    const char *account_number; /**< Required: account number at the losing carrier. */
    const char *pin;            /**< Required: the porting PIN. */
    const char *carrier;        /**< Required: the losing carrier, e.g. "Twilio". */
} loopmsg_sender_port;

/**
 * One sender name to order. An email sender sets `email_name` and `email_domain` (and no
 * phone field); a phone sender leaves both unset. Unset fields are not sent.
 * @since 0.2
 */
typedef struct loopmsg_sender_order_item {
    const char *plan_id;      /**< Required: from loopmsg_sender_plans_get(). */
    const char *phone_region; /**< Phone: "US" or "GB"; NULL sends "US" (the docs' default). */
    const char *zip_code;     /**< Phone, US only: 5 digits. */
    bool sms_and_call;        /**< Phone: `sms_and_call`. */
    const char *forwarding_to_phone_number;     /**< Phone: needs sms_and_call. */
    bool rcs;                                   /**< Phone: `rcs`. */
    bool whatsapp;                              /**< Phone: `whatsapp`. */
    bool init_conversations;                    /**< Phone: may start conversations. */
    const loopmsg_sender_contact_card *contact; /**< Phone: optional contact card. */
    const loopmsg_sender_port *port;            /**< Phone: optional number to port in. */
    const char *email_name;                     /**< Email: the local part (`name`). */
    const char *email_domain;                   /**< Email: the domain (`domain`). */
} loopmsg_sender_order_item;

/**
 * An order of one or more sender names (POST /api/v1/sender/new/). One item is sent as the
 * documented single form (its fields at the top level); several go in `senders` (the bulk
 * form, phone and email items mixed).
 * @since 0.2
 */
typedef struct loopmsg_sender_order_params {
    unsigned int version;                   /**< LOOPMSG_SENDER_ORDER_PARAMS_VERSION */
    const loopmsg_sender_order_item *items; /**< item_count items; at least one. */
    size_t item_count;                      /**< Number of entries of `items`. */
    bool test; /**< A test purchase (`"test": true` at the top level of the body): the
                    activation webhook follows within minutes. */
} loopmsg_sender_order_params;

/** Version of loopmsg_sender_order_params in this header. @since 0.2 */
#define LOOPMSG_SENDER_ORDER_PARAMS_VERSION 1
/** Initialiser of loopmsg_sender_order_params. @since 0.2 */
#define LOOPMSG_SENDER_ORDER_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_SENDER_ORDER_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_SENDER_ORDER_PARAMS_INIT does: for callers that cannot expand C
 * macros (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_SENDER_ORDER_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_sender_order_params_init(loopmsg_sender_order_params *out, unsigned int version);

/** One ordered sender name, as echoed by the server. @since 0.2 */
typedef struct loopmsg_sender_order_entry {
    const char *id;           /**< The new sender name id (the `sender` of its webhook). */
    const char *name;         /**< Email senders: the full address; NULL for phone senders. */
    const char *phone_region; /**< Phone senders: the echoed region. */
    const char *zip_code;     /**< Phone senders: the echoed zip code, if any. */
    const char *json;         /**< The item as compact JSON text (other echoed fields). */
} loopmsg_sender_order_entry;

/**
 * The answer to an order. Library-allocated and read-only, in one allocation: every pointer
 * lives until loopmsg_sender_order_result_free().
 * @since 0.2
 */
typedef struct loopmsg_sender_order_result {
    const loopmsg_sender_order_entry *items; /**< item_count entries. */
    size_t item_count;                       /**< Number of entries of `items`. */
    int count;                               /**< The server's `count` (-1 when absent). */
    const char *raw;                         /**< The whole response. */
    size_t raw_len;                          /**< Length of `raw` in bytes. */
} loopmsg_sender_order_result;

/**
 * Free an order result.
 * @param[in] order  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_sender_order_result_free(loopmsg_sender_order_result *order);

/**
 * Order sender names. Loop charges the account's card at once and allows one order every
 * 30 s, so this call:
 * - is never resent automatically, whatever the client's retry settings: only an attempt
 *   whose connection failed before any byte left is tried again;
 * - refuses a second order from the same client within LOOPMSG_SENDER_ORDER_SPACING_MS of the
 *   previous one with LOOPMSG_E_STATE (nothing sent; `retry_after_ms` and the message say
 *   when it may be tried again). An order that failed before anything was sent does not
 *   count;
 * - reports every failure whose outcome is unknown (LOOPMSG_ERRF_MAYBE_DELIVERED: sent, then
 *   no readable answer) with a message saying that the order may have been charged: check
 *   the sender list before ordering again.
 * Validation (before any I/O, naming the field, e.g. "items[1].plan_id"): at least one item;
 * each has a plan_id; an email item has both email fields and no phone field; phone_region
 * is US or GB; zip_code is 5 digits and US only; forwarding needs sms_and_call; a contact
 * card has a first_name and an https photo_url; a port has its four fields.
 * Blocking.
 * @param[in]  client  The client; used by one thread at a time, not from one of its
 *                     callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  The order (LOOPMSG_SENDER_ORDER_PARAMS_INIT); must not be NULL;
 *                     borrowed for the call (encoded into the request before it is sent).
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller: free it with
 *                     loopmsg_sender_order_result_free(). NULL otherwise. Must not be NULL.
 * @param[out] err     Optional; always written. On a refusal by the 30-s guard,
 *                     `retry_after_ms` says how long to wait and `flags` is
 *                     LOOPMSG_ERRF_RETRYABLE.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client, params or out NULL, a bad version, an invalid item
 *                                (err->message names the field), or a client without a Loop
 *                                Message API key (nothing sent).
 * @retval LOOPMSG_E_STATE        an order from this client less than 30 s ago (nothing
 *                                sent), or called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not an object with an `items` array.
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory): see err, and its
 *         LOOPMSG_ERRF_MAYBE_DELIVERED flag before ordering again.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_sender_order(loopmsg_client *client, const loopmsg_sender_order_params *params,
                     loopmsg_sender_order_result **out, loopmsg_error *err);

/**
 * Completion of an asynchronous order (see loopmsg_done_cb for the rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param order      The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome, with the same "may have been charged" message as
 *                   loopmsg_sender_order(); never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_sender_order_cb)(loopmsg_client *client, loopmsg_request_id id,
                                        const loopmsg_sender_order_result *order,
                                        const loopmsg_error *err, void *user_data);

/**
 * Asynchronous loopmsg_sender_order(), with the same validation, guard and error rules:
 * validates, encodes the order into the request (params may be reused at once) and returns.
 * The 30-s guard counts from the submission; an order that then fails before any byte left
 * releases it.
 * @param[in]  client     The client; used by one thread at a time; may be called from one
 *                        of its callbacks.
 * @param[in]  params     As loopmsg_sender_order(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once, later, on the thread that
 *                                drives the client (see loopmsg_done_cb).
 * @retval LOOPMSG_E_STATE        an order from this client less than 30 s ago, or the client
 *                                is being freed (called from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_sender_order() (cb is not called).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_sender_order_async(
    loopmsg_client *client, const loopmsg_sender_order_params *params, loopmsg_sender_order_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_SENDER_H */
