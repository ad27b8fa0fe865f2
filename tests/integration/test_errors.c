/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c: every mapping from an HTTP response to a result or a loopmsg_error
 * (the error table included), on the wire through loopmsg_message_send and
 * loopmsg_message_status_get with scripted answers: where the Loop code comes from (`code`,
 * `error_code`, neither), bodies that are not JSON, 2xx with "success": false, 404, 204,
 * credentials errors, malformed and oversized responses, unknown fields, and that the API
 * key echoed by a server never reaches err.message.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTACT "+13231112233"

/* ---- helpers ----------------------------------------------------------------------------- */

#define assert_http_err(e, st, http, code, flags, attempts)                                        \
    do {                                                                                           \
        assert_err((e), (st), (http), (code), (flags), (attempts));                                \
        assert_int_equal((e)->transport_code, 0);                                                  \
    } while (0)

static void assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        fail_msg("\"%s\" contains \"%s\"", haystack, needle);
}

static loopmsg_client *use_client(ts_env *env, loopmsg_client_options *o)
{
    loopmsg_client_free(env->client);
    env->client = NULL;
    env->client = ts_client(env, o);
    return env->client;
}

static void script_ct(ts_env *env, int status, const char *content_type, const char *body,
                      const char *headers)
{
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = status;
    a.body = body;
    a.content_type = content_type;
    a.headers = headers;
    ts_script_full(env, &a);
}

static loopmsg_status send_hi(ts_env *env, loopmsg_send_result **out, loopmsg_error *err)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    return loopmsg_message_send(env->client, &p, out, err);
}

/* Send with a scripted answer; asserts the send fails with `st` and yields no result. */
static void send_expect(ts_env *env, loopmsg_status st, loopmsg_error *err)
{
    loopmsg_send_result *r = (loopmsg_send_result *)1;
    loopmsg_status got = send_hi(env, &r, err);
    ts_assert_status(st, got, err);
    assert_null(r);
}

static void status_expect(ts_env *env, const char *id, loopmsg_status st, loopmsg_error *err)
{
    loopmsg_message_status *s = (loopmsg_message_status *)1;
    loopmsg_status got = loopmsg_message_status_get(env->client, id, &s, err);
    ts_assert_status(st, got, err);
    assert_null(s);
}

/* ---- where the Loop code comes from: `code`, else `error_code` --------------------------- */

static void test_errors__json_code(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"success\":false,\"code\":140,\"message\":\"Text is missing\"}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 140, F_S, 1);
    assert_string_equal(err.message,
                        "send: HTTP 400, API code 140 (text parameter is missing): \"Text is "
                        "missing\"");
    assert_int_equal(err.retry_after_ms, 0);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_errors__json_code_as_string(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"success\":false,\"code\":\"160\",\"message\":\"Bad contact\"}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 160, F_S, 1);
    ts_assert_contains(err.message, "API code 160 (invalid contact)");
}

static void test_errors__json_code_undocumented(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"success\":false,\"code\":4242}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 4242, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 400, API code 4242 (undocumented code)");
}

static void test_errors__json_error_code_status_shape(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"error_code\":100,\"message\":\"error description\"}");
    status_expect(env, "ABC", LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 100, F_S, 1);
    assert_string_equal(err.message,
                        "status: HTTP 400, API code 100 (bad request): \"error description\"");
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_string_equal(q->method, "GET");
    assert_string_equal(q->path, "/v1/message/status/ABC/");
    loopmsg_emulator_request_free(q);
}

static void test_errors__code_wins_over_error_code(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"code\":180,\"error_code\":100,\"message\":\"both\"}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 180, F_S, 1);
}

static void test_errors__no_code_reported_by_http_status(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400,
              "{\"message_id\":\"7A3C\",\"success\":false,\"message\":\"Invalid attachment\","
              "\"contact\":\"" CONTACT "\",\"text\":\"hi\"}");
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 400, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 400: \"Invalid attachment\"");

    ts_script(env, 402,
              "{\"message_id\":\"7A3D\",\"success\":false,\"message\":\"No available requests\","
              "\"contact\":\"" CONTACT "\",\"text\":\"hi\"}");
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 402, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 402: \"No available requests\"");
    assert_int_equal(ts_request_count(env), 2);
}

static void test_errors__json_without_message(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 400, "{\"success\":false,\"message\":17}");
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 400, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 400");
}

/* ---- bodies that are not JSON ------------------------------------------------------------ */

static void test_errors__html_body_excerpt(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    script_ct(env, 500, "text/html",
              "<html>\r\n  <head><title>500 Internal Server Error</title></head>\r\n"
              "  <body>\n\n<center><h1>500 Internal Server Error</h1></center>\n"
              "<hr><center>nginx</center>\n</body>\n</html>\n",
              NULL);
    send_expect(env, LOOPMSG_E_HTTP, &err);
    /* A 500 on a send: the server may have acted before failing. */
    assert_http_err(&err, LOOPMSG_E_HTTP, 500, 0, F_M | F_S, 1);
    ts_assert_contains(err.message, "send: HTTP 500: \"<html> <head><title>500 Internal Server "
                                    "Error</title></head> <body> <center>");
    ts_assert_contains(err.message, "...\"");
    assert_null(strchr(err.message, '\n'));
    assert_null(strchr(err.message, '\r'));
    assert_true(strlen(err.message) < 200);

    /* The same on a GET: not MAYBE_DELIVERED, not retried. */
    script_ct(env, 500, "text/html", "<html><body>Oops</body></html>", NULL);
    status_expect(env, "ABC", LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 500, 0, F_S, 1);
    assert_string_equal(err.message, "status: HTTP 500: \"<html><body>Oops</body></html>\"");
    assert_int_equal(ts_request_count(env), 2);
}

static void test_errors__plain_text_body_sanitised(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    script_ct(env, 400, "text/plain", "Bad\tRequest:\x01 \x1b[31mred\x7f\r\n", NULL);
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 400, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 400: \"Bad Request:? ?[31mred?\"");

    /* Long text: a short excerpt, cut with "...", never the whole body. */
    char *big = malloc(5001);
    assert_non_null(big);
    memset(big, 'z', 5000);
    big[5000] = '\0';
    script_ct(env, 400, "text/plain", big, NULL);
    free(big);
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 400, 0, F_S, 1);
    ts_assert_contains(err.message, "send: HTTP 400: \"zzzz");
    ts_assert_contains(err.message, "zzz...\"");
    assert_true(strlen(err.message) < 150);

    /* Invalid UTF-8 is replaced, valid UTF-8 kept. */
    script_ct(env, 400, "text/plain", "caf\xc3\xa9 \xff\xfe end", NULL);
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_string_equal(err.message, "send: HTTP 400: \"caf\xc3\xa9 ?? end\"");
}

static void test_errors__json_labelled_text_body(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    /* Claims JSON, is not: the status still decides, the text is quoted. */
    ts_script(env, 400, "Bad Request");
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_http_err(&err, LOOPMSG_E_HTTP, 400, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 400: \"Bad Request\"");
}

/* ---- 2xx that say success: false are errors ---------------------------------------------- */

static void test_errors__2xx_success_false(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 200,
              "{\"success\":false,\"code\":210,\"message\":\"No sender for this contact\"}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 200, 210, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 200, API code 210 (could not determine a sender "
                                     "for this contact): \"No sender for this contact\"");

    /* Without a code: still an error, E_API (the server did answer). */
    ts_script(env, 200, "{\"message_id\":\"X1\",\"success\":false,\"message\":\"Not sent\"}");
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 200, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 200: \"Not sent\"");

    /* success: true is a success, as is a missing success. */
    loopmsg_send_result *r = NULL;
    ts_script(env, 200, "{\"message_id\":\"X2\",\"success\":true}");
    ts_assert_status(LOOPMSG_OK, send_hi(env, &r, &err), &err);
    assert_string_equal(r->message_id, "X2");
    loopmsg_send_result_free(r);
    assert_int_equal(ts_request_count(env), 3);
}

static void test_errors__2xx_success_false_on_get(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 200, "{\"success\":false,\"error_code\":595,\"message\":\"unknown id\"}");
    status_expect(env, "ABC", LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 200, 595, F_S, 1);
    ts_assert_contains(err.message, "unknown id");
}

/* ---- 404 keeps the body's code and message ----------------------------------------------- */

static void test_errors__404_json_keeps_code_and_message(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 404, "{\"success\":false,\"code\":595,\"message\":\"Message ABC not found\"}");
    status_expect(env, "ABC", LOOPMSG_E_NOT_FOUND, &err);
    assert_http_err(&err, LOOPMSG_E_NOT_FOUND, 404, 595, F_S, 1);
    assert_string_equal(err.message, "status: HTTP 404, API code 595 (invalid or non-existent "
                                     "message_id): \"Message ABC not found\"");

    /* The emulated API's own 404 for an unknown id uses error_code. */
    status_expect(env, "NO-SUCH-ID", LOOPMSG_E_NOT_FOUND, &err);
    assert_http_err(&err, LOOPMSG_E_NOT_FOUND, 404, 100, F_S, 1);
    ts_assert_contains(err.message, "Message not found");
    assert_int_equal(ts_request_count(env), 2);
}

static void test_errors__404_empty(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    script_ct(env, 404, "", NULL, NULL);
    status_expect(env, "ABC", LOOPMSG_E_NOT_FOUND, &err);
    assert_http_err(&err, LOOPMSG_E_NOT_FOUND, 404, 0, F_S, 1);
    assert_string_equal(err.message, "status: HTTP 404");

    script_ct(env, 404, "text/html", "<h1>Not Found</h1>", NULL);
    send_expect(env, LOOPMSG_E_NOT_FOUND, &err);
    assert_http_err(&err, LOOPMSG_E_NOT_FOUND, 404, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 404: \"<h1>Not Found</h1>\"");
}

/* ---- 204 ---------------------------------------------------------------------------------- */

static void test_errors__204_on_typing_is_ok(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    script_ct(env, 204, "", NULL, NULL);
    loopmsg_typing_params p = LOOPMSG_TYPING_PARAMS_INIT;
    p.message_id = "IN-1";
    p.typing_seconds = 5;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(env->client, &p, &err), &err);
    assert_http_err(&err, LOOPMSG_OK, 204, 0, 0, 1);
    assert_string_equal(err.message, "");
}

static void test_errors__204_on_send_is_protocol_error(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    script_ct(env, 204, "", NULL, NULL);
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 204, 0, F_M | F_S, 1);
    assert_string_equal(err.message, "send: malformed response: message_id is missing");
    assert_int_equal(ts_request_count(env), 1);
}

/* ---- credentials (fatal) ------------------------------------------------------------------ */

static void test_errors__401_code_130_is_fatal_auth(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "not-the-key";
    use_client(env, &o);
    loopmsg_error err;
    send_expect(env, LOOPMSG_E_AUTH, &err); /* the emulated API, not a script */
    assert_http_err(&err, LOOPMSG_E_AUTH, 401, 130, F_F | F_S, 1);
    ts_assert_contains(err.message, "send: HTTP 401, API code 130 (authorization key is invalid "
                                    "or unknown)");
    assert_int_equal(ts_request_count(env), 1);
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_string_equal(q->authorization, "not-the-key");
    assert_int_equal(q->answered_status, 401);
    loopmsg_emulator_request_free(q);
}

static void test_errors__missing_credentials_code_110(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 401, "{\"success\":false,\"code\":110,\"message\":\"Credentials are missing\"}");
    send_expect(env, LOOPMSG_E_AUTH, &err);
    assert_http_err(&err, LOOPMSG_E_AUTH, 401, 110, F_F | F_S, 1);
    ts_assert_contains(err.message, "API code 110 (credentials are missing from the request)");

    /* The code decides even under a 400. */
    ts_script(env, 400, "{\"success\":false,\"code\":110}");
    status_expect(env, "ABC", LOOPMSG_E_AUTH, &err);
    assert_http_err(&err, LOOPMSG_E_AUTH, 400, 110, F_F | F_S, 1);
    ts_script(env, 400, "{\"success\":false,\"code\":130}");
    status_expect(env, "ABC", LOOPMSG_E_AUTH, &err);
    assert_http_err(&err, LOOPMSG_E_AUTH, 400, 130, F_F | F_S, 1);
    /* A fatal code that is not about the key stays an API error. */
    ts_script(env, 400, "{\"success\":false,\"code\":500}");
    status_expect(env, "ABC", LOOPMSG_E_API, &err);
    assert_int_equal(err.api_code, 500);

    /* And the status decides without a code. */
    script_ct(env, 403, "", NULL, NULL);
    send_expect(env, LOOPMSG_E_AUTH, &err);
    assert_http_err(&err, LOOPMSG_E_AUTH, 403, 0, F_F | F_S, 1);
    assert_string_equal(err.message, "send: HTTP 403");
}

static void test_errors__account_codes_are_fatal(void **state)
{
    ts_env *env = *state;
    static const int codes[] = {300, 310, 320, 330};
    for (size_t i = 0; i < 4; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"success\":false,\"code\":%d}", codes[i]);
        ts_script(env, 400, body);
        loopmsg_error err;
        send_expect(env, LOOPMSG_E_API, &err);
        assert_http_err(&err, LOOPMSG_E_API, 400, codes[i], F_F | F_S, 1);
    }
}

static void test_errors__429_is_rate_limited(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_retries = LOOPMSG_NO_RETRIES;
    use_client(env, &o);
    loopmsg_error err;
    ts_script(env, 429, "{\"success\":false,\"message\":\"Too many requests\"}");
    send_expect(env, LOOPMSG_E_RATE_LIMITED, &err);
    assert_http_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 0, F_R | F_S, 1);
    assert_int_equal(err.retry_after_ms, 0);
    assert_string_equal(err.message, "send: HTTP 429: \"Too many requests\"");

    use_client(env, &o); /* a new client: no host-wide pause from the answer below */
    script_ct(env, 429, NULL, "{\"success\":false}", "Retry-After: 30");
    status_expect(env, "ABC", LOOPMSG_E_RATE_LIMITED, &err);
    assert_http_err(&err, LOOPMSG_E_RATE_LIMITED, 429, 0, F_R | F_S, 1);
    assert_int_equal(err.retry_after_ms, 30000);
}

/* ---- malformed 2xx ------------------------------------------------------------------------ */

static void test_errors__2xx_malformed_json(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 200, "{\"message_id\": \"ABC\", ");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    /* The server accepted the send: it may go out. */
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    assert_string_equal(err.message, "send: malformed response (HTTP 200): expected a JSON object, "
                                     "got \"{\"message_id\": \"ABC\",\"");

    ts_script(env, 200, "[1,2,3]");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);

    script_ct(env, 200, "text/plain", "OK", NULL);
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    ts_assert_contains(err.message, "expected a JSON object, got \"OK\"");

    /* On a GET nothing can have been delivered by reading. */
    ts_script(env, 200, "{\"status\": ");
    status_expect(env, "ABC", LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_S, 1);
    assert_int_equal(ts_request_count(env), 4);
}

static void test_errors__send_without_message_id(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 200, "{\"contact\":\"" CONTACT "\",\"text\":\"hi\"}");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    assert_string_equal(err.message, "send: malformed response: message_id is missing");

    ts_script(env, 200, "{\"message_id\":42,\"contact\":\"" CONTACT "\"}");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    assert_string_equal(err.message, "send: malformed response: a field has the wrong type");

    ts_script(env, 200, "{\"message_id\":null}");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    assert_int_equal(ts_request_count(env), 3);
}

static void test_errors__status_without_status(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_script(env, 200, "{\"message_id\":\"ABC\"}");
    status_expect(env, "ABC", LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_S, 1);
    assert_string_equal(err.message, "status: malformed response: status is missing");

    ts_script(env, 200, "{\"message_id\":\"ABC\",\"status\":\"failed\",\"error_code\":[1]}");
    status_expect(env, "ABC", LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_S, 1);
}

/* ---- what succeeds ------------------------------------------------------------------------ */

static void test_errors__unknown_fields_ignored(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    static const char send_body[] =
        "{\"message_id\":\"9F1C\",\"contact\":\"" CONTACT "\",\"text\":\"hi\",\"success\":true,"
        "\"new_field\":{\"nested\":[1,2,{\"x\":null}]},\"price\":0.25,\"flag\":true}";
    ts_script(env, 200, send_body);
    loopmsg_send_result *r = NULL;
    ts_assert_status(LOOPMSG_OK, send_hi(env, &r, &err), &err);
    assert_http_err(&err, LOOPMSG_OK, 200, 0, 0, 1);
    assert_string_equal(err.message, "");
    assert_string_equal(r->message_id, "9F1C");
    assert_string_equal(r->contact, CONTACT);
    assert_string_equal(r->text, "hi");
    assert_null(r->group);
    assert_int_equal(r->raw_len, strlen(send_body));
    assert_string_equal(r->raw, send_body);
    loopmsg_send_result_free(r);

    static const char status_body[] =
        "{\"message_id\":\"9F1C\",\"status\":\"failed\",\"contact\":\"" CONTACT "\","
        "\"text\":\"hi\",\"error_code\":1030,\"last_update\":\"2021-12-31T23:59:59.809Z\","
        "\"channel\":\"sms\",\"extra\":[{}]}";
    ts_script(env, 200, status_body);
    loopmsg_message_status *s = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, "9F1C", &s, &err), &err);
    assert_http_err(&err, LOOPMSG_OK, 200, 0, 0, 1);
    assert_string_equal(s->message_id, "9F1C");
    assert_int_equal(s->status, LOOPMSG_DELIVERY_FAILED);
    assert_string_equal(s->status_name, "failed");
    /* A failed delivery is a successful call: the code is in the result, not in err. */
    assert_int_equal(s->api_code, 1030);
    assert_string_equal(s->last_update, "2021-12-31T23:59:59.809Z");
    assert_string_equal(s->raw, status_body);
    loopmsg_message_status_free(s);

    /* A status this version does not know. */
    ts_script(env, 200, "{\"message_id\":\"9F1C\",\"status\":\"queued_for_later\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, "9F1C", &s, &err), &err);
    assert_int_equal(s->status, LOOPMSG_DELIVERY_OTHER);
    assert_string_equal(s->status_name, "queued_for_later");
    assert_null(s->contact);
    assert_null(s->last_update);
    assert_int_equal(s->api_code, 0);
    loopmsg_message_status_free(s);
}

static void test_errors__large_response_accepted(void **state)
{
    ts_env *env = *state;
    size_t n = 1024 * 1024;
    char *body = malloc(n + 64);
    assert_non_null(body);
    int off = snprintf(body, n + 64, "{\"message_id\":\"BIG\",\"padding\":\"");
    memset(body + off, 'p', n);
    snprintf(body + off + n, 64, "\"}");
    ts_script(env, 200, body);
    size_t len = strlen(body);
    free(body);
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(env, &r, &err), &err);
    assert_string_equal(r->message_id, "BIG");
    assert_int_equal(r->raw_len, len);
    loopmsg_send_result_free(r);
}

static void test_errors__huge_response_refused(void **state)
{
    ts_env *env = *state;
    size_t n = 9u * 1024u * 1024u; /* above the engine's 8 MiB cap */
    char *body = malloc(n + 64);
    assert_non_null(body);
    int off = snprintf(body, n + 64, "{\"message_id\":\"HUGE\",\"padding\":\"");
    memset(body + off, 'p', n);
    snprintf(body + off + n, 64, "\"}");
    ts_script(env, 200, body);
    free(body);
    loopmsg_error err;
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 200, 0, F_M | F_S, 1);
    ts_assert_contains(err.message, "send: response larger than 8388608 bytes");
    assert_int_equal(ts_request_count(env), 1);

    /* The same cap on a non-JSON error body. */
    body = malloc(n + 1);
    assert_non_null(body);
    memset(body, 'e', n);
    body[n] = '\0';
    script_ct(env, 500, "text/plain", body, NULL);
    free(body);
    status_expect(env, "ABC", LOOPMSG_E_PROTOCOL, &err);
    assert_http_err(&err, LOOPMSG_E_PROTOCOL, 500, 0, F_S, 1);
}

/* ---- the API key never reaches err.message ---------------------------------------------- */

#define SECRET "sk_live_0123456789abcdefXYZ"

static void test_errors__echoed_key_masked(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = SECRET;
    use_client(env, &o);
    loopmsg_error err;

    ts_script(env, 401,
              "{\"success\":false,\"code\":130,\"message\":\"Key " SECRET " is not valid\"}");
    send_expect(env, LOOPMSG_E_AUTH, &err);
    assert_http_err(&err, LOOPMSG_E_AUTH, 401, 130, F_F | F_S, 1);
    assert_not_contains(err.message, SECRET);
    assert_not_contains(err.message, "sk_live");
    ts_assert_contains(err.message, "\"Key ***");
    ts_assert_contains(err.message, "*** is not valid\"");

    /* Twice, and in a non-JSON body. */
    script_ct(env, 400, "text/plain", SECRET " / " SECRET, NULL);
    send_expect(env, LOOPMSG_E_HTTP, &err);
    assert_not_contains(err.message, "sk_live");
    ts_assert_contains(err.message, " / ");

    /* In a malformed 2xx. */
    ts_script(env, 200, "{\"key\":\"" SECRET "\"");
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_not_contains(err.message, "sk_live");
}

static void test_errors__echoed_key_masked_at_excerpt_cut(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = SECRET;
    use_client(env, &o);
    loopmsg_error err;
    /* The excerpt keeps about 100 characters: the key straddles the cut, so a plain search
     * for the whole key in the final message would miss its first 20 characters. */
    char body[512];
    char pad[81];
    memset(pad, 'a', 80);
    pad[80] = '\0';
    snprintf(body, sizeof body, "{\"success\":false,\"code\":125,\"message\":\"%s%s tail\"}", pad,
             SECRET);
    ts_script(env, 400, body);
    send_expect(env, LOOPMSG_E_API, &err);
    assert_http_err(&err, LOOPMSG_E_API, 400, 125, F_S, 1);
    ts_assert_contains(err.message, pad);
    assert_not_contains(err.message, "sk_live_0123");

    snprintf(body, sizeof body, "%.40s%s", pad, SECRET); /* non-JSON 2xx: a 60-char excerpt */
    script_ct(env, 200, "text/plain", body, NULL);
    send_expect(env, LOOPMSG_E_PROTOCOL, &err);
    assert_not_contains(err.message, "sk_live_0123");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_emu_setup, ts_emu_teardown)
        T(test_errors__json_code),
        T(test_errors__json_code_as_string),
        T(test_errors__json_code_undocumented),
        T(test_errors__json_error_code_status_shape),
        T(test_errors__code_wins_over_error_code),
        T(test_errors__no_code_reported_by_http_status),
        T(test_errors__json_without_message),
        T(test_errors__html_body_excerpt),
        T(test_errors__plain_text_body_sanitised),
        T(test_errors__json_labelled_text_body),
        T(test_errors__2xx_success_false),
        T(test_errors__2xx_success_false_on_get),
        T(test_errors__404_json_keeps_code_and_message),
        T(test_errors__404_empty),
        T(test_errors__204_on_typing_is_ok),
        T(test_errors__204_on_send_is_protocol_error),
        T(test_errors__401_code_130_is_fatal_auth),
        T(test_errors__missing_credentials_code_110),
        T(test_errors__account_codes_are_fatal),
        T(test_errors__429_is_rate_limited),
        T(test_errors__2xx_malformed_json),
        T(test_errors__send_without_message_id),
        T(test_errors__status_without_status),
        T(test_errors__unknown_fields_ignored),
        T(test_errors__large_response_accepted),
        T(test_errors__huge_response_refused),
        T(test_errors__echoed_key_masked),
        T(test_errors__echoed_key_masked_at_excerpt_cut),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
