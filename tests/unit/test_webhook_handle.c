/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_handle.c: loopmsg_webhook_handle(), the framework-agnostic handler: the HTTP
 * status and body for health checks, wrong path, wrong method, bad credentials, oversized and
 * malformed bodies, and the parsed event handed over on a 200 (decision 14).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include <loopmsg.h>

static const char *const secrets[] = {"hook-secret"};
static const char *const body_ok = "{\"event\":\"message_inbound\",\"webhook_id\":\"w-1\","
                                   "\"contact\":\"+14155550142\",\"text\":\"hi\"}";

static loopmsg_webhook_handler_config config(void)
{
    loopmsg_webhook_handler_config cfg = LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT;
    cfg.path = "/webhook";
    cfg.secrets = secrets;
    cfg.secret_count = 1;
    cfg.max_body_bytes = 4096;
    return cfg;
}

static loopmsg_webhook_request request(const char *method, const char *path, const char *auth,
                                       const char *body)
{
    loopmsg_webhook_request r = LOOPMSG_WEBHOOK_REQUEST_INIT;
    r.method = method;
    r.path = path;
    r.authorization = auth;
    r.body = body;
    r.body_len = body ? strlen(body) : 0;
    return r;
}

/* Run the handler and check the status, the body and the status code it returns. */
static void expect(const loopmsg_webhook_handler_config *cfg, const loopmsg_webhook_request *req,
                   int http, const char *body, loopmsg_status st)
{
    loopmsg_webhook_response resp;
    loopmsg_error err;
    loopmsg_status got = loopmsg_webhook_handle(&resp, cfg, req, &err);
    if (resp.status != http || got != st)
        fail_msg("%s %s: HTTP %d status %d (%s); want HTTP %d status %d", req->method,
                 req->path ? req->path : "(null)", resp.status, got, err.message, http, st);
    assert_int_equal(err.status, st);
    assert_string_equal(resp.body, body);
    assert_int_equal(resp.body_len, strlen(body));
    assert_string_equal(resp.content_type, "application/json");
    if (http == 200 && strcmp(req->method, "POST") == 0)
        assert_non_null(resp.event);
    else
        assert_null(resp.event);
    loopmsg_webhook_response_clear(&resp);
    assert_null(resp.event);
}

static void test_webhook_handle__health(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("GET", "/health", NULL, NULL);
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    r.path = "/health?probe=1";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    /* No credentials needed, even with a configured path elsewhere. */
    expect(NULL, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    r.path = "/healthz";
    expect(&cfg, &r, 404, "{\"error\":\"not found\"}", LOOPMSG_E_NOT_FOUND);
}

static void test_webhook_handle__accepts_and_hands_over_the_event(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", body_ok);
    loopmsg_webhook_response resp;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_handle(&resp, &cfg, &r, &err), LOOPMSG_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{\"status\":\"ok\"}");
    assert_non_null(resp.event);
    assert_int_equal(resp.event->type, LOOPMSG_EVENT_MESSAGE_INBOUND);
    assert_string_equal(resp.event->webhook_id, "w-1");
    assert_string_equal(resp.event->raw, body_ok);
    /* The caller takes the event: clearing the response then frees nothing. */
    loopmsg_webhook_event *taken = resp.event;
    resp.event = NULL;
    loopmsg_webhook_response_clear(&resp);
    assert_string_equal(taken->contact, "+14155550142");
    loopmsg_webhook_event_free(taken);
    loopmsg_webhook_response_clear(NULL);
}

static void test_webhook_handle__wrong_path_404(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("POST", "/webhook/", "hook-secret", body_ok);
    expect(&cfg, &r, 404, "{\"error\":\"not found\"}", LOOPMSG_E_NOT_FOUND);
    r.path = "/";
    expect(&cfg, &r, 404, "{\"error\":\"not found\"}", LOOPMSG_E_NOT_FOUND);
    r.path = NULL;
    expect(&cfg, &r, 404, "{\"error\":\"not found\"}", LOOPMSG_E_NOT_FOUND);
    /* No configured path: any path receives webhooks. */
    cfg.path = NULL;
    r.path = "/anything/at/all";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    r.path = NULL;
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
}

static void test_webhook_handle__wrong_method_405(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    static const char *const methods[] = {"GET", "PUT", "DELETE", "HEAD", "post", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        loopmsg_webhook_request r = request(methods[i], "/webhook", "hook-secret", body_ok);
        expect(&cfg, &r, 405, "{\"error\":\"method not allowed\"}", LOOPMSG_E_INVALID_ARG);
    }
}

static void test_webhook_handle__auth_401(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("POST", "/webhook", "wrong", body_ok);
    expect(&cfg, &r, 401, "{\"error\":\"unauthorized\"}", LOOPMSG_E_WEBHOOK_AUTH);
    r.authorization = NULL;
    expect(&cfg, &r, 401, "{\"error\":\"unauthorized\"}", LOOPMSG_E_WEBHOOK_AUTH);
    /* The other accepted forms. */
    r.authorization = "Bearer hook-secret";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    r.authorization = NULL;
    r.query = "secret=hook-secret";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    /* A query string left on the path is split off when query is NULL. */
    r.query = NULL;
    r.path = "/webhook?secret=hook-secret";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    r.path = "/webhook?secret=nope";
    expect(&cfg, &r, 401, "{\"error\":\"unauthorized\"}", LOOPMSG_E_WEBHOOK_AUTH);
    /* No secrets configured: authentication is off. */
    cfg.secret_count = 0;
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
}

static void test_webhook_handle__too_large_413(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, ' ', 4999);
    big[4999] = '\0';
    memcpy(big, "{\"event\":\"x\"}", 13);
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", big);
    expect(&cfg, &r, 413, "{\"error\":\"payload too large\"}", LOOPMSG_E_TOO_LARGE);
    /* Credentials are checked before the size: an unauthenticated big body is a 401. */
    r.authorization = "wrong";
    expect(&cfg, &r, 401, "{\"error\":\"unauthorized\"}", LOOPMSG_E_WEBHOOK_AUTH);
    /* The default limit is 1 MiB. */
    cfg.max_body_bytes = 0;
    r.authorization = "hook-secret";
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
    free(big);
}

static void test_webhook_handle__bad_body_400(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    static const char *const bodies[] = {"",
                                         "not json",
                                         "[1,2]",
                                         "{}",
                                         "{\"event\":1}",
                                         "{\"event\":\"message_inbound\",\"contact\":5}",
                                         "{\"event\":\"a\",\"event\":\"b\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", bodies[i]);
        expect(&cfg, &r, 400, "{\"error\":\"bad request\"}", LOOPMSG_E_PROTOCOL);
    }
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", NULL);
    expect(&cfg, &r, 400, "{\"error\":\"bad request\"}", LOOPMSG_E_PROTOCOL);
}

static void test_webhook_handle__error_message_names_the_problem(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret",
                                        "{\"event\":\"message_inbound\",\"group\":{\"id\":1}}");
    loopmsg_webhook_response resp;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_handle(&resp, &cfg, &r, &err), LOOPMSG_E_PROTOCOL);
    assert_string_equal(err.message, "webhook field \"group.id\" must be a string");
    loopmsg_webhook_response_clear(&resp);
}

static void test_webhook_handle__invalid_arguments(void **state)
{
    (void)state;
    loopmsg_webhook_response resp;
    loopmsg_error err;
    loopmsg_webhook_request r = request("POST", "/webhook", NULL, body_ok);
    assert_int_equal(loopmsg_webhook_handle(NULL, NULL, &r, &err), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_webhook_handle(&resp, NULL, NULL, &err), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(resp.status, 500);
    assert_string_equal(resp.body, "{\"error\":\"internal error\"}");
    r.version = 0;
    assert_int_equal(loopmsg_webhook_handle(&resp, NULL, &r, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_WEBHOOK_REQUEST_INIT"));
    assert_int_equal(resp.status, 500);
    r.version = LOOPMSG_WEBHOOK_REQUEST_VERSION;
    r.method = NULL;
    assert_int_equal(loopmsg_webhook_handle(&resp, NULL, &r, &err), LOOPMSG_E_INVALID_ARG);
    r.method = "POST";
    loopmsg_webhook_handler_config cfg = {0};
    assert_int_equal(loopmsg_webhook_handle(&resp, &cfg, &r, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT"));
    r.body = NULL;
    r.body_len = 3;
    assert_int_equal(loopmsg_webhook_handle(&resp, NULL, &r, &err), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(resp.status, 500);
    assert_null(resp.event);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_handle__health, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__accepts_and_hands_over_the_event,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__wrong_path_404, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__wrong_method_405, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__auth_401, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__too_large_413, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__bad_body_400, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__error_message_names_the_problem,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__invalid_arguments, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
