/* SPDX-License-Identifier: MIT */
/*
 * test_async.c: the asynchronous API's rules, each with its own
 * test: no callback after a failed submission; exactly one callback (cancel and free
 * included); never from inside the submitting call; re-entrant calls refused; parameters
 * copied at submission; wakeup from another thread; batch order; pacing.
 */
#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct tally {
    int calls;
    int ok;
    loopmsg_status last;
    char last_id[64];
    unsigned int last_flags;
    uint64_t last_at;
    loopmsg_client *client;
    loopmsg_status reentrant_poll, reentrant_run, reentrant_sync, reentrant_batch;
    int chain;
} tally;

static void on_send(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                    const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally *t = ud;
    t->calls++;
    t->last = err->status;
    t->last_flags = err->flags;
    t->last_at = ts_now_ms();
    assert_non_null(err);
    if (r) {
        t->ok++;
        snprintf(t->last_id, sizeof t->last_id, "%s", r->message_id);
    } else {
        assert_int_not_equal(err->status, LOOPMSG_OK);
    }
}

static loopmsg_send_params params(const char *contact, const char *text)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = contact;
    p.text = text;
    return p;
}

static void test_async__no_callback_after_failed_submission(void **state)
{
    ts_env *env = *state;
    tally t = {0};
    loopmsg_send_params p = params("+13231112233", "");
    loopmsg_request_id id = 99;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_message_send_async(env->client, &p, on_send, &t, &id, &err), &err);
    assert_int_equal(id, 0);
    assert_int_equal(loopmsg_client_pending(env->client), 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(t.calls, 0);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_async__exactly_once_and_not_inside_submit(void **state)
{
    ts_env *env = *state;
    tally t = {0};
    loopmsg_error err;
    loopmsg_request_id ids[10];
    for (int i = 0; i < 10; i++) {
        loopmsg_send_params p = params("+13231112233", "hello");
        ts_assert_status(LOOPMSG_OK,
                         loopmsg_message_send_async(env->client, &p, on_send, &t, &ids[i], &err),
                         &err);
        assert_int_equal(t.calls, 0); /* never from inside the submitting call */
        assert_true(ids[i] != 0);
        if (i)
            assert_true(ids[i] != ids[i - 1]);
    }
    assert_int_equal(loopmsg_client_pending(env->client), 10);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(t.calls, 10);
    assert_int_equal(t.ok, 10);
    assert_int_equal(loopmsg_client_pending(env->client), 0);
    assert_int_equal(ts_request_count(env), 10);
    /* Polling with nothing pending is harmless and runs no callback. */
    assert_int_equal(loopmsg_client_poll(env->client, 0), 0);
    assert_int_equal(t.calls, 10);
}

static void test_async__poll_returns_completions(void **state)
{
    ts_env *env = *state;
    tally t = {0};
    loopmsg_error err;
    loopmsg_send_params p = params("+13231112233", "hi");
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_send_async(env->client, &p, on_send, &t, NULL, &err), &err);
    int total = 0;
    uint64_t until = ts_now_ms() + 10000;
    while (t.calls == 0 && ts_now_ms() < until) {
        int n = loopmsg_client_poll(env->client, 100);
        assert_true(n >= 0);
        total += n;
    }
    assert_int_equal(total, 1);
    assert_int_equal(t.ok, 1);
}

static void test_async__cancel_queued_and_in_flight(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 1; /* A in flight (slow), B queued behind it */
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_emulator_answer slow = LOOPMSG_EMULATOR_ANSWER_INIT;
    slow.delay_ms = 1500;
    slow.body = "{\"message_id\":\"SLOW\"}";
    ts_script_full(env, &slow);
    tally a = {0}, b = {0};
    loopmsg_error err;
    loopmsg_request_id ida, idb;
    loopmsg_send_params p = params("+13231112233", "x");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &a, &ida, &err), &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &b, &idb, &err), &err);
    /* Let the first one reach the server, then cancel both. */
    uint64_t until = ts_now_ms() + 5000;
    while (ts_request_count(env) < 1 && ts_now_ms() < until)
        assert_true(loopmsg_client_poll(c, 20) >= 0);
    assert_int_equal(loopmsg_client_cancel(c, ida), LOOPMSG_OK);
    assert_int_equal(loopmsg_client_cancel(c, ida), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_client_cancel(c, idb), LOOPMSG_OK);
    assert_int_equal(a.calls, 0); /* delivered at the next poll/run, not from cancel */
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.last, LOOPMSG_E_CANCELLED);
    assert_true(a.last_flags & LOOPMSG_ERRF_MAYBE_DELIVERED); /* it was in flight */
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.last, LOOPMSG_E_CANCELLED);
    assert_int_equal(b.last_flags, 0); /* never left the queue */
    assert_int_equal(ts_request_count(env), 1);
    assert_int_equal(loopmsg_client_cancel(c, 12345), LOOPMSG_E_INVALID_ARG);
    loopmsg_client_free(c);
}

static void test_async__cancel_unsent_leaves_in_flight_alone(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 1;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_emulator_answer slow = LOOPMSG_EMULATOR_ANSWER_INIT;
    slow.delay_ms = 500;
    slow.body = "{\"message_id\":\"FIRST\"}";
    ts_script_full(env, &slow);
    tally a = {0}, rest = {0};
    loopmsg_error err;
    loopmsg_send_params p = params("+13231112233", "x");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &a, NULL, &err), &err);
    for (int i = 0; i < 2; i++)
        ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &rest, NULL, &err),
                         &err);
    uint64_t until = ts_now_ms() + 5000;
    while (ts_request_count(env) < 1 && ts_now_ms() < until)
        assert_true(loopmsg_client_poll(c, 20) >= 0);
    assert_int_equal(loopmsg_client_cancel_unsent(c), 2);
    assert_int_equal(loopmsg_client_cancel_unsent(c), 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(a.ok, 1); /* the one in flight finished normally */
    assert_string_equal(a.last_id, "FIRST");
    assert_int_equal(rest.calls, 2);
    assert_int_equal(rest.last, LOOPMSG_E_CANCELLED);
    assert_int_equal(rest.last_flags, 0); /* never left: safe to send again */
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_client_free(c);
}

typedef struct log_probe {
    loopmsg_client *client;
    int lines;
    loopmsg_status poll_rc, sync_rc;
} log_probe;

static void reentrant_log(loopmsg_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)line;
    log_probe *p = ud;
    p->lines++;
    if (!p->client)
        return;
    loopmsg_error e;
    loopmsg_send_params sp = params("+13231112233", "from the log");
    p->poll_rc = (loopmsg_status)loopmsg_client_poll(p->client, 0);
    p->sync_rc = loopmsg_message_send(p->client, &sp, NULL, &e);
}

static void test_async__log_callback_cannot_drive_the_engine(void **state)
{
    ts_env *env = *state;
    log_probe probe = {0};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.log_cb = reentrant_log;
    o.log_user_data = &probe;
    loopmsg_client *c = ts_client(env, &o);
    probe.client = c;
    loopmsg_send_params p = params("+13231112233", "x");
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, NULL, &err), &err);
    assert_true(probe.lines > 0);
    assert_int_equal(probe.poll_rc, LOOPMSG_E_STATE);
    assert_int_equal(probe.sync_rc, LOOPMSG_E_STATE);
    assert_int_equal(ts_request_count(env), 1);
    probe.client = NULL;
    loopmsg_client_free(c);
}

static void test_async__free_with_requests_pending(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = ts_client(env, NULL);
    loopmsg_emulator_answer slow = LOOPMSG_EMULATOR_ANSWER_INIT;
    slow.delay_ms = 2000;
    ts_script_full(env, &slow);
    tally t = {0};
    loopmsg_error err;
    for (int i = 0; i < 3; i++) {
        loopmsg_send_params p = params("+13231112233", "x");
        ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &t, NULL, &err),
                         &err);
    }
    assert_true(loopmsg_client_poll(c, 50) >= 0);
    loopmsg_client_free(c);
    assert_int_equal(t.calls, 3);
    assert_int_equal(t.last, LOOPMSG_E_CANCELLED);
}

static void on_reentrant(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                         const loopmsg_error *err, void *ud)
{
    tally *t = ud;
    on_send(c, id, r, err, ud);
    loopmsg_error e2;
    t->reentrant_poll = (loopmsg_status)loopmsg_client_poll(c, 0);
    t->reentrant_run = loopmsg_client_run(c, &e2);
    loopmsg_send_params p = params("+13231112233", "again");
    t->reentrant_sync = loopmsg_message_send(c, &p, NULL, &e2);
    loopmsg_batch_item item;
    t->reentrant_batch = loopmsg_message_send_batch(c, &p, 1, &item, &e2);
    if (t->chain-- > 0) /* chaining a new async request from a callback is allowed */
        assert_int_equal(loopmsg_message_send_async(c, &p, on_reentrant, t, NULL, &e2), LOOPMSG_OK);
}

static void test_async__reentrant_calls_refused_chaining_allowed(void **state)
{
    ts_env *env = *state;
    tally t = {0};
    t.chain = 2;
    loopmsg_error err;
    loopmsg_send_params p = params("+13231112233", "first");
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_send_async(env->client, &p, on_reentrant, &t, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(t.calls, 3);
    assert_int_equal(t.ok, 3);
    assert_int_equal(t.reentrant_poll, LOOPMSG_E_STATE);
    assert_int_equal(t.reentrant_run, LOOPMSG_E_STATE);
    assert_int_equal(t.reentrant_sync, LOOPMSG_E_STATE);
    assert_int_equal(t.reentrant_batch, LOOPMSG_E_STATE);
    assert_int_equal(ts_request_count(env), 3); /* the refused calls sent nothing */
}

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void test_async__blocking_call_does_not_spin_on_undelivered_completions(void **state)
{
    /* A completion waiting for the next poll must not turn a blocking call's wait into a
     * busy loop. */
    ts_env *env = *state;
    tally t = {0};
    loopmsg_error err;
    loopmsg_send_params p = params("+13231112233", "async");
    loopmsg_request_id id = 0;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_send_async(env->client, &p, on_send, &t, &id, &err), &err);
    /* Cancelled before it started: its callback waits for the next poll. */
    ts_assert_status(LOOPMSG_OK, loopmsg_client_cancel(env->client, id), NULL);
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.body = "{\"message_id\":\"SLOW\"}";
    a.delay_ms = 600;
    ts_script_full(env, &a);
    loopmsg_send_params q = params("+13231112233", "blocking");
    uint64_t t0 = ts_now_ms();
    double cpu0 = thread_cpu_ms();
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &q, NULL, &err), &err);
    double cpu = thread_cpu_ms() - cpu0;
    uint64_t wall = ts_now_ms() - t0;
    assert_true(wall >= 500);
    if (!ts_slow() && cpu > (double)wall / 2)
        fail_msg("the blocking call used %.0f ms of CPU in %llu ms", cpu, (unsigned long long)wall);
    assert_int_equal(t.calls, 0); /* never from inside the blocking call */
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(t.calls, 1);
}

static void test_async__params_copied_at_submission(void **state)
{
    ts_env *env = *state;
    char contact[32], text[32], att[64], pt[32];
    snprintf(contact, sizeof contact, "+13231112233");
    snprintf(text, sizeof text, "original text");
    snprintf(att, sizeof att, "https://example.com/a.png");
    snprintf(pt, sizeof pt, "pass");
    const char *atts[1] = {att};
    loopmsg_send_params p = params(contact, text);
    p.attachments = atts;
    p.attachment_count = 1;
    p.passthrough = pt;
    tally t = {0};
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_send_async(env->client, &p, on_send, &t, NULL, &err), &err);
    memset(contact, 'X', sizeof contact - 1);
    memset(text, 'Y', sizeof text - 1);
    memset(att, 'Z', sizeof att - 1);
    memset(pt, 'W', sizeof pt - 1);
    atts[0] = "https://overwritten/";
    memset(&p, 0xA5, sizeof p);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(t.ok, 1);
    loopmsg_emulator_request *r = ts_request(env, 0);
    ts_assert_json_eq("{\"contact\":\"+13231112233\",\"text\":\"original text\",\"attachments\":"
                      "[\"https://example.com/a.png\"],\"passthrough\":\"pass\"}",
                      r->body);
    loopmsg_emulator_request_free(r);
}

/* The engine's retry and pause events, counted by the log event callback (which runs on the
 * thread that polls): what a test waits for instead of sleeping. */
typedef struct engine_seen {
    int retries;
    int pauses;
} engine_seen;

static void on_log_event(const loopmsg_log_event *ev, void *ud)
{
    engine_seen *seen = ud;
    if (ev->kind == LOOPMSG_LOG_EVENT_RETRY)
        seen->retries++;
    else if (ev->kind == LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE)
        seen->pauses++;
}

/* Poll c until *counter is non-zero (at most 5 s); true when it is. */
static int poll_until(loopmsg_client *c, const int *counter)
{
    uint64_t until = ts_now_ms() + 5000;
    while (*counter == 0 && ts_now_ms() < until)
        assert_true(loopmsg_client_poll(c, 10) >= 0);
    return *counter != 0;
}

typedef struct waker {
    loopmsg_client *client;
    atomic_int polling; /* the main thread is entering its long poll */
} waker;

static void *wake_later(void *arg)
{
    waker *w = arg;
    uint64_t until = ts_now_ms() + 10000;
    while (!atomic_load(&w->polling) && ts_now_ms() < until)
        ts_sleep_ms(1);
    if (loopmsg_client_wakeup(w->client) != LOOPMSG_OK)
        abort();
    return NULL;
}

/* What every typed completion below does first: count the call and keep its status. */
static tally *tally_call(void *ud, const loopmsg_error *err)
{
    tally *t = ud;
    t->calls++;
    t->last = err->status;
    return t;
}

static void on_done(loopmsg_client *c, loopmsg_request_id id, const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally_call(ud, err);
}

static void test_async__wakeup_from_another_thread(void **state)
{
    ts_env *env = *state;
    /* A request waiting out a retry delay keeps poll asleep; wakeup ends the wait. The delay
     * comes from Retry-After, not from the jittered backoff, so that it is always longer than
     * the poll timeout. The long poll starts only once the engine has scheduled the retry, so
     * nothing but the wakeup can end it early: with a broken wakeup it lasts its full 10 s
     * and the test fails every time (a wakeup sent just before the poll begins waiting must
     * end it too). */
    engine_seen seen = {0};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_delay_ms = 10;
    o.max_retries = 1;
    o.log_event_cb = on_log_event;
    o.log_event_user_data = &seen;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 503;
    a.headers = "Retry-After: 30";
    ts_script_full(env, &a);
    tally t = {0};
    loopmsg_error err;
    loopmsg_typing_params tp = LOOPMSG_TYPING_PARAMS_INIT;
    tp.message_id = "M1";
    loopmsg_request_id id;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing_async(c, &tp, on_done, &t, &id, &err),
                     &err);
    assert_true(poll_until(c, &seen.retries));
    waker w = {.client = c};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wake_later, &w), 0);
    uint64_t t0 = ts_now_ms();
    atomic_store(&w.polling, 1);
    assert_int_equal(loopmsg_client_poll(c, 10000), 0);
    uint64_t waited = ts_now_ms() - t0;
    pthread_join(th, NULL);
    assert_true(waited < 8000 || ts_slow());
    assert_int_equal(t.calls, 0);
    assert_int_equal(loopmsg_client_cancel(c, id), LOOPMSG_OK);
    assert_int_equal(loopmsg_client_poll(c, 0), 1);
    assert_int_equal(t.last, LOOPMSG_E_CANCELLED);
    loopmsg_client_free(c);
}

static void on_status(loopmsg_client *c, loopmsg_request_id id, const loopmsg_message_status *s,
                      const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally *t = tally_call(ud, err);
    if (s)
        snprintf(t->last_id, sizeof t->last_id, "%s", s->status_name);
}

static void on_page(loopmsg_client *c, loopmsg_request_id id, const loopmsg_page *page,
                    const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally *t = tally_call(ud, err);
    if (page)
        t->ok += (int)page->item_count;
}

static void on_contact_status(loopmsg_client *c, loopmsg_request_id id, loopmsg_contact_status s,
                              const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally_call(ud, err)->ok += s == LOOPMSG_CONTACT_ACTIVE;
}

static void on_campaign(loopmsg_client *c, loopmsg_request_id id, const loopmsg_campaign *cp,
                        const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally_call(ud, err)->ok += cp != NULL && err->status == LOOPMSG_OK;
}

static void on_optin(loopmsg_client *c, loopmsg_request_id id, const loopmsg_optin_url *u,
                     const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally_call(ud, err)->ok += u != NULL && err->status == LOOPMSG_OK;
}

static void on_sender(loopmsg_client *c, loopmsg_request_id id, const loopmsg_sender_details *d,
                      const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    tally_call(ud, err)->ok += d != NULL && err->status == LOOPMSG_OK;
}

static void test_async__every_call_has_an_async_form(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = env->client;
    tally t = {0};
    loopmsg_error err;
    loopmsg_group_send_params g = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    g.group = "group-1";
    g.text = "hi all";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_group_async(c, &g, on_send, &t, NULL, &err),
                     &err);
    loopmsg_voice_params v = LOOPMSG_VOICE_PARAMS_INIT;
    v.contact = "+13231112233";
    v.media_url = "https://a/v.mp3";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice_async(c, &v, on_send, &t, NULL, &err),
                     &err);
    loopmsg_reaction_params r = LOOPMSG_REACTION_PARAMS_INIT;
    r.contact = "+13231112233";
    r.message_id = "M";
    r.reaction = LOOPMSG_REACTION_LIKE;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_send_reaction_async(c, &r, on_send, &t, NULL, &err), &err);
    loopmsg_typing_params tp = LOOPMSG_TYPING_PARAMS_INIT;
    tp.message_id = "M";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_mark_read_async(c, &tp, on_done, &t, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_message_status_get_async(c, "nope", on_status, &t, NULL, &err), &err);
    ts_assert_status(
        LOOPMSG_OK, loopmsg_list_page_async(c, LOOPMSG_LIST_SENDERS, NULL, on_page, &t, NULL, &err),
        &err);
    ts_assert_status(
        LOOPMSG_OK,
        loopmsg_audience_check_status_async(c, "+13231112233", on_contact_status, &t, NULL, &err),
        &err);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_audience_unsubscribe_async(c, "+13231119999", on_done, &t, NULL, &err),
                     &err);
    const char *contacts[] = {"+13231112233"};
    loopmsg_campaign_params cp = LOOPMSG_CAMPAIGN_PARAMS_INIT;
    cp.name = "n";
    cp.text = "t";
    cp.contacts = contacts;
    cp.contact_count = 1;
    ts_assert_status(LOOPMSG_OK, loopmsg_campaign_create_async(c, &cp, on_campaign, &t, NULL, &err),
                     &err);
    loopmsg_optin_params op = LOOPMSG_OPTIN_PARAMS_INIT;
    op.body = "join [opt-in-code]";
    ts_assert_status(LOOPMSG_OK, loopmsg_optin_generate_url_async(c, &op, on_optin, &t, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_get_async(c, "sender-1", on_sender, &t, NULL, &err),
                     &err);
    assert_int_equal(t.calls, 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(t.calls, 11);
    assert_int_equal(ts_request_count(env), 11);
}

static void test_async__batch_results_in_order(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params p[6];
    p[0] = params("+13231112233", "one");
    p[1] = params("+13231112233", "");        /* invalid locally: never sent */
    p[2] = params("not-a-contact@", "three"); /* the API refuses it */
    p[3] = params("ruth@example.org", "four");
    p[4] = params("+13231112233", "five");
    p[5] = params("+13231112233", "six");
    loopmsg_batch_item items[6];
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_PARTIAL, loopmsg_message_send_batch(env->client, p, 6, items, &err),
                     &err);
    ts_assert_contains(err.message, "2 of 6 item(s) failed");
    assert_non_null(items[0].result);
    assert_string_equal(items[0].result->text, "one");
    assert_null(items[1].result);
    assert_int_equal(items[1].error.status, LOOPMSG_E_INVALID_ARG);
    assert_null(items[2].result);
    assert_int_equal(items[2].error.status, LOOPMSG_E_API);
    assert_true(items[2].error.api_code == 170 || items[2].error.api_code == 160);
    for (int i = 3; i < 6; i++) {
        assert_non_null(items[i].result);
        assert_int_equal(items[i].error.status, LOOPMSG_OK);
    }
    assert_string_equal(items[3].result->contact, "ruth@example.org");
    assert_string_equal(items[5].result->text, "six");
    assert_int_equal(ts_request_count(env), 5);
    loopmsg_batch_items_clear(items, 6);
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_batch(env->client, p, 1, items, &err), &err);
    loopmsg_batch_items_clear(items, 1);
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_batch(env->client, NULL, 0, NULL, &err),
                     &err);
}

static void test_async__plain_http_requests_leave_together(void **state)
{
    ts_env *env = *state;
    /* Over plain http:// nothing can multiplex: each request in flight must get its own
     * connection at once, not wait for the answer of the one ahead (CURLOPT_PIPEWAIT would
     * make it wait). All four reach the server before any answer comes back. */
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 4;
    o.timeout_ms = 60000;
    loopmsg_client *c = ts_client(env, &o);
    for (int i = 0; i < 4; i++) {
        loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
        a.delay_ms = 2000;
        a.body = "{\"message_id\":\"X\"}";
        ts_script_full(env, &a);
    }
    tally t = {0};
    loopmsg_error err;
    for (int i = 0; i < 4; i++) {
        loopmsg_send_params p = params("+13231112233", "x");
        ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &t, NULL, &err),
                         &err);
    }
    uint64_t until = ts_now_ms() + 30000;
    while (ts_request_count(env) < 4 && t.calls == 0 && ts_now_ms() < until)
        assert_true(loopmsg_client_poll(c, 20) >= 0);
    assert_int_equal(t.calls, 0);
    assert_int_equal(ts_request_count(env), 4);
    assert_int_equal(loopmsg_client_run(c, 0), LOOPMSG_OK);
    assert_int_equal(t.ok, 4);
    loopmsg_client_free(c);
}

static void test_async__batch_respects_max_concurrent(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 4;
    loopmsg_client *c = ts_client(env, &o);
    /* 8 answers that each take 300 ms: with 4 in flight, about 600 ms in all. */
    for (int i = 0; i < 8; i++) {
        loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
        a.delay_ms = 300;
        a.body = "{\"message_id\":\"X\"}";
        ts_script_full(env, &a);
    }
    loopmsg_send_params p[8];
    for (int i = 0; i < 8; i++)
        p[i] = params("+13231112233", "x");
    loopmsg_batch_item items[8];
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_batch(c, p, 8, items, &err), &err);
    uint64_t took = ts_now_ms() - t0;
    loopmsg_batch_items_clear(items, 8);
    assert_true(took >= 550);              /* never more than 4 at once */
    assert_true(took < 2300 || ts_slow()); /* but concurrent, not one by one */
    loopmsg_client_free(c);
}

static void test_async__rate_limit(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.rate_limit_per_second = 20;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_send_params p[21];
    for (int i = 0; i < 21; i++)
        p[i] = params("+13231112233", "x");
    loopmsg_batch_item items[21];
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_batch(c, p, 21, items, &err), &err);
    uint64_t took = ts_now_ms() - t0;
    loopmsg_batch_items_clear(items, 21);
    /* 20 per second with a burst of 20: the 21st request waits for a token. */
    assert_true(took >= 900);
    assert_true(took < 5000 || ts_slow());
    loopmsg_client_free(c);
}

static void test_async__retry_after_pauses_every_request(void **state)
{
    ts_env *env = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 429;
    a.headers = "Retry-After: 1";
    ts_script_full(env, &a);
    engine_seen seen = {0};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.log_event_cb = on_log_event;
    o.log_event_user_data = &seen;
    loopmsg_client *c = ts_client(env, &o);
    tally first = {0}, second = {0};
    loopmsg_error err;
    loopmsg_send_params p = params("+13231112233", "x");
    uint64_t t0 = ts_now_ms();
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &first, NULL, &err),
                     &err);
    /* The second request is submitted once the client has taken in the 429 and paused. */
    assert_true(poll_until(c, &seen.pauses));
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &second, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(first.ok, 1);
    assert_int_equal(second.ok, 1);
    /* The second request was not sent before the pause ended. */
    assert_true(second.last_at - t0 >= 950);
    assert_int_equal(ts_request_count(env), 3);
    assert_int_equal(seen.pauses, 1);
    loopmsg_client_free(c);
}

/* What the wire callback saw: each call's id and attempt, how many requests the server had
 * recorded at that moment, and whether the engine could be driven from inside it. */
typedef struct wire_probe {
    loopmsg_client *client;
    ts_env *env;
    int calls;
    loopmsg_request_id ids[4];
    unsigned int attempts[4];
    size_t seen[4];
    int poll_rc;
    loopmsg_status cancel_rc;
    int refuse;
} wire_probe;

static int on_wire(loopmsg_client *c, loopmsg_request_id id, unsigned int attempt, void *ud)
{
    wire_probe *w = ud;
    assert_ptr_equal(c, w->client);
    if (w->calls < 4) {
        w->ids[w->calls] = id;
        w->attempts[w->calls] = attempt;
        w->seen[w->calls] = ts_request_count(w->env);
    }
    w->calls++;
    w->poll_rc = loopmsg_client_poll(c, 0);
    w->cancel_rc = loopmsg_client_cancel(c, id);
    return w->refuse;
}

static loopmsg_client *wire_client(ts_env *env, wire_probe *w, const char *base_url)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.wire_cb = on_wire;
    o.wire_user_data = w;
    o.base_url = base_url;
    w->env = env;
    w->client = ts_client(env, &o);
    return w->client;
}

static void test_async__wire_cb_runs_before_every_attempt_leaves(void **state)
{
    ts_env *env = *state;
    ts_script(env, 503, "{\"success\":false,\"code\":1000,\"message\":\"busy\"}");
    wire_probe w = {0};
    loopmsg_client *c = wire_client(env, &w, NULL);
    tally t = {0};
    loopmsg_send_params p = params("+13231112233", "on the wire");
    loopmsg_request_id id = 0;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &t, &id, &err), &err);
    assert_int_equal(w.calls, 0); /* not from inside the submitting call */
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(t.ok, 1);
    assert_int_equal(ts_request_count(env), 2);
    /* Once per attempt, with the id of the submission, each before its request arrived. */
    assert_int_equal(w.calls, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(w.ids[i], id);
        assert_int_equal(w.attempts[i], (unsigned int)i + 1);
        assert_int_equal(w.seen[i], (size_t)i);
    }
    assert_int_equal(w.poll_rc, LOOPMSG_E_STATE);
    assert_int_equal(w.cancel_rc, LOOPMSG_E_STATE);
    loopmsg_client_free(c);
}

static void test_async__wire_cb_refusal_sends_nothing(void **state)
{
    ts_env *env = *state;
    wire_probe w = {.refuse = 1};
    loopmsg_client *c = wire_client(env, &w, NULL);
    tally t = {0};
    loopmsg_send_params p = params("+13231112233", "refused");
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_async(c, &p, on_send, &t, NULL, &err), &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.last, LOOPMSG_E_CANCELLED);
    assert_int_equal(t.last_flags, 0); /* not sent, not retried */
    /* Blocking calls go through it too. */
    loopmsg_status st = loopmsg_message_send(c, &p, NULL, &err);
    assert_err(&err, LOOPMSG_E_CANCELLED, 0, 0, 0, 1);
    ts_assert_contains(err.message, "wire callback");
    assert_int_equal(st, LOOPMSG_E_CANCELLED);
    assert_int_equal(w.calls, 2);
    assert_int_equal(ts_request_count(env), 0);
    loopmsg_client_free(c);
}

/* A caller built against options version 2 has no wire_cb: whatever lies past its struct is
 * not read as one. */
static void test_async__wire_cb_read_only_from_version_3_options(void **state)
{
    ts_env *env = *state;
    wire_probe w = {0};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.version = 2;
    o.wire_cb = on_wire;
    o.wire_user_data = &w;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_send_params p = params("+13231112233", "old layout");
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, NULL, &err), &err);
    assert_int_equal(w.calls, 0);
    loopmsg_client_free(c);
}

/* An attempt that cannot reach the server (connection refused) never calls it. */
static void test_async__wire_cb_not_called_when_nothing_can_leave(void **state)
{
    ts_env *env = *state;
    char url[64];
    close(ts_refusing_url(url, sizeof url)); /* nothing listens on that port now */
    wire_probe w = {0};
    loopmsg_client *c = wire_client(env, &w, url);
    loopmsg_send_params p = params("+13231112233", "nowhere");
    loopmsg_error err;
    assert_int_equal(loopmsg_message_send(c, &p, NULL, &err), LOOPMSG_E_TRANSPORT);
    assert_int_equal(err.flags & LOOPMSG_ERRF_SENT, 0);
    assert_int_equal(w.calls, 0);
    loopmsg_client_free(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_async__no_callback_after_failed_submission),
        T(test_async__exactly_once_and_not_inside_submit),
        T(test_async__poll_returns_completions),
        T(test_async__cancel_queued_and_in_flight),
        T(test_async__cancel_unsent_leaves_in_flight_alone),
        T(test_async__log_callback_cannot_drive_the_engine),
        T(test_async__free_with_requests_pending),
        T(test_async__reentrant_calls_refused_chaining_allowed),
        T(test_async__blocking_call_does_not_spin_on_undelivered_completions),
        T(test_async__params_copied_at_submission),
        T(test_async__wakeup_from_another_thread),
        T(test_async__every_call_has_an_async_form),
        T(test_async__batch_results_in_order),
        T(test_async__plain_http_requests_leave_together),
        T(test_async__batch_respects_max_concurrent),
        T(test_async__rate_limit),
        T(test_async__retry_after_pauses_every_request),
        T(test_async__wire_cb_runs_before_every_attempt_leaves),
        T(test_async__wire_cb_refusal_sends_nothing),
        T(test_async__wire_cb_not_called_when_nothing_can_leave),
        T(test_async__wire_cb_read_only_from_version_3_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
