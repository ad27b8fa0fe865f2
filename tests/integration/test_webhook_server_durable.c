/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_durable.c: the receiver's durable mode across a crash. A child process
 * runs a receiver with a spool whose callbacks never return; the parent gets its 200s, kills
 * the child with SIGKILL, and a new receiver on the same spool must deliver every event that
 * was acknowledged (and remember the ids it handled across a clean restart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <curl/curl.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SECRET  "durable-secret"
#define MAX_IDS 4096

static const char *const secrets[] = {SECRET};

static void sleep_ms(unsigned int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static char *make_spool_dir(void)
{
    char tmpl[] = "/tmp/loopmsg-spool-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *dir = malloc(strlen(d) + 8);
    assert_non_null(dir);
    snprintf(dir, strlen(d) + 8, "%s/spool", d); /* the receiver creates the last part */
    return dir;
}

static void free_spool_dir(char *dir)
{
    rm_rf(dir);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    rmdir(dir);
    free(dir);
}

static long post_id(CURL *c, uint16_t port, int n)
{
    char url[128], body[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/webhook", (unsigned int)port);
    snprintf(body, sizeof body,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"dur-%04d\",\"contact\":\"+1\","
             "\"text\":\"n=%d\"}",
             n, n);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: " SECRET);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

/* ---- the child: a receiver whose callbacks never return ------------------------------------ */

static int block_forever(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    for (;;)
        pause();
    return 0;
}

static void run_child(const char *dir, int port_fd, unsigned int workers)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = block_forever;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = 1;
    o.spool_dir = dir;
    o.handlers = &h;
    o.worker_threads = workers;
    loopmsg_webhook_server *srv = NULL;
    uint16_t port = 0;
    if (loopmsg_webhook_server_start(&srv, &o, NULL) == LOOPMSG_OK)
        port = loopmsg_webhook_server_port(srv);
    if (write(port_fd, &port, sizeof port) != (ssize_t)sizeof port)
        _exit(2);
    for (;;)
        pause();
}

static pid_t spawn_child(const char *dir, unsigned int workers, uint16_t *port)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        run_child(dir, fds[1], workers);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], port, sizeof *port), (ssize_t)sizeof *port);
    close(fds[0]);
    assert_int_not_equal(*port, 0);
    return pid;
}

static void kill9(pid_t pid)
{
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* ---- the parent's receiver: counts deliveries per id ------------------------------------ */

typedef struct counter {
    atomic_int per_id[MAX_IDS];
    atomic_int total;
    atomic_int other; /* ids not of the dur-NNNN form */
} counter;

static int count_cb(const loopmsg_webhook_event *ev, void *ud)
{
    counter *c = ud;
    unsigned int n;
    if (ev->webhook_id && sscanf(ev->webhook_id, "dur-%u", &n) == 1 && n < MAX_IDS)
        atomic_fetch_add(&c->per_id[n], 1);
    else
        atomic_fetch_add(&c->other, 1);
    atomic_fetch_add(&c->total, 1);
    return 0;
}

static loopmsg_webhook_server *start_counting(const char *dir, counter *c)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = count_cb;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = 1;
    o.spool_dir = dir;
    o.handlers = &h;
    o.user_data = c;
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_server_start(&srv, &o, &err);
    if (st != LOOPMSG_OK)
        fail_msg("start: %s", err.message);
    return srv;
}

static void wait_total(counter *c, int n)
{
    uint64_t end = mono_ms() + 20000;
    while (atomic_load(&c->total) < n && mono_ms() < end)
        sleep_ms(5);
}

/* ---- tests ------------------------------------------------------------------------------ */

#define N_ACKED 50

static void
test_webhook_server_durable__kill9_then_restart_delivers_every_acknowledged_event(void **state)
{
    (void)state;
    char *dir = make_spool_dir();
    uint16_t port;
    pid_t pid = spawn_child(dir, 2, &port);

    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    for (int i = 0; i < N_ACKED; i++)
        assert_int_equal(post_id(c, port, i), 200);
    curl_easy_cleanup(c);
    /* Two events sit in the child's blocked callbacks, the rest in its queue. */
    kill9(pid);

    counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = start_counting(dir, cnt);
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.recovered, N_ACKED);
    wait_total(cnt, N_ACKED);
    loopmsg_webhook_server_free(srv);
    for (int i = 0; i < N_ACKED; i++)
        if (atomic_load(&cnt->per_id[i]) != 1)
            fail_msg("dur-%04d delivered %d times after the crash", i,
                     atomic_load(&cnt->per_id[i]));
    assert_int_equal(atomic_load(&cnt->total), N_ACKED);

    /* A clean restart: nothing is pending any more, and the handled ids are remembered, so
     * that a late redelivery from Loop is not handled twice. */
    memset(cnt, 0, sizeof *cnt);
    srv = start_counting(dir, cnt);
    st = (loopmsg_webhook_server_stats)LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.recovered, 0);
    assert_int_equal(st.dedupe_entries, N_ACKED);
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    assert_int_equal(post_id(c, loopmsg_webhook_server_port(srv), 7), 200);
    assert_int_equal(post_id(c, loopmsg_webhook_server_port(srv), N_ACKED), 200);
    curl_easy_cleanup(c);
    wait_total(cnt, 1);
    loopmsg_webhook_server_free(srv);
    assert_int_equal(atomic_load(&cnt->total), 1);
    assert_int_equal(atomic_load(&cnt->per_id[N_ACKED]), 1);
    assert_int_equal(atomic_load(&cnt->per_id[7]), 0);
    free(cnt);
    free_spool_dir(dir);
}

static void test_webhook_server_durable__spool_in_use_is_refused(void **state)
{
    (void)state;
    char *dir = make_spool_dir();
    counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = start_counting(dir, cnt);
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.spool_dir = dir;
    loopmsg_webhook_server *second = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_server_start(&second, &o, &err), LOOPMSG_E_STATE);
    assert_non_null(strstr(err.message, "in use by another receiver"));
    assert_null(second);
    loopmsg_webhook_server_free(srv);
    /* Free again once the first one is gone. */
    assert_int_equal(loopmsg_webhook_server_start(&second, &o, &err), LOOPMSG_OK);
    loopmsg_webhook_server_free(second);
    /* A spool path that cannot be a directory. */
    o.spool_dir = "/proc/version/spool";
    assert_int_equal(loopmsg_webhook_server_start(&second, &o, &err), LOOPMSG_E_STATE);
    assert_non_null(strstr(err.message, "webhook spool: cannot create spool directory"));
    free(cnt);
    free_spool_dir(dir);
}

static int group_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_webhook_server_durable__kill9_then_restart_delivers_every_acknowledged_event),
        cmocka_unit_test(test_webhook_server_durable__spool_in_use_is_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
