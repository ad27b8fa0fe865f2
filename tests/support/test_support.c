/* SPDX-License-Identifier: MIT */
/*
 * test_support.c: counting allocator, emulator fixture and assertion helpers for the tests.
 */
#include "test_support.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static long outstanding;
static long fail_countdown;
static int installed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Each block carries its size in a header so realloc and free keep the count exact. */
typedef union hdr {
    size_t size;
    max_align_t align;
} hdr;

static int should_fail(void)
{
    int fail = 0;
    pthread_mutex_lock(&lock);
    if (fail_countdown > 0 && --fail_countdown == 0)
        fail = 1;
    pthread_mutex_unlock(&lock);
    return fail;
}

static void *t_malloc(size_t size, void *ctx)
{
    (void)ctx;
    if (should_fail())
        return NULL;
    hdr *h = malloc(sizeof(hdr) + size);
    if (!h)
        return NULL;
    h->size = size;
    pthread_mutex_lock(&lock);
    outstanding++;
    pthread_mutex_unlock(&lock);
    return h + 1;
}

static void t_free(void *p, void *ctx)
{
    (void)ctx;
    if (!p)
        return;
    hdr *h = (hdr *)p - 1;
    pthread_mutex_lock(&lock);
    outstanding--;
    pthread_mutex_unlock(&lock);
    free(h);
}

static void *t_realloc(void *p, size_t size, void *ctx)
{
    if (!p)
        return t_malloc(size, ctx);
    if (should_fail())
        return NULL;
    hdr *h = (hdr *)p - 1;
    hdr *n = realloc(h, sizeof(hdr) + size);
    if (!n)
        return NULL;
    n->size = size;
    return n + 1;
}

void ts_alloc_install(void)
{
    if (installed)
        return;
    loopmsg_allocator a = {t_malloc, t_realloc, t_free, NULL};
    int rc = loopmsg_global_init(&a);
    if (rc < 1) {
        fprintf(stderr, "loopmsg_global_init failed: %d\n", rc);
        abort();
    }
    installed = 1;
}

long ts_alloc_outstanding(void)
{
    pthread_mutex_lock(&lock);
    long n = outstanding;
    pthread_mutex_unlock(&lock);
    return n;
}

void ts_alloc_fail_at(long n)
{
    pthread_mutex_lock(&lock);
    fail_countdown = n;
    pthread_mutex_unlock(&lock);
}

static long plain_mark;

int ts_setup(void **state)
{
    (void)state;
    ts_alloc_install();
    plain_mark = ts_alloc_outstanding();
    return 0;
}

int ts_teardown(void **state)
{
    (void)state;
    ts_alloc_fail_at(0);
    long now = ts_alloc_outstanding();
    if (now != plain_mark) {
        fprintf(stderr, "LEAK: %ld allocation(s) outstanding after the test\n", now - plain_mark);
        return -1;
    }
    return 0;
}

loopmsg_client *ts_client(ts_env *env, loopmsg_client_options *opts)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (!o.version)
        o.version = LOOPMSG_CLIENT_OPTIONS_VERSION;
    if (!o.api_key)
        o.api_key = TS_KEY;
    if (!o.base_url)
        o.base_url = env->url;
    if (!o.retry_delay_ms)
        o.retry_delay_ms = 10;
    if (!o.timeout_ms) {
        /* Slow runners (valgrind) raise it; tests that time out on purpose set their own. */
        const char *t = getenv("LOOPMSG_TEST_TIMEOUT_MS");
        long v = t ? strtol(t, NULL, 10) : 0;
        o.timeout_ms = v > 0 ? (unsigned int)v : 2000;
    }
    loopmsg_client *c = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_client_new(&o, &c, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    return c;
}

int ts_emu_setup(void **state)
{
    return ts_emu_setup_delay(state, 50);
}

int ts_emu_setup_delay(void **state, unsigned int delivery_delay_ms)
{
    ts_alloc_install();
    ts_env *env = calloc(1, sizeof *env);
    if (!env)
        return -1;
    env->alloc_mark = ts_alloc_outstanding();
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.delivery_delay_ms = delivery_delay_ms;
    eo.quiet = true;
    loopmsg_error err;
    if (loopmsg_emulator_start(&eo, &env->emu, &err) != LOOPMSG_OK) {
        fprintf(stderr, "emulator: %s\n", err.message);
        free(env);
        return -1;
    }
    snprintf(env->url, sizeof env->url, "%s", loopmsg_emulator_url(env->emu));
    env->client = ts_client(env, NULL);
    *state = env;
    return 0;
}

void ts_assert_request_auth(ts_env *env, size_t index, const char *method, const char *path,
                            const char *query, const char *auth, const char *json_body)
{
    loopmsg_emulator_request *r = ts_request(env, index);
    assert_string_equal(r->method, method);
    assert_string_equal(r->path, path);
    if (query)
        assert_string_equal(r->query, query);
    assert_string_equal(r->authorization, auth);
    assert_non_null(r->content_type);
    assert_string_equal(r->content_type, "application/json");
    assert_non_null(r->user_agent);
    assert_true(strncmp(r->user_agent, "libloopmsg/", 11) == 0);
    if (json_body)
        ts_assert_json_eq(json_body, r->body);
    else
        assert_int_equal(r->body_len, 0);
    loopmsg_emulator_request_free(r);
}

void ts_assert_request(ts_env *env, size_t index, const char *method, const char *path,
                       const char *query, const char *json_body)
{
    ts_assert_request_auth(env, index, method, path, query, TS_KEY, json_body);
}

void ts_seed_message(ts_env *env, const char *contact, char *id, size_t size)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = contact;
    p.text = "seed";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    assert_non_null(r->message_id);
    snprintf(id, size, "%s", r->message_id);
    loopmsg_send_result_free(r);
    loopmsg_emulator_reset(env->emu);
}

int ts_emu_bare_setup(void **state, loopmsg_emulator_options *o)
{
    o->quiet = true;
    loopmsg_emulator *emu = NULL;
    loopmsg_error err;
    if (loopmsg_emulator_start(o, &emu, &err) != LOOPMSG_OK) {
        fprintf(stderr, "emulator: %s\n", err.message);
        return -1;
    }
    *state = emu;
    return 0;
}

int ts_emu_bare_teardown(void **state)
{
    loopmsg_emulator_free(*state);
    return 0;
}

int ts_emu_teardown(void **state)
{
    ts_env *env = *state;
    loopmsg_client_free(env->client);
    loopmsg_emulator_free(env->emu);
    ts_alloc_fail_at(0);
    long now = ts_alloc_outstanding();
    long mark = env->alloc_mark;
    free(env);
    if (now != mark) {
        fprintf(stderr, "LEAK: %ld allocation(s) outstanding after the test\n", now - mark);
        return -1;
    }
    return 0;
}

typedef struct burst_tally {
    int calls, ok;
} burst_tally;

static void on_burst_send(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                          const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    burst_tally *t = ud;
    t->calls++;
    if (r && err->status == LOOPMSG_OK && r->message_id && *r->message_id)
        t->ok++;
}

int ts_send_burst(loopmsg_client *c, int n, const char *text)
{
    burst_tally t = {0};
    for (int i = 0; i < n; i++) {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = "+13231112233";
        p.text = text;
        loopmsg_error err;
        ts_assert_status(LOOPMSG_OK,
                         loopmsg_message_send_async(c, &p, on_burst_send, &t, NULL, &err), &err);
    }
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_client_run(c, &err), &err);
    assert_int_equal(t.calls, n);
    return t.ok;
}

void ts_script_full(ts_env *env, const loopmsg_emulator_answer *a)
{
    loopmsg_status st = loopmsg_emulator_script(env->emu, a);
    assert_int_equal(st, LOOPMSG_OK);
}

void ts_script(ts_env *env, int status, const char *body)
{
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.status = status;
    a.body = body;
    ts_script_full(env, &a);
}

loopmsg_emulator_request *ts_request(ts_env *env, size_t index)
{
    loopmsg_emulator_request *r = NULL;
    loopmsg_status st = loopmsg_emulator_request_get(env->emu, index, &r);
    if (st != LOOPMSG_OK)
        fail_msg("no recorded request #%zu (have %zu)", index,
                 loopmsg_emulator_request_count(env->emu));
    return r;
}

size_t ts_request_count(ts_env *env)
{
    return loopmsg_emulator_request_count(env->emu);
}

void ts_assert_json_eq(const char *expected, const char *actual)
{
    json_error_t e1, e2;
    json_t *a = json_loads(expected, 0, &e1);
    json_t *b = actual ? json_loads(actual, 0, &e2) : NULL;
    if (!a)
        fail_msg("bad expected JSON: %s (%s)", expected, e1.text);
    int eq = b && json_equal(a, b);
    json_decref(a);
    json_decref(b);
    if (!eq)
        fail_msg("JSON differs\n expected: %s\n   actual: %s", expected,
                 actual ? actual : "(null)");
}

void ts_assert_status_impl(loopmsg_status expected, loopmsg_status actual, const loopmsg_error *err,
                           const char *file, int line)
{
    if (expected != actual)
        fail_msg("%s:%d: expected %s, got %s: %s", file, line, loopmsg_status_name(expected),
                 loopmsg_status_name(actual), err ? err->message : "(no error struct)");
    if (err && err->status != actual)
        fail_msg("%s:%d: err->status %s differs from the returned %s", file, line,
                 loopmsg_status_name(err->status), loopmsg_status_name(actual));
}

void ts_assert_err_impl(const loopmsg_error *e, loopmsg_status st, int http, int code,
                        unsigned int flags, unsigned int attempts, const char *file, int line)
{
    if (e->status != st || e->http_status != http || e->api_code != code || e->flags != flags ||
        e->attempts != attempts)
        fail_msg("%s:%d: expected %s http %d api_code %d flags 0x%x attempts %u\n"
                 "       got %s http %d api_code %d flags 0x%x attempts %u: %s",
                 file, line, loopmsg_status_name(st), http, code, flags, attempts,
                 loopmsg_status_name(e->status), e->http_status, e->api_code, e->flags, e->attempts,
                 e->message);
}

void ts_assert_contains_impl(const char *haystack, const char *needle, const char *file, int line)
{
    if (!haystack || !strstr(haystack, needle))
        fail_msg("%s:%d: \"%s\" does not contain \"%s\"", file, line,
                 haystack ? haystack : "(null)", needle);
}

char *ts_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

const char *ts_data_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("LOOPMSG_TEST_DATA");
    snprintf(path, sizeof path, "%s/%s", base ? base : "tests/data", rel);
    return path;
}

int ts_slow(void)
{
    const char *s = getenv("LOOPMSG_TEST_SLOW");
    return s && *s && strcmp(s, "0") != 0;
}

uint64_t ts_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void ts_sleep_ms(unsigned int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void ts_emu_wait_idle(loopmsg_emulator *emu, unsigned int timeout_ms)
{
    if (ts_slow())
        timeout_ms *= 10; /* valgrind: everything is 10-50 times slower */
    uint64_t until = ts_now_ms() + timeout_ms;
    size_t n;
    while ((n = loopmsg_emulator_webhooks_pending(emu)) > 0 && ts_now_ms() < until)
        ts_sleep_ms(2);
    if (n > 0)
        fail_msg("%zu webhook deliveries still pending after %u ms", n, timeout_ms);
}

int ts_signal_taken(int pid, int sig, int timeout_ms)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    unsigned long long bit = 1ull << (sig - 1);
    uint64_t until = ts_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        FILE *f = fopen(path, "r");
        if (!f)
            return 0;
        char line[256];
        int pending = 0;
        /* SigPnd: sent to the (main) thread; ShdPnd: sent to the process, as kill(2) does. */
        while (fgets(line, sizeof line, f))
            if ((strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0) &&
                (strtoull(line + 7, NULL, 16) & bit))
                pending = 1;
        fclose(f);
        if (!pending)
            return 1;
        if (ts_now_ms() > until)
            return 0;
        ts_sleep_ms(1);
    }
}

void ts_cli_start_ex(ts_cli *cli, ts_env *env, const char *const *argv, const ts_cli_opts *opts)
{
    static int seq;
    static const ts_cli_opts none = {0};
    if (!opts)
        opts = &none;
    memset(cli, 0, sizeof *cli);
    const char *bin = getenv("LOOPMSG_CLI");
    if (!bin)
        fail_msg("LOOPMSG_CLI is not set (run through ctest)");
    int n = seq++;
    snprintf(cli->out_path, sizeof cli->out_path, "/tmp/loopmsg-test-%d-%d.out", (int)getpid(), n);
    snprintf(cli->err_path, sizeof cli->err_path, "/tmp/loopmsg-test-%d-%d.err", (int)getpid(), n);
    const char *in_path = opts->stdin_path ? opts->stdin_path : "/dev/null";
    if (!opts->stdin_path && opts->stdin_data) {
        snprintf(cli->in_path, sizeof cli->in_path, "/tmp/loopmsg-test-%d-%d.in", (int)getpid(), n);
        FILE *f = fopen(cli->in_path, "wb");
        if (!f)
            fail_msg("cannot write %s", cli->in_path);
        fputs(opts->stdin_data, f);
        fclose(f);
        in_path = cli->in_path;
    }
    char key[64], url[256];
    snprintf(key, sizeof key, "LOOP_API_KEY=%s", TS_KEY);
    snprintf(url, sizeof url, "LOOP_BASE_URL=%s",
             opts->base_url ? opts->base_url
             : env          ? env->url
                            : "");
    const char *envp[64];
    size_t ne = 0;
    if (!opts->no_key)
        envp[ne++] = key;
    envp[ne++] = url;
    envp[ne++] = "PATH=/usr/bin:/bin";
    static char asan_buf[256];
    const char *asan = getenv("ASAN_OPTIONS");
    if (asan) {
        snprintf(asan_buf, sizeof asan_buf, "ASAN_OPTIONS=%s", asan);
        envp[ne++] = asan_buf;
    }
    for (size_t i = 0; opts->extra_env && opts->extra_env[i] && ne < 62; i++)
        envp[ne++] = opts->extra_env[i];
    envp[ne] = NULL;
    const char *args[64];
    size_t na = 0;
    args[na++] = bin;
    for (size_t i = 0; argv[i] && na < 63; i++)
        args[na++] = argv[i];
    args[na] = NULL;
    cli->started_ms = ts_now_ms();
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork failed");
    if (pid == 0) {
        int in = open(in_path, O_RDONLY);
        int out = open(cli->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int er = open(cli->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || er < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(er, 2);
        signal(SIGPIPE, SIG_DFL); /* the test may ignore it; the CLI must see the default */
        if (opts->drop_root && geteuid() == 0 &&
            (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(125);
        execve(bin, (char *const *)args, (char *const *)envp);
        _exit(127);
    }
    cli->pid = (int)pid;
}

void ts_cli_start(ts_cli *cli, ts_env *env, const char *const *argv, const char *const *extra_env,
                  const char *stdin_path)
{
    ts_cli_opts o = {.extra_env = extra_env, .stdin_path = stdin_path};
    ts_cli_start_ex(cli, env, argv, &o);
}

int ts_cli_wait(ts_cli *cli, int timeout_ms)
{
    int status = 0;
    uint64_t until = ts_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        struct rusage ru;
        pid_t r = wait4((pid_t)cli->pid, &status, WNOHANG, &ru);
        if (r == (pid_t)cli->pid) {
            cli->maxrss_kb = ru.ru_maxrss;
            break;
        }
        if (ts_now_ms() > until) {
            kill((pid_t)cli->pid, SIGKILL);
            wait4((pid_t)cli->pid, &status, 0, &ru);
            cli->timed_out = 1;
            break;
        }
        usleep(5000);
    }
    cli->elapsed_ms = ts_now_ms() - cli->started_ms;
    cli->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    cli->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + cli->signal;
    cli->out = ts_read_file(cli->out_path, NULL);
    cli->err = ts_read_file(cli->err_path, NULL);
    if (!cli->out)
        cli->out = calloc(1, 1);
    if (!cli->err)
        cli->err = calloc(1, 1);
    unlink(cli->out_path);
    unlink(cli->err_path);
    if (cli->in_path[0])
        unlink(cli->in_path);
    return cli->exit_code;
}

void ts_cli_free(ts_cli *cli)
{
    free(cli->out);
    free(cli->err);
    cli->out = cli->err = NULL;
}

int ts_cli_run(ts_cli *cli, ts_env *env, const char *const *argv, const char *stdin_path)
{
    ts_cli_start(cli, env, argv, NULL, stdin_path);
    return ts_cli_wait(cli, 60000);
}

int ts_bound_port(uint16_t *port_out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port_out = ntohs(a.sin_port);
    return fd;
}

int ts_refusing_url(char *url, size_t size)
{
    uint16_t port;
    int fd = ts_bound_port(&port);
    snprintf(url, size, "http://127.0.0.1:%u", (unsigned int)port);
    return fd;
}

uint16_t ts_free_port(void)
{
    uint16_t port;
    close(ts_bound_port(&port));
    return port;
}

void ts_capture_log(loopmsg_log_level level, const char *line, void *user_data)
{
    ts_log_capture *c = user_data;
    if (c->count == TS_LOG_LINES)
        return;
    c->level[c->count] = (int)level;
    snprintf(c->line[c->count], sizeof c->line[0], "%s", line);
    c->count++;
}

size_t ts_log_lines_containing(const ts_log_capture *c, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < c->count; i++)
        if (strstr(c->line[i], needle))
            n++;
    return n;
}

void ts_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}
