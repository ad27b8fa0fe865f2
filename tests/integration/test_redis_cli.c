/* SPDX-License-Identifier: MIT */
/*
 * test_redis_cli.c: `loopmsg listen --redis` and `loopmsg consume` as separate processes
 * ($LOOPMSG_CLI) around a real redis-server (tests/support/redis_support.c): three receivers
 * and two consumers handle every event exactly once although each is posted to two
 * receivers; kill -9 of a consumer (its pending entries are claimed), of a receiver (every
 * 200 is in the stream) and of Redis itself (503 meanwhile, nothing answered 200 lost, all
 * flows again after the restart); a handler that always fails ends in KEY:dead; SIGTERM
 * finishes and acknowledges the handler running; usage errors; the URL from LOOP_REDIS_URL
 * with its password never in a message, in ps or in --exec's environment. Skips without
 * redis-server.
 * The number of events is LOOPMSG_TEST_REDIS_EVENTS (default 5000; 2000 under valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redis_support.h"
#include "test_support.h"
#include "webhook_support.h"

extern char **environ;

#define SECRET "s3cret"

typedef struct proc {
    pid_t pid;
    char err_path[128];
    unsigned int port; /* receivers */
} proc;

typedef struct fixture {
    rs_fixture rs;     /* the server and the scratch directory */
    char handled[128]; /* one line per handling: the webhook_id */
    proc recv[3];
    proc cons[2];
} fixture;

static const char *cli_path(void)
{
    const char *p = getenv("LOOPMSG_CLI");
    if (!p || !*p)
        fail_msg("LOOPMSG_CLI is not set");
    return p;
}

static int n_events(void)
{
    const char *s = getenv("LOOPMSG_TEST_REDIS_EVENTS");
    /* The 5,000 distinct events; 2,000 under valgrind (ts_slow), where this process
     * posting them is the bottleneck. */
    long def = ts_slow() ? 2000 : 5000;
    long v = s && *s ? strtol(s, NULL, 10) : def;
    return v > 0 && v <= 100000 ? (int)v : (int)def;
}

/* Spawn the CLI with argv (without the program), stdout to /dev/null, stderr to a file, and
 * the environment plus extra_env ("K=V" entries, NULL-terminated; may be NULL). */
static void spawn_env(proc *p, fixture *f, const char *tag, const char *const *args,
                      const char *const *extra_env)
{
    memset(p, 0, sizeof *p);
    snprintf(p->err_path, sizeof p->err_path, "%s/%s.err", f->rs.dir, tag);
    const char *argv[40] = {cli_path()};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 39; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, p->err_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    size_t ne = 0, nx = 0;
    while (environ[ne])
        ne++;
    while (extra_env && extra_env[nx])
        nx++;
    char **envp = calloc(ne + nx + 1, sizeof *envp);
    assert_non_null(envp);
    memcpy(envp, environ, ne * sizeof *envp);
    for (size_t i = 0; i < nx; i++)
        envp[ne + i] = (char *)extra_env[i];
    int rc = posix_spawn(&p->pid, argv[0], &fa, NULL, (char *const *)argv, envp);
    free(envp);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
}

static void spawn(proc *p, fixture *f, const char *tag, const char *const *args)
{
    spawn_env(p, f, tag, args, NULL);
}

/* Wait until receiver i printed its port. */
static void wait_receiver_port(fixture *f, int i)
{
    proc *p = &f->recv[i];
    uint64_t end = ts_now_ms() + 20000;
    while (!p->port) {
        char *err = ts_read_file(p->err_path, NULL);
        const char *b = err ? strstr(err, "listening on http://127.0.0.1:") : NULL;
        if (b)
            p->port = (unsigned int)strtoul(b + strlen("listening on http://127.0.0.1:"), NULL, 10);
        free(err);
        int st;
        if (!p->port && waitpid(p->pid, &st, WNOHANG) == p->pid)
            fail_msg("receiver %d exited at start", i);
        if (!p->port && ts_now_ms() > end)
            fail_msg("receiver %d did not start", i);
        if (!p->port)
            ts_sleep_ms(10);
    }
}

static void start_receiver(fixture *f, int i)
{
    char tag[16];
    snprintf(tag, sizeof tag, "recv%d", i);
    const char *args[] = {"listen",  "--port",        "0",        "--secret", SECRET,
                          "--redis", f->rs.redis.url, "--stream", "hooks",    NULL};
    spawn(&f->recv[i], f, tag, args);
    wait_receiver_port(f, i);
}

/* A consumer whose command appends the webhook_id to f->handled (O_APPEND: whole lines). */
static void start_consumer_ex(fixture *f, int i, const char *exec, const char *claim_idle,
                              const char *max_attempts)
{
    char tag[16], name[16];
    snprintf(tag, sizeof tag, "cons%d", i);
    snprintf(name, sizeof name, "c%d", i);
    char cmd[512];
    if (!exec) {
        snprintf(cmd, sizeof cmd, "printf '%%s\\n' \"$LOOP_WEBHOOK_ID\" >> '%s'", f->handled);
        exec = cmd;
    }
    const char *args[] = {"--retry-delay",
                          "20",
                          "consume",
                          "--redis",
                          f->rs.redis.url,
                          "--stream",
                          "hooks",
                          "--group",
                          "g",
                          "--consumer",
                          name,
                          "--exec",
                          exec,
                          "--workers",
                          "2",
                          "--claim-idle",
                          claim_idle,
                          "--max-attempts",
                          max_attempts,
                          NULL};
    spawn(&f->cons[i], f, tag, args);
}

static void start_consumer(fixture *f, int i)
{
    start_consumer_ex(f, i, NULL, "60", "5");
}

/* SIGTERM and wait; returns the exit code. */
static int stop_proc(proc *p)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, SIGTERM);
    int st = 0;
    waitpid(p->pid, &st, 0);
    p->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void kill9(proc *p)
{
    kill(p->pid, SIGKILL);
    int st;
    waitpid(p->pid, &st, 0);
    p->pid = 0;
}

static int setup(void **state)
{
    fixture *f = rs_fixture_new(state, sizeof *f, "loopmsg-rcli");
    if (f)
        snprintf(f->handled, sizeof f->handled, "%s/handled", f->rs.dir);
    return 0;
}

static void dump_stderr(const proc *p)
{
    char *s = ts_read_file(p->err_path, NULL);
    if (s && *s)
        fprintf(stderr, "--- %s\n%s", p->err_path, s);
    free(s);
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    for (int i = 0; i < 3; i++)
        if (f->recv[i].pid > 0)
            kill9(&f->recv[i]);
    for (int i = 0; i < 2; i++)
        if (f->cons[i].pid > 0)
            kill9(&f->cons[i]);
    rs_fixture_free(&f->rs);
    return 0;
}

static long post(CURL *c, unsigned int port, int n)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"ev-%06d\",\"contact\":\"+15550100\","
             "\"text\":\"hello %d\"}",
             n, n);
    return wh_post(c, (uint16_t)port, SECRET, body, 10000L);
}

/* Handlings per event number, from the handled file ("ev-NNNNNN" lines). */
static int *count_handled(const fixture *f, int n, int *total)
{
    int *per = calloc((size_t)n, sizeof *per);
    assert_non_null(per);
    *total = 0;
    char *s = ts_read_file(f->handled, NULL);
    for (char *line = s; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        int k;
        if (sscanf(line, "ev-%d", &k) == 1 && k >= 0 && k < n)
            per[k]++;
        (*total)++;
        line = nl + 1;
    }
    free(s);
    return per;
}

/* Wait until every event was handled at least once (at most timeout_ms). */
static int *wait_all_handled(const fixture *f, int n, unsigned int timeout_ms, int *total)
{
    uint64_t end = ts_now_ms() + timeout_ms;
    for (;;) {
        int *per = count_handled(f, n, total);
        int missing = 0;
        for (int i = 0; i < n; i++)
            missing += per[i] == 0;
        if (missing == 0)
            return per;
        free(per);
        if (ts_now_ms() > end) {
            for (int i = 0; i < 2; i++)
                dump_stderr(&f->cons[i]);
            fail_msg("%d of %d events never handled", missing, n);
        }
        ts_sleep_ms(50);
    }
}

/* The webhook_ids in the stream, as event numbers: counts per number. */
static int *stream_ids(const fixture *f, const char *key, int n)
{
    int *per = calloc((size_t)n, sizeof *per);
    assert_non_null(per);
    redisContext *c = rs_connect(&f->rs.redis);
    redisReply *r = rs_cmd(c, "XRANGE %s - +", key);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *fields = r->element[i]->element[1];
        for (size_t k = 0; k + 1 < fields->elements; k += 2) {
            int id;
            if (strcmp(fields->element[k]->str, "webhook_id") == 0 &&
                sscanf(fields->element[k + 1]->str, "ev-%d", &id) == 1 && id >= 0 && id < n)
                per[id]++;
        }
    }
    freeReplyObject(r);
    redisFree(c);
    return per;
}

static long long pending(const fixture *f)
{
    redisContext *c = rs_connect(&f->rs.redis);
    redisReply *r = rs_cmd(c, "XPENDING hooks g");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    long long v = r->element[0]->integer;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

static void test_redis_cli__three_receivers_two_consumers_exactly_once(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    int n = n_events();
    for (int i = 0; i < 3; i++)
        start_receiver(f, i);
    for (int i = 0; i < 2; i++)
        start_consumer(f, i);
    CURL *c[3];
    for (int i = 0; i < 3; i++)
        c[i] = curl_easy_init();
    /* Each event to two different receivers, as Loop's redelivery behind a load balancer. */
    for (int k = 0; k < n; k++) {
        assert_int_equal(post(c[k % 3], f->recv[k % 3].port, k), 200);
        assert_int_equal(post(c[(k + 1) % 3], f->recv[(k + 1) % 3].port, k), 200);
    }
    for (int i = 0; i < 3; i++)
        curl_easy_cleanup(c[i]);
    int total;
    free(wait_all_handled(f, n, 300000, &total));
    for (int i = 0; i < 2; i++)
        assert_int_equal(stop_proc(&f->cons[i]), 0);
    int *per = count_handled(f, n, &total);
    for (int k = 0; k < n; k++)
        if (per[k] != 1)
            fail_msg("event %d handled %d times", k, per[k]);
    assert_int_equal(total, n);
    free(per);
    int *in = stream_ids(f, "hooks", n);
    for (int k = 0; k < n; k++)
        assert_int_equal(in[k], 1);
    free(in);
    assert_int_equal(pending(f), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(stop_proc(&f->recv[i]), 0);
}

static void test_redis_cli__consumer_killed_its_entries_are_claimed(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    int n = n_events() / 4;
    start_receiver(f, 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "printf '%%s\\n' \"$LOOP_WEBHOOK_ID\" >> '%s'; sleep 0.01",
             f->handled);
    start_consumer_ex(f, 0, cmd, "1", "5");
    start_consumer_ex(f, 1, cmd, "1", "5");
    CURL *c = curl_easy_init();
    for (int k = 0; k < n; k++)
        assert_int_equal(post(c, f->recv[0].port, k), 200);
    curl_easy_cleanup(c);
    /* In the middle: some handled, not all. */
    int total = 0;
    uint64_t end = ts_now_ms() + 60000;
    do {
        free(count_handled(f, n, &total));
        ts_sleep_ms(5);
    } while (total < n / 4 && ts_now_ms() < end);
    kill9(&f->cons[0]);
    int *per = wait_all_handled(f, n, 120000, &total);
    free(per);
    end = ts_now_ms() + 30000;
    while (pending(f) != 0 && ts_now_ms() < end)
        ts_sleep_ms(50);
    assert_int_equal(pending(f), 0);
    assert_int_equal(stop_proc(&f->cons[1]), 0);
}

typedef struct poster {
    unsigned int port[2];
    int n;
    int retry_until_200;    /* as Loop does */
    atomic_int done;        /* events finished (200, or gave up) */
    atomic_int busy;        /* 503 answers */
    atomic_int failed;      /* transport errors */
    unsigned char *got_200; /* per event */
} poster;

static void *poster_main(void *arg)
{
    poster *p = arg;
    CURL *c = curl_easy_init();
    for (int k = 0; k < p->n; k++) {
        for (;;) {
            long st = post(c, p->port[k % 2], k);
            if (st == 200) {
                p->got_200[k] = 1;
                break;
            }
            if (st == 503)
                atomic_fetch_add(&p->busy, 1);
            else
                atomic_fetch_add(&p->failed, 1);
            if (!p->retry_until_200)
                break;
            ts_sleep_ms(10); /* a sender's pause between redeliveries, not a wait */
        }
        atomic_fetch_add(&p->done, 1);
    }
    curl_easy_cleanup(c);
    return NULL;
}

/* Wait (60 s at most) until the poster has finished n events. */
static void wait_posted(poster *p, int n)
{
    uint64_t end = ts_now_ms() + 60000;
    while (atomic_load(&p->done) < n && ts_now_ms() < end)
        ts_sleep_ms(1);
    if (atomic_load(&p->done) < n)
        fail_msg("%d of %d events posted after 60 s", atomic_load(&p->done), n);
}

static void test_redis_cli__receiver_killed_every_200_is_in_the_stream(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    int n = n_events() / 2;
    start_receiver(f, 0);
    poster p;
    memset(&p, 0, sizeof p);
    p.port[0] = p.port[1] = f->recv[0].port;
    p.n = n;
    p.got_200 = calloc((size_t)n, 1);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poster_main, &p), 0);
    wait_posted(&p, n / 3);
    kill9(&f->recv[0]);
    pthread_join(th, NULL);
    int *in = stream_ids(f, "hooks", n);
    int ok = 0;
    for (int k = 0; k < n; k++) {
        if (p.got_200[k] && in[k] != 1)
            fail_msg("event %d was answered 200 but is %d times in the stream", k, in[k]);
        ok += p.got_200[k];
    }
    assert_true(ok >= n / 3);
    assert_true(atomic_load(&p.failed) > 0); /* the kill did happen in the middle */
    free(in);
    free(p.got_200);
}

static void test_redis_cli__redis_killed_503_then_flows_again(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    int n = n_events() / 4;
    start_receiver(f, 0);
    start_receiver(f, 1);
    start_consumer(f, 0);
    poster p;
    memset(&p, 0, sizeof p);
    p.port[0] = f->recv[0].port;
    p.port[1] = f->recv[1].port;
    p.n = n;
    p.retry_until_200 = 1;
    p.got_200 = calloc((size_t)n, 1);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poster_main, &p), 0);
    wait_posted(&p, n / 3);
    rs_kill(&f->rs.redis);
    /* Receivers answer 503 while Redis is away, never 200. */
    int done_at_kill = atomic_load(&p.done);
    uint64_t end = ts_now_ms() + 30000;
    while (atomic_load(&p.busy) < 20 && ts_now_ms() < end)
        ts_sleep_ms(5);
    assert_true(atomic_load(&p.busy) >= 20);
    assert_true(atomic_load(&p.done) <= done_at_kill + 1);
    rs_restart(&f->rs.redis);
    pthread_join(th, NULL);
    for (int k = 0; k < n; k++)
        assert_true(p.got_200[k]);
    int *in = stream_ids(f, "hooks", n);
    for (int k = 0; k < n; k++)
        if (in[k] != 1)
            fail_msg("event %d answered 200 is %d times in the stream", k, in[k]);
    free(in);
    int total;
    free(wait_all_handled(f, n, 120000, &total));
    assert_int_equal(stop_proc(&f->cons[0]), 0);
    free(p.got_200);
}

static void test_redis_cli__failing_handler_ends_in_dead_stream(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    start_receiver(f, 0);
    start_consumer_ex(f, 0, "cat >/dev/null; exit 3", "60", "3");
    CURL *c = curl_easy_init();
    assert_int_equal(post(c, f->recv[0].port, 7), 200);
    curl_easy_cleanup(c);
    redisContext *rc = rs_connect(&f->rs.redis);
    uint64_t end = ts_now_ms() + 30000;
    while (rs_int(rs_cmd(rc, "XLEN hooks:dead")) < 1 && ts_now_ms() < end)
        ts_sleep_ms(20);
    redisReply *r = rs_cmd(rc, "XRANGE hooks:dead - +");
    assert_int_equal(r->elements, 1);
    redisReply *fl = r->element[0]->element[1];
    const char *want[][2] = {{"webhook_id", "ev-000007"},
                             {"event", "message_inbound"},
                             {"error", "handler failed (3)"},
                             {"attempts", "3"}};
    for (size_t w = 0; w < 4; w++) {
        int found = 0;
        for (size_t k = 0; k + 1 < fl->elements; k += 2)
            if (strcmp(fl->element[k]->str, want[w][0]) == 0) {
                assert_string_equal(fl->element[k + 1]->str, want[w][1]);
                found = 1;
            }
        assert_true(found);
    }
    freeReplyObject(r);
    redisFree(rc);
    assert_int_equal(pending(f), 0);
    assert_int_equal(stop_proc(&f->cons[0]), 0);
    char *err = ts_read_file(f->cons[0].err_path, NULL);
    ts_assert_contains(err, "exited with 3");
    ts_assert_contains(err, "moved to hooks:dead after 3 attempt(s)");
    free(err);
}

static void test_redis_cli__sigterm_finishes_and_acknowledges(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    start_receiver(f, 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "touch '%s/started'; sleep 1; printf '%%s\\n' \"$LOOP_WEBHOOK_ID\" >> '%s'", f->rs.dir,
             f->handled);
    start_consumer_ex(f, 0, cmd, "60", "5");
    CURL *c = curl_easy_init();
    assert_int_equal(post(c, f->recv[0].port, 1), 200);
    curl_easy_cleanup(c);
    char started[128];
    snprintf(started, sizeof started, "%s/started", f->rs.dir);
    uint64_t end = ts_now_ms() + 20000;
    while (access(started, F_OK) != 0 && ts_now_ms() < end)
        ts_sleep_ms(5);
    assert_int_equal(access(started, F_OK), 0);
    assert_int_equal(stop_proc(&f->cons[0]), 0);
    int total;
    int *per = count_handled(f, 2, &total);
    assert_int_equal(per[1], 1);
    free(per);
    assert_int_equal(pending(f), 0);
}

static void test_redis_cli__usage_errors(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    const char *cases[][12] = {
        {"listen", "--redis", "redis://127.0.0.1", "--spool", "/tmp/x", NULL},
        {"listen", "--redis", "redis://127.0.0.1", "--exec", "true", NULL},
        {"listen", "--stream", "k", NULL},
        {"consume", "--redis", "redis://127.0.0.1", "--exec", "true", NULL},
        {"consume", "--group", "g", "--exec", "true", NULL},
        {"consume", "--redis", "redis://127.0.0.1", "--group", "g", NULL},
        {"consume", "--redis", "redis://127.0.0.1", "--group", "g", "--exec", "true", "--workers",
         "0", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc p;
        spawn(&p, f, "usage", cases[i]);
        int st;
        waitpid(p.pid, &st, 0);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 2);
    }
    /* A URL that does not parse, and a Redis that is not there: the error, exit 1 or 4. */
    const char *bad[] = {"consume", "--redis", "http://x", "--group", "g", "--exec", "true", NULL};
    proc p;
    spawn(&p, f, "bad", bad);
    int st;
    waitpid(p.pid, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 2);
    char *err = ts_read_file(p.err_path, NULL);
    ts_assert_contains(err, "must start with redis:// or unix://");
    free(err);
}

/* The password of the Redis used by the next test; never in a message, a log line, ps or the
 * environment of --exec. */
#define REDIS_PASSWORD "pw-Hx4secret"

static void assert_no_password(const char *path)
{
    char *s = ts_read_file(path, NULL);
    assert_non_null(s);
    if (strstr(s, REDIS_PASSWORD))
        fail_msg("%s shows the Redis password:\n%s", path, s);
    free(s);
}

static void test_redis_cli__url_from_the_environment_password_never_shown(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    redisContext *rc = rs_connect(&f->rs.redis);
    freeReplyObject(rs_cmd(rc, "CONFIG SET requirepass %s", REDIS_PASSWORD));
    freeReplyObject(rs_cmd(rc, "AUTH %s", REDIS_PASSWORD));
    char env[160], masked[96];
    snprintf(env, sizeof env, "LOOP_REDIS_URL=redis://:%s@127.0.0.1:%d", REDIS_PASSWORD,
             f->rs.redis.port);
    snprintf(masked, sizeof masked, "redis://:***@127.0.0.1:%d", f->rs.redis.port);
    const char *const extra[] = {env, NULL};

    /* listen: no --redis on its command line, the URL from the environment. */
    const char *largs[] = {"listen", "--port", "0", "--secret", SECRET, "--stream", "hooks", NULL};
    spawn_env(&f->recv[0], f, "recv0", largs, extra);
    wait_receiver_port(f, 0);
    char cmdline[64];
    snprintf(cmdline, sizeof cmdline, "/proc/%d/cmdline", (int)f->recv[0].pid);
    assert_no_password(cmdline);
    CURL *c = curl_easy_init();
    assert_int_equal(post(c, f->recv[0].port, 3), 200);
    curl_easy_cleanup(c);
    assert_int_equal(rs_int(rs_cmd(rc, "XLEN hooks")), 1);

    /* consume, likewise; its command must not see the URL. */
    char envfile[128], cmd[512];
    snprintf(envfile, sizeof envfile, "%s/exec.env", f->rs.dir);
    snprintf(cmd, sizeof cmd, "env > '%s'; printf '%%s\\n' \"$LOOP_WEBHOOK_ID\" >> '%s'", envfile,
             f->handled);
    const char *cargs[] = {"consume", "--stream", "hooks", "--group", "g", "--exec", cmd, NULL};
    spawn_env(&f->cons[0], f, "cons0", cargs, extra);
    int total = 0;
    uint64_t end = ts_now_ms() + 60000;
    do {
        free(count_handled(f, 4, &total));
        if (total == 0)
            ts_sleep_ms(10);
    } while (total == 0 && ts_now_ms() < end);
    assert_int_equal(total, 1);
    snprintf(cmdline, sizeof cmdline, "/proc/%d/cmdline", (int)f->cons[0].pid);
    assert_no_password(cmdline);
    assert_int_equal(stop_proc(&f->cons[0]), 0);
    assert_int_equal(stop_proc(&f->recv[0]), 0);
    char *envs = ts_read_file(envfile, NULL);
    assert_non_null(envs);
    ts_assert_contains(envs, "LOOP_WEBHOOK_ID=ev-000003");
    assert_null(strstr(envs, "LOOP_REDIS_URL"));
    free(envs);
    assert_no_password(envfile);

    /* Their messages name the server with the password masked. */
    char *err = ts_read_file(f->recv[0].err_path, NULL);
    ts_assert_contains(err, "events go to the Redis stream hooks at ");
    ts_assert_contains(err, masked);
    free(err);
    err = ts_read_file(f->cons[0].err_path, NULL);
    ts_assert_contains(err, "consuming hooks at ");
    ts_assert_contains(err, masked);
    free(err);
    assert_no_password(f->recv[0].err_path);
    assert_no_password(f->cons[0].err_path);

    /* A wrong password, and a URL that does not parse: the error, never the password. */
    char wrong[160];
    snprintf(wrong, sizeof wrong, "LOOP_REDIS_URL=redis://:%s-wrong@127.0.0.1:%d", REDIS_PASSWORD,
             f->rs.redis.port);
    const char *bad_url = "LOOP_REDIS_URL=redis://:" REDIS_PASSWORD "@127.0.0.1:99999";
    const char *const envs_bad[][2] = {{wrong, NULL}, {bad_url, NULL}};
    const char *want[] = {"Redis refused the credentials", "the port must be 1..65535"};
    for (int i = 0; i < 2; i++) {
        const char *bargs[] = {"consume", "--group", "g", "--exec", "true", NULL};
        proc p;
        spawn_env(&p, f, "bad", bargs, envs_bad[i]);
        int st;
        waitpid(p.pid, &st, 0);
        assert_true(WIFEXITED(st));
        assert_true(WEXITSTATUS(st) != 0);
        err = ts_read_file(p.err_path, NULL);
        ts_assert_contains(err, want[i]);
        free(err);
        assert_no_password(p.err_path);
    }

    /* From the environment, Redis mode still refuses --spool, and says where it came from. */
    const char *sargs[] = {"listen", "--port", "0", "--spool", f->rs.dir, NULL};
    proc p;
    spawn_env(&p, f, "spool", sargs, extra);
    int st;
    waitpid(p.pid, &st, 0);
    assert_int_equal(WEXITSTATUS(st), 2);
    err = ts_read_file(p.err_path, NULL);
    ts_assert_contains(err, "LOOP_REDIS_URL cannot be combined with --spool");
    free(err);
    redisFree(rc);
}

static int group_setup(void **state)
{
    signal(SIGPIPE, SIG_IGN);
    return wh_group_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_redis_cli__usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_redis_cli__url_from_the_environment_password_never_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__failing_handler_ends_in_dead_stream, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__sigterm_finishes_and_acknowledges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__receiver_killed_every_200_is_in_the_stream,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__redis_killed_503_then_flows_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__consumer_killed_its_entries_are_claimed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_cli__three_receivers_two_consumers_exactly_once,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, wh_group_teardown);
}
