/* SPDX-License-Identifier: MIT */
/* test_rows.c: the CLI's CSV / JSON-lines reader (campaign and bulk files). */
#include "test_support.h"
#include "cli/rows.h"

#include <string.h>

static const char *const cols[] = {"contact", "text", "subject", "effect", "attachments", NULL};
static const char *const req[] = {"contact", "text", NULL};

static int parse(const char *data, cli_rows_format fmt, cli_rows *rows, char *why)
{
    return cli_rows_parse(data, strlen(data), fmt, cols, req, rows, why, 256);
}

static void test_rows__csv_quoting_utf8_and_empty_cells(void **state)
{
    (void)state;
    cli_rows rows;
    char why[256] = "";
    const char *csv = "\xEF\xBB\xBF"
                      "Contact, text ,subject,attachments\r\n"
                      "+13231112233,\"Hello, \"\"you\"\"\",,https://a/1.png  https://a/2.png\r\n"
                      "\r\n"
                      "ruth@example.org,\"two\nlines \xc3\xa9\xf0\x9f\x98\x80\",Sub,\n";
    assert_int_equal(parse(csv, CLI_ROWS_CSV, &rows, why), 0);
    assert_int_equal(rows.count, 2);
    assert_string_equal(rows.rows[0].values[0], "+13231112233");
    assert_string_equal(rows.rows[0].values[1], "Hello, \"you\"");
    assert_null(rows.rows[0].values[2]); /* empty cell: not set */
    assert_int_equal(rows.rows[0].attachment_count, 2);
    assert_string_equal(rows.rows[0].attachments[1], "https://a/2.png");
    assert_int_equal(rows.rows[0].line, 2);
    assert_int_equal(rows.rows[1].line, 4);
    assert_string_equal(rows.rows[1].values[1], "two\nlines \xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(rows.rows[1].values[2], "Sub");
    assert_int_equal(rows.rows[1].attachment_count, 0);
    cli_rows_free(&rows);
}

static void expect_error(const char *data, cli_rows_format fmt, const char *needle)
{
    cli_rows rows;
    char why[256] = "";
    assert_int_equal(parse(data, fmt, &rows, why), -1);
    ts_assert_contains(why, needle);
    assert_int_equal(rows.count, 0);
    assert_null(rows.rows);
}

static void test_rows__csv_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("", CLI_ROWS_CSV, "the file is empty");
    expect_error("\n\n", CLI_ROWS_CSV, "the file is empty");
    expect_error("contact,text\n", CLI_ROWS_CSV, "the file has a header but no rows");
    expect_error("contact,text\n+1,a\n+2\n", CLI_ROWS_CSV, "line 3: 1 fields, the header has 2");
    expect_error("contact,text\n+1,\"open\n", CLI_ROWS_CSV, "line 2: unterminated quoted field");
    expect_error("contact,text\n+1,a\"b\n", CLI_ROWS_CSV, "line 2: quote inside an unquoted field");
    expect_error("contact,text\n+1,\"a\"b\n", CLI_ROWS_CSV,
                 "line 2: unexpected character after a closing quote");
    expect_error("contact,body\n", CLI_ROWS_CSV, "line 1: unknown column \"body\"");
    expect_error("contact,subject\n+1,x\n", CLI_ROWS_CSV, "the header has no \"text\" column");
    expect_error("contact,text,text\n", CLI_ROWS_CSV, "appears twice");
    expect_error("contact,text\n+1,\n", CLI_ROWS_CSV, "line 2: text is required");
    expect_error("contact,text\n\"a\nb\",x\n+1,\n", CLI_ROWS_CSV, "line 4: text is required");
}

static void test_rows__jsonl(void **state)
{
    (void)state;
    cli_rows rows;
    char why[256] = "";
    const char *j = "{\"contact\":\"+1\",\"text\":\"a\",\"attachments\":[\"https://x/1\","
                    "\"https://x/2\"]}\n\n   \n{\"contact\":\"b@c.d\",\"text\":\"\\u00e9\","
                    "\"subject\":null,\"attachments\":\"https://y/1 https://y/2\"}";
    assert_int_equal(parse(j, CLI_ROWS_JSONL, &rows, why), 0);
    assert_int_equal(rows.count, 2);
    assert_int_equal(rows.rows[0].attachment_count, 2);
    assert_int_equal(rows.rows[1].line, 4);
    assert_string_equal(rows.rows[1].values[1], "\xc3\xa9");
    assert_null(rows.rows[1].values[2]);
    assert_int_equal(rows.rows[1].attachment_count, 2);
    cli_rows_free(&rows);
    expect_error("", CLI_ROWS_JSONL, "the input has no rows");
    expect_error("{\"contact\":\"+1\",\"text\":\"a\"}\n{bad\n", CLI_ROWS_JSONL,
                 "line 2: invalid JSON");
    expect_error("[1]\n", CLI_ROWS_JSONL, "line 1: expected a JSON object");
    expect_error("{\"contact\":\"+1\",\"text\":2}\n", CLI_ROWS_JSONL,
                 "line 1: \"text\" must be a string");
    expect_error("{\"contact\":\"+1\",\"text\":\"a\",\"x\":\"y\"}", CLI_ROWS_JSONL,
                 "line 1: unknown field \"x\"");
    expect_error("{\"contact\":\"+1\"}", CLI_ROWS_JSONL, "line 1: text is required");
    expect_error("{\"contact\":\"+1\",\"text\":\"a\",\"text\":\"b\"}", CLI_ROWS_JSONL,
                 "line 1: invalid JSON");
    expect_error("{\"contact\":\"+1\",\"text\":\"a\",\"attachments\":[1]}", CLI_ROWS_JSONL,
                 "attachments must be strings");
}

/* Errors about the header name the header's own line, wherever it starts. */
static void test_rows__csv_header_errors_name_the_header_line(void **state)
{
    (void)state;
    expect_error("\n\ncontact,body\n+1,a\n", CLI_ROWS_CSV, "line 3: unknown column \"body\"");
    expect_error("\xEF\xBB\xBF\r\ncontact,text,Text\n", CLI_ROWS_CSV,
                 "line 2: column \"text\" appears twice");
    expect_error("\ncontact,subject\n+1,x\n", CLI_ROWS_CSV,
                 "line 2: the header has no \"text\" column");
}

/* A UTF-8 byte order mark (Windows editors write one) starts JSON lines as well as CSV. */
static void test_rows__jsonl_tolerates_a_bom(void **state)
{
    (void)state;
    cli_rows rows;
    char why[256] = "";
    const char *j = "\xEF\xBB\xBF{\"contact\":\"+1\",\"text\":\"a\"}\r\n"
                    "{\"contact\":\"+2\",\"text\":\"b\"}\r\n";
    assert_int_equal(parse(j, CLI_ROWS_JSONL, &rows, why), 0);
    assert_int_equal(rows.count, 2);
    assert_string_equal(rows.rows[0].values[0], "+1");
    assert_int_equal(rows.rows[0].line, 1);
    assert_int_equal(rows.rows[1].line, 2);
    cli_rows_free(&rows);
}

/* A NUL byte cannot pass through a C string: it would cut the value short. It is an error
 * naming the line and the column, never a shorter value. */
static void expect_error_n(const char *data, size_t len, cli_rows_format fmt, const char *needle)
{
    cli_rows rows;
    char why[256] = "";
    int rc = cli_rows_parse(data, len, fmt, cols, req, &rows, why, sizeof why);
    if (rc != -1) {
        if (rc == 0)
            cli_rows_free(&rows);
        fail_msg("accepted input with a NUL byte (want \"%s\")", needle);
    }
    ts_assert_contains(why, needle);
    assert_int_equal(rows.count, 0);
    assert_null(rows.rows);
}

#define NUL_CASE(lit, fmt, needle) expect_error_n((lit), sizeof(lit) - 1, (fmt), (needle))

static void test_rows__nul_byte_is_an_error_naming_line_and_column(void **state)
{
    (void)state;
    NUL_CASE("contact,text\n+1,ok\n+2,ab\0cd\n", CLI_ROWS_CSV,
             "line 3: \"text\" contains a NUL byte");
    NUL_CASE("contact,text\n+13231112233\0junk,hi\n", CLI_ROWS_CSV,
             "line 2: \"contact\" contains a NUL byte");
    NUL_CASE("contact,text\n+1,\"quoted\nab\0\"\n", CLI_ROWS_CSV,
             "line 2: \"text\" contains a NUL byte");
    NUL_CASE("contact,text,subject\n+1,a,\0\n", CLI_ROWS_CSV,
             "line 2: \"subject\" contains a NUL byte");
    NUL_CASE("contact,text,attachments\n+1,a,https://x/1\0 https://x/2\n", CLI_ROWS_CSV,
             "line 2: \"attachments\" contains a NUL byte");
    NUL_CASE("contact,te\0xt\n+1,a\n", CLI_ROWS_CSV, "line 1: the header contains a NUL byte");
    NUL_CASE("contact,text\n+1,a\n\0\n", CLI_ROWS_CSV, "line 3: ");
    /* JSON lines refuse both the escape and the raw byte. */
    NUL_CASE("{\"contact\":\"+1\",\"text\":\"a\"}\n{\"contact\":\"+1\",\"text\":\"a\\u0000b\"}\n",
             CLI_ROWS_JSONL, "line 2: ");
    NUL_CASE("{\"contact\":\"+1\",\"text\":\"a\0b\"}\n", CLI_ROWS_JSONL, "line 1: ");
    NUL_CASE("{\"contact\":\"+1\",\"text\":\"a\"}\0\n", CLI_ROWS_JSONL, "line 1: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows__csv_quoting_utf8_and_empty_cells, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_rows__csv_errors_name_the_line, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_rows__jsonl, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_rows__csv_header_errors_name_the_header_line, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_rows__jsonl_tolerates_a_bom, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_rows__nul_byte_is_an_error_naming_line_and_column,
                                        ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
