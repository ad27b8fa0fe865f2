/* SPDX-License-Identifier: MIT */
/*
 * test_platform.c: the operator side of the platform on the wire and against the emulator's
 * state: organizations (list, details, create with the key returned and wiped, update by
 * PATCH, delete, the default-organization rule), with every request's method, exact path,
 * headers and body, and every error field.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_req_key(ts_env *env, size_t i, const char *method, const char *path,
                           const char *query, const char *key, const char *body)
{
    loopmsg_emulator_request *r = ts_request(env, i);
    assert_string_equal(r->method, method);
    assert_string_equal(r->path, path);
    assert_string_equal(r->query, query);
    assert_string_equal(r->authorization, key);
    assert_string_equal(r->content_type, "application/json");
    if (body)
        ts_assert_json_eq(body, r->body);
    else
        assert_int_equal(r->body_len, 0);
    loopmsg_emulator_request_free(r);
}

static void assert_req(ts_env *env, size_t i, const char *method, const char *path,
                       const char *query, const char *body)
{
    assert_req_key(env, i, method, path, query, TS_KEY, body);
}

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
    assert_req(
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
    assert_req(env, 1, "GET", path, "", NULL);
    loopmsg_org_free(o);

    /* The new key authenticates, reads its own organization, and nothing that needs the
     * default organization's key. */
    loopmsg_client_options co = LOOPMSG_CLIENT_OPTIONS_INIT;
    co.api_key = key;
    loopmsg_client *oc = ts_client(env, &co);
    ts_assert_status(LOOPMSG_OK, loopmsg_org_get(oc, id, &o, &err), &err);
    loopmsg_org_free(o);
    assert_req_key(env, 2, "GET", path, "", key, NULL);
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
    assert_req(env, 5, "PATCH", path, "", "{\"name\":\"Acme Europe\"}");
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
    assert_req(env, 7, "GET", "/api/v1/organizations/list/", "search=europe", NULL);
    loopmsg_page_free(page);
    ts_assert_status(
        LOOPMSG_OK, loopmsg_list_all(env->client, LOOPMSG_LIST_ORGANIZATIONS, NULL, 0, &page, &err),
        &err);
    assert_int_equal(page->item_count, 2);
    loopmsg_page_free(page);

    ts_assert_status(LOOPMSG_OK, loopmsg_org_delete(env->client, id, &err), &err);
    assert_req(env, 9, "DELETE", path, "", NULL);
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
    assert_req(env, 0, "POST", "/api/v1/pool/new/", "",
               "{\"name\":\"new pool\",\"ids\":[\"sender-1\",\"sender-2\"]}");
    char id[64], path[128];
    snprintf(id, sizeof id, "%s", d->pool.id);
    snprintf(path, sizeof path, "/api/v1/pool/%s/", id);
    loopmsg_pool_details_free(d);

    ts_assert_status(LOOPMSG_OK, loopmsg_pool_get(env->client, id, &d, &err), &err);
    assert_string_equal(d->status, "active");
    loopmsg_pool_details_free(d);
    assert_req(env, 1, "GET", path, "", NULL);

    /* Update and delete go to the pool path (spec §4.5), never to /api/v1/sender/{id}/. */
    loopmsg_pool_params u = LOOPMSG_POOL_PARAMS_INIT;
    u.sender_ids = ids;
    u.sender_id_count = 1;
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_update(env->client, id, &u, &err), &err);
    assert_req(env, 2, "PATCH", path, "", "{\"ids\":[\"sender-1\"]}");
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_get(env->client, id, &d, &err), &err);
    assert_int_equal(d->pool.count, 1);
    loopmsg_pool_details_free(d);
    ts_assert_status(LOOPMSG_OK, loopmsg_pool_delete(env->client, id, &err), &err);
    assert_req(env, 4, "DELETE", path, "", NULL);
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
    assert_req(env, 0, "POST", "/api/v1/pool/new/", "",
               "{\"name\":\"Cli pool\",\"ids\":[\"sender-1\"]}");
    const char *del[] = {"pools", "delete", "pool-1", NULL};
    assert_int_equal(ts_cli_run(&cli, env, del, NULL), 2);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 1);
    const char *del_yes[] = {"pools", "delete", "pool-1", "--yes", NULL};
    assert_int_equal(ts_cli_run(&cli, env, del_yes, NULL), 0);
    ts_cli_free(&cli);
    assert_req(env, 1, "DELETE", "/api/v1/pool/pool-1/", "", NULL);
    const char *list[] = {"pools", "list", NULL};
    assert_int_equal(ts_cli_run(&cli, env, list, NULL), 0);
    ts_assert_contains(cli.out, "Cli pool");
    ts_cli_free(&cli);
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
    assert_req(env, 0, "POST", "/api/v1/organizations/new/", "",
               "{\"name\":\"Cli Org\",\"website\":\"https://c.example/\","
               "\"support_url\":\"https://c.example/s/\",\"country\":\"US\"}");

    const char *list[] = {"orgs", "list", "--search", "cli", NULL};
    assert_int_equal(ts_cli_run(&cli, env, list, NULL), 0);
    ts_assert_contains(cli.out, id);
    ts_assert_contains(cli.out, "Cli Org\tactive");
    ts_cli_free(&cli);
    assert_req(env, 1, "GET", "/api/v1/organizations/list/", "search=cli", NULL);

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
    assert_req(env, 2, "DELETE", path, "", NULL);

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
