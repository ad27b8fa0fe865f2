/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_dedupe.c: the receiver's webhook_id set: new, in flight, done,
 * forgotten after a failure, kept for the TTL and no longer, bounded by its capacity, and
 * consistent with a plain reference set under a long random sequence of operations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "webhook_server/dedupe_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW ((uint64_t)time(NULL))

static loopmsg__dedupe_result claim(loopmsg__dedupe *d, const char *id, uint64_t now)
{
    return loopmsg__dedupe_claim(d, id, strlen(id), now);
}

static void test_webhook_dedupe__new_in_flight_done(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(0, 0);
    assert_non_null(d);
    uint64_t now = NOW;
    assert_int_equal(claim(d, "a", now), LOOPMSG__DEDUPE_NEW);
    assert_int_equal(claim(d, "a", now), LOOPMSG__DEDUPE_IN_FLIGHT);
    assert_int_equal(claim(d, "b", now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.in_flight, 2);
    loopmsg__dedupe_finish(d, "a", 1, 1);
    assert_int_equal(claim(d, "a", now), LOOPMSG__DEDUPE_DONE);
    assert_int_equal(claim(d, "b", now), LOOPMSG__DEDUPE_IN_FLIGHT);
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.in_flight, 1);
    /* Ids are compared as bytes, prefixes and all. */
    assert_int_equal(claim(d, "aa", now), LOOPMSG__DEDUPE_NEW);
    assert_int_equal(loopmsg__dedupe_claim(d, "a\0x", 3, now), LOOPMSG__DEDUPE_NEW);
    /* Finishing an unknown id is harmless. */
    loopmsg__dedupe_finish(d, "zzz", 3, 1);
    loopmsg__dedupe_finish(d, "zzz", 3, 0);
    loopmsg__dedupe_free(d);
    loopmsg__dedupe_free(NULL);
}

static void test_webhook_dedupe__failed_handling_forgets_the_id(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(0, 0);
    uint64_t now = NOW;
    assert_int_equal(claim(d, "x", now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_finish(d, "x", 1, 0);
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.in_flight, 0);
    /* The redelivery is new again, and then done for good. */
    assert_int_equal(claim(d, "x", now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_finish(d, "x", 1, 1);
    assert_int_equal(claim(d, "x", now), LOOPMSG__DEDUPE_DONE);
    loopmsg__dedupe_free(d);
}

/* claim_done: a new id is done at once, a repeat is DONE (never IN_FLIGHT), and a failure to
 * queue can still forget it. */
static void test_webhook_dedupe__claim_done_needs_no_finish(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(0, 0);
    uint64_t now = NOW;
    assert_int_equal(loopmsg__dedupe_claim_done(d, "a", 1, now), LOOPMSG__DEDUPE_NEW);
    assert_int_equal(loopmsg__dedupe_claim_done(d, "a", 1, now), LOOPMSG__DEDUPE_DONE);
    assert_int_equal(claim(d, "a", now), LOOPMSG__DEDUPE_DONE);
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(claim(d, "b", now), LOOPMSG__DEDUPE_NEW);
    assert_int_equal(loopmsg__dedupe_claim_done(d, "b", 1, now), LOOPMSG__DEDUPE_IN_FLIGHT);
    assert_int_equal(loopmsg__dedupe_claim_done(d, "c", 1, now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_finish(d, "c", 1, 0);
    assert_int_equal(loopmsg__dedupe_claim_done(d, "c", 1, now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.in_flight, 1);
    loopmsg__dedupe_free(d);
}

static void test_webhook_dedupe__kept_for_the_ttl_and_then_expired(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(0, 0); /* default TTL: 24 h */
    uint64_t t0 = NOW;
    assert_int_equal(claim(d, "old", t0), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_finish(d, "old", 3, 1);
    /* Loop's redeliveries span about three hours; 23 h 59 min later it is still known. */
    assert_int_equal(claim(d, "old", t0 + 86400 - 60), LOOPMSG__DEDUPE_DONE);
    /* After 24 h it may go (and does, once something else is claimed). */
    assert_int_equal(claim(d, "other", t0 + 86400 + 1), LOOPMSG__DEDUPE_NEW);
    assert_int_equal(claim(d, "old", t0 + 86400 + 1), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.evicted_early, 0);
    loopmsg__dedupe_free(d);
}

static void test_webhook_dedupe__bounded_by_capacity(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(5000, 3600);
    uint64_t now = NOW;
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        assert_int_equal(claim(d, id, now), LOOPMSG__DEDUPE_NEW);
        loopmsg__dedupe_finish(d, id, strlen(id), 1);
    }
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 5000);
    assert_int_equal(st.evicted_early, 15000);
    /* Memory: 16 bytes per entry plus an index of at most 4 slots of 4 bytes per entry. */
    assert_true(st.bytes <= 5000 * 16 + 4 * 5000 * 4);
    /* The newest 5000 are remembered, the older ones were pushed out. */
    for (int i = 15000; i < 20000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        assert_int_equal(claim(d, id, now), LOOPMSG__DEDUPE_DONE);
    }
    snprintf(id, sizeof id, "id-%d", 14999);
    assert_int_equal(claim(d, id, now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_free(d);
}

static void test_webhook_dedupe__starts_small_and_grows(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(1u << 20, 0);
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    size_t empty = st.bytes;
    assert_true(empty < 64 * 1024);
    uint64_t now = NOW;
    char id[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "grow-%d", i);
        assert_int_equal(claim(d, id, now), LOOPMSG__DEDUPE_NEW);
    }
    loopmsg__dedupe_stats_get(d, &st);
    assert_int_equal(st.entries, 10000);
    assert_int_equal(st.in_flight, 10000);
    assert_true(st.bytes > empty);
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "grow-%d", i);
        assert_int_equal(claim(d, id, now), LOOPMSG__DEDUPE_IN_FLIGHT);
    }
    loopmsg__dedupe_free(d);
}

static void test_webhook_dedupe__restored_ids(void **state)
{
    (void)state;
    loopmsg__dedupe *d = loopmsg__dedupe_new(0, 3600);
    uint64_t now = NOW;
    assert_int_equal(loopmsg__dedupe_add_done(d, "recent", 6, now - 100, now), 0);
    assert_int_equal(loopmsg__dedupe_add_done(d, "stale", 5, now - 7200, now), 0);
    assert_int_equal(claim(d, "recent", now), LOOPMSG__DEDUPE_DONE);
    assert_int_equal(claim(d, "stale", now), LOOPMSG__DEDUPE_NEW);
    loopmsg__dedupe_free(d);
}

/* A long random sequence of claims and finishes against a plain array: exercises the
 * backward-shift deletion of the index under many collisions (tiny table, many removals). */
static void test_webhook_dedupe__matches_a_reference_set(void **state)
{
    (void)state;
    enum { IDS = 3000, OPS = 200000 };
    loopmsg__dedupe *d = loopmsg__dedupe_new(1u << 18, 0); /* > inserts: nothing evicted */
    signed char *ref = calloc(IDS, 1);                     /* 0 unknown, 1 in flight, 2 done */
    assert_non_null(ref);
    uint64_t now = NOW;
    unsigned int seed = 12345;
    char id[32];
    for (int op = 0; op < OPS; op++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 8) % IDS);
        snprintf(id, sizeof id, "r%d", k);
        seed = seed * 1103515245u + 12345u;
        int what = (int)((seed >> 8) % 3);
        if (what == 0 || ref[k] == 0) {
            loopmsg__dedupe_result r = claim(d, id, now);
            loopmsg__dedupe_result want = ref[k] == 0   ? LOOPMSG__DEDUPE_NEW
                                          : ref[k] == 1 ? LOOPMSG__DEDUPE_IN_FLIGHT
                                                        : LOOPMSG__DEDUPE_DONE;
            if (r != want)
                fail_msg("op %d id %s: got %d want %d", op, id, r, want);
            if (ref[k] == 0)
                ref[k] = 1;
        } else if (ref[k] == 1) {
            int keep = what == 1;
            loopmsg__dedupe_finish(d, id, strlen(id), keep);
            ref[k] = keep ? 2 : 0;
        }
    }
    loopmsg__dedupe_stats st;
    loopmsg__dedupe_stats_get(d, &st);
    size_t known = 0, flying = 0;
    for (int k = 0; k < IDS; k++) {
        known += ref[k] != 0;
        flying += ref[k] == 1;
    }
    assert_int_equal(st.entries, known);
    assert_int_equal(st.in_flight, flying);
    free(ref);
    loopmsg__dedupe_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__new_in_flight_done, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__failed_handling_forgets_the_id,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__claim_done_needs_no_finish, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__kept_for_the_ttl_and_then_expired,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__bounded_by_capacity, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__starts_small_and_grows, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__restored_ids, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dedupe__matches_a_reference_set, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
