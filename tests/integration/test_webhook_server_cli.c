/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_cli.c: `loopmsg listen` end to end ($LOOPMSG_CLI): the banner on
 * stderr, one compact JSON line per event on stdout (repeats printed once), --exec with the
 * payload on stdin and LOOP_EVENT / LOOP_WEBHOOK_ID in the environment (and no secret),
 * --exec-timeout, 500 from --ack-after-handling when the command fails, 401 for a wrong
 * secret, exit 0 on SIGINT and SIGTERM, 130 at once on a second one, exit 2 on usage errors;
 * and `loopmsg webhooks replay` end to end: emulator -> webhook history -> replay -> listen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rx_support.h"
#include "test_support.h"
#include "webhook_support.h"

extern char **environ;

typedef struct listener {
    pid_t pid;
    int out_fd, err_fd;
    unsigned int port;
    char out[65536];
    size_t out_len;
    char err[8192];
    size_t err_len;
} listener;

static const char *cli_path(void)
{
    const char *p = getenv("LOOPMSG_CLI");
    if (!p || !*p)
        fail_msg("LOOPMSG_CLI is not set");
    return p;
}

/* Read whatever is available on the two pipes for up to ms milliseconds. */
static void pump(listener *l, int ms)
{
    uint64_t end = ts_now_ms() + (uint64_t)ms;
    for (;;) {
        uint64_t now = ts_now_ms();
        int left = now < end ? (int)(end - now) : 0;
        struct pollfd p[2] = {{l->out_fd, POLLIN, 0}, {l->err_fd, POLLIN, 0}};
        int n = poll(p, 2, left);
        if (n <= 0)
            return;
        if (p[0].revents) {
            ssize_t r = read(l->out_fd, l->out + l->out_len, sizeof l->out - 1 - l->out_len);
            if (r > 0)
                l->out_len += (size_t)r;
            l->out[l->out_len] = '\0';
            if (r <= 0)
                l->out_fd = -1;
        }
        if (p[1].revents) {
            ssize_t r = read(l->err_fd, l->err + l->err_len, sizeof l->err - 1 - l->err_len);
            if (r > 0)
                l->err_len += (size_t)r;
            l->err[l->err_len] = '\0';
            if (r <= 0)
                l->err_fd = -1;
        }
        if (left == 0 || (l->out_fd < 0 && l->err_fd < 0))
            return;
    }
}

/* Start `loopmsg listen --port 0 ARGS...` with `extra_env` ("K=V", NULL-terminated; may
 * be NULL) added to (or replacing in) our environment, and wait for its banner. */
static void start_listener_env(listener *l, const char *const *args, const char *const *extra_env)
{
    memset(l, 0, sizeof *l);
    int out[2], err[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    const char *argv[32] = {cli_path(), "listen", "--port", "0"};
    size_t n = 4;
    for (size_t i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, err[0]);
    const char *envp[256];
    size_t ne = 0;
    for (size_t i = 0; environ[i] && ne < 200; i++) {
        int replaced = 0;
        for (size_t k = 0; extra_env && extra_env[k]; k++) {
            size_t nl = strcspn(extra_env[k], "=") + 1;
            replaced |= strncmp(environ[i], extra_env[k], nl) == 0;
        }
        if (!replaced)
            envp[ne++] = environ[i];
    }
    for (size_t k = 0; extra_env && extra_env[k] && ne < 255; k++)
        envp[ne++] = extra_env[k];
    envp[ne] = NULL;
    int rc = posix_spawn(&l->pid, argv[0], &fa, NULL, (char *const *)argv, (char *const *)envp);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    close(out[1]);
    close(err[1]);
    l->out_fd = out[0];
    l->err_fd = err[0];
    uint64_t end = ts_now_ms() + 20000;
    const char *banner = NULL;
    while (!(banner = strstr(l->err, "listening on http://127.0.0.1:")) && ts_now_ms() < end)
        pump(l, 50);
    if (!banner)
        fail_msg("no banner; stderr: %s", l->err);
    l->port = (unsigned int)strtoul(banner + strlen("listening on http://127.0.0.1:"), NULL, 10);
    assert_true(l->port > 0);
}

static void start_listener(listener *l, const char *const *args)
{
    start_listener_env(l, args, NULL);
}

/* Wait at most ms for the listener to exit (then kill it and fail); return its status. */
static int wait_listener(listener *l, int sig, uint64_t ms)
{
    int st = 0;
    uint64_t end = ts_now_ms() + ms;
    pid_t r;
    while ((r = waitpid(l->pid, &st, WNOHANG)) == 0 && ts_now_ms() < end)
        pump(l, 20);
    if (r != l->pid) {
        kill(l->pid, SIGKILL);
        waitpid(l->pid, &st, 0);
        fail_msg("loopmsg listen did not stop on signal %d", sig);
    }
    pump(l, 0);
    if (l->out_fd >= 0)
        close(l->out_fd);
    if (l->err_fd >= 0)
        close(l->err_fd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Send sig and return the exit status. */
static int stop_listener(listener *l, int sig)
{
    assert_int_equal(kill(l->pid, sig), 0);
    return wait_listener(l, sig, 20000);
}

/* Pump the pipes until stderr contains needle (at most 20 s). */
static void wait_err(listener *l, const char *needle)
{
    uint64_t end = ts_now_ms() + 20000;
    while (!strstr(l->err, needle) && ts_now_ms() < end)
        pump(l, 20);
    if (!strstr(l->err, needle)) {
        kill(l->pid, SIGKILL);
        waitpid(l->pid, NULL, 0);
        fail_msg("stderr never showed \"%s\": %s", needle, l->err);
    }
}

/* Pump the pipes until path exists (at most 20 s). */
static void wait_file(listener *l, const char *path)
{
    uint64_t end = ts_now_ms() + 20000;
    while (access(path, F_OK) != 0 && ts_now_ms() < end)
        pump(l, 20);
    if (access(path, F_OK) != 0) {
        kill(l->pid, SIGKILL);
        waitpid(l->pid, NULL, 0);
        fail_msg("%s never appeared; stderr: %s", path, l->err);
    }
}

static long post(unsigned int port, const char *auth, const char *body)
{
    CURL *c = curl_easy_init();
    long status = wh_post(c, (uint16_t)port, auth, body, 20000L);
    curl_easy_cleanup(c);
    return status;
}

static char *sample(const char *name)
{
    const char *dir = getenv("LOOPMSG_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/webhooks/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Number of lines on stdout. */
static int count_lines(const listener *l)
{
    int n = 0;
    for (size_t i = 0; i < l->out_len; i++)
        n += l->out[i] == '\n';
    return n;
}

static void wait_lines(listener *l, int n)
{
    uint64_t end = ts_now_ms() + 20000;
    while (count_lines(l) < n && ts_now_ms() < end)
        pump(l, 20);
}

/* The k-th stdout line must be `expected_json` re-serialised, with no whitespace between
 * tokens. */
static void assert_line_is(const listener *l, int k, const char *expected_json)
{
    const char *p = l->out;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    const char *nl = strchr(p, '\n');
    assert_non_null(nl);
    size_t len = (size_t)(nl - p);
    json_error_t e;
    json_t *got = json_loadb(p, len, 0, &e);
    if (!got)
        fail_msg("line %d is not JSON: %.*s", k, (int)len, p);
    json_t *want = json_loads(expected_json, 0, &e);
    assert_non_null(want);
    assert_true(json_equal(got, want));
    /* Compact: nothing between tokens outside strings. */
    assert_null(memchr(p, '\n', len));
    assert_false(len > 2 && (p[1] == ' ' || p[1] == '\n'));
    assert_null(strstr(p, "\": "));
    json_decref(got);
    json_decref(want);
}

static void test_webhook_server_cli__prints_each_event_once_as_one_line(void **state)
{
    (void)state;
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *args[] = {"--secret", "old", "--secret", "new", NULL};
    start_listener(l, args);
    char *inbound = sample("message_inbound.json");
    char *optin = sample("opt-in_docs_variant.json");
    assert_int_equal(post(l->port, "new", inbound), 200);
    assert_int_equal(post(l->port, "Bearer old", inbound), 200); /* repeat: not printed */
    assert_int_equal(post(l->port, "wrong", optin), 401);
    assert_int_equal(post(l->port, NULL, optin), 401);
    assert_int_equal(post(l->port, "old", optin), 200);
    wait_lines(l, 2);
    assert_int_equal(stop_listener(l, SIGINT), 0);
    assert_int_equal(count_lines(l), 2);
    assert_line_is(l, 0, inbound);
    assert_line_is(l, 1, optin);
    free(inbound);
    free(optin);
    free(l);
}

static void test_webhook_server_cli__exec_gets_payload_and_event_type(void **state)
{
    (void)state;
    char path[] = "/tmp/loopmsg-listen-exec-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "{ printf '%%s %%s ' \"$LOOP_EVENT\" \"$LOOP_WEBHOOK_ID\"; wc -c; } >> %s; "
             "echo from-exec",
             path);
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *args[] = {"--exec", cmd, NULL};
    start_listener(l, args);
    /* No --secret: the banner is followed by a warning (a write of its own, after the
     * banner: it may not have been read yet). */
    wait_err(l, "anyone who can connect");
    char *optin = sample("opt-in_docs_variant.json");
    char *other = "{\"event\":\"group_created\",\"webhook_id\":\"g-1\"}";
    assert_int_equal(post(l->port, NULL, optin), 200);
    assert_int_equal(post(l->port, NULL, other), 200);
    wait_lines(l, 2);
    /* The command's own stdout goes to stderr, not into the event stream. */
    uint64_t end = ts_now_ms() + 20000;
    while (!strstr(l->err, "from-exec\nfrom-exec") && ts_now_ms() < end)
        pump(l, 20);
    assert_int_equal(stop_listener(l, SIGTERM), 0);
    assert_int_equal(count_lines(l), 2);
    assert_null(strstr(l->out, "from-exec"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char got[1024] = "";
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = '\0';
    fclose(f);
    unlink(path);
    char want[1024];
    snprintf(want, sizeof want,
             "opt-in a5b4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d %zu\ngroup_created g-1 %zu\n",
             strlen(optin), strlen(other));
    assert_string_equal(got, want);
    free(optin);
    free(l);
}

static void test_webhook_server_cli__ack_after_handling_500_when_exec_fails(void **state)
{
    (void)state;
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    /* The command fails for the first copy of each event and succeeds for a redelivery. */
    char marker[] = "/tmp/loopmsg-listen-ack-XXXXXX";
    assert_non_null(mkdtemp(marker));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cat >/dev/null; f=%s/\"$LOOP_WEBHOOK_ID\"; if [ -e \"$f\" ]; then exit 0; fi; "
             ": > \"$f\"; exit 3",
             marker);
    const char *args[] = {"--secret", "s", "--exec", cmd, "--ack-after-handling", NULL};
    start_listener(l, args);
    const char *body =
        "{\"event\":\"message_failed\",\"webhook_id\":\"ack-1\",\"error_code\":1020}";
    assert_int_equal(post(l->port, "s", body), 500);
    assert_int_equal(post(l->port, "s", body), 200); /* Loop's redelivery is handled */
    assert_int_equal(post(l->port, "s", body), 200); /* then it is a repeat */
    assert_int_equal(stop_listener(l, SIGTERM), 0);
    assert_int_equal(count_lines(l), 2); /* printed for each attempt that ran */
    assert_non_null(strstr(l->err, "--exec command exited with 3"));
    char f[600];
    snprintf(f, sizeof f, "%s/ack-1", marker);
    unlink(f);
    rmdir(marker);
    free(l);
}

/* A scratch directory for one test: dir, and dir/spool, dir/<file> paths in it. */
typedef struct scratch {
    char dir[64];
    char spool[128];
    char file[128];
} scratch;

static void scratch_make(scratch *t, const char *file)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/loopmsg-listen-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->spool, sizeof t->spool, "%s/spool", t->dir);
    snprintf(t->file, sizeof t->file, "%s/%s", t->dir, file);
}

static void scratch_remove(const scratch *t)
{
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf %s", t->dir);
    assert_int_equal(system(rm), 0);
}

/* The --exec command gets no secret the CLI reads from the environment. */
static void test_webhook_server_cli__exec_env_has_no_secrets(void **state)
{
    (void)state;
    scratch t;
    scratch_make(&t, "env");
    const char *dump = t.file;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "env > %s.tmp && mv %s.tmp %s", dump, dump, dump);
    static const char *const extra[] = {"LOOP_API_KEY=api-key-value-1",
                                        "LOOP_WEBHOOK_SECRET=hook-secret-value-2",
                                        "LOOP_PROXY_PASSWORD=proxy-secret-value-3",
                                        "LOOP_BASE_URL=http://127.0.0.1:1",
                                        "LOOP_KEEP_ME=visible",
                                        NULL};
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *args[] = {"--exec", cmd, NULL};
    start_listener_env(l, args, extra);
    /* The secret from the environment still guards the receiver. */
    const char *body = "{\"event\":\"group_created\",\"webhook_id\":\"env-1\"}";
    assert_int_equal(post(l->port, "wrong", body), 401);
    assert_int_equal(post(l->port, "hook-secret-value-2", body), 200);
    wait_file(l, dump);
    assert_int_equal(stop_listener(l, SIGTERM), 0);
    size_t n = 0;
    char *env = ts_read_file(dump, &n);
    assert_non_null(env);
    assert_null(strstr(env, "api-key-value-1"));
    assert_null(strstr(env, "hook-secret-value-2"));
    assert_null(strstr(env, "proxy-secret-value-3"));
    assert_null(strstr(env, "LOOP_API_KEY="));
    assert_null(strstr(env, "LOOP_WEBHOOK_SECRET="));
    ts_assert_contains(env, "LOOP_EVENT=group_created\n");
    ts_assert_contains(env, "LOOP_WEBHOOK_ID=env-1\n");
    ts_assert_contains(env, "LOOP_KEEP_ME=visible\n");
    ts_assert_contains(env, "LOOP_BASE_URL=http://127.0.0.1:1\n");
    free(env);
    scratch_remove(&t);
    free(l);
}

/* A handler that outlives --exec-timeout is killed and the event counts as failed: with
 * --ack-after-handling Loop gets a 500 and its redelivery is handled. */
static void test_webhook_server_cli__exec_timeout_kills_the_handler(void **state)
{
    (void)state;
    scratch t;
    scratch_make(&t, "pid");
    const char *spool = t.spool, *pidfile = t.file;
    char cmd[512];
    /* The first copy hangs (its pid noted), the redelivery succeeds. */
    snprintf(cmd, sizeof cmd,
             "cat >/dev/null; if [ -e %s ]; then exit 0; fi; echo $$ > %s; exec sleep 60", pidfile,
             pidfile);
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *args[] = {"--spool", spool, "--exec-timeout",       "1",
                          "--exec",  cmd,   "--ack-after-handling", NULL};
    start_listener(l, args);
    const char *body = "{\"event\":\"message_failed\",\"webhook_id\":\"slow-1\"}";
    uint64_t t0 = ts_now_ms();
    assert_int_equal(post(l->port, NULL, body), 500);
    uint64_t took = ts_now_ms() - t0;
    assert_true(took >= 1000);
    if (!ts_slow())
        assert_true(took < 15000);
    /* The handler is gone: killed and reaped before the answer. */
    size_t n = 0;
    char *pid = ts_read_file(pidfile, &n);
    assert_non_null(pid);
    assert_int_equal(kill((pid_t)strtol(pid, NULL, 10), 0), -1);
    assert_int_equal(errno, ESRCH);
    free(pid);
    wait_err(l, "--exec command timed out after 1 s for message_failed slow-1");
    /* Loop's redelivery runs the command again. */
    assert_int_equal(post(l->port, NULL, body), 200);
    assert_int_equal(stop_listener(l, SIGTERM), 0);
    ts_assert_contains(l->err, "1 handled, 1 failed");
    assert_int_equal(count_lines(l), 2);
    scratch_remove(&t);
    free(l);
}

/* A second SIGTERM stops listen at once while a handler is stuck; the event stays in the
 * spool and is handled at the next start. */
static void test_webhook_server_cli__second_signal_stops_at_once(void **state)
{
    (void)state;
    scratch t;
    scratch_make(&t, "started");
    const char *spool = t.spool, *marker = t.file;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cat >/dev/null; : > %s; exec sleep 60", marker);
    listener *l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *args[] = {"--spool", spool, "--exec", cmd, NULL};
    start_listener(l, args);
    const char *body = "{\"event\":\"group_created\",\"webhook_id\":\"stuck-1\"}";
    assert_int_equal(post(l->port, NULL, body), 200);
    wait_file(l, marker);
    assert_int_equal(kill(l->pid, SIGTERM), 0);
    wait_err(l, "again to stop at once");
    uint64_t t0 = ts_now_ms();
    assert_int_equal(kill(l->pid, SIGTERM), 0);
    /* Well before the handler's 60 s and the default --exec-timeout of 30 s. */
    assert_int_equal(wait_listener(l, SIGTERM, 20000), 130);
    if (!ts_slow())
        assert_true(ts_now_ms() - t0 < 10000);
    ts_assert_contains(l->err, "stopping at once");
    free(l);

    /* The spool kept the event. */
    l = calloc(1, sizeof *l);
    assert_non_null(l);
    const char *again[] = {"--spool", spool, NULL};
    start_listener(l, again);
    wait_lines(l, 1);
    assert_int_equal(stop_listener(l, SIGTERM), 0);
    assert_int_equal(count_lines(l), 1);
    assert_line_is(l, 0, body);
    scratch_remove(&t);
    free(l);
}

static void test_webhook_server_cli__usage_errors(void **state)
{
    (void)state;
    static const char *const cases[][4] = {
        {"listen", "--port", "http", NULL},
        {"listen", "--path", "webhook", NULL},
        {"listen", "--secret", "", NULL},
        {"listen", "extra", NULL, NULL},
        {"listen", "--bind", "not-an-address", NULL},
        {"listen", "--exec-timeout", "0", NULL},
        {"listen", "--exec-timeout", "soon", NULL},
    };
    static const int want[] = {2, 2, 2, 2, 2, 2, 2};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[6] = {cli_path()};
        for (int k = 0; k < 4 && cases[i][k]; k++)
            argv[k + 1] = cases[i][k];
        pid_t pid;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        int st = 0;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) != want[i])
            fail_msg("loopmsg %s %s: exit %d, want %d", cases[i][1] ? cases[i][1] : "",
                     cases[i][2] ? cases[i][2] : "", WEXITSTATUS(st), want[i]);
    }
}

static int group_setup(void **state)
{
    signal(SIGPIPE, SIG_IGN);
    return wh_group_setup(state);
}

/* ---- webhooks replay ---------------------------------------------------------------------- */

static void test_webhook_server_cli__replay_from_history_to_listen(void **state)
{
    (void)state;
    /* An emulator whose deliveries go to a test receiver: the history fills up. */
    receiver *rx = rx_start();
    loopmsg_emulator_options eo = LOOPMSG_EMULATOR_OPTIONS_INIT;
    eo.api_key = TS_KEY;
    eo.webhook_url = rx->url;
    eo.webhook_header = "original-secret";
    eo.delivery_delay_ms = 20;
    eo.quiet = true;
    ts_env env;
    memset(&env, 0, sizeof env);
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_emulator_start(&eo, &env.emu, &err), &err);
    snprintf(env.url, sizeof env.url, "%s", loopmsg_emulator_url(env.emu));
    env.client = ts_client(&env, NULL);
    loopmsg_send_params sp = LOOPMSG_SEND_PARAMS_INIT;
    sp.contact = "+14155550142";
    sp.text = "replay me";
    loopmsg_send_result *res = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env.client, &sp, &res, &err), &err);
    loopmsg_send_result_free(res);
    rx_wait(rx, 1, 5000);
    const char *wid = json_string_value(json_object_get(rx->hooks[0].body, "webhook_id"));
    assert_non_null(wid);
    char id[64];
    snprintf(id, sizeof id, "%s", wid);
    ts_emu_wait_idle(env.emu, 20000); /* the attempt is in the history once answered */

    const char *args[] = {"--secret", "replay-secret", NULL};
    listener l;
    start_listener(&l, args);
    char to[96];
    snprintf(to, sizeof to, "http://127.0.0.1:%u/webhook", l.port);
    ts_cli cli;
    const char *replay[] = {"webhooks", "replay",        id,  "--to", to,
                            "--header", "replay-secret", NULL};
    assert_int_equal(ts_cli_run(&cli, &env, replay, NULL), 0);
    ts_assert_contains(cli.out, id);
    ts_assert_contains(cli.out, "message_delivered -> HTTP 200");
    ts_cli_free(&cli);
    /* What listen received is the payload Loop sent, byte for byte. */
    wait_lines(&l, 1);
    assert_int_equal(count_lines(&l), 1);
    assert_line_is(&l, 0, rx->hooks[0].text);

    /* By event type: the same delivery, answered 200, printed once by listen (same id). */
    const char *by_event[] = {
        "--json", "webhooks", "replay",        "--event", "message_delivered", "--to",
        to,       "--header", "replay-secret", "--since", "2000-01-01",        NULL};
    assert_int_equal(ts_cli_run(&cli, &env, by_event, NULL), 0);
    ts_assert_contains(cli.out, "\"http_status\":200");
    ts_assert_contains(cli.out, "\"event\":\"message_delivered\"");
    ts_cli_free(&cli);
    pump(&l, 200);
    assert_int_equal(count_lines(&l), 1);

    /* A wrong Authorization value: the receiver's 401 is printed, exit 1. */
    const char *wrong[] = {"webhooks", "replay", id, "--to", to, "--header", "nope", NULL};
    assert_int_equal(ts_cli_run(&cli, &env, wrong, NULL), 1);
    ts_assert_contains(cli.out, "-> HTTP 401");
    ts_cli_free(&cli);
    /* No match, a future --since, a URL that would carry the secret in clear, no --to. */
    const char *unknown[] = {"webhooks", "replay", "no-such-id", "--to", to, NULL};
    assert_int_equal(ts_cli_run(&cli, &env, unknown, NULL), 1);
    ts_assert_contains(cli.err, "no delivery with this webhook_id");
    ts_cli_free(&cli);
    const char *future[] = {"webhooks", "replay", "--since", "2999-01-01", "--to", to, NULL};
    assert_int_equal(ts_cli_run(&cli, &env, future, NULL), 1);
    ts_cli_free(&cli);
    const char *clear[] = {"webhooks", "replay", id, "--to", "http://example.com/hook", NULL};
    assert_int_equal(ts_cli_run(&cli, &env, clear, NULL), 2);
    ts_assert_contains(cli.err, "loopback");
    ts_cli_free(&cli);
    const char *lookalike[] = {"webhooks", "replay", id, "--to", "http://127.evil.example/h", NULL};
    assert_int_equal(ts_cli_run(&cli, &env, lookalike, NULL), 2);
    ts_cli_free(&cli);
    const char *no_to[] = {"webhooks", "replay", id, NULL};
    assert_int_equal(ts_cli_run(&cli, &env, no_to, NULL), 2);
    ts_cli_free(&cli);

    assert_int_equal(stop_listener(&l, SIGTERM), 0);
    loopmsg_client_free(env.client);
    loopmsg_emulator_free(env.emu);
    rx_stop(rx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_server_cli__prints_each_event_once_as_one_line),
        cmocka_unit_test(test_webhook_server_cli__exec_gets_payload_and_event_type),
        cmocka_unit_test(test_webhook_server_cli__ack_after_handling_500_when_exec_fails),
        cmocka_unit_test(test_webhook_server_cli__exec_env_has_no_secrets),
        cmocka_unit_test(test_webhook_server_cli__exec_timeout_kills_the_handler),
        cmocka_unit_test(test_webhook_server_cli__second_signal_stops_at_once),
        cmocka_unit_test(test_webhook_server_cli__usage_errors),
        cmocka_unit_test(test_webhook_server_cli__replay_from_history_to_listen),
    };
    return cmocka_run_group_tests(tests, group_setup, wh_group_teardown);
}
