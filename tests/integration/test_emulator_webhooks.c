/* SPDX-License-Identifier: MIT */
/*
 * test_emulator_webhooks.c: the emulator's outgoing webhooks and its control plane, against
 * a small libmicrohttpd receiver in the test: delivered/failed events (shape, headers, fresh
 * webhook_id), redelivery on non-200 on Loop's schedule (scaled by time_scale) and giving up
 * after 30 retries, the duplicate option, inbound injection, opt-in completion, arbitrary
 * triggered events, the webhook history endpoint, and /__sandbox/ (inject, trigger, faults,
 * script, requests, reset) plus loopmsg_emulator_set_faults.
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
#include <microhttpd.h>
#include <pthread.h>
#include <time.h>

#include <loopmsg/emulator.h>

#include "http_support.h"
#include "test_support.h"

#include "rx_support.h"

#define KEY "test-key"

/* ---- HTTP client -------------------------------------------------------------------------- */

static ts_http_res *http(loopmsg_emulator *emu, const char *method, const char *path,
                         const char *body)
{
    static ts_http_res r;
    ts_http_emu(&r, emu, method, path, KEY, body);
    return &r;
}

static json_t *call_json(loopmsg_emulator *emu, const char *method, const char *path,
                         const char *body, long status)
{
    ts_http_res *r = http(emu, method, path, body);
    assert_int_equal(r->rc, CURLE_OK);
    if (r->status != status)
        fail_msg("%s %s: expected HTTP %ld, got %ld: %s", method, path, status, r->status, r->body);
    json_t *j = json_loads(r->body, 0, NULL);
    if (!j)
        fail_msg("%s %s: body is not JSON: %s", method, path, r->body);
    return j;
}

/* ---- fixture ------------------------------------------------------------------------------ */

typedef struct env {
    receiver *rx;
    loopmsg_emulator *emu;
} env;

static env *env_start(double time_scale, bool duplicate, size_t fail_first, bool fail_all)
{
    env *e = calloc(1, sizeof *e);
    e->rx = rx_start();
    e->rx->fail_first = fail_first;
    e->rx->fail_all = fail_all;
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.webhook_url = e->rx->url;
    o.webhook_header = "Bearer s3cret";
    o.delivery_delay_ms = 50;
    o.time_scale = time_scale;
    o.webhook_duplicate = duplicate;
    o.quiet = true;
    loopmsg_error err;
    if (loopmsg_emulator_start(&o, &e->emu, &err) != LOOPMSG_OK)
        fail_msg("emulator: %s", err.message);
    return e;
}

static void env_stop(env *e)
{
    loopmsg_emulator_free(e->emu);
    rx_stop(e->rx);
    free(e);
}

static int setup(void **state)
{
    *state = env_start(1.0, false, 0, false);
    return 0;
}

static int teardown(void **state)
{
    env_stop(*state);
    return 0;
}

/* ---- delivery ---------------------------------------------------------------------------- */

static void test_emulator__webhook_delivered_shape_and_headers(void **state)
{
    env *e = *state;
    json_t *sent = call_json(e->emu, "POST", "/api/v1/message/send/",
                             "{\"contact\":\"+1 415 555 0142\",\"text\":\"Yes, 9am\","
                             "\"passthrough\":\"{\\\"ticket\\\":\\\"T-1\\\"}\"}",
                             200);
    rx_wait(e->rx, 1, 3000);
    hook *h = &e->rx->hooks[0];
    assert_string_equal(h->method, "POST");
    assert_string_equal(h->auth, "Bearer s3cret");
    assert_string_equal(h->user_agent, "LoopMessage");
    assert_string_equal(h->content_type, "application/json");
    json_t *b = h->body;
    assert_non_null(b);
    assert_string_equal(ts_jstr(b, "event"), "message_delivered");
    assert_int_equal(strlen(ts_jstr(b, "webhook_id")), 36);
    assert_string_equal(ts_jstr(b, "api_version"), "1.0");
    assert_string_equal(ts_jstr(b, "message_id"), ts_jstr(sent, "message_id"));
    assert_string_equal(ts_jstr(b, "contact"), "+14155550142");
    assert_string_equal(ts_jstr(b, "text"), "Yes, 9am");
    assert_string_equal(ts_jstr(b, "sender"), "sender-1");
    assert_string_equal(ts_jstr(b, "passthrough"), "{\"ticket\":\"T-1\"}");
    assert_null(json_object_get(b, "error_code"));

    /* By the time the webhook left, the status endpoint says delivered too. */
    char path[128];
    snprintf(path, sizeof path, "/v1/message/status/%s/", ts_jstr(sent, "message_id"));
    json_t *st = call_json(e->emu, "GET", path, NULL, 200);
    assert_string_equal(ts_jstr(st, "status"), "delivered");
    json_decref(st);
    /* Reactions (to a message the account has) produce no delivery webhook. */
    char reaction[256];
    snprintf(reaction, sizeof reaction,
             "{\"contact\":\"+14155550142\",\"message_id\":\"%s\",\"reaction\":\"like\"}",
             ts_jstr(sent, "message_id"));
    json_decref(sent);
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/", reaction, 200));
    /* A webhook is queued when its request is answered: none left means none was made. */
    ts_emu_wait_idle(e->emu, 20000);
    assert_int_equal(rx_count(e->rx), 1);
}

static void test_emulator__webhook_failed_has_error_code_and_fresh_ids(void **state)
{
    env *e = *state;
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+15555550000\",\"text\":\"bounce\"}", 200));
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+15555550001\",\"text\":\"unsure\"}", 200));
    rx_wait(e->rx, 2, 3000);
    json_t *a = e->rx->hooks[0].body, *b = e->rx->hooks[1].body;
    /* Same due time: delivered in send order. */
    assert_string_equal(ts_jstr(a, "event"), "message_failed");
    assert_int_equal(ts_jint(a, "error_code"), 1020);
    assert_string_equal(ts_jstr(a, "contact"), "+15555550000");
    assert_string_equal(ts_jstr(b, "event"), "message_failed");
    assert_int_equal(ts_jint(b, "error_code"), 1030);
    assert_string_not_equal(ts_jstr(a, "webhook_id"), ts_jstr(b, "webhook_id"));
}

static void test_emulator__webhook_redelivered_until_200(void **state)
{
    (void)state;
    /* time_scale 0.001: 30 s between retries becomes 30 ms. */
    env *e = env_start(0.001, false, 2, false);
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+14155550142\",\"text\":\"x\"}", 200));
    rx_wait(e->rx, 3, 3000);
    /* The third attempt was answered 200: nothing left to redeliver. */
    ts_emu_wait_idle(e->emu, 20000);
    assert_int_equal(rx_count(e->rx), 3);
    const char *id = ts_jstr(e->rx->hooks[0].body, "webhook_id");
    assert_string_equal(ts_jstr(e->rx->hooks[1].body, "webhook_id"), id);
    assert_string_equal(ts_jstr(e->rx->hooks[2].body, "webhook_id"), id);
    assert_int_equal(loopmsg_emulator_webhooks_pending(e->emu), 0);

    json_t *j = call_json(e->emu, "GET", "/api/v1/webhooks/history/?sort_by=asc", NULL, 200);
    assert_int_equal(ts_jint(j, "count"), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(json_object_get(j, "items"), i);
        assert_int_equal(ts_jint(it, "attempt"), (long)i + 1);
        assert_string_equal(ts_jstr(it, "event_type"), "message_delivered");
        assert_non_null(ts_jstr(it, "create_date"));
        assert_string_equal(ts_jstr(json_object_get(it, "json"), "webhook_id"), id);
    }
    json_decref(j);
    env_stop(e);
}

static void test_emulator__webhook_gives_up_after_30_retries(void **state)
{
    (void)state;
    /* 0.0001: 10 x 3 ms, 10 x 18 ms, 10 x 90 ms. */
    env *e = env_start(0.0001, false, 0, true);
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+14155550142\",\"text\":\"x\"}", 200));
    rx_wait(e->rx, 31, 10000);
    /* Nothing queued any more, so no 32nd attempt can come. */
    ts_emu_wait_idle(e->emu, 20000);
    assert_int_equal(rx_count(e->rx), 31);
    env_stop(e);
}

static void test_emulator__webhook_duplicate_option_sends_twice(void **state)
{
    (void)state;
    env *e = env_start(1.0, true, 0, false);
    json_decref(call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+14155550142\",\"text\":\"x\"}", 200));
    rx_wait(e->rx, 2, 3000);
    ts_emu_wait_idle(e->emu, 20000);
    assert_int_equal(rx_count(e->rx), 2);
    assert_string_equal(ts_jstr(e->rx->hooks[0].body, "webhook_id"),
                        ts_jstr(e->rx->hooks[1].body, "webhook_id"));
    env_stop(e);
}

/* ---- inbound, opt-in, trigger ------------------------------------------------------------ */

static void test_emulator__inject_posts_message_inbound(void **state)
{
    env *e = *state;
    char id[64];
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_inject(e->emu, "+1 (415) 555-0142", "Are you open?",
                                             "group-1", id, sizeof id, &err),
                     LOOPMSG_OK);
    rx_wait(e->rx, 1, 3000);
    json_t *b = e->rx->hooks[0].body;
    assert_string_equal(ts_jstr(b, "event"), "message_inbound");
    assert_string_equal(ts_jstr(b, "api_version"), "1.0");
    assert_string_equal(ts_jstr(b, "message_id"), id);
    assert_string_equal(ts_jstr(b, "contact"), "+14155550142");
    assert_string_equal(ts_jstr(b, "text"), "Are you open?");
    assert_string_equal(ts_jstr(b, "message_type"), "text");
    assert_string_equal(ts_jstr(b, "channel"), "imessage");
    assert_string_equal(ts_jstr(b, "sender"), "sender-1");
    assert_string_equal(ts_jstr(json_object_get(b, "language"), "code"), "en");
    json_t *g = json_object_get(b, "group");
    assert_string_equal(ts_jstr(g, "id"), "group-1");
    assert_true(json_is_array(json_object_get(g, "participants")));

    assert_int_equal(loopmsg_emulator_inject(e->emu, "bad contact", "x", NULL, NULL, 0, &err),
                     LOOPMSG_E_INVALID_ARG);
    /* An injected group id that did not exist becomes sendable. */
    assert_int_equal(
        loopmsg_emulator_inject(e->emu, "+14155550142", "hi", "new-group", NULL, 0, &err),
        LOOPMSG_OK);
    json_t *j = call_json(e->emu, "POST", "/api/v1/message/send/",
                          "{\"group\":\"new-group\",\"text\":\"hello group\"}", 200);
    json_t *parts = json_object_get(json_object_get(j, "group"), "participants");
    assert_string_equal(json_string_value(json_array_get(parts, 0)), "+14155550142");
    json_decref(j);
}

static void test_emulator__optin_completion_posts_optin_event(void **state)
{
    env *e = *state;
    json_t *j = call_json(e->emu, "POST", "/api/v1/opt-in/generate-url/",
                          "{\"body\":\"[opt-in-code]\",\"utm_campaign\":\"spring-launch\"}", 200);
    /* The link's body is just the percent-encoded code. */
    const char *enc = strstr(ts_jstr(j, "sms"), "&body=") + 6;
    char code[64];
    ts_percent_decode(enc, code, sizeof code);
    json_decref(j);
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_inject(e->emu, "+13035550188", code, NULL, NULL, 0, &err),
                     LOOPMSG_OK);
    rx_wait(e->rx, 1, 3000);
    json_t *b = e->rx->hooks[0].body;
    assert_string_equal(ts_jstr(b, "event"), "opt-in");
    assert_string_equal(ts_jstr(b, "contact"), "+13035550188");
    assert_string_equal(ts_jstr(b, "utm_campaign"), "spring-launch");
    assert_non_null(ts_jstr(b, "message_id"));
    assert_string_equal(ts_jstr(b, "api_version"), "1.0");
}

static void test_emulator__trigger_posts_any_event(void **state)
{
    env *e = *state;
    char id[64];
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_trigger(
                         e->emu, "{\"event\":\"inbound_call\",\"contact\":\"+14155550142\"}", id,
                         sizeof id, &err),
                     LOOPMSG_OK);
    assert_int_equal(
        loopmsg_emulator_trigger(
            e->emu,
            "{\"event\":\"sender_name_updated\",\"webhook_id\":\"fixed-id\","
            "\"organization_id\":\"org-1\",\"sender\":\"sender-1\",\"status\":\"active\"}",
            NULL, 0, &err),
        LOOPMSG_OK);
    rx_wait(e->rx, 2, 3000);
    json_t *a = e->rx->hooks[0].body, *b = e->rx->hooks[1].body;
    assert_string_equal(ts_jstr(a, "event"), "inbound_call");
    assert_string_equal(ts_jstr(a, "webhook_id"), id);
    assert_string_equal(ts_jstr(a, "api_version"), "1.0");
    assert_string_equal(ts_jstr(b, "event"), "sender_name_updated");
    assert_string_equal(ts_jstr(b, "webhook_id"), "fixed-id");
    assert_null(json_object_get(b, "api_version"));

    assert_int_equal(loopmsg_emulator_trigger(e->emu, "{\"no\":\"event\"}", NULL, 0, &err),
                     LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_emulator_trigger(e->emu, "not json", NULL, 0, &err),
                     LOOPMSG_E_INVALID_ARG);

    loopmsg_emulator *plain = NULL;
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.quiet = true;
    assert_int_equal(loopmsg_emulator_start(&o, &plain, NULL), LOOPMSG_OK);
    assert_int_equal(loopmsg_emulator_trigger(plain, "{\"event\":\"unknown\"}", NULL, 0, &err),
                     LOOPMSG_E_STATE);
    /* Without a webhook URL, inject still records the message. */
    assert_int_equal(loopmsg_emulator_inject(plain, "+14155550142", "hi", NULL, NULL, 0, &err),
                     LOOPMSG_OK);
    json_t *h = call_json(plain, "GET", "/api/v1/audience/messages/%2B14155550142/", NULL, 200);
    assert_int_equal(ts_jint(h, "count"), 1);
    json_decref(h);
    loopmsg_emulator_free(plain);
}

/* ---- /__sandbox/ ------------------------------------------------------------------------ */

static void test_emulator__sandbox_inject_and_trigger_over_http(void **state)
{
    env *e = *state;
    json_t *j = call_json(e->emu, "POST", "/__sandbox/inject",
                          "{\"contact\":\"ruth.k@Example.org\",\"text\":\"hello\"}", 200);
    assert_true(json_is_true(json_object_get(j, "success")));
    char id[64];
    snprintf(id, sizeof id, "%s", ts_jstr(j, "message_id"));
    json_decref(j);
    rx_wait(e->rx, 1, 3000);
    assert_string_equal(ts_jstr(e->rx->hooks[0].body, "message_id"), id);
    assert_string_equal(ts_jstr(e->rx->hooks[0].body, "contact"), "ruth.k@example.org");

    j = call_json(e->emu, "POST", "/__sandbox/trigger/",
                  "{\"event\":\"message_reaction\",\"contact\":\"+14155550142\","
                  "\"reaction\":\"like\",\"message_id\":\"M\",\"text\":\"t\","
                  "\"message_type\":\"reaction\",\"channel\":\"imessage\"}",
                  200);
    assert_int_equal(strlen(ts_jstr(j, "webhook_id")), 36);
    json_decref(j);
    rx_wait(e->rx, 2, 3000);
    assert_string_equal(ts_jstr(e->rx->hooks[1].body, "reaction"), "like");

    j = call_json(e->emu, "POST", "/__sandbox/inject", "{\"text\":\"no contact\"}", 400);
    json_decref(j);
    j = call_json(e->emu, "POST", "/__sandbox/trigger", "{\"contact\":\"x\"}", 400);
    json_decref(j);
    j = call_json(e->emu, "GET", "/__sandbox/inject", NULL, 405);
    json_decref(j);
    j = call_json(e->emu, "GET", "/__sandbox/nothing", NULL, 404);
    json_decref(j);
    /* Control requests are not recorded. */
    assert_int_equal(loopmsg_emulator_request_count(e->emu), 0);
}

static void test_emulator__sandbox_faults_over_http(void **state)
{
    env *e = *state;
    json_t *j = call_json(e->emu, "POST", "/__sandbox/faults",
                          "{\"error_rate\":1,\"error_status\":503,\"error_code\":1010}", 200);
    assert_int_equal(ts_jint(j, "error_status"), 503);
    json_decref(j);
    j = call_json(e->emu, "GET", "/api/v1/sender/list/", NULL, 503);
    assert_int_equal(ts_jint(j, "code"), 1010);
    assert_true(json_is_false(json_object_get(j, "success")));
    json_decref(j);
    /* The control plane is never faulted. */
    j = call_json(e->emu, "GET", "/__sandbox/faults", NULL, 200);
    assert_true(json_number_value(json_object_get(j, "error_rate")) == 1.0);
    json_decref(j);

    j = call_json(e->emu, "POST", "/__sandbox/faults", "{\"drop_rate\":1}", 200);
    json_decref(j);
    ts_http_res *r = http(e->emu, "GET", "/api/v1/sender/list/", NULL);
    assert_int_equal(r->rc, CURLE_GOT_NOTHING);

    j = call_json(e->emu, "POST", "/__sandbox/faults", "{\"latency_ms\":300}", 200);
    json_decref(j);
    r = http(e->emu, "GET", "/api/v1/sender/list/", NULL);
    assert_int_equal(r->status, 200);
    assert_true(r->elapsed_ms >= 290);

    j = call_json(e->emu, "POST", "/__sandbox/faults", "{\"error_rate\":2}", 400);
    json_decref(j);
    j = call_json(e->emu, "POST", "/__sandbox/faults", "{}", 200);
    json_decref(j);
    r = http(e->emu, "GET", "/api/v1/sender/list/", NULL);
    assert_int_equal(r->status, 200);
    assert_true(r->elapsed_ms < 290 || ts_slow());

    /* Recorded: the faulted ones with their status, the dropped one with 0. */
    assert_int_equal(loopmsg_emulator_request_count(e->emu), 4);
    loopmsg_emulator_request *req = NULL;
    assert_int_equal(loopmsg_emulator_request_get(e->emu, 0, &req), LOOPMSG_OK);
    assert_int_equal(req->answered_status, 503);
    loopmsg_emulator_request_free(req);
    assert_int_equal(loopmsg_emulator_request_get(e->emu, 1, &req), LOOPMSG_OK);
    assert_int_equal(req->answered_status, 0);
    loopmsg_emulator_request_free(req);
}

static void test_emulator__set_faults_from_c(void **state)
{
    env *e = *state;
    loopmsg_emulator_faults f = LOOPMSG_EMULATOR_FAULTS_INIT;
    f.error_rate = 1.0;
    assert_int_equal(loopmsg_emulator_set_faults(e->emu, &f), LOOPMSG_OK);
    json_t *j = call_json(e->emu, "GET", "/api/v1/pool/list/", NULL, 500);
    assert_int_equal(ts_jint(j, "code"), 1000);
    json_decref(j);
    /* Scripted answers win over faults. */
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.body = "{}";
    assert_int_equal(loopmsg_emulator_script(e->emu, &a), LOOPMSG_OK);
    json_decref(call_json(e->emu, "GET", "/api/v1/pool/list/", NULL, 200));
    assert_int_equal(loopmsg_emulator_set_faults(e->emu, NULL), LOOPMSG_OK);
    json_decref(call_json(e->emu, "GET", "/api/v1/pool/list/", NULL, 200));

    loopmsg_emulator_faults bad = LOOPMSG_EMULATOR_FAULTS_INIT;
    bad.drop_rate = -0.1;
    assert_int_equal(loopmsg_emulator_set_faults(e->emu, &bad), LOOPMSG_E_INVALID_ARG);
    loopmsg_emulator_faults unversioned = {0};
    assert_int_equal(loopmsg_emulator_set_faults(e->emu, &unversioned), LOOPMSG_E_INVALID_ARG);
}

static void test_emulator__sandbox_script_requests_and_reset(void **state)
{
    env *e = *state;
    json_t *j = call_json(e->emu, "POST", "/__sandbox/script",
                          "{\"status\":429,\"body\":{\"success\":false,\"code\":100},"
                          "\"headers\":\"Retry-After: 2\"}",
                          200);
    json_decref(j);
    j = call_json(e->emu, "POST", "/api/v1/message/send/?x=1",
                  "{\"contact\":\"+14155550142\",\"text\":\"hi\"}", 429);
    json_decref(j);
    j = call_json(e->emu, "POST", "/__sandbox/script", "{\"drop\":\"sideways\"}", 400);
    json_decref(j);

    j = call_json(e->emu, "GET", "/__sandbox/requests", NULL, 200);
    assert_int_equal(ts_jint(j, "count"), 1);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(ts_jstr(it, "method"), "POST");
    assert_string_equal(ts_jstr(it, "path"), "/api/v1/message/send/");
    assert_string_equal(ts_jstr(it, "query"), "x=1");
    /* The API key never leaves through the control plane. */
    assert_true(json_is_true(json_object_get(it, "authorization")));
    assert_string_equal(ts_jstr(it, "body"), "{\"contact\":\"+14155550142\",\"text\":\"hi\"}");
    assert_int_equal(ts_jint(it, "answered_status"), 429);
    json_decref(j);

    /* A message exists; reset with state forgets it. */
    j = call_json(e->emu, "POST", "/api/v1/message/send/",
                  "{\"contact\":\"+14155550142\",\"text\":\"hi\"}", 200);
    char path[128];
    snprintf(path, sizeof path, "/v1/message/status/%s/", ts_jstr(j, "message_id"));
    json_decref(j);
    j = call_json(e->emu, "POST", "/__sandbox/reset", NULL, 200);
    json_decref(j);
    assert_int_equal(loopmsg_emulator_request_count(e->emu), 0);
    json_decref(call_json(e->emu, "GET", path, NULL, 200));
    j = call_json(e->emu, "POST", "/__sandbox/reset", "{\"state\":true}", 200);
    json_decref(j);
    json_decref(call_json(e->emu, "GET", path, NULL, 404));
    j = call_json(e->emu, "GET", "/__sandbox/health", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "ok");
    json_decref(j);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_emulator__webhook_delivered_shape_and_headers),
        T(test_emulator__webhook_failed_has_error_code_and_fresh_ids),
        cmocka_unit_test(test_emulator__webhook_redelivered_until_200),
        cmocka_unit_test(test_emulator__webhook_gives_up_after_30_retries),
        cmocka_unit_test(test_emulator__webhook_duplicate_option_sends_twice),
        T(test_emulator__inject_posts_message_inbound),
        T(test_emulator__optin_completion_posts_optin_event),
        T(test_emulator__trigger_posts_any_event),
        T(test_emulator__sandbox_inject_and_trigger_over_http),
        T(test_emulator__sandbox_faults_over_http),
        T(test_emulator__set_faults_from_c),
        T(test_emulator__sandbox_script_requests_and_reset),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
