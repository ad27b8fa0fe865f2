/* SPDX-License-Identifier: MIT */
/*
 * emulator_int.h: what the emulator's files share. server.c owns the libmicrohttpd shell,
 * request recording, scripted answers and faults; router.c maps (method, path) to an
 * endpoint and builds the documented responses; validate.c holds the pure request checks
 * that yield Loop's error codes; state.c is the data model (messages, audience, senders,
 * pools, campaigns, opt-ins, webhook history) behind one mutex; events.c schedules and
 * POSTs webhooks; util.c has the small helpers (strings, time, ids, percent-decoding).
 *
 * Memory: the emulator allocates with plain libc malloc/free, not the SDK's allocator
 * hooks, so that a test may install a counting allocator while an emulator (with its
 * background threads) is running without the two ever mixing.
 */
#ifndef LOOPMSG_EMULATOR_INT_H
#define LOOPMSG_EMULATOR_INT_H

#include "loopmsg/emulator.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- util.c --------------------------------------------------------------------------- */

/* Growable NUL-terminated byte buffer (libc malloc). Zero-initialise. */
typedef struct loopmsg__emu_buf {
    char *ptr;
    size_t len;
    size_t cap;
    bool failed;
} loopmsg__emu_buf;

void loopmsg__emu_buf_append(loopmsg__emu_buf *b, const char *data, size_t len);
void loopmsg__emu_buf_puts(loopmsg__emu_buf *b, const char *s);
void loopmsg__emu_buf_printf(loopmsg__emu_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void loopmsg__emu_buf_clear(loopmsg__emu_buf *b);

char *loopmsg__emu_strdup(const char *s); /* NULL in, NULL out; NULL on ENOMEM */
char *loopmsg__emu_strndup(const char *s, size_t n);

/* Wall clock in milliseconds since the epoch, and a monotonic clock in milliseconds. */
int64_t loopmsg__emu_now_ms(void);
int64_t loopmsg__emu_mono_ms(void);
/* ISO-8601 UTC: "2026-03-14T18:22:41.507Z" with millis, "2026-03-14T18:22:41Z" without. */
#define LOOPMSG__EMU_TIME_SIZE 32
void loopmsg__emu_iso8601(char out[LOOPMSG__EMU_TIME_SIZE], int64_t ms, bool millis);
/* "YYYY-MM-DD" -> start of that UTC day in ms; false when malformed. */
bool loopmsg__emu_parse_date(const char *s, int64_t *ms_out);

/* Random UUID v4, upper- or lower-case, 36 characters + NUL. */
#define LOOPMSG__EMU_ID_SIZE 37
void loopmsg__emu_uuid(char out[LOOPMSG__EMU_ID_SIZE], bool upper);
/* Uniform in [0, 1). */
double loopmsg__emu_random01(void);

/* Percent-decode (RFC 3986). plus_is_space for query values. Returns a new string, or NULL
 * on ENOMEM or an invalid escape / embedded NUL. */
char *loopmsg__emu_percent_decode(const char *s, size_t len, bool plus_is_space);
/* Percent-encode everything but unreserved characters. New string or NULL. */
char *loopmsg__emu_percent_encode(const char *s);

/* Look up a decoded query parameter in a raw query string; NULL if absent. Caller frees. */
char *loopmsg__emu_query_get(const char *query, const char *name);

/* Sleep up to ms, returning early (true) when *stop becomes true under lock/cond. */
bool loopmsg__emu_sleep(pthread_mutex_t *lock, pthread_cond_t *cond, const bool *stop,
                        unsigned int ms);

/* json_dumps into a libc-malloc'd string (compact). NULL on failure. */
char *loopmsg__emu_json_dump(const json_t *j);

/* ---- map.c ---------------------------------------------------------------------------- */

/* String-keyed index. Zero-initialise. Keys are borrowed: each must stay valid (and
 * unchanged) as long as its entry. No removal. Not thread-safe (callers hold emu->lock). */
typedef struct loopmsg__emu_map_slot {
    uint64_t hash;
    const char *key; /* NULL = empty */
    void *value;
} loopmsg__emu_map_slot;

typedef struct loopmsg__emu_map {
    loopmsg__emu_map_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t count;
    uint64_t lookups; /* for tests: calls to get */
    uint64_t probes;  /* for tests: occupied slots inspected by get */
} loopmsg__emu_map;

/* The value for key, or NULL. */
void *loopmsg__emu_map_get(loopmsg__emu_map *m, const char *key);
/* Make room for count entries, so that puts up to that count cannot fail. */
bool loopmsg__emu_map_reserve(loopmsg__emu_map *m, size_t count);
/* Add key -> value unless key is present (the first entry wins). false on ENOMEM. */
bool loopmsg__emu_map_put(loopmsg__emu_map *m, const char *key, void *value);
void loopmsg__emu_map_clear(loopmsg__emu_map *m);

/* ---- server.c: the request and response the router sees ------------------------------- */

typedef struct loopmsg__emu_request {
    const char *method;
    const char *path;  /* raw, percent-encoding kept */
    const char *query; /* raw, "" if none */
    const char *authorization;
    const char *content_type;
    const char *body; /* NUL-terminated; "" if none */
    size_t body_len;
} loopmsg__emu_request;

typedef struct loopmsg__emu_response {
    int status;
    char *body;               /* owned (libc); NULL = empty */
    const char *content_type; /* static string; NULL = none */
    char *headers;            /* owned; "Name: value" lines separated by "\n"; NULL = none */
    bool drop;                /* close the connection without an answer */
} loopmsg__emu_response;

void loopmsg__emu_response_clear(loopmsg__emu_response *r);
/* Serialise obj (reference stolen) as the body with the given status. */
void loopmsg__emu_respond_json(loopmsg__emu_response *r, int status, json_t *obj);
/* {"success": false, "code": code, "message": message} */
void loopmsg__emu_respond_error(loopmsg__emu_response *r, int status, int code,
                                const char *message);

/* ---- validate.c ----------------------------------------------------------------------- */

typedef enum loopmsg__emu_contact_kind {
    LOOPMSG__EMU_CONTACT_INVALID = 0,
    LOOPMSG__EMU_CONTACT_PHONE,
    LOOPMSG__EMU_CONTACT_EMAIL,
    LOOPMSG__EMU_CONTACT_OTHER /* not phone- nor email-like: maybe a Loop contact id */
} loopmsg__emu_contact_kind;

/* Normalise a contact: phone -> "+digits", email -> lowercase. *code_out is 0, or the Loop
 * code for an invalid value (180 phone, 170 email). Returns the normalised string (libc) or
 * NULL when invalid or kind OTHER. */
char *loopmsg__emu_normalize_contact(const char *contact, loopmsg__emu_contact_kind *kind_out,
                                     int *code_out);
bool loopmsg__emu_effect_valid(const char *effect);
bool loopmsg__emu_reaction_valid(const char *reaction);
bool loopmsg__emu_channel_valid(const char *channel);
/* Attachments array: 0 or 125 with a message. */
int loopmsg__emu_check_urls(const json_t *arr, size_t max, const char **message_out);
/* Number of Unicode code points in valid UTF-8; SIZE_MAX when invalid. */
size_t loopmsg__emu_utf8_len(const char *s);
/* Byte length of the first max_chars code points. */
size_t loopmsg__emu_utf8_prefix(const char *s, size_t max_chars);

/* ---- state.c -------------------------------------------------------------------------- */

typedef struct loopmsg__emu_state loopmsg__emu_state;
typedef struct loopmsg__emu_platform loopmsg__emu_platform; /* state_org.c */
typedef struct loopmsg__emu_lookups loopmsg__emu_lookups;   /* state_lookup.c */

loopmsg__emu_state *loopmsg__emu_state_new(const char *fixtures_path, char *errbuf,
                                           size_t errbuf_size);
void loopmsg__emu_state_free(loopmsg__emu_state *st);

/* For tests: lookups into the state's indexes and the slots they inspected, summed over
 * every index, since start (or the last state reload). Takes emu->lock. */
void loopmsg__emu_state_index_stats(loopmsg_emulator *emu, uint64_t *lookups_out,
                                    uint64_t *probes_out);

/* ---- events.c ------------------------------------------------------------------------- */

typedef struct loopmsg__emu_events loopmsg__emu_events;

loopmsg__emu_events *loopmsg__emu_events_start(loopmsg_emulator *emu);
void loopmsg__emu_events_stop(loopmsg__emu_events *ev);
/* Queue a webhook event (reference stolen) to be POSTed at due_mono_ms (monotonic clock).
 * Fills webhook_id and api_version when absent. No-op without a webhook URL. Returns the
 * webhook_id used (copied into id_out when non-NULL). */
void loopmsg__emu_events_post(loopmsg__emu_events *ev, json_t *event, int64_t due_mono_ms,
                              char id_out[LOOPMSG__EMU_ID_SIZE]);
/* As loopmsg__emu_events_post, to another URL and Authorization value (an organization's own
 * webhook settings); url NULL = the emulator's. */
void loopmsg__emu_events_post_to(loopmsg__emu_events *ev, json_t *event, int64_t due_mono_ms,
                                 const char *url, const char *header,
                                 char id_out[LOOPMSG__EMU_ID_SIZE]);
/* Drop every pending delivery. */
void loopmsg__emu_events_clear(loopmsg__emu_events *ev);
size_t loopmsg__emu_events_pending(loopmsg__emu_events *ev);

/* ---- the emulator object -------------------------------------------------------------- */

typedef struct loopmsg__emu_script {
    loopmsg_emulator_answer answer; /* strings owned */
    struct loopmsg__emu_script *next;
} loopmsg__emu_script;

typedef struct loopmsg__emu_faults {
    unsigned int latency_ms;
    double error_rate;
    int error_status;
    int error_code;
    double drop_rate;
} loopmsg__emu_faults;

struct loopmsg_emulator {
    struct MHD_Daemon *daemon;
    uint16_t port;
    char url[96];

    /* Copied options. */
    char *bind_address;
    char *api_key;
    char *lookup_api_key; /* LoopLookup's key (state_lookup.c) */
    char *webhook_url;
    char *webhook_header;
    char *fixtures_path;
    char *tls_cert_pem; /* file contents; libmicrohttpd reads them until the daemon stops */
    char *tls_key_pem;
    size_t tls_key_len;
    unsigned int delivery_delay_ms;
    double time_scale;
    bool quiet;
    bool webhook_duplicate;
    size_t max_buffered_bytes;
    void (*log_cb)(const char *line, void *user_data);
    void *log_user_data;

    /* Guards everything below and the state. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping;

    loopmsg__emu_script *script_head;
    loopmsg__emu_script *script_tail;

    loopmsg_emulator_request **requests;
    size_t request_count;
    size_t request_cap;

    loopmsg__emu_faults faults;

    /* Request-body bytes held by every connection together (at most max_buffered_bytes). */
    size_t buffered_bytes;

    loopmsg__emu_state *state;
    loopmsg__emu_events *events;
    loopmsg__emu_platform *platform; /* state_org.c; created on first use, under lock */
    loopmsg__emu_lookups *lookups;   /* state_lookup.c; created on first use, under lock */
};

/* The request log as {"count", "items"} (Authorization reduced to a boolean). */
json_t *loopmsg__emu_requests_json(loopmsg_emulator *emu);
void loopmsg__emu_faults_set(loopmsg_emulator *emu, const loopmsg__emu_faults *f);
loopmsg__emu_faults loopmsg__emu_faults_get(loopmsg_emulator *emu);

/* For tests: request-body bytes held right now across all connections. Takes emu->lock. */
size_t loopmsg__emu_buffered_bytes(loopmsg_emulator *emu);

/* Scale an emulated delay by time_scale. */
int64_t loopmsg__emu_scaled_ms(const loopmsg_emulator *emu, double ms);

/* ---- router.c ------------------------------------------------------------------------- */

/* The emulated Loop API (auth, validation, state). Called without emu->lock held. */
void loopmsg__emu_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                        loopmsg__emu_response *resp);
/* The /__sandbox/ control endpoints (no auth). */
void loopmsg__emu_route_sandbox(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                                loopmsg__emu_response *resp);

/* ---- state.c operations used by the router (each takes emu->lock itself) ---------------- */

/* key: the request's Authorization (an organization's key sends that organization's
 * webhooks to its own URL). */
void loopmsg__emu_state_send(loopmsg_emulator *emu, const json_t *body, const char *key,
                             loopmsg__emu_response *resp);
void loopmsg__emu_state_typing(loopmsg_emulator *emu, const json_t *body,
                               loopmsg__emu_response *resp);
void loopmsg__emu_state_status(loopmsg_emulator *emu, const char *message_id,
                               loopmsg__emu_response *resp);
void loopmsg__emu_state_audience_list(loopmsg_emulator *emu, const char *query,
                                      loopmsg__emu_response *resp);
void loopmsg__emu_state_audience_check(loopmsg_emulator *emu, const char *contact,
                                       loopmsg__emu_response *resp);
void loopmsg__emu_state_audience_delete(loopmsg_emulator *emu, const char *contact,
                                        loopmsg__emu_response *resp);
void loopmsg__emu_state_audience_messages(loopmsg_emulator *emu, const char *contact,
                                          const char *query, loopmsg__emu_response *resp);
void loopmsg__emu_state_tracker(loopmsg_emulator *emu, const char *query,
                                loopmsg__emu_response *resp);
void loopmsg__emu_state_campaign_new(loopmsg_emulator *emu, const json_t *body,
                                     loopmsg__emu_response *resp);
void loopmsg__emu_state_sender_list(loopmsg_emulator *emu, const char *query,
                                    loopmsg__emu_response *resp);
void loopmsg__emu_state_sender_get(loopmsg_emulator *emu, const char *id,
                                   loopmsg__emu_response *resp);
void loopmsg__emu_state_pool_list(loopmsg_emulator *emu, const char *query,
                                  loopmsg__emu_response *resp);
void loopmsg__emu_state_pool_get(loopmsg_emulator *emu, const char *id,
                                 loopmsg__emu_response *resp);
void loopmsg__emu_state_optin_url(loopmsg_emulator *emu, const json_t *body,
                                  loopmsg__emu_response *resp);
void loopmsg__emu_state_webhook_history(loopmsg_emulator *emu, const char *query,
                                        loopmsg__emu_response *resp);
/* Inbound message from a contact (sandbox inject). 0 or an error message. */
const char *loopmsg__emu_state_inject(loopmsg_emulator *emu, const json_t *body,
                                      char message_id_out[LOOPMSG__EMU_ID_SIZE]);
/* Record one webhook delivery attempt in the history (called by events.c). */
void loopmsg__emu_state_webhook_attempt(loopmsg_emulator *emu, const char *event_type,
                                        const char *json_text, unsigned int attempt,
                                        int http_status);
/* The senders or pools array ("senders" / "pools"), borrowed; caller holds emu->lock. */
json_t *loopmsg__emu_state_array(loopmsg__emu_state *st, const char *which);
/* The default organization's id (fixtures' organization_id). */
const char *loopmsg__emu_state_org_id(const loopmsg__emu_state *st);

/* ---- state_org.c: organizations, sender orders/moves/cancels, pool writes ---------------- */

/* Handle the request when it is one of state_org.c's endpoints (authentication included):
 * true when a response was written. Called first by loopmsg__emu_route. */
bool loopmsg__emu_platform_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                                 loopmsg__emu_response *resp);
/* Is key the key of an organization created through the API? */
bool loopmsg__emu_platform_key_known(loopmsg_emulator *emu, const char *key);
void loopmsg__emu_platform_free(loopmsg__emu_platform *p);
/* With emu->lock held: when key is the key of an organization other than the default one,
 * true and its webhook URL and header (NULL when unset; borrowed while the lock is held). */
bool loopmsg__emu_platform_webhook_locked(loopmsg_emulator *emu, const char *key, const char **url,
                                          const char **header);

/* ---- state_lookup.c: LoopLookup (its own key, same port) ---------------------------------- */

/* Handle the request when it is a LoopLookup endpoint (authentication included): true when
 * a response was written. Called by loopmsg__emu_route before anything else. */
bool loopmsg__emu_lookup_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                               loopmsg__emu_response *resp);
void loopmsg__emu_lookups_free(loopmsg__emu_lookups *l);

/* Replace the state by a fresh one from the fixtures. false on failure (state kept). */
bool loopmsg__emu_state_reload(loopmsg_emulator *emu);

#endif /* LOOPMSG_EMULATOR_INT_H */
