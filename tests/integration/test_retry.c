/* SPDX-License-Identifier: MIT */
/*
 * test_retry.c: the retry rules as the engine applies them, on the wire
 * against the in-process emulator: what is retried (connect failures, 429/503, code 1010,
 * and for GET also timeouts, dropped connections, 502/504), what is not (anything on a send
 * whose outcome is unknown, 1020/1030 unless retry_maybe_delivered, ordinary API errors),
 * max_retries, the exponential backoff, Retry-After, and the overall deadline. Every case
 * counts attempts twice: err.attempts and the requests the emulator recorded.
 */
#include "test_support.h"
#include "lib/client_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONTACT "+13231112233"

/* ---- helpers ----------------------------------------------------------------------------- */

/* Replace the fixture's client (the teardown frees whichever is current). */
static loopmsg_client *use_client(ts_env *env, loopmsg_client_options *o)
{
    loopmsg_client_free(env->client);
    env->client = NULL;
    env->client = ts_client(env, o);
    return env->client;
}

static loopmsg_status send_hi(ts_env *env, loopmsg_send_result **out, loopmsg_error *err)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    return loopmsg_message_send(env->client, &p, out, err);
}

static loopmsg_status get_status(ts_env *env, const char *id, loopmsg_message_status **out,
                                 loopmsg_error *err)
{
    return loopmsg_message_status_get(env->client, id, out, err);
}

static void script_ex(ts_env *env, int status, const char *body, const char *headers,
                      unsigned int delay_ms, loopmsg_emulator_drop drop)
{
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = status;
    a.body = body;
    a.headers = headers;
    a.delay_ms = delay_ms;
    a.drop = drop;
    ts_script_full(env, &a);
}

static void script_n(ts_env *env, int n, int status, const char *body)
{
    for (int i = 0; i < n; i++)
        ts_script(env, status, body);
}

static double jitter_one(void *ud)
{
    (void)ud;
    return 1.0;
}

/* An answer after a pause: the emulator answers status with body delay_ms late. */
static void script_late(ts_env *env, int n, const char *body, unsigned int delay_ms)
{
    for (int i = 0; i < n; i++)
        script_ex(env, 200, body, NULL, delay_ms, LOOPMSG_EMULATOR_DROP_NONE);
}

/* n answers that close the connection after reading the request body. */
static void script_drop(ts_env *env, int n)
{
    for (int i = 0; i < n; i++)
        script_ex(env, 0, NULL, NULL, 0, LOOPMSG_EMULATOR_DROP_AFTER_BODY);
}

/* A client whose base URL refuses connections; returns the listening fd to close after the
 * call. max_retries 0 keeps the default. */
static int use_refusing_client(ts_env *env, char *url, size_t url_size, int max_retries)
{
    int fd = ts_refusing_url(url, url_size);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = url;
    o.max_retries = max_retries;
    use_client(env, &o);
    return fd;
}

/* A client that logs into cap and draws jitter from random_cb; o holds the other options. */
static loopmsg_client *use_logging_client(ts_env *env, loopmsg_client_options *o,
                                          ts_log_capture *cap, double (*random_cb)(void *))
{
    o->log_cb = ts_capture_log;
    o->log_user_data = cap;
    loopmsg_client *c = use_client(env, o);
    loopmsg__client_set_random(c, random_cb, NULL);
    return c;
}

/* The send that must succeed: a message id comes back. */
static void send_hi_ok(ts_env *env, loopmsg_error *err)
{
    loopmsg_send_result *r = NULL;
    ts_assert_status(LOOPMSG_OK, send_hi(env, &r, err), err);
    assert_non_null(r);
    assert_non_null(r->message_id);
    loopmsg_send_result_free(r);
}

/* send_hi, timed: *elapsed_ms is how long the call took. */
static loopmsg_status send_hi_timed(ts_env *env, loopmsg_error *err, uint64_t *elapsed_ms)
{
    uint64_t t0 = ts_now_ms();
    loopmsg_status st = send_hi(env, NULL, err);
    *elapsed_ms = ts_now_ms() - t0;
    return st;
}

/* The status read that must succeed: the status of message id comes back. */
static void get_status_ok(ts_env *env, const char *id, loopmsg_error *err)
{
    loopmsg_message_status *s = NULL;
    ts_assert_status(LOOPMSG_OK, get_status(env, id, &s, err), err);
    assert_string_equal(s->message_id, id);
    loopmsg_message_status_free(s);
}

/* The "retry N of M in D ms" lines in cap at level (-1: any level): up to max of them, each with
 * its line index; returns how many. */
static size_t logged_retries(const ts_log_capture *cap, int level, size_t line_idx[],
                             unsigned int n[], unsigned int m[], long d[], size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < cap->count; i++) {
        const char *p = strstr(cap->line[i], "retry ");
        if (!p || (level >= 0 && cap->level[i] != level))
            continue;
        assert_true(found < max);
        assert_int_equal(sscanf(p, "retry %u of %u in %ld ms", &n[found], &m[found], &d[found]), 3);
        line_idx[found] = i;
        found++;
    }
    return found;
}

static const char *body_1010 =
    "{\"success\":false,\"code\":1010,\"message\":\"Unable to send, try again shortly\"}";
static const char *body_1020 = "{\"success\":false,\"code\":1020,\"message\":\"Not delivered\"}";
static const char *body_1030 =
    "{\"success\":false,\"code\":1030,\"message\":\"No delivery confirmation\"}";
static const char *body_503 = "{\"success\":false,\"message\":\"Service unavailable\"}";

/* ---- connection failures (nothing was sent): retried for every method ------------------- */

static void test_retry__connection_refused_post_retried(void **state)
{
    ts_env *env = *state;
    char url[64];
    int fd = use_refusing_client(env, url, sizeof url, 0);
    loopmsg_send_result *r = (loopmsg_send_result *)1;
    loopmsg_error err;
    loopmsg_status st = send_hi(env, &r, &err);
    close(fd);
    ts_assert_status(LOOPMSG_E_TRANSPORT, st, &err);
    assert_null(r);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 3);
    assert_int_equal(err.transport_code, 7); /* CURLE_COULDNT_CONNECT */
    assert_false(err.flags & F_S);
    ts_assert_contains(err.message, "send: transport error on ");
    ts_assert_contains(err.message, url);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_retry__connection_refused_get_retried(void **state)
{
    ts_env *env = *state;
    char url[64];
    int fd = use_refusing_client(env, url, sizeof url, 0);
    loopmsg_message_status *s = (loopmsg_message_status *)1;
    loopmsg_error err;
    loopmsg_status st = get_status(env, "ABC", &s, &err);
    close(fd);
    ts_assert_status(LOOPMSG_E_TRANSPORT, st, &err);
    assert_null(s);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 3);
    assert_int_equal(err.transport_code, 7);
    ts_assert_contains(err.message, "status: transport error on ");
    assert_int_equal(ts_request_count(env), 0);
}

static void test_retry__connection_refused_max_retries_counts(void **state)
{
    ts_env *env = *state;
    char url[64];
    int fd = use_refusing_client(env, url, sizeof url, 4);
    loopmsg_error err;
    loopmsg_status st = send_hi(env, NULL, &err);
    close(fd);
    ts_assert_status(LOOPMSG_E_TRANSPORT, st, &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 5);
}

/* ---- 429 and 503: not processed, retried for every method -------------------------------- */

static void test_retry__503_then_200_send_succeeds_on_attempt_2(void **state)
{
    ts_env *env = *state;
    ts_script(env, 503, body_503);
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(env, &r, &err), &err);
    assert_non_null(r);
    assert_non_null(r->message_id);
    assert_string_equal(r->contact, CONTACT);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 2);
    assert_string_equal(err.message, "");
    loopmsg_send_result_free(r);
    assert_int_equal(ts_request_count(env), 2);
    for (size_t i = 0; i < 2; i++) {
        loopmsg_emulator_request *q = ts_request(env, i);
        assert_string_equal(q->method, "POST");
        assert_string_equal(q->path, "/api/v1/message/send/");
        ts_assert_json_eq("{\"contact\":\"" CONTACT "\",\"text\":\"hi\"}", q->body);
        assert_int_equal(q->answered_status, i == 0 ? 503 : 200);
        loopmsg_emulator_request_free(q);
    }
}

static void test_retry__503_exhausts_retries(void **state)
{
    ts_env *env = *state;
    script_n(env, 3, 503, body_503);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_HTTP, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 3);
    ts_assert_contains(err.message, "send: HTTP 503");
    ts_assert_contains(err.message, "Service unavailable");
    assert_int_equal(ts_request_count(env), 3);
}

static void test_retry__429_retry_after_is_honoured(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_retries = 1;
    use_client(env, &o);
    script_ex(env, 429, "{\"success\":false,\"message\":\"Too many requests\"}", "Retry-After: 1",
              0, LOOPMSG_EMULATOR_DROP_NONE);
    script_ex(env, 429, "{\"success\":false,\"message\":\"Too many requests\"}", "Retry-After: 1",
              0, LOOPMSG_EMULATOR_DROP_NONE);
    loopmsg_error err;
    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, st, &err);
    assert_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 0, F_R | F_S, 2);
    assert_int_equal(err.retry_after_ms, 1000);
    ts_assert_contains(err.message, "send: HTTP 429");
    assert_int_equal(ts_request_count(env), 2);
    if (elapsed < 1000 || elapsed > 10000)
        fail_msg("the retry came after %llu ms; Retry-After asked for 1000",
                 (unsigned long long)elapsed);
}

static void test_retry__503_retry_after_then_success(void **state)
{
    ts_env *env = *state;
    script_ex(env, 503, body_503, "Retry-After: 1", 0, LOOPMSG_EMULATOR_DROP_NONE);
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    send_hi_ok(env, &err);
    uint64_t elapsed = ts_now_ms() - t0;
    assert_int_equal(err.attempts, 2);
    assert_int_equal(ts_request_count(env), 2);
    assert_true(elapsed >= 1000);
    assert_true(elapsed < 10000 || ts_slow());
}

static void test_retry__429_on_get_retried(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id);
    ts_script(env, 429, "{\"success\":false}");
    loopmsg_error err;
    get_status_ok(env, id, &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(ts_request_count(env), 2);
}

static void test_retry__retry_after_above_60s_not_auto_retried(void **state)
{
    ts_env *env = *state;
    script_ex(env, 429, "{\"success\":false,\"message\":\"slow down\"}", "Retry-After: 120", 0,
              LOOPMSG_EMULATOR_DROP_NONE);
    loopmsg_error err;
    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, st, &err);
    assert_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 0, F_R | F_S, 1);
    assert_int_equal(err.retry_after_ms, 120000);
    assert_int_equal(ts_request_count(env), 1);
    assert_true(elapsed < 10000 || ts_slow());
}

/* A Retry-After the engine will not wait for goes to the caller; it must not pause the
 * client's later calls for two minutes either. */
static void test_retry__long_retry_after_does_not_stall_next_call(void **state)
{
    ts_env *env = *state;
    script_ex(env, 429, "{\"success\":false}", "Retry-After: 120", 0, LOOPMSG_EMULATOR_DROP_NONE);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, send_hi(env, NULL, &err), &err);
    assert_int_equal(err.retry_after_ms, 120000);
    uint64_t t0 = ts_now_ms();
    send_hi_ok(env, &err);
    assert_true(ts_now_ms() - t0 < 10000 || ts_slow());
    assert_int_equal(ts_request_count(env), 2);
}

/* A Retry-After the engine honours pauses the client's later calls, but never past a call's
 * own deadline. */
static void test_retry__deadline_covers_a_host_pause(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.deadline_ms = 800;
    use_client(env, &o);
    script_ex(env, 503, body_503, "Retry-After: 30", 0, LOOPMSG_EMULATOR_DROP_NONE);
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    ts_assert_status(LOOPMSG_E_HTTP, send_hi(env, NULL, &err), &err);
    /* Waiting 30 s would pass the deadline: no retry. */
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 1);
    assert_int_equal(err.retry_after_ms, 30000);
    assert_true(ts_now_ms() - t0 < 10000 || ts_slow());

    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_TIMEOUT, st, &err);
    assert_err(&err, LOOPMSG_E_TIMEOUT, 0, 0, F_R, 0);
    assert_int_equal(err.transport_code, 0);
    assert_string_equal(err.message,
                        "send: deadline of 800 ms expired before the request was sent");
    assert_int_equal(ts_request_count(env), 1);
    if (elapsed < 800 || elapsed > 10000)
        fail_msg("the paused call ended after %llu ms; its deadline was 800 ms",
                 (unsigned long long)elapsed);
}

/* ---- Loop codes ---------------------------------------------------------------------------- */

static void test_retry__code_1010_retried(void **state)
{
    ts_env *env = *state;
    ts_script(env, 400, body_1010);
    loopmsg_error err;
    send_hi_ok(env, &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 2);
    assert_int_equal(ts_request_count(env), 2);
}

static void test_retry__code_1010_exhausts_retries(void **state)
{
    ts_env *env = *state;
    script_n(env, 3, 400, body_1010);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 1010, F_R | F_S, 3);
    ts_assert_contains(err.message, "API code 1010");
    ts_assert_contains(err.message, "Unable to send, try again shortly");
    assert_int_equal(ts_request_count(env), 3);
}

static void test_retry__codes_1020_1030_not_retried_by_default(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, body_1020);
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 1020, F_R | F_S, 1);
    ts_assert_contains(err.message, "API code 1020");
    assert_int_equal(ts_request_count(env), 1);

    ts_script(env, 400, body_1030);
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 1030, F_R | F_M | F_S, 1);
    ts_assert_contains(err.message, "API code 1030");
    assert_int_equal(ts_request_count(env), 2);
}

/* The table decides per code, not the HTTP status: a 1020 or 1030 that comes with a 503 or a
 * 429 (statuses that alone are resent) is still not resent, while 1010 is, whatever the
 * status. */
static void test_retry__codes_1020_1030_not_resent_whatever_the_status(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_delay_ms = 1;
    use_client(env, &o);
    loopmsg_error err;
    ts_script(env, 503, body_1020);
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 503, 1020, F_R | F_S, 1);
    assert_int_equal(ts_request_count(env), 1);

    ts_script(env, 429, body_1030);
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 1030, F_R | F_M | F_S, 1);
    assert_int_equal(ts_request_count(env), 2);

    /* A genuinely retryable code is resent, with any status. */
    ts_script(env, 500, body_1010);
    send_hi_ok(env, &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(ts_request_count(env), 4);
}

static void test_retry__codes_1020_1030_retried_with_option(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_maybe_delivered = true;
    use_client(env, &o);
    loopmsg_error err;

    ts_script(env, 400, body_1020);
    send_hi_ok(env, &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(ts_request_count(env), 2);

    script_n(env, 3, 400, body_1030);
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 1030, F_R | F_M | F_S, 3);
    assert_int_equal(ts_request_count(env), 5);
}

typedef struct cancel_seen {
    int calls;
    loopmsg_error err;
} cancel_seen;

static void on_cancelled_send(loopmsg_client *c, loopmsg_request_id id,
                              const loopmsg_send_result *r, const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)r;
    cancel_seen *s = ud;
    s->calls++;
    s->err = *err;
}

static void test_retry__cancel_during_backoff_after_1030_keeps_maybe_delivered(void **state)
{
    /* The first attempt may have been delivered (1030); cancelling the resend that waits for
     * its backoff must not tell the caller that nothing went out. */
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_maybe_delivered = true;
    o.retry_delay_ms = 5000;
    use_client(env, &o);
    loopmsg__client_set_random(env->client, jitter_one, NULL); /* the backoff is 5 s */
    ts_script(env, 400, body_1030);
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    cancel_seen seen = {0};
    loopmsg_request_id id = 0;
    loopmsg_error err;
    ts_assert_status(
        LOOPMSG_OK,
        loopmsg_message_send_async(env->client, &p, on_cancelled_send, &seen, &id, &err), &err);
    uint64_t until = ts_now_ms() + 3000;
    while (ts_request_count(env) < 1 && ts_now_ms() < until)
        assert_true(loopmsg_client_poll(env->client, 20) >= 0);
    for (int i = 0; i < 5; i++) /* let the engine classify the 1030 and queue the resend */
        assert_true(loopmsg_client_poll(env->client, 20) >= 0);
    assert_int_equal(ts_request_count(env), 1);
    assert_int_equal(seen.calls, 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_cancel(env->client, id), NULL);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.err.status, LOOPMSG_E_CANCELLED);
    assert_true(seen.err.flags & LOOPMSG_ERRF_MAYBE_DELIVERED);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_retry__code_140_never_retried(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_maybe_delivered = true;
    o.max_retries = 5;
    use_client(env, &o);
    script_n(env, 3, 400, "{\"success\":false,\"code\":140,\"message\":\"text is missing\"}");
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_API, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 140, F_S, 1);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_retry__fatal_code_never_retried(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "wrong-key";
    use_client(env, &o);
    loopmsg_message_status *s = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_AUTH, get_status(env, "ABC", &s, &err), &err);
    assert_err(&err, LOOPMSG_E_AUTH, 401, 130, F_F | F_S, 1);
    assert_int_equal(ts_request_count(env), 1);
}

/* ---- gateways: 502/504 leave a send's outcome unknown ---------------------------------- */

static void test_retry__502_504_on_send_not_retried(void **state)
{
    ts_env *env = *state;
    static const int statuses[] = {502, 504};
    for (size_t i = 0; i < 2; i++) {
        loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
        a.status = statuses[i];
        a.body = "<html><body><h1>Gateway error</h1></body></html>";
        a.content_type = "text/html";
        ts_script_full(env, &a);
        ts_script(env, 200, "{\"message_id\":\"SHOULD-NOT-BE-USED\"}");
        loopmsg_send_result *r = (loopmsg_send_result *)1;
        loopmsg_error err;
        loopmsg_status st = send_hi(env, &r, &err);
        ts_assert_status(LOOPMSG_E_HTTP, st, &err);
        assert_null(r);
        assert_err(&err, LOOPMSG_E_HTTP, statuses[i], 0, F_R | F_M | F_S, 1);
        ts_assert_contains(err.message, "Gateway error");
        assert_int_equal(ts_request_count(env), 1);
        loopmsg_emulator_reset(env->emu); /* drops the unused scripted 200 too */
    }
}

static void test_retry__502_504_on_get_retried(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id);
    ts_script(env, 502, "Bad gateway");
    ts_script(env, 504, "Gateway timeout");
    loopmsg_error err;
    get_status_ok(env, id, &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 3);
    assert_int_equal(ts_request_count(env), 3);
    for (size_t i = 0; i < 3; i++) {
        loopmsg_emulator_request *q = ts_request(env, i);
        assert_string_equal(q->method, "GET");
        char path[128];
        snprintf(path, sizeof path, "/v1/message/status/%s/", id);
        assert_string_equal(q->path, path);
        loopmsg_emulator_request_free(q);
    }

    loopmsg_emulator_reset(env->emu);
    script_n(env, 3, 504, "");
    loopmsg_message_status *s = (loopmsg_message_status *)1; /* the library must clear it */
    ts_assert_status(LOOPMSG_E_HTTP, get_status(env, id, &s, &err), &err);
    assert_null(s);
    assert_err(&err, LOOPMSG_E_HTTP, 504, 0, F_R | F_S, 3);
    assert_int_equal(ts_request_count(env), 3);
}

/* ---- timeouts and dropped connections after sending ------------------------------------- */

static void test_retry__timeout_on_send_not_retried(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.timeout_ms = 300;
    use_client(env, &o);
    script_late(env, 1, "{\"message_id\":\"LATE\"}", 8000);
    loopmsg_error err;
    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_TIMEOUT, st, &err);
    assert_err(&err, LOOPMSG_E_TIMEOUT, 0, 0, F_R | F_M | F_S, 1);
    assert_int_equal(err.transport_code, 28); /* CURLE_OPERATION_TIMEDOUT */
    ts_assert_contains(err.message, "send: timed out on ");
    ts_assert_contains(err.message, "the outcome is unknown");
    assert_int_equal(ts_request_count(env), 1);
    assert_true(elapsed >= 250); /* 300 ms, give or take libcurl's rounding */
    assert_true(elapsed < 8000 || ts_slow());
}

static void test_retry__timeout_on_get_retried(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.timeout_ms = 300;
    use_client(env, &o);
    script_late(env, 1, "{\"status\":\"late\"}", 8000);
    loopmsg_error err;
    get_status_ok(env, id, &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 2);
    assert_int_equal(ts_request_count(env), 2);

    loopmsg_emulator_reset(env->emu);
    script_late(env, 3, "{\"status\":\"late\"}", 8000);
    loopmsg_message_status *s = NULL;
    ts_assert_status(LOOPMSG_E_TIMEOUT, get_status(env, id, &s, &err), &err);
    assert_err(&err, LOOPMSG_E_TIMEOUT, 0, 0, F_R | F_S, 3);
    assert_int_equal(err.transport_code, 28);
    assert_int_equal(ts_request_count(env), 3);
}

static void test_retry__drop_after_body_on_send_not_retried(void **state)
{
    ts_env *env = *state;
    script_drop(env, 1);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_TRANSPORT, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R | F_M | F_S, 1);
    assert_true(err.transport_code != 0);
    ts_assert_contains(err.message, "the outcome is unknown");
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_int_equal(q->answered_status, 0);
    ts_assert_json_eq("{\"contact\":\"" CONTACT "\",\"text\":\"hi\"}", q->body);
    loopmsg_emulator_request_free(q);
}

/* A kept-alive connection that dies after the request was sent must not make libcurl resend
 * the POST on a fresh connection behind the engine's back. */
static void test_retry__drop_on_reused_connection_not_resent(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(env, NULL, &err), &err); /* opens a connection */
    script_drop(env, 1);
    ts_assert_status(LOOPMSG_E_TRANSPORT, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R | F_M | F_S, 1);
    ts_assert_contains(err.message, "the outcome is unknown");
    assert_int_equal(ts_request_count(env), 2);
}

/* For a GET, libcurl's own resend on a fresh connection is harmless and allowed. */
static void test_retry__drop_on_reused_connection_get_succeeds(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id); /* leaves a kept-alive connection */
    script_drop(env, 1);
    loopmsg_error err;
    get_status_ok(env, id, &err);
    assert_int_equal(ts_request_count(env), 2);
    assert_true(err.attempts >= 1 && err.attempts <= 2);
}

static void test_retry__drop_after_body_on_get_retried(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id);
    use_client(env, NULL); /* a fresh connection: libcurl's own resend on reuse plays no part */
    script_drop(env, 1);
    loopmsg_error err;
    get_status_ok(env, id, &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 2);
    assert_int_equal(ts_request_count(env), 2);

    loopmsg_emulator_reset(env->emu);
    use_client(env, NULL);
    script_drop(env, 3);
    loopmsg_message_status *s = NULL;
    ts_assert_status(LOOPMSG_E_TRANSPORT, get_status(env, id, &s, &err), &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R | F_S, 3);
    assert_int_equal(ts_request_count(env), 3);
}

/* ---- max_retries, backoff, deadline ------------------------------------------------------ */

static void test_retry__no_retries_gives_one_attempt(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_retries = LOOPMSG_NO_RETRIES;
    use_client(env, &o);
    script_n(env, 2, 503, body_503);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_HTTP, send_hi(env, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 1);
    assert_int_equal(ts_request_count(env), 1);

    /* Also for a GET and for a connect failure. */
    loopmsg_emulator_reset(env->emu);
    ts_script(env, 503, body_503);
    ts_assert_status(LOOPMSG_E_HTTP, get_status(env, "ABC", NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 1);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_retry__backoff_doubles(void **state)
{
    ts_env *env = *state;
    ts_log_capture *cap = calloc(1, sizeof *cap);
    assert_non_null(cap);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_delay_ms = 150;
    use_logging_client(env, &o, cap, jitter_one);
    script_n(env, 3, 503, body_503);
    loopmsg_error err;
    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_HTTP, st, &err);
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 3);
    assert_int_equal(ts_request_count(env), 3);

    size_t at[8];
    unsigned int n[8], m[8];
    long d[8];
    size_t found = logged_retries(cap, LOOPMSG_LOG_WARN, at, n, m, d, 8);
    for (size_t k = 0; k < found; k++) {
        ts_assert_contains(cap->line[at[k]], "send: ");
        ts_assert_contains(cap->line[at[k]], "HTTP 503");
    }
    assert_int_equal(found, 2);
    assert_int_equal(n[0], 1);
    assert_int_equal(n[1], 2);
    assert_int_equal(m[0], 2);
    assert_int_equal(m[1], 2);
    assert_int_equal(d[0], 150);
    assert_int_equal(d[1], 300);
    if (elapsed < 450 || elapsed > 10000)
        fail_msg("three attempts took %llu ms; backoff was 150 + 300 ms",
                 (unsigned long long)elapsed);
    free(cap);
}

static double jitter_thousandth(void *ud)
{
    (void)ud;
    return 0.001;
}

/* With a jitter factor of 1/1000 the logged delays show the ceilings: 40000 ms, then 80000
 * capped to LOOPMSG_MAX_RETRY_DELAY_MS (60000). */
static void test_retry__backoff_is_capped(void **state)
{
    ts_env *env = *state;
    ts_log_capture *cap = calloc(1, sizeof *cap);
    assert_non_null(cap);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_delay_ms = 40000;
    o.max_retries = 3;
    use_logging_client(env, &o, cap, jitter_thousandth);
    script_n(env, 4, 503, body_503);
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    ts_assert_status(LOOPMSG_E_HTTP, send_hi(env, NULL, &err), &err);
    assert_true(ts_now_ms() - t0 < 10000 || ts_slow());
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 4);
    assert_int_equal(ts_request_count(env), 4);
    size_t at[8];
    unsigned int n[8], m[8];
    long d[8];
    size_t found = logged_retries(cap, -1, at, n, m, d, 8);
    for (size_t k = 0; k < found; k++) {
        assert_int_equal(n[k], k + 1);
        assert_int_equal(m[k], 3);
    }
    assert_int_equal(found, 3);
    assert_int_equal(d[0], 40);
    assert_int_equal(d[1], 60);
    assert_int_equal(d[2], 60);
    free(cap);
}

static void test_retry__deadline_stops_retrying(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.retry_delay_ms = 200;
    o.max_retries = 10;
    o.deadline_ms = 500;
    loopmsg__client_set_random(use_client(env, &o), jitter_one, NULL);
    script_n(env, 10, 503, body_503);
    loopmsg_error err;
    uint64_t elapsed;
    loopmsg_status st = send_hi_timed(env, &err, &elapsed);
    ts_assert_status(LOOPMSG_E_HTTP, st, &err);
    /* Attempt 1 at 0 ms, attempt 2 after 200 ms; a wait of 400 ms more would pass 500 ms. */
    assert_err(&err, LOOPMSG_E_HTTP, 503, 0, F_R | F_S, 2);
    assert_int_equal(ts_request_count(env), 2);
    assert_true(elapsed >= 200);
    assert_true(elapsed < 10000 || ts_slow());
}

static void test_retry__deadline_cuts_an_attempt_short(void **state)
{
    ts_env *env = *state;
    char id[64];
    ts_seed_message(env, CONTACT, id, sizeof id);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.timeout_ms = 8000;
    o.deadline_ms = 400;
    o.retry_delay_ms = 50;
    /* a retry would wait 50 ms: too late */
    loopmsg__client_set_random(use_client(env, &o), jitter_one, NULL);
    script_late(env, 3, "{\"status\":\"late\"}", 9000);
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    loopmsg_status st = get_status(env, id, NULL, &err);
    uint64_t elapsed = ts_now_ms() - t0;
    ts_assert_status(LOOPMSG_E_TIMEOUT, st, &err);
    assert_err(&err, LOOPMSG_E_TIMEOUT, 0, 0, F_R | F_S, 1);
    assert_int_equal(err.transport_code, 28);
    ts_assert_contains(err.message, "status: timed out on ");
    /* The note needs the engine's clock at the deadline; libcurl may round a millisecond. */
    if (elapsed > 401)
        ts_assert_contains(err.message, "(deadline of 400 ms)");
    assert_int_equal(ts_request_count(env), 1);
    assert_true(elapsed >= 350);
    assert_true(elapsed < 8000 || ts_slow()); /* the deadline, not the 8 s timeout, ended it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_emu_setup, ts_emu_teardown)
        T(test_retry__connection_refused_post_retried),
        T(test_retry__connection_refused_get_retried),
        T(test_retry__connection_refused_max_retries_counts),
        T(test_retry__503_then_200_send_succeeds_on_attempt_2),
        T(test_retry__503_exhausts_retries),
        T(test_retry__429_retry_after_is_honoured),
        T(test_retry__503_retry_after_then_success),
        T(test_retry__429_on_get_retried),
        T(test_retry__retry_after_above_60s_not_auto_retried),
        T(test_retry__long_retry_after_does_not_stall_next_call),
        T(test_retry__deadline_covers_a_host_pause),
        T(test_retry__code_1010_retried),
        T(test_retry__code_1010_exhausts_retries),
        T(test_retry__codes_1020_1030_not_retried_by_default),
        T(test_retry__codes_1020_1030_not_resent_whatever_the_status),
        T(test_retry__codes_1020_1030_retried_with_option),
        T(test_retry__cancel_during_backoff_after_1030_keeps_maybe_delivered),
        T(test_retry__code_140_never_retried),
        T(test_retry__fatal_code_never_retried),
        T(test_retry__502_504_on_send_not_retried),
        T(test_retry__502_504_on_get_retried),
        T(test_retry__timeout_on_send_not_retried),
        T(test_retry__timeout_on_get_retried),
        T(test_retry__drop_after_body_on_send_not_retried),
        T(test_retry__drop_on_reused_connection_not_resent),
        T(test_retry__drop_on_reused_connection_get_succeeds),
        T(test_retry__drop_after_body_on_get_retried),
        T(test_retry__no_retries_gives_one_attempt),
        T(test_retry__backoff_doubles),
        T(test_retry__backoff_is_capped),
        T(test_retry__deadline_stops_retrying),
        T(test_retry__deadline_cuts_an_attempt_short),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
