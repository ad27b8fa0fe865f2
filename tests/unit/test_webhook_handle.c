/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_handle.c: loopmsg_webhook_handle(), the framework-agnostic handler: the HTTP
 * status and body for health checks, wrong path, wrong method, bad credentials, oversized and
 * malformed bodies, and the parsed event handed over on a 200; its two phases,
 * loopmsg_webhook_check_headers() and loopmsg_webhook_handle_body(), on their own; and the
 * canned answers (loopmsg_webhook_response_canned()).
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

/* The first phase decides from the headers alone and never reads the body. */
static void test_webhook_handle__headers_phase(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_response resp;
    loopmsg_error err;
    static const struct {
        const char *method, *path, *auth;
        size_t declared;
        int http;
        loopmsg_status st;
        const char *body;
    } cases[] = {
        {"GET", "/health", NULL, 0, 200, LOOPMSG_OK, "{\"status\":\"ok\"}"},
        {"POST", "/other", "hook-secret", 0, 404, LOOPMSG_E_NOT_FOUND, "{\"error\":\"not found\"}"},
        {"PUT", "/webhook", "hook-secret", 0, 405, LOOPMSG_E_INVALID_ARG,
         "{\"error\":\"method not allowed\"}"},
        {"POST", "/webhook", "wrong", 0, 401, LOOPMSG_E_WEBHOOK_AUTH,
         "{\"error\":\"unauthorized\"}"},
        /* Credentials before the length: a stranger learns nothing about the limit. */
        {"POST", "/webhook", "wrong", 5000, 401, LOOPMSG_E_WEBHOOK_AUTH,
         "{\"error\":\"unauthorized\"}"},
        {"POST", "/webhook", "hook-secret", 4097, 413, LOOPMSG_E_TOO_LARGE,
         "{\"error\":\"payload too large\"}"},
        {"POST", "/webhook", "hook-secret", 4096, 100, LOOPMSG_OK, ""},
        {"POST", "/webhook", "Bearer hook-secret", 0, 100, LOOPMSG_OK, ""},
        {"POST", "/webhook?secret=hook-secret", NULL, 10, 100, LOOPMSG_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_webhook_request r = request(cases[i].method, cases[i].path, cases[i].auth, NULL);
        r.content_length = cases[i].declared;
        /* Not read: a body that could not be dereferenced changes nothing. */
        r.body_len = 3;
        loopmsg_status got = loopmsg_webhook_check_headers(&resp, &cfg, &r, &err);
        if (got != cases[i].st || resp.status != cases[i].http)
            fail_msg("case %zu: HTTP %d status %d (%s)", i, resp.status, got, err.message);
        assert_int_equal(err.status, cases[i].st);
        assert_string_equal(resp.body, cases[i].body);
        assert_int_equal(resp.body_len, strlen(cases[i].body));
        assert_string_equal(resp.content_type, "application/json");
        assert_null(resp.event);
    }
    /* A caller built against layout version 1 has no content_length: it is not read. */
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", NULL);
    r.version = 1;
    r.content_length = 1u << 30;
    assert_int_equal(loopmsg_webhook_check_headers(&resp, &cfg, &r, &err), LOOPMSG_OK);
    assert_int_equal(resp.status, 100);
    /* No config: any path, no credentials, the default limit. */
    r.version = LOOPMSG_WEBHOOK_REQUEST_VERSION;
    r.authorization = NULL;
    r.content_length = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES;
    assert_int_equal(loopmsg_webhook_check_headers(&resp, NULL, &r, &err), LOOPMSG_OK);
    assert_int_equal(resp.status, 100);
    r.content_length++;
    assert_int_equal(loopmsg_webhook_check_headers(&resp, NULL, &r, &err), LOOPMSG_E_TOO_LARGE);
    assert_int_equal(resp.status, 413);
    assert_string_equal(err.message,
                        "webhook body of 1048577 bytes exceeds the limit of 1048576 bytes");
}

/* The second phase parses and answers; it does not look at credentials again. */
static void test_webhook_handle__body_phase(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_response resp;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_handle_body(&resp, &cfg, body_ok, strlen(body_ok), &err),
                     LOOPMSG_OK);
    assert_int_equal(err.status, LOOPMSG_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{\"status\":\"ok\"}");
    assert_non_null(resp.event);
    assert_string_equal(resp.event->webhook_id, "w-1");
    assert_string_equal(resp.event->text, "hi");
    assert_int_equal(resp.event->raw_len, strlen(body_ok));
    loopmsg_webhook_response_clear(&resp);

    assert_int_equal(loopmsg_webhook_handle_body(&resp, &cfg, "{\"event\":", 9, &err),
                     LOOPMSG_E_PROTOCOL);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.body, "{\"error\":\"bad request\"}");
    assert_null(resp.event);
    assert_int_equal(loopmsg_webhook_handle_body(&resp, &cfg, "", 0, &err), LOOPMSG_E_PROTOCOL);
    assert_int_equal(resp.status, 400);

    /* A chunked body has no declared length: the limit is applied here. */
    char big[4098];
    memset(big, ' ', sizeof big);
    assert_int_equal(loopmsg_webhook_handle_body(&resp, &cfg, big, sizeof big, &err),
                     LOOPMSG_E_TOO_LARGE);
    assert_int_equal(resp.status, 413);
    assert_string_equal(resp.body, "{\"error\":\"payload too large\"}");
    assert_null(resp.event);

    assert_int_equal(loopmsg_webhook_handle_body(&resp, &cfg, NULL, 3, &err),
                     LOOPMSG_E_INVALID_ARG);
    assert_int_equal(resp.status, 500);
    assert_int_equal(loopmsg_webhook_handle_body(NULL, &cfg, body_ok, 3, &err),
                     LOOPMSG_E_INVALID_ARG);
    loopmsg_webhook_handler_config bad = {0};
    assert_int_equal(loopmsg_webhook_handle_body(&resp, &bad, body_ok, strlen(body_ok), &err),
                     LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT"));
    assert_int_equal(resp.status, 500);
}

/* The one-call form refuses a declared length over the limit even with a short body. */
static void test_webhook_handle__declared_length_413(void **state)
{
    (void)state;
    loopmsg_webhook_handler_config cfg = config();
    loopmsg_webhook_request r = request("POST", "/webhook", "hook-secret", body_ok);
    r.content_length = 4097;
    expect(&cfg, &r, 413, "{\"error\":\"payload too large\"}", LOOPMSG_E_TOO_LARGE);
    r.content_length = strlen(body_ok);
    expect(&cfg, &r, 200, "{\"status\":\"ok\"}", LOOPMSG_OK);
}

static void test_webhook_handle__canned_answers(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *body;
    } answers[] = {
        {200, "{\"status\":\"ok\"}"},
        {400, "{\"error\":\"bad request\"}"},
        {401, "{\"error\":\"unauthorized\"}"},
        {404, "{\"error\":\"not found\"}"},
        {405, "{\"error\":\"method not allowed\"}"},
        {413, "{\"error\":\"payload too large\"}"},
        {500, "{\"error\":\"internal error\"}"},
        {503, "{\"error\":\"busy\"}"},
    };
    loopmsg_webhook_response resp;
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        assert_int_equal(loopmsg_webhook_response_canned(&resp, answers[i].status), LOOPMSG_OK);
        assert_int_equal(resp.status, answers[i].status);
        assert_string_equal(resp.body, answers[i].body);
        assert_int_equal(resp.body_len, strlen(answers[i].body));
        assert_string_equal(resp.content_type, "application/json");
        assert_null(resp.event);
    }
    /* 100 is the first phase's "read the body", not an answer to send. */
    static const int none[] = {100, 0, 302, 502, -1};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        assert_int_equal(loopmsg_webhook_response_canned(&resp, none[i]), LOOPMSG_E_INVALID_ARG);
        assert_int_equal(resp.status, 500);
        assert_string_equal(resp.body, "{\"error\":\"internal error\"}");
    }
    assert_int_equal(loopmsg_webhook_response_canned(NULL, 200), LOOPMSG_E_INVALID_ARG);
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
        cmocka_unit_test_setup_teardown(test_webhook_handle__headers_phase, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__body_phase, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__declared_length_413, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_handle__canned_answers, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
