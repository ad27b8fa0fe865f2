/* SPDX-License-Identifier: MIT */
/* test_jsonw.c: the CLI's JSON line writer (send-bulk's output and journal lines). */
#include "test_support.h"
#include "cli/jsonw.h"

#include <jansson.h>
#include <string.h>

/* The writer's literal of s, NUL-terminated in w. */
static const char *quote(cli_jw *w, const char *s)
{
    cli_jw_reset(w);
    cli_jw_quote(w, s);
    cli_jw_raw(w, "", 1);
    assert_true(loopmsg__buf_ok(&w->out));
    return w->out.ptr;
}

/* Escaped as jansson writes it (control characters, quotes, backslashes; UTF-8 as it is). */
static void test_jsonw__escaping_matches_jansson(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "plain",
        "quote \" backslash \\ slash /",
        "\b\f\n\r\t",
        "\x01\x02\x1f\x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "\xe2\x80\xa8 \xe2\x80\xa9",
        "\xef\xbf\xbf \xf4\x8f\xbf\xbf",
    };
    cli_jw w = CLI_JW_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_string(cases[i]);
        assert_non_null(j);
        char *want = json_dumps(j, JSON_ENCODE_ANY);
        assert_non_null(want);
        assert_string_equal(quote(&w, cases[i]), want);
        free(want);
        json_decref(j);
    }
    cli_jw_clear(&w);
}

/* A byte that is not part of valid UTF-8 becomes \uFFFD; the line is always valid JSON. */
static void test_jsonw__invalid_utf8_is_replaced(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\xff"
         "b",
         "\"a\\uFFFDb\""},
        {"\xc3", "\"\\uFFFD\""},                                  /* truncated at the end */
        {"\xc3(", "\"\\uFFFD(\""},                                /* bad continuation */
        {"\xc0\xaf", "\"\\uFFFD\\uFFFD\""},                       /* overlong */
        {"\xe0\x80\xaf", "\"\\uFFFD\\uFFFD\\uFFFD\""},            /* overlong, 3 bytes */
        {"\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\""},            /* a surrogate */
        {"\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""}, /* above U+10FFFF */
        {"\x80ok\xc3\xa9", "\"\\uFFFDok\xc3\xa9\""},
    };
    cli_jw w = CLI_JW_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = quote(&w, cases[i].in);
        assert_string_equal(got, cases[i].out);
        json_error_t e;
        json_t *j = json_loads(got, JSON_DECODE_ANY, &e);
        assert_non_null(j);
        assert_true(json_is_string(j));
        json_decref(j);
    }
    cli_jw_clear(&w);
}

/* Objects, nesting, integers, booleans, NULL strings left out; the line parses back. */
static void test_jsonw__objects(void **state)
{
    (void)state;
    cli_jw w = CLI_JW_INIT;
    cli_jw_begin(&w, NULL);
    cli_jw_int(&w, "row", 12);
    cli_jw_str(&w, "contact", "+1 \"x\"");
    cli_jw_str(&w, "message_id", NULL);
    cli_jw_begin(&w, "error");
    cli_jw_int(&w, "api_code", -9223372036854775807LL - 1);
    cli_jw_bool(&w, "retryable", 1);
    cli_jw_bool(&w, "fatal", 0);
    cli_jw_end(&w);
    cli_jw_begin(&w, "empty");
    cli_jw_end(&w);
    cli_jw_end(&w);
    cli_jw_raw(&w, "", 1);
    assert_true(loopmsg__buf_ok(&w.out));
    assert_string_equal(w.out.ptr,
                        "{\"row\":12,\"contact\":\"+1 \\\"x\\\"\",\"error\":{\"api_code\":"
                        "-9223372036854775808,\"retryable\":true,\"fatal\":false},"
                        "\"empty\":{}}");
    cli_jw_clear(&w);
    cli_jw_clear(&w); /* a cleared writer clears again */
}

/* The buffer is reused: once it has grown to the longest line, no further allocation (the
 * pointer and capacity stay), and a reset line starts clean. */
static void test_jsonw__buffer_reuse(void **state)
{
    (void)state;
    cli_jw w = CLI_JW_INIT;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cli_jw_begin(&w, NULL);
    cli_jw_str(&w, "text", big);
    cli_jw_end(&w);
    assert_true(w.out.len > sizeof big);
    char *buf = w.out.ptr;
    size_t cap = w.out.cap;
    for (int i = 0; i < 1000; i++) {
        cli_jw_reset(&w);
        assert_int_equal(w.out.len, 0);
        cli_jw_begin(&w, NULL);
        cli_jw_int(&w, "row", i);
        cli_jw_str(&w, "text", i % 2 ? "short" : big);
        cli_jw_end(&w);
        assert_ptr_equal(w.out.ptr, buf);
        assert_int_equal(w.out.cap, cap);
    }
    cli_jw_reset(&w);
    cli_jw_begin(&w, NULL);
    cli_jw_int(&w, "row", 1);
    cli_jw_end(&w);
    cli_jw_raw(&w, "", 1);
    assert_string_equal(w.out.ptr, "{\"row\":1}");
    cli_jw_clear(&w);
    assert_null(w.out.ptr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jsonw__escaping_matches_jansson, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_jsonw__invalid_utf8_is_replaced, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_jsonw__objects, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_jsonw__buffer_reuse, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
