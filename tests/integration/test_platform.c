/* SPDX-License-Identifier: MIT */
/*
 * test_platform.c: the operator side of the platform on the wire and against the emulator's
 * state: organizations (list, details, create with the key returned and wiped, update by
 * PATCH, delete, the default-organization rule), pools, and sender names (plans, move,
 * cancel, orders with the 30-s guard, no resend and "may have been charged", and the
 * sender_name_updated webhook to the organization's own URL), with every request's method,
 * exact path, headers and body, and every error field.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname_r */
#include "test_support.h"
#include "rx_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- organizations --------------------------------------------------------------------- */

static void test_platform__org_create_get_update_delete(void **state)
{
    ts_env *env = *state;
    loopmsg_org_params p = LOOPMSG_ORG_PARAMS_INIT;
    p.name = "Acme EU";
    p.website = "https://acme.example/";
    p.support_url = "https://acme.example/help/";
    p.country = "GB";
    p.webhook_url = "https://acme.example/hook/";
    p.webhook_header = "secret value";
    loopmsg_org *o = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_org_create(env->client, &p, &o, &err), &err);
    assert_non_null(o->org.id);
    assert_string_equal(o->org.name, "Acme EU");
    assert_non_null(o->org.api_key);
    assert_null(o->org.status); /* creation answers id, name, api_key, create_date */
    assert_int_equal(err.http_status, 200);
    ts_assert_request(
        env, 0, "POST", "/api/v1/organizations/new/", "",
        "{\"name\":\"Acme EU\",\"website\":\"https://acme.example/\","
        "\"support_url\":\"https://acme.example/help/\",\"country\":\"GB\","
        "\"webhook_url\":\"https://acme.example/hook/\",\"webhook_header\":\"secret value\"}");
    char id[64], key[128];
    snprintf(id, sizeof id, "%s", o->org.id);
    snprintf(key, sizeof key, "%s", o->org.api_key);
    loopmsg_org_free(o);

    /* Details with the default key: the key is shown because a webhook URL is set. */
    ts_assert_status(LOOPMSG_OK, loopmsg_org_get(env->client, id, &o, &err), &err);
    assert_string_equal(o->org.status, "active");
    assert_string_equal(o->org.api_key, key);
    char path[160];
    snprintf(path, sizeof path, "/api/v1/organizations/details/%s/", id);
    ts_assert_request(env, 1, "GET", path, "", NULL);
    loopmsg_org_free(o);

    /* The new key authenticates, reads its own organization, and nothing that needs the
     * default organization's key. */
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = key;
    loopmsg_client *oc = ts_client(env, &co);
    ts_assert_status(LOOPMSG_OK, loopmsg_org_get(oc, id, &o, &err), &err);
    loopmsg_org_free(o);
    ts_assert_request_auth(env, 2, "GET", path, "", key, NULL);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_org_get(oc, "org-1", &o, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    loopmsg_page *page = NULL;
    ts_assert_status(LOOPMSG_E_API, loopmsg_orgs_list(oc, NULL, &page, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    ts_assert_contains(err.message, "default organization");
    loopmsg_client_free(oc);

    /* PATCH sends only what is set. */
    loopmsg_org_params u = LOOPMSG_ORG_PARAMS_INIT;
    u.name = "Acme Europe";
    ts_assert_status(LOOPMSG_OK, loopmsg_org_update(env->client, id, &u, &o, &err), &err);
    assert_string_equal(o->org.name, "Acme Europe");
    loopmsg_org_free(o);
    ts_assert_request(env, 5, "PATCH", path, "", "{\"name\":\"Acme Europe\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_org_update(env->client, id, &u, NULL, &err), &err);

    /* The list, with a name search. */
    loopmsg_list_params lp = LOOPMSG_LIST_PARAMS_INIT;
    lp.search = "europe";
    ts_assert_status(LOOPMSG_OK, loopmsg_orgs_list(env->client, &lp, &page, &err), &err);
    assert_int_equal(page->kind, LOOPMSG_LIST_ORGANIZATIONS);
    assert_int_equal(page->item_count, 1);
    assert_string_equal(page->organizations[0].id, id);
    assert_string_equal(page->organizations[0].name, "Acme Europe");
    assert_null(page->organizations[0].api_key);
    ts_assert_request(env, 7, "GET", "/api/v1/organizations/list/", "search=europe", NULL);
    loopmsg_page_free(page);
    ts_assert_status(
        LOOPMSG_OK, loopmsg_list_all(env->client, LOOPMSG_LIST_ORGANIZATIONS, NULL, 0, &page, &err),
        &err);
    assert_int_equal(page->item_count, 2);
    loopmsg_page_free(page);

    ts_assert_status(LOOPMSG_OK, loopmsg_org_delete(env->client, id, &err), &err);
    ts_assert_request(env, 9, "DELETE", path, "", NULL);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_org_delete(env->client, id, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    /* The old key is gone with its organization. */
    oc = ts_client(env, &co);
    ts_assert_status(LOOPMSG_E_AUTH, loopmsg_org_get(oc, id, &o, &err), &err);
    assert_err(&err, LOOPMSG_E_AUTH, 401, 130, F_F | F_S, 1);
    loopmsg_client_free(oc);
    /* The default organization cannot be deleted. */
    ts_assert_status(LOOPMSG_E_API, loopmsg_org_delete(env->client, "org-1", &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
}

static void test_platform__org_key_only_with_webhook(void **state)
{
    ts_env *env = *state;
    loopmsg_org_params p = LOOPMSG_ORG_PARAMS_INIT;
    p.name = "No hook";
    p.website = "https://a.example/";
    p.support_url = "https://a.example/s/";
    p.country = "US";
    loopmsg_org *o = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_org_create(env->client, &p, &o, &err), &err);
    assert_null(o->org.api_key);
    loopmsg_org_free(o);
}

static void test_platform__org_validation_before_io(void **state)
{
    ts_env *env = *state;
    loopmsg_org_params p = LOOPMSG_ORG_PARAMS_INIT;
    loopmsg_org *o = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_create(env->client, &p, &o, &err), &err);
    assert_string_equal(err.message, "organization create: name: is required");
    p.name = "N";
    p.website = "https://w/";
    p.support_url = "https://s/";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_create(env->client, &p, &o, &err), &err);
    assert_string_equal(err.message, "organization create: country: is required");
    p.country = "usa";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_create(env->client, &p, &o, &err), &err);
    ts_assert_contains(err.message, "organization create: country: must be an ISO 3166-1 alpha-2");
    p.country = "US";
    p.website = "ftp://w/";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_create(env->client, &p, &o, &err), &err);
    assert_string_equal(err.message,
                        "organization create: website: must be an http:// or https:// URL");
    loopmsg_org_params u = LOOPMSG_ORG_PARAMS_INIT;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_update(env->client, "x", &u, NULL, &err),
                     &err);
    ts_assert_contains(err.message, "organization update: params: nothing to update");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_get(env->client, "", &o, &err), &err);
    assert_string_equal(err.message, "organization: id: must not be empty");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_delete(env->client, NULL, &err), &err);
    u.version = 0;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_org_update(env->client, "x", &u, NULL, &err),
                     &err);
    assert_null(o);
    assert_int_equal(ts_request_count(env), 0);
}

/* A key in a response is never logged. */
static void log_cb(loopmsg_log_level level, const char *line, void *ud)
{
    (void)level;
    if (strstr(line, "SECRET-ORG-KEY"))
        (*(int *)ud)++;
}

static void test_platform__org_key_never_logged(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200,
              "{\"id\":\"o1\",\"name\":\"n\",\"api_key\":\"SECRET-ORG-KEY\","
              "\"create_date\":\"2025-01-01T00:00:00Z\"}");
    int seen = 0;
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.log_cb = log_cb;
    co.log_user_data = &seen;
    loopmsg_client *c = ts_client(env, &co);
    loopmsg_org *o = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_org_get(c, "o1", &o, &err), &err);
    assert_string_equal(o->org.api_key, "SECRET-ORG-KEY");
    loopmsg_org_free(o);
    loopmsg_client_free(c);
    assert_int_equal(seen, 0);
}

static int done_calls;
static char done_id[64];

static void org_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_org *org,
                   const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    done_calls++;
    if (err->status == LOOPMSG_OK)
        snprintf(done_id, sizeof done_id, "%s", org->org.id);
}

static void del_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    assert_int_equal(err->status, LOOPMSG_OK);
    done_calls++;
}

static void test_platform__org_async(void **state)
{
    ts_env *env = *state;
    done_calls = 0;
    loopmsg_org_params p = LOOPMSG_ORG_PARAMS_INIT;
    p.name = "Async";
    p.website = "https://a/";
    p.support_url = "https://a/s/";
    p.country = "US";
    loopmsg_request_id rid = 0;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_org_create_async(env->client, &p, org_cb, NULL, &rid, &err), &err);
    assert_true(rid > 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(done_calls, 1);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_org_get_async(env->client, done_id, org_cb, NULL, NULL, &err), &err);
    loopmsg_org_params u = LOOPMSG_ORG_PARAMS_INIT;
    u.webhook_url = "http://127.0.0.1:9/hook";
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_org_update_async(env->client, done_id, &u, org_cb, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    ts_assert_status(
        LOOPMSG_OK, loopmsg_org_delete_async(env->client, done_id, del_cb, NULL, NULL, &err), &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(done_calls, 4);
    /* Invalid parameters: refused at submission, the callback never runs. */
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_org_create_async(env->client, NULL, org_cb, NULL, &rid, &err), &err);
    assert_int_equal(rid, 0);
    assert_int_equal(done_calls, 4);
}

/* ---- pools ----------------------------------------------------------------------------- */

static void test_platform__pools(void **state)
{
    ts_env *env = *state;
    const char *ids[] = {"sender-1", "sender-2"};
    loopmsg_pool_params p = LOOPMSG_POOL_PARAMS_INIT;
    p.name = "new pool";
    p.sender_ids = ids;
    p.sender_id_count = 2;
    loopmsg_pool_details *d = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_create(env->client, &p, &d, &err), &err);
    assert_string_equal(d->pool.name, "new pool");
    assert_int_equal(d->pool.count, 2);
    assert_null(d->status);
    ts_assert_request(env, 0, "POST", "/api/v1/pool/new/", "",
                      "{\"name\":\"new pool\",\"ids\":[\"sender-1\",\"sender-2\"]}");
    char id[64], path[128];
    snprintf(id, sizeof id, "%s", d->pool.id);
    snprintf(path, sizeof path, "/api/v1/pool/%s/", id);
    loopmsg_pool_details_free(d);

    ts_assert_status(LOOPMSG_OK, loopmsg_pool_get(env->client, id, &d, &err), &err);
    assert_string_equal(d->status, "active");
    loopmsg_pool_details_free(d);
    ts_assert_request(env, 1, "GET", path, "", NULL);

    /* Update and delete go to the pool path, never to /api/v1/sender/{id}/. */
    loopmsg_pool_params u = LOOPMSG_POOL_PARAMS_INIT;
    u.sender_ids = ids;
    u.sender_id_count = 1;
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_update(env->client, id, &u, &err), &err);
    ts_assert_request(env, 2, "PATCH", path, "", "{\"ids\":[\"sender-1\"]}");
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_get(env->client, id, &d, &err), &err);
    assert_int_equal(d->pool.count, 1);
    loopmsg_pool_details_free(d);
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_delete(env->client, id, &err), &err);
    ts_assert_request(env, 4, "DELETE", path, "", NULL);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_pool_get(env->client, id, &d, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_pool_delete(env->client, id, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);

    /* An unknown sender id: the emulator's 400. */
    const char *unknown[] = {"nope"};
    p.sender_ids = unknown;
    p.sender_id_count = 1;
    ts_assert_status(LOOPMSG_E_API, loopmsg_pool_create(env->client, &p, &d, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    ts_assert_contains(err.message, "ids[0]: unknown sender name");

    /* Validation before I/O. */
    size_t before = ts_request_count(env);
    loopmsg_pool_params empty = LOOPMSG_POOL_PARAMS_INIT;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_pool_create(env->client, &empty, &d, &err),
                     &err);
    assert_string_equal(err.message, "pool create: params: set a name or sender_ids");
    const char *blank[] = {""};
    empty.sender_ids = blank;
    empty.sender_id_count = 1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_pool_update(env->client, "p", &empty, &err),
                     &err);
    assert_string_equal(err.message, "pool update: sender_ids[0]: must not be empty");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_pool_delete(env->client, "", &err), &err);
    assert_int_equal(ts_request_count(env), before);
}

static void test_platform__pools_cli(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    const char *create[] = {"--json",   "pools",    "create",   "--name",
                            "Cli pool", "--sender", "sender-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, create, NULL), 0);
    ts_assert_contains(cli.out, "\"count\":1");
    ts_cli_free(&cli);
    ts_assert_request(env, 0, "POST", "/api/v1/pool/new/", "",
                      "{\"name\":\"Cli pool\",\"ids\":[\"sender-1\"]}");
    const char *del[] = {"pools", "delete", "pool-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, del, NULL), 2);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 1);
    const char *del_yes[] = {"pools", "delete", "pool-1", "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, del_yes, NULL), 0);
    ts_cli_free(&cli);
    ts_assert_request(env, 1, "DELETE", "/api/v1/pool/pool-1/", "", NULL);
    const char *list[] = {"pools", "list", NULL};
    assert_int_equal(ts_cli_run(&cli, env, list, NULL), 0);
    ts_assert_contains(cli.out, "Cli pool");
    ts_cli_free(&cli);
}

/* ---- senders --------------------------------------------------------------------------- */

/* A new organization whose webhooks go to rx with "org-secret"; its id and key. */
static void make_org(ts_env *env, receiver *rx, char *id, size_t id_size, char *key,
                     size_t key_size)
{
    loopmsg_org_params p = LOOPMSG_ORG_PARAMS_INIT;
    p.name = "Senders Inc";
    p.website = "https://s.example/";
    p.support_url = "https://s.example/help/";
    p.country = "US";
    p.webhook_url = rx->url;
    p.webhook_header = "org-secret";
    loopmsg_org *o = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_org_create(env->client, &p, &o, &err), &err);
    snprintf(id, id_size, "%s", o->org.id);
    snprintf(key, key_size, "%s", o->org.api_key);
    loopmsg_org_free(o);
}

static void test_platform__sender_order_single_and_guard(void **state)
{
    ts_env *env = *state;
    receiver *rx = rx_start();
    char org_id[64], key[128];
    make_org(env, rx, org_id, sizeof org_id, key, sizeof key);
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = key;
    loopmsg_client *oc = ts_client(env, &co);

    loopmsg_sender_contact_card card = {"John", "Smith", "https://cdn.example/p.png"};
    loopmsg_sender_port port = {"+13231111111", "123456", "1234", "Twilio"};
    loopmsg_sender_order_item it = {0};
    it.plan_id = "plan-basic";
    it.zip_code = "90210";
    it.sms_and_call = true;
    it.forwarding_to_phone_number = "+13231112233";
    it.rcs = true;
    it.whatsapp = true;
    it.init_conversations = true;
    it.contact = &card;
    it.port = &port;
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    p.items = &it;
    p.item_count = 1;
    p.test = true;
    loopmsg_sender_order_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_order(oc, &p, &r, &err), &err);
    assert_int_equal(err.http_status, 200);
    assert_int_equal(r->count, 1);
    assert_int_equal(r->item_count, 1);
    assert_non_null(r->items[0].id);
    assert_null(r->items[0].name);
    assert_string_equal(r->items[0].phone_region, "US");
    assert_string_equal(r->items[0].zip_code, "90210");
    ts_assert_contains(r->items[0].json, "\"rcs\":true");
    char sid[64];
    snprintf(sid, sizeof sid, "%s", r->items[0].id);
    loopmsg_sender_order_result_free(r);
    /* The single form: every field at the top level, phone_region always sent. */
    ts_assert_request_auth(
        env, 1, "POST", "/api/v1/sender/new/", "", key,
        "{\"plan_id\":\"plan-basic\",\"phone_region\":\"US\",\"zip_code\":\"90210\","
        "\"sms_and_call\":true,\"forwarding_to_phone_number\":\"+13231112233\","
        "\"rcs\":true,\"whatsapp\":true,\"init_conversations\":true,"
        "\"contact\":{\"first_name\":\"John\",\"last_name\":\"Smith\","
        "\"photo_url\":\"https://cdn.example/p.png\"},"
        "\"port\":{\"phone_number\":\"+13231111111\",\"account_number\":\"123456\","
        "\"pin\":\"1234\",\"carrier\":\"Twilio\"},\"test\":true}");

    /* A second order from the same client within 30 s: refused, nothing sent. */
    ts_assert_status(LOOPMSG_E_STATE, loopmsg_sender_order(oc, &p, &r, &err), &err);
    assert_null(r);
    assert_int_equal(err.flags, F_R);
    /* The wait left: under 30 s, and near it unless the run is slowed (valgrind). */
    assert_true(err.retry_after_ms > 0 && err.retry_after_ms <= 30000);
    assert_true(err.retry_after_ms > 25000 || ts_slow());
    ts_assert_contains(err.message, "sender order: Loop allows one order every 30 s");
    ts_assert_contains(err.message, "try again in");
    ts_assert_contains(err.message, "(nothing was sent)");
    assert_int_equal(ts_request_count(env), 2);

    /* Another client of the same account: the server's own rule answers 429, and the order
     * is not resent (one attempt, although 429 is otherwise retried). */
    loopmsg_client *c3 = ts_client(env, NULL);
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, loopmsg_sender_order(c3, &p, &r, &err), &err);
    assert_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 100, F_R | F_S, 1);
    assert_true(err.retry_after_ms >= 1000);
    loopmsg_client_free(c3);
    assert_int_equal(ts_request_count(env), 3);

    /* Activation: sender_name_updated to the organization's own URL with its header. */
    rx_wait(rx, 1, 5000);
    hook *h = &rx->hooks[0];
    assert_string_equal(h->method, "POST");
    assert_string_equal(h->auth, "org-secret");
    assert_string_equal(json_string_value(json_object_get(h->body, "event")),
                        "sender_name_updated");
    assert_string_equal(json_string_value(json_object_get(h->body, "organization_id")), org_id);
    assert_string_equal(json_string_value(json_object_get(h->body, "sender")), sid);
    assert_string_equal(json_string_value(json_object_get(h->body, "status")), "active");
    assert_non_null(json_string_value(json_object_get(h->body, "phone_number")));
    /* ...which the SDK's parser reads as a typed event. */
    loopmsg_webhook_event *ev = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(h->text, strlen(h->text), &ev, &err), &err);
    assert_int_equal(ev->type, LOOPMSG_EVENT_SENDER_NAME_UPDATED);
    assert_string_equal(ev->sender, sid);
    assert_string_equal(ev->organization_id, org_id);
    assert_string_equal(ev->status, "active");
    loopmsg_webhook_event_free(ev);

    loopmsg_sender_details *d = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_get(oc, sid, &d, &err), &err);
    assert_string_equal(d->sender.status, "active");
    loopmsg_sender_details_free(d);
    loopmsg_client_free(oc);
    rx_stop(rx);
}

static void test_platform__sender_order_bulk_and_email(void **state)
{
    ts_env *env = *state;
    loopmsg_sender_contact_card card = {"Ann", NULL, NULL};
    loopmsg_sender_order_item items[2] = {{0}, {0}};
    items[0].plan_id = "plan-pro";
    items[0].phone_region = "GB";
    items[0].contact = &card;
    items[1].plan_id = "plan-basic";
    items[1].email_name = "support";
    items[1].email_domain = "acme.example";
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    p.items = items;
    p.item_count = 2;
    p.test = true;
    loopmsg_sender_order_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_int_equal(r->item_count, 2);
    assert_string_equal(r->items[0].phone_region, "GB");
    assert_string_equal(r->items[1].name, "support@acme.example");
    loopmsg_sender_order_result_free(r);
    ts_assert_request(
        env, 0, "POST", "/api/v1/sender/new/", "",
        "{\"senders\":[{\"plan_id\":\"plan-pro\",\"phone_region\":\"GB\","
        "\"contact\":{\"first_name\":\"Ann\"}},"
        "{\"name\":\"support\",\"domain\":\"acme.example\",\"plan_id\":\"plan-basic\"}],"
        "\"test\":true}");
}

static void test_platform__sender_order_validation_before_io(void **state)
{
    ts_env *env = *state;
    loopmsg_sender_order_item it = {0};
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    loopmsg_sender_order_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: items: at least one sender name is required");
    p.items = &it;
    p.item_count = 1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: plan_id: is required");
    it.plan_id = "plan-basic";
    it.phone_region = "FR";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: phone_region: must be US or GB");
    it.phone_region = "GB";
    it.zip_code = "90210";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: zip_code: for US numbers only");
    it.phone_region = NULL;
    it.zip_code = "9021";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: zip_code: must be 5 digits");
    it.zip_code = NULL;
    it.forwarding_to_phone_number = "+13231112233";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message,
                        "sender order: forwarding_to_phone_number: requires sms_and_call");
    it.forwarding_to_phone_number = NULL;
    loopmsg_sender_contact_card card = {NULL, "Smith", "http://x/p.png"};
    it.contact = &card;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: contact.first_name: is required");
    card.first_name = "J";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    ts_assert_contains(err.message, "sender order: contact.photo_url: ");
    it.contact = NULL;
    loopmsg_sender_port port = {"+13231111111", "123", NULL, "Twilio"};
    it.port = &port;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: port.pin: is required");
    it.port = NULL;
    /* In a bulk order the field names its item. */
    loopmsg_sender_order_item two[2] = {{0}, {0}};
    two[0].plan_id = "plan-basic";
    two[1].plan_id = "plan-basic";
    two[1].email_name = "a@b";
    two[1].email_domain = "acme.example";
    p.items = two;
    p.item_count = 2;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message,
                        "sender order: items[1].email_name: the local part only, without '@'");
    two[1].email_name = "a";
    two[1].rcs = true;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message,
                        "sender order: items[1].email_name: an email sender takes no phone field");
    two[1].rcs = false;
    two[1].email_domain = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_string_equal(err.message, "sender order: items[1].email_domain: is required");
    p.items = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    p.version = 0;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_order(env->client, NULL, &r, &err),
                     &err);
    assert_null(r);
    assert_int_equal(ts_request_count(env), 0);
    /* A refused order does not hold the 30-s guard: a valid one goes out at once. */
    it.phone_region = NULL;
    p.version = LOOPMSG_SENDER_ORDER_PARAMS_VERSION;
    p.items = &it;
    p.item_count = 1;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    loopmsg_sender_order_result_free(r);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_platform__sender_order_maybe_charged(void **state)
{
    ts_env *env = *state;
    loopmsg_sender_order_item it = {0};
    it.plan_id = "plan-basic";
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    p.items = &it;
    p.item_count = 1;
    loopmsg_sender_order_result *r = NULL;
    loopmsg_error err;

    /* A 500 after the server read the order: the outcome is unknown, never resent. */
    ts_script(env, 500, "{\"success\":false,\"code\":100,\"message\":\"Internal error\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_sender_order(env->client, &p, &r, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 500, 100, F_M | F_S, 1);
    ts_assert_contains(err.message, "sender order: may have been charged (the outcome is "
                                    "unknown: check the sender list before ordering again): ");
    assert_int_equal(ts_request_count(env), 1);

    /* A 2xx that cannot be read: accepted, so charged; the same message. */
    loopmsg_client *c2 = ts_client(env, NULL);
    ts_script(env, 200, "{\"count\":1,\"items\":[{\"phone_region\":\"US\"}]}");
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_sender_order(c2, &p, &r, &err), &err);
    assert_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    ts_assert_contains(err.message, "sender order: may have been charged");
    loopmsg_client_free(c2);

    /* A 400: refused by the server, nothing charged, no such message. */
    c2 = ts_client(env, NULL);
    ts_script(env, 400, "{\"success\":false,\"code\":100,\"message\":\"Card declined\"}");
    ts_assert_status(LOOPMSG_E_API, loopmsg_sender_order(c2, &p, &r, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    assert_null(strstr(err.message, "charged"));
    loopmsg_client_free(c2);

    /* Nothing listening: the connection failed before anything left, so it is tried again
     * (ONCE allows that), and the guard does not hold: the next order goes out at once. */
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.base_url = "http://127.0.0.1:9";
    co.max_retries = 2;
    co.retry_delay_ms = 1;
    c2 = ts_client(env, &co);
    ts_assert_status(LOOPMSG_E_TRANSPORT, loopmsg_sender_order(c2, &p, &r, &err), &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 3);
    assert_null(strstr(err.message, "charged"));
    ts_assert_status(LOOPMSG_E_TRANSPORT, loopmsg_sender_order(c2, &p, &r, &err), &err);
    loopmsg_client_free(c2);
    assert_null(r);
}

static int order_calls;
static loopmsg_error order_err;
static char order_id[64];

static void order_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_sender_order_result *r,
                     const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    order_calls++;
    order_err = *err;
    if (r)
        snprintf(order_id, sizeof order_id, "%s", r->items[0].id);
}

static void plans_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_sender_plans *p,
                     const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    assert_int_equal(err->status, LOOPMSG_OK);
    assert_int_equal(p->item_count, 2);
    order_calls++;
}

static void details_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_sender_details *d,
                       const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    assert_int_equal(err->status, LOOPMSG_OK);
    assert_string_equal(d->sender.id, "sender-2");
    order_calls++;
}

static void test_platform__sender_async(void **state)
{
    ts_env *env = *state;
    order_calls = 0;
    done_calls = 0;
    loopmsg_sender_order_item it = {0};
    it.plan_id = "plan-basic";
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    p.items = &it;
    p.item_count = 1;
    loopmsg_request_id rid = 0;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_sender_order_async(env->client, &p, order_cb, NULL, &rid, &err), &err);
    assert_true(rid > 0);
    /* The guard counts from the submission. */
    ts_assert_status(LOOPMSG_E_STATE,
                     loopmsg_sender_order_async(env->client, &p, order_cb, NULL, &rid, &err), &err);
    assert_int_equal(rid, 0);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(order_calls, 1);
    assert_int_equal(order_err.status, LOOPMSG_OK);
    assert_non_null(order_id[0] ? order_id : NULL);

    ts_assert_status(LOOPMSG_OK,
                     loopmsg_sender_plans_get_async(env->client, plans_cb, NULL, NULL, &err), &err);
    /* One at a time: requests in flight together reach the server in any order. */
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    ts_assert_status(
        LOOPMSG_OK,
        loopmsg_sender_move_async(env->client, "sender-2", "org-1", details_cb, NULL, NULL, &err),
        &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_sender_cancel_async(env->client, order_id, del_cb, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(env->client, &err), &err);
    assert_int_equal(order_calls, 3);
    assert_int_equal(done_calls, 1);
    ts_assert_request(env, 1, "GET", "/api/v1/sender/plans/", "", NULL);
    ts_assert_request(env, 2, "PATCH", "/api/v1/sender/sender-2/", "",
                      "{\"organization_id\":\"org-1\"}");
    char path[128];
    snprintf(path, sizeof path, "/api/v1/sender/%s/cancel/", order_id);
    ts_assert_request(env, 3, "DELETE", path, "", NULL);

    /* An order that fails with an unknown outcome: the callback's error says so too. */
    loopmsg_client *c2 = ts_client(env, NULL);
    ts_script(env, 502, "bad gateway");
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_order_async(c2, &p, order_cb, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c2, &err), &err);
    assert_int_equal(order_calls, 4);
    assert_int_equal(order_err.attempts, 1);
    assert_true(order_err.flags & F_M);
    ts_assert_contains(order_err.message, "sender order: may have been charged");
    /* A pending order when the client is freed: its callback runs (cancelled), no leak. */
    loopmsg_client_free(c2);
    c2 = ts_client(env, NULL);
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_order_async(c2, &p, order_cb, NULL, NULL, &err),
                     &err);
    loopmsg_client_free(c2);
    assert_int_equal(order_calls, 5);
    assert_int_equal(order_err.status, LOOPMSG_E_CANCELLED);
}

static void test_platform__sender_plans_move_cancel(void **state)
{
    ts_env *env = *state;
    loopmsg_sender_plans *pl = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_plans_get(env->client, &pl, &err), &err);
    assert_int_equal(pl->count, 2);
    assert_int_equal(pl->item_count, 2);
    assert_string_equal(pl->items[0].id, "plan-basic");
    assert_string_equal(pl->items[0].name, "Basic");
    assert_int_equal(pl->items[0].daily_contacts, 50);
    assert_int_equal(pl->items[0].monthly_contacts, 1000);
    assert_true(pl->items[0].monthly_fee > 99.99 && pl->items[0].monthly_fee < 100.01);
    assert_string_equal(pl->items[0].currency, "USD");
    loopmsg_sender_plans_free(pl);
    ts_assert_request(env, 0, "GET", "/api/v1/sender/plans/", "", NULL);

    receiver *rx = rx_start();
    char org_id[64], key[128];
    make_org(env, rx, org_id, sizeof org_id, key, sizeof key);
    loopmsg_sender_details *d = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_move(env->client, "sender-1", org_id, &d, &err),
                     &err);
    assert_string_equal(d->sender.id, "sender-1");
    loopmsg_sender_details_free(d);
    char body[160];
    snprintf(body, sizeof body, "{\"organization_id\":\"%s\"}", org_id);
    ts_assert_request(env, 2, "PATCH", "/api/v1/sender/sender-1/", "", body);
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_move(env->client, "sender-1", org_id, NULL, &err),
                     &err);

    /* The organization's own key may not move senders (default-org key required). */
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = key;
    loopmsg_client *oc = ts_client(env, &co);
    ts_assert_status(LOOPMSG_E_API, loopmsg_sender_move(oc, "sender-1", "org-1", NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    ts_assert_contains(err.message, "default organization");
    ts_assert_status(LOOPMSG_E_API,
                     loopmsg_sender_move(env->client, "sender-1", "nope", NULL, &err), &err);
    ts_assert_contains(err.message, "organization_id: unknown organization");
    ts_assert_status(LOOPMSG_E_NOT_FOUND,
                     loopmsg_sender_move(env->client, "nope", org_id, NULL, &err), &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    /* The organization still has an active sender: it cannot be deleted. */
    ts_assert_status(LOOPMSG_E_API, loopmsg_org_delete(env->client, org_id, &err), &err);
    ts_assert_contains(err.message, "active sender names");

    /* Cancel with the organization's key: the sender is its own now. */
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_cancel(oc, "sender-1", &err), &err);
    size_t n = ts_request_count(env);
    ts_assert_request_auth(env, n - 1, "DELETE", "/api/v1/sender/sender-1/cancel/", "", key, NULL);
    ts_assert_status(LOOPMSG_OK, loopmsg_sender_get(env->client, "sender-1", &d, &err), &err);
    assert_string_equal(d->sender.status, "canceled");
    loopmsg_sender_details_free(d);
    ts_assert_status(LOOPMSG_E_API, loopmsg_sender_cancel(oc, "sender-1", &err), &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_sender_cancel(oc, "sender-2", &err), &err);
    loopmsg_client_free(oc);
    /* The cancellation's webhook went to the organization's URL. */
    rx_wait(rx, 1, 3000);
    assert_string_equal(json_string_value(json_object_get(rx->hooks[0].body, "status")),
                        "canceled");
    assert_string_equal(rx->hooks[0].auth, "org-secret");
    rx_stop(rx);
    ts_assert_status(LOOPMSG_OK, loopmsg_org_delete(env->client, org_id, &err), &err);

    /* Validation before I/O. */
    n = ts_request_count(env);
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_sender_move(env->client, "sender-1", "", NULL, &err), &err);
    assert_string_equal(err.message, "sender move: organization_id: must not be empty");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_cancel(env->client, NULL, &err), &err);
    assert_string_equal(err.message, "sender cancel: id: is required");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_sender_plans_get(env->client, NULL, &err),
                     &err);
    assert_int_equal(ts_request_count(env), n);
}

static void test_platform__senders_cli(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    const char *plans[] = {"senders", "plans", NULL};
    assert_int_equal(ts_cli_run(&cli, env, plans, NULL), 0);
    ts_assert_contains(cli.out, "plan-basic\tBasic\t50/day\t1000/month\t100.00 USD");
    ts_cli_free(&cli);
    /* A paying command without --yes and stdin not a terminal: refused, nothing sent. */
    const char *order[] = {"senders", "order", "--plan", "plan-basic", "--test", NULL};
    assert_int_equal(ts_cli_run(&cli, env, order, NULL), 2);
    ts_assert_contains(cli.err, "refusing without --yes");
    ts_cli_free(&cli);
    const char *cancel[] = {"senders", "cancel", "sender-2", NULL};
    assert_int_equal(ts_cli_run(&cli, env, cancel, NULL), 2);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 1);
    const char *order_yes[] = {
        "senders",      "order",        "--plan", "plan-basic", "--zip",
        "10001",        "--first-name", "Ann",    "--rcs",      "--sms-and-call",
        "--forward-to", "+13231112233", "--test", "--yes",      NULL};
    assert_int_equal(ts_cli_run(&cli, env, order_yes, NULL), 0);
    ts_assert_contains(cli.out, "ordered ");
    ts_assert_contains(cli.out, "test purchase");
    ts_cli_free(&cli);
    ts_assert_request(env, 1, "POST", "/api/v1/sender/new/", "",
                      "{\"plan_id\":\"plan-basic\",\"phone_region\":\"US\",\"zip_code\":\"10001\","
                      "\"sms_and_call\":true,\"forwarding_to_phone_number\":\"+13231112233\","
                      "\"rcs\":true,\"contact\":{\"first_name\":\"Ann\"},\"test\":true}");
    /* A second process orders at once: the server's 30-s rule answers. */
    const char *email[] = {"senders", "order",           "--plan", "plan-basic",
                           "--email", "hi@acme.example", "--yes",  NULL};
    assert_int_equal(ts_cli_run(&cli, env, email, NULL), 3);
    ts_assert_contains(cli.err, "one sender order every 30 seconds");
    ts_cli_free(&cli);
    ts_assert_request(env, 2, "POST", "/api/v1/sender/new/", "",
                      "{\"name\":\"hi\",\"domain\":\"acme.example\",\"plan_id\":\"plan-basic\"}");
    const char *cancel_yes[] = {"senders", "cancel", "sender-2", "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, cancel_yes, NULL), 0);
    ts_assert_contains(cli.out, "canceled sender sender-2");
    ts_cli_free(&cli);
    ts_assert_request(env, 3, "DELETE", "/api/v1/sender/sender-2/cancel/", "", NULL);
    const char *move[] = {"--json", "senders", "move", "sender-1", "--org", "org-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, move, NULL), 0);
    ts_assert_contains(cli.out, "\"id\":\"sender-1\"");
    ts_cli_free(&cli);
    ts_assert_request(env, 4, "PATCH", "/api/v1/sender/sender-1/", "",
                      "{\"organization_id\":\"org-1\"}");
    const char *move_no_org[] = {"senders", "move", "sender-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, move_no_org, NULL), 2);
    ts_assert_contains(cli.err, "--org ORG_ID is required");
    ts_cli_free(&cli);
    const char *list[] = {"senders", "list", NULL};
    assert_int_equal(ts_cli_run(&cli, env, list, NULL), 0);
    ts_assert_contains(cli.out, "sender-1");
    ts_cli_free(&cli);
}

static void test_platform__senders_cli_file(void **state)
{
    ts_env *env = *state;
    char path[] = "/tmp/loopmsg-order-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "{\"senders\":[{\"plan_id\":\"plan-pro\",\"phone_region\":\"GB\"},"
                        "{\"name\":\"s2\",\"domain\":\"acme.example\",\"plan_id\":\"plan-basic\"}],"
                        "\"test\":true}";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    ts_cli cli;
    const char *order[] = {"--json", "senders", "order", "--file", path, "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, order, NULL), 0);
    ts_assert_contains(cli.out, "\"count\":2");
    ts_cli_free(&cli);
    ts_assert_request(env, 0, "POST", "/api/v1/sender/new/", "", text);
    const char *missing[] = {"senders", "order", "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, missing, NULL), 2);
    ts_assert_contains(cli.err, "--file F or --plan ID is required");
    ts_cli_free(&cli);
    unlink(path);
}

/* ---- frontend opt-in --------------------------------------------------------------------- */

static void test_platform__optin_frontend(void **state)
{
    ts_env *env = *state;
    /* The method's own host, here the emulator. */
    setenv("LOOP_OPTIN_BASE_URL", env->url, 1);
    loopmsg_client *c = ts_client(env, NULL);
    unsetenv("LOOP_OPTIN_BASE_URL");
    loopmsg_field fields[2] = {{"param1", "abcd 1234"}, {"utm_medium", "a&b=c"}};
    loopmsg_optin_params p = LOOPMSG_OPTIN_PARAMS_INIT;
    p.body = "hello world [opt-in-code]";
    p.sender_type = "shared";
    p.fields = fields;
    p.field_count = 2;
    loopmsg_optin_url *u = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_optin_frontend_url(c, "org-1", &p, &u, &err), &err);
    assert_non_null(u->id);
    ts_assert_contains(u->url, "https://opt-in.imsg.link/opt-in/");
    ts_assert_contains(u->imessage, "imessage://");
    loopmsg_optin_url_free(u);
    /* GET, the organization in the path, everything in the query, and no key. */
    loopmsg_emulator_request *r = ts_request(env, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/tracker-api/v1/generate-url/org-1/");
    assert_string_equal(r->query, "body=hello%20world%20%5Bopt-in-code%5D&sender_type=shared&"
                                  "param1=abcd%201234&utm_medium=a%26b%3Dc");
    assert_null(r->authorization);
    assert_int_equal(r->body_len, 0);
    loopmsg_emulator_request_free(r);

    /* An unknown organization: 404. */
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_optin_frontend_url(c, "nope", &p, &u, &err),
                     &err);
    assert_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    /* Validation before I/O, naming the field. */
    size_t n = ts_request_count(env);
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_frontend_url(c, "", &p, &u, &err), &err);
    assert_string_equal(err.message, "opt-in frontend: organization_id: must not be empty");
    p.contact = "+14155550142";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_frontend_url(c, "org-1", &p, &u, &err),
                     &err);
    assert_string_equal(err.message, "opt-in frontend: contact: not taken by the frontend method");
    p.contact = NULL;
    p.body = "no placeholder";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_optin_frontend_url(c, "org-1", &p, &u, &err),
                     &err);
    ts_assert_contains(err.message, "body: must contain the placeholder [opt-in-code]");
    assert_int_equal(ts_request_count(env), n);
    loopmsg_client_free(c);

    /* The plaintext rule holds for its host too. */
    setenv("LOOP_OPTIN_BASE_URL", "http://example.com", 1);
    loopmsg_client *bad = NULL;
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = TS_KEY;
    co.base_url = env->url;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&co, &bad, &err), &err);
    unsetenv("LOOP_OPTIN_BASE_URL");
    ts_assert_contains(err.message, "LOOP_OPTIN_BASE_URL: plaintext http:// is only allowed");
    assert_null(bad);
}

static int optin_calls;

static void optin_cb(loopmsg_client *c, loopmsg_request_id id, const loopmsg_optin_url *u,
                     const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)ud;
    assert_int_equal(err->status, LOOPMSG_OK);
    assert_non_null(u->url);
    optin_calls++;
}

static void test_platform__optin_frontend_async_and_cli(void **state)
{
    ts_env *env = *state;
    setenv("LOOP_OPTIN_BASE_URL", env->url, 1);
    loopmsg_client *c = ts_client(env, NULL);
    unsetenv("LOOP_OPTIN_BASE_URL");
    loopmsg_optin_params p = LOOPMSG_OPTIN_PARAMS_INIT;
    p.body = "[opt-in-code]";
    loopmsg_error err;
    optin_calls = 0;
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_optin_frontend_url_async(c, "org-1", &p, optin_cb, NULL, NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(optin_calls, 1);
    loopmsg_client_free(c);

    /* The CLI needs no key for it. */
    char base[160];
    snprintf(base, sizeof base, "LOOP_OPTIN_BASE_URL=%s", env->url);
    const char *extra[] = {base, NULL};
    const char *argv[] = {"opt-in",           "url",     "--org", "org-1", "--body",
                          "hi [opt-in-code]", "--field", "k=v",   NULL};
    ts_cli_opts o = {0};
    o.extra_env = extra;
    o.no_key = 1;
    ts_cli cli;
    ts_cli_start_ex(&cli, env, argv, &o);
    assert_int_equal(ts_cli_wait(&cli, 10000), 0);
    ts_assert_contains(cli.out, "https://opt-in.imsg.link/opt-in/");
    ts_cli_free(&cli);
    loopmsg_emulator_request *r = ts_request(env, 1);
    assert_string_equal(r->path, "/tracker-api/v1/generate-url/org-1/");
    assert_string_equal(r->query, "body=hi%20%5Bopt-in-code%5D&k=v");
    assert_null(r->authorization);
    loopmsg_emulator_request_free(r);
}

/* ---- emulator checks ---------------------------------------------------------------------- */

static void test_platform__emulator_unknown_targets(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params sp = LOOPMSG_SEND_PARAMS_INIT;
    sp.contact = "+14155550142";
    sp.text = "first";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &sp, &r, &err), &err);
    char mid[64];
    snprintf(mid, sizeof mid, "%s", r->message_id);
    loopmsg_send_result_free(r);
    /* A reply to a message the account does not have: 590. */
    sp.text = "reply";
    sp.reply_to_id = "no-such-message";
    ts_assert_status(LOOPMSG_E_API, loopmsg_message_send(env->client, &sp, &r, &err), &err);
    assert_int_equal(err.api_code, 590);
    assert_int_equal(err.http_status, 400);
    sp.reply_to_id = mid;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &sp, &r, &err), &err);
    loopmsg_send_result_free(r);
    /* A reaction to an unknown message: 610; to a known one: accepted. */
    loopmsg_reaction_params rp = LOOPMSG_REACTION_PARAMS_INIT;
    rp.contact = "+14155550142";
    rp.message_id = "no-such-message";
    rp.reaction = LOOPMSG_REACTION_LOVE;
    ts_assert_status(LOOPMSG_E_API, loopmsg_message_send_reaction(env->client, &rp, &r, &err),
                     &err);
    assert_int_equal(err.api_code, 610);
    rp.message_id = mid;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_reaction(env->client, &rp, &r, &err), &err);
    loopmsg_send_result_free(r);
}

static void test_platform__emulator_org_webhooks_and_reset(void **state)
{
    ts_env *env = *state;
    receiver *rx = rx_start();
    char org_id[64], key[128];
    make_org(env, rx, org_id, sizeof org_id, key, sizeof key);
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = key;
    loopmsg_client *oc = ts_client(env, &co);
    /* Sent with the organization's key: its delivery webhook goes to its own URL. */
    loopmsg_send_params sp = LOOPMSG_SEND_PARAMS_INIT;
    sp.contact = "+14155550142";
    sp.text = "from the org";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(oc, &sp, &r, &err), &err);
    char mid[64];
    snprintf(mid, sizeof mid, "%s", r->message_id);
    loopmsg_send_result_free(r);
    /* Sent with the default key: not to the organization's URL. */
    sp.text = "from the default org";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &sp, &r, &err), &err);
    loopmsg_send_result_free(r);
    rx_wait(rx, 1, 3000);
    /* Both sends queued their webhooks when answered: once none is left, a second one at the
     * organization's URL would have arrived. */
    ts_emu_wait_idle(env->emu, 20000);
    assert_int_equal(rx_count(rx), 1);
    assert_string_equal(rx->hooks[0].auth, "org-secret");
    assert_string_equal(json_string_value(json_object_get(rx->hooks[0].body, "event")),
                        "message_delivered");
    assert_string_equal(json_string_value(json_object_get(rx->hooks[0].body, "message_id")), mid);

    /* A sandbox reset with the state forgets the organizations and their keys. */
    ts_assert_status(LOOPMSG_OK,
                     loopmsg_emulator_control(env->url, "reset", "{\"state\":true}", NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_E_AUTH, loopmsg_message_send(oc, &sp, &r, &err), &err);
    assert_int_equal(err.api_code, 130);
    loopmsg_page *page = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_orgs_list(env->client, NULL, &page, &err), &err);
    assert_int_equal(page->item_count, 1);
    loopmsg_page_free(page);
    loopmsg_client_free(oc);
    rx_stop(rx);
}

/* ---- confirmation on a terminal ------------------------------------------------------------ */

/* Run the CLI with stdin and stderr on a pseudo-terminal, answer `answer` once the prompt
 * "[y/N]" shows, and return its exit code; what it wrote to the terminal goes to screen. */
static int run_on_tty(ts_env *env, const char *const *args, const char *answer, char *screen,
                      size_t screen_size)
{
    const char *cli = getenv("LOOPMSG_CLI");
    assert_non_null(cli);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    char slave_name[128];
    assert_int_equal(ptsname_r(master, slave_name, sizeof slave_name), 0);
    char base[192], key[64], asan[512];
    snprintf(base, sizeof base, "LOOP_BASE_URL=%s", env->url);
    const char *asan_opts = getenv("ASAN_OPTIONS");
    snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s", asan_opts ? asan_opts : "");
    snprintf(key, sizeof key, "LOOP_API_KEY=%s", TS_KEY);
    const char *argv[32] = {cli};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid();
        int slave = open(slave_name, O_RDWR);
        if (slave < 0)
            _exit(127);
        dup2(slave, STDIN_FILENO);
        dup2(slave, STDERR_FILENO);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        close(master);
        const char *envp[] = {base, key, "PATH=/usr/bin:/bin", asan, NULL};
        execve(cli, (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    size_t len = 0;
    screen[0] = '\0';
    bool answered = false;
    uint64_t end = ts_now_ms() + 10000;
    int status = 0;
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        if (poll(&pf, 1, 50) > 0 && (pf.revents & POLLIN)) {
            ssize_t r = read(master, screen + len, screen_size - 1 - len);
            if (r > 0) {
                len += (size_t)r;
                screen[len] = '\0';
            }
        }
        if (!answered && strstr(screen, "[y/N]")) {
            assert_int_equal(write(master, answer, strlen(answer)), (ssize_t)strlen(answer));
            answered = true;
        }
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        if (ts_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("the CLI did not finish; terminal: %s", screen);
        }
    }
    /* The CLI may have written its last words just before it exited: read what the terminal
     * still holds (read fails with EIO once it is drained and the other side is closed). */
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN) || len + 1 >= screen_size)
            break;
        ssize_t r = read(master, screen + len, screen_size - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        screen[len] = '\0';
    }
    close(master);
    assert_true(answered);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_platform__confirm_on_terminal(void **state)
{
    ts_env *env = *state;
    char screen[4096];
    /* Declined: nothing sent. */
    const char *cancel[] = {"senders", "cancel", "sender-2", NULL};
    assert_int_equal(run_on_tty(env, cancel, "n\n", screen, sizeof screen), 1);
    ts_assert_contains(screen, "cancel the sender name? [y/N]");
    ts_assert_contains(screen, "not confirmed; nothing was sent");
    assert_int_equal(ts_request_count(env), 0);
    /* Confirmed: sent. */
    assert_int_equal(run_on_tty(env, cancel, "y\n", screen, sizeof screen), 0);
    ts_assert_request(env, 0, "DELETE", "/api/v1/sender/sender-2/cancel/", "", NULL);
    const char *del[] = {"pools", "delete", "pool-1", NULL};
    assert_int_equal(run_on_tty(env, del, "yes\n", screen, sizeof screen), 0);
    ts_assert_contains(screen, "delete the pool? [y/N]");
    ts_assert_request(env, 1, "DELETE", "/api/v1/pool/pool-1/", "", NULL);
    const char *order[] = {"senders", "order", "--plan", "plan-basic", "--test", NULL};
    assert_int_equal(run_on_tty(env, order, "\n", screen, sizeof screen), 1);
    ts_assert_contains(screen, "order (and pay for) the sender name(s)? [y/N]");
    assert_int_equal(ts_request_count(env), 2);
}

/* ---- CLI ------------------------------------------------------------------------------- */

static void test_platform__cli_orgs_and_yes(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    const char *create[] = {"--json",
                            "orgs",
                            "create",
                            "--name",
                            "Cli Org",
                            "--website",
                            "https://c.example/",
                            "--support-url",
                            "https://c.example/s/",
                            "--country",
                            "US",
                            NULL};
    assert_int_equal(ts_cli_run(&cli, env, create, NULL), 0);
    ts_assert_contains(cli.out, "\"name\":\"Cli Org\"");
    char id[64] = {0};
    const char *p = strstr(cli.out, "\"id\":\"");
    assert_non_null(p);
    sscanf(p + 6, "%63[^\"]", id);
    ts_cli_free(&cli);
    ts_assert_request(env, 0, "POST", "/api/v1/organizations/new/", "",
                      "{\"name\":\"Cli Org\",\"website\":\"https://c.example/\","
                      "\"support_url\":\"https://c.example/s/\",\"country\":\"US\"}");

    const char *list[] = {"orgs", "list", "--search", "cli", NULL};
    assert_int_equal(ts_cli_run(&cli, env, list, NULL), 0);
    ts_assert_contains(cli.out, id);
    ts_assert_contains(cli.out, "Cli Org\tactive");
    ts_cli_free(&cli);
    ts_assert_request(env, 1, "GET", "/api/v1/organizations/list/", "search=cli", NULL);

    /* stdin is not a terminal: no --yes, no request. */
    const char *del[] = {"orgs", "delete", id, NULL};
    assert_int_equal(ts_cli_run(&cli, env, del, NULL), 2);
    ts_assert_contains(cli.err, "refusing without --yes");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 2);
    const char *del_yes[] = {"orgs", "delete", id, "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, del_yes, NULL), 0);
    ts_cli_free(&cli);
    char path[160];
    snprintf(path, sizeof path, "/api/v1/organizations/details/%s/", id);
    ts_assert_request(env, 2, "DELETE", path, "", NULL);

    const char *upd[] = {"orgs", "update", "org-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, upd, NULL), 2);
    ts_assert_contains(cli.err, "nothing to update");
    ts_cli_free(&cli);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_platform__org_create_get_update_delete),
        T(test_platform__org_key_only_with_webhook),
        T(test_platform__org_validation_before_io),
        T(test_platform__org_key_never_logged),
        T(test_platform__org_async),
        T(test_platform__cli_orgs_and_yes),
        T(test_platform__pools),
        T(test_platform__pools_cli),
        T(test_platform__sender_order_single_and_guard),
        T(test_platform__sender_order_bulk_and_email),
        T(test_platform__sender_order_validation_before_io),
        T(test_platform__sender_order_maybe_charged),
        T(test_platform__sender_async),
        T(test_platform__sender_plans_move_cancel),
        T(test_platform__senders_cli),
        T(test_platform__senders_cli_file),
        T(test_platform__optin_frontend),
        T(test_platform__optin_frontend_async_and_cli),
        T(test_platform__emulator_unknown_targets),
        T(test_platform__emulator_org_webhooks_and_reset),
        T(test_platform__confirm_on_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
