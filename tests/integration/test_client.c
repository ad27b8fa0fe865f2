/* SPDX-License-Identifier: MIT */
/*
 * test_client.c: client options as they show on the wire: the API key (required, trimmed,
 * no control characters), the environment fallback, base URL normalisation and the
 * loopback-only rule for http://, the options version check, the User-Agent,
 * the default sender (filled in), a log callback that never sees the key, timeouts and
 * connection failures, and NULL arguments.
 */
#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONTACT "+13231112233"

/* ---- helpers ----------------------------------------------------------------------------- */

static void assert_not_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle))
        fail_msg("\"%s\" contains \"%s\"", haystack, needle);
}

static void clear_env(void)
{
    unsetenv("LOOP_API_KEY");
    unsetenv("LOOP_BASE_URL");
    unsetenv("LOOP_SENDER_ID");
}

/* Fixtures that also make sure no LOOP_* variable leaks into or out of a test. */
static int setup(void **state)
{
    clear_env();
    return ts_emu_setup(state);
}

static int teardown(void **state)
{
    clear_env();
    return ts_emu_teardown(state);
}

static loopmsg_client *use_client(ts_env *env, loopmsg_client_options *o)
{
    loopmsg_client_free(env->client);
    env->client = NULL;
    env->client = ts_client(env, o);
    return env->client;
}

/* loopmsg_client_new expecting a refusal; asserts the error and that no client came back. */
#define assert_refused(opts, needle) assert_refused_impl((opts), (needle), __FILE__, __LINE__)

static void assert_refused_impl(const loopmsg_client_options *o, const char *needle,
                                const char *file, int line)
{
    loopmsg_client *c = (loopmsg_client *)1;
    loopmsg_error err;
    loopmsg_status st = loopmsg_client_new(o, &c, &err);
    if (st != LOOPMSG_E_INVALID_ARG || c != NULL) {
        loopmsg_client_free(st == LOOPMSG_OK ? c : NULL);
        fail_msg("%s:%d: expected LOOPMSG_E_INVALID_ARG for base_url \"%s\", got %s: %s", file,
                 line, o && o->base_url ? o->base_url : "(null)", loopmsg_status_name(st),
                 err.message);
    }
    ts_assert_err_impl(&err, LOOPMSG_E_INVALID_ARG, 0, 0, 0, 0, file, line);
    assert_int_equal(err.transport_code, 0);
    if (!strstr(err.message, needle))
        fail_msg("%s:%d: \"%s\" does not contain \"%s\"", file, line, err.message, needle);
}

static void assert_accepted(const loopmsg_client_options *o, const char *expected_base)
{
    loopmsg_client *c = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_client_new(o, &c, &err);
    if (st != LOOPMSG_OK)
        fail_msg("base_url \"%s\" refused: %s", o->base_url, err.message);
    assert_non_null(c);
    assert_string_equal(loopmsg_client_base_url(c), expected_base);
    loopmsg_client_free(c);
}

static loopmsg_status send_hi(loopmsg_client *c, loopmsg_send_result **out, loopmsg_error *err)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    return loopmsg_message_send(c, &p, out, err);
}

/* The body of the last recorded request equals `json`; also checks method and path. */
static void assert_last_request(ts_env *env, const char *method, const char *path, const char *json)
{
    size_t n = ts_request_count(env);
    assert_true(n > 0);
    loopmsg_emulator_request *q = ts_request(env, n - 1);
    assert_string_equal(q->method, method);
    assert_string_equal(q->path, path);
    if (json)
        ts_assert_json_eq(json, q->body);
    else
        assert_int_equal(q->body_len, 0);
    loopmsg_emulator_request_free(q);
}

/* ---- the API key -------------------------------------------------------------------------- */

static void test_client__key_missing(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = env->url;
    assert_refused(&o, "api_key: required (set it in the options or LOOP_API_KEY)");
    assert_refused(NULL, "api_key: required");
    setenv("LOOP_API_KEY", "", 1); /* empty counts as unset */
    assert_refused(&o, "api_key: required");
}

static void test_client__key_blank(void **state)
{
    ts_env *env = *state;
    static const char *const blanks[] = {"", " ", "   \t", "\r\n \v\f"};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = env->url;
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        o.api_key = blanks[i];
        assert_refused(&o, "api_key: is blank");
    }
    o.api_key = NULL;
    setenv("LOOP_API_KEY", "  \t ", 1);
    assert_refused(&o, "api_key: is blank");
}

static void test_client__key_trimmed_on_the_wire(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = " \t " TS_KEY " \r\n";
    loopmsg_client *c = use_client(env, &o);
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(c, &r, &err), &err);
    char id[64];
    snprintf(id, sizeof id, "%s", r->message_id);
    loopmsg_send_result_free(r);
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(c, id, NULL, &err), &err);
    assert_int_equal(ts_request_count(env), 2);
    for (size_t i = 0; i < 2; i++) {
        loopmsg_emulator_request *q = ts_request(env, i);
        assert_string_equal(q->authorization, TS_KEY); /* raw: no "Bearer", no blanks */
        assert_string_equal(q->content_type, "application/json");
        assert_int_equal(q->answered_status, 200);
        loopmsg_emulator_request_free(q);
    }
}

static void test_client__key_control_characters_refused(void **state)
{
    ts_env *env = *state;
    static const char *const bad[] = {"test\001key", "test-key\r\nX-Injected: 1", "te\177st",
                                      "test\tkey"};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = env->url;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.api_key = bad[i];
        assert_refused(&o, "api_key: contains control characters");
    }
    assert_int_equal(ts_request_count(env), 0);
}

/* ---- the environment ---------------------------------------------------------------------- */

static void test_client__environment_fallback(void **state)
{
    ts_env *env = *state;
    char slashed[160];
    snprintf(slashed, sizeof slashed, "%s/", env->url);
    setenv("LOOP_API_KEY", " " TS_KEY " ", 1);
    setenv("LOOP_BASE_URL", slashed, 1);
    setenv("LOOP_SENDER_ID", "sender-1", 1);

    loopmsg_client *c = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(NULL, &c, &err), &err);
    assert_string_equal(loopmsg_client_base_url(c), env->url);
    assert_string_equal(loopmsg_client_default_sender(c), "sender-1");
    loopmsg_status st = send_hi(c, NULL, &err);
    loopmsg_client_free(c);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"text\":\"hi\",\"sender\":\"sender-1\"}");
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_string_equal(q->authorization, TS_KEY);
    loopmsg_emulator_request_free(q);

    /* Options win over the environment. */
    setenv("LOOP_BASE_URL", "https://unused.example", 1);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = env->url;
    o.default_sender = "sender-9";
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(&o, &c, &err), &err);
    assert_string_equal(loopmsg_client_base_url(c), env->url);
    assert_string_equal(loopmsg_client_default_sender(c), "sender-9");
    loopmsg_client_free(c);

    /* Without LOOP_BASE_URL: the production API. Without LOOP_SENDER_ID: no sender. */
    unsetenv("LOOP_BASE_URL");
    unsetenv("LOOP_SENDER_ID");
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(NULL, &c, &err), &err);
    assert_string_equal(loopmsg_client_base_url(c), LOOPMSG_DEFAULT_BASE_URL);
    assert_null(loopmsg_client_default_sender(c));
    loopmsg_client_free(c);

    /* The environment is checked like the options. */
    setenv("LOOP_SENDER_ID", "sender\n1", 1);
    assert_refused(NULL, "default_sender: contains control characters");
    unsetenv("LOOP_SENDER_ID");
    setenv("LOOP_BASE_URL", "http://example.com", 1);
    assert_refused(NULL, "plaintext http://");
    assert_int_equal(ts_request_count(env), 1);
}

/* ---- the base URL ------------------------------------------------------------------------- */

static void test_client__base_url_trailing_slashes_removed(void **state)
{
    ts_env *env = *state;
    char slashed[160];
    snprintf(slashed, sizeof slashed, "%s///", env->url);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = slashed;
    loopmsg_client *c = use_client(env, &o);
    assert_string_equal(loopmsg_client_base_url(c), env->url);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(c, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"text\":\"hi\"}");

    o.api_key = TS_KEY;
    o.base_url = "https://a.loopmessage.com/";
    assert_accepted(&o, "https://a.loopmessage.com");
    o.base_url = "https://proxy.example.com/loop//";
    assert_accepted(&o, "https://proxy.example.com/loop");
}

static void test_client__http_refused_for_non_loopback(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "http://example.com",        "http://127.evil.com",       "http://10.0.0.1",
        "http://127.0.0.1.evil.com", "http://localhost.evil.com", "http://128.0.0.1",
        "http://[::2]:80",           "http://127.0.0.1a",         "http://1270.0.0.1",
        "http://127.0.0.1.1",        "http://0.0.0.0:8080",       "http://a.loopmessage.com/",
    };
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.base_url = bad[i];
        assert_refused(&o, "base_url: plaintext http:// is only allowed to a loopback host");
    }
    /* Tricks with credentials, fragments and queries. */
    o.base_url = "http://127.0.0.1@evil.com";
    assert_refused(&o, "base_url: must not contain credentials");
    o.base_url = "http://evil.com#@127.0.0.1";
    assert_refused(&o, "base_url: must not contain");
    o.base_url = "http://evil.com?@127.0.0.1";
    assert_refused(&o, "base_url: must not contain");
}

static void test_client__http_accepted_for_loopback(void **state)
{
    (void)state;
    static const char *const good[] = {
        "http://127.0.0.1",  "http://127.1.2.3:8080",   "http://localhost", "http://LocalHost:1234",
        "http://[::1]:9000", "http://127.0.0.1:1/base", "http://[::1]"};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        o.base_url = good[i];
        assert_accepted(&o, good[i]);
    }
    o.base_url = "https://example.com:8443";
    assert_accepted(&o, "https://example.com:8443");
    o.base_url = "https://10.0.0.1";
    assert_accepted(&o, "https://10.0.0.1");
}

static void test_client__other_schemes_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ftp://127.0.0.1",   "file:///etc/passwd", "127.0.0.1:8080", "a.loopmessage.com", "",
        "gopher://localhost"};
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.base_url = bad[i];
        assert_refused(&o, "base_url: must start with https://");
    }
    o.base_url = "https://"; /* slashes of the scheme are kept: the host is missing */
    assert_refused(&o, "base_url: no host in \"https://\"");
    o.base_url = "https:///path";
    assert_refused(&o, "base_url: no host");
    o.base_url = "https://exa mple.com";
    assert_refused(&o, "base_url: must not contain spaces");
    o.base_url = "https://example.com/?x=1";
    assert_refused(&o, "base_url: must not contain");
}

/* ---- options version, user agent ---------------------------------------------------------- */

static void test_client__options_version_checked(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    o.base_url = env->url;
    o.version = 0;
    assert_refused(&o, "loopmsg_client_options.version not set; use LOOPMSG_CLIENT_OPTIONS_INIT");
    o.version = LOOPMSG_CLIENT_OPTIONS_VERSION + 1;
    assert_refused(&o, "newer than this library supports");
}

static void test_client__user_agent_on_the_wire(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, send_hi(env->client, NULL, &err), &err);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.user_agent_suffix = "myapp/1.2 (+https://example.com)";
    loopmsg_client *c = use_client(env, &o);
    ts_assert_status(LOOPMSG_E_NOT_FOUND, loopmsg_message_status_get(c, "ABC", NULL, &err), &err);
    assert_int_equal(ts_request_count(env), 2);
    loopmsg_emulator_request *q = ts_request(env, 0);
    assert_string_equal(q->user_agent, "libloopmsg/" LOOPMSG_VERSION);
    loopmsg_emulator_request_free(q);
    q = ts_request(env, 1);
    assert_string_equal(q->user_agent,
                        "libloopmsg/" LOOPMSG_VERSION " myapp/1.2 (+https://example.com)");
    loopmsg_emulator_request_free(q);

    o.api_key = TS_KEY;
    o.base_url = env->url;
    o.user_agent_suffix = "evil\r\nX-Injected: 1";
    assert_refused(&o, "user_agent_suffix: contains control characters");
}

/* ---- the default sender, sent when a request has none ------------------------------------ */

static void test_client__default_sender_in_bodies(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.default_sender = "sender-1";
    loopmsg_client *c = use_client(env, &o);
    assert_string_equal(loopmsg_client_default_sender(c), "sender-1");
    loopmsg_error err;

    ts_assert_status(LOOPMSG_OK, send_hi(c, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"text\":\"hi\",\"sender\":\"sender-1\"}");

    loopmsg_group_send_params g = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    g.group = "group-1";
    g.text = "hello group";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_group(c, &g, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"group\":\"group-1\",\"text\":\"hello group\",\"sender\":\"sender-1\"}");

    loopmsg_voice_params v = LOOPMSG_VOICE_PARAMS_INIT;
    v.contact = CONTACT;
    v.media_url = "https://cdn.example.com/v.m4a";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice(c, &v, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"media_url\":\"https://cdn.example.com/"
                        "v.m4a\",\"sender\":\"sender-1\"}");

    loopmsg_typing_params t = LOOPMSG_TYPING_PARAMS_INIT;
    t.contact = CONTACT;
    t.typing_seconds = 5;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(c, &t, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/show-typing/",
                        "{\"contact\":\"" CONTACT "\",\"sender\":\"sender-1\",\"typing\":5}");

    loopmsg_typing_params mr = LOOPMSG_TYPING_PARAMS_INIT;
    mr.contact = CONTACT;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_mark_read(c, &mr, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/show-typing/",
                        "{\"contact\":\"" CONTACT "\",\"sender\":\"sender-1\",\"read\":true}");

    /* By message id: Loop routes it, a sender would be an error. */
    loopmsg_typing_params tm = LOOPMSG_TYPING_PARAMS_INIT;
    tm.message_id = "IN-42";
    tm.typing_seconds = 3;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(c, &tm, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/show-typing/",
                        "{\"message_id\":\"IN-42\",\"typing\":3}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_mark_read(c, &tm, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/show-typing/",
                        "{\"message_id\":\"IN-42\",\"typing\":3,\"read\":true}");

    /* Reactions take no sender. */
    loopmsg_reaction_params rp = LOOPMSG_REACTION_PARAMS_INIT;
    rp.contact = CONTACT;
    rp.message_id = "IN-42";
    rp.reaction = LOOPMSG_REACTION_LIKE;
    /* Scripted: the emulator knows no message IN-42 (610); only the body matters here. */
    ts_script(env, 200, "{\"success\":true}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_reaction(c, &rp, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"message_id\":\"IN-42\",\"reaction\":"
                        "\"like\"}");

    /* An explicit sender wins. */
    ts_script(env, 200, "{\"message_id\":\"S1\"}");
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    p.sender = "sender-7";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, NULL, &err), &err);
    assert_last_request(env, "POST", "/api/v1/message/send/",
                        "{\"contact\":\"" CONTACT "\",\"text\":\"hi\",\"sender\":\"sender-7\"}");
    assert_int_equal(ts_request_count(env), 9);
}

static void test_client__default_sender_not_utf8_refused(void **state)
{
    ts_env *env = *state;
    /* Refused when the client is made, not reported as "out of memory" by every send. */
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    o.base_url = env->url;
    o.default_sender = "sender-\xff";
    assert_refused(&o, "default_sender: is not valid UTF-8");
    assert_int_equal(ts_request_count(env), 0);
}

static void test_client__typing_by_contact_needs_a_sender(void **state)
{
    ts_env *env = *state;
    loopmsg_typing_params t = LOOPMSG_TYPING_PARAMS_INIT;
    t.contact = CONTACT;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_show_typing(env->client, &t, &err),
                     &err);
    assert_err(&err, LOOPMSG_E_INVALID_ARG, 0, 0, 0, 0);
    ts_assert_contains(err.message, "show_typing: sender: is required when using contact");
    assert_int_equal(ts_request_count(env), 0);
}

/* ---- logging never sees the key ---------------------------------------------------------- */

static void assert_log_clean(const ts_log_capture *cap)
{
    for (size_t i = 0; i < cap->count; i++)
        assert_not_contains(cap->line[i], TS_KEY);
    assert_true(ts_log_lines_containing(cap, "[redacted]") >= 1);
}

/* A client whose log lines go into a new capture (free it), with the given key (NULL: the
 * fixture's). */
static loopmsg_client *logging_client(ts_env *env, const char *key, ts_log_capture **cap_out)
{
    ts_log_capture *cap = calloc(1, sizeof *cap);
    assert_non_null(cap);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = key;
    o.log_cb = ts_capture_log;
    o.log_user_data = cap;
    *cap_out = cap;
    return use_client(env, &o);
}

static void test_client__log_never_sees_the_key(void **state)
{
    ts_env *env = *state;
    ts_log_capture *cap;
    loopmsg_client *c = logging_client(env, NULL, &cap);
    loopmsg_error err;

    /* A verbose send that succeeds. */
    ts_assert_status(LOOPMSG_OK, send_hi(c, NULL, &err), &err);
    assert_log_clean(cap);
    assert_int_equal(ts_log_lines_containing(cap, "> POST "), 1);
    assert_int_equal(ts_log_lines_containing(cap, "> Authorization: [redacted]"), 1);
    assert_true(ts_log_lines_containing(cap, "< 200") >= 1);
    assert_true(ts_log_lines_containing(cap, "\"text\":\"hi\"") >= 1);

    /* A send that fails, with the key echoed by the server. */
    cap->count = 0;
    ts_script(env, 401, "{\"success\":false,\"code\":130,\"message\":\"Key " TS_KEY " invalid\"}");
    ts_assert_status(LOOPMSG_E_AUTH, send_hi(c, NULL, &err), &err);
    assert_not_contains(err.message, TS_KEY);
    assert_log_clean(cap);
    assert_true(ts_log_lines_containing(cap, "< 401") >= 1);

    /* A retried send, the key echoed in the first answer and in a Retry-After-less 503. */
    cap->count = 0;
    ts_script(env, 503, "{\"success\":false,\"message\":\"overloaded, key " TS_KEY "\"}");
    ts_assert_status(LOOPMSG_OK, send_hi(c, NULL, &err), &err);
    assert_int_equal(err.attempts, 2);
    assert_log_clean(cap);
    assert_int_equal(ts_log_lines_containing(cap, "> Authorization: [redacted]"), 2);
    assert_int_equal(ts_log_lines_containing(cap, "retry 1 of 2"), 1);
    for (size_t i = 0; i < cap->count; i++)
        if (strstr(cap->line[i], "retry 1 of 2"))
            assert_int_equal(cap->level[i], LOOPMSG_LOG_WARN);
    free(cap);
}

/* Neither err.message nor any log line holds one of forms (the key as the server may spell
 * it: raw, JSON-escaped, or a piece that identifies it). */
static void assert_key_hidden(const ts_log_capture *cap, const loopmsg_error *err,
                              const char *const *forms)
{
    for (const char *const *f = forms; *f; f++) {
        assert_not_contains(err->message, *f);
        for (size_t i = 0; i < cap->count; i++)
            assert_not_contains(cap->line[i], *f);
    }
}

#define ESC_KEY "sk-live/Zx81"

static void test_client__key_echoed_json_escaped_is_masked(void **state)
{
    ts_env *env = *state;
    ts_log_capture *cap;
    loopmsg_client *c = logging_client(env, ESC_KEY, &cap);
    loopmsg_error err;
    static const char *const forms[] = {ESC_KEY,          "sk-live",   "Zx81",
                                        "sk\\u002dlive",  "live\\/Zx", "\\u0073\\u006b",
                                        "\\u005a\\u0078", "Zx8",       NULL};

    /* '-' as \u002d and '/' as \/ : the raw body is logged, the decoded text quoted. */
    ts_script(env, 401,
              "{\"success\":false,\"code\":130,\"message\":\"Key sk\\u002dlive\\/Zx81 is "
              "not valid\"}");
    ts_assert_status(LOOPMSG_E_AUTH, send_hi(c, NULL, &err), &err);
    ts_assert_contains(err.message, "\"Key *");
    ts_assert_contains(err.message, "* is not valid\"");
    assert_true(ts_log_lines_containing(cap, "< 401") >= 1);
    assert_true(ts_log_lines_containing(cap, "is not valid") >= 1);
    assert_key_hidden(cap, &err, forms);

    /* Every character \u-escaped, upper-case hex for some. */
    cap->count = 0;
    ts_script(env, 400,
              "{\"success\":false,\"code\":125,\"message\":\"bad \\u0073\\u006b\\u002D\\u006c"
              "\\u0069\\u0076\\u0065\\u002F\\u005a\\u0078\\u0038\\u0031 here\"}");
    ts_assert_status(LOOPMSG_E_API, send_hi(c, NULL, &err), &err);
    ts_assert_contains(err.message, "\"bad *");
    ts_assert_contains(err.message, "* here\"");
    assert_key_hidden(cap, &err, forms);

    /* Escaped, right at the excerpt's 100-character cut. */
    cap->count = 0;
    ts_script(env, 400,
              "{\"success\":false,\"code\":125,\"message\":\"" /* 96 characters of padding */
              "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
              "pppppppppppppppp"
              "sk\\u002dlive\\/Zx81 tail\"}");
    ts_assert_status(LOOPMSG_E_API, send_hi(c, NULL, &err), &err);
    assert_not_contains(err.message, "pppps");
    assert_key_hidden(cap, &err, forms);
    free(cap);
}

/* A key of 1 to 3 characters is masked too, wherever it stands (some over-masking of text
 * that happens to hold the same characters is accepted), also escaped and at the cut. */
static void test_client__short_key_echoed_is_masked(void **state)
{
    ts_env *env = *state;
    static const char *const keys[] = {"Q", "Zq", "Zq7"};
    for (size_t k = 0; k < 3; k++) {
        ts_log_capture *cap;
        loopmsg_client *c = logging_client(env, keys[k], &cap);
        loopmsg_error err;
        /* The key fully \u-escaped, and with only its last character escaped. */
        char esc[32] = "", mixed[32] = "";
        size_t n = strlen(keys[k]);
        for (size_t i = 0; i < n; i++)
            snprintf(esc + strlen(esc), sizeof esc - strlen(esc), "\\u%04x",
                     (unsigned int)(unsigned char)keys[k][i]);
        snprintf(mixed, sizeof mixed, "%.*s\\u%04X", (int)(n - 1), keys[k],
                 (unsigned int)(unsigned char)keys[k][n - 1]);
        const char *const forms[] = {keys[k], esc, mixed, NULL};
        char body[512];

        cap->count = 0;
        snprintf(body, sizeof body,
                 "{\"success\":false,\"code\":130,\"message\":\"key %s unknown\"}", keys[k]);
        ts_script(env, 401, body);
        ts_assert_status(LOOPMSG_E_AUTH, send_hi(c, NULL, &err), &err);
        assert_int_equal(err.api_code, 130); /* the answer is still read */
        ts_assert_contains(err.message, "unknown\"");
        assert_key_hidden(cap, &err, forms);

        cap->count = 0;
        snprintf(body, sizeof body,
                 "{\"success\":false,\"code\":130,\"message\":\"key %s / %s unknown\"}", esc,
                 mixed);
        ts_script(env, 401, body);
        ts_assert_status(LOOPMSG_E_AUTH, send_hi(c, NULL, &err), &err);
        assert_int_equal(err.api_code, 130);
        assert_key_hidden(cap, &err, forms);

        /* At the excerpt's cut: 99 characters, then the key. */
        cap->count = 0;
        char pad[100];
        memset(pad, 'p', 99);
        pad[99] = '\0';
        snprintf(body, sizeof body, "{\"success\":false,\"code\":125,\"message\":\"%s%s tail\"}",
                 pad, keys[k]);
        ts_script(env, 400, body);
        ts_assert_status(LOOPMSG_E_API, send_hi(c, NULL, &err), &err);
        assert_int_equal(err.api_code, 125);
        assert_not_contains(err.message, "pZ");
        assert_not_contains(err.message, "pQ");
        assert_key_hidden(cap, &err, forms);

        /* A success is read as sent, not masked: the result is the server's. */
        loopmsg_send_result *r = NULL;
        ts_script(env, 200, "{\"message_id\":\"QZq7-id\"}");
        ts_assert_status(LOOPMSG_OK, send_hi(c, &r, &err), &err);
        assert_string_equal(r->message_id, "QZq7-id");
        loopmsg_send_result_free(r);
        free(cap);
    }
}

/* ---- timeouts and connection failures ----------------------------------------------------- */

static void test_client__timeout(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.timeout_ms = 250;
    o.max_retries = LOOPMSG_NO_RETRIES;
    loopmsg_client *c = use_client(env, &o);
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.body = "{\"message_id\":\"ABC\",\"status\":\"delivered\"}";
    a.delay_ms = 8000;
    ts_script_full(env, &a);
    loopmsg_message_status *s = (loopmsg_message_status *)1;
    loopmsg_error err;
    uint64_t t0 = ts_now_ms();
    loopmsg_status st = loopmsg_message_status_get(c, "ABC", &s, &err);
    uint64_t elapsed = ts_now_ms() - t0;
    ts_assert_status(LOOPMSG_E_TIMEOUT, st, &err);
    assert_null(s);
    assert_err(&err, LOOPMSG_E_TIMEOUT, 0, 0, F_R | F_S, 1);
    assert_int_equal(err.transport_code, 28);
    ts_assert_contains(err.message, "status: timed out on ");
    ts_assert_contains(err.message, env->url);
    assert_true(elapsed >= 200); /* 250 ms, give or take libcurl's rounding */
    assert_true(elapsed < 8000 || ts_slow());
}

static void test_client__connection_refused(void **state)
{
    ts_env *env = *state;
    char url[64];
    int fd = ts_refusing_url(url, sizeof url);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = url;
    o.max_retries = LOOPMSG_NO_RETRIES;
    loopmsg_client *c = use_client(env, &o);
    loopmsg_send_result *r = (loopmsg_send_result *)1;
    loopmsg_error err;
    loopmsg_status st = send_hi(c, &r, &err);
    close(fd);
    ts_assert_status(LOOPMSG_E_TRANSPORT, st, &err);
    assert_null(r);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 1);
    assert_int_equal(err.transport_code, 7);
    ts_assert_contains(err.message, "send: transport error on ");
    ts_assert_contains(err.message, url);
    assert_not_contains(err.message, "outcome is unknown");
    assert_false(loopmsg_error_is_maybe_delivered(&err));
    assert_true(loopmsg_error_is_retryable(&err));
}

/* ---- NULL arguments and the error struct -------------------------------------------------- */

static void test_client__null_arguments(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    o.base_url = env->url;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&o, NULL, &err), &err);
    ts_assert_contains(err.message, "out is NULL");

    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = CONTACT;
    p.text = "hi";
    loopmsg_send_result *r = (loopmsg_send_result *)1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send(NULL, &p, &r, &err), &err);
    assert_null(r);
    assert_err(&err, LOOPMSG_E_INVALID_ARG, 0, 0, 0, 0);
    ts_assert_contains(err.message, "client is NULL");

    r = (loopmsg_send_result *)1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send(env->client, NULL, &r, &err),
                     &err);
    assert_null(r);
    ts_assert_contains(err.message, "send: params is NULL");

    loopmsg_message_status *s = (loopmsg_message_status *)1;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_status_get(env->client, NULL, &s, &err),
                     &err);
    assert_null(s);
    ts_assert_contains(err.message, "message_id");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_status_get(NULL, "ABC", NULL, &err),
                     &err);
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_message_send_group(env->client, NULL, NULL, &err), &err);
    ts_assert_contains(err.message, "send_group: params is NULL");
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_message_send_voice(env->client, NULL, NULL, &err), &err);
    ts_assert_status(LOOPMSG_E_INVALID_ARG,
                     loopmsg_message_send_reaction(env->client, NULL, NULL, &err), &err);
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_show_typing(env->client, NULL, &err),
                     &err);
    ts_assert_contains(err.message, "show_typing: params is NULL");
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_mark_read(NULL, NULL, &err), &err);

    /* A NULL error struct is fine too. */
    assert_int_equal(loopmsg_message_send(NULL, NULL, NULL, NULL), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_message_send(env->client, NULL, NULL, NULL), LOOPMSG_E_INVALID_ARG);

    /* A parameter struct without its INIT macro. */
    loopmsg_send_params zero;
    memset(&zero, 0, sizeof zero);
    zero.contact = CONTACT;
    zero.text = "hi";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send(env->client, &zero, NULL, &err),
                     &err);
    ts_assert_contains(err.message, "LOOPMSG_SEND_PARAMS_INIT");

    loopmsg_client_free(NULL);
    assert_null(loopmsg_client_base_url(NULL));
    assert_null(loopmsg_client_default_sender(NULL));
    loopmsg_send_result_free(NULL);
    loopmsg_message_status_free(NULL);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_client__error_written_on_success(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    memset(&err, 0xAB, sizeof err);
    loopmsg_send_result *r = NULL;
    ts_assert_status(LOOPMSG_OK, send_hi(env->client, &r, &err), &err);
    assert_err(&err, LOOPMSG_OK, 200, 0, 0, 1);
    assert_int_equal(err.transport_code, 0);
    assert_int_equal(err.retry_after_ms, 0);
    assert_string_equal(err.message, "");
    assert_non_null(r);
    loopmsg_send_result_free(r);

    /* And a successful client_new clears it too. */
    memset(&err, 0xAB, sizeof err);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    o.base_url = env->url;
    loopmsg_client *c = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_new(&o, &c, &err), &err);
    assert_err(&err, LOOPMSG_OK, 0, 0, 0, 0);
    assert_string_equal(err.message, "");
    loopmsg_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_client__key_missing),
        T(test_client__key_blank),
        T(test_client__key_trimmed_on_the_wire),
        T(test_client__key_control_characters_refused),
        T(test_client__environment_fallback),
        T(test_client__base_url_trailing_slashes_removed),
        T(test_client__http_refused_for_non_loopback),
        T(test_client__http_accepted_for_loopback),
        T(test_client__other_schemes_refused),
        T(test_client__options_version_checked),
        T(test_client__user_agent_on_the_wire),
        T(test_client__default_sender_in_bodies),
        T(test_client__default_sender_not_utf8_refused),
        T(test_client__typing_by_contact_needs_a_sender),
        T(test_client__log_never_sees_the_key),
        T(test_client__key_echoed_json_escaped_is_masked),
        T(test_client__short_key_echoed_is_masked),
        T(test_client__timeout),
        T(test_client__connection_refused),
        T(test_client__null_arguments),
        T(test_client__error_written_on_success),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
