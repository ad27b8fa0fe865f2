/* SPDX-License-Identifier: MIT */
/*
 * test_oom.c: out-of-memory torture. Each test fails the n-th allocation of one call for
 * n = 1, 2, ... and asserts that the call either reports LOOPMSG_E_NOMEM or succeeds with a
 * complete result, and that nothing leaks (the fixture's teardown counts allocations). A
 * call that swallows an allocation failure (a field silently NULL, a NOMEM reported as a
 * transport or protocol error) fails here.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 400

static char long_text[700];

static void fill_long_text(void)
{
    /* Longer than the arena's first block, so that decoding needs further allocations. */
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
}

static loopmsg_client *quiet_client(ts_env *env)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_retries = LOOPMSG_NO_RETRIES;
    return ts_client(env, &o);
}

static void test_oom__client_new(void **state)
{
    ts_env *env = *state;
    int ok = 0;
    for (long n = 1; n <= MAX_N && !ok; n++) {
        loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
        o.api_key = TS_KEY;
        o.base_url = env->url;
        o.default_sender = "sender@example.org";
        o.ca_bundle_path = "/nonexistent/ca.pem";
        o.user_agent_suffix = "oom-test/1.0";
        loopmsg_client *c = NULL;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_client_new(&o, &c, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            assert_non_null(c);
            assert_string_equal(loopmsg_client_default_sender(c), "sender@example.org");
            loopmsg_client_free(c);
            ok = 1;
        } else {
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_null(c);
        }
    }
    assert_true(ok);
}

static void test_oom__message_send(void **state)
{
    ts_env *env = *state;
    fill_long_text();
    loopmsg_client *c = quiet_client(env);
    int ok = 0;
    for (long n = 1; n <= MAX_N && !ok; n++) {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = "+13231112233";
        p.text = long_text;
        loopmsg_send_result *r = NULL;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_message_send(c, &p, &r, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            assert_non_null(r);
            assert_non_null(r->message_id);
            assert_non_null(r->raw);
            assert_non_null(r->text);
            assert_string_equal(r->text, long_text);
            loopmsg_send_result_free(r);
            ok = 1;
        } else {
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_null(r);
        }
    }
    assert_true(ok);
    loopmsg_client_free(c);
}

typedef struct async_tally {
    int calls;
    loopmsg_status last;
    int had_result;
} async_tally;

static void on_send(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                    const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    async_tally *t = ud;
    t->calls++;
    t->last = err->status;
    t->had_result = r && r->message_id;
}

static void test_oom__message_send_async(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = quiet_client(env);
    for (long n = 1; n <= 80; n++) {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = "+13231112233";
        p.text = "hello";
        loopmsg_error err;
        loopmsg_request_id id = 0;
        async_tally t = {0};
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_message_send_async(c, &p, on_send, &t, &id, &err);
        if (st == LOOPMSG_OK) {
            loopmsg_status rst = loopmsg_client_run(c, &err);
            ts_alloc_fail_at(0);
            ts_assert_status(LOOPMSG_OK, rst, &err);
            assert_int_equal(t.calls, 1);
            if (t.last == LOOPMSG_OK)
                assert_true(t.had_result);
            else
                assert_int_equal(t.last, LOOPMSG_E_NOMEM);
        } else {
            ts_alloc_fail_at(0);
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_int_equal(id, 0);
            assert_int_equal(t.calls, 0);
        }
        assert_int_equal(loopmsg_client_pending(c), 0);
    }
    loopmsg_client_free(c);
}

static void script_page(ts_env *env, int page, int num_pages, int n, int start)
{
    char body[8192];
    int o = snprintf(body, sizeof body, "{\"page\":%d,\"num_pages\":%d,", page, num_pages);
    o += snprintf(body + o, sizeof body - (size_t)o, "\"per_page\":%d,\"count\":9,\"items\":[", n);
    for (int i = 0; i < n; i++)
        o += snprintf(body + o, sizeof body - (size_t)o,
                      "%s{\"id\":\"contact-id-%04d-with-some-length\",\"value\":\"+1323111%04d\"}",
                      i ? "," : "", start + i, start + i);
    snprintf(body + o, sizeof body - (size_t)o, "]}");
    ts_script(env, 200, body);
}

static void test_oom__list_all(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = quiet_client(env);
    int ok = 0;
    for (long n = 1; n <= MAX_N && !ok; n++) {
        loopmsg_emulator_reset(env->emu);
        script_page(env, 1, 2, 8, 0);
        script_page(env, 2, 2, 8, 8);
        loopmsg_page *all = NULL;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_list_all(c, LOOPMSG_LIST_AUDIENCE, NULL, 0, &all, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            assert_non_null(all);
            assert_int_equal(all->item_count, 16);
            for (size_t i = 0; i < all->item_count; i++) {
                assert_non_null(all->contacts[i].id);
                assert_non_null(all->contacts[i].value);
                assert_non_null(all->item_json[i]);
            }
            loopmsg_page_free(all);
            ok = 1;
        } else {
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_null(all);
        }
    }
    assert_true(ok);
    loopmsg_client_free(c);
}

static void test_oom__campaign_create(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = quiet_client(env);
    char *body = ts_read_file(ts_data_path("responses/campaign_create.json"), NULL);
    assert_non_null(body);
    const char *contacts[] = {"+13231112233", "ruth@example.org"};
    int ok = 0;
    for (long n = 1; n <= MAX_N && !ok; n++) {
        loopmsg_emulator_reset(env->emu);
        ts_script(env, 200, body);
        loopmsg_campaign_params p = LOOPMSG_CAMPAIGN_PARAMS_INIT;
        p.name = "April drop";
        p.text = "New stock!";
        p.contacts = contacts;
        p.contact_count = 2;
        loopmsg_campaign *cp = NULL;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_campaign_create(c, &p, &cp, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            assert_non_null(cp);
            assert_non_null(cp->id);
            assert_non_null(cp->name);
            assert_non_null(cp->raw);
            loopmsg_campaign_free(cp);
            ok = 1;
        } else {
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_null(cp);
        }
    }
    free(body);
    assert_true(ok);
    loopmsg_client_free(c);
}

/* ---- every scripted call: one answer, one call, NOMEM or a complete result -------------- */

typedef loopmsg_status (*oom_call)(loopmsg_client *c, loopmsg_error *err);

static void oom_loop(ts_env *env, const char *answer, oom_call call)
{
    loopmsg_client *c = quiet_client(env);
    int ok = 0;
    for (long n = 1; n <= MAX_N && !ok; n++) {
        loopmsg_emulator_reset(env->emu);
        ts_script(env, 200, answer);
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = call(c, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK)
            ok = 1;
        else
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
    }
    assert_true(ok);
    loopmsg_client_free(c);
}

static loopmsg_status call_group(loopmsg_client *c, loopmsg_error *err)
{
    loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    p.group = "3F6A9D21-7C4E-4B8A-9E12-5D0C7B3A8F66";
    p.text = long_text;
    loopmsg_send_result *r = NULL;
    loopmsg_status st = loopmsg_message_send_group(c, &p, &r, err);
    if (st == LOOPMSG_OK) {
        assert_non_null(r->group);
        assert_non_null(r->group->id);
        assert_non_null(r->group->name);
        assert_int_equal(r->group->participant_count, 3);
        assert_string_equal(r->group->participants[2], "dana@icloud.com");
        assert_string_equal(r->text, long_text);
    } else {
        assert_null(r);
    }
    loopmsg_send_result_free(r);
    return st;
}

static void test_oom__message_send_group(void **state)
{
    fill_long_text();
    char answer[1024];
    snprintf(answer, sizeof answer,
             "{\"message_id\":\"91D3C4B5-A6F7-4E08-B192-3A4B5C6D7E8F\",\"group\":{\"id\":"
             "\"3F6A9D21-7C4E-4B8A-9E12-5D0C7B3A8F66\",\"name\":\"Weekend crew\","
             "\"participants\":[\"+14155550142\",\"+14155550177\",\"dana@icloud.com\"]},"
             "\"text\":\"%s\"}",
             long_text);
    oom_loop(*state, answer, call_group);
}

static loopmsg_status call_status(loopmsg_client *c, loopmsg_error *err)
{
    loopmsg_message_status *s = NULL;
    loopmsg_status st = loopmsg_message_status_get(c, "6C5B4A39", &s, err);
    if (st == LOOPMSG_OK) {
        assert_non_null(s->message_id);
        assert_non_null(s->contact);
        assert_non_null(s->text);
        assert_non_null(s->last_update);
        assert_int_equal(s->api_code, 1020);
    } else {
        assert_null(s);
    }
    loopmsg_message_status_free(s);
    return st;
}

static void test_oom__message_status(void **state)
{
    fill_long_text();
    char answer[1024];
    snprintf(answer, sizeof answer,
             "{\"message_id\":\"6C5B4A39-2817-4F06-9E5D-4C3B2A190807\",\"status\":\"failed\","
             "\"contact\":\"+447700900123\",\"text\":\"%s\",\"error_code\":1020,"
             "\"last_update\":\"2026-03-14T18:22:41.507Z\"}",
             long_text);
    oom_loop(*state, answer, call_status);
}

static loopmsg_status call_optin(loopmsg_client *c, loopmsg_error *err)
{
    loopmsg_optin_params p = LOOPMSG_OPTIN_PARAMS_INIT;
    p.body = "Text us to join [opt-in-code]";
    loopmsg_optin_url *u = NULL;
    loopmsg_status st = loopmsg_optin_generate_url(c, &p, &u, err);
    if (st == LOOPMSG_OK) {
        assert_non_null(u->id);
        assert_non_null(u->url);
        assert_non_null(u->imessage);
        assert_non_null(u->sms);
        assert_non_null(u->whatsapp);
    } else {
        assert_null(u);
    }
    loopmsg_optin_url_free(u);
    return st;
}

static void test_oom__optin_generate_url(void **state)
{
    ts_env *env = *state;
    char *body = ts_read_file(ts_data_path("responses/opt_in_generate_url.json"), NULL);
    assert_non_null(body);
    oom_loop(env, body, call_optin);
    free(body);
}

static loopmsg_status call_webhook_history(loopmsg_client *c, loopmsg_error *err)
{
    loopmsg_page *page = NULL;
    loopmsg_status st = loopmsg_webhook_history(c, NULL, &page, err);
    if (st == LOOPMSG_OK) {
        assert_int_equal(page->item_count, 2);
        for (size_t i = 0; i < 2; i++) {
            assert_non_null(page->deliveries[i].json);
            assert_non_null(page->deliveries[i].event_type);
        }
        assert_string_equal(page->deliveries[0].json, long_text);
    } else {
        assert_null(page);
    }
    loopmsg_page_free(page);
    return st;
}

static void test_oom__webhook_history(void **state)
{
    fill_long_text();
    char answer[2048];
    snprintf(answer, sizeof answer,
             "{\"page\":1,\"num_pages\":1,\"items\":[{\"attempt\":1,\"event_type\":\"a\","
             "\"json\":\"%s\"},{\"attempt\":2,\"event_type\":\"message_failed\",\"json\":"
             "{\"event\":\"message_failed\"}}]}",
             long_text);
    oom_loop(*state, answer, call_webhook_history);
}

static void test_oom__batch(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = quiet_client(env);
    for (long n = 1; n <= 120; n++) {
        loopmsg_send_params p[3];
        loopmsg_batch_item items[3];
        for (int i = 0; i < 3; i++) {
            loopmsg_send_params q = LOOPMSG_SEND_PARAMS_INIT;
            q.contact = "+13231112233";
            q.text = "hello";
            p[i] = q;
        }
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_message_send_batch(c, p, 3, items, &err);
        ts_alloc_fail_at(0);
        if (st != LOOPMSG_OK && st != LOOPMSG_E_PARTIAL)
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
        for (int i = 0; st != LOOPMSG_E_NOMEM && i < 3; i++) {
            if (items[i].error.status == LOOPMSG_OK)
                assert_non_null(items[i].result);
            else
                ts_assert_status(LOOPMSG_E_NOMEM, items[i].error.status, &items[i].error);
        }
        if (st != LOOPMSG_E_NOMEM)
            loopmsg_batch_items_clear(items, 3);
    }
    loopmsg_client_free(c);
}

static void test_oom__pager(void **state)
{
    ts_env *env = *state;
    loopmsg_client *c = quiet_client(env);
    for (long n = 1; n <= 60; n++) {
        loopmsg_list_params lp = LOOPMSG_LIST_PARAMS_INIT;
        lp.search = "ruth";
        lp.from_date = "2026-01-01";
        loopmsg_pager *g = NULL;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st = loopmsg_pager_new(c, LOOPMSG_LIST_AUDIENCE, &lp, &g, &err);
        ts_alloc_fail_at(0);
        if (st != LOOPMSG_OK) {
            ts_assert_status(LOOPMSG_E_NOMEM, st, &err);
            assert_null(g);
        }
        loopmsg_pager_free(g);
    }
    loopmsg_client_free(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_oom__client_new),
        T(test_oom__message_send),
        T(test_oom__message_send_async),
        T(test_oom__list_all),
        T(test_oom__campaign_create),
        T(test_oom__message_send_group),
        T(test_oom__message_status),
        T(test_oom__optin_generate_url),
        T(test_oom__webhook_history),
        T(test_oom__batch),
        T(test_oom__pager),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
