/* SPDX-License-Identifier: MIT */
/*
 * test_tls.c: the HTTPS transport end to end against the emulator serving TLS with a
 * throwaway CA made at test time: trust from a bundle, a hashed directory or the
 * environment; a wrong or unknown CA refused before anything is sent; HTTP/1.1 and the
 * HTTP/2 request falling back through ALPN; 64 requests in flight; connections capped apart
 * from requests in flight; a CONNECT proxy (option and environment) that never sees the key.
 * Every test is skipped when the openssl command is missing.
 */
#include "test_support.h"
#include "tls_support.h"
#include "lib/client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ts_tls certs;
static int have_certs;

static int group_setup(void **state)
{
    (void)state;
    have_certs = ts_tls_make(&certs) == 0;
    if (!have_certs)
        fprintf(stderr, "test_tls: the openssl command is missing or failed: skipping\n");
    /* The tests decide about proxies and trust themselves. */
    const char *vars[] = {"https_proxy", "HTTPS_PROXY",    "http_proxy",
                          "all_proxy",   "ALL_PROXY",      "no_proxy",
                          "NO_PROXY",    "LOOP_CA_BUNDLE", "LOOP_CA_PATH"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (have_certs)
        ts_tls_remove(&certs);
    return 0;
}

/* An emulator serving HTTPS with the test certificate, and no client yet. */
static int tls_setup(void **state)
{
    ts_alloc_install();
    ts_env *env = calloc(1, sizeof *env);
    if (!env)
        return -1;
    env->alloc_mark = ts_alloc_outstanding();
    *state = env;
    if (!have_certs)
        return 0;
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.quiet = true;
    eo.tls_cert_file = certs.server_pem;
    eo.tls_key_file = certs.server_key;
    loopmsg_error err;
    if (loopmsg_emulator_start(&eo, &env->emu, &err) != LOOPMSG_OK) {
        fprintf(stderr, "emulator: %s\n", err.message);
        return -1;
    }
    snprintf(env->url, sizeof env->url, "%s", loopmsg_emulator_url(env->emu));
    return 0;
}

static int tls_teardown(void **state)
{
    ts_env *env = *state;
    loopmsg_client_free(env->client);
    loopmsg_emulator_free(env->emu);
    long now = ts_alloc_outstanding();
    long mark = env->alloc_mark;
    free(env);
    unsetenv("LOOP_CA_BUNDLE");
    unsetenv("LOOP_CA_PATH");
    unsetenv("https_proxy");
    unsetenv("http_proxy");
    if (now != mark) {
        fprintf(stderr, "LEAK: %ld allocation(s) outstanding after the test\n", now - mark);
        return -1;
    }
    return 0;
}

#define NEED_CERTS()                                                                               \
    do {                                                                                           \
        if (!have_certs)                                                                           \
            skip();                                                                                \
    } while (0)

/* A client of env trusting only the test CA, with options from the caller. */
static loopmsg_client *tls_client(ts_env *env, loopmsg_client_options *o)
{
    loopmsg_client_options d = LOOPMSG_CLIENT_OPTIONS_INIT;
    if (!o)
        o = &d;
    if (!o->ca_bundle_path && !o->ca_path)
        o->ca_bundle_path = certs.ca_pem;
    env->client = ts_client(env, o);
    return env->client;
}

static void send_one(loopmsg_client *c, const char *text)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = text;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, &r, &err), &err);
    assert_non_null(r);
    assert_non_null(r->message_id);
    assert_true(strlen(r->message_id) > 0);
    loopmsg_send_result_free(r);
}

/* The last recorded request is the send of `text`, with the key, over the emulator's TLS. */
static void assert_sent(ts_env *env, size_t index, const char *text)
{
    loopmsg_emulator_request *q = ts_request(env, index);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/api/v1/message/send/");
    assert_string_equal(q->authorization, TS_KEY);
    char body[256];
    snprintf(body, sizeof body, "{\"contact\":\"+13231112233\",\"text\":\"%s\"}", text);
    ts_assert_json_eq(body, q->body);
    assert_int_equal(q->answered_status, 200);
    loopmsg_emulator_request_free(q);
}

static void test_tls__send_with_ca_bundle(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    assert_true(strncmp(env->url, "https://127.0.0.1:", 18) == 0);
    loopmsg_client *c = tls_client(env, NULL);
    send_one(c, "over tls");
    send_one(c, "again, same connection");
    assert_int_equal(ts_request_count(env), 2);
    assert_sent(env, 0, "over tls");
    assert_sent(env, 1, "again, same connection");
}

static void test_tls__send_with_hashed_ca_path(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.ca_path = certs.ca_dir;
    send_one(tls_client(env, &o), "ca path");
    assert_int_equal(ts_request_count(env), 1);
    assert_sent(env, 0, "ca path");
}

static void test_tls__trust_from_the_environment(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    setenv("LOOP_CA_BUNDLE", certs.ca_pem, 1);
    o.ca_path = NULL;
    o.ca_bundle_path = NULL;
    env->client = ts_client(env, &o); /* no trust in the options: LOOP_CA_BUNDLE */
    send_one(env->client, "env bundle");
    loopmsg_client_free(env->client);
    unsetenv("LOOP_CA_BUNDLE");
    setenv("LOOP_CA_PATH", certs.ca_dir, 1);
    env->client = ts_client(env, &o);
    send_one(env->client, "env path");
    assert_int_equal(ts_request_count(env), 2);
    assert_sent(env, 1, "env path");
}

static void assert_refused(ts_env *env, loopmsg_client *c)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "must not arrive";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_TRANSPORT, loopmsg_message_send(c, &p, &r, &err), &err);
    assert_null(r);
    /* Refused before a byte of the request left: not sent, not retried (it cannot change). */
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, 0u, 1);
    ts_assert_contains(err.message, "certificate");
    assert_null(strstr(err.message, TS_KEY));
    assert_int_equal(ts_request_count(env), 0);
}

static void test_tls__wrong_ca_refused_nothing_sent(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.ca_bundle_path = certs.other_ca_pem;
    assert_refused(env, tls_client(env, &o));
}

static void test_tls__unknown_ca_refused_with_system_trust(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    env->client = ts_client(env, &o); /* the system's trust, which lacks the test CA */
    assert_refused(env, env->client);
}

static void test_tls__missing_bundle_file_refused(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    char path[160];
    snprintf(path, sizeof path, "%s/no-such.pem", certs.dir);
    o.ca_bundle_path = path;
    assert_refused(env, tls_client(env, &o));
}

static void test_tls__http_versions(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    /* The emulator (libmicrohttpd) speaks HTTP/1.1 only: asking for HTTP/2 falls back
     * through ALPN, asking for HTTP/1.1 never offers h2. */
    const loopmsg_http_version versions[] = {LOOPMSG_HTTP_VERSION_AUTO, LOOPMSG_HTTP_VERSION_1_1,
                                             LOOPMSG_HTTP_VERSION_2};
    for (size_t i = 0; i < 3; i++) {
        loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
        o.http_version = versions[i];
        char text[32];
        snprintf(text, sizeof text, "version %zu", i);
        send_one(tls_client(env, &o), text);
        assert_sent(env, i, text);
        loopmsg_client_free(env->client);
        env->client = NULL;
    }
    assert_int_equal(ts_request_count(env), 3);
}

static void test_tls__unknown_http_version_refused(void **state)
{
    (void)state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = TS_KEY;
    o.http_version = (loopmsg_http_version)7;
    loopmsg_client *c = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_client_new(&o, &c, &err), &err);
    assert_null(c);
    ts_assert_contains(err.message, "http_version");
}

static void test_tls__async_64_in_flight(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 64;
    o.timeout_ms = ts_slow() ? 120000 : 30000; /* 64 handshakes at once, loaded or valgrind */
    assert_int_equal(ts_send_burst(tls_client(env, &o), 256, "burst"), 256);
    assert_int_equal(ts_request_count(env), 256);
}

/* A CONNECT proxy on 127.0.0.1 and its URL. */
static ts_proxy *proxy_start(char *url, size_t size)
{
    ts_proxy *px = ts_proxy_start();
    assert_non_null(px);
    snprintf(url, size, "http://127.0.0.1:%u", (unsigned int)ts_proxy_port(px));
    return px;
}

/* A CONNECT proxy in front of the emulator: the option, then the environment. */
static void test_tls__through_connect_proxy(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    char purl[64];
    ts_proxy *px = proxy_start(purl, sizeof purl);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.proxy = purl;
    send_one(tls_client(env, &o), "via proxy");
    send_one(env->client, "via proxy, same tunnel");
    assert_int_equal(ts_proxy_connects(px), 1);
    assert_int_equal(ts_request_count(env), 2);
    assert_sent(env, 1, "via proxy, same tunnel");
    char *log = ts_proxy_log(px);
    char want[64];
    snprintf(want, sizeof want, "CONNECT 127.0.0.1:%u HTTP/1.1\r\n",
             (unsigned int)loopmsg_emulator_port(env->emu));
    assert_true(strncmp(log, want, strlen(want)) == 0);
    assert_null(strstr(log, TS_KEY));
    assert_null(strstr(log, "uthorization"));
    free(log);
    loopmsg_client_free(env->client);

    /* No proxy option: https_proxy from the environment. */
    setenv("https_proxy", purl, 1);
    o.proxy = NULL;
    send_one(tls_client(env, &o), "via env proxy");
    assert_int_equal(ts_proxy_connects(px), 2);
    loopmsg_client_free(env->client);

    /* "" turns the proxy off whatever the environment says. */
    o.proxy = "";
    send_one(tls_client(env, &o), "direct");
    assert_int_equal(ts_proxy_connects(px), 2);
    assert_int_equal(ts_request_count(env), 4);
    ts_proxy_stop(px);
}

/* Over plaintext loopback the proxy still gets a tunnel, never the request and its key. */
static void test_tls__proxy_never_sees_the_key_over_plaintext(void **state)
{
    ts_env *env = *state;
    loopmsg_emulator *plain = NULL;
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.quiet = true;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_emulator_start(&eo, &plain, &err), &err);
    char purl[64];
    ts_proxy *px = proxy_start(purl, sizeof purl);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.proxy = purl;
    o.base_url = loopmsg_emulator_url(plain);
    env->client = ts_client(env, &o);
    send_one(env->client, "plain via proxy");
    assert_int_equal(ts_proxy_connects(px), 1);
    assert_int_equal(ts_proxy_refused(px), 0);
    assert_int_equal(loopmsg_emulator_request_count(plain), 1);
    char *log = ts_proxy_log(px);
    ts_assert_contains(log, "CONNECT 127.0.0.1:");
    assert_null(strstr(log, TS_KEY));
    assert_null(strstr(log, "POST"));
    free(log);
    loopmsg_client_free(env->client);
    env->client = NULL;
    ts_proxy_stop(px);
    loopmsg_emulator_free(plain);
}

static void test_tls__proxy_failure_hides_key_and_credentials(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    ts_proxy *px = ts_proxy_start(); /* started and stopped: a port nobody listens on */
    assert_non_null(px);
    char purl[96];
    snprintf(purl, sizeof purl, "http://user:s3cr3tpw@127.0.0.1:%u",
             (unsigned int)ts_proxy_port(px));
    ts_proxy_stop(px);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.proxy = purl;
    o.max_retries = LOOPMSG_NO_RETRIES;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "x";
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_TRANSPORT, loopmsg_message_send(tls_client(env, &o), &p, NULL, &err),
                     &err);
    assert_err(&err, LOOPMSG_E_TRANSPORT, 0, 0, F_R, 1);
    assert_null(strstr(err.message, TS_KEY));
    assert_null(strstr(err.message, "s3cr3tpw"));
    assert_int_equal(ts_request_count(env), 0);
}

/* 100 sends with max_concurrent in flight through a CONNECT proxy: the connections opened,
 * counted at the proxy. */
static unsigned int connections_for(ts_env *env, unsigned int max_concurrent,
                                    unsigned int max_connections)
{
    char purl[64];
    ts_proxy *px = proxy_start(purl, sizeof purl);
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.proxy = purl;
    o.max_concurrent = max_concurrent;
    o.max_connections = max_connections;
    o.timeout_ms = ts_slow() ? 120000 : 30000;
    assert_int_equal(ts_send_burst(tls_client(env, &o), 100, "burst"), 100);
    assert_int_equal(ts_request_count(env), 100);
    unsigned int n = ts_proxy_connects(px);
    ts_proxy_stop(px);
    return n;
}

/* max_connections caps connections, not requests in flight. */
static void test_tls__max_connections_apart_from_in_flight(void **state)
{
    NEED_CERTS();
    unsigned int n = connections_for(*state, 32, 2);
    assert_true(n >= 1 && n <= 2);
}

/* max_connections left to the library over https starts at one connection per 100 in flight
 * (HTTP/2 expected); the emulator answers in HTTP/1.1, so the first answer raises it to
 * max_concurrent: more than one connection. */
static void test_tls__http1_1_server_raises_the_connection_cap(void **state)
{
    NEED_CERTS();
    unsigned int n = connections_for(*state, 16, 0);
    assert_true(n > 1 && n <= 16);
}

/* Over https with HTTP/2 expected, a new connection's socket is corked (the frames of a turn
 * leave together); the emulator answers in HTTP/1.1, where a request is one write and there
 * may be a connection per request in flight, so the first answer stops corking. */
static int count_corked(loopmsg_client *c, loopmsg_request_id id, unsigned int attempt, void *ud)
{
    (void)id;
    (void)attempt;
    const int *fds;
    *(size_t *)ud = loopmsg__engine_corked(c, &fds);
    return 0;
}

static void test_tls__http1_1_answer_stops_corking(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    /* max_connections left to the library or given: either way. */
    const unsigned int caps[] = {0, 4};
    for (size_t i = 0; i < 2; i++) {
        size_t at_wire = 0;
        loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
        o.max_connections = caps[i];
        o.wire_cb = count_corked;
        o.wire_user_data = &at_wire;
        loopmsg_client *c = tls_client(env, &o);
        send_one(c, "first");
        assert_int_equal(at_wire, 1); /* corked when the request left */
        const int *fds;
        assert_int_equal(loopmsg__engine_corked(c, &fds), 0);
        send_one(c, "second");
        assert_int_equal(at_wire, 0);
        assert_sent(env, 2 * i + 1, "second");
        loopmsg_client_free(c);
        env->client = NULL;
    }
}

/* A connection the server closed is forgotten with its socket: the number may be reused for
 * another file, which a later turn must never touch. */
static void test_tls__dropped_connection_is_forgotten(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.drop = LOOPMSG_EMULATOR_DROP_BEFORE_BODY;
    assert_int_equal(loopmsg_emulator_script(env->emu, &a), LOOPMSG_OK);
    size_t at_wire = 0;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.wire_cb = count_corked;
    o.wire_user_data = &at_wire;
    o.max_retries = LOOPMSG_NO_RETRIES;
    loopmsg_client *c = tls_client(env, &o);
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "dropped";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_message_send(c, &p, &r, &err), LOOPMSG_E_TRANSPORT);
    assert_null(r);
    assert_int_equal(at_wire, 1);
    const int *fds;
    assert_int_equal(loopmsg__engine_corked(c, &fds), 0);
}

/* The CLI's trust, version and proxy flags (before or after the command word). */
static int cli(ts_env *env, ts_cli *r, const char *const *argv)
{
    int rc = ts_cli_run(r, env, argv, NULL);
    if (rc != 0 && r->err)
        fprintf(stderr, "loopmsg stderr: %s\n", r->err);
    return rc;
}

static void test_tls__cli_trust_and_version_flags(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    const char *const runs[][10] = {
        {"--ca-bundle", certs.ca_pem, "send", "--contact", "+13231112233", "--text", "a", NULL},
        {"send", "--ca-path", certs.ca_dir, "--contact", "+13231112233", "--text", "b", NULL},
        {"--http1.1", "--ca-bundle", certs.ca_pem, "send", "--contact", "+13231112233", "--text",
         "c", NULL},
        {"--http2", "send", "--ca-bundle", certs.ca_pem, "--contact", "+13231112233", "--text", "d",
         NULL},
    };
    const char *texts[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++) {
        ts_cli r;
        assert_int_equal(cli(env, &r, runs[i]), 0);
        ts_cli_free(&r);
        assert_sent(env, i, texts[i]);
    }
    assert_int_equal(ts_request_count(env), 4);
}

static void test_tls__cli_wrong_ca_exits_4(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    const char *args[] = {"--ca-bundle",  certs.other_ca_pem, "send",  "--contact",
                          "+13231112233", "--text",           "never", NULL};
    ts_cli r;
    assert_int_equal(cli(env, &r, args), 4);
    ts_assert_contains(r.err, "certificate");
    ts_cli_free(&r);
    const char *plain[] = {"send", "--contact", "+13231112233", "--text", "never", NULL};
    assert_int_equal(cli(env, &r, plain), 4); /* the system trust lacks the test CA */
    ts_assert_contains(r.err, "certificate");
    ts_cli_free(&r);
    assert_int_equal(ts_request_count(env), 0);
}

static void test_tls__cli_proxy_flag(void **state)
{
    NEED_CERTS();
    ts_env *env = *state;
    char purl[64];
    ts_proxy *px = proxy_start(purl, sizeof purl);
    const char *args[] = {"--proxy",   purl,           "--ca-bundle", certs.ca_pem, "send",
                          "--contact", "+13231112233", "--text",      "proxied",    NULL};
    ts_cli r;
    assert_int_equal(cli(env, &r, args), 0);
    ts_cli_free(&r);
    assert_int_equal(ts_proxy_connects(px), 1);
    assert_sent(env, 0, "proxied");
    ts_proxy_stop(px);
}

static void test_tls__emulator_tls_options_checked(void **state)
{
    (void)state;
    loopmsg_emulator *emu = NULL;
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.tls_cert_file = "/nonexistent/cert.pem";
    loopmsg_error err;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_emulator_start(&eo, &emu, &err), &err);
    ts_assert_contains(err.message, "tls_key_file");
    eo.tls_key_file = "/nonexistent/key.pem";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_emulator_start(&eo, &emu, &err), &err);
    ts_assert_contains(err.message, "/nonexistent/cert.pem");
    assert_null(emu);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tls_setup, tls_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tls__send_with_ca_bundle),
        T(test_tls__send_with_hashed_ca_path),
        T(test_tls__trust_from_the_environment),
        T(test_tls__wrong_ca_refused_nothing_sent),
        T(test_tls__unknown_ca_refused_with_system_trust),
        T(test_tls__missing_bundle_file_refused),
        T(test_tls__http_versions),
        T(test_tls__unknown_http_version_refused),
        T(test_tls__async_64_in_flight),
        T(test_tls__through_connect_proxy),
        T(test_tls__proxy_never_sees_the_key_over_plaintext),
        T(test_tls__proxy_failure_hides_key_and_credentials),
        T(test_tls__max_connections_apart_from_in_flight),
        T(test_tls__http1_1_server_raises_the_connection_cap),
        T(test_tls__http1_1_answer_stops_corking),
        T(test_tls__dropped_connection_is_forgotten),
        T(test_tls__cli_trust_and_version_flags),
        T(test_tls__cli_wrong_ca_exits_4),
        T(test_tls__cli_proxy_flag),
        T(test_tls__emulator_tls_options_checked),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
