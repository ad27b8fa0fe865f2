/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/list.h
 * @brief Paginated list endpoints: one page, a page iterator, and collect-all.
 *
 * Every list endpoint of the API (audience, message history, senders, pools, opt-in
 * history, webhook delivery history) goes through the same mechanism. Iteration stops when
 * `page >= num_pages`, when `num_pages` is missing, when a page has no items, or at the
 * page cap (decision 16); no page is requested twice.
 */
#ifndef LOOPMSG_LIST_H
#define LOOPMSG_LIST_H

#include "client.h"
#include "common.h"
#include "error.h"

LOOPMSG_BEGIN_DECL

/** Which list. @since 0.1 */
typedef enum loopmsg_list_kind {
    LOOPMSG_LIST_AUDIENCE = 1,       /**< GET /api/v1/audience/list/ */
    LOOPMSG_LIST_MESSAGE_HISTORY,    /**< GET /api/v1/audience/messages/{contact}/ */
    LOOPMSG_LIST_SENDERS,            /**< GET /api/v1/sender/list/ */
    LOOPMSG_LIST_POOLS,              /**< GET /api/v1/pool/list/ */
    LOOPMSG_LIST_OPT_INS,            /**< GET /api/v1/audience/tracker/ (opt-in history) */
    LOOPMSG_LIST_WEBHOOK_DELIVERIES, /**< GET /api/v1/webhooks/history/ */
    LOOPMSG_LIST_ORGANIZATIONS       /**< GET /api/v1/organizations/list/ (@since 0.2) */
} loopmsg_list_kind;

/** Sort order. DEFAULT (0) leaves it to the server (desc). @since 0.1 */
typedef enum loopmsg_sort {
    LOOPMSG_SORT_DEFAULT = 0,
    LOOPMSG_SORT_ASC,
    LOOPMSG_SORT_DESC
} loopmsg_sort;

/** Message direction filter. @since 0.1 */
typedef enum loopmsg_direction {
    LOOPMSG_DIRECTION_ANY = 0,
    LOOPMSG_DIRECTION_INBOUND,
    LOOPMSG_DIRECTION_OUTBOUND
} loopmsg_direction;

/** Default page cap of iterators and collect-all. @since 0.1 */
#define LOOPMSG_DEFAULT_MAX_PAGES 1000u
/** Largest per_page the API documents. @since 0.1 */
#define LOOPMSG_MAX_PER_PAGE 1000u

/**
 * Paging and filter parameters, shared by every list. Zero means "not sent" (the server's
 * default). A filter the chosen list does not support is refused with LOOPMSG_E_INVALID_ARG.
 * @since 0.1
 */
typedef struct loopmsg_list_params {
    unsigned int version;  /**< LOOPMSG_LIST_PARAMS_VERSION */
    unsigned int page;     /**< 1-based; 0 = 1. Iterators start here. */
    unsigned int per_page; /**< 1..1000; 0 = server default (iterators use 100). */
    loopmsg_sort sort;
    const char *from_date;       /**< YYYY-MM-DD: audience, history, opt-ins. */
    const char *to_date;         /**< YYYY-MM-DD: audience, history, opt-ins. */
    const char *search;          /**< Audience (phone or email), organizations (name). */
    const char *contact;         /**< Required for message history, refused elsewhere. */
    loopmsg_direction direction; /**< History only. */
    const char *type;            /**< Message type filter (e.g. "text"): history only. */
    unsigned int max_pages;      /**< Iterators and collect-all: page cap; 0 = 1000. */
} loopmsg_list_params;

#define LOOPMSG_LIST_PARAMS_VERSION 1
#define LOOPMSG_LIST_PARAMS_INIT    LOOPMSG_STRUCT_INIT(LOOPMSG_LIST_PARAMS_VERSION)

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

/** An audience entry. @since 0.1 */
typedef struct loopmsg_contact {
    const char *id;    /**< Contact id. */
    const char *value; /**< Phone number or email. */
} loopmsg_contact;

/** A message of a contact's history. @since 0.1 */
typedef struct loopmsg_history_item {
    const char *id;
    const char *create_date;
    const char *channel;
    const char *direction; /**< "inbound" or "outbound". */
    const char *language;  /**< A plain string here (e.g. "EN"). */
    const char *type;      /**< Message type, e.g. "text". */
    const char *text;
} loopmsg_history_item;

/** A sender name. @since 0.1 */
typedef struct loopmsg_sender {
    const char *id; /**< The value for `sender` in sends and typing. */
    const char *name;
    const char *status; /**< active, pending, canceled, suspended. */
    const char *create_date;
    const char *imessage_link;
} loopmsg_sender;

/** A pool of sender names. @since 0.1 */
typedef struct loopmsg_pool {
    const char *id;
    const char *name;
    int count; /**< Sender names in the pool. */
    const char *create_date;
} loopmsg_pool;

/** An opt-in record (opt-in history). Missing fields are NULL / false. @since 0.1 */
typedef struct loopmsg_optin_record {
    const char *id;
    const char *ip_address;
    const char *organization;
    const char *origin;
    const char *type; /**< "opt_in" */
    const char *create_date;
    const char *geo_city, *geo_country, *geo_region, *geo_postal_code, *geo_time_zone;
    bool geo_europe_union;
    const char *ua_browser, *ua_device, *ua_os, *ua_email_client;
    bool ua_bot, ua_mobile;
} loopmsg_optin_record;

/**
 * An organization of the account (organizations list). `api_key` is only ever set in the
 * results of loopmsg_org_get() and loopmsg_org_create(), never in a list. @since 0.2
 */
typedef struct loopmsg_organization {
    const char *id; /**< The value for `organization_id` elsewhere. */
    const char *name;
    const char *status; /**< e.g. "active"; the value set is not documented. */
    const char *create_date;
    const char *api_key; /**< The organization's key, when the server returned one. */
} loopmsg_organization;

/** A webhook delivery attempt (webhook history). @since 0.1 */
typedef struct loopmsg_webhook_delivery {
    int attempt;
    const char *create_date;
    const char *event_type;
    const char *json; /**< The payload sent, as compact JSON text. */
} loopmsg_webhook_delivery;

/**
 * One page of a list. Exactly one of the item arrays is set (the one of the list's kind),
 * with item_count entries. Library-allocated; free with loopmsg_page_free().
 * @since 0.1
 */
typedef struct loopmsg_page {
    loopmsg_list_kind kind;
    int page;      /**< As reported by the server (0 if absent). */
    int num_pages; /**< -1 when the server did not say. */
    int per_page;
    int count; /**< Items across all pages; -1 when absent. */
    size_t item_count;
    const loopmsg_contact *contacts;
    const loopmsg_history_item *messages;
    const loopmsg_sender *senders;
    const loopmsg_pool *pools;
    const loopmsg_optin_record *opt_ins;
    const loopmsg_webhook_delivery *deliveries;
    const char *contact_status; /**< Message history: the contact's audience status. */
    const char *raw;            /**< The response body (for collect-all: NULL). */
    size_t raw_len;
    const char *const *item_json; /**< Each item as compact JSON text (item_count entries). */
    const loopmsg_organization *organizations; /**< Organizations list. @since 0.2 */
} loopmsg_page;

/** Free a page. NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_page_free(loopmsg_page *page);

/**
 * Fetch one page of a list.
 * @param[out] page_out  On LOOPMSG_OK a new page owned by the caller.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_list_page(loopmsg_client *client,
                                                               loopmsg_list_kind kind,
                                                               const loopmsg_list_params *params,
                                                               loopmsg_page **page_out,
                                                               loopmsg_error *err);

/** A page iterator. Opaque. @since 0.1 */
typedef struct loopmsg_pager loopmsg_pager;

/**
 * Create an iterator over every page of a list, starting at params->page (or 1). The
 * parameters are validated and copied here; no request is made yet.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pager_new(loopmsg_pager **out,
                                                               loopmsg_client *client,
                                                               loopmsg_list_kind kind,
                                                               const loopmsg_list_params *params,
                                                               loopmsg_error *err);

/**
 * Fetch the next page. On LOOPMSG_OK *page_out is a new page owned by the caller, or NULL
 * when the iteration is over. After an error the same page is requested again on the next
 * call (the error is the caller's to handle; nothing is skipped).
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_pager_next(loopmsg_pager *pager,
                                                                loopmsg_page **page_out,
                                                                loopmsg_error *err);

/** Pages fetched so far. @since 0.1 */
LOOPMSG_API unsigned int loopmsg_pager_pages_fetched(const loopmsg_pager *pager);

/** Free an iterator (not the pages it returned). NULL is a no-op. @since 0.1 */
LOOPMSG_API void loopmsg_pager_free(loopmsg_pager *pager);

/**
 * Fetch every page and concatenate the items into one page (raw is NULL; page fields
 * describe the last page fetched). Stops after max_items items (0 = no limit), truncating.
 * @since 0.1
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_list_all(loopmsg_client *client, loopmsg_list_kind kind, const loopmsg_list_params *params,
                 size_t max_items, loopmsg_page **page_out, loopmsg_error *err);

/** Completion of an asynchronous page fetch; `page` borrowed until it returns. @since 0.1 */
typedef void (*loopmsg_page_cb)(loopmsg_client *client, loopmsg_request_id id,
                                const loopmsg_page *page, const loopmsg_error *err,
                                void *user_data);

/** Asynchronous loopmsg_list_page() (see loopmsg_done_cb for the callback rules). @since 0.1 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_list_page_async(
    loopmsg_client *client, loopmsg_list_kind kind, const loopmsg_list_params *params,
    loopmsg_page_cb cb, void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

LOOPMSG_END_DECL

#endif /* LOOPMSG_LIST_H */
