/* SPDX-License-Identifier: MIT */
/*
 * test_cli_resources.c: the audience, campaign, senders, pools, opt-in and webhook-history
 * commands end to end: requests on the wire, --all --json streaming one object per line,
 * campaign files (CSV and JSON lines) with a bad row refused by line number.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void script_page(ts_env *env, int page, int num_pages, int first, int n)
{
    char body[2048];
    int o = snprintf(body, sizeof body,
                     "{\"page\":%d,\"num_pages\":%d,\"per_page\":2,\"count\":5,\"items\":[", page,
                     num_pages);
    for (int i = 0; i < n; i++)
        o += snprintf(body + o, sizeof body - (size_t)o, "%s{\"id\":\"c%d\",\"value\":\"v%d\"}",
                      i ? "," : "", first + i, first + i);
    snprintf(body + o, sizeof body - (size_t)o, "]}");
    ts_script(env, 200, body);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void assert_path(ts_env *env, size_t i, const char *method, const char *path,
                        const char *query)
{
    loopmsg_emulator_request *r = ts_request(env, i);
    assert_string_equal(r->method, method);
    assert_string_equal(r->path, path);
    assert_string_equal(r->query, query);
    loopmsg_emulator_request_free(r);
}

static void test_cli_resources__all_json_streams_items(void **state)
{
    ts_env *env = *state;
    script_page(env, 1, 3, 0, 2);
    script_page(env, 2, 3, 2, 2);
    script_page(env, 3, 3, 4, 1);
    const char *argv[] = {"audience", "list", "--all", "--json", "--per-page", "2", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    assert_int_equal(count(cli.out, "\n"), 5);
    ts_assert_contains(cli.out, "{\"id\":\"c0\",\"value\":\"v0\"}\n{\"id\":\"c1\"");
    ts_assert_contains(cli.out, "{\"id\":\"c4\",\"value\":\"v4\"}\n");
    assert_path(env, 2, "GET", "/api/v1/audience/list/", "page=3&per_page=2");
    ts_cli_free(&cli);
    /* --limit stops early. */
    script_page(env, 1, 3, 0, 2);
    script_page(env, 2, 3, 2, 2);
    const char *argv2[] = {"audience", "list", "--all", "--json", "--limit", "3", NULL};
    assert_int_equal(ts_cli_run(&cli, env, argv2, NULL), 0);
    assert_int_equal(count(cli.out, "\n"), 3);
    assert_int_equal(ts_request_count(env), 5);
    ts_cli_free(&cli);
}

static void test_cli_resources__one_page_json_is_the_response(void **state)
{
    ts_env *env = *state;
    script_page(env, 1, 1, 0, 1);
    const char *argv[] = {"audience",   "list",     "--json", "--sort", "asc", "--from",
                          "2026-01-01", "--search", "+1 323", "--page", "1",   NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    ts_assert_json_eq("{\"page\":1,\"num_pages\":1,\"per_page\":2,\"count\":5,\"items\":"
                      "[{\"id\":\"c0\",\"value\":\"v0\"}]}",
                      cli.out);
    assert_path(env, 0, "GET", "/api/v1/audience/list/",
                "page=1&sort_by=asc&from_date=2026-01-01&search=%2B1%20323");
    ts_cli_free(&cli);
    const char *bad[] = {"audience", "list", "--from", "2026-02-30", NULL};
    assert_int_equal(ts_cli_run(&cli, env, bad, NULL), 2);
    ts_assert_contains(cli.err, "from_date: must be a real date");
    assert_int_equal(ts_request_count(env), 1);
    ts_cli_free(&cli);
}

static void test_cli_resources__contact_commands(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    ts_script(env, 200, "{\"status\":\"active\"}");
    const char *st[] = {"audience", "status", "+13231112233", NULL};
    assert_int_equal(ts_cli_run(&cli, env, st, NULL), 0);
    assert_string_equal(cli.out, "active\n");
    ts_cli_free(&cli);
    ts_script(env, 204, NULL);
    const char *un[] = {"audience", "unsubscribe", "+13231112233", "--json", NULL};
    assert_int_equal(ts_cli_run(&cli, env, un, NULL), 0);
    assert_string_equal(cli.out, "{\"success\":true}\n");
    ts_cli_free(&cli);
    ts_script(env, 200, "{\"page\":1,\"num_pages\":1,\"status\":\"active\",\"items\":[]}");
    const char *hist[] = {"audience", "history", "+13231112233", "--direction",
                          "outbound", "--type",  "text",         NULL};
    assert_int_equal(ts_cli_run(&cli, env, hist, NULL), 0);
    ts_assert_contains(cli.err, "contact status: active");
    ts_cli_free(&cli);
    assert_path(env, 0, "GET", "/api/v1/audience/check-status/%2B13231112233/", "");
    assert_path(env, 1, "DELETE", "/api/v1/audience/delete/%2B13231112233/", "");
    assert_path(env, 2, "GET", "/api/v1/audience/messages/%2B13231112233/",
                "direction=outbound&type=text");
    const char *missing[] = {"audience", "status", NULL};
    assert_int_equal(ts_cli_run(&cli, env, missing, NULL), 2);
    ts_cli_free(&cli);
}

static void test_cli_resources__senders_pools_optin_webhooks(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    const char *s1[] = {"senders", "list", NULL};
    assert_int_equal(ts_cli_run(&cli, env, s1, NULL), 0);
    ts_assert_contains(cli.out, "sender-1");
    ts_cli_free(&cli);
    const char *s2[] = {"senders", "show", "sender-1", "--json", NULL};
    assert_int_equal(ts_cli_run(&cli, env, s2, NULL), 0);
    ts_assert_contains(cli.out, "\"id\":\"sender-1\"");
    ts_cli_free(&cli);
    const char *p1[] = {"pools", "list", "--json", NULL};
    assert_int_equal(ts_cli_run(&cli, env, p1, NULL), 0);
    ts_assert_contains(cli.out, "\"items\"");
    ts_cli_free(&cli);
    const char *o1[] = {"opt-in",  "url",         "--body",        "Join [opt-in-code]",
                        "--field", "click_id=c1", "--sender-type", "shared",
                        NULL};
    assert_int_equal(ts_cli_run(&cli, env, o1, NULL), 0);
    ts_assert_contains(cli.out, "https://");
    ts_cli_free(&cli);
    const char *o2[] = {"opt-in", "url", "--body", "no placeholder", NULL};
    assert_int_equal(ts_cli_run(&cli, env, o2, NULL), 2);
    ts_assert_contains(cli.err, "[opt-in-code]");
    ts_cli_free(&cli);
    const char *w1[] = {"webhooks", "history", "--json", NULL};
    assert_int_equal(ts_cli_run(&cli, env, w1, NULL), 0);
    ts_cli_free(&cli);
    const char *o3[] = {"audience", "opt-ins", "--per-page", "5", NULL};
    assert_int_equal(ts_cli_run(&cli, env, o3, NULL), 0);
    ts_cli_free(&cli);
    assert_path(env, 0, "GET", "/api/v1/sender/list/", "");
    assert_path(env, 1, "GET", "/api/v1/sender/sender-1/", "");
    assert_path(env, 2, "GET", "/api/v1/pool/list/", "");
    assert_path(env, 3, "POST", "/api/v1/opt-in/generate-url/", "");
    assert_path(env, 4, "GET", "/api/v1/webhooks/history/", "");
    assert_path(env, 5, "GET", "/api/v1/audience/tracker/", "per_page=5");
    loopmsg_emulator_request *r = ts_request(env, 3);
    ts_assert_json_eq("{\"body\":\"Join [opt-in-code]\",\"sender_type\":\"shared\","
                      "\"click_id\":\"c1\"}",
                      r->body);
    loopmsg_emulator_request_free(r);
}

static const char *tmpfile_with(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/loopmsg-res-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

static void test_cli_resources__campaign_broadcast_and_files(void **state)
{
    ts_env *env = *state;
    ts_cli cli;
    const char *b[] = {"campaign",    "create",
                       "--name",      "Drop",
                       "--text",      "New!",
                       "--contact",   "+13231112233",
                       "--contact",   "ruth@example.org",
                       "--timezone",  "Europe/Berlin",
                       "--from-time", "09:00",
                       "--to-time",   "17:30",
                       NULL};
    assert_int_equal(ts_cli_run(&cli, env, b, NULL), 0);
    assert_true(strlen(cli.out) > 5);
    ts_cli_free(&cli);
    loopmsg_emulator_request *r = ts_request(env, 0);
    ts_assert_json_eq("{\"name\":\"Drop\",\"text\":\"New!\",\"contacts\":[\"+13231112233\","
                      "\"ruth@example.org\"],\"from_time\":\"09:00\",\"to_time\":\"17:30\","
                      "\"timezone\":\"Europe/Berlin\"}",
                      r->body);
    loopmsg_emulator_request_free(r);

    const char *csv = tmpfile_with("m.csv", "contact,text,subject,effect,attachments\n"
                                            "+13231112233,\"Hi \"\"Ann\"\", \xc3\xa9\",S,love,"
                                            "https://a/1.png https://a/2.png\n"
                                            "ruth@example.org,Hi Ruth,,,\n");
    const char *m[] = {"campaign", "create", "--name", "Per person", "--messages", csv, NULL};
    assert_int_equal(ts_cli_run(&cli, env, m, NULL), 0);
    ts_cli_free(&cli);
    r = ts_request(env, 1);
    ts_assert_json_eq("{\"name\":\"Per person\",\"messages\":[{\"contact\":\"+13231112233\","
                      "\"text\":\"Hi \\\"Ann\\\", \\u00e9\",\"subject\":\"S\",\"effect\":\"love\","
                      "\"attachments\":[\"https://a/1.png\",\"https://a/2.png\"]},{\"contact\":"
                      "\"ruth@example.org\",\"text\":\"Hi Ruth\"}]}",
                      r->body);
    loopmsg_emulator_request_free(r);

    const char *jl = tmpfile_with("m.jsonl", "{\"contact\":\"+13231112233\",\"text\":\"a\"}\n\n"
                                             "{\"contact\":\"+13231112233\",\"text\":\"b\","
                                             "\"effect\":\"sparkle\"}\n");
    const char *bad[] = {"campaign", "create", "--name", "x", "--messages", jl, NULL};
    assert_int_equal(ts_cli_run(&cli, env, bad, NULL), 2);
    ts_assert_contains(cli.err, "line 3: unknown effect 'sparkle'");
    ts_cli_free(&cli);
    const char *empty = tmpfile_with("e.csv", "");
    const char *e[] = {"campaign", "create", "--name", "x", "--messages", empty, NULL};
    assert_int_equal(ts_cli_run(&cli, env, e, NULL), 2);
    ts_assert_contains(cli.err, "the file is empty");
    ts_cli_free(&cli);
    const char *four = tmpfile_with("4.csv", "contact,text,attachments\n+13231112233,x,"
                                             "https://a/1 https://a/2 https://a/3 https://a/4\n");
    const char *f[] = {"campaign", "create", "--name", "x", "--messages", four, NULL};
    assert_int_equal(ts_cli_run(&cli, env, f, NULL), 2);
    ts_assert_contains(cli.err, "line 2: campaign: messages[0]: attachments: at most 3");
    ts_cli_free(&cli);
    const char *mix[] = {"campaign", "create",     "--name", "x", "--text",
                         "t",        "--messages", four,     NULL};
    assert_int_equal(ts_cli_run(&cli, env, mix, NULL), 2);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cli_resources__all_json_streams_items),
        T(test_cli_resources__one_page_json_is_the_response),
        T(test_cli_resources__contact_commands),
        T(test_cli_resources__senders_pools_optin_webhooks),
        T(test_cli_resources__campaign_broadcast_and_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
