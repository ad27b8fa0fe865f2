/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_load.c: the receiver under load. 32 threads (libcurl easy, keep-alive)
 * post 2,000 distinct events and 500 repeats: every request is answered 200 and every
 * distinct event reaches the callbacks exactly once. Then the durable mode under load: a
 * child receiver is killed with SIGKILL while 8 threads post, and every event it
 * acknowledged is delivered by the next receiver on the same spool. (Separate from
 * test_webhook_server.c so that the valgrind run can skip it.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "test_support.h"
#include "webhook_support.h"

#define SECRET "load-secret"

/* ---- 32 threads, 2,000 distinct events, 500 repeats ------------------------------------- */

#define LOAD_THREADS  32
#define LOAD_DISTINCT 2000
#define LOAD_REPEATS  500

typedef struct load_arg {
    uint16_t port;
    int thread;
    int non_200;
    int done;
} load_arg;

static void *load_thread(void *p)
{
    load_arg *a = p;
    CURL *c = curl_easy_init();
    /* Thread t posts the distinct ids t, t+32, ... and, interleaved, repeats of ids that
     * other threads own, so that repeats race with their first copy. */
    int repeat_i = a->thread;
    for (int i = a->thread; i < LOAD_DISTINCT; i += LOAD_THREADS) {
        a->non_200 += wh_post_id(c, a->port, SECRET, "load", i) != 200;
        a->done++;
        if (repeat_i < LOAD_REPEATS) {
            /* 7 and 2000 are coprime: 500 different ids, each repeated once. */
            a->non_200 +=
                wh_post_id(c, a->port, SECRET, "load", (repeat_i * 7 + 3) % LOAD_DISTINCT) != 200;
            a->done++;
            repeat_i += LOAD_THREADS;
        }
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_webhook_server_load__32_threads_each_event_once(void **state)
{
    (void)state;
    wh_counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = wh_counter_start(cnt, SECRET, NULL);
    load_arg args[LOAD_THREADS];
    pthread_t th[LOAD_THREADS];
    uint64_t t0 = ts_now_ms();
    for (int i = 0; i < LOAD_THREADS; i++) {
        args[i] = (load_arg){loopmsg_webhook_server_port(srv), i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, load_thread, &args[i]), 0);
    }
    int non_200 = 0, done = 0;
    for (int i = 0; i < LOAD_THREADS; i++) {
        pthread_join(th[i], NULL);
        non_200 += args[i].non_200;
        done += args[i].done;
    }
    print_message("%d requests in %.2f s\n", done, (double)(ts_now_ms() - t0) / 1000.0);
    assert_int_equal(done, LOAD_DISTINCT + LOAD_REPEATS);
    assert_int_equal(non_200, 0);
    wh_wait_total(cnt, LOAD_DISTINCT, 60000);
    loopmsg_webhook_server_stop(srv);
    for (int i = 0; i < LOAD_DISTINCT; i++)
        if (atomic_load(&cnt->per_id[i]) != 1)
            fail_msg("load-%04d delivered %d times", i, atomic_load(&cnt->per_id[i]));
    assert_int_equal(atomic_load(&cnt->total), LOAD_DISTINCT);
    assert_int_equal(atomic_load(&cnt->other), 0);
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.requests, LOAD_DISTINCT + LOAD_REPEATS);
    assert_int_equal(st.accepted, LOAD_DISTINCT);
    assert_int_equal(st.duplicates, LOAD_REPEATS);
    assert_int_equal(st.handled, LOAD_DISTINCT);
    assert_int_equal(st.busy, 0);
    assert_int_equal(st.rejected, 0);
    loopmsg_webhook_server_free(srv);
    free(cnt);
}

/* ---- durable mode: SIGKILL while 8 threads post ---------------------------------------- */

typedef struct poster {
    uint16_t port;
    int first, step, count;
    atomic_long *status; /* per id: the HTTP status it got */
    atomic_int *stop;
} poster;

static void *poster_main(void *p)
{
    poster *a = p;
    CURL *c = curl_easy_init();
    for (int i = a->first; i < a->count && !atomic_load(a->stop); i += a->step)
        atomic_store(&a->status[i], wh_post_id(c, a->port, SECRET, "dur", i));
    curl_easy_cleanup(c);
    return NULL;
}

static int count_acked(atomic_long *status, int n)
{
    int acked = 0;
    for (int k = 0; k < n; k++)
        acked += atomic_load(&status[k]) == 200;
    return acked;
}

static void test_webhook_server_load__kill9_under_load_loses_no_acknowledged_event(void **state)
{
    (void)state;
    char *dir = wh_spool_dir_new();
    uint16_t port;
    pid_t pid = wh_spawn_blocked_receiver(SECRET, dir, 1, &port);

    enum { THREADS = 8, COUNT = 3000 };
    atomic_long *status = calloc(COUNT, sizeof *status);
    assert_non_null(status);
    atomic_int stop = 0;
    poster args[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (poster){port, i, THREADS, COUNT, status, &stop};
        assert_int_equal(pthread_create(&th[i], NULL, poster_main, &args[i]), 0);
    }
    /* Let a few hundred through, then pull the plug in mid-stream. */
    uint64_t end = ts_now_ms() + 60000;
    while (count_acked(status, COUNT) < 200 && ts_now_ms() < end)
        ts_sleep_ms(2);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    int acked = count_acked(status, COUNT);
    print_message("%d events acknowledged before SIGKILL\n", acked);
    assert_true(acked >= 200);

    wh_counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = wh_counter_start(cnt, SECRET, dir);
    wh_wait_total(cnt, acked, 60000);
    loopmsg_webhook_server_free(srv);
    for (int k = 0; k < COUNT; k++) {
        int n = atomic_load(&cnt->per_id[k]);
        if (atomic_load(&status[k]) == 200 && n != 1)
            fail_msg("dur-%04d was acknowledged but delivered %d times", k, n);
        /* An unacknowledged one may come back (its write landed before the kill), once. */
        assert_true(n <= 1);
    }
    assert_int_equal(atomic_load(&cnt->other), 0);
    free(cnt);
    free(status);
    wh_spool_dir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_server_load__32_threads_each_event_once),
        cmocka_unit_test(test_webhook_server_load__kill9_under_load_loses_no_acknowledged_event),
    };
    return cmocka_run_group_tests(tests, wh_group_setup, wh_group_teardown);
}
