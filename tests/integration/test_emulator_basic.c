/* SPDX-License-Identifier: MIT */
/*
 * test_emulator_basic.c: the emulator as seen from the wire, with plain libcurl (no SDK
 * client): request recording (raw path and query, headers, body, answered status), scripted
 * answers (status, body, content type, extra headers, delay without blocking others, both
 * kinds of dropped connection), authentication codes, routing errors, send validation codes
 * and a send + status round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include <loopmsg/emulator.h>

#include "http_support.h"
#include "test_support.h"

#define KEY "test-key"

/* ---- a tiny HTTP client ----------------------------------------------------------------- */

/* method, base + path_and_query, Authorization (NULL = none), JSON body (NULL = none). */
static void http(ts_http_res *r, loopmsg_emulator *emu, const char *method, const char *path,
                 const char *auth, const char *body)
{
    static const char *const ua[] = {"User-Agent: emu-test/1.0", NULL};
    char url[1024];
    snprintf(url, sizeof url, "%s%s", loopmsg_emulator_url(emu), path);
    ts_http(r, method, url, auth, ua, body, 5000);
}

/* Assert a 4xx with {"success": false, "code": code, "message": string}. */
static void assert_api_error(const ts_http_res *r, long status, long code)
{
    assert_int_equal(r->rc, CURLE_OK);
    if (r->status != status)
        fail_msg("expected HTTP %ld, got %ld: %s", status, r->status, r->body);
    json_t *j = ts_http_json(r);
    assert_true(json_is_false(json_object_get(j, "success")));
    if (ts_jint(j, "code") != code)
        fail_msg("expected code %ld, got %ld: %s", code, ts_jint(j, "code"), r->body);
    assert_non_null(ts_jstr(j, "message"));
    json_decref(j);
}

/* Poll a message's status (GET path) until it is no longer "processing" (20 s at most): the
 * status it settled in, as JSON (caller decrefs). */
static json_t *wait_settled_status(loopmsg_emulator *emu, const char *path)
{
    uint64_t until = ts_now_ms() + 20000;
    for (;;) {
        ts_http_res r;
        http(&r, emu, "GET", path, KEY, NULL);
        assert_int_equal(r.status, 200);
        json_t *j = ts_http_json(&r);
        const char *s = ts_jstr(j, "status");
        if (!s || strcmp(s, "processing") != 0)
            return j;
        json_decref(j);
        if (ts_now_ms() > until)
            fail_msg("%s still processing after 20 s", path);
        ts_sleep_ms(20);
    }
}

/* ---- fixture ---------------------------------------------------------------------------- */

static int setup(void **state)
{
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.delivery_delay_ms = 500;
    return ts_emu_bare_setup(state, &o);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_emulator__binds_loopback_ephemeral_port(void **state)
{
    loopmsg_emulator *emu = *state;
    uint16_t port = loopmsg_emulator_port(emu);
    assert_true(port > 0);
    char expected[64];
    snprintf(expected, sizeof expected, "http://127.0.0.1:%u", (unsigned int)port);
    assert_string_equal(loopmsg_emulator_url(emu), expected);
    assert_int_equal(loopmsg_emulator_request_count(emu), 0);
}

static void test_emulator__rejects_unversioned_options(void **state)
{
    (void)state;
    loopmsg_emulator_options o = {0};
    loopmsg_emulator *emu = (loopmsg_emulator *)0x1;
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_start(&o, &emu, &err), LOOPMSG_E_INVALID_ARG);
    assert_null(emu);
    assert_int_equal(err.status, LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_EMULATOR_OPTIONS_INIT"));
}

static void test_emulator__records_raw_path_query_headers_and_status(void **state)
{
    loopmsg_emulator *emu = *state;
    ts_http_res r;
    http(&r, emu, "GET", "/api/v1/audience/check-status/%2B15555550100/?x=a+b%2Fc&y=%20", KEY,
         NULL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    json_t *j = ts_http_json(&r);
    assert_string_equal(ts_jstr(j, "status"), "active");
    json_decref(j);

    assert_int_equal(loopmsg_emulator_request_count(emu), 1);
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, 0, &req), LOOPMSG_OK);
    assert_string_equal(req->method, "GET");
    assert_string_equal(req->path, "/api/v1/audience/check-status/%2B15555550100/");
    assert_string_equal(req->query, "x=a+b%2Fc&y=%20");
    assert_string_equal(req->authorization, KEY);
    assert_string_equal(req->content_type, "application/json");
    assert_string_equal(req->user_agent, "emu-test/1.0");
    assert_string_equal(req->body, "");
    assert_int_equal(req->body_len, 0);
    assert_int_equal(req->answered_status, 200);
    loopmsg_emulator_request_free(req);

    assert_int_equal(loopmsg_emulator_request_get(emu, 1, &req), LOOPMSG_E_INVALID_ARG);
    assert_null(req);
}

static void test_emulator__records_body_and_missing_headers(void **state)
{
    loopmsg_emulator *emu = *state;
    ts_http_res r;
    const char *body = "{\"contact\":\"+15555550100\",\"text\":\"h\\u00e9 there\"}";
    http(&r, emu, "POST", "/api/v1/message/send/", NULL, body);
    assert_api_error(&r, 401, 110);
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, 0, &req), LOOPMSG_OK);
    assert_string_equal(req->method, "POST");
    assert_string_equal(req->path, "/api/v1/message/send/");
    assert_string_equal(req->query, "");
    assert_null(req->authorization);
    assert_string_equal(req->body, body);
    assert_int_equal(req->body_len, strlen(body));
    assert_int_equal(req->answered_status, 401);
    loopmsg_emulator_request_free(req);
}

static void test_emulator__auth_wrong_key_is_130(void **state)
{
    ts_http_res r;
    http(&r, *state, "GET", "/api/v1/sender/list/", "Bearer test-key", NULL);
    assert_api_error(&r, 401, 130);
    http(&r, *state, "GET", "/api/v1/sender/list/", "other", NULL);
    assert_api_error(&r, 401, 130);
    http(&r, *state, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
}

static void test_emulator__unknown_path_404_and_wrong_method_405(void **state)
{
    ts_http_res r;
    http(&r, *state, "GET", "/api/v1/nothing/", KEY, NULL);
    assert_int_equal(r.status, 404);
    json_t *j = ts_http_json(&r);
    assert_true(json_is_false(json_object_get(j, "success")));
    json_decref(j);
    /* The trailing slash is part of the path. */
    http(&r, *state, "POST", "/api/v1/message/send", KEY, "{}");
    assert_int_equal(r.status, 404);
    http(&r, *state, "GET", "/api/v1/message/send/", KEY, NULL);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.headers, "Allow: POST"));
    /* Status lives under /v1/, not /api/v1/. */
    http(&r, *state, "GET", "/api/v1/message/status/ABC/", KEY, NULL);
    assert_int_equal(r.status, 404);
}

static void test_emulator__script_status_body_and_headers(void **state)
{
    loopmsg_emulator *emu = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 429;
    a.body = "{\"success\":false,\"code\":100,\"message\":\"slow down\"}";
    a.headers = "Retry-After: 1\nX-Test: yes";
    assert_int_equal(loopmsg_emulator_script(emu, &a), LOOPMSG_OK);
    loopmsg_emulator_answer b = LOOPMSG_EMULATOR_ANSWER_INIT;
    b.body = "plain text";
    b.content_type = "text/plain";
    assert_int_equal(loopmsg_emulator_script(emu, &b), LOOPMSG_OK);
    loopmsg_emulator_answer c = LOOPMSG_EMULATOR_ANSWER_INIT;
    c.status = 502;
    c.content_type = "";
    assert_int_equal(loopmsg_emulator_script(emu, &c), LOOPMSG_OK);

    ts_http_res r;
    /* Scripted answers apply to any path, even one that does not exist, in FIFO order. */
    http(&r, emu, "POST", "/whatever/", NULL, "{\"x\":1}");
    assert_int_equal(r.status, 429);
    assert_string_equal(r.body, a.body);
    assert_non_null(strstr(r.headers, "Retry-After: 1\r\n"));
    assert_non_null(strstr(r.headers, "X-Test: yes\r\n"));
    assert_non_null(strstr(r.headers, "Content-Type: application/json\r\n"));

    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "plain text");
    assert_non_null(strstr(r.headers, "Content-Type: text/plain\r\n"));

    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 502);
    assert_string_equal(r.body, "");
    assert_null(strstr(r.headers, "Content-Type"));

    /* The queue is empty: the emulated API answers again. */
    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
    json_t *j = ts_http_json(&r);
    assert_true(json_is_array(json_object_get(j, "items")));
    json_decref(j);

    assert_int_equal(loopmsg_emulator_request_count(emu), 4);
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, 0, &req), LOOPMSG_OK);
    assert_string_equal(req->path, "/whatever/");
    assert_string_equal(req->body, "{\"x\":1}");
    assert_int_equal(req->answered_status, 429);
    loopmsg_emulator_request_free(req);
    assert_int_equal(loopmsg_emulator_request_get(emu, 2, &req), LOOPMSG_OK);
    assert_int_equal(req->answered_status, 502);
    loopmsg_emulator_request_free(req);
}

static void test_emulator__script_rejects_bad_answers(void **state)
{
    loopmsg_emulator_answer a = {0};
    assert_int_equal(loopmsg_emulator_script(*state, &a), LOOPMSG_E_INVALID_ARG);
    loopmsg_emulator_answer b = LOOPMSG_EMULATOR_ANSWER_INIT;
    b.status = 42;
    assert_int_equal(loopmsg_emulator_script(*state, &b), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_emulator_script(*state, NULL), LOOPMSG_E_INVALID_ARG);
}

typedef struct slow_call {
    loopmsg_emulator *emu;
    ts_http_res res;
} slow_call;

static void *slow_thread(void *arg)
{
    slow_call *c = arg;
    http(&c->res, c->emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    return NULL;
}

static void test_emulator__script_delay_does_not_block_other_requests(void **state)
{
    loopmsg_emulator *emu = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 503;
    a.delay_ms = 800;
    assert_int_equal(loopmsg_emulator_script(emu, &a), LOOPMSG_OK);
    slow_call c = {.emu = emu};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_thread, &c), 0);
    /* Wait until the slow request has taken the scripted answer. */
    long t0 = (long)ts_now_ms();
    while (loopmsg_emulator_request_count(emu) < 1 && (long)ts_now_ms() - t0 < 2000)
        ts_sleep_ms(5);
    assert_int_equal(loopmsg_emulator_request_count(emu), 1);
    ts_http_res r;
    http(&r, emu, "GET", "/api/v1/pool/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
    assert_true(r.elapsed_ms < 500 || ts_slow());
    pthread_join(t, NULL);
    assert_int_equal(c.res.rc, CURLE_OK);
    assert_int_equal(c.res.status, 503);
    assert_true(c.res.elapsed_ms >= 750);
}

static void test_emulator__script_drop_before_body(void **state)
{
    loopmsg_emulator *emu = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.drop = LOOPMSG_EMULATOR_DROP_BEFORE_BODY;
    assert_int_equal(loopmsg_emulator_script(emu, &a), LOOPMSG_OK);
    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"+15555550100\",\"text\":\"hi\"}");
    assert_int_not_equal(r.rc, CURLE_OK);
    assert_int_not_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    assert_true(r.elapsed_ms < 2000 || ts_slow());
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, 0, &req), LOOPMSG_OK);
    assert_string_equal(req->method, "POST");
    assert_string_equal(req->path, "/api/v1/message/send/");
    assert_int_equal(req->answered_status, 0);
    loopmsg_emulator_request_free(req);
    /* The emulator keeps serving. */
    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
}

static void test_emulator__script_drop_after_body(void **state)
{
    loopmsg_emulator *emu = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.drop = LOOPMSG_EMULATOR_DROP_AFTER_BODY;
    a.delay_ms = 100;
    assert_int_equal(loopmsg_emulator_script(emu, &a), LOOPMSG_OK);
    ts_http_res r;
    const char *body = "{\"contact\":\"+15555550100\",\"text\":\"hi\"}";
    http(&r, emu, "POST", "/api/v1/message/send/", KEY, body);
    assert_int_equal(r.rc, CURLE_GOT_NOTHING);
    assert_true(r.elapsed_ms >= 90);
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, 0, &req), LOOPMSG_OK);
    assert_string_equal(req->body, body);
    assert_int_equal(req->answered_status, 0);
    loopmsg_emulator_request_free(req);
}

static void test_emulator__reset_forgets_requests_and_scripts(void **state)
{
    loopmsg_emulator *emu = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = 500;
    ts_http_res r;
    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(loopmsg_emulator_script(emu, &a), LOOPMSG_OK);
    loopmsg_emulator_reset(emu);
    assert_int_equal(loopmsg_emulator_request_count(emu), 0);
    http(&r, emu, "GET", "/api/v1/sender/list/", KEY, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(loopmsg_emulator_request_count(emu), 1);
}

static void test_emulator__send_and_status_round_trip(void **state)
{
    loopmsg_emulator *emu = *state;
    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"+1 (555) 555-0123\",\"text\":\"Hello\",\"sender\":\"sender-1\"}");
    assert_int_equal(r.status, 200);
    json_t *j = ts_http_json(&r);
    const char *id = ts_jstr(j, "message_id");
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    for (const char *p = id; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') || *p == '-');
    assert_string_equal(ts_jstr(j, "contact"), "+15555550123");
    assert_string_equal(ts_jstr(j, "text"), "Hello");
    char path[128];
    snprintf(path, sizeof path, "/v1/message/status/%s/", id);
    json_decref(j);

    http(&r, emu, "GET", path, KEY, NULL);
    assert_int_equal(r.status, 200);
    j = ts_http_json(&r);
    assert_string_equal(ts_jstr(j, "status"), "processing");
    assert_string_equal(ts_jstr(j, "contact"), "+15555550123");
    assert_string_equal(ts_jstr(j, "text"), "Hello");
    assert_non_null(ts_jstr(j, "last_update"));
    assert_null(json_object_get(j, "error_code"));
    json_decref(j);

    j = wait_settled_status(emu, path);
    assert_string_equal(ts_jstr(j, "status"), "delivered");
    const char *lu = ts_jstr(j, "last_update");
    assert_int_equal(strlen(lu), 24); /* 2026-03-14T18:22:41.507Z */
    assert_int_equal(lu[23], 'Z');
    json_decref(j);
}

static void test_emulator__failing_contact_reports_1020(void **state)
{
    loopmsg_emulator *emu = *state;
    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"+15555550000\",\"text\":\"bounce\"}");
    assert_int_equal(r.status, 200);
    json_t *j = ts_http_json(&r);
    char path[128];
    snprintf(path, sizeof path, "/v1/message/status/%s/", ts_jstr(j, "message_id"));
    json_decref(j);
    j = wait_settled_status(emu, path);
    assert_string_equal(ts_jstr(j, "status"), "failed");
    assert_int_equal(ts_jint(j, "error_code"), 1020);
    json_decref(j);
}

static void test_emulator__status_unknown_id_is_404(void **state)
{
    ts_http_res r;
    http(&r, *state, "GET", "/v1/message/status/NOPE/", KEY, NULL);
    assert_int_equal(r.status, 404);
    json_t *j = ts_http_json(&r);
    assert_int_equal(ts_jint(j, "error_code"), 100);
    assert_string_equal(ts_jstr(j, "message"), "Message not found");
    json_decref(j);
}

static void test_emulator__send_success_shapes(void **state)
{
    loopmsg_emulator *emu = *state;
    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"Someone@Example.COM\",\"text\":\"x\"}");
    assert_int_equal(r.status, 200);
    json_t *j = ts_http_json(&r);
    assert_string_equal(ts_jstr(j, "contact"), "someone@example.com");
    json_decref(j);

    http(&r, emu, "POST", "/api/v1/message/send/", KEY, "{\"group\":\"group-1\",\"text\":\"g\"}");
    assert_int_equal(r.status, 200);
    j = ts_http_json(&r);
    assert_non_null(ts_jstr(j, "message_id"));
    json_t *g = json_object_get(j, "group");
    assert_string_equal(ts_jstr(g, "id"), "group-1");
    assert_true(json_is_string(json_object_get(g, "name")));
    assert_int_equal(json_array_size(json_object_get(g, "participants")), 2);
    assert_string_equal(ts_jstr(j, "text"), "g");
    json_decref(j);

    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"15555550100\",\"media_url\":\"https://x.example/v.m4a\"}");
    assert_int_equal(r.status, 200);
    j = ts_http_json(&r);
    assert_string_equal(ts_jstr(j, "recipient"), "+15555550100");
    assert_string_equal(ts_jstr(j, "text"), "");
    assert_null(json_object_get(j, "contact"));
    json_decref(j);

    /* A reaction names a message the account has (else 610). */
    http(&r, emu, "POST", "/api/v1/message/send/", KEY,
         "{\"contact\":\"+15555550100\",\"text\":\"react to me\"}");
    j = ts_http_json(&r);
    char target[256];
    snprintf(target, sizeof target,
             "{\"contact\":\"+15555550100\",\"message_id\":\"%s\",\"reaction\":\"-like\"}",
             ts_jstr(j, "message_id"));
    json_decref(j);
    http(&r, emu, "POST", "/api/v1/message/send/", KEY, target);
    assert_int_equal(r.status, 200);
    j = ts_http_json(&r);
    assert_true(json_is_true(json_object_get(j, "success")));
    assert_string_equal(ts_jstr(j, "contact"), "+15555550100");
    assert_string_equal(ts_jstr(j, "text"), "");
    assert_non_null(ts_jstr(j, "message_id"));
    json_decref(j);

    http(&r, emu, "POST", "/api/v1/message/show-typing/", KEY,
         "{\"contact\":\"+15555550100\",\"sender\":\"sender-1\",\"typing\":5}");
    assert_int_equal(r.status, 200);
    j = ts_http_json(&r);
    assert_true(json_is_true(json_object_get(j, "success")));
    json_decref(j);
}

static void test_emulator__send_validation_codes(void **state)
{
    static const struct {
        const char *body;
        long code;
    } cases[] = {
        {"{\"contact\":\"+15555550100\"}", 140},
        {"{\"contact\":\"+15555550100\",\"text\":\"\"}", 140},
        {"{\"group\":\"group-1\"}", 140},
        {"{\"text\":\"hi\"}", 150},
        {"{\"contact\":\"\",\"text\":\"hi\"}", 150},
        {"{\"contact\":\"not a contact\",\"text\":\"hi\"}", 160},
        {"{\"contact\":\"+1 555\",\"text\":\"hi\"}", 180},
        {"{\"contact\":\"12-34\",\"text\":\"hi\"}", 180},
        {"{\"contact\":\"bob@\",\"text\":\"hi\"}", 170},
        {"{\"contact\":\"bob@nowhere\",\"text\":\"hi\"}", 170},
        {"{\"group\":\"no-such-group\",\"text\":\"hi\"}", 165},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"effect\":\"Slam\"}", 580},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"effect\":\"boom\"}", 580},
        {"{\"contact\":\"+15555550100\",\"message_id\":\"A\",\"reaction\":\"exclaim\"}", 600},
        {"{\"contact\":\"+15555550100\",\"message_id\":\"A\",\"reaction\":\"love\","
         "\"effect\":\"slam\"}",
         620},
        {"{\"contact\":\"+15555550100\",\"media_url\":\"\"}", 640},
        {"{\"contact\":\"a@b.com\",\"text\":\"hi\",\"channel\":\"sms\"}", 1110},
        {"{\"group\":\"group-1\",\"text\":\"hi\",\"channel\":\"sms\"}", 1120},
        {"{\"contact\":\"+15555550100\",\"media_url\":\"https://x/a.mp3\",\"channel\":\"sms\"}",
         1140},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"attachments\":[\"http://x/a.png\"]}",
         125},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"channel\":\"pigeon\"}", 125},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"sender\":\"nobody\"}", 220},
        {"{\"contact\":\"+15555550100\",\"text\":\"hi\",\"sender\":\"sender-2\"}", 240},
        {"[1,2]", 100},
        {"not json", 100},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_http_res r;
        http(&r, *state, "POST", "/api/v1/message/send/", KEY, cases[i].body);
        if (r.status != 400) {
            fail_msg("case %zu %s: expected 400, got %ld %s", i, cases[i].body, r.status, r.body);
        }
        json_t *j = ts_http_json(&r);
        if (ts_jint(j, "code") != cases[i].code)
            fail_msg("case %zu %s: expected code %ld, got %s", i, cases[i].body, cases[i].code,
                     r.body);
        assert_true(json_is_false(json_object_get(j, "success")));
        json_decref(j);
    }
}

static void test_emulator__all_13_effects_and_12_reactions_accepted(void **state)
{
    static const char *const effects[] = {
        "slam",     "loud", "gentle", "invisibleInk", "echo",         "spotlight",  "balloons",
        "confetti", "love", "lasers", "fireworks",    "shootingStar", "celebration"};
    static const char *const reactions[] = {"love",      "like",     "dislike",    "laugh",
                                            "emphasize", "question", "-love",      "-like",
                                            "-dislike",  "-laugh",   "-emphasize", "-question"};
    char body[256];
    ts_http_res r;
    char mid[64] = "";
    for (size_t i = 0; i < 13; i++) {
        snprintf(body, sizeof body,
                 "{\"contact\":\"+15555550100\",\"text\":\"hi\",\"effect\":\"%s\"}", effects[i]);
        http(&r, *state, "POST", "/api/v1/message/send/", KEY, body);
        assert_int_equal(r.status, 200);
        json_t *j = ts_http_json(&r);
        snprintf(mid, sizeof mid, "%s", ts_jstr(j, "message_id"));
        json_decref(j);
    }
    for (size_t i = 0; i < 12; i++) {
        snprintf(body, sizeof body,
                 "{\"contact\":\"+15555550100\",\"message_id\":\"%s\",\"reaction\":\"%s\"}", mid,
                 reactions[i]);
        http(&r, *state, "POST", "/api/v1/message/send/", KEY, body);
        assert_int_equal(r.status, 200);
    }
}

static void test_emulator__typing_validation(void **state)
{
    static const struct {
        const char *body;
        long code;
    } cases[] = {
        {"{}", 120},
        {"{\"message_id\":\"M\",\"contact\":\"+15555550100\",\"sender\":\"sender-1\"}", 125},
        {"{\"contact\":\"+15555550100\"}", 120},
        {"{\"message_id\":\"M\",\"typing\":0}", 125},
        {"{\"message_id\":\"M\",\"typing\":61}", 125},
        {"{\"contact\":\"+15555550100\",\"sender\":\"ghost\"}", 220},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_http_res r;
        http(&r, *state, "POST", "/api/v1/message/show-typing/", KEY, cases[i].body);
        json_t *j = ts_http_json(&r);
        if (r.status != 400 || ts_jint(j, "code") != cases[i].code)
            fail_msg("case %zu %s: expected 400/%ld, got %ld %s", i, cases[i].body, cases[i].code,
                     r.status, r.body);
        json_decref(j);
    }
    ts_http_res r;
    http(&r, *state, "POST", "/api/v1/message/show-typing/", KEY,
         "{\"message_id\":\"M\",\"typing\":60,\"read\":true}");
    assert_int_equal(r.status, 200);
}

static void test_emulator__keep_alive_connection_is_reused(void **state)
{
    loopmsg_emulator *emu = *state;
    CURL *h = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/sender/list/", loopmsg_emulator_url(emu));
    struct curl_slist *hdrs = curl_slist_append(NULL, "Authorization: " KEY);
    ts_http_res r;
    memset(&r, 0, sizeof r);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ts_http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    long first_conn = 0, second_conn = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &first_conn);
    r.body_len = 0;
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &second_conn);
    assert_int_equal(first_conn, 1);
    assert_int_equal(second_conn, 0); /* reused */
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ts_emu_bare_teardown)
    const struct CMUnitTest tests[] = {
        T(test_emulator__binds_loopback_ephemeral_port),
        cmocka_unit_test(test_emulator__rejects_unversioned_options),
        T(test_emulator__records_raw_path_query_headers_and_status),
        T(test_emulator__records_body_and_missing_headers),
        T(test_emulator__auth_wrong_key_is_130),
        T(test_emulator__unknown_path_404_and_wrong_method_405),
        T(test_emulator__script_status_body_and_headers),
        T(test_emulator__script_rejects_bad_answers),
        T(test_emulator__script_delay_does_not_block_other_requests),
        T(test_emulator__script_drop_before_body),
        T(test_emulator__script_drop_after_body),
        T(test_emulator__reset_forgets_requests_and_scripts),
        T(test_emulator__send_and_status_round_trip),
        T(test_emulator__failing_contact_reports_1020),
        T(test_emulator__status_unknown_id_is_404),
        T(test_emulator__send_success_shapes),
        T(test_emulator__send_validation_codes),
        T(test_emulator__all_13_effects_and_12_reactions_accepted),
        T(test_emulator__typing_validation),
        T(test_emulator__keep_alive_connection_is_reused),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
