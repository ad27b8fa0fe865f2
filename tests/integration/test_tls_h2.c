/* SPDX-License-Identifier: MIT */
/*
 * test_tls_h2.c: HTTP/2 end to end. The emulator does not speak HTTP/2 (libmicrohttpd has no
 * HTTP/2), so nginx, started by the test on an ephemeral 127.0.0.1 port with TLS 1.3 and
 * HTTP/2 and a throwaway CA, fronts an in-process emulator. nginx's access log names, for
 * each request, the connection it came on and its protocol: 64 requests in flight must
 * multiplex over HTTP/2 on one or two connections (not 64), the CLI's default must be
 * HTTP/2, and --http1.1 must give HTTP/1.1 with a connection per request in flight up to
 * max_concurrent. The emulator records what crossed the wire behind nginx.
 *
 * Skipped as a whole (exit 77, ctest SKIP_RETURN_CODE) when nginx or openssl is missing.
 */
#define _GNU_SOURCE
#include "test_support.h"
#include "tls_support.h"
#include "lib/client_int.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIPPED 77

static ts_tls certs;
static char dir[64]; /* nginx's prefix: configuration, logs, temporary files */
static char url[64]; /* https://127.0.0.1:PORT, nginx */
static pid_t nginx = -1;
static loopmsg_emulator *backend;

static int accepts(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static int write_conf(int port, const char *backend_url)
{
    char path[128];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* $connection is nginx's serial number of the connection a request came on. */
    fprintf(f,
            "worker_processes 1;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/error.log;\n"
            "daemon off;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    log_format wire '$connection $server_protocol $status';\n"
            "    access_log %s/access.log wire;\n"
            "    client_body_temp_path %s/body;\n"
            "    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fcgi;\n"
            "    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n"
            "    upstream emulator { server %s; keepalive 64; }\n"
            "    server {\n"
            "        listen 127.0.0.1:%d ssl http2;\n"
            "        ssl_certificate %s;\n"
            "        ssl_certificate_key %s;\n"
            "        ssl_protocols TLSv1.3;\n"
            "        http2_max_concurrent_streams 128;\n"
            "        location / {\n"
            "            proxy_pass http://emulator;\n"
            "            proxy_http_version 1.1;\n"
            "            proxy_set_header Connection \"\";\n"
            "        }\n"
            "    }\n"
            "}\n",
            dir, dir, dir, dir, dir, dir, dir, dir, backend_url + strlen("http://"), port,
            certs.server_pem, certs.server_key);
    return fclose(f) == 0 ? 0 : -1;
}

/* Start nginx on a free port; the port may be taken between the probe and nginx's bind, so
 * a few ports are tried. 0 when it accepts connections. */
static int start_nginx(void)
{
    for (int tries = 0; tries < 5; tries++) {
        int port = ts_free_port();
        if (port == 0 || write_conf(port, loopmsg_emulator_url(backend)) != 0)
            return -1;
        char conf[128], err[128];
        snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
        snprintf(err, sizeof err, "%s/error.log", dir);
        nginx = fork();
        if (nginx < 0)
            return -1;
        if (nginx == 0) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, 1);
                dup2(null, 2);
            }
            execlp("nginx", "nginx", "-p", dir, "-c", conf, "-e", err, (char *)NULL);
            _exit(127);
        }
        uint64_t deadline = ts_now_ms() + (ts_slow() ? 60000 : 10000);
        int status;
        while (ts_now_ms() < deadline) {
            if (accepts(port)) {
                snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
                return 0;
            }
            if (waitpid(nginx, &status, WNOHANG) == nginx) {
                nginx = -1; /* exited: port taken, or nginx refused the configuration */
                break;
            }
            ts_sleep_ms(10);
        }
        if (nginx > 0) {
            kill(nginx, SIGTERM);
            waitpid(nginx, &status, 0);
            nginx = -1;
        }
    }
    return -1;
}

static int group_setup(void **state)
{
    (void)state;
    const char *vars[] = {"https_proxy", "HTTPS_PROXY",    "http_proxy",
                          "all_proxy",   "ALL_PROXY",      "no_proxy",
                          "NO_PROXY",    "LOOP_CA_BUNDLE", "LOOP_CA_PATH"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    snprintf(dir, sizeof dir, "/tmp/loopmsg-h2-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    /* nginx's workers may run as another user (nobody) under root: they write the logs and
     * temporary files the master created in here. */
    chmod(dir, 0755);
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.quiet = true;
    loopmsg_error err;
    if (loopmsg_emulator_start(&eo, &backend, &err) != LOOPMSG_OK) {
        fprintf(stderr, "emulator: %s\n", err.message);
        return -1;
    }
    if (start_nginx() != 0) {
        char log[128];
        snprintf(log, sizeof log, "%s/error.log", dir);
        char *text = ts_read_file(log, NULL);
        fprintf(stderr, "test_tls_h2: nginx did not start: %s\n", text ? text : "(no log)");
        free(text);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (nginx > 0) {
        int status;
        kill(nginx, SIGQUIT); /* graceful: the workers finish and exit with the master */
        waitpid(nginx, &status, 0);
    }
    loopmsg_emulator_free(backend);
    ts_tls_remove(&certs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Each test starts with an empty access log and an empty emulator. */
static int h2_setup(void **state)
{
    ts_alloc_install();
    ts_env *env = calloc(1, sizeof *env);
    if (!env)
        return -1;
    env->alloc_mark = ts_alloc_outstanding();
    env->emu = backend;
    snprintf(env->url, sizeof env->url, "%s", url);
    *state = env;
    loopmsg_emulator_reset(backend);
    char log[128];
    snprintf(log, sizeof log, "%s/access.log", dir);
    FILE *f = fopen(log, "w"); /* nginx appends (O_APPEND): truncating in place is safe */
    return f && fclose(f) == 0 ? 0 : -1;
}

static int h2_teardown(void **state)
{
    ts_env *env = *state;
    env->emu = NULL; /* the group's, freed in group_teardown */
    return ts_emu_teardown(state);
}

/* What nginx logged: requests, distinct connections, requests in each protocol. */
typedef struct wire_log {
    int requests;
    int connections;
    int h2, h11;
    int ok; /* status 200 */
} wire_log;

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    return n;
}

/* nginx writes a request's line when the request ends, which may be just after the client
 * read the answer: wait for `expected` lines. */
static wire_log read_log(int expected)
{
    char path[128];
    snprintf(path, sizeof path, "%s/access.log", dir);
    char *text = NULL;
    uint64_t deadline = ts_now_ms() + (ts_slow() ? 60000 : 10000);
    for (;;) {
        free(text);
        text = ts_read_file(path, NULL);
        if ((text && count_lines(text) >= expected) || ts_now_ms() > deadline)
            break;
        ts_sleep_ms(5);
    }
    wire_log w = {0};
    long seen[256];
    int nseen = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        const char *this = line;
        line = end ? end + 1 : NULL;
        long conn = 0;
        char proto[16] = "";
        int status = 0;
        if (sscanf(this, "%ld %15s %d", &conn, proto, &status) != 3)
            continue;
        w.requests++;
        w.h2 += strcmp(proto, "HTTP/2.0") == 0;
        w.h11 += strcmp(proto, "HTTP/1.1") == 0;
        w.ok += status == 200;
        int known = 0;
        for (int i = 0; i < nseen; i++)
            known |= seen[i] == conn;
        if (!known && nseen < 256)
            seen[nseen++] = conn;
    }
    w.connections = nseen;
    free(text);
    return w;
}

/* n sends submitted at once, every one accepted; behind nginx the emulator saw them all, with
 * the key, as sent. What nginx logged about them. */
static wire_log burst(ts_env *env, loopmsg_client_options *o, int n)
{
    o->ca_bundle_path = certs.ca_pem;
    o->timeout_ms = ts_slow() ? 120000 : 30000;
    env->client = ts_client(env, o);
    assert_int_equal(ts_send_burst(env->client, n, "burst"), n);
    assert_int_equal(ts_request_count(env), (size_t)n);
    loopmsg_emulator_request *q = ts_request(env, (size_t)n - 1);
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->path, "/api/v1/message/send/");
    assert_string_equal(q->authorization, TS_KEY);
    ts_assert_json_eq("{\"contact\":\"+13231112233\",\"text\":\"burst\"}", q->body);
    loopmsg_emulator_request_free(q);
    wire_log w = read_log(n);
    assert_int_equal(w.requests, n);
    assert_int_equal(w.ok, n);
    return w;
}

/* The default (auto): HTTP/2 through ALPN, and 64 requests in flight share one connection
 * (two at most: libcurl may open a second before the server's SETTINGS arrive). */
static void test_tls_h2__64_in_flight_multiplex_on_one_connection(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 64;
    wire_log w = burst(env, &o, 64);
    assert_int_equal(w.h2, 64);
    assert_true(w.connections >= 1 && w.connections <= 2);
}

/* The frames one turn of the engine writes leave together (TCP_CORK held during each
 * curl_multi_perform): 64 requests in flight over HTTP/2 go out in fewer data segments than
 * there are requests, where each request's HEADERS and DATA frames would otherwise be
 * segments of their own; and nothing is left held back in the kernel after a turn. */
static void test_tls_h2__frames_of_a_turn_leave_together(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 64;
    wire_log w = burst(env, &o, 64);
    assert_int_equal(w.h2, 64);
    const int *fds;
    size_t n = loopmsg__engine_corked(env->client, &fds);
    assert_true(n >= 1 && n <= (size_t)w.connections);
    unsigned long segments = 0;
    for (size_t i = 0; i < n; i++) {
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        memset(&ti, 0, sizeof ti);
        assert_int_equal(getsockopt(fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
        assert_int_equal(ti.tcpi_notsent_bytes, 0);
        segments += ti.tcpi_data_segs_out;
        int cork = 0;
        len = sizeof cork;
        assert_int_equal(getsockopt(fds[i], IPPROTO_TCP, TCP_CORK, &cork, &len), 0);
        assert_int_equal(cork, 1);
    }
    fprintf(stderr, "test_tls_h2: 64 requests in %lu data segments\n", segments);
    assert_true(segments < 64);
}

/* More requests in flight than nginx's stream limit (128) per connection, http_version 2
 * asked for explicitly: with max_connections left to the library (256 / 100 rounded up = 3)
 * the requests share 3 connections at most, where libcurl alone opens one connection for
 * every request that finds the first full (129 here). */
static void test_tls_h2__stream_limit_opens_few_connections(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 256;
    o.http_version = LOOPMSG_HTTP_VERSION_2;
    wire_log w = burst(env, &o, 256);
    assert_int_equal(w.h2, 256);
    assert_true(w.connections >= 2 && w.connections <= 3);
}

/* max_connections given: kept, over HTTP/2 too. */
static void test_tls_h2__max_connections_kept(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 256;
    o.max_connections = 1;
    wire_log w = burst(env, &o, 256);
    assert_int_equal(w.h2, 256);
    assert_int_equal(w.connections, 1);
}

/* HTTP/1.1 asked for: no multiplexing, a connection per request in flight, max_concurrent at
 * most. */
static void test_tls_h2__http1_1_connection_per_request_in_flight(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 16;
    o.http_version = LOOPMSG_HTTP_VERSION_1_1;
    wire_log w = burst(env, &o, 64);
    assert_int_equal(w.h11, 64);
    assert_true(w.connections > 2 && w.connections <= 16);
}

/* The CLI's default is HTTP/2 where the server offers it; --http1.1 is HTTP/1.1. */
static void test_tls_h2__cli_default_is_http2(void **state)
{
    ts_env *env = *state;
    const char *const runs[][10] = {
        {"--ca-bundle", certs.ca_pem, "send", "--contact", "+13231112233", "--text", "a", NULL},
        {"--http1.1", "--ca-bundle", certs.ca_pem, "send", "--contact", "+13231112233", "--text",
         "b", NULL},
    };
    for (int i = 0; i < 2; i++) {
        ts_cli r;
        int rc = ts_cli_run(&r, env, runs[i], NULL);
        if (rc != 0)
            fprintf(stderr, "loopmsg stderr: %s\n", r.err);
        assert_int_equal(rc, 0);
        ts_cli_free(&r);
        wire_log w = read_log(i + 1);
        assert_int_equal(w.requests, i + 1);
        assert_int_equal(w.h2, 1);
        assert_int_equal(w.h11, i);
    }
    assert_int_equal(ts_request_count(env), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, h2_setup, h2_teardown)

int main(void)
{
    if (system("command -v nginx >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_tls_h2: nginx is not installed (scripts/install-deps.sh "
                        "--with-bench): skipped\n");
        return SKIPPED;
    }
    if (ts_tls_make(&certs) != 0) {
        fprintf(stderr, "test_tls_h2: the openssl command is missing or failed: skipped\n");
        return SKIPPED;
    }
    const struct CMUnitTest tests[] = {
        T(test_tls_h2__64_in_flight_multiplex_on_one_connection),
        T(test_tls_h2__frames_of_a_turn_leave_together),
        T(test_tls_h2__stream_limit_opens_few_connections),
        T(test_tls_h2__max_connections_kept),
        T(test_tls_h2__http1_1_connection_per_request_in_flight),
        T(test_tls_h2__cli_default_is_http2),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
