/* SPDX-License-Identifier: MIT */
/* test_codec.c: response classification and retry flags, Retry-After, URL escaping, UTF-8. */
#include "test_support.h"
#include "lib/wire_int.h"

#include <string.h>

static loopmsg_status classify(bool post, int http, const char *body, loopmsg_error *err,
                               json_t **json)
{
    return loopmsg__wire_classify("send", post, http, body, strlen(body), 0, NULL, json, err);
}

static void test_codec__2xx_json_is_ok(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j = NULL;
    ts_assert_status(LOOPMSG_OK, classify(true, 200, "{\"message_id\":\"A\"}", &err, &j), &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "message_id")), "A");
    json_decref(j);
    assert_string_equal(err.message, "");
    assert_int_equal(err.flags, 0);
}

static void test_codec__204_and_empty_are_ok_without_json(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j = (json_t *)1;
    ts_assert_status(LOOPMSG_OK, classify(false, 204, "", &err, &j), &err);
    assert_null(j);
    ts_assert_status(LOOPMSG_OK, classify(false, 200, "  \n", &err, &j), &err);
    assert_null(j);
}

static void test_codec__error_with_code(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st =
        classify(true, 400, "{\"success\":false,\"code\":140,\"message\":\"no text\"}", &err, &j);
    ts_assert_status(LOOPMSG_E_API, st, &err);
    assert_null(j);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.api_code, 140);
    assert_int_equal(err.flags, LOOPMSG_ERRF_SENT);
    ts_assert_contains(err.message, "send: HTTP 400, API code 140 (text parameter is missing)");
    ts_assert_contains(err.message, "\"no text\"");
}

static void test_codec__error_with_error_code(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st =
        classify(false, 400, "{\"error_code\":100,\"message\":\"Invalid id\"}", &err, &j);
    ts_assert_status(LOOPMSG_E_API, st, &err);
    assert_int_equal(err.api_code, 100);
    ts_assert_contains(err.message, "Invalid id");
}

static void test_codec__error_without_code_uses_http_status(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st =
        classify(true, 402,
                 "{\"message_id\":\"X\",\"success\":false,\"message\":\"Sender name "
                 "is not activated\"}",
                 &err, &j);
    ts_assert_status(LOOPMSG_E_HTTP, st, &err);
    assert_int_equal(err.api_code, 0);
    assert_int_equal(err.http_status, 402);
    ts_assert_contains(err.message, "HTTP 402");
    ts_assert_contains(err.message, "Sender name is not activated");
}

static void test_codec__non_json_body_is_quoted_sanitised(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st = classify(false, 500, "<html>\n<b>Bad\x01gateway</b>\n\n</html>", &err, &j);
    ts_assert_status(LOOPMSG_E_HTTP, st, &err);
    ts_assert_contains(err.message, "\"<html> <b>Bad?gateway</b> </html>\"");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    classify(false, 500, big, &err, &j);
    assert_true(strlen(err.message) < 200);
    ts_assert_contains(err.message, "...");
}

static void test_codec__2xx_success_false_is_error(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st = classify(
        true, 200, "{\"success\":false,\"code\":1010,\"message\":\"try later\"}", &err, &j);
    ts_assert_status(LOOPMSG_E_API, st, &err);
    assert_int_equal(err.api_code, 1010);
    assert_int_equal(err.http_status, 200);
    assert_true(err.flags & LOOPMSG_ERRF_RETRYABLE);
    assert_null(j);
}

static void test_codec__2xx_not_object_is_protocol(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    ts_assert_status(LOOPMSG_E_PROTOCOL, classify(true, 200, "OK", &err, &j), &err);
    assert_true(err.flags & LOOPMSG_ERRF_MAYBE_DELIVERED);
    ts_assert_status(LOOPMSG_E_PROTOCOL, classify(false, 200, "[1,2]", &err, &j), &err);
    ts_assert_status(LOOPMSG_E_PROTOCOL, classify(false, 200, "{\"a\":", &err, &j), &err);
}

static void test_codec__404_keeps_json_code(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    loopmsg_status st = classify(
        false, 404, "{\"success\":false,\"code\":595,\"message\":\"no such id\"}", &err, &j);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, st, &err);
    assert_int_equal(err.api_code, 595);
    ts_assert_contains(err.message, "no such id");
    st = classify(false, 404, "", &err, &j);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, st, &err);
    assert_int_equal(err.api_code, 0);
    ts_assert_contains(err.message, "HTTP 404");
}

static void test_codec__auth_is_fatal(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    ts_assert_status(
        LOOPMSG_E_AUTH,
        classify(true, 401, "{\"success\":false,\"code\":130,\"message\":\"bad\"}", &err, &j),
        &err);
    assert_true(err.flags & LOOPMSG_ERRF_FATAL);
    ts_assert_status(LOOPMSG_E_AUTH, classify(true, 403, "", &err, &j), &err);
    assert_true(err.flags & LOOPMSG_ERRF_FATAL);
    ts_assert_status(LOOPMSG_E_AUTH, classify(true, 400, "{\"code\":110}", &err, &j), &err);
    ts_assert_status(LOOPMSG_E_API, classify(true, 400, "{\"code\":300}", &err, &j), &err);
    assert_true(err.flags & LOOPMSG_ERRF_FATAL);
}

static void test_codec__gateway_flags_depend_on_method(void **state)
{
    (void)state;
    loopmsg_error err;
    json_t *j;
    classify(true, 502, "", &err, &j);
    assert_int_equal(err.flags,
                     LOOPMSG_ERRF_SENT | LOOPMSG_ERRF_RETRYABLE | LOOPMSG_ERRF_MAYBE_DELIVERED);
    classify(false, 504, "", &err, &j);
    assert_int_equal(err.flags, LOOPMSG_ERRF_SENT | LOOPMSG_ERRF_RETRYABLE);
    classify(true, 503, "", &err, &j);
    assert_int_equal(err.flags, LOOPMSG_ERRF_SENT | LOOPMSG_ERRF_RETRYABLE);
    ts_assert_status(LOOPMSG_E_RATE_LIMITED, classify(true, 429, "", &err, &j), &err);
    assert_int_equal(err.flags, LOOPMSG_ERRF_SENT | LOOPMSG_ERRF_RETRYABLE);
    classify(true, 500, "", &err, &j);
    assert_int_equal(err.flags, LOOPMSG_ERRF_SENT | LOOPMSG_ERRF_MAYBE_DELIVERED);
}

static void test_codec__retry_after(void **state)
{
    (void)state;
    assert_int_equal(loopmsg__wire_retry_after("3", 0), 3000);
    assert_int_equal(loopmsg__wire_retry_after(" 0 \r\n", 0), 0);
    assert_int_equal(loopmsg__wire_retry_after("abc", 0), 0);
    assert_int_equal(loopmsg__wire_retry_after("3x", 0), 0);
    assert_int_equal(loopmsg__wire_retry_after(NULL, 0), 0);
    assert_int_equal(loopmsg__wire_retry_after("99999999999", 0), 24u * 3600u * 1000u);
    /* 1994-11-06 08:49:37 GMT is 784111777. */
    assert_int_equal(loopmsg__wire_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770LL), 7000);
    assert_int_equal(loopmsg__wire_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800LL), 0);
    assert_int_equal(loopmsg__wire_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", 0), 0);
}

static void test_codec__url_escape(void **state)
{
    (void)state;
    char *p = loopmsg__path_with_segment("/x/", "+1 (323) a@b.c/~_-.!*'");
    assert_string_equal(p, "/x/%2B1%20%28323%29%20a%40b.c%2F~_-.%21%2A%27/");
    loopmsg__free(p);
    p = loopmsg__path_with_segment("/x/", "\xc3\xa9");
    assert_string_equal(p, "/x/%C3%A9/");
    loopmsg__free(p);
}

static void test_codec__utf8(void **state)
{
    (void)state;
    size_t n;
    assert_true(loopmsg__utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11, &n));
    assert_int_equal(n, 7);
    assert_false(loopmsg__utf8_valid("\xc0\xaf", 2, NULL));         /* overlong */
    assert_false(loopmsg__utf8_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
    assert_false(loopmsg__utf8_valid("\xf4\x90\x80\x80", 4, NULL)); /* > U+10FFFF */
    assert_false(loopmsg__utf8_valid("\xe2\x82", 2, NULL));         /* truncated */
    assert_false(loopmsg__utf8_valid("\xff", 1, NULL));
}

static void check_mask(const char *in, const char *secret, bool cut, const char *expected)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", in);
    loopmsg__mask_secret(buf, strlen(buf), secret, strlen(secret), cut);
    assert_string_equal(buf, expected);
}

static void test_codec__mask_secret_every_spelling(void **state)
{
    (void)state;
    check_mask("a sk-1 b", "sk-1", false, "a **** b");
    check_mask("a sk\\u002d1 b", "sk-1", false, "a ********* b");
    check_mask("a \\u0073\\u006B\\u002D\\u0031 b", "sk-1", false, "a ************************ b");
    check_mask("x/y x\\/y", "x/y", false, "*** ****");
    check_mask("\\u00e9\\uD83D\\ude00!", "\xc3\xa9\xf0\x9f\x98\x80", false, "******************!");
    check_mask("ab sk- sk-", "sk-1", false, "ab sk- sk-"); /* no partial match inside */
    check_mask("ab sk-", "sk-1", true, "ab ***");          /* ... but at a cut end */
    check_mask("ab sk\\u00", "sk-1", true, "ab ******");
    check_mask("Q1Q", "Q", false, "*1*"); /* one character: masked wherever it stands */
    check_mask("\\\\ \\n", "k", false, "\\\\ \\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_setup, ts_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_codec__mask_secret_every_spelling),
        T(test_codec__2xx_json_is_ok),
        T(test_codec__204_and_empty_are_ok_without_json),
        T(test_codec__error_with_code),
        T(test_codec__error_with_error_code),
        T(test_codec__error_without_code_uses_http_status),
        T(test_codec__non_json_body_is_quoted_sanitised),
        T(test_codec__2xx_success_false_is_error),
        T(test_codec__2xx_not_object_is_protocol),
        T(test_codec__404_keeps_json_code),
        T(test_codec__auth_is_fatal),
        T(test_codec__gateway_flags_depend_on_method),
        T(test_codec__retry_after),
        T(test_codec__url_escape),
        T(test_codec__utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
