/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c: the loopmsg command end to end. The emulator runs in this process; the CLI
 * ($LOOPMSG_CLI) runs as a child with LOOP_API_KEY and LOOP_BASE_URL pointing at it (every
 * other LOOP_* variable removed). Each test checks the exit code (the contract in cli.h),
 * stdout, stderr and what reached the emulator.
 */
#include "test_support.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONTACT        "+13231112233"
#define RUN_TIMEOUT_MS 30000

/* ---- running the CLI ---------------------------------------------------------------------- */

typedef struct cli_run {
    int exit_code; /* -1 when killed by a signal */
    int signal;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    uint64_t elapsed_ms;
} cli_run;

typedef struct cli_opts {
    const char *stdin_data; /* NULL = empty standard input */
    const char *base_url;   /* NULL = the emulator */
    bool no_key_in_env;     /* do not set LOOP_API_KEY */
    const char *stdin_path; /* standard input from this file (instead of stdin_data) */
} cli_opts;

static void run_free(cli_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Run `loopmsg args...` (args NULL-terminated, without argv[0]) through the shared
 * ts_cli helper. */
static void run_cli(ts_env *env, cli_run *res, const cli_opts *opts, const char *const *args)
{
    static const cli_opts none = {0};
    if (!opts)
        opts = &none;
    ts_cli_opts o = {.stdin_path = opts->stdin_path,
                     .stdin_data = opts->stdin_data || opts->stdin_path ? opts->stdin_data : "",
                     .base_url = opts->base_url,
                     .no_key = opts->no_key_in_env};
    ts_cli cli;
    ts_cli_start_ex(&cli, env, args, &o);
    ts_cli_wait(&cli, RUN_TIMEOUT_MS);
    memset(res, 0, sizeof *res);
    res->out = cli.out;
    res->out_len = strlen(cli.out);
    res->err = cli.err;
    res->err_len = strlen(cli.err);
    res->elapsed_ms = cli.elapsed_ms;
    res->signal = cli.signal;
    res->exit_code = cli.signal ? -1 : cli.exit_code;
    if (cli.timed_out)
        fail_msg("loopmsg %s did not finish within %d ms; stderr: %s", args[0], RUN_TIMEOUT_MS,
                 res->err);
}

#define assert_exit(run, code) assert_exit_impl((run), (code), __FILE__, __LINE__)

static void assert_exit_impl(const cli_run *r, int code, const char *file, int line)
{
    if (r->exit_code != code)
        fail_msg("%s:%d: expected exit %d, got %d (signal %d)\n--- stdout:\n%s\n--- stderr:\n%s",
                 file, line, code, r->exit_code, r->signal, r->out, r->err);
}

static void assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        fail_msg("\"%s\" contains \"%s\"", haystack, needle);
}

/* True when s is an upper-case UUID followed by one newline and nothing else. */
static bool is_id_line(const char *s)
{
    size_t n = strlen(s);
    if (n != 37 || s[36] != '\n')
        return false;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* stdout holds exactly one JSON object on one line: parse it. */
static json_t *one_json_object(const cli_run *r)
{
    if (r->out_len == 0 || r->out[r->out_len - 1] != '\n' || memchr(r->out, '\n', r->out_len - 1))
        fail_msg("stdout is not exactly one line: \"%s\"", r->out);
    json_error_t e;
    json_t *j = json_loadb(r->out, r->out_len, 0, &e); /* refuses trailing content */
    if (!json_is_object(j))
        fail_msg("stdout is not one JSON object: %s (%s)", r->out, e.text);
    return j;
}

static void assert_request(ts_env *env, size_t index, const char *method, const char *path,
                           const char *json)
{
    loopmsg_emulator_request *q = ts_request(env, index);
    assert_string_equal(q->method, method);
    assert_string_equal(q->path, path);
    assert_string_equal(q->authorization, TS_KEY);
    assert_string_equal(q->user_agent, "libloopmsg/" LOOPMSG_VERSION " loopmsg-cli");
    if (json)
        ts_assert_json_eq(json, q->body);
    loopmsg_emulator_request_free(q);
}

/* Run the CLI and check its exit code; the run is freed. */
#define run_expect(env, opts, args, code)                                                          \
    run_expect_impl((env), (opts), (args), (code), NULL, NULL, false, __FILE__, __LINE__)
/* The same, and stdout is exactly out. */
#define run_expect_out(env, opts, args, code, out)                                                 \
    run_expect_impl((env), (opts), (args), (code), (out), NULL, false, __FILE__, __LINE__)
/* The same, and stderr contains needle. */
#define run_expect_err(env, opts, args, code, needle)                                              \
    run_expect_impl((env), (opts), (args), (code), NULL, (needle), false, __FILE__, __LINE__)
/* Exit 0, and stdout is a message id alone. */
#define run_expect_id(env, opts, args)                                                             \
    run_expect_impl((env), (opts), (args), 0, NULL, NULL, true, __FILE__, __LINE__)

static void run_expect_impl(ts_env *env, const cli_opts *opts, const char *const *args, int code,
                            const char *out, const char *err_needle, bool id_line, const char *file,
                            int line)
{
    cli_run r;
    run_cli(env, &r, opts, args);
    assert_exit_impl(&r, code, file, line);
    if (out)
        assert_string_equal(r.out, out);
    if (err_needle)
        ts_assert_contains(r.err, err_needle);
    if (id_line)
        assert_true(is_id_line(r.out));
    run_free(&r);
}

/* A --json run that failed with exit code: *doc is stdout's one JSON object (the caller
 * json_decref()s it and run_free()s r); returns its "error" member. */
#define run_json_error(env, r, opts, args, code, doc)                                              \
    run_json_error_impl((env), (r), (opts), (args), (code), (doc), __FILE__, __LINE__)

static json_t *run_json_error_impl(ts_env *env, cli_run *r, const cli_opts *opts,
                                   const char *const *args, int code, json_t **doc,
                                   const char *file, int line)
{
    run_cli(env, r, opts, args);
    assert_exit_impl(r, code, file, line);
    *doc = one_json_object(r);
    return json_object_get(*doc, "error");
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_int_t jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* ---- send ------------------------------------------------------------------------------------ */

static void test_cli__send_prints_message_id(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    if (!is_id_line(r.out))
        fail_msg("stdout is not a message id alone: \"%s\"", r.out);
    ts_assert_contains(r.err, "accepted for " CONTACT);
    assert_int_equal(ts_request_count(env), 1);
    assert_request(env, 0, "POST", "/api/v1/message/send/",
                   "{\"contact\":\"" CONTACT "\",\"text\":\"hi\"}");

    /* The id printed is the one the API gave. */
    char id[40];
    snprintf(id, sizeof id, "%.36s", r.out);
    run_free(&r);
    loopmsg_message_status *s = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, id, &s, &err), &err);
    assert_string_equal(s->message_id, id);
    assert_string_equal(s->text, "hi");
    loopmsg_message_status_free(s);
}

static void test_cli__send_all_fields(void **state)
{
    ts_env *env = *state;
    char reply_to[64];
    ts_seed_message(env, CONTACT, reply_to, sizeof reply_to);
    const char *args[] = {"send",
                          "--contact",
                          CONTACT,
                          "--text",
                          "Hello there",
                          "--subject",
                          "News",
                          "--attachment",
                          "https://cdn.example.com/a.png",
                          "--attachment",
                          "https://cdn.example.com/b.png",
                          "--effect",
                          "confetti",
                          "--reply-to",
                          reply_to,
                          "--passthrough",
                          "order=42",
                          "--channel",
                          "imessage",
                          "--contact-file",
                          "--sender",
                          "sender-1",
                          NULL};
    run_expect_id(env, NULL, args);
    assert_int_equal(ts_request_count(env), 1);
    char expected[640];
    snprintf(expected, sizeof expected,
             "{\"contact\":\"" CONTACT "\",\"text\":\"Hello there\",\"subject\":\"News\","
             "\"attachments\":[\"https://cdn.example.com/a.png\",\"https://cdn.example.com/"
             "b.png\"],\"effect\":\"confetti\",\"reply_to_id\":\"%s\",\"passthrough\":"
             "\"order=42\",\"channel\":\"imessage\",\"contact_file\":true,\"sender\":"
             "\"sender-1\"}",
             reply_to);
    assert_request(env, 0, "POST", "/api/v1/message/send/", expected);
}

static void test_cli__send_json(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--json", "send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    json_t *j = one_json_object(&r);
    const char *id = jstr(j, "message_id");
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    assert_string_equal(jstr(j, "contact"), CONTACT);
    assert_string_equal(jstr(j, "text"), "hi");
    json_decref(j);
    run_free(&r);

    /* --json after the command works the same. */
    const char *args2[] = {"send", "--contact", CONTACT, "--text", "hi", "--json", NULL};
    run_cli(env, &r, NULL, args2);
    assert_exit(&r, 0);
    j = one_json_object(&r);
    assert_non_null(jstr(j, "message_id"));
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 2);
}

static void test_cli__text_from_stdin(void **state)
{
    ts_env *env = *state;
    cli_opts o = {.stdin_data = "hello from stdin\nsecond line \xf0\x9f\x91\x8b\n"};
    const char *args[] = {"send", "--contact", CONTACT, "--text", "-", NULL};
    run_expect_id(env, &o, args);
    assert_int_equal(ts_request_count(env), 1);
    assert_request(env, 0, "POST", "/api/v1/message/send/",
                   "{\"contact\":\"" CONTACT
                   "\",\"text\":\"hello from stdin\\nsecond line \\ud83d\\udc4b\"}");

    /* Empty standard input is an empty text: refused before sending. */
    cli_opts empty = {.stdin_data = ""};
    run_expect_err(env, &empty, args, 2, "text");
    assert_int_equal(ts_request_count(env), 1);
}

/* ---- errors and exit codes ------------------------------------------------------------------ */

static void test_cli__validation_error_exits_2(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"send", "--contact",    CONTACT,    "--text",
                          "hi",   "--attachment", "http://x", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 2);
    assert_string_equal(r.out, "");
    ts_assert_contains(r.err, "attachment");
    ts_assert_contains(r.err, "https://");
    run_free(&r);

    const char *args_json[] = {"send",         "--contact", CONTACT,  "--text", "hi",
                               "--attachment", "http://x",  "--json", NULL};
    json_t *j;
    json_t *e = run_json_error(env, &r, NULL, args_json, 2, &j);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_INVALID_ARG");
    assert_int_equal(jint(e, "http_status"), 0);
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_cli__api_error_exits_3(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *body = "{\"success\":false,\"code\":140,\"message\":\"Text is missing\"}";
    ts_script(env, 400, body);
    const char *args[] = {"send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 3);
    assert_string_equal(r.out, "");
    ts_assert_contains(r.err, "API code 140");
    ts_assert_contains(r.err, "Text is missing");
    run_free(&r);

    ts_script(env, 400, body);
    const char *args_json[] = {"--json", "send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, NULL, args_json);
    assert_exit(&r, 3);
    json_t *j = one_json_object(&r);
    assert_int_equal(json_object_size(j), 1);
    json_t *e = json_object_get(j, "error");
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(e), 7);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_API");
    assert_true(json_is_integer(json_object_get(e, "http_status")));
    assert_int_equal(jint(e, "http_status"), 400);
    assert_int_equal(jint(e, "api_code"), 140);
    const char *msg = jstr(e, "message");
    assert_non_null(msg);
    ts_assert_contains(msg, "API code 140");
    ts_assert_contains(msg, "Text is missing");
    assert_true(json_is_false(json_object_get(e, "retryable")));
    assert_true(json_is_false(json_object_get(e, "maybe_delivered")));
    assert_true(json_is_false(json_object_get(e, "fatal")));
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 2);
}

/* 1020: sent, the destination reported it not delivered: an API error the caller may retry
 * later (exit 3). 1030: no delivery confirmation, the message may have been delivered: the
 * outcome is unknown (exit 5), as send-bulk journals it. Neither is resent. */
static void test_cli__codes_1020_1030_flags_in_json(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--json", "send", "--contact", CONTACT, "--text", "hi", NULL};
    ts_script(env, 400, "{\"success\":false,\"code\":1020,\"message\":\"Not delivered\"}");
    json_t *j;
    json_t *e = run_json_error(env, &r, NULL, args, 3, &j);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_API");
    assert_int_equal(jint(e, "http_status"), 400);
    assert_int_equal(jint(e, "api_code"), 1020);
    ts_assert_contains(jstr(e, "message"), "the destination reported it not delivered");
    assert_true(json_is_true(json_object_get(e, "retryable")));
    assert_true(json_is_false(json_object_get(e, "maybe_delivered")));
    assert_true(json_is_false(json_object_get(e, "fatal")));
    assert_not_contains(r.err, "may have been delivered");
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 1);

    ts_script(env, 400,
              "{\"success\":false,\"code\":1030,\"message\":\"No delivery confirmation\"}");
    e = run_json_error(env, &r, NULL, args, 5, &j);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_API");
    assert_int_equal(jint(e, "api_code"), 1030);
    ts_assert_contains(jstr(e, "message"), "no delivery confirmation came back");
    assert_true(json_is_true(json_object_get(e, "retryable")));
    assert_true(json_is_true(json_object_get(e, "maybe_delivered")));
    assert_true(json_is_false(json_object_get(e, "fatal")));
    ts_assert_contains(r.err, "may have been delivered; not resending");
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 2);
}

static void test_cli__auth_error_is_fatal_in_json(void **state)
{
    ts_env *env = *state;
    cli_run r;
    cli_opts o = {.no_key_in_env = true};
    const char *args[] = {"--json", "send",   "--api-key", "wrong-key", "--contact",
                          CONTACT,  "--text", "hi",        NULL};
    json_t *j;
    json_t *e = run_json_error(env, &r, &o, args, 3, &j);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_AUTH");
    assert_int_equal(jint(e, "http_status"), 401);
    assert_int_equal(jint(e, "api_code"), 130);
    assert_true(json_is_true(json_object_get(e, "fatal")));
    assert_not_contains(r.out, "wrong-key");
    assert_not_contains(r.err, "wrong-key");
    json_decref(j);
    run_free(&r);
}

static void test_cli__transport_error_exits_4(void **state)
{
    ts_env *env = *state;
    char url[64];
    int fd = ts_refusing_url(url, sizeof url);
    cli_run r;
    cli_opts o = {.base_url = url};
    const char *args[] = {"--retries", "0", "send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, &o, args);
    assert_exit(&r, 4);
    assert_string_equal(r.out, "");
    ts_assert_contains(r.err, "transport error");
    ts_assert_contains(r.err, url);
    assert_not_contains(r.err, "may have been delivered");
    run_free(&r);

    const char *args_json[] = {"--json", "send",      "--contact", CONTACT, "--text",
                               "hi",     "--retries", "0",         NULL};
    json_t *j;
    json_t *e = run_json_error(env, &r, &o, args_json, 4, &j);
    close(fd);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_TRANSPORT");
    assert_true(json_is_true(json_object_get(e, "retryable")));
    assert_true(json_is_false(json_object_get(e, "maybe_delivered")));
    json_decref(j);
    run_free(&r);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_cli__timeout_after_send_exits_5(void **state)
{
    ts_env *env = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.body = "{\"message_id\":\"LATE\"}";
    a.delay_ms = 8000;
    ts_script_full(env, &a);
    cli_run r;
    const char *args[] = {"--timeout", "300",   "--retries", "0",  "send",
                          "--contact", CONTACT, "--text",    "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 5);
    assert_string_equal(r.out, "");
    ts_assert_contains(r.err, "timed out");
    ts_assert_contains(r.err, "may have been delivered");
    assert_true(r.elapsed_ms < 8000 || ts_slow());
    run_free(&r);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_cli__gateway_error_on_send_exits_5(void **state)
{
    ts_env *env = *state;
    ts_script(env, 502, "{\"message\":\"bad gateway\"}");
    const char *args[] = {"send", "--contact", CONTACT, "--text", "hi", NULL};
    run_expect_err(env, NULL, args, 5, "may have been delivered");
    assert_int_equal(ts_request_count(env), 1); /* never resent */
}

/* A 2xx the CLI cannot read means the API accepted the send: a script must not resend it
 * as it would after an API error (exit 3). */
static void test_cli__unreadable_answer_to_send_exits_5(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"send", "--contact", CONTACT, "--text", "hi", NULL};
    ts_script(env, 200, "{\"contact\":\"" CONTACT "\"}"); /* no message_id */
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 5);
    assert_string_equal(r.out, "");
    ts_assert_contains(r.err, "message_id is missing");
    ts_assert_contains(r.err, "may have been delivered");
    run_free(&r);

    ts_script(env, 200, "<html>OK</html>");
    const char *args_json[] = {"--json", "send", "--contact", CONTACT, "--text", "hi", NULL};
    json_t *j;
    json_t *e = run_json_error(env, &r, NULL, args_json, 5, &j);
    assert_string_equal(jstr(e, "status"), "LOOPMSG_E_PROTOCOL");
    assert_int_equal(jint(e, "http_status"), 200);
    assert_true(json_is_true(json_object_get(e, "maybe_delivered")));
    json_decref(j);
    run_free(&r);

    /* The same answer to a GET is just a bad answer. */
    ts_script(env, 200, "<html>OK</html>");
    const char *args_status[] = {"status", "ABC", NULL};
    run_expect(env, NULL, args_status, 3);
    assert_int_equal(ts_request_count(env), 3);
}

/* ---- NUL bytes in input values ------------------------------------------------------------- */

/* A temporary file holding exactly len bytes (NUL bytes included); the path is static. */
static const char *write_bytes(const char *suffix, const char *data, size_t len)
{
    static char path[4][64];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "/tmp/loopmsg-nul-XXXXXX%s", suffix);
    int fd = mkstemps(p, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return p;
}

#define WRITE_LIT(suffix, lit) write_bytes((suffix), (lit), sizeof(lit) - 1)

/* A NUL byte would cut a value short (C strings): every value read from a file or from
 * standard input that holds one is a validation error naming where, and nothing is sent. */
static void test_cli__nul_byte_in_input_is_a_validation_error(void **state)
{
    ts_env *env = *state;
    cli_run r;

    const char *text_in = WRITE_LIT("", "hello\0world\n");
    cli_opts o = {.stdin_path = text_in};
    const char *send[] = {"send", "--contact", CONTACT, "--text", "-", NULL};
    run_cli(env, &r, &o, send);
    assert_exit(&r, 2);
    ts_assert_contains(r.err, "--text -: standard input contains a NUL byte (at byte 5)");
    assert_string_equal(r.out, "");
    run_free(&r);

    static const struct {
        const char *cmd;
        const char *opt;
        const char *suffix;
        const char *data;
        size_t len;
        const char *needle;
    } cases[] = {
#define C(cmd, opt, suffix, lit, needle) {cmd, opt, suffix, lit, sizeof(lit) - 1, needle}
        C("send-bulk", "--file", ".csv", "contact,text\n" CONTACT ",ab\0cd\n",
          "line 2: \"text\" contains a NUL byte"),
        C("send-bulk", "--file", ".csv", "contact,text\n" CONTACT ",ok\n" CONTACT "\0junk,hi\n",
          "line 3: \"contact\" contains a NUL byte"),
        C("send-bulk", "--file", ".jsonl", "{\"contact\":\"" CONTACT "\",\"text\":\"ab\0cd\"}\n",
          "line 1: "),
        C("send-bulk", "--file", "-", "{\"contact\":\"" CONTACT "\",\"text\":\"a\\u0000b\"}\n",
          "line 1: "),
        C("campaign", "--messages", ".csv", "contact,text\n" CONTACT ",ab\0cd\n",
          "line 2: \"text\" contains a NUL byte"),
#undef C
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int from_stdin = strcmp(cases[i].suffix, "-") == 0;
        const char *f = write_bytes(from_stdin ? "" : cases[i].suffix, cases[i].data, cases[i].len);
        cli_opts oi = {.stdin_path = from_stdin ? f : NULL};
        const char *bulk[] = {cases[i].cmd, cases[i].opt, from_stdin ? "-" : f, NULL};
        const char *camp[] = {"campaign", "create", "--name", "n", cases[i].opt, f, NULL};
        run_cli(env, &r, &oi, strcmp(cases[i].cmd, "campaign") == 0 ? camp : bulk);
        if (r.exit_code != 2 || !strstr(r.err, cases[i].needle))
            fail_msg("case %zu (%s %s): exit %d, want 2 and \"%s\"; stderr: %s", i, cases[i].cmd,
                     cases[i].suffix, r.exit_code, cases[i].needle, r.err);
        run_free(&r);
        unlink(f);
    }
    unlink(text_in);
    assert_int_equal(ts_request_count(env), 0);
}

/* ---- the key stays out of the output ------------------------------------------------------ */

static void test_cli__verbose_redacts_key(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--verbose", "send", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    assert_true(is_id_line(r.out));
    ts_assert_contains(r.err, "> POST ");
    ts_assert_contains(r.err, "[redacted]");
    assert_not_contains(r.err, TS_KEY);
    assert_not_contains(r.out, TS_KEY);
    run_free(&r);

    /* The key given on the command line, verbose after the command, a failing call. */
    cli_opts o = {.no_key_in_env = true};
    ts_script(env, 401, "{\"success\":false,\"code\":130,\"message\":\"key " TS_KEY " unknown\"}");
    const char *args2[] = {"send",  "--api-key", TS_KEY, "--verbose", "--contact",
                           CONTACT, "--text",    "hi",   NULL};
    run_cli(env, &r, &o, args2);
    assert_exit(&r, 3);
    ts_assert_contains(r.err, "[redacted]");
    assert_not_contains(r.err, TS_KEY);
    assert_not_contains(r.out, TS_KEY);
    run_free(&r);

    const char *args3[] = {
        "send", "--api-key=" TS_KEY, "--verbose", "--contact", CONTACT, "--text", "hi", NULL};
    run_cli(env, &r, &o, args3);
    assert_exit(&r, 0);
    ts_assert_contains(r.err, "[redacted]");
    assert_not_contains(r.err, TS_KEY);
    run_free(&r);

    assert_int_equal(ts_request_count(env), 3);
    for (size_t i = 0; i < 3; i++)
        assert_request(env, i, "POST", "/api/v1/message/send/", NULL); /* the key was used */
}

/* ---- global options before the command ---------------------------------------------------- */

/* Every global option, with a sample value (NULL: a flag; base_url: the emulator's URL). */
static const struct {
    const char *name;
    const char *value;
} global_options[] = {
    {"--api-key", TS_KEY}, {"--base-url", "(emulator)"}, {"--sender", "sender-1"},
    {"--timeout", "5000"}, {"--retries", "0"},           {"--retry-delay", "10"},
    {"--json", NULL},      {"--verbose", NULL},
};
#define N_GLOBALS (sizeof global_options / sizeof global_options[0])

/* Append global option k (and its value) to args. */
static size_t push_global(const ts_env *env, const char **args, size_t n, size_t k)
{
    args[n++] = global_options[k].name;
    if (global_options[k].value)
        args[n++] =
            strcmp(global_options[k].name, "--base-url") == 0 ? env->url : global_options[k].value;
    return n;
}

/* `loopmsg A B send ...` for every ordered pair of distinct global options: the command
 * word is found, and each option takes effect where the outcome shows it. */
static void test_cli__every_pair_of_global_options_before_the_command(void **state)
{
    ts_env *env = *state;
    char refused[64];
    int fd = ts_refusing_url(refused, sizeof refused);
    for (size_t a = 0; a < N_GLOBALS; a++) {
        for (size_t b = 0; b < N_GLOBALS; b++) {
            if (a == b)
                continue;
            bool has[N_GLOBALS] = {false};
            has[a] = has[b] = true;
            const char *args[16];
            size_t n = push_global(env, args, 0, a);
            n = push_global(env, args, n, b);
            const char *tail[] = {"send", "--contact", CONTACT, "--text", "hi", NULL};
            for (size_t k = 0; tail[k]; k++)
                args[n++] = tail[k];
            args[n] = NULL;
            /* Without the option, the environment would not do: no key, a dead URL. */
            cli_opts o = {.no_key_in_env = has[0], .base_url = has[1] ? refused : NULL};
            /* --retries 0: a 429 is not retried (by default it would be). */
            if (has[4])
                ts_script(env, 429, "{\"success\":false,\"message\":\"slow down\"}");
            cli_run r;
            run_cli(env, &r, &o, args);
            int want = has[4] ? 3 : 0;
            if (r.exit_code != want)
                fail_msg("loopmsg %s %s send: exit %d, want %d\nstdout: %s\nstderr: %s",
                         global_options[a].name, global_options[b].name, r.exit_code, want, r.out,
                         r.err);
            if (has[6]) {
                json_t *j = one_json_object(&r);
                json_decref(j);
            } else if (want == 0) {
                assert_true(is_id_line(r.out));
            }
            if (has[7])
                ts_assert_contains(r.err, "> POST ");
            else
                assert_not_contains(r.err, "> POST ");
            assert_int_equal(ts_request_count(env), 1);
            loopmsg_emulator_request *q = ts_request(env, 0);
            assert_string_equal(q->authorization, TS_KEY);
            if (has[2])
                ts_assert_contains(q->body, "\"sender\":\"sender-1\"");
            else
                assert_not_contains(q->body, "sender-1");
            loopmsg_emulator_request_free(q);
            run_free(&r);
            loopmsg_emulator_reset(env->emu);
        }
    }
    close(fd);
}

/* The "--opt=value" form and a flag between valued options. */
static void test_cli__global_options_with_equals_and_flags(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--timeout=5000", "--json", "--retries", "1",  "--verbose", "send",
                          "--contact",      CONTACT,  "--text",    "hi", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    json_t *j = one_json_object(&r);
    json_decref(j);
    ts_assert_contains(r.err, "> POST ");
    run_free(&r);
    /* An option of a command before the command word is not a global option. */
    const char *bad[] = {"--contact", CONTACT, "send", "--text", "hi", NULL};
    run_expect_err(env, NULL, bad, 2, "--contact");
    assert_int_equal(ts_request_count(env), 1);
}

/* ---- the other message commands ------------------------------------------------------------ */

static void test_cli__send_group(void **state)
{
    ts_env *env = *state;
    const char *args[] = {"send-group", "--group", "group-1", "--text", "hi all", NULL};
    run_expect_id(env, NULL, args);
    assert_int_equal(ts_request_count(env), 1);
    assert_request(env, 0, "POST", "/api/v1/message/send/",
                   "{\"group\":\"group-1\",\"text\":\"hi all\"}");
}

static void test_cli__send_voice(void **state)
{
    ts_env *env = *state;
    const char *args[] = {
        "send-voice", "--contact", CONTACT, "--media-url", "https://cdn.example.com/v.mp3", NULL};
    run_expect_id(env, NULL, args);
    assert_int_equal(ts_request_count(env), 1);
    assert_request(env, 0, "POST", "/api/v1/message/send/",
                   "{\"contact\":\"" CONTACT "\",\"media_url\":\"https://cdn.example.com/v.mp3\"}");
    /* To a group: --group instead of --contact; both is a usage error, nothing sent. */
    const char *group[] = {
        "send-voice", "--group", "group-1", "--media-url", "https://cdn.example.com/v.mp3", NULL};
    run_expect_id(env, NULL, group);
    assert_request(env, 1, "POST", "/api/v1/message/send/",
                   "{\"group\":\"group-1\",\"media_url\":\"https://cdn.example.com/v.mp3\"}");
    const char *both[] = {"send-voice",
                          "--group",
                          "group-1",
                          "--contact",
                          CONTACT,
                          "--media-url",
                          "https://cdn.example.com/v.mp3",
                          NULL};
    run_expect_err(env, NULL, both, 2, "send_voice: group: set either contact or group, not both");
    assert_int_equal(ts_request_count(env), 2);
}

static void test_cli__react(void **state)
{
    ts_env *env = *state;
    char mid[64], line[128];
    ts_seed_message(env, CONTACT, mid, sizeof mid);
    const char *args[] = {"react", "--contact",  CONTACT, "--message-id",
                          mid,     "--reaction", "-love", NULL};
    snprintf(line, sizeof line, "removed love on %s\n", mid);
    run_expect_out(env, NULL, args, 0, line);
    const char *args2[] = {"react", "--contact",  CONTACT, "--message-id",
                           mid,     "--reaction", "laugh", NULL};
    snprintf(line, sizeof line, "sent laugh on %s\n", mid);
    run_expect_out(env, NULL, args2, 0, line);
    assert_int_equal(ts_request_count(env), 2);
    char expected[256];
    snprintf(expected, sizeof expected,
             "{\"contact\":\"" CONTACT "\",\"message_id\":\"%s\",\"reaction\":\"-love\"}", mid);
    assert_request(env, 0, "POST", "/api/v1/message/send/", expected);
    snprintf(expected, sizeof expected,
             "{\"contact\":\"" CONTACT "\",\"message_id\":\"%s\",\"reaction\":\"laugh\"}", mid);
    assert_request(env, 1, "POST", "/api/v1/message/send/", expected);
}

static void test_cli__typing(void **state)
{
    ts_env *env = *state;
    const char *by_id[] = {"typing", "--message-id", "IN-1", "--seconds", "5", NULL};
    run_expect_out(env, NULL, by_id, 0, "typing indicator shown\n");

    const char *by_contact[] = {"typing",    "--contact", CONTACT,  "--sender", "sender-1",
                                "--seconds", "3",         "--read", NULL};
    run_expect_out(env, NULL, by_contact, 0, "typing indicator shown, marked read\n");

    assert_int_equal(ts_request_count(env), 2);
    assert_request(env, 0, "POST", "/api/v1/message/show-typing/",
                   "{\"message_id\":\"IN-1\",\"typing\":5}");
    assert_request(env, 1, "POST", "/api/v1/message/show-typing/",
                   "{\"contact\":\"" CONTACT "\",\"sender\":\"sender-1\",\"typing\":3,"
                   "\"read\":true}");
}

static void test_cli__mark_read(void **state)
{
    ts_env *env = *state;
    const char *by_id[] = {"mark-read", "--message-id", "IN-1", NULL};
    run_expect_out(env, NULL, by_id, 0, "marked read\n");
    const char *by_contact[] = {"mark-read", "--contact", CONTACT, "--sender", "sender-1", NULL};
    run_expect(env, NULL, by_contact, 0);
    assert_int_equal(ts_request_count(env), 2);
    assert_request(env, 0, "POST", "/api/v1/message/show-typing/",
                   "{\"message_id\":\"IN-1\",\"read\":true}");
    assert_request(env, 1, "POST", "/api/v1/message/show-typing/",
                   "{\"contact\":\"" CONTACT "\",\"sender\":\"sender-1\",\"read\":true}");
}

static void test_cli__status(void **state)
{
    ts_env *env = *state;
    char id[64], path[128], prefix[80];
    ts_seed_message(env, CONTACT, id, sizeof id);
    snprintf(path, sizeof path, "/v1/message/status/%s/", id);
    snprintf(prefix, sizeof prefix, "%s: ", id);
    cli_run r;
    const char *args[] = {"status", id, NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    assert_true(strncmp(r.out, prefix, strlen(prefix)) == 0);
    ts_assert_contains(r.out, " to " CONTACT);
    assert_true(r.out_len > 0 && r.out[r.out_len - 1] == '\n');
    run_free(&r);
    assert_int_equal(ts_request_count(env), 1);
    assert_request(env, 0, "GET", path, NULL);

    const char *args_json[] = {"status", "--json", id, NULL};
    run_cli(env, &r, NULL, args_json);
    assert_exit(&r, 0);
    json_t *j = one_json_object(&r);
    assert_string_equal(jstr(j, "message_id"), id);
    assert_non_null(jstr(j, "status"));
    json_decref(j);
    run_free(&r);

    /* An unknown id: the API's 404. */
    const char *args_unknown[] = {"status", "NO-SUCH-ID", NULL};
    run_expect_err(env, NULL, args_unknown, 3, "404");
}

static void test_cli__status_wait(void **state)
{
    ts_env *env = *state;
    char id[64], expected[96];
    ts_seed_message(env, CONTACT, id,
                    sizeof id); /* delivered ~50 ms after the send in this fixture */
    snprintf(expected, sizeof expected, "%s: delivered", id);
    cli_run r;
    const char *args[] = {"status", id, "--wait", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    assert_true(strncmp(r.out, expected, strlen(expected)) == 0);
    assert_true(r.elapsed_ms < 10000 || ts_slow());
    run_free(&r);
    size_t n = ts_request_count(env);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/message/status/%s/", id);
        assert_request(env, i, "GET", path, NULL);
    }
}

static void test_cli__status_wait_failed_exits_3(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231110000"; /* the emulator fails this one with code 1020 */
    p.text = "hi";
    loopmsg_send_result *res = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &res, &err), &err);
    char id[64], expected[128];
    snprintf(id, sizeof id, "%s", res->message_id);
    loopmsg_send_result_free(res);
    snprintf(expected, sizeof expected, "%s: failed (error 1020: ", id);
    cli_run r;
    const char *args[] = {"status", id, "--wait", "--wait-timeout", "20", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 3);
    if (strncmp(r.out, expected, strlen(expected)) != 0)
        fail_msg("stdout \"%s\" does not start with \"%s\"", r.out, expected);
    run_free(&r);
}

/* ---- usage, help, version ------------------------------------------------------------------ */

static void test_cli__usage_errors_exit_2(void **state)
{
    ts_env *env = *state;
    static const struct {
        const char *args[8];
        const char *needle;
    } cases[] = {
        {{"send", "--bogus", NULL}, "unknown option"},
        {{"send", "--text", "hi", NULL}, "contact"},
        {{"send", "--contact", CONTACT, NULL}, "text"},
        {{"send", "--contact", NULL}, "needs a value"},
        {{"frobnicate", NULL}, "unknown command"},
        {{NULL}, "usage: loopmsg"},
        {{"status", NULL}, "MESSAGE_ID is required"},
        {{"status", "A", "B", NULL}, "unexpected argument"},
        {{"typing", "--text", "x", "--message-id", "IN-1", NULL}, "does not apply"},
        {{"react", "--contact", CONTACT, "--message-id", "M", "--reaction", "hug", NULL},
         "unknown reaction"},
        {{"send", "--contact", CONTACT, "--text", "hi", "--effect", "sparkles", NULL},
         "unknown effect"},
        {{"--timeout", "abc", "send", "--contact", CONTACT, "--text", "hi", NULL}, "--timeout"},
        {{"typing", "--message-id", "IN-1", "--seconds", "0", NULL}, "--seconds"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_run r;
        run_cli(env, &r, NULL, cases[i].args);
        if (r.exit_code != 2 || !strstr(r.err, cases[i].needle))
            fail_msg("case %zu (%s): exit %d, stderr: %s", i,
                     cases[i].args[0] ? cases[i].args[0] : "(none)", r.exit_code, r.err);
        assert_string_equal(r.out, "");
        run_free(&r);
    }
    assert_int_equal(ts_request_count(env), 0);
}

static void test_cli__help(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--help", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    ts_assert_contains(r.out, "usage: loopmsg");
    ts_assert_contains(r.out, "Exit codes");
    run_free(&r);
    const char *args2[] = {"send", "--help", NULL};
    run_cli(env, &r, NULL, args2);
    assert_exit(&r, 0);
    ts_assert_contains(r.out, "usage: loopmsg send");
    run_free(&r);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_cli__version(void **state)
{
    ts_env *env = *state;
    cli_run r;
    const char *args[] = {"--version", NULL};
    run_cli(env, &r, NULL, args);
    assert_exit(&r, 0);
    assert_true(strncmp(r.out, "loopmsg " LOOPMSG_VERSION, strlen("loopmsg " LOOPMSG_VERSION)) ==
                0);
    ts_assert_contains(r.out, loopmsg_version_string());
    run_free(&r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!getenv("LOOPMSG_CLI")) {
        fprintf(stderr, "test_cli: LOOPMSG_CLI is not set (run through ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_emu_setup, ts_emu_teardown)
        T(test_cli__send_prints_message_id),
        T(test_cli__send_all_fields),
        T(test_cli__send_json),
        T(test_cli__text_from_stdin),
        T(test_cli__nul_byte_in_input_is_a_validation_error),
        T(test_cli__validation_error_exits_2),
        T(test_cli__api_error_exits_3),
        T(test_cli__codes_1020_1030_flags_in_json),
        T(test_cli__auth_error_is_fatal_in_json),
        T(test_cli__transport_error_exits_4),
        T(test_cli__timeout_after_send_exits_5),
        T(test_cli__gateway_error_on_send_exits_5),
        T(test_cli__unreadable_answer_to_send_exits_5),
        T(test_cli__verbose_redacts_key),
        T(test_cli__every_pair_of_global_options_before_the_command),
        T(test_cli__global_options_with_equals_and_flags),
        T(test_cli__send_group),
        T(test_cli__send_voice),
        T(test_cli__react),
        T(test_cli__typing),
        T(test_cli__mark_read),
        T(test_cli__status),
        T(test_cli__status_wait),
        T(test_cli__status_wait_failed_exits_3),
        T(test_cli__usage_errors_exit_2),
        T(test_cli__help),
        T(test_cli__version),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
