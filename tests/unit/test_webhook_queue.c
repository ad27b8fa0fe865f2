/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_queue.c: the bounded queue between the HTTP threads and the workers: the
 * bound counts reservations, FIFO order, close semantics, waiting for idle, and many
 * producers and consumers losing nothing.
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

static void test_webhook_queue__many_producers_and_consumers_lose_nothing(void **state)
{
    (void)state;
    mp m = {loopmsg__queue_new(64), 0, 0, 0, 0};
    pthread_t prod[8], cons[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&cons[i], NULL, consumer, &m), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_queue__bound_counts_reservations, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_queue__close_drains_then_ends, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(
            test_webhook_queue__many_producers_and_consumers_lose_nothing, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
