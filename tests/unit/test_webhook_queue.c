/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_queue.c: the bounded queue between the HTTP threads and the workers: the
 * bound counts reservations, FIFO order, close semantics, waiting for idle, many
 * producers and consumers losing nothing, and the lingering pop (pop_batch): what ends a
 * linger early (a batch's worth of items, close) and that lingering loses nothing either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "webhook_server/queue_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static void test_webhook_queue__bound_counts_reservations(void **state)
{
    (void)state;
    loopmsg__queue *q = loopmsg__queue_new(2);
    assert_non_null(q);
    assert_int_equal(loopmsg__queue_reserve(q), 0);
    assert_int_equal(loopmsg__queue_reserve(q), 0);
    assert_int_equal(loopmsg__queue_reserve(q), -1); /* full: two promised */
    loopmsg__queue_unreserve(q);
    assert_int_equal(loopmsg__queue_reserve(q), 0);
    static int a, b;
    loopmsg__queue_push_reserved(q, &a);
    loopmsg__queue_push_reserved(q, &b);
    assert_int_equal(loopmsg__queue_reserve(q), -1);
    size_t queued, active;
    loopmsg__queue_depth(q, &queued, &active);
    assert_int_equal(queued, 2);
    assert_int_equal(active, 0);
    assert_ptr_equal(loopmsg__queue_pop(q), &a); /* FIFO */
    loopmsg__queue_depth(q, &queued, &active);
    assert_int_equal(queued, 1);
    assert_int_equal(active, 1);
    assert_int_equal(loopmsg__queue_reserve(q), 0);
    loopmsg__queue_unreserve(q);
    assert_ptr_equal(loopmsg__queue_pop(q), &b);
    loopmsg__queue_task_done(q);
    loopmsg__queue_task_done(q);
    loopmsg__queue_wait_idle(q); /* returns at once */
    loopmsg__queue_free(q);
    loopmsg__queue_free(NULL);
}

static void test_webhook_queue__close_drains_then_ends(void **state)
{
    (void)state;
    loopmsg__queue *q = loopmsg__queue_new(4);
    static int a;
    assert_int_equal(loopmsg__queue_push_wait(q, &a), 0);
    loopmsg__queue_close(q);
    assert_int_equal(loopmsg__queue_reserve(q), -1);
    assert_int_equal(loopmsg__queue_push_wait(q, &a), -1);
    assert_ptr_equal(loopmsg__queue_pop(q), &a); /* queued items still come out */
    loopmsg__queue_task_done(q);
    assert_null(loopmsg__queue_pop(q));
    assert_null(loopmsg__queue_pop(q));
    loopmsg__queue_free(q);
}

typedef struct mp {
    loopmsg__queue *q;
    atomic_long produced, consumed, sum, refused;
} mp;

static void *producer(void *p)
{
    mp *m = p;
    for (long i = 1; i <= 5000; i++) {
        if (loopmsg__queue_reserve(m->q) != 0) {
            atomic_fetch_add(&m->refused, 1);
            /* Retry the same item with the blocking push. */
            if (loopmsg__queue_push_wait(m->q, (void *)(intptr_t)i) != 0)
                abort();
        } else {
            loopmsg__queue_push_reserved(m->q, (void *)(intptr_t)i);
        }
        atomic_fetch_add(&m->produced, i);
    }
    return NULL;
}

static void *consumer(void *p)
{
    mp *m = p;
    void *item;
    while ((item = loopmsg__queue_pop(m->q)) != NULL) {
        atomic_fetch_add(&m->sum, (long)(intptr_t)item);
        atomic_fetch_add(&m->consumed, 1);
        loopmsg__queue_task_done(m->q);
    }
    return NULL;
}

/* A worker as the receiver runs it: batches, lingering 1 ms when the queue runs empty. */
static void *lingering_consumer(void *p)
{
    mp *m = p;
    void *items[16];
    size_t n;
    while ((n = loopmsg__queue_pop_batch(m->q, items, 16, 4, 1)) > 0) {
        for (size_t i = 0; i < n; i++) {
            atomic_fetch_add(&m->sum, (long)(intptr_t)items[i]);
            atomic_fetch_add(&m->consumed, 1);
        }
        loopmsg__queue_tasks_done(m->q, n);
    }
    return NULL;
}

static void many_producers_and_consumers(void *(*consume)(void *))
{
    mp m = {loopmsg__queue_new(64), 0, 0, 0, 0};
    pthread_t prod[8], cons[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&cons[i], NULL, consume, &m), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&prod[i], NULL, producer, &m), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(prod[i], NULL);
    loopmsg__queue_wait_idle(m.q);
    assert_int_equal(atomic_load(&m.consumed), 8 * 5000);
    assert_int_equal(atomic_load(&m.sum), atomic_load(&m.produced));
    loopmsg__queue_close(m.q);
    for (int i = 0; i < 4; i++)
        pthread_join(cons[i], NULL);
    loopmsg__queue_free(m.q);
}

static void test_webhook_queue__many_producers_and_consumers_lose_nothing(void **state)
{
    (void)state;
    many_producers_and_consumers(consumer);
}

static void test_webhook_queue__lingering_consumers_lose_nothing(void **state)
{
    (void)state;
    many_producers_and_consumers(lingering_consumer);
}

typedef struct linger_arg {
    loopmsg__queue *q;
    size_t got;
    uint64_t took_ms;
} linger_arg;

/* One pop that would linger a minute on an empty queue. */
static void *linger_a_minute(void *p)
{
    linger_arg *a = p;
    void *items[8];
    uint64_t t0 = ts_now_ms();
    a->got = loopmsg__queue_pop_batch(a->q, items, 8, 1, 60000);
    a->took_ms = ts_now_ms() - t0;
    return NULL;
}

/* Producers do not wake a lingering consumer for one item, but do once a batch's worth
 * (a quarter of this queue: 2) is waiting. Broken, the pop would take its full minute. */
static void test_webhook_queue__a_batch_ends_a_linger(void **state)
{
    (void)state;
    linger_arg a = {loopmsg__queue_new(8), 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, linger_a_minute, &a), 0);
    static int x, y;
    assert_int_equal(loopmsg__queue_reserve(a.q), 0);
    loopmsg__queue_push_reserved(a.q, &x);
    assert_int_equal(loopmsg__queue_reserve(a.q), 0);
    loopmsg__queue_push_reserved(a.q, &y);
    pthread_join(t, NULL);
    assert_true(a.got >= 1);
    assert_true(a.took_ms < 30000);
    loopmsg__queue_tasks_done(a.q, a.got);
    loopmsg__queue_free(a.q);
}

static void test_webhook_queue__close_ends_a_linger(void **state)
{
    (void)state;
    linger_arg a = {loopmsg__queue_new(8), 99, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, linger_a_minute, &a), 0);
    loopmsg__queue_close(a.q);
    pthread_join(t, NULL);
    assert_int_equal(a.got, 0);
    assert_true(a.took_ms < 30000);
    loopmsg__queue_free(a.q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_queue__bound_counts_reservations, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_queue__close_drains_then_ends, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(
            test_webhook_queue__many_producers_and_consumers_lose_nothing, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_queue__lingering_consumers_lose_nothing,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_queue__a_batch_ends_a_linger, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_queue__close_ends_a_linger, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
