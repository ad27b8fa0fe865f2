/* SPDX-License-Identifier: MIT */
/*
 * test_lookup.c: LoopLookup against the emulator: every request on the wire (method, exact
 * path, query, which key went, body), the results and the error mapping (LoopLookup's own
 * codes), validation before I/O, the lookup key and host (its own plaintext rule, never the
 * Loop Message key), async, the CLI (`lookup`, `lookup status`, `lookup history`) and the
 * callback end to end: emulator -> `loopmsg listen`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.h"

#define LKEY "test-lookup-key"

/* A client with both keys, both hosts on the emulator. */
static loopmsg_client *lookup_client(ts_env *env)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.lookup_api_key = LKEY;
    o.lookup_base_url = env->url;
    return ts_client(env, &o);
}

/* The lookup key, never the Loop Message key. */
static void assert_lookup_req(ts_env *env, size_t i, const char *method, const char *path,
                              const char *query, const char *body)
{
    ts_assert_request_auth(env, i, method, path, query, LKEY, body);
}

/* Poll the status until completed (the emulator's delay is 50 ms). */
static loopmsg_lookup_result *wait_result(loopmsg_client *c, const char *id)
{
    uint64_t until = ts_now_ms() + (ts_slow() ? 60000 : 20000);
    while (ts_now_ms() < until) {
        loopmsg_lookup_result *r = NULL;
        loopmsg_error err;
        ts_assert_status(LOOPMSG_OK, loopmsg_lookup_status(c, id, &r, &err), &err);
        if (r->state == LOOPMSG_LOOKUP_STATE_COMPLETED)
            return r;
        loopmsg_lookup_result_free(r);
        ts_sleep_ms(20);
    }
    fail_msg("lookup %s not completed", id);
    return NULL;
}

static void test_lookup__single_wire_and_status(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+1 (323) 111-2232";
    p.region = "US";
    p.contact_details = true;
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_int_equal(err.http_status, 200);
    assert_non_null(a->request_id);
    assert_string_equal(a->contact, "+13231112232");
    assert_null(a->bulk_id);
    assert_int_equal(a->request_count, 1);
    assert_string_equal(a->requests[0].request_id, a->request_id);
    ts_assert_contains(a->raw, "\"success\":true");
    assert_lookup_req(env, 0, "POST", "/api/v1/lookup/", "",
                      "{\"contact\":\"+1 (323) 111-2232\",\"region\":\"US\","
                      "\"contact_details\":true}");
    char id[64];
    snprintf(id, sizeof id, "%s", a->request_id);
    loopmsg_lookup_accepted_free(a);

    /* Right away: queued, no result. */
    loopmsg_lookup_result *r = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_status(c, id, &r, &err), &err);
    assert_string_equal(r->request_id, id);
    assert_int_equal(r->state, LOOPMSG_LOOKUP_STATE_QUEUED);
    assert_string_equal(r->status, "queued");
    assert_false(r->has_result);
    assert_int_equal(r->imessage.availability, LOOPMSG_LOOKUP_UNKNOWN);
    assert_null(r->details);
    assert_null(r->result_json);
    loopmsg_lookup_result_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/lookup/status/%s/", id);
    assert_lookup_req(env, 1, "GET", path, "", NULL);

    /* Then completed: a number ending in 2 has iMessage and FaceTime, with details. */
    r = wait_result(c, id);
    assert_true(r->has_result);
    assert_string_equal(r->status, "completed");
    assert_int_equal(r->imessage.availability, LOOPMSG_LOOKUP_AVAILABLE);
    assert_string_equal(r->imessage.status, "available");
    assert_non_null(r->imessage.date);
    assert_int_equal(strlen(r->imessage.date), 10);
    assert_string_equal(r->imessage.link_imessage, "imessage://+13231112232");
    assert_string_equal(r->imessage.link_sms, "sms://+13231112232");
    assert_int_equal(r->facetime.availability, LOOPMSG_LOOKUP_AVAILABLE);
    assert_string_equal(r->facetime.link_facetime, "facetime://+13231112232");
    assert_string_equal(r->facetime.link_facetime_audio, "facetime-audio://+13231112232");
    assert_string_equal(r->facetime.link_tel, "tel://+13231112232");
    assert_non_null(r->details);
    assert_string_equal(r->details->carrier, "Sandbox Mobile");
    assert_string_equal(r->details->number_type, "mobile");
    assert_string_equal(r->details->country_iso2, "US");
    assert_string_equal(r->details->country_iso3, "USA");
    assert_true(r->details->has_country_numeric);
    assert_int_equal(r->details->country_numeric, 840);
    assert_int_equal(r->details->currency_count, 1);
    assert_string_equal(r->details->currencies[0], "USD");
    assert_string_equal(r->details->format_e164, "+13231112232");
    assert_int_equal(r->details->time_zone_count, 1);
    assert_string_equal(r->details->time_zones[0], "America/Los_Angeles");
    ts_assert_contains(r->result_json, "\"apple_services\"");
    ts_assert_contains(r->raw, "\"result_v1\"");
    loopmsg_lookup_result_free(r);
    loopmsg_client_free(c);
}

static void test_lookup__availability_rule(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    const struct {
        const char *contact;
        loopmsg_lookup_availability want;
    } cases[] = {
        {"+14155550142", LOOPMSG_LOOKUP_AVAILABLE},
        {"+14155550143", LOOPMSG_LOOKUP_UNAVAILABLE},
        {"+14155550140", LOOPMSG_LOOKUP_UNKNOWN},
        {"Kim@iCloud.com", LOOPMSG_LOOKUP_AVAILABLE},
        {"kim@example.com", LOOPMSG_LOOKUP_UNAVAILABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
        p.contact = cases[i].contact;
        loopmsg_lookup_accepted *a = NULL;
        loopmsg_error err;
        ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send(c, &p, &a, &err), &err);
        loopmsg_lookup_result *r = wait_result(c, a->request_id);
        assert_int_equal(r->imessage.availability, cases[i].want);
        assert_int_equal(r->facetime.availability, cases[i].want);
        assert_string_equal(r->imessage.status, loopmsg_lookup_availability_name(cases[i].want));
        /* Details only when asked for. */
        assert_null(r->details);
        if (cases[i].want != LOOPMSG_LOOKUP_AVAILABLE)
            assert_null(r->imessage.date);
        loopmsg_lookup_result_free(r);
        loopmsg_lookup_accepted_free(a);
    }
    loopmsg_client_free(c);
}

static void test_lookup__bulk_wire_and_history(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    const char *contacts[] = {"+13231112233", "Kim@Example.com", "not a contact",
                              "1(787)111-22-34"};
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contacts = contacts;
    p.contact_count = 4;
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_bulk(c, &p, &a, &err), &err);
    assert_lookup_req(env, 0, "POST", "/api/v1/lookup/", "",
                      "{\"contacts\":[\"+13231112233\",\"Kim@Example.com\",\"not a contact\","
                      "\"1(787)111-22-34\"]}");
    /* The invalid entry is skipped, not refused. */
    assert_non_null(a->bulk_id);
    assert_null(a->request_id);
    assert_int_equal(a->request_count, 3);
    assert_string_equal(a->requests[0].contact, "+13231112233");
    assert_string_equal(a->requests[1].contact, "kim@example.com");
    assert_string_equal(a->requests[2].contact, "+17871112234");
    char bulk[64], first[64];
    snprintf(bulk, sizeof bulk, "%s", a->bulk_id);
    snprintf(first, sizeof first, "%s", a->requests[0].request_id);
    loopmsg_lookup_accepted_free(a);

    /* History: `sort`, not `sort_by`; up to 5000 per page; search by bulk id. */
    loopmsg_list_params lp = LOOPMSG_LIST_PARAMS_INIT;
    lp.page = 1;
    lp.per_page = 5000;
    lp.sort = LOOPMSG_SORT_ASC;
    lp.search = bulk;
    loopmsg_page *pg = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_history(c, &lp, &pg, &err), &err);
    char q[160];
    snprintf(q, sizeof q, "page=1&per_page=5000&sort=asc&search=%s", bulk);
    assert_lookup_req(env, 1, "GET", "/customer/api/v1/lookup-history/", q, NULL);
    assert_int_equal(pg->kind, LOOPMSG_LIST_LOOKUPS);
    assert_int_equal(pg->item_count, 3);
    assert_int_equal(pg->count, 3);
    assert_non_null(pg->lookups);
    assert_null(pg->organizations);
    assert_string_equal(pg->lookups[0].id, first);
    assert_string_equal(pg->lookups[0].contact, "+13231112233");
    assert_string_equal(pg->lookups[0].status, "queued");
    assert_non_null(pg->lookups[0].create_date);
    assert_non_null(pg->lookups[0].update_date);
    loopmsg_page_free(pg);

    /* Dates go through; the iterator and collect-all take the kind too. */
    loopmsg_list_params dp = LOOPMSG_LIST_PARAMS_INIT;
    dp.from_date = "2000-01-01";
    dp.to_date = "2999-12-31";
    dp.per_page = 2;
    ts_assert_status(LOOPMSG_OK, loopmsg_list_all(c, LOOPMSG_LIST_LOOKUPS, &dp, 0, &pg, &err),
                     &err);
    assert_int_equal(pg->item_count, 3);
    loopmsg_page_free(pg);
    assert_lookup_req(env, 2, "GET", "/customer/api/v1/lookup-history/",
                      "page=1&per_page=2&from_date=2000-01-01&to_date=2999-12-31", NULL);
    assert_lookup_req(env, 3, "GET", "/customer/api/v1/lookup-history/",
                      "page=2&per_page=2&from_date=2000-01-01&to_date=2999-12-31", NULL);
    loopmsg_client_free(c);
}

static void test_lookup__bulk_shapes(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    const char *contacts[] = {"+13231112233", "+13231112234"};
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contacts = contacts;
    p.contact_count = 2;
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_error err;
    /* Unverified shapes: a bulk id under `id`, no list; or nothing but success. */
    ts_script(env, 200, "{\"success\":true,\"id\":\"B-1\",\"count\":2}");
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_bulk(c, &p, &a, &err), &err);
    assert_string_equal(a->bulk_id, "B-1");
    assert_int_equal(a->request_count, 0);
    ts_assert_contains(a->raw, "\"count\":2");
    loopmsg_lookup_accepted_free(a);
    ts_script(env, 200, "{\"success\":true}");
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_bulk(c, &p, &a, &err), &err);
    assert_null(a->bulk_id);
    loopmsg_lookup_accepted_free(a);
    /* A field of the wrong type is a protocol error naming it. */
    ts_script(env, 200, "{\"success\":true,\"requests\":{}}");
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_lookup_bulk(c, &p, &a, &err), &err);
    ts_assert_contains(err.message, "requests");
    assert_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_S | F_M, 1);
    /* A single lookup's answer without request_id cannot be used. */
    loopmsg_lookup_params s = LOOPMSG_LOOKUP_PARAMS_INIT;
    s.contact = "+13231112233";
    ts_script(env, 200, "{\"success\":true,\"contact\":\"+13231112233\"}");
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_lookup_send(c, &s, &a, &err), &err);
    ts_assert_contains(err.message, "request_id is missing");
    assert_null(a);
    /* A status field of the wrong type. */
    loopmsg_lookup_result *r = NULL;
    ts_script(env, 200,
              "{\"request_id\":\"X\",\"status\":\"completed\",\"result_v1\":{\"apple_services\":"
              "{\"imessage\":{\"status\":1}}}}");
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_lookup_status(c, "X", &r, &err), &err);
    ts_assert_contains(err.message, "result_v1.apple_services.imessage.status");
    assert_null(r);
    loopmsg_client_free(c);
}

static void test_lookup__errors(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112233";
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_error err;
    /* LoopLookup's own codes: 400 is "no credits left" (FATAL), not a Loop code. */
    ts_script(env, 400, "{\"success\":false,\"code\":400,\"message\":\"No available requests\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 400, F_F | F_S, 1);
    ts_assert_contains(err.message, "no lookup requests (credits) left");
    ts_assert_contains(err.message, "No available requests");
    /* 500 is a suspended account there (Loop Message: the contact opted out). */
    ts_script(env, 400, "{\"success\":false,\"code\":500,\"message\":\"x\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 500, F_F | F_S, 1);
    ts_assert_contains(err.message, "account suspended");
    /* 100 with a 200: success false is an error, not fatal. */
    ts_script(env, 200, "{\"success\":false,\"code\":100,\"message\":\"Failed description\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 200, 100, F_S, 1);
    /* A 503 on a lookup is not resent (it may spend a credit once answered)... */
    size_t before = ts_request_count(env);
    ts_script(env, 503, "{\"success\":false,\"code\":100,\"message\":\"busy\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_int_equal(ts_request_count(env), before + 1);
    assert_err(&err, LOOPMSG_E_API, 503, 100, F_R | F_S, 1);
    /* ...its status is. */
    loopmsg_lookup_result *r = NULL;
    ts_script(env, 503, "{\"success\":false}");
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_lookup_status(c, "nope", &r, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 2);
    loopmsg_client_free(c);

    /* A wrong lookup key: 401 with LoopLookup's 125, FATAL; the key is never quoted. */
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.lookup_api_key = "wrong-lookup-key";
    o.lookup_base_url = env->url;
    c = ts_client(env, &o);
    ts_assert_status(LOOPMSG_E_AUTH, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_err(&err, LOOPMSG_E_AUTH, 401, 125, F_F | F_S, 1);
    assert_null(strstr(err.message, "wrong-lookup-key"));
    loopmsg_client_free(c);
}

static void test_lookup__validation_before_io(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_lookup_result *r = NULL;
    loopmsg_error err;
    const char *two[] = {"+13231112233", "bad\ncontact"};
    const struct {
        loopmsg_lookup_params p;
        int bulk;
        const char *msg;
    } cases[] = {
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, NULL, NULL, 0, NULL, false},
         0,
         "lookup: contact: is required"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, "+13231112233", two, 1, NULL, false},
         0,
         "lookup: contacts: not taken by a single lookup (use loopmsg_lookup_bulk)"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, "+13231112233", NULL, 0, "us", false},
         0,
         "lookup: region: must be two capital letters (ISO 3166 alpha-2, e.g. US)"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, "+13231112233", two, 2, NULL, false},
         1,
         "bulk lookup: contact: not taken by a bulk lookup (use contacts)"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, NULL, NULL, 0, NULL, false},
         1,
         "bulk lookup: contacts: is required"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, NULL, NULL, 2, NULL, false},
         1,
         "bulk lookup: contacts: is NULL but contact_count is 2"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, NULL, two, 2, NULL, false},
         1,
         "bulk lookup: contacts[1]: must not contain control characters"},
        {{LOOPMSG_LOOKUP_PARAMS_VERSION, NULL, two, 3001, NULL, false},
         1,
         "bulk lookup: contacts: at most 3000 per request, got 3001"},
        {{0, "+13231112233", NULL, 0, NULL, false},
         0,
         "loopmsg_lookup_params.version not set; use LOOPMSG_LOOKUP_PARAMS_INIT"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_status st = cases[i].bulk ? loopmsg_lookup_bulk(c, &cases[i].p, &a, &err)
                                          : loopmsg_lookup_send(c, &cases[i].p, &a, &err);
        ts_assert_status(LOOPMSG_E_INVALID_ARG, st, &err);
        assert_string_equal(err.message, cases[i].msg);
        assert_null(a);
    }
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_send(c, NULL, &a, &err), &err);
    assert_string_equal(err.message, "lookup: params is NULL");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_status(c, "", &r, &err), &err);
    assert_string_equal(err.message, "lookup status: request_id: must not be empty");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_status(c, "a\tb", &r, &err), &err);
    ts_assert_contains(err.message, "lookup status: request_id:");
    loopmsg_list_params lp = LOOPMSG_LIST_PARAMS_INIT;
    lp.per_page = 5001;
    loopmsg_page *pg = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_history(c, &lp, &pg, &err), &err);
    assert_string_equal(err.message,
                        "lookup history: per_page: must be between 1 and 5000, got 5001");
    lp.per_page = 0;
    lp.contact = "+1";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_history(c, &lp, &pg, &err), &err);
    assert_string_equal(err.message, "lookup history: contact: only message history takes it");
    loopmsg_client_free(c);

    /* A client without a lookup key refuses lookups before any I/O. */
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112233";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_lookup_send(env->client, &p, &a, &err), &err);
    assert_string_equal(err.message, "lookup: lookup_api_key: required (set it in the options or "
                                     "LOOP_LOOKUP_API_KEY)");
    assert_int_equal(ts_request_count(env), 0);
}

static void test_lookup__keys_and_hosts(void **state)
{
    ts_env *env = *state;
    /* Lookup key only: lookups work, Loop Message calls are refused before any I/O. */
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.lookup_api_key = "  " LKEY "\n"; /* trimmed, as api_key */
    o.lookup_base_url = env->url;
    o.base_url = env->url;
    loopmsg_client *c = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(&o, &c, &err), &err);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112233";
    loopmsg_lookup_accepted *a = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send(c, &p, &a, &err), &err);
    loopmsg_lookup_accepted_free(a);
    assert_lookup_req(env, 0, "POST", "/api/v1/lookup/", "", "{\"contact\":\"+13231112233\"}");
    loopmsg_send_params sp = LOOPMSG_SEND_PARAMS_INIT;
    sp.contact = "+13231112233";
    sp.text = "hi";
    loopmsg_send_result *res = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send(c, &sp, &res, &err), &err);
    assert_string_equal(err.message,
                        "send: api_key: required (set it in the options or LOOP_API_KEY)");
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_client_free(c);

    /* Both keys: each goes to its own host only. */
    c = lookup_client(env);
    ts_script(env, 200, "{\"success\":true,\"message_id\":\"m1\",\"contact\":\"+13231112233\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &sp, &res, &err), &err);
    loopmsg_send_result_free(res);
    loopmsg_emulator_request *r = ts_request(env, 1);
    assert_string_equal(r->authorization, TS_KEY);
    loopmsg_emulator_request_free(r);
    loopmsg_client_free(c);

    /* Environment: LOOP_LOOKUP_API_KEY and LOOP_LOOKUP_BASE_URL. */
    setenv("LOOP_LOOKUP_API_KEY", LKEY, 1);
    setenv("LOOP_LOOKUP_BASE_URL", env->url, 1);
    loopmsg_client_options e = LOOPMSG_CLIENT_OPTIONS_INIT;
    e.base_url = env->url;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(&e, &c, &err), &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send(c, &p, &a, &err), &err);
    loopmsg_lookup_accepted_free(a);
    assert_lookup_req(env, 2, "POST", "/api/v1/lookup/", "", "{\"contact\":\"+13231112233\"}");
    loopmsg_client_free(c);

    /* The plaintext rule holds for its host, from the environment and from the options. */
    setenv("LOOP_LOOKUP_BASE_URL", "http://example.com", 1);
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&e, &c, &err), &err);
    ts_assert_contains(err.message, "LOOP_LOOKUP_BASE_URL: plaintext http:// is only allowed");
    unsetenv("LOOP_LOOKUP_BASE_URL");
    unsetenv("LOOP_LOOKUP_API_KEY");
    o.lookup_base_url = "http://lookup.example.com";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&o, &c, &err), &err);
    ts_assert_contains(err.message, "lookup_base_url: plaintext http:// is only allowed");
    o.lookup_base_url = NULL;
    o.lookup_api_key = " \t";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&o, &c, &err), &err);
    assert_string_equal(err.message, "lookup_api_key: is blank");

    /* The default host: https://a.looplookup.com (seen in the transport error, through a
     * proxy that refuses the connection: nothing leaves the machine). */
    o.lookup_api_key = LKEY;
    o.proxy = "http://127.0.0.1:1";
    o.max_retries = LOOPMSG_NO_RETRIES;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(&o, &c, &err), &err);
    loopmsg_lookup_result *lr = NULL;
    loopmsg_status st = loopmsg_lookup_status(c, "abc", &lr, &err);
    assert_true(st == LOOPMSG_E_TRANSPORT || st == LOOPMSG_E_TIMEOUT);
    ts_assert_contains(err.message, "https://a.looplookup.com");
    loopmsg_client_free(c);
}

static int log_saw_key;

static void key_log(loopmsg_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    if (strstr(line, LKEY) || strstr(line, "lookup-key"))
        log_saw_key = 1;
}

static void test_lookup__key_never_logged(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.lookup_api_key = LKEY;
    o.lookup_base_url = env->url;
    o.log_cb = key_log;
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112233";
    loopmsg_lookup_accepted *a = NULL;
    loopmsg_error err;
    /* Even a server that echoes it. */
    ts_script(env, 400, "{\"success\":false,\"code\":125,\"message\":\"bad key " LKEY "\"}");
    log_saw_key = 0;
    ts_assert_status(LOOPMSG_E_AUTH, loopmsg_lookup_send(c, &p, &a, &err), &err);
    assert_null(strstr(err.message, LKEY));
    ts_assert_contains(err.message, "authorization key is invalid");
    assert_int_equal(log_saw_key, 0);
    loopmsg_client_free(c);
}

static int accepted_calls, result_calls;

static void on_accepted(loopmsg_client *c, loopmsg_request_id id, const loopmsg_lookup_accepted *a,
                        const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)ud;
    assert_true(id > 0);
    assert_int_equal(err->status, LOOPMSG_OK);
    assert_true(a->request_count >= 1);
    accepted_calls++;
}

static void on_result(loopmsg_client *c, loopmsg_request_id id, const loopmsg_lookup_result *r,
                      const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    if (r) {
        assert_non_null(r->request_id);
    } else {
        assert_int_equal(err->status, LOOPMSG_E_NOT_FOUND);
    }
    result_calls++;
}

static void test_lookup__async(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = lookup_client(env);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112233";
    const char *two[] = {"+13231112234", "+13231112235"};
    loopmsg_lookup_params b = LOOPMSG_LOOKUP_PARAMS_INIT;
    b.contacts = two;
    b.contact_count = 2;
    loopmsg_request_id id = 0;
    loopmsg_error err;
    accepted_calls = result_calls = 0;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send_async(c, &p, on_accepted, NULL, &id, &err),
                     &err);
    assert_true(id > 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_bulk_async(c, &b, on_accepted, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_lookup_status_async(c, "unknown-id", on_result, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(accepted_calls, 2);
    assert_int_equal(result_calls, 1);
    /* Validation failures never call back. */
    p.contact = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_lookup_send_async(c, &p, on_accepted, NULL, &id, &err), &err);
    assert_int_equal(id, 0);
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_lookup_status_async(c, NULL, on_result, NULL, &id, &err), &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(accepted_calls, 2);
    assert_int_equal(result_calls, 1);
    loopmsg_client_free(c);
}

/* ---- CLI ------------------------------------------------------------------------------------ */

static void test_lookup__cli(void **state)
{
    ts_env *env = *state;
    char base[160];
    snprintf(base, sizeof base, "LOOP_LOOKUP_BASE_URL=%s", env->url);
    const char *extra[] = {"LOOP_LOOKUP_API_KEY=" LKEY, base, NULL};
    ts_cli_opts o = {0};
    o.extra_env = extra;
    o.no_key = 1; /* the Loop Message key is not needed */
    ts_cli cli;

    const char *one[] = {"lookup", "+13231112232", "--details", "--wait", NULL};
    ts_cli_start_ex(&cli, env, one, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 0);
    ts_assert_contains(cli.out, "+13231112232\t");
    ts_assert_contains(cli.out, "\tcompleted\timessage available\tfacetime available");
    ts_assert_contains(cli.out, "Sandbox Mobile (mobile)\tUS\tAmerica/Los_Angeles");
    ts_cli_free(&cli);
    assert_lookup_req(env, 0, "POST", "/api/v1/lookup/", "",
                      "{\"contact\":\"+13231112232\",\"contact_details\":true}");

    const char *bulk[] = {"--json", "lookup", "+13231112233", "kim@icloud.com", "--region",
                          "US",     NULL};
    ts_cli_start_ex(&cli, env, bulk, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 0);
    ts_assert_contains(cli.out, "\"bulk_id\"");
    ts_assert_contains(cli.out, "\"requests\"");
    ts_cli_free(&cli);
    size_t n = ts_request_count(env);
    loopmsg_emulator_request *r = ts_request(env, n - 1);
    ts_assert_json_eq("{\"contacts\":[\"+13231112233\",\"kim@icloud.com\"],\"region\":\"US\"}",
                      r->body);
    loopmsg_emulator_request_free(r);

    const char *status[] = {"lookup", "status", "no-such-id", NULL};
    ts_cli_start_ex(&cli, env, status, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 3);
    ts_assert_contains(cli.err, "Lookup request not found");
    ts_cli_free(&cli);

    const char *hist[] = {"lookup", "history", "--per-page", "5000", "--sort", "asc", NULL};
    ts_cli_start_ex(&cli, env, hist, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 0);
    ts_assert_contains(cli.out, "+13231112232\tcompleted");
    ts_assert_contains(cli.err, "3 item(s) in all");
    ts_cli_free(&cli);
    n = ts_request_count(env);
    assert_lookup_req(env, n - 1, "GET", "/customer/api/v1/lookup-history/",
                      "per_page=5000&sort=asc", NULL);

    /* Options and their values may come before the verb. */
    const char *hist_late[] = {"lookup", "--per-page", "5000", "--sort", "desc", "history", NULL};
    ts_cli_start_ex(&cli, env, hist_late, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 0);
    ts_assert_contains(cli.err, "3 item(s) in all");
    ts_cli_free(&cli);
    n = ts_request_count(env);
    assert_lookup_req(env, n - 1, "GET", "/customer/api/v1/lookup-history/",
                      "per_page=5000&sort=desc", NULL);

    /* Without a lookup key: a usage error, nothing sent. */
    const char *none_env[] = {base, NULL};
    o.extra_env = none_env;
    ts_cli_start_ex(&cli, env, one, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 2);
    ts_assert_contains(cli.err, "a LoopLookup key is required");
    ts_cli_free(&cli);
    const char *nothing[] = {"lookup", NULL};
    o.extra_env = extra;
    ts_cli_start_ex(&cli, env, nothing, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 2);
    ts_cli_free(&cli);
    const char *bad_region[] = {"lookup", "+13231112232", "--region", "usa", NULL};
    ts_cli_start_ex(&cli, env, bad_region, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 2);
    ts_assert_contains(cli.err, "region: must be two capital letters");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), n);
}

/* ---- the callback, end to end through `loopmsg listen` ------------------------------------- */

static char *wait_for(const char *path, const char *needle, unsigned int ms)
{
    uint64_t end = ts_now_ms() + ms;
    for (;;) {
        char *text = ts_read_file(path, NULL);
        if (text && strstr(text, needle))
            return text;
        free(text);
        if (ts_now_ms() > end)
            return NULL;
        ts_sleep_ms(20);
    }
}

static void test_lookup__callback_through_listen(void **state)
{
    (void)state;
    unsigned int port = ts_free_port();
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%u", port);
    ts_env env;
    memset(&env, 0, sizeof env);
    snprintf(env.url, sizeof env.url, "http://127.0.0.1:1");
    const char *argv[] = {"listen", "--port", port_s, "--secret", "hook-secret", NULL};
    ts_cli listen;
    ts_cli_start_ex(&listen, &env, argv, NULL);
    char *banner = wait_for(listen.err_path, "listening on", 20000);
    assert_non_null(banner);
    free(banner);

    char hook[96];
    snprintf(hook, sizeof hook, "http://127.0.0.1:%u/webhook", port);
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.lookup_api_key = "emu-lookup-key";
    eo.webhook_url = hook;
    eo.webhook_header = "hook-secret";
    eo.delivery_delay_ms = 20;
    eo.quiet = true;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_emulator_start(&eo, &env.emu, &err), &err);
    snprintf(env.url, sizeof env.url, "%s", loopmsg_emulator_url(env.emu));
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.lookup_api_key = "emu-lookup-key";
    o.lookup_base_url = env.url;
    loopmsg_client *c = ts_client(&env, &o);
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.contact = "+13231112234";
    loopmsg_lookup_accepted *a = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_lookup_send(c, &p, &a, &err), &err);
    char id[64];
    snprintf(id, sizeof id, "%s", a->request_id);
    loopmsg_lookup_accepted_free(a);

    /* listen accepts the callback (no `event` field) and prints it as sent. */
    char *out = wait_for(listen.out_path, id, 20000);
    assert_non_null(out);
    json_t *line = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(line);
    assert_null(json_object_get(line, "event"));
    assert_string_equal(json_string_value(json_object_get(line, "request_id")), id);
    assert_string_equal(json_string_value(json_object_get(line, "contact")), "+13231112234");
    assert_non_null(json_string_value(json_object_get(line, "webhook_id")));
    assert_non_null(json_object_get(line, "result_v1"));
    /* The same bytes parse into a typed lookup event. */
    loopmsg_webhook_event *ev = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(out, strcspn(out, "\n"), &ev, &err), &err);
    assert_int_equal(ev->type, LOOPMSG_EVENT_LOOKUP_RESULT);
    assert_string_equal(ev->request_id, id);
    assert_int_equal(ev->lookup->imessage.availability, LOOPMSG_LOOKUP_AVAILABLE);
    loopmsg_webhook_event_free(ev);
    json_decref(line);
    free(out);
    /* The emulator's webhook history names it. */
    loopmsg_page *pg = NULL;
    ts_emu_wait_idle(env.emu, 20000); /* the attempt is in the history once answered */
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_history(c, NULL, &pg, &err), &err);
    assert_true(pg->item_count >= 1);
    assert_string_equal(pg->deliveries[0].event_type, "lookup_result");
    loopmsg_page_free(pg);

    loopmsg_client_free(c);
    loopmsg_emulator_free(env.emu);
    kill(listen.pid, SIGINT);
    assert_int_equal(ts_cli_wait(&listen, 20000), 0);
    ts_assert_contains(listen.out, id);
    ts_cli_free(&listen);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

/* For the tests that ask for a lookup's status right after sending it and expect it still
 * queued: a delivery delay long enough under valgrind or on a loaded machine (the tests that
 * need the result wait for it). */
static int slow_setup(void **state)
{
    return ts_emu_setup_delay(state, ts_slow() ? 5000 : 500);
}
#define T_QUEUED(f) cmocka_unit_test_setup_teardown(f, slow_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_QUEUED(test_lookup__single_wire_and_status),
        T(test_lookup__availability_rule),
        T_QUEUED(test_lookup__bulk_wire_and_history),
        T(test_lookup__bulk_shapes),
        T(test_lookup__errors),
        T(test_lookup__validation_before_io),
        T(test_lookup__keys_and_hosts),
        T(test_lookup__key_never_logged),
        T(test_lookup__async),
        T(test_lookup__cli),
        cmocka_unit_test_setup_teardown(test_lookup__callback_through_listen, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
