/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/lookup.h
 * @brief LoopLookup: does a phone number or email have iMessage (and FaceTime)?
 *
 * LoopLookup is a separate product with its own host and its own API key. A lookup is
 * queued: the request answers with a request id at once, and the result arrives later by
 * callback (a webhook without an `event` field, parsed by loopmsg_webhook_parse() into a
 * LOOPMSG_EVENT_LOOKUP_RESULT event) or by polling loopmsg_lookup_status().
 *
 * **Key and host.** They are options of the ordinary client (loopmsg_client_options::
 * lookup_api_key and lookup_base_url, else LOOP_LOOKUP_API_KEY and LOOP_LOOKUP_BASE_URL,
 * else LOOPMSG_DEFAULT_LOOKUP_BASE_URL), not a second kind of client: a program that sends
 * messages and checks numbers first gets one engine, one set of connections, one
 * poll/run loop and one error model for both, and the functions here take the same
 * loopmsg_client as every other call. Each key goes only to its own host: a lookup sends
 * `Authorization: <lookup key>` to the lookup host and never the Loop Message key, and a
 * Loop Message call never sends the lookup key (whether a Loop Message organization key works
 * on LoopLookup is not documented). A client may be created with only a lookup key; the
 * Loop Message calls of such a client fail with LOOPMSG_E_INVALID_ARG before any I/O.
 * Both keys are wiped from memory on free and masked in every log line and error message.
 *
 * **What is not verified.** LoopLookup's documentation could only be read in part. Where
 * it is silent or unreadable the library accepts every shape that is mentioned and keeps
 * the body in `raw`:
 *  - the bulk lookup's answer: a `requests` array of {`contact`, `request_id`} (a third-party
 *    client's reading), and a bulk id under `bulk_id` or `id` (the history's filters imply
 *    one); neither is required;
 *  - the phone-number details (carrier, country, formats, time zones), read from the
 *    callback sample only;
 *  - the callback's headers and authorization (a receiver checks them as for Loop webhooks)
 *    and where its URL is configured (the dashboard, it seems: no request field is
 *    documented);
 *  - error codes: LoopLookup uses the legacy Loop numbering (400 = no credits left, 500 =
 *    account suspended), so its answers are classified with a table of their own
 *    (loopmsg_error::api_code keeps the number as received).
 * The bulk cancel and the credits endpoints are not implemented.
 */
#ifndef LOOPMSG_LOOKUP_H
#define LOOPMSG_LOOKUP_H

#include "client.h"
#include "list.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup lookup iMessage availability (LoopLookup)
 * @brief Look up contacts (single and bulk), poll a lookup, list the history; the result
 *        types shared with the lookup callback.
 * @{
 */

/** Most contacts in one bulk lookup the library sends (the service's limit is not
 *  documented; about 2-3k per request is reported). @since 0.2 */
#define LOOPMSG_LOOKUP_MAX_CONTACTS 3000u

/** Most lookups per page of the lookup history (`per_page` ≤ 5000). @since 0.2 */
#define LOOPMSG_LOOKUP_MAX_PER_PAGE 5000u

/**
 * Whether a service (iMessage, FaceTime) is available for a contact. The enum only grows.
 * @since 0.2
 */
typedef enum loopmsg_lookup_availability {
    LOOPMSG_LOOKUP_UNKNOWN = 0,    /**< "unknown", absent, or a value this version does not
                                        know (see loopmsg_lookup_service::status). */
    LOOPMSG_LOOKUP_AVAILABLE = 1,  /**< "available". */
    LOOPMSG_LOOKUP_UNAVAILABLE = 2 /**< "unavailable". */
} loopmsg_lookup_availability;

/**
 * Where a lookup is. LoopLookup has no "failed" state. The enum only grows.
 * @since 0.2
 */
typedef enum loopmsg_lookup_state {
    LOOPMSG_LOOKUP_STATE_UNKNOWN = 0,    /**< Not said, or a value this version does not know
                                              (see loopmsg_lookup_result::status). */
    LOOPMSG_LOOKUP_STATE_QUEUED = 1,     /**< "queued": accepted, waiting. */
    LOOPMSG_LOOKUP_STATE_PROCESSING = 2, /**< "processing". */
    LOOPMSG_LOOKUP_STATE_COMPLETED = 3,  /**< "completed": the result is there (final). */
    LOOPMSG_LOOKUP_STATE_CANCELED = 4    /**< "canceled" by the user (final). */
} loopmsg_lookup_state;

/**
 * One service of a result (`result_v1.apple_services.imessage` or `.facetime`). Strings are
 * NULL when absent.
 * @since 0.2
 */
typedef struct loopmsg_lookup_service {
    loopmsg_lookup_availability availability; /**< status, parsed. */
    const char *status;              /**< "available", "unavailable", "unknown", as received. */
    const char *date;                /**< YYYY-MM-DD: how fresh the answer is; may be NULL
                                          when not available. */
    const char *link_imessage;       /**< links.imessage (iMessage only). */
    const char *link_sms;            /**< links.sms (iMessage only). */
    const char *link_facetime;       /**< links.facetime (FaceTime only). */
    const char *link_facetime_audio; /**< links.facetime_audio (FaceTime only). */
    const char *link_tel;            /**< links.tel (FaceTime only). */
} loopmsg_lookup_service;

/**
 * Phone-number details of a result (asked for with loopmsg_lookup_params::contact_details;
 * phones only). Unverified: read from the documentation's callback sample. Strings are NULL
 * and lists empty when absent.
 * @since 0.2
 */
typedef struct loopmsg_lookup_details {
    const char *carrier;              /**< carrier.carrier: the carrier's name. */
    const char *number_type;          /**< carrier.number_type: e.g. "mobile". */
    const char *country_iso2;         /**< country.iso2: "US". */
    const char *country_iso3;         /**< country.iso3: "USA". */
    const char *country_name;         /**< country.name. */
    const char *country_flag;         /**< country.flag: the flag emoji. */
    const char *country_description;  /**< country.description: a sub-region ("CA"). */
    int country_numeric;              /**< country.numeric: ISO 3166 numeric code. */
    bool has_country_numeric;         /**< country_numeric was present. */
    const char *const *currencies;    /**< currencies: ISO 4217 codes. */
    size_t currency_count;            /**< Entries in currencies. */
    const char *format_e164;          /**< format.e164: "+13231112233". */
    const char *format_international; /**< format.international. */
    const char *format_national;      /**< format.national. */
    const char *format_out_of_usa;    /**< format.out_of_usa. */
    const char *format_rfc3966;       /**< format.rfc3966: "tel:+1-...". */
    const char *const *time_zones;    /**< time_zones: IANA zones. */
    size_t time_zone_count;           /**< Entries in time_zones. */
} loopmsg_lookup_details;

/**
 * A lookup's result: the answer of loopmsg_lookup_status(), and the `lookup` member of a
 * LOOPMSG_EVENT_LOOKUP_RESULT webhook event. Library-allocated and read-only: every pointer
 * lives as long as the result (loopmsg_lookup_result_free()) or the event.
 * The struct only grows by appending fields.
 * @since 0.2
 */
typedef struct loopmsg_lookup_result {
    const char *request_id;                /**< The lookup's id. */
    const char *contact;                   /**< E.164 phone or lowercase email (callbacks;
                                                NULL when absent). */
    const char *webhook_id;                /**< Callbacks: the dedupe key; NULL otherwise. */
    loopmsg_lookup_state state;            /**< status, parsed. A callback has no status:
                                                COMPLETED when it carries a result. */
    const char *status;                    /**< "queued", "processing", "completed",
                                                "canceled", as received; NULL when absent. */
    bool has_result;                       /**< `result_v1` was present. */
    loopmsg_lookup_service imessage;       /**< iMessage availability (UNKNOWN when no
                                                result). */
    loopmsg_lookup_service facetime;       /**< FaceTime availability. */
    const loopmsg_lookup_details *details; /**< Phone-number details; NULL when none came. */
    const char *result_json;               /**< `result_v1` as compact JSON text, with what the
                                                structs do not carry; NULL when absent. */
    const char *raw;                       /**< The whole body, NUL-terminated. */
    size_t raw_len;                        /**< Length of raw without the NUL. */
} loopmsg_lookup_result;

/**
 * One accepted lookup: a contact and the id of its lookup.
 * @since 0.2
 */
typedef struct loopmsg_lookup_request {
    const char *request_id; /**< The lookup's id (for loopmsg_lookup_status()). */
    const char *contact;    /**< The contact, normalised by the server (E.164, lowercase). */
} loopmsg_lookup_request;

/**
 * The answer to a lookup request: what was queued. Library-allocated and read-only, in
 * one allocation, freed by loopmsg_lookup_accepted_free().
 * @since 0.2
 */
typedef struct loopmsg_lookup_accepted {
    const char *request_id;                 /**< Single lookup: the lookup's id (never NULL
                                                 on success). Bulk: a top-level
                                                 `request_id` if the server sent one. */
    const char *contact;                    /**< Single lookup: the normalised contact. */
    const char *bulk_id;                    /**< Bulk (unverified): `bulk_id`, else `id`;
                                                 NULL when neither came. */
    const loopmsg_lookup_request *requests; /**< Bulk (unverified): the `requests` array;
                                                 a single lookup gives its one entry here. */
    size_t request_count;                   /**< Entries in requests. */
    const char *raw;                        /**< The whole response, NUL-terminated. */
    size_t raw_len;                         /**< Length of raw without the NUL. */
} loopmsg_lookup_accepted;

/**
 * Parameters of a lookup. Initialise with LOOPMSG_LOOKUP_PARAMS_INIT (or
 * loopmsg_lookup_params_init()). Borrowed by each call; an asynchronous call copies what it
 * sends.
 * @since 0.2
 */
typedef struct loopmsg_lookup_params {
    unsigned int version;        /**< LOOPMSG_LOOKUP_PARAMS_VERSION */
    const char *contact;         /**< loopmsg_lookup_send(): required, a phone number (with
                                      its country code unless region is set; '+', spaces,
                                      dashes and brackets allowed) or an email. No control
                                      characters, at most 512 bytes. Refused by the bulk
                                      call. */
    const char *const *contacts; /**< loopmsg_lookup_bulk(): required, 1 to
                                      LOOPMSG_LOOKUP_MAX_CONTACTS entries, each as contact.
                                      The service skips invalid entries. Refused by the
                                      single call. */
    size_t contact_count;        /**< Entries in contacts. */
    const char *region;          /**< Optional ISO 3166 alpha-2 country ("US"), for numbers
                                      without a country code: two letters A-Z. */
    bool contact_details;        /**< Ask for the phone-number details (may be slower). */
} loopmsg_lookup_params;

/** Layout version of loopmsg_lookup_params declared by this header. @since 0.2 */
#define LOOPMSG_LOOKUP_PARAMS_VERSION 1
/** Initialiser of loopmsg_lookup_params: the version set, every other field zero. @since 0.2 */
#define LOOPMSG_LOOKUP_PARAMS_INIT LOOPMSG_STRUCT_INIT(LOOPMSG_LOOKUP_PARAMS_VERSION)

/**
 * Set `*out` as LOOPMSG_LOOKUP_PARAMS_INIT does: for callers that cannot expand C macros
 * (bindings through an FFI).
 * @param[out] out      The struct to initialise: its version set, every other field zero.
 * @param[in]  version  LOOPMSG_LOOKUP_PARAMS_VERSION, as the caller's header declares it.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  out is NULL, or version is not this library's layout.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_lookup_params_init(loopmsg_lookup_params *out,
                                                                        unsigned int version);

/**
 * Look up one contact (POST /api/v1/lookup/ on the lookup host, body `contact`, `region`,
 * `contact_details`) and wait for the acceptance. Blocking. The result itself comes later:
 * by callback, or poll loopmsg_lookup_status() with the request id. The parameters and the
 * client's lookup key are checked before any I/O. Never resent automatically once its bytes
 * may have left (a lookup may spend a credit).
 * @param[in]  client  The client; it must have a lookup key. Used by one thread at a time,
 *                     not from one of its callbacks (LOOPMSG_E_STATE).
 * @param[in]  params  Borrowed for the call; must not be NULL.
 * @param[out] out     On LOOPMSG_OK a new result owned by the caller: free it with
 *                     loopmsg_lookup_accepted_free(); NULL otherwise. May be NULL to discard
 *                     the result.
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or params NULL, a bad version, no contact, contacts
 *                                given, a bad region, or no lookup key (err->message names
 *                                the field).
 * @retval LOOPMSG_E_PROTOCOL     the answer has no request_id.
 * @return or another negative loopmsg_status of a failed request: see err. api_code holds
 *         LoopLookup's own code (400: no credits left, FATAL).
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_lookup_send(loopmsg_client *client, const loopmsg_lookup_params *params,
                    loopmsg_lookup_accepted **out, loopmsg_error *err);

/**
 * Look up several contacts in one request (the same URL, body `contacts`, `region`,
 * `contact_details`). Blocking; as loopmsg_lookup_send() otherwise. The answer's shape is
 * not documented: any JSON object is accepted (see loopmsg_lookup_accepted).
 * @param[in]  client  The client, with a lookup key.
 * @param[in]  params  contacts and contact_count set, contact not set. Borrowed.
 * @param[out] out     As loopmsg_lookup_send().
 * @param[out] err     Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  no contacts, too many, a bad entry (named by index), contact
 *                                given, a bad region, or no lookup key.
 * @return or another negative loopmsg_status of a failed request: see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_lookup_bulk(loopmsg_client *client, const loopmsg_lookup_params *params,
                    loopmsg_lookup_accepted **out, loopmsg_error *err);

/**
 * Free a lookup acceptance.
 * @param[in] accepted  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_lookup_accepted_free(loopmsg_lookup_accepted *accepted);

/**
 * A lookup's status and, once completed, its result (GET /api/v1/lookup/status/{id}/ on the
 * lookup host). Blocking.
 * @param[in]  client      The client, with a lookup key.
 * @param[in]  request_id  The lookup's id; required, no control characters. Borrowed.
 * @param[out] out         On LOOPMSG_OK a new result owned by the caller: free it with
 *                         loopmsg_lookup_result_free(). Must not be NULL.
 * @param[out] err         Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  a NULL argument, an empty or bad request_id, no lookup key.
 * @retval LOOPMSG_E_NOT_FOUND    no such lookup (an emulator answer: the service's is not
 *                                documented).
 * @retval LOOPMSG_E_PROTOCOL     a field of the answer has the wrong type.
 * @return or another negative loopmsg_status of a failed request: see err.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_lookup_status(loopmsg_client *client,
                                                                   const char *request_id,
                                                                   loopmsg_lookup_result **out,
                                                                   loopmsg_error *err);

/**
 * Free a lookup result.
 * @param[in] result  A result of this library; NULL is a no-op.
 * @since 0.2
 */
LOOPMSG_API void loopmsg_lookup_result_free(loopmsg_lookup_result *result);

/**
 * The lookup history, one page (GET /customer/api/v1/lookup-history/ on the lookup host):
 * loopmsg_list_page() with LOOPMSG_LIST_LOOKUPS. Filters: page, per_page (at most
 * LOOPMSG_LOOKUP_MAX_PER_PAGE), sort (sent as `sort`, not `sort_by`), from_date, to_date,
 * search (a phone number, a region, a bulk or lookup id). The pager, loopmsg_list_all() and
 * loopmsg_list_page_async() take LOOPMSG_LIST_LOOKUPS too. The items do not carry results.
 * @param[in]  client    The client, with a lookup key.
 * @param[in]  params    Optional (NULL = defaults); borrowed.
 * @param[out] page_out  On LOOPMSG_OK a new page (loopmsg_page::lookups), freed with
 *                       loopmsg_page_free().
 * @param[out] err       Optional; always written.
 * @retval LOOPMSG_OK
 * @retval LOOPMSG_E_INVALID_ARG  client or page_out NULL, a client without a lookup key,
 *                                per_page above LOOPMSG_LOOKUP_MAX_PER_PAGE, or params refused
 *                                as by loopmsg_list_page() (a filter this list does not take:
 *                                contact, direction, type); err->message names the field.
 * @retval LOOPMSG_E_STATE        called from one of the client's callbacks.
 * @retval LOOPMSG_E_PROTOCOL     the response is not a list envelope.
 * @return or another negative loopmsg_status of a failed request, as loopmsg_list_page().
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status
loopmsg_lookup_history(loopmsg_client *client, const loopmsg_list_params *params,
                       loopmsg_page **page_out, loopmsg_error *err);

/**
 * Completion of an asynchronous lookup request, single or bulk (see loopmsg_done_cb for the
 * rules).
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param accepted   The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_lookup_accepted_cb)(loopmsg_client *client, loopmsg_request_id id,
                                           const loopmsg_lookup_accepted *accepted,
                                           const loopmsg_error *err, void *user_data);

/**
 * Completion of an asynchronous loopmsg_lookup_status_async().
 * @param client     The client.
 * @param id         The request's id, as returned by the submitting call.
 * @param result     The result, borrowed until the callback returns (NULL on failure).
 * @param err        The outcome; never NULL, borrowed for the call.
 * @param user_data  As given to the submitting call.
 * @since 0.2
 */
typedef void (*loopmsg_lookup_result_cb)(loopmsg_client *client, loopmsg_request_id id,
                                         const loopmsg_lookup_result *result,
                                         const loopmsg_error *err, void *user_data);

/**
 * Asynchronous loopmsg_lookup_send(): validates, builds the request and returns at once.
 * @param[in]  client     The client, with a lookup key.
 * @param[in]  params     As loopmsg_lookup_send(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none (the result is freed unseen).
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id; 0 when the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK     Submitted: cb runs exactly once, later, from poll/run/free.
 * @return as loopmsg_lookup_send() for validation; on failure cb never runs.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_lookup_send_async(
    loopmsg_client *client, const loopmsg_lookup_params *params, loopmsg_lookup_accepted_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_lookup_bulk(); as loopmsg_lookup_send_async().
 * @param[in]  client     The client, with a lookup key.
 * @param[in]  params     As loopmsg_lookup_bulk(); borrowed for this call only.
 * @param[in]  cb         Completion callback; NULL = none.
 * @param[in]  user_data  Passed to cb.
 * @param[out] id_out     Optional: the request's id; 0 when the call fails.
 * @param[out] err        Optional; always written.
 * @retval LOOPMSG_OK     Submitted: cb runs exactly once, later, from poll/run/free.
 * @return as loopmsg_lookup_bulk() for validation; on failure cb never runs.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_lookup_bulk_async(
    loopmsg_client *client, const loopmsg_lookup_params *params, loopmsg_lookup_accepted_cb cb,
    void *user_data, loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * Asynchronous loopmsg_lookup_status().
 * @param[in]  client      The client, with a lookup key.
 * @param[in]  request_id  As loopmsg_lookup_status(); copied.
 * @param[in]  cb          Completion callback; NULL = none.
 * @param[in]  user_data   Passed to cb.
 * @param[out] id_out      Optional: the request's id; 0 when the call fails.
 * @param[out] err         Optional; always written.
 * @retval LOOPMSG_OK      Submitted: cb runs exactly once, later, from poll/run/free.
 * @return as loopmsg_lookup_status() for validation; on failure cb never runs.
 * @since 0.2
 */
LOOPMSG_API LOOPMSG_NODISCARD loopmsg_status loopmsg_lookup_status_async(
    loopmsg_client *client, const char *request_id, loopmsg_lookup_result_cb cb, void *user_data,
    loopmsg_request_id *id_out, loopmsg_error *err);

/**
 * The wire name of an availability: "available", "unavailable", "unknown".
 * @param[in] availability  Any value.
 * @return a static string; "unknown" for out-of-range values. Thread-safe.
 * @since 0.2
 */
LOOPMSG_API const char *loopmsg_lookup_availability_name(loopmsg_lookup_availability availability);

/**
 * The wire name of a lookup state: "queued", "processing", "completed", "canceled",
 * "unknown".
 * @param[in] state  Any value.
 * @return a static string; "unknown" for out-of-range values. Thread-safe.
 * @since 0.2
 */
LOOPMSG_API const char *loopmsg_lookup_state_name(loopmsg_lookup_state state);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_LOOKUP_H */
