/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_durable.c: the receiver's durable mode across a crash. A child process
 * runs a receiver with a spool whose callbacks never return; the parent gets its 200s, kills
 * the child with SIGKILL, and a new receiver on the same spool must deliver every event that
 * was acknowledged (and remember the ids it handled across a clean restart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_support.h"
#include "webhook_support.h"

#define SECRET "durable-secret"

/* SIGKILL the child receiver and reap it. */
static void kill9(pid_t pid)
{
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* ---- tests ------------------------------------------------------------------------------ */

#define N_ACKED 50

static void
test_webhook_server_durable__kill9_then_restart_delivers_every_acknowledged_event(void **state)
{
    (void)state;
    char *dir = wh_spool_dir_new();
    uint16_t port;
    pid_t pid = wh_spawn_blocked_receiver(SECRET, dir, 2, &port);

    CURL *c = curl_easy_init();
    for (int i = 0; i < N_ACKED; i++)
        assert_int_equal(wh_post_id(c, port, SECRET, "dur", i), 200);
    curl_easy_cleanup(c);
    /* Two events sit in the child's blocked callbacks, the rest in its queue. */
    kill9(pid);

    wh_counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = wh_counter_start(cnt, SECRET, dir);
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.recovered, N_ACKED);
    wh_wait_total(cnt, N_ACKED, 20000);
    loopmsg_webhook_server_free(srv);
    for (int i = 0; i < N_ACKED; i++)
        if (atomic_load(&cnt->per_id[i]) != 1)
            fail_msg("dur-%04d delivered %d times after the crash", i,
                     atomic_load(&cnt->per_id[i]));
    assert_int_equal(atomic_load(&cnt->total), N_ACKED);

    /* A clean restart: nothing is pending any more, and the handled ids are remembered, so
     * that a late redelivery from Loop is not handled twice. */
    memset(cnt, 0, sizeof *cnt);
    srv = wh_counter_start(cnt, SECRET, dir);
    st = (loopmsg_webhook_server_stats)LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.recovered, 0);
    assert_int_equal(st.dedupe_entries, N_ACKED);
    c = curl_easy_init();
    assert_int_equal(wh_post_id(c, loopmsg_webhook_server_port(srv), SECRET, "dur", 7), 200);
    assert_int_equal(wh_post_id(c, loopmsg_webhook_server_port(srv), SECRET, "dur", N_ACKED), 200);
    curl_easy_cleanup(c);
    wh_wait_total(cnt, 1, 20000);
    loopmsg_webhook_server_free(srv);
    assert_int_equal(atomic_load(&cnt->total), 1);
    assert_int_equal(atomic_load(&cnt->per_id[N_ACKED]), 1);
    assert_int_equal(atomic_load(&cnt->per_id[7]), 0);
    free(cnt);
    wh_spool_dir_free(dir);
}

static void test_webhook_server_durable__spool_in_use_is_refused(void **state)
{
    (void)state;
    char *dir = wh_spool_dir_new();
    wh_counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = wh_counter_start(cnt, SECRET, dir);
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.spool_dir = dir;
    loopmsg_webhook_server *second = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_server_start(&o, &second, &err), LOOPMSG_E_STATE);
    assert_non_null(strstr(err.message, "in use by another receiver"));
    assert_null(second);
    loopmsg_webhook_server_free(srv);
    /* Free again once the first one is gone. */
    assert_int_equal(loopmsg_webhook_server_start(&o, &second, &err), LOOPMSG_OK);
    loopmsg_webhook_server_free(second);
    /* A spool path that cannot be a directory. */
    o.spool_dir = "/proc/version/spool";
    assert_int_equal(loopmsg_webhook_server_start(&o, &second, &err), LOOPMSG_E_STATE);
    assert_non_null(strstr(err.message, "webhook spool: cannot create spool directory"));
    free(cnt);
    wh_spool_dir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_webhook_server_durable__kill9_then_restart_delivers_every_acknowledged_event),
        cmocka_unit_test(test_webhook_server_durable__spool_in_use_is_refused),
    };
    return cmocka_run_group_tests(tests, wh_group_setup, wh_group_teardown);
}
