/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/list.h
 * @brief Paginated list endpoints: one page, a page iterator, and collect-all.
 *
 * Every list endpoint of the API (audience, message history, senders, pools, opt-in
 * history, webhook delivery history, organizations) goes through the same mechanism: one
 * page (loopmsg_list_page()), an iterator (loopmsg_pager_new(), loopmsg_pager_next()) and
 * collect-all (loopmsg_list_all()). Iteration stops after the page whose number is
 * `num_pages` or more, after a page without `num_pages`, after a page with no items, or at
 * the page cap (loopmsg_list_params::max_pages, default LOOPMSG_DEFAULT_MAX_PAGES); no page
 * is requested twice.
 */
#ifndef LOOPMSG_LIST_H
#define LOOPMSG_LIST_H

#include "client.h"
#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup lists Lists and pagination
 * @brief One page, a page iterator and collect-all over every list endpoint.
 *
 * Unset parameters are not sent (the server's defaults apply). A page is one allocation:
 * every pointer in it lives until loopmsg_page_free().
 * @{
 */

/** Which list. @since 0.1 */
typedef enum loopmsg_list_kind {
    LOOPMSG_LIST_AUDIENCE = 1,       /**< GET /api/v1/audience/list/: loopmsg_page::contacts. */
    LOOPMSG_LIST_MESSAGE_HISTORY,    /**< GET /api/v1/audience/messages/{contact}/:
                                          loopmsg_page::messages. */
    LOOPMSG_LIST_SENDERS,            /**< GET /api/v1/sender/list/: loopmsg_page::senders. */
    LOOPMSG_LIST_POOLS,              /**< GET /api/v1/pool/list/: loopmsg_page::pools. */
    LOOPMSG_LIST_OPT_INS,            /**< GET /api/v1/audience/tracker/ (opt-in history):
                                          loopmsg_page::opt_ins. */
    LOOPMSG_LIST_WEBHOOK_DELIVERIES, /**< GET /api/v1/webhooks/history/:
                                          loopmsg_page::deliveries. */
    LOOPMSG_LIST_ORGANIZATIONS,      /**< GET /api/v1/organizations/list/:
                                          loopmsg_page::organizations. @since 0.2 */
    LOOPMSG_LIST_LOOKUPS             /**< GET /customer/api/v1/lookup-history/ on the
                                          LoopLookup host (see loopmsg_lookup_history()):
                                          loopmsg_page::lookups. @since 0.2 */
} loopmsg_list_kind;

/** Sort order, sent as `sort_by`. Every list accepts it. @since 0.1 */
typedef enum loopmsg_sort {
    LOOPMSG_SORT_DEFAULT = 0, /**< Not sent: the server's order (descending). */
    LOOPMSG_SORT_ASC,         /**< `sort_by=asc`: oldest first. */
    LOOPMSG_SORT_DESC         /**< `sort_by=desc`: newest first. */
} loopmsg_sort;

/** Message direction filter of the message history, sent as `direction`. @since 0.1 */
typedef enum loopmsg_direction {
    LOOPMSG_DIRECTION_ANY = 0, /**< Not sent: both directions. */
    LOOPMSG_DIRECTION_INBOUND, /**< `direction=inbound`: messages from the contact. */
    LOOPMSG_DIRECTION_OUTBOUND /**< `direction=outbound`: messages to the contact. */
} loopmsg_direction;

/** Default page cap of iterators and collect-all (loopmsg_list_params::max_pages 0). @since 0.1 */
#define LOOPMSG_DEFAULT_MAX_PAGES 1000u
/** Largest per_page the API documents; a larger one is refused (LOOPMSG_E_INVALID_ARG). @since 0.1
 */
#define LOOPMSG_MAX_PER_PAGE 1000u

/**
 * Paging and filter parameters, shared by every list. Initialise with
 * LOOPMSG_LIST_PARAMS_INIT (or loopmsg_list_params_init()). Zero, NULL and "" mean "not
 * sent" (the server's default). A filter the chosen list does not support is refused with
 * LOOPMSG_E_INVALID_ARG, naming the field:
 *  - `from_date`, `to_date`: audience, message history, opt-in history;
 *  - `search`: audience, organizations;
 *  - `contact` (required), `direction`, `type`: message history only;
 *  - `sort`, `page`, `per_page`, `max_pages`: every list.
 *
 * The struct and its strings are borrowed by each call; loopmsg_pager_new() copies them.
 * @since 0.1
 */
typedef struct loopmsg_list_params {
    unsigned int version;        /**< LOOPMSG_LIST_PARAMS_VERSION */
    unsigned int page;           /**< 1-based; 0 = not sent (the server's first page). Iterators
                                      start here (0 = 1). */
    unsigned int per_page;       /**< 1..LOOPMSG_MAX_PER_PAGE (lookup history: 1..5000); 0 =
                                      not sent (the server's default; iterators and
                                      collect-all send 100). */
    loopmsg_sort sort;           /**< LOOPMSG_SORT_DEFAULT = not sent; another value is refused. */
    const char *from_date;       /**< First day, a real date written YYYY-MM-DD (see
                                      loopmsg_date_valid()): audience, history, opt-ins. */
    const char *to_date;         /**< Last day, YYYY-MM-DD: audience, history, opt-ins. */
    const char *search;          /**< Audience (phone or email), organizations (name).
                                      Valid UTF-8; percent-encoded into the query. */
    const char *contact;         /**< Required for message history (phone, email or contact
                                      id; no control characters, at most 512 bytes); refused
                                      elsewhere. */
    loopmsg_direction direction; /**< History only; LOOPMSG_DIRECTION_ANY = not sent. */
    const char *type;            /**< Message type filter (e.g. "text"): history only. */
    unsigned int max_pages;      /**< Iterators and collect-all: page cap; 0 =
                                      LOOPMSG_DEFAULT_MAX_PAGES. Ignored by
                                      loopmsg_list_page(). */
} loopmsg_list_params;

/** Layout version of loopmsg_list_params declared by this header. @since 0.1 */
#define LOOPMSG_LIST_PARAMS_VERSION 1
/** Initialiser of loopmsg_list_params: the version set, every other field zero. @since 0.1 */
#define LOOPMSG_LIST_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_LIST_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_LIST_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_LIST_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_list_params_init(loopmsg_list_params *out,
                                                                      unsigned int version);

/**
 * Whether a string is a real calendar date written YYYY-MM-DD (year 0001-9999, month
 * 01-12, the day within the month, 29 February in leap years only). Pure; thread-safe.
 * @param[in] s  The string; NULL gives false.
 * @return true for a valid date.
 * @since 0.1
 */
LOOPMSG_API bool loopmsg_date_valid(const char *s);

/**
 * An audience entry (LOOPMSG_LIST_AUDIENCE). Strings are borrowed from the page; NULL when
 * the server left them out.
 * @since 0.1
 */
typedef struct loopmsg_contact {
    const char *id;    /**< Contact id. */
    const char *value; /**< Phone number or email. */
} loopmsg_contact;

/**
 * A message of a contact's history (LOOPMSG_LIST_MESSAGE_HISTORY). Strings are borrowed
 * from the page; NULL when the server left them out.
 * @since 0.1
 */
typedef struct loopmsg_history_item {
    const char *id;          /**< Message id. */
    const char *create_date; /**< When the message was created, as the server wrote it. */
    const char *channel;     /**< "imessage", "sms", "rcs" or "whatsapp". */
    const char *direction;   /**< "inbound" or "outbound". */
    const char *language;    /**< A plain string here (e.g. "EN"). */
    const char *type;        /**< Message type, e.g. "text". */
    const char *text;        /**< Message text. */
} loopmsg_history_item;

/**
 * A sender name (LOOPMSG_LIST_SENDERS, and loopmsg_sender_details::sender). Strings are
 * borrowed from the page or result; NULL when the server left them out.
 * @since 0.1
 */
typedef struct loopmsg_sender {
    const char *id;            /**< The value for `sender` in sends and typing. */
    const char *name;          /**< The name contacts see (phone number or email). */
    const char *status;        /**< active, pending, canceled, suspended. */
    const char *create_date;   /**< When it was created, as the server wrote it. */
    const char *imessage_link; /**< A link that opens a conversation with this sender. */
} loopmsg_sender;

/**
 * A pool of sender names (LOOPMSG_LIST_POOLS, and loopmsg_pool_details::pool). Strings are
 * borrowed from the page or result; NULL when the server left them out.
 * @since 0.1
 */
typedef struct loopmsg_pool {
    const char *id;          /**< Pool id. */
    const char *name;        /**< Pool name. */
    int count;               /**< Sender names in the pool; 0 when absent. */
    const char *create_date; /**< When it was created, as the server wrote it. */
} loopmsg_pool;

/**
 * An opt-in record (LOOPMSG_LIST_OPT_INS). Missing fields are NULL / false; strings are
 * borrowed from the page. The `geo_` fields come from the record's `geo` object, the `ua_`
 * fields from its `user_agent` object; a boolean is true for JSON true or the string
 * "true".
 * @since 0.1
 */
typedef struct loopmsg_optin_record {
    const char *id;           /**< Record id. */
    const char *ip_address;   /**< IP address the opt-in link was opened from. */
    const char *organization; /**< Organization the opt-in belongs to. */
    const char *origin;       /**< Where the link was opened (as the server reports it). */
    const char *type;         /**< "opt_in" */
    const char *create_date;  /**< When the contact opted in, as the server wrote it. */
    const char *geo_city,     /**< geo.city */
        *geo_country,         /**< geo.country */
        *geo_region,          /**< geo.region */
        *geo_postal_code,     /**< geo.postal_code */
        *geo_time_zone;       /**< geo.time_zone */
    bool geo_europe_union;    /**< geo.europe_union: the location is in the EU. */
    const char *ua_browser,   /**< user_agent.browser */
        *ua_device,           /**< user_agent.device */
        *ua_os,               /**< user_agent.os */
        *ua_email_client;     /**< user_agent.email_client */
    bool ua_bot,              /**< user_agent.bot: the client looked like a bot. */
        ua_mobile;            /**< user_agent.mobile: a mobile device. */
} loopmsg_optin_record;

/**
 * An organization of the account (LOOPMSG_LIST_ORGANIZATIONS, and loopmsg_org::org).
 * `api_key` is only ever set in the results of loopmsg_org_get(), loopmsg_org_create() and
 * loopmsg_org_update(), never in a list. Strings are borrowed from the page or result; NULL
 * when the server left them out.
 * @since 0.2
 */
typedef struct loopmsg_organization {
    const char *id;          /**< The value for `organization_id` elsewhere. */
    const char *name;        /**< Organization name. */
    const char *status;      /**< e.g. "active"; the value set is not documented. */
    const char *create_date; /**< When it was created, as the server wrote it. */
    const char *api_key;     /**< The organization's key, when the server returned one. Secret:
                                  never logged; wiped by loopmsg_org_free(). */
} loopmsg_organization;

/**
 * A webhook delivery attempt (LOOPMSG_LIST_WEBHOOK_DELIVERIES). Strings are borrowed from
 * the page; NULL when the server left them out.
 * @since 0.1
 */
typedef struct loopmsg_webhook_delivery {
    int attempt;             /**< Attempt number of this delivery; 0 when absent. */
    const char *create_date; /**< When it was sent, as the server wrote it. */
    const char *event_type;  /**< The event's name, e.g. "message_inbound". */
    const char *json;        /**< The payload sent: a JSON string as it is, any other JSON
                                  value as its compact JSON text; NULL when absent or null. */
} loopmsg_webhook_delivery;

/**
 * One lookup of the lookup history (LOOPMSG_LIST_LOOKUPS). The result itself is not in the
 * history: ask loopmsg_lookup_status() for it.
 * @since 0.2
 */
typedef struct loopmsg_lookup_record {
    const char *id;          /**< The lookup's request id. */
    const char *status;      /**< "queued", "processing", "completed" or "canceled". */
    const char *contact;     /**< The contact looked up. */
    const char *create_date; /**< When it was asked, as the server wrote it (ISO 8601). */
    const char *update_date; /**< When it last changed, as the server wrote it. */
} loopmsg_lookup_record;

/**
 * One page of a list. Exactly one of the item arrays is set (the one of the list's kind,
 * even when item_count is 0), with item_count entries; the others are NULL.
 *
 * Library-allocated and read-only, in one allocation: every pointer in it lives until
 * loopmsg_page_free(). Nothing in it refers to the client, which may be freed first. A
 * page may be read from several threads at once.
 * @since 0.1
 */
typedef struct loopmsg_page {
    loopmsg_list_kind kind; /**< The list this page belongs to. */
    int page;               /**< As reported by the server (0 if absent). */
    int num_pages;          /**< -1 when the server did not say. */
    int per_page;           /**< As reported by the server (0 if absent). */
    int count;              /**< Items across all pages; -1 when absent. */
    size_t item_count;      /**< Entries in the item array of this kind and in item_json. */
    const loopmsg_contact *contacts;            /**< LOOPMSG_LIST_AUDIENCE; else NULL. */
    const loopmsg_history_item *messages;       /**< LOOPMSG_LIST_MESSAGE_HISTORY; else NULL. */
    const loopmsg_sender *senders;              /**< LOOPMSG_LIST_SENDERS; else NULL. */
    const loopmsg_pool *pools;                  /**< LOOPMSG_LIST_POOLS; else NULL. */
    const loopmsg_optin_record *opt_ins;        /**< LOOPMSG_LIST_OPT_INS; else NULL. */
    const loopmsg_webhook_delivery *deliveries; /**< LOOPMSG_LIST_WEBHOOK_DELIVERIES; else
                                                     NULL. */
    const char *contact_status;   /**< Message history: the contact's audience status (see
                                       loopmsg_contact_status_name()); NULL otherwise. */
    const char *raw;              /**< The response body, NUL-terminated (for collect-all:
                                       NULL). */
    size_t raw_len;               /**< Length of raw without the NUL; 0 when raw is NULL. */
    const char *const *item_json; /**< Each item as compact JSON text (item_count entries),
                                       with the fields the structs do not carry. */
    const loopmsg_organization *organizations; /**< LOOPMSG_LIST_ORGANIZATIONS; else NULL.
                                                    @since 0.2 */
    const loopmsg_lookup_record *lookups;      /**< LOOPMSG_LIST_LOOKUPS; else NULL.
                                                    @since 0.2 */
} loopmsg_page;

/**
 * Free a page and everything it points to.
 * @param[in] page  A page from this library; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_page_free(loopmsg_page *page);

/**
 * Fetch one page of a list and wait for it. Blocking; retried automatically as the
 * client's options say (a list request is a GET: always safe to resend).
 *
 * @param[in]  client    The client. Used by one thread at a time; not from inside one of
 *                       its callbacks (LOOPMSG_E_STATE).
 * @param[in]  kind      Which list.
 * @param[in]  params    Paging and filters; borrowed for the call. NULL = all unset
 *                       (LOOPMSG_LIST_PARAMS_INIT); message history needs one (contact).
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller: free it with
 *                       loopmsg_page_free(). Set to NULL otherwise. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, unknown kind, bad params version,
 *                                per_page above LOOPMSG_MAX_PER_PAGE, an unknown sort or
 *                                direction, a bad date, a filter this list does not take, no
 *                                contact for message history (err->message names the field).
 * @retval LOOPMSG_E_STATE        called from a callback of this client.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope (`items` not an array,
 *                                an item not an object, a field of the wrong type).
 * @return or another negative loopmsg_status of a failed request (transport, timeout, HTTP,
 *         API, authentication, rate limit, memory).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_list_page(loopmsg_client *client,
                                                               loopmsg_list_kind kind,
                                                               const loopmsg_list_params *params,
                                                               loopmsg_page **page_out,
                                                               loopmsg_error *err);

/**
 * A page iterator. Opaque. It keeps a pointer to its client (which must outlive it) and
 * its own copy of the parameters. Use it on the client's thread.
 * @since 0.1
 */
typedef struct loopmsg_pager loopmsg_pager;

/**
 * Create an iterator over every page of a list, starting at params->page (or 1), with
 * params->per_page (or 100) items a page, and at most params->max_pages (or
 * LOOPMSG_DEFAULT_MAX_PAGES) pages. The parameters are validated and copied here (strings
 * included); no request is made yet.
 *
 * @param[out] out     On LOOPMSG_OK the new iterator, owned by the caller: free it with
 *                     loopmsg_pager_free(). Set to NULL otherwise. Must not be NULL.
 * @param[in]  client  The client the pages are fetched with; borrowed: it must outlive the
 *                     iterator.
 * @param[in]  kind    Which list.
 * @param[in]  params  Paging and filters, copied; NULL = all unset.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out or client NULL, or a parameter refused as by
 *                                loopmsg_list_page().
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pager_new(loopmsg_client *client,
                                                               loopmsg_list_kind kind,
                                                               const loopmsg_list_params *params,
                                                               loopmsg_pager **out,
                                                               loopmsg_error *err);

/**
 * Fetch the next page and wait for it. After an error the same page is requested again on
 * the next call (the error is the caller's to handle; nothing is skipped). Once the end is
 * reached (see the file description) every call returns LOOPMSG_OK with NULL and makes no
 * request.
 *
 * @param[in]  pager     The iterator. Not from inside a callback of its client
 *                       (LOOPMSG_E_STATE).
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller (free it with
 *                       loopmsg_page_free()), or NULL when the iteration is over. Set to
 *                       NULL on error. Must not be NULL.
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  pager or page_out NULL.
 * @return or the status of the failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pager_next(loopmsg_pager *pager,
                                                                loopmsg_page **page_out,
                                                                loopmsg_error *err);

/**
 * Pages fetched so far (failed attempts not counted).
 * @param[in] pager  The iterator; NULL gives 0.
 * @return the number of pages loopmsg_pager_next() has returned.
 * @since 0.1
 */
LOOPMSG_API unsigned int loopmsg_pager_pages_fetched(const loopmsg_pager *pager);

/**
 * Free an iterator, not the pages it returned (they stay valid).
 * @param[in] pager  The iterator; NULL is a no-op.
 * @since 0.1
 */
LOOPMSG_API void loopmsg_pager_free(loopmsg_pager *pager);

/**
 * Fetch every page, as an iterator does, and concatenate the items into one page. Blocking.
 * In the result raw is NULL, item_json holds every item, and page, num_pages, per_page,
 * count (and contact_status) are those of the last page fetched. Stops after max_items
 * items, truncating the page where it reached them.
 *
 * @param[in]  client     The client; not from inside one of its callbacks.
 * @param[in]  kind       Which list.
 * @param[in]  params     Paging and filters (page is the first page, max_pages the cap);
 *                        borrowed for the call; NULL = all unset.
 * @param[in]  max_items  Item cap; 0 = no limit.
 * @param[out] page_out   On LOOPMSG_OK a new page owned by the caller: free it with
 *                        loopmsg_page_free(). NULL otherwise; nothing is returned of the
 *                        pages fetched before an error. Must not be NULL.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  page_out or client NULL, or a parameter refused as by
 *                                loopmsg_list_page().
 * @return or the status of the first failed request, as loopmsg_list_page().
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_list_all(loopmsg_client *client, loopmsg_list_kind kind, const loopmsg_list_params *params,
                 size_t max_items, loopmsg_page **page_out, loopmsg_error *err);

/**
 * Completion of an asynchronous page fetch. Runs on the thread that drives the client
 * (loopmsg_client_poll(), loopmsg_client_run() or loopmsg_client_free()), exactly once per
 * accepted request: see loopmsg_done_cb for the rules.
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param page       The page, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.1
 */
typedef void (*loopmsg_page_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_page *page, const loopmsg_error *err,
                                void *user_data);

/**
 * Asynchronous loopmsg_list_page(): validates, builds the request and returns at once.
 *
 * @param[in]  client     The client.
 * @param[in]  kind       Which list.
 * @param[in]  params     Borrowed for this call only (the request is built here); NULL =
 *                        all unset.
 * @param[in]  cb         Completion callback; NULL = none (the page is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id (for loopmsg_client_cancel()); 0 when
 *                        the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK             submitted: cb runs exactly once later.
 * @retval LOOPMSG_E_INVALID_ARG  as loopmsg_list_page() (cb is not called).
 * @retval LOOPMSG_E_STATE        the client is being freed (from one of its callbacks).
 * @retval LOOPMSG_E_NOMEM
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_list_page_async(
    loopmsg_client *client, loopmsg_list_kind kind, const loopmsg_list_params *params,
    loopmsg_page_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_LIST_H */
