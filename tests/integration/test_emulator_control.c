/* SPDX-License-Identifier: MIT */
/*
 * test_emulator_control.c: loopmsg_emulator_control(), the client side of the emulator's
 * /__sandbox/ endpoints used by `loopmsg sandbox inject|trigger|...`, against an emulator in
 * this process: GET vs POST, endpoint names with and without prefix and trailing slash, the
 * LOOP_BASE_URL fallback, the answer (SDK allocator, freed with loopmsg_free), HTTP errors
 * field by field, transport errors, argument errors, and allocation failures without leaks.
 */
#include "test_support.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    return j;
}

static void test_emulator_control__post_inject_and_get_health(void **state)
{
    ts_env *env = *state;
    char *answer = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_emulator_control(
        env->url, "inject", "{\"contact\":\"+15555550123\",\"text\":\"hi\"}", &answer, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 1);
    json_t *j = parse(answer);
    assert_true(json_is_true(json_object_get(j, "success")));
    const char *id = json_string_value(json_object_get(j, "message_id"));
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    json_decref(j);
    loopmsg_free(answer);
    /* The control plane is never recorded as an API request. */
    assert_int_equal(ts_request_count(env), 0);

    answer = NULL;
    st = loopmsg_emulator_control(env->url, "health", NULL, &answer, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    ts_assert_json_eq("{\"status\":\"ok\"}", answer);
    loopmsg_free(answer);
}

static void test_emulator_control__faults_round_trip(void **state)
{
    ts_env *env = *state;
    char *answer = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_emulator_control(
        env->url, "faults", "{\"error_rate\":1,\"error_status\":400,\"error_code\":1020}", &answer,
        &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    loopmsg_free(answer);

    /* GET reads back what POST set... */
    st = loopmsg_emulator_control(env->url, "faults", NULL, &answer, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    ts_assert_json_eq("{\"latency_ms\":0,\"error_rate\":1.0,\"error_status\":400,"
                      "\"error_code\":1020,\"drop_rate\":0.0}",
                      answer);
    loopmsg_free(answer);

    /* ...and the API answers with the fault. */
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+15555550123";
    p.text = "hello";
    loopmsg_send_result *r = NULL;
    st = loopmsg_message_send(env->client, &p, &r, &err);
    ts_assert_status(LOOPMSG_E_API, st, &err);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.api_code, 1020);
    assert_null(r);

    /* A NULL answer pointer is allowed: the body is discarded. */
    st = loopmsg_emulator_control(env->url, "reset", "{}", NULL, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    st = loopmsg_message_send(env->client, &p, &r, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    loopmsg_send_result_free(r);
}

static void test_emulator_control__endpoint_spellings(void **state)
{
    ts_env *env = *state;
    char url[160];
    snprintf(url, sizeof url, "%s//", env->url); /* trailing slashes are ignored */
    const char *names[] = {"requests", "requests/", "/__sandbox/requests", "/__sandbox/requests/"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *answer = NULL;
        loopmsg_error err;
        loopmsg_status st = loopmsg_emulator_control(url, names[i], NULL, &answer, &err);
        ts_assert_status(LOOPMSG_OK, st, &err);
        ts_assert_json_eq("{\"count\":0,\"items\":[]}", answer);
        loopmsg_free(answer);
    }
}

static void test_emulator_control__base_url_from_environment(void **state)
{
    ts_env *env = *state;
    setenv("LOOP_BASE_URL", env->url, 1);
    char *answer = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_emulator_control(NULL, "health", NULL, &answer, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    loopmsg_free(answer);
    st = loopmsg_emulator_control("", "health", NULL, &answer, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    loopmsg_free(answer);

    unsetenv("LOOP_BASE_URL");
    answer = (char *)"untouched";
    st = loopmsg_emulator_control(NULL, "health", NULL, &answer, &err);
    assert_err(&err, LOOPMSG_E_INVALID_ARG, 0, 0, 0, 0);
    assert_int_equal(st, LOOPMSG_E_INVALID_ARG);
    assert_null(answer);
    ts_assert_contains(err.message, "LOOP_BASE_URL");
}

static void test_emulator_control__http_errors_keep_the_sandbox_words(void **state)
{
    ts_env *env = *state;
    char *answer = (char *)"untouched";
    loopmsg_error err;
    /* inject without text: 400 {"code": 125, "message": ...} */
    loopmsg_status st =
        loopmsg_emulator_control(env->url, "inject", "{\"contact\":\"+1555\"}", &answer, &err);
    assert_int_equal(st, LOOPMSG_E_API);
    assert_err(&err, LOOPMSG_E_API, 400, 125, 0, 1);
    assert_null(answer);
    ts_assert_contains(err.message, "sandbox inject: ");
    ts_assert_contains(err.message, "(HTTP 400, code 125)");

    /* trigger without a webhook URL: 409 code 100 */
    st = loopmsg_emulator_control(env->url, "trigger", "{\"event\":\"x\"}", &answer, &err);
    assert_err(&err, LOOPMSG_E_API, 409, 100, 0, 1);
    ts_assert_contains(err.message, "no webhook_url");

    /* Not JSON: 400 code 100 from the control plane's parser. */
    st = loopmsg_emulator_control(env->url, "faults", "{nope", &answer, &err);
    assert_err(&err, LOOPMSG_E_API, 400, 100, 0, 1);

    /* A GET on a POST-only endpoint: 405, no code in the body. */
    st = loopmsg_emulator_control(env->url, "inject", NULL, &answer, &err);
    assert_int_equal(err.http_status, 405);
    assert_true(st == LOOPMSG_E_API || st == LOOPMSG_E_HTTP);
}

static void test_emulator_control__argument_errors(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    char *answer = NULL;
    const char *bad_endpoints[] = {"bogus", "inject/extra", "", "/__sandbox/", "/api/v1/x"};
    for (size_t i = 0; i < sizeof bad_endpoints / sizeof bad_endpoints[0]; i++) {
        loopmsg_status st =
            loopmsg_emulator_control(env->url, bad_endpoints[i], NULL, &answer, &err);
        assert_int_equal(st, LOOPMSG_E_INVALID_ARG);
        assert_err(&err, LOOPMSG_E_INVALID_ARG, 0, 0, 0, 0);
        ts_assert_contains(err.message, "unknown sandbox control endpoint");
    }
    loopmsg_status st = loopmsg_emulator_control(env->url, NULL, NULL, &answer, &err);
    assert_int_equal(st, LOOPMSG_E_INVALID_ARG);
    st = loopmsg_emulator_control("ftp://127.0.0.1:1", "health", NULL, &answer, &err);
    assert_int_equal(st, LOOPMSG_E_INVALID_ARG);
    ts_assert_contains(err.message, "http://");
    assert_null(answer);
    /* err is optional. */
    st = loopmsg_emulator_control(env->url, "health", NULL, NULL, NULL);
    assert_int_equal(st, LOOPMSG_OK);
}

static void test_emulator_control__unreachable_is_a_transport_error(void **state)
{
    (void)state;
    /* A port that was just listening and is now closed. */
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.quiet = true;
    loopmsg_emulator *emu = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_emulator_start(&eo, &emu, &err), &err);
    char url[128];
    snprintf(url, sizeof url, "%s", loopmsg_emulator_url(emu));
    loopmsg_emulator_free(emu);

    char *answer = NULL;
    loopmsg_status st = loopmsg_emulator_control(url, "health", NULL, &answer, &err);
    assert_int_equal(st, LOOPMSG_E_TRANSPORT);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, 0, 0);
    assert_int_equal(err.transport_code, CURLE_COULDNT_CONNECT);
    ts_assert_contains(err.message, "could not reach the sandbox at ");
    assert_null(answer);
}

static void test_emulator_control__allocation_failures_do_not_leak(void **state)
{
    ts_env *env = *state;
    int ok = 0, nomem = 0;
    for (long n = 1; n <= 12; n++) {
        ts_alloc_fail_at(n);
        char *answer = NULL;
        loopmsg_error err;
        loopmsg_status st = loopmsg_emulator_control(env->url, "health", NULL, &answer, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            assert_non_null(answer);
            ok++;
        } else {
            assert_err(&err, LOOPMSG_E_NOMEM, 0, 0, 0, 0);
            assert_null(answer);
            nomem++;
        }
        loopmsg_free(answer);
    }
    assert_true(nomem > 0);
    assert_true(ok > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)
        T(test_emulator_control__post_inject_and_get_health),
        T(test_emulator_control__faults_round_trip),
        T(test_emulator_control__endpoint_spellings),
        T(test_emulator_control__base_url_from_environment),
        T(test_emulator_control__http_errors_keep_the_sandbox_words),
        T(test_emulator_control__argument_errors),
        T(test_emulator_control__unreachable_is_a_transport_error),
        T(test_emulator_control__allocation_failures_do_not_leak),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
