/* SPDX-License-Identifier: MIT */
/*
 * test_log_events.c: the structured log callback (loopmsg_log_event): which events a
 * request produces in which order, field by field (request, response, retry, rate-limit
 * pause, error), that options of version 2 never reach the new fields, and that no event,
 * and no line of `loopmsg --log-format json`, carries the key, a webhook secret or a
 * message text.
 */
#include "test_support.h"
#include "lib/client_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DISTINCT_TEXT   "Zq7 distinctive message text 42"
#define DISTINCT_KEY    "kX9-distinctive-api-key-77"
#define DISTINCT_SECRET "wS3-distinctive-webhook-secret-88"

typedef struct seen_event {
    loopmsg_log_event ev;
    char operation[64];
    char method[16];
    char path[256];
} seen_event;

typedef struct recorder {
    seen_event events[32];
    size_t count;
} recorder;

static void on_event(const loopmsg_log_event *ev, void *user_data)
{
    recorder *r = user_data;
    assert_int_equal(ev->version, LOOPMSG_LOG_EVENT_VERSION);
    if (r->count == sizeof r->events / sizeof r->events[0])
        fail_msg("too many events");
    seen_event *s = &r->events[r->count++];
    s->ev = *ev;
    /* The strings are borrowed for the call: keep copies. */
    snprintf(s->operation, sizeof s->operation, "%s", ev->operation ? ev->operation : "");
    snprintf(s->method, sizeof s->method, "%s", ev->method ? ev->method : "");
    snprintf(s->path, sizeof s->path, "%s", ev->path ? ev->path : "");
    s->ev.operation = s->ev.method = s->ev.path = NULL;
}

static loopmsg_client *client_with(ts_env *env, recorder *r, const char *key, int max_retries)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.log_event_cb = on_event;
    o.log_event_user_data = r;
    o.api_key = key;
    o.max_retries = max_retries;
    return ts_client(env, &o);
}

static void assert_event(const recorder *r, size_t i, loopmsg_log_event_kind kind,
                         loopmsg_log_level level, int http, int code, loopmsg_status st,
                         unsigned int attempt)
{
    if (i >= r->count)
        fail_msg("event %zu missing (%zu events)", i, r->count);
    const seen_event *s = &r->events[i];
    if (s->ev.kind != kind || s->ev.level != level || s->ev.http_status != http ||
        s->ev.api_code != code || s->ev.status != st || s->ev.attempt != attempt)
        fail_msg("event %zu: kind %d level %d http %d code %d status %d attempt %u; expected "
                 "%d %d %d %d %d %u",
                 i, (int)s->ev.kind, (int)s->ev.level, s->ev.http_status, s->ev.api_code,
                 (int)s->ev.status, s->ev.attempt, (int)kind, (int)level, http, code, (int)st,
                 attempt);
}

/* The backoff's jitter, fixed: half of the 10-ms ceiling of the first retry. */
static double jitter_half(void *user_data)
{
    (void)user_data;
    return 0.5;
}

static loopmsg_status send_one(loopmsg_client *c, loopmsg_error *err)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = DISTINCT_TEXT;
    loopmsg_send_result *res = NULL;
    loopmsg_status st = loopmsg_message_send(c, &p, &res, err);
    loopmsg_send_result_free(res);
    return st;
}

static void test_log_events__request_then_response(void **state)
{
    ts_env *env = *state;
    recorder r = {0};
    loopmsg_client *c = client_with(env, &r, NULL, 0);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_one(c, &err), &err);
    assert_int_equal(r.count, 2);
    assert_event(&r, 0, LOOPMSG_LOG_EVENT_REQUEST, LOOPMSG_LOG_DEBUG, 0, 0, LOOPMSG_OK, 1);
    assert_event(&r, 1, LOOPMSG_LOG_EVENT_RESPONSE, LOOPMSG_LOG_DEBUG, 200, 0, LOOPMSG_OK, 1);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(r.events[i].operation, "send");
        assert_string_equal(r.events[i].method, "POST");
        assert_string_equal(r.events[i].path, "/api/v1/message/send/");
        assert_int_equal(r.events[i].ev.delay_ms, 0);
    }
    assert_true(r.events[0].ev.request_id != 0);
    assert_int_equal(r.events[1].ev.request_id, r.events[0].ev.request_id);
    assert_int_equal(r.events[0].ev.duration_ms, 0);

    /* A list: GET, the path without its query. */
    r.count = 0;
    loopmsg_list_params lp = LOOPMSG_LIST_PARAMS_INIT;
    lp.page = 2;
    loopmsg_page *page = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_audience_list(c, &lp, &page, &err), &err);
    loopmsg_page_free(page);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.events[1].method, "GET");
    assert_string_equal(r.events[1].path, "/api/v1/audience/list/");
    assert_true(r.events[1].ev.request_id > r.events[0].ev.request_id - 1);
    loopmsg_emulator_request *q = ts_request(env, 1);
    assert_string_equal(q->query, "page=2"); /* the query was there; the event left it out */
    loopmsg_emulator_request_free(q);
    loopmsg_client_free(c);
}

static void test_log_events__retry_pause_and_error(void **state)
{
    ts_env *env = *state;
    recorder r = {0};
    loopmsg_client *c = client_with(env, &r, NULL, 1);
    loopmsg__client_set_random(c, jitter_half, NULL);
    loopmsg_error err;
    /* A 503 (not processed) is retried, then succeeds. */
    ts_script(env, 503, "{\"success\":false,\"message\":\"Service unavailable\"}");
    ts_assert_status(LOOPMSG_OK, send_one(c, &err), &err);
    assert_int_equal(r.count, 5);
    loopmsg_status st503 = r.events[1].ev.status;
    assert_true(st503 < 0);
    assert_event(&r, 0, LOOPMSG_LOG_EVENT_REQUEST, LOOPMSG_LOG_DEBUG, 0, 0, LOOPMSG_OK, 1);
    assert_event(&r, 1, LOOPMSG_LOG_EVENT_RESPONSE, LOOPMSG_LOG_DEBUG, 503, 0, st503, 1);
    assert_event(&r, 2, LOOPMSG_LOG_EVENT_RETRY, LOOPMSG_LOG_WARN, 503, 0, st503, 1);
    assert_event(&r, 3, LOOPMSG_LOG_EVENT_REQUEST, LOOPMSG_LOG_DEBUG, 0, 0, LOOPMSG_OK, 2);
    assert_event(&r, 4, LOOPMSG_LOG_EVENT_RESPONSE, LOOPMSG_LOG_DEBUG, 200, 0, LOOPMSG_OK, 2);
    assert_int_equal(r.events[2].ev.delay_ms, 5);
    assert_int_equal(r.events[2].ev.duration_ms, r.events[1].ev.duration_ms);
    assert_string_equal(r.events[2].path, "/api/v1/message/send/");
    for (size_t i = 1; i < 5; i++)
        assert_int_equal(r.events[i].ev.request_id, r.events[0].ev.request_id);
    loopmsg_client_free(c);

    /* 429 with Retry-After and no retries: the pause, then the error. */
    r.count = 0;
    c = client_with(env, &r, NULL, LOOPMSG_NO_RETRIES);
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 429;
    a.body = "{\"success\":false,\"message\":\"slow down\"}";
    a.headers = "Retry-After: 3";
    ts_script_full(env, &a);
    loopmsg_status st = send_one(c, &err);
    assert_int_equal(st, LOOPMSG_E_RATE_LIMITED);
    assert_int_equal(r.count, 4);
    assert_event(&r, 1, LOOPMSG_LOG_EVENT_RESPONSE, LOOPMSG_LOG_DEBUG, 429, 0,
                 LOOPMSG_E_RATE_LIMITED, 1);
    assert_event(&r, 2, LOOPMSG_LOG_EVENT_RATE_LIMIT_PAUSE, LOOPMSG_LOG_WARN, 429, 0, LOOPMSG_OK,
                 1);
    assert_int_equal(r.events[2].ev.delay_ms, 3000);
    assert_event(&r, 3, LOOPMSG_LOG_EVENT_ERROR, LOOPMSG_LOG_ERROR, 429, 0, LOOPMSG_E_RATE_LIMITED,
                 1);
    loopmsg_client_free(c);

    /* An API error with a Loop code. */
    r.count = 0;
    c = client_with(env, &r, NULL, 0);
    ts_script(env, 400, "{\"success\":false,\"code\":1110,\"message\":\"x\"}");
    st = send_one(c, &err);
    assert_int_equal(r.count, 3);
    assert_event(&r, 2, LOOPMSG_LOG_EVENT_ERROR, LOOPMSG_LOG_ERROR, 400, err.api_code, st, 1);
    assert_int_equal(err.api_code, 1110);
    loopmsg_client_free(c);
}

static void test_log_events__options_version_2_has_no_event_callback(void **state)
{
    ts_env *env = *state;
    recorder r = {0};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.version = 2; /* a caller built against the previous header */
    o.log_event_cb = on_event;
    o.log_event_user_data = &r;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_one(c, &err), &err);
    assert_int_equal(r.count, 0);
    loopmsg_client_free(c);
}

/* Every string in every event, and the recorded fields, free of the key and the text. */
static void test_log_events__no_key_or_text_in_any_event(void **state)
{
    ts_env *env = *state;
    recorder r = {0};
    /* The emulator refuses this key: request, response 401 and error, all checked. */
    loopmsg_client *c = client_with(env, &r, DISTINCT_KEY, 0);
    loopmsg_error err;
    assert_int_equal(send_one(c, &err), LOOPMSG_E_AUTH);
    loopmsg_client_free(c);
    size_t bad_key_events = r.count;
    assert_int_equal(bad_key_events, 3);
    c = client_with(env, &r, NULL, 0);
    ts_assert_status(LOOPMSG_OK, send_one(c, &err), &err);
    loopmsg_client_free(c);
    assert_int_equal(r.count, bad_key_events + 2);
    for (size_t i = 0; i < r.count; i++) {
        const seen_event *s = &r.events[i];
        const char *fields[] = {s->operation, s->method, s->path};
        for (size_t f = 0; f < 3; f++) {
            if (strstr(fields[f], DISTINCT_KEY) || strstr(fields[f], DISTINCT_TEXT) ||
                strstr(fields[f], TS_KEY) || strstr(fields[f], "Zq7"))
                fail_msg("event %zu carries a secret or the text: %s", i, fields[f]);
        }
    }
}

/* loopmsg --log-format json: JSON lines on stderr, each parsed, none with a secret. */
static void test_log_events__cli_json_lines_hold_no_secret(void **state)
{
    ts_env *env = *state;
    const char *argv[] = {"--log-format", "json",   "send",        "--contact",
                          "+13231112233", "--text", DISTINCT_TEXT, NULL};
    const char *extra[] = {"LOOP_WEBHOOK_SECRET=" DISTINCT_SECRET, NULL};
    ts_cli cli;
    ts_cli_start(&cli, env, argv, extra, NULL);
    assert_int_equal(ts_cli_wait(&cli, 30000), 0);
    size_t lines = 0;
    const char *kinds[2] = {"request", "response"};
    for (char *line = cli.err, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "{", 1) != 0)
            continue; /* the human "accepted for" line */
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!json_is_object(j))
            fail_msg("not a JSON line: %s", line);
        if (lines < 2)
            assert_string_equal(json_string_value(json_object_get(j, "event")), kinds[lines]);
        assert_string_equal(json_string_value(json_object_get(j, "path")), "/api/v1/message/send/");
        assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
        json_decref(j);
        lines++;
    }
    assert_int_equal(lines, 2);
    ts_cli_free(&cli);

    /* With a refused key too; and the text log is not printed beside the JSON. */
    const char *refused[] = {"--log-format", "json",        "--verbose", "--api-key",
                             DISTINCT_KEY,   "send",        "--contact", "+13231112233",
                             "--text",       DISTINCT_TEXT, NULL};
    ts_cli_start(&cli, env, refused, extra, NULL);
    assert_int_equal(ts_cli_wait(&cli, 30000), 3);
    ts_assert_contains(cli.err, "\"event\":\"error\"");
    ts_assert_contains(cli.err, "\"http_status\":401");
    if (strstr(cli.err, "loopmsg: > POST"))
        fail_msg("text log lines beside --log-format json: %s", cli.err);
    const char *all[2] = {cli.out, cli.err};
    for (size_t i = 0; i < 2; i++)
        if (strstr(all[i], DISTINCT_KEY) || strstr(all[i], DISTINCT_SECRET) ||
            strstr(all[i], DISTINCT_TEXT) || strstr(all[i], TS_KEY))
            fail_msg("a secret or the text in the output: %s", all[i]);
    ts_cli_free(&cli);

    const char *bad[] = {"--log-format", "xml", "send", NULL};
    ts_cli_start(&cli, env, bad, NULL, NULL);
    assert_int_equal(ts_cli_wait(&cli, 30000), 2);
    ts_cli_free(&cli);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_log_events__request_then_response),
        T(test_log_events__retry_pause_and_error),
        T(test_log_events__options_version_2_has_no_event_callback),
        T(test_log_events__no_key_or_text_in_any_event),
        T(test_log_events__cli_json_lines_hold_no_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
