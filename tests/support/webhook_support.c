/* SPDX-License-Identifier: MIT */
/*
 * webhook_support.c: the helpers of the webhook receiver tests (test_webhook_server*.c):
 * libcurl group setup, a POST of a numbered event, a receiver that counts deliveries per id,
 * a forked receiver whose callbacks block forever (to be killed with SIGKILL), and temporary
 * spool directories.
 */
#include "webhook_support.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int wh_group_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int wh_group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

/* A CURLOPT_WRITEFUNCTION that drops the response body. */
static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

long wh_post(CURL *c, uint16_t port, const char *auth, const char *body, long timeout_ms)
{
    char url[128], auth_h[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/webhook", (unsigned int)port);
    struct curl_slist *h = NULL;
    if (auth) {
        snprintf(auth_h, sizeof auth_h, "Authorization: %s", auth);
        h = curl_slist_append(h, auth_h);
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

long wh_post_id(CURL *c, uint16_t port, const char *secret, const char *prefix, int n)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"%s-%04d\",\"api_version\":\"1.0\","
             "\"contact\":\"+14155550142\",\"text\":\"n=%d\"}",
             prefix, n, n);
    return wh_post(c, port, secret, body, 30000L);
}

loopmsg_webhook_server_options wh_server_options(const char *const *secrets, const char *spool_dir,
                                                 const loopmsg_webhook_handlers *h)
{
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = 1;
    o.spool_dir = spool_dir;
    o.handlers = h;
    return o;
}

/* Start a receiver on /webhook with one secret whose only callback is on_any (workers 0 = the
 * default). The receiver keeps copies of the secrets and handlers. */
static loopmsg_status start_receiver(loopmsg_webhook_server **srv, const char *secret,
                                     const char *spool_dir, unsigned int workers,
                                     loopmsg_webhook_event_cb on_any, void *user_data,
                                     loopmsg_error *err)
{
    const char *const secrets[] = {secret};
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = on_any;
    loopmsg_webhook_server_options o = wh_server_options(secrets, spool_dir, &h);
    o.worker_threads = workers;
    o.user_data = user_data;
    return loopmsg_webhook_server_start(&o, srv, err);
}

/* on_any: count into the wh_counter in user_data. */
static int count_cb(const loopmsg_webhook_event *ev, void *ud)
{
    wh_counter *c = ud;
    const char *dash = ev->webhook_id ? strrchr(ev->webhook_id, '-') : NULL;
    unsigned int n;
    if (dash && sscanf(dash + 1, "%u", &n) == 1 && n < WH_MAX_IDS)
        atomic_fetch_add(&c->per_id[n], 1);
    else
        atomic_fetch_add(&c->other, 1);
    atomic_fetch_add(&c->total, 1);
    return 0;
}

loopmsg_webhook_server *wh_counter_start(wh_counter *c, const char *secret, const char *spool_dir)
{
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (start_receiver(&srv, secret, spool_dir, 0, count_cb, c, &err) != LOOPMSG_OK)
        fail_msg("start: %s", err.message);
    return srv;
}

void wh_wait_total(wh_counter *c, int n, unsigned int timeout_ms)
{
    uint64_t end = ts_now_ms() + timeout_ms;
    while (atomic_load(&c->total) < n && ts_now_ms() < end)
        ts_sleep_ms(5);
}

/* on_any: never return. */
static int block_forever(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    for (;;)
        pause();
    return 0;
}

/* The child's side: start the receiver, report its port (0 if it did not start), wait. */
static void run_blocked_receiver(const char *secret, const char *spool_dir, unsigned int workers,
                                 int port_fd)
{
    loopmsg_webhook_server *srv = NULL;
    uint16_t port = 0;
    if (start_receiver(&srv, secret, spool_dir, workers, block_forever, NULL, NULL) == LOOPMSG_OK)
        port = loopmsg_webhook_server_port(srv);
    if (write(port_fd, &port, sizeof port) != (ssize_t)sizeof port)
        _exit(2);
    for (;;)
        pause();
}

pid_t wh_spawn_blocked_receiver(const char *secret, const char *spool_dir, unsigned int workers,
                                uint16_t *port)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        run_blocked_receiver(secret, spool_dir, workers, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], port, sizeof *port), (ssize_t)sizeof *port);
    close(fds[0]);
    assert_int_not_equal(*port, 0);
    return pid;
}

int wh_connect(const char *from, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    if (from) {
        assert_int_equal(inet_pton(AF_INET, from, &a.sin_addr), 1);
        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    }
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

void wh_send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        buf += n;
        len -= (size_t)n;
    }
}

long wh_wait_closed(int fd, int max_ms)
{
    uint64_t t0 = ts_now_ms();
    char buf[512];
    for (;;) {
        long left = max_ms - (long)(ts_now_ms() - t0);
        if (left <= 0)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, (int)left);
        if (n == 0)
            return -1;
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            return (long)(ts_now_ms() - t0);
    }
}

char *wh_spool_dir_new(void)
{
    char tmpl[] = "/tmp/loopmsg-spool-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    size_t size = strlen(d) + sizeof "/spool";
    char *dir = malloc(size);
    assert_non_null(dir);
    snprintf(dir, size, "%s/spool", d); /* the receiver creates the last part */
    return dir;
}

void wh_spool_dir_free(char *dir)
{
    ts_remove_dir(dir);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    rmdir(dir);
    free(dir);
}
