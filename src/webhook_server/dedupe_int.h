/* SPDX-License-Identifier: MIT */
/*
 * dedupe_int.h: the set of webhook_ids already accepted, so none runs twice. Bounded memory: at
 * most `capacity` ids, 16 bytes each plus an index, allocated as the set grows. An id is kept
 * at least `ttl_s` seconds unless the set is full, in which case the oldest goes first and is
 * counted in evicted_early. Ids are stored as a 96-bit keyed hash (SipHash-2-4 with a random
 * key per set), so two ids collide with negligible probability and an outsider cannot aim
 * for a collision. Thread-safe: every function takes the set's own lock.
 */
#ifndef LOOPMSG_WEBHOOK_DEDUPE_INT_H
#define LOOPMSG_WEBHOOK_DEDUPE_INT_H

#include <stddef.h>
#include <stdint.h>

typedef struct loopmsg__dedupe loopmsg__dedupe;

/* Outcome of loopmsg__dedupe_claim. */
typedef enum loopmsg__dedupe_result {
    LOOPMSG__DEDUPE_NEW = 0,   /* not seen: now recorded as in flight */
    LOOPMSG__DEDUPE_IN_FLIGHT, /* claimed earlier, its handling has not finished */
    LOOPMSG__DEDUPE_DONE,      /* handled (or acknowledged) before */
    LOOPMSG__DEDUPE_NOMEM      /* could not record it */
} loopmsg__dedupe_result;

/* capacity 0 = 131072; ttl_s 0 = 86400. NULL on allocation failure. */
loopmsg__dedupe *loopmsg__dedupe_new(size_t capacity, uint32_t ttl_s);
void loopmsg__dedupe_free(loopmsg__dedupe *d);

/* Look id up and, when it is new, record it as in flight at time now_s (Unix seconds). */
loopmsg__dedupe_result loopmsg__dedupe_claim(loopmsg__dedupe *d, const char *id, size_t len,
                                             uint64_t now_s);

/* claim, but a new id is recorded as done at once, so that the handling need not come back
 * to the set: only for a caller with nothing that can fail between the claim and queuing
 * the event (the receiver without spool or acknowledge-after-handling reserves its queue
 * slot before claiming). */
loopmsg__dedupe_result loopmsg__dedupe_claim_done(loopmsg__dedupe *d, const char *id, size_t len,
                                                  uint64_t now_s);

/* The handling of a claimed id finished: keep it as done (keep != 0), or forget it so that a
 * redelivery is handled again (keep == 0). Unknown ids are ignored. */
void loopmsg__dedupe_finish(loopmsg__dedupe *d, const char *id, size_t len, int keep);

/* Record id as done at time seen_s (restoring the set from the spool). Ids older than the TTL
 * at now_s are skipped. Returns 0, or -1 on allocation failure. */
int loopmsg__dedupe_add_done(loopmsg__dedupe *d, const char *id, size_t len, uint64_t seen_s,
                             uint64_t now_s);

typedef struct loopmsg__dedupe_stats {
    size_t entries; /* ids currently held (in flight and done) */
    size_t in_flight;
    uint64_t evicted_early; /* ids dropped before their TTL because the set was full */
    size_t bytes;           /* memory allocated for the set */
} loopmsg__dedupe_stats;

void loopmsg__dedupe_stats_get(loopmsg__dedupe *d, loopmsg__dedupe_stats *out);

#endif
