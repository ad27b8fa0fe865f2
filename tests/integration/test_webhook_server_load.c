/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_load.c: the receiver under load. 32 threads (libcurl easy, keep-alive)
 * post 2,000 distinct events and 500 repeats: every request is answered 200 and every
 * distinct event reaches the callbacks exactly once. Then the durable mode under load: a
 * child receiver is killed with SIGKILL while 8 threads post, and every event it
 * acknowledged is delivered by the next receiver on the same spool. (Separate from
 * test_webhook_server.c so that the valgrind run can skip it.)
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SECRET  "load-secret"
#define MAX_IDS 4096

static const char *const secrets[] = {SECRET};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

/* POST the event "<prefix>-NNNN" on a reused handle; the HTTP status, 0 on a transport error. */
static long post_id(CURL *c, uint16_t port, const char *prefix, int n)
{
    char url[128], body[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/webhook", (unsigned int)port);
    snprintf(body, sizeof body,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"%s-%04d\",\"api_version\":\"1.0\","
             "\"contact\":\"+14155550142\",\"text\":\"n=%d\"}",
             prefix, n, n);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: " SECRET);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

/* Deliveries per id, for ids of the form "<prefix>-NNNN". */
typedef struct counter {
    atomic_int per_id[MAX_IDS];
    atomic_int total;
    atomic_int other;
} counter;

static int count_cb(const loopmsg_webhook_event *ev, void *ud)
{
    counter *c = ud;
    const char *dash = ev->webhook_id ? strrchr(ev->webhook_id, '-') : NULL;
    unsigned int n;
    if (dash && sscanf(dash + 1, "%u", &n) == 1 && n < MAX_IDS)
        atomic_fetch_add(&c->per_id[n], 1);
    else
        atomic_fetch_add(&c->other, 1);
    atomic_fetch_add(&c->total, 1);
    return 0;
}

static loopmsg_webhook_server *start(counter *c, const char *spool_dir)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = count_cb;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = 1;
    o.spool_dir = spool_dir;
    o.handlers = &h;
    o.user_data = c;
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&srv, &o, &err) != LOOPMSG_OK)
        fail_msg("start: %s", err.message);
    return srv;
}

static void wait_total(counter *c, int n)
{
    uint64_t end = mono_ms() + 60000;
    while (atomic_load(&c->total) < n && mono_ms() < end)
        sleep_ms(5);
}

/* ---- 32 threads, 2,000 distinct events, 500 repeats ------------------------------------- */

#define LOAD_THREADS  32
#define LOAD_DISTINCT 2000
#define LOAD_REPEATS  500

typedef struct load_arg {
    uint16_t port;
    int thread;
    int non_200;
    int done;
} load_arg;

static void *load_thread(void *p)
{
    load_arg *a = p;
    CURL *c = curl_easy_init();
    /* Thread t posts the distinct ids t, t+32, ... and, interleaved, repeats of ids that
     * other threads own, so that repeats race with their first copy. */
    int repeat_i = a->thread;
    for (int i = a->thread; i < LOAD_DISTINCT; i += LOAD_THREADS) {
        a->non_200 += post_id(c, a->port, "load", i) != 200;
        a->done++;
        if (repeat_i < LOAD_REPEATS) {
            /* 7 and 2000 are coprime: 500 different ids, each repeated once. */
            a->non_200 += post_id(c, a->port, "load", (repeat_i * 7 + 3) % LOAD_DISTINCT) != 200;
            a->done++;
            repeat_i += LOAD_THREADS;
        }
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_webhook_server_load__32_threads_each_event_once(void **state)
{
    (void)state;
    counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = start(cnt, NULL);
    load_arg args[LOAD_THREADS];
    pthread_t th[LOAD_THREADS];
    uint64_t t0 = mono_ms();
    for (int i = 0; i < LOAD_THREADS; i++) {
        args[i] = (load_arg){loopmsg_webhook_server_port(srv), i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, load_thread, &args[i]), 0);
    }
    int non_200 = 0, done = 0;
    for (int i = 0; i < LOAD_THREADS; i++) {
        pthread_join(th[i], NULL);
        non_200 += args[i].non_200;
        done += args[i].done;
    }
    print_message("%d requests in %.2f s\n", done, (double)(mono_ms() - t0) / 1000.0);
    assert_int_equal(done, LOAD_DISTINCT + LOAD_REPEATS);
    assert_int_equal(non_200, 0);
    wait_total(cnt, LOAD_DISTINCT);
    loopmsg_webhook_server_stop(srv);
    for (int i = 0; i < LOAD_DISTINCT; i++)
        if (atomic_load(&cnt->per_id[i]) != 1)
            fail_msg("load-%04d delivered %d times", i, atomic_load(&cnt->per_id[i]));
    assert_int_equal(atomic_load(&cnt->total), LOAD_DISTINCT);
    assert_int_equal(atomic_load(&cnt->other), 0);
    loopmsg_webhook_server_stats st = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    assert_int_equal(loopmsg_webhook_server_stats_get(srv, &st), LOOPMSG_OK);
    assert_int_equal(st.requests, LOAD_DISTINCT + LOAD_REPEATS);
    assert_int_equal(st.accepted, LOAD_DISTINCT);
    assert_int_equal(st.duplicates, LOAD_REPEATS);
    assert_int_equal(st.handled, LOAD_DISTINCT);
    assert_int_equal(st.busy, 0);
    assert_int_equal(st.rejected, 0);
    loopmsg_webhook_server_free(srv);
    free(cnt);
}

/* ---- durable mode: SIGKILL while 8 threads post ---------------------------------------- */

static int block_forever(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    for (;;)
        pause();
    return 0;
}

static pid_t spawn_blocked_receiver(const char *dir, uint16_t *port)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
        h.on_any = block_forever;
        loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
        o.path = "/webhook";
        o.secrets = secrets;
        o.secret_count = 1;
        o.spool_dir = dir;
        o.handlers = &h;
        o.worker_threads = 1;
        loopmsg_webhook_server *srv = NULL;
        uint16_t p = 0;
        if (loopmsg_webhook_server_start(&srv, &o, NULL) == LOOPMSG_OK)
            p = loopmsg_webhook_server_port(srv);
        if (write(fds[1], &p, sizeof p) != (ssize_t)sizeof p)
            _exit(2);
        for (;;)
            pause();
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], port, sizeof *port), (ssize_t)sizeof *port);
    close(fds[0]);
    assert_int_not_equal(*port, 0);
    return pid;
}

typedef struct poster {
    uint16_t port;
    int first, step, count;
    atomic_long *status; /* per id: the HTTP status it got */
    atomic_int *stop;
} poster;

static void *poster_main(void *p)
{
    poster *a = p;
    CURL *c = curl_easy_init();
    for (int i = a->first; i < a->count && !atomic_load(a->stop); i += a->step)
        atomic_store(&a->status[i], post_id(c, a->port, "dur", i));
    curl_easy_cleanup(c);
    return NULL;
}

static int count_acked(atomic_long *status, int n)
{
    int acked = 0;
    for (int k = 0; k < n; k++)
        acked += atomic_load(&status[k]) == 200;
    return acked;
}

static void rm_spool(char *base)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/spool", base);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char p[1024];
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    rmdir(base);
}

static void test_webhook_server_load__kill9_under_load_loses_no_acknowledged_event(void **state)
{
    (void)state;
    char base[] = "/tmp/loopmsg-spool-load-XXXXXX";
    assert_non_null(mkdtemp(base));
    char dir[512];
    snprintf(dir, sizeof dir, "%s/spool", base);
    uint16_t port;
    pid_t pid = spawn_blocked_receiver(dir, &port);

    enum { THREADS = 8, COUNT = 3000 };
    atomic_long *status = calloc(COUNT, sizeof *status);
    assert_non_null(status);
    atomic_int stop = 0;
    poster args[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (poster){port, i, THREADS, COUNT, status, &stop};
        assert_int_equal(pthread_create(&th[i], NULL, poster_main, &args[i]), 0);
    }
    /* Let a few hundred through, then pull the plug in mid-stream. */
    uint64_t end = mono_ms() + 60000;
    while (count_acked(status, COUNT) < 200 && mono_ms() < end)
        sleep_ms(2);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL);
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    int acked = count_acked(status, COUNT);
    print_message("%d events acknowledged before SIGKILL\n", acked);
    assert_true(acked >= 200);

    counter *cnt = calloc(1, sizeof *cnt);
    assert_non_null(cnt);
    loopmsg_webhook_server *srv = start(cnt, dir);
    wait_total(cnt, acked);
    loopmsg_webhook_server_free(srv);
    for (int k = 0; k < COUNT; k++) {
        int n = atomic_load(&cnt->per_id[k]);
        if (atomic_load(&status[k]) == 200 && n != 1)
            fail_msg("dur-%04d was acknowledged but delivered %d times", k, n);
        /* An unacknowledged one may come back (its write landed before the kill), once. */
        assert_true(n <= 1);
    }
    assert_int_equal(atomic_load(&cnt->other), 0);
    free(cnt);
    free(status);
    rm_spool(base);
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
        cmocka_unit_test(test_webhook_server_load__32_threads_each_event_once),
        cmocka_unit_test(test_webhook_server_load__kill9_under_load_loses_no_acknowledged_event),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
