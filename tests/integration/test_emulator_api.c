/* SPDX-License-Identifier: MIT */
/*
 * test_emulator_api.c: the emulator's management endpoints from the wire, with plain
 * libcurl and a fixture file (tests/data/emulator/fixtures.json): audience list (pagination,
 * sort, search, dates), check-status, delete then send (code 500), message history, campaigns,
 * senders, pools, opt-in URLs and the opt-in tracker, built-in defaults and bad fixtures.
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

#include <loopmsg/emulator.h>

#include "http_support.h"

#define KEY "test-key"

/* ---- a tiny HTTP client (same as test_emulator_basic.c) -------------------------------- */

static ts_http_res *http(loopmsg_emulator *emu, const char *method, const char *path,
                         const char *body)
{
    static ts_http_res r;
    ts_http_emu(&r, emu, method, path, KEY, body);
    assert_int_equal(r.rc, CURLE_OK);
    return &r;
}

/* GET/POST and parse a JSON answer with the expected status. Caller decrefs. */
static json_t *call_json(loopmsg_emulator *emu, const char *method, const char *path,
                         const char *body, long status)
{
    ts_http_res *r = http(emu, method, path, body);
    if (r->status != status)
        fail_msg("%s %s: expected HTTP %ld, got %ld: %s", method, path, status, r->status, r->body);
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (!j)
        fail_msg("%s %s: body is not JSON: %s", method, path, r->body);
    return j;
}

static void expect_code(loopmsg_emulator *emu, const char *method, const char *path,
                        const char *body, long status, long code)
{
    json_t *j = call_json(emu, method, path, body, status);
    if (json_integer_value(json_object_get(j, "code")) != code)
        fail_msg("%s %s %s: expected code %ld: %s", method, path, body ? body : "", code,
                 json_dumps(j, JSON_COMPACT));
    assert_true(json_is_false(json_object_get(j, "success")));
    json_decref(j);
}

static const char *item_str(const json_t *env, size_t i, const char *key)
{
    return ts_jstr(json_array_get(json_object_get(env, "items"), i), key);
}

static void assert_envelope(const json_t *j, long page, long num_pages, long per_page, long count,
                            size_t items)
{
    assert_int_equal(ts_jint(j, "page"), page);
    assert_int_equal(ts_jint(j, "num_pages"), num_pages);
    assert_int_equal(ts_jint(j, "per_page"), per_page);
    assert_int_equal(ts_jint(j, "count"), count);
    assert_int_equal(json_array_size(json_object_get(j, "items")), items);
}

/* ---- fixture ---------------------------------------------------------------------------- */

static const char *fixture_path(const char *name)
{
    static char path[1024];
    const char *dir = getenv("LOOPMSG_TEST_DATA");
    snprintf(path, sizeof path, "%s/emulator/%s", dir ? dir : "tests/data", name);
    return path;
}

static int setup(void **state)
{
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.fixtures_path = fixture_path("fixtures.json");
    return ts_emu_bare_setup(state, &o);
}

/* ---- audience --------------------------------------------------------------------------- */

static void test_emulator__audience_list_paginates_newest_first(void **state)
{
    json_t *j = call_json(*state, "GET", "/api/v1/audience/list/", NULL, 200);
    assert_envelope(j, 1, 1, 20, 5, 5);
    assert_string_equal(item_str(j, 0, "value"), "+14155550105"); /* normalised */
    assert_string_equal(item_str(j, 4, "value"), "+14155550101");
    assert_string_equal(item_str(j, 4, "id"), "c-1");
    /* Items are {id, value}. */
    assert_int_equal(json_object_size(json_array_get(json_object_get(j, "items"), 0)), 2);
    json_decref(j);

    j = call_json(*state, "GET", "/api/v1/audience/list/?page=1&per_page=2", NULL, 200);
    assert_envelope(j, 1, 3, 2, 5, 2);
    assert_string_equal(item_str(j, 0, "id"), "c-5");
    assert_string_equal(item_str(j, 1, "id"), "c-4");
    json_decref(j);
    j = call_json(*state, "GET", "/api/v1/audience/list/?page=3&per_page=2", NULL, 200);
    assert_envelope(j, 3, 3, 2, 5, 1);
    assert_string_equal(item_str(j, 0, "id"), "c-1");
    json_decref(j);
    j = call_json(*state, "GET", "/api/v1/audience/list/?page=4&per_page=2", NULL, 200);
    assert_envelope(j, 4, 3, 2, 5, 0);
    json_decref(j);
    /* A page far beyond the last is empty: (page - 1) * per_page must not wrap around to
     * the first page (2^62 * 4 = 2^64). */
    j = call_json(*state, "GET", "/api/v1/audience/list/?page=4611686018427387905&per_page=4", NULL,
                  200);
    assert_envelope(j, 4611686018427387905L, 2, 4, 5, 0);
    json_decref(j);
}

static void test_emulator__audience_list_sort_search_and_dates(void **state)
{
    json_t *j =
        call_json(*state, "GET", "/api/v1/audience/list/?per_page=2&sort_by=asc", NULL, 200);
    assert_string_equal(item_str(j, 0, "id"), "c-1");
    assert_string_equal(item_str(j, 1, "id"), "c-2");
    json_decref(j);

    j = call_json(*state, "GET", "/api/v1/audience/list/?search=%40", NULL, 200);
    assert_envelope(j, 1, 1, 20, 2, 2);
    json_decref(j);
    j = call_json(*state, "GET", "/api/v1/audience/list/?search=%2B1415555010", NULL, 200);
    assert_int_equal(ts_jint(j, "count"), 3);
    json_decref(j);

    j = call_json(*state, "GET",
                  "/api/v1/audience/list/?from_date=2025-02-10&to_date=2025-04-10&sort_by=asc",
                  NULL, 200);
    assert_envelope(j, 1, 1, 20, 3, 3);
    assert_string_equal(item_str(j, 0, "id"), "c-2");
    assert_string_equal(item_str(j, 2, "id"), "c-4");
    json_decref(j);

    j = call_json(*state, "GET", "/api/v1/audience/list/?search=nobody", NULL, 200);
    assert_envelope(j, 1, 1, 20, 0, 0);
    json_decref(j);
}

static void test_emulator__audience_list_rejects_bad_query(void **state)
{
    expect_code(*state, "GET", "/api/v1/audience/list/?page=0", NULL, 400, 125);
    expect_code(*state, "GET", "/api/v1/audience/list/?page=x", NULL, 400, 125);
    expect_code(*state, "GET", "/api/v1/audience/list/?page=99999999999999999999", NULL, 400, 125);
    expect_code(*state, "GET", "/api/v1/audience/list/?per_page=1001", NULL, 400, 125);
    expect_code(*state, "GET", "/api/v1/audience/list/?sort_by=up", NULL, 400, 125);
    expect_code(*state, "GET", "/api/v1/audience/list/?from_date=2025-1-1", NULL, 400, 125);
    json_t *j = call_json(*state, "GET", "/api/v1/audience/list/?per_page=1000", NULL, 200);
    json_decref(j);
}

static void test_emulator__audience_check_status(void **state)
{
    static const struct {
        const char *path;
        const char *status;
    } cases[] = {
        {"/api/v1/audience/check-status/%2B14155550101/", "active"},
        {"/api/v1/audience/check-status/+14155550101/", "active"},
        {"/api/v1/audience/check-status/%2B14155550103/", "unsubscribed"},
        {"/api/v1/audience/check-status/RUTH.K%40example.org/", "active"},
        {"/api/v1/audience/check-status/%2B19995550000/", "unknown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = call_json(*state, "GET", cases[i].path, NULL, 200);
        assert_string_equal(ts_jstr(j, "status"), cases[i].status);
        assert_int_equal(json_object_size(j), 1);
        json_decref(j);
    }
    /* Audience path parameters need the international "+" form or an email. */
    expect_code(*state, "GET", "/api/v1/audience/check-status/14155550101/", NULL, 400, 160);
}

static void test_emulator__audience_delete_then_send_fails_500(void **state)
{
    loopmsg_emulator *emu = *state;
    json_t *j = call_json(emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"+14155550101\",\"text\":\"before\"}", 200);
    json_decref(j);
    ts_http_res *r = http(emu, "DELETE", "/api/v1/audience/delete/%2B14155550101/", NULL);
    assert_int_equal(r->status, 204);
    assert_int_equal(r->body_len, 0);
    j = call_json(emu, "GET", "/api/v1/audience/check-status/%2B14155550101/", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "unsubscribed");
    json_decref(j);
    expect_code(emu, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+1 415 555 0101\",\"text\":\"after\"}", 400, 500);
    /* Also through the contact id. */
    expect_code(emu, "POST", "/api/v1/message/send/", "{\"contact\":\"c-1\",\"text\":\"x\"}", 400,
                500);
    /* The fixture's unsubscribed contact too. */
    expect_code(emu, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+14155550103\",\"text\":\"x\"}", 400, 500);
    /* Deleting an unknown contact records it as unsubscribed. */
    r = http(emu, "DELETE", "/api/v1/audience/delete/new%40example.com/", NULL);
    assert_int_equal(r->status, 204);
    j = call_json(emu, "GET", "/api/v1/audience/check-status/new%40example.com/", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "unsubscribed");
    json_decref(j);
}

static void test_emulator__send_by_contact_id_and_default_sender(void **state)
{
    json_t *j = call_json(*state, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"c-2\",\"text\":\"hi\"}", 200);
    assert_string_equal(ts_jstr(j, "contact"), "ruth.k@example.org");
    json_decref(j);
    expect_code(*state, "POST", "/api/v1/message/send/", "{\"contact\":\"c-404\",\"text\":\"hi\"}",
                400, 160);
    expect_code(*state, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+14155550101\",\"text\":\"hi\",\"sender\":\"s-suspended\"}", 400,
                250);
    expect_code(*state, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+14155550101\",\"text\":\"hi\",\"sender\":\"s-canceled\"}", 400,
                240);
    expect_code(*state, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+14155550101\",\"text\":\"hi\",\"sender\":\"sender-1\"}", 400, 220);
}

static void test_emulator__message_history_from_real_traffic(void **state)
{
    loopmsg_emulator *emu = *state;
    json_t *j = call_json(emu, "POST", "/api/v1/message/send/",
                          "{\"contact\":\"dana@icloud.com\",\"text\":\"one\"}", 200);
    char first_id[64];
    snprintf(first_id, sizeof first_id, "%s", ts_jstr(j, "message_id"));
    json_decref(j);
    j = call_json(emu, "POST", "/api/v1/message/send/",
                  "{\"contact\":\"Dana@iCloud.com\",\"media_url\":\"https://x.example/a.caf\"}",
                  200);
    json_decref(j);
    /* Not hers. */
    j = call_json(emu, "POST", "/api/v1/message/send/",
                  "{\"contact\":\"+14155550101\",\"text\":\"other\"}", 200);
    json_decref(j);
    char inbound_id[64];
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_inject(emu, "DANA@icloud.com", "reply", NULL, inbound_id,
                                             sizeof inbound_id, &err),
                     LOOPMSG_OK);

    j = call_json(emu, "GET", "/api/v1/audience/messages/dana%40icloud.com/?sort_by=asc", NULL,
                  200);
    assert_envelope(j, 1, 1, 20, 3, 3);
    assert_string_equal(ts_jstr(j, "status"), "active");
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(ts_jstr(it, "id"), first_id);
    assert_string_equal(ts_jstr(it, "direction"), "outbound");
    assert_string_equal(ts_jstr(it, "channel"), "imessage");
    assert_string_equal(ts_jstr(it, "type"), "text");
    assert_string_equal(ts_jstr(it, "text"), "one");
    assert_string_equal(ts_jstr(it, "language"), "EN");
    assert_non_null(ts_jstr(it, "create_date"));
    assert_string_equal(item_str(j, 1, "type"), "audio");
    assert_string_equal(item_str(j, 2, "direction"), "inbound");
    assert_string_equal(item_str(j, 2, "id"), inbound_id);
    assert_string_equal(item_str(j, 2, "text"), "reply");
    json_decref(j);

    j = call_json(emu, "GET", "/api/v1/audience/messages/dana%40icloud.com/?direction=inbound",
                  NULL, 200);
    assert_int_equal(ts_jint(j, "count"), 1);
    json_decref(j);
    j = call_json(emu, "GET", "/api/v1/audience/messages/dana%40icloud.com/?type=audio", NULL, 200);
    assert_int_equal(ts_jint(j, "count"), 1);
    json_decref(j);
    j = call_json(emu, "GET", "/api/v1/audience/messages/dana%40icloud.com/?per_page=1&page=2",
                  NULL, 200);
    assert_envelope(j, 2, 3, 1, 3, 1);
    json_decref(j);
    j = call_json(emu, "GET", "/api/v1/audience/messages/%2B19995550000/", NULL, 200);
    assert_envelope(j, 1, 1, 20, 0, 0);
    assert_string_equal(ts_jstr(j, "status"), "unknown");
    json_decref(j);
    expect_code(emu, "GET", "/api/v1/audience/messages/dana%40icloud.com/?direction=sideways", NULL,
                400, 125);
}

/* ---- campaigns, senders, pools ------------------------------------------------------------ */

static void test_emulator__campaign_create_and_validation(void **state)
{
    json_t *j = call_json(*state, "POST", "/api/v1/campaigns/new/",
                          "{\"name\":\"April drop\",\"text\":\"Hi\","
                          "\"contacts\":[\"+14155550101\",\"ruth.k@example.org\"]}",
                          200);
    assert_string_equal(ts_jstr(j, "name"), "April drop");
    assert_int_equal(strlen(ts_jstr(j, "id")), 36);
    assert_int_equal(strlen(ts_jstr(j, "create_date")), 20);
    json_decref(j);
    j = call_json(*state, "POST", "/api/v1/campaigns/new/",
                  "{\"name\":\"Personal\",\"messages\":[{\"contact\":\"+14155550101\","
                  "\"text\":\"Hi Ann\"}],\"from_date\":\"2026-04-01\",\"timezone\":\"UTC\"}",
                  200);
    json_decref(j);
    expect_code(*state, "POST", "/api/v1/campaigns/new/",
                "{\"text\":\"Hi\",\"contacts\":[\"+14155550101\"]}", 400, 120);
    expect_code(*state, "POST", "/api/v1/campaigns/new/", "{\"name\":\"n\",\"contacts\":[]}", 400,
                140);
    expect_code(*state, "POST", "/api/v1/campaigns/new/", "{\"name\":\"n\",\"text\":\"t\"}", 400,
                150);
    expect_code(*state, "POST", "/api/v1/campaigns/new/",
                "{\"name\":\"n\",\"text\":\"t\",\"contacts\":[\"12\"]}", 400, 180);
    expect_code(*state, "POST", "/api/v1/campaigns/new/",
                "{\"name\":\"n\",\"text\":\"t\",\"contacts\":[\"+14155550101\"],"
                "\"attachments\":[\"https://a/1\",\"https://a/2\",\"https://a/3\","
                "\"https://a/4\"]}",
                400, 125);
    expect_code(*state, "POST", "/api/v1/campaigns/new/",
                "{\"name\":\"n\",\"text\":\"t\",\"messages\":[]}", 400, 125);
}

static void test_emulator__senders_list_and_details(void **state)
{
    json_t *j = call_json(*state, "GET", "/api/v1/sender/list/?sort_by=asc", NULL, 200);
    assert_envelope(j, 1, 1, 20, 3, 3);
    json_t *s = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(ts_jstr(s, "id"), "s-active");
    assert_string_equal(ts_jstr(s, "name"), "shop@acme.imsg.co");
    assert_string_equal(ts_jstr(s, "status"), "active");
    assert_string_equal(ts_jstr(s, "create_date"), "2025-11-02T09:15:00Z");
    assert_string_equal(ts_jstr(s, "imessage_link"), "imessage://shop@acme.imsg.co");
    assert_string_equal(item_str(j, 1, "imessage_link"), "imessage://+17375550101");
    json_decref(j);
    j = call_json(*state, "GET", "/api/v1/sender/list/?per_page=1&page=2", NULL, 200);
    assert_envelope(j, 2, 3, 1, 3, 1);
    assert_string_equal(item_str(j, 0, "id"), "s-suspended");
    json_decref(j);

    j = call_json(*state, "GET", "/api/v1/sender/s-canceled/", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "canceled");
    json_decref(j);
    ts_http_res *r = http(*state, "GET", "/api/v1/sender/nope/", NULL);
    assert_int_equal(r->status, 404);
}

static void test_emulator__pools_list_and_details(void **state)
{
    json_t *j = call_json(*state, "GET", "/api/v1/pool/list/?per_page=2", NULL, 200);
    assert_envelope(j, 1, 2, 2, 3, 2);
    json_t *p = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(ts_jstr(p, "id"), "pool-c");
    assert_string_equal(ts_jstr(p, "name"), "Marketing");
    assert_int_equal(ts_jint(p, "count"), 2);
    assert_string_equal(ts_jstr(p, "create_date"), "2026-01-22T08:30:00Z");
    json_decref(j);
    j = call_json(*state, "GET", "/api/v1/pool/pool-a/", NULL, 200);
    assert_string_equal(ts_jstr(j, "name"), "US support");
    json_decref(j);
    ts_http_res *r = http(*state, "GET", "/api/v1/pool/nope/", NULL);
    assert_int_equal(r->status, 404);
}

/* ---- opt-in ------------------------------------------------------------------------------ */

static void test_emulator__optin_generate_url_and_tracker(void **state)
{
    loopmsg_emulator *emu = *state;
    expect_code(emu, "POST", "/api/v1/opt-in/generate-url/", "{\"body\":\"no code\"}", 400, 125);
    expect_code(emu, "POST", "/api/v1/opt-in/generate-url/", "{}", 400, 120);
    json_t *j = call_json(emu, "POST", "/api/v1/opt-in/generate-url/",
                          "{\"body\":\"Join [opt-in-code]\",\"utm_campaign\":\"spring\","
                          "\"click_id\":\"clk_1\"}",
                          200);
    const char *id = ts_jstr(j, "id");
    assert_int_equal(strlen(id), 36);
    assert_non_null(strstr(ts_jstr(j, "url"), "https://opt-in.imsg.link/opt-in/"));
    assert_non_null(strstr(ts_jstr(j, "url"), "%5Bopt-in-code%5D"));
    assert_non_null(strstr(ts_jstr(j, "url"), id));
    assert_true(
        strncmp(ts_jstr(j, "imessage"), "imessage://shop%40acme.imsg.co&body=Join%20", 43) == 0);
    assert_null(strstr(ts_jstr(j, "imessage"), "opt-in-code"));
    assert_true(strncmp(ts_jstr(j, "sms"), "sms:shop%40acme.imsg.co&body=", 29) == 0);
    assert_true(strncmp(ts_jstr(j, "whatsapp"), "whatsapp://send?phone=", 22) == 0);
    /* The code as the contact would type it: the part of the imessage link after "Join ". */
    const char *enc = strstr(ts_jstr(j, "imessage"), "Join%20") + strlen("Join%20");
    char code[64];
    ts_percent_decode(enc, code, sizeof code);
    json_decref(j);

    j = call_json(emu, "GET", "/api/v1/audience/tracker/", NULL, 200);
    assert_envelope(j, 1, 1, 20, 0, 0);
    json_decref(j);

    char text[128];
    snprintf(text, sizeof text, "Join %s", code);
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_inject(emu, "+13035550188", text, NULL, NULL, 0, &err),
                     LOOPMSG_OK);
    j = call_json(emu, "GET", "/api/v1/audience/tracker/", NULL, 200);
    assert_envelope(j, 1, 1, 20, 1, 1);
    json_t *t = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(ts_jstr(t, "type"), "opt_in");
    assert_string_equal(ts_jstr(t, "organization"), "org-test");
    assert_non_null(ts_jstr(t, "ip_address"));
    assert_true(json_is_object(json_object_get(t, "geo")));
    assert_true(json_is_object(json_object_get(t, "user_agent")));
    json_decref(j);
    j = call_json(emu, "GET", "/api/v1/audience/check-status/%2B13035550188/", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "active");
    json_decref(j);
}

/* ---- fixtures ---------------------------------------------------------------------------- */

static void test_emulator__builtin_fixtures(void **state)
{
    (void)state;
    loopmsg_emulator *emu = NULL;
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.quiet = true;
    assert_int_equal(loopmsg_emulator_start(&o, &emu, NULL), LOOPMSG_OK);
    json_t *j = call_json(emu, "GET", "/api/v1/sender/sender-1/", NULL, 200);
    assert_string_equal(ts_jstr(j, "status"), "active");
    json_decref(j);
    j = call_json(emu, "GET", "/api/v1/pool/list/", NULL, 200);
    assert_true(ts_jint(j, "count") >= 1);
    json_decref(j);
    expect_code(emu, "POST", "/api/v1/message/send/",
                "{\"contact\":\"+15555550100\",\"text\":\"hi\",\"sender\":\"sender-9\"}", 400, 220);
    loopmsg_emulator_free(emu);
}

static void test_emulator__bad_fixtures_refuse_to_start(void **state)
{
    (void)state;
    loopmsg_emulator *emu = NULL;
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    loopmsg_error err;
    o.fixtures_path = fixture_path("fixtures_bad.json");
    assert_int_equal(loopmsg_emulator_start(&o, &emu, &err), LOOPMSG_E_INVALID_ARG);
    assert_null(emu);
    assert_non_null(strstr(err.message, "senders[0]"));
    o.fixtures_path = fixture_path("does-not-exist.json");
    assert_int_equal(loopmsg_emulator_start(&o, &emu, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "does-not-exist.json"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
#define T(name) cmocka_unit_test_setup_teardown(name, setup, ts_emu_bare_teardown)
    const struct CMUnitTest tests[] = {
        T(test_emulator__audience_list_paginates_newest_first),
        T(test_emulator__audience_list_sort_search_and_dates),
        T(test_emulator__audience_list_rejects_bad_query),
        T(test_emulator__audience_check_status),
        T(test_emulator__audience_delete_then_send_fails_500),
        T(test_emulator__send_by_contact_id_and_default_sender),
        T(test_emulator__message_history_from_real_traffic),
        T(test_emulator__campaign_create_and_validation),
        T(test_emulator__senders_list_and_details),
        T(test_emulator__pools_list_and_details),
        T(test_emulator__optin_generate_url_and_tracker),
        cmocka_unit_test(test_emulator__builtin_fixtures),
        cmocka_unit_test(test_emulator__bad_fixtures_refuse_to_start),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
