/* SPDX-License-Identifier: MIT */
/*
 * map.c: the emulator's string-keyed index (open addressing, linear probing, power-of-two
 * table grown at half load). state.c keeps one per lookup that grows with use (contacts by
 * value and by id, messages by id, groups by id, opt-in codes) so that a sandbox holding
 * 40,000 contacts answers as fast as a fresh one. Keys are borrowed from the values they
 * index and entries are never removed (a state reload builds a fresh state), so there are no
 * tombstones. It counts lookups and probed slots for the tests. No locking: the caller holds
 * emu->lock. The hash is FNV-1a with a final mix; it spreads ids well but is not keyed, which
 * is enough for a local emulator (the webhook receiver's dedupe set uses SipHash).
 */
#include "emulator_int.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_CAP 64u

static uint64_t hash_key(const char *key)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    /* FNV-1a leaves the low bits weak for short keys; the table indexes by them. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void loopmsg__emu_map_clear(loopmsg__emu_map *m)
{
    if (m) {
        free(m->slots);
        memset(m, 0, sizeof *m);
    }
}

void *loopmsg__emu_map_get(loopmsg__emu_map *m, const char *key)
{
    m->lookups++;
    if (!m->count || !key)
        return NULL;
    uint64_t h = hash_key(key);
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const loopmsg__emu_map_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        m->probes++;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return s->value;
    }
}

static void place(loopmsg__emu_map_slot *slots, size_t mask, const loopmsg__emu_map_slot *e)
{
    size_t i = (size_t)e->hash & mask;
    while (slots[i].key)
        i = (i + 1) & mask;
    slots[i] = *e;
}

static bool grow(loopmsg__emu_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : INITIAL_CAP;
    if (cap < m->cap || cap > SIZE_MAX / sizeof *m->slots)
        return false;
    loopmsg__emu_map_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            place(slots, cap - 1, &m->slots[i]);
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

bool loopmsg__emu_map_reserve(loopmsg__emu_map *m, size_t count)
{
    if (count > SIZE_MAX / 2)
        return false;
    while (count * 2 > m->cap)
        if (!grow(m))
            return false;
    return true;
}

bool loopmsg__emu_map_put(loopmsg__emu_map *m, const char *key, void *value)
{
    if (!key || !loopmsg__emu_map_reserve(m, m->count + 1))
        return false;
    uint64_t h = hash_key(key);
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    for (; m->slots[i].key; i = (i + 1) & mask) {
        /* The first entry for a key wins, as the linear scans it replaces found it first. */
        if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
            return true;
    }
    m->slots[i].hash = h;
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->count++;
    return true;
}
