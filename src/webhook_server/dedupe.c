/* SPDX-License-Identifier: MIT */
/*
 * dedupe.c: the webhook_id set of the receiver. Loop redelivers an event up to
 * 30 times over about three hours with the same webhook_id; this set lets the receiver hand
 * each id to the callbacks once. Entries live in a FIFO ring (oldest first, so expiry and
 * eviction pop the head) indexed by an open-addressing hash table with linear probing. Both
 * grow by doubling up to the configured capacity, so an idle receiver stays small. No I/O.
 */
#include "dedupe_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define DEFAULT_CAPACITY 131072u
#define DEFAULT_TTL_S    86400u
#define INITIAL_RING     1024u

#define META_TIME      0x3fffffffu /* seconds since base */
#define META_IN_FLIGHT 0x40000000u
#define META_DEAD      0x80000000u

typedef struct entry {
    uint64_t h1;
    uint32_t h2;
    uint32_t meta;
} entry;

struct loopmsg__dedupe {
    pthread_mutex_t lock;
    uint64_t key[4]; /* two SipHash keys */
    uint64_t base;   /* Unix time that meta's clock counts from */
    size_t capacity;
    uint32_t ttl_s;
    entry *ring;
    size_t ring_cap, head, count;
    uint32_t *slots; /* ring position + 1; 0 = empty */
    size_t slot_mask;
    size_t in_flight;
    size_t dead; /* ring entries forgotten by finish(keep = 0) */
    uint64_t evicted_early;
};

/* ---- SipHash-2-4 (Aumasson and Bernstein), 64-bit output ----------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t load64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    const unsigned char *end = in + (len & ~(size_t)7);
    for (; in != end; in += 8) {
        uint64_t m = load64(in);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)in[i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static void random_key(uint64_t key[4])
{
    if (getrandom(key, 4 * sizeof key[0], 0) == (ssize_t)(4 * sizeof key[0]))
        return;
    /* No entropy available: the hash still spreads ids well, it is only less secret. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)key;
    for (int i = 0; i < 4; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        key[i] = seed;
    }
}

/* ---- the ring and the index -------------------------------------------------------------- */

static size_t ideal_slot(const loopmsg__dedupe *d, uint64_t h1)
{
    return (size_t)h1 & d->slot_mask;
}

/* The index slot that points at ring position pos, or SIZE_MAX. */
static size_t slot_of_pos(const loopmsg__dedupe *d, size_t pos)
{
    size_t i = ideal_slot(d, d->ring[pos].h1);
    while (d->slots[i]) {
        if (d->slots[i] == pos + 1)
            return i;
        i = (i + 1) & d->slot_mask;
    }
    return SIZE_MAX;
}

/* The ring position holding (h1, h2), or SIZE_MAX. */
static size_t find(const loopmsg__dedupe *d, uint64_t h1, uint32_t h2)
{
    size_t i = ideal_slot(d, h1);
    while (d->slots[i]) {
        const entry *e = &d->ring[d->slots[i] - 1];
        if (e->h1 == h1 && e->h2 == h2)
            return d->slots[i] - 1;
        i = (i + 1) & d->slot_mask;
    }
    return SIZE_MAX;
}

/* Remove slot i with backward-shift deletion, so that lookups need no tombstones. */
static void slot_remove(loopmsg__dedupe *d, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & d->slot_mask;
        if (!d->slots[j])
            break;
        size_t k = ideal_slot(d, d->ring[d->slots[j] - 1].h1);
        /* Move j back into the hole at i unless its ideal slot lies cyclically in (i, j]. */
        int keep = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!keep) {
            d->slots[i] = d->slots[j];
            i = j;
        }
    }
    d->slots[i] = 0;
}

static void slot_insert(loopmsg__dedupe *d, size_t pos)
{
    size_t i = ideal_slot(d, d->ring[pos].h1);
    while (d->slots[i])
        i = (i + 1) & d->slot_mask;
    d->slots[i] = (uint32_t)(pos + 1);
}

static uint32_t age_of(const loopmsg__dedupe *d, const entry *e, uint64_t now_s)
{
    uint64_t t = (uint64_t)(e->meta & META_TIME) + d->base;
    return now_s > t ? (uint32_t)(now_s - t > UINT32_MAX ? UINT32_MAX : now_s - t) : 0;
}

static void pop_head(loopmsg__dedupe *d)
{
    entry *e = &d->ring[d->head];
    if (!(e->meta & META_DEAD)) {
        size_t s = slot_of_pos(d, d->head);
        if (s != SIZE_MAX)
            slot_remove(d, s);
        if (e->meta & META_IN_FLIGHT)
            d->in_flight--;
    } else {
        d->dead--;
    }
    d->head = (d->head + 1) % d->ring_cap;
    d->count--;
}

/* Drop expired (and dead) entries from the head. An in-flight entry at the head stops the
 * sweep; it is very young compared with the TTL in any real setting. */
static void expire(loopmsg__dedupe *d, uint64_t now_s)
{
    while (d->count) {
        const entry *e = &d->ring[d->head];
        if (!(e->meta & META_DEAD) &&
            ((e->meta & META_IN_FLIGHT) || age_of(d, e, now_s) < d->ttl_s))
            break;
        pop_head(d);
    }
}

static int grow(loopmsg__dedupe *d)
{
    size_t cap = d->ring_cap ? d->ring_cap * 2 : INITIAL_RING;
    if (cap > d->capacity)
        cap = d->capacity;
    size_t nslots = 1;
    while (nslots < 2 * cap)
        nslots <<= 1;
    entry *ring = calloc(cap, sizeof *ring);
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!ring || !slots) {
        free(ring);
        free(slots);
        return -1;
    }
    for (size_t i = 0; i < d->count; i++)
        ring[i] = d->ring[(d->head + i) % d->ring_cap];
    free(d->ring);
    free(d->slots);
    d->ring = ring;
    d->ring_cap = cap;
    d->head = 0;
    d->slots = slots;
    d->slot_mask = nslots - 1;
    for (size_t i = 0; i < d->count; i++)
        if (!(ring[i].meta & META_DEAD))
            slot_insert(d, i);
    return 0;
}

static int insert(loopmsg__dedupe *d, uint64_t h1, uint32_t h2, uint32_t meta, uint64_t now_s)
{
    if (d->count == d->ring_cap) {
        if (d->ring_cap < d->capacity) {
            if (grow(d) != 0)
                return -1;
        } else {
            const entry *e = &d->ring[d->head];
            if (!(e->meta & META_DEAD) && age_of(d, e, now_s) < d->ttl_s)
                d->evicted_early++;
            pop_head(d);
        }
    }
    size_t pos = (d->head + d->count) % d->ring_cap;
    d->ring[pos].h1 = h1;
    d->ring[pos].h2 = h2;
    d->ring[pos].meta = meta;
    d->count++;
    slot_insert(d, pos);
    if (meta & META_IN_FLIGHT)
        d->in_flight++;
    return 0;
}

static uint32_t clock_of(const loopmsg__dedupe *d, uint64_t t)
{
    uint64_t rel = t > d->base ? t - d->base : 0;
    return (uint32_t)(rel > META_TIME ? META_TIME : rel);
}

static void hash_id(const loopmsg__dedupe *d, const char *id, size_t len, uint64_t *h1,
                    uint32_t *h2)
{
    *h1 = siphash(d->key[0], d->key[1], (const unsigned char *)id, len);
    *h2 = (uint32_t)siphash(d->key[2], d->key[3], (const unsigned char *)id, len);
}

/* ---- the interface ----------------------------------------------------------------------- */

loopmsg__dedupe *loopmsg__dedupe_new(size_t capacity, uint32_t ttl_s)
{
    loopmsg__dedupe *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->capacity = capacity ? capacity : DEFAULT_CAPACITY;
    if (d->capacity > UINT32_MAX - 1)
        d->capacity = UINT32_MAX - 1;
    d->ttl_s = ttl_s ? ttl_s : DEFAULT_TTL_S;
    /* The clock starts one TTL (and a margin) in the past so that ids restored from the
     * spool with their original times fit. */
    uint64_t now = (uint64_t)time(NULL);
    uint64_t back = (uint64_t)d->ttl_s + 3600;
    d->base = now > back ? now - back : 0;
    random_key(d->key);
    if (pthread_mutex_init(&d->lock, NULL) != 0 || grow(d) != 0) {
        free(d->ring);
        free(d->slots);
        free(d);
        return NULL;
    }
    return d;
}

void loopmsg__dedupe_free(loopmsg__dedupe *d)
{
    if (!d)
        return;
    pthread_mutex_destroy(&d->lock);
    free(d->ring);
    free(d->slots);
    free(d);
}

static loopmsg__dedupe_result claim(loopmsg__dedupe *d, const char *id, size_t len, uint64_t now_s,
                                    uint32_t state)
{
    uint64_t h1;
    uint32_t h2;
    hash_id(d, id, len, &h1, &h2);
    pthread_mutex_lock(&d->lock);
    expire(d, now_s);
    loopmsg__dedupe_result r;
    size_t pos = find(d, h1, h2);
    if (pos != SIZE_MAX)
        r = (d->ring[pos].meta & META_IN_FLIGHT) ? LOOPMSG__DEDUPE_IN_FLIGHT : LOOPMSG__DEDUPE_DONE;
    else if (insert(d, h1, h2, clock_of(d, now_s) | state, now_s) != 0)
        r = LOOPMSG__DEDUPE_NOMEM;
    else
        r = LOOPMSG__DEDUPE_NEW;
    pthread_mutex_unlock(&d->lock);
    return r;
}

loopmsg__dedupe_result loopmsg__dedupe_claim(loopmsg__dedupe *d, const char *id, size_t len,
                                             uint64_t now_s)
{
    return claim(d, id, len, now_s, META_IN_FLIGHT);
}

loopmsg__dedupe_result loopmsg__dedupe_claim_done(loopmsg__dedupe *d, const char *id, size_t len,
                                                  uint64_t now_s)
{
    return claim(d, id, len, now_s, 0);
}

void loopmsg__dedupe_finish(loopmsg__dedupe *d, const char *id, size_t len, int keep)
{
    uint64_t h1;
    uint32_t h2;
    hash_id(d, id, len, &h1, &h2);
    pthread_mutex_lock(&d->lock);
    size_t pos = find(d, h1, h2);
    if (pos != SIZE_MAX) {
        entry *e = &d->ring[pos];
        if (e->meta & META_IN_FLIGHT) {
            e->meta &= ~META_IN_FLIGHT;
            d->in_flight--;
        }
        if (!keep) {
            /* The ring slot stays (it leaves when it reaches the head); the index forgets it. */
            size_t s = slot_of_pos(d, pos);
            if (s != SIZE_MAX)
                slot_remove(d, s);
            e->meta |= META_DEAD;
            d->dead++;
        }
    }
    pthread_mutex_unlock(&d->lock);
}

int loopmsg__dedupe_add_done(loopmsg__dedupe *d, const char *id, size_t len, uint64_t seen_s,
                             uint64_t now_s)
{
    if (now_s > seen_s && now_s - seen_s >= d->ttl_s)
        return 0;
    uint64_t h1;
    uint32_t h2;
    hash_id(d, id, len, &h1, &h2);
    pthread_mutex_lock(&d->lock);
    int rc = 0;
    if (find(d, h1, h2) == SIZE_MAX)
        rc = insert(d, h1, h2, clock_of(d, seen_s), now_s);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void loopmsg__dedupe_stats_get(loopmsg__dedupe *d, loopmsg__dedupe_stats *out)
{
    pthread_mutex_lock(&d->lock);
    out->entries = d->count - d->dead;
    out->in_flight = d->in_flight;
    out->evicted_early = d->evicted_early;
    out->bytes = d->ring_cap * sizeof(entry) + (d->slot_mask + 1) * sizeof(uint32_t);
    pthread_mutex_unlock(&d->lock);
}
