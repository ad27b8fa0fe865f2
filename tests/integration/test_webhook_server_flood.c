/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_server_flood.c: slow and numerous clients must not shut the receiver out:
 * headers trickled a byte at a time are cut off at the headers deadline, one address cannot
 * hold more than max_connections_per_address connections, and 2,000 slow connections (from
 * 40 loopback addresses) leave a normal client answered at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.h"
#include "webhook_support.h"

#define SECRET "wh-secret"

static const char *const secrets[] = {SECRET};

static wh_counter counter;

static int count_cb(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    atomic_fetch_add(&((wh_counter *)ud)->total, 1);
    return 0;
}

/* A receiver on /webhook counting into `counter`, with the given timeout and per-address
 * limit (0: the defaults). */
static loopmsg_webhook_server *start(unsigned int timeout_ms, unsigned int per_address)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = count_cb;
    loopmsg_webhook_server_options o = wh_server_options(secrets, NULL, &h);
    o.user_data = &counter;
    o.timeout_ms = timeout_ms;
    o.max_connections_per_address = per_address;
    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&o, &srv, &err) != LOOPMSG_OK)
        fail_msg("start: %s", err.message);
    return srv;
}

/* POST the event "<prefix>-NNNN" on a raw keep-alive connection (the answer is not read). */
static void send_event(int fd, const char *prefix, int n)
{
    char body[160], req[512];
    snprintf(body, sizeof body,
             "{\"event\":\"message_inbound\",\"webhook_id\":\"%s-%04d\",\"text\":\"hi\"}", prefix,
             n);
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: " SECRET
             "\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    wh_send_all(fd, req, strlen(req));
}

/* Read one answer on fd (within 30 s) and check that it is a kept-alive 200. */
static void expect_200(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 30000), 1);
    char buf[1024];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(n > 12);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_null(strstr(buf, "Connection: close"));
}

/* Send s a byte every 100 ms until the receiver closes the connection or s runs out; returns
 * the milliseconds until the close, -1 if it never came. */
static long trickle(int fd, const char *s)
{
    uint64_t t0 = ts_now_ms();
    for (; *s; s++) {
        if (send(fd, s, 1, MSG_NOSIGNAL) != 1 || wh_wait_closed(fd, 100) >= 0)
            return (long)(ts_now_ms() - t0);
    }
    return -1;
}

/* Headers that keep arriving, a byte every 100 ms, are never idle; the headers deadline
 * (timeout_ms, here 1 s) cuts them off anyway: on a new connection, and on a kept-alive one
 * after a first request. */
static void test_webhook_server_flood__trickled_headers_cut_off_at_deadline(void **state)
{
    (void)state;
    loopmsg_webhook_server *srv = start(1000, 0);
    uint16_t port = loopmsg_webhook_server_port(srv);
    /* 80 bytes: 8 s at a byte per 100 ms, far past the deadline. */
    const char *head = "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Pad: "
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    assert_true(strlen(head) >= 80);

    int fd = wh_connect(NULL, port);
    assert_true(fd >= 0);
    long t = trickle(fd, head);
    close(fd);
    print_message("trickled headers cut off after %ld ms\n", t);
    assert_true(t >= 900);
    if (!ts_slow())
        assert_true(t < 4000);

    /* A kept-alive connection: one request, then the next one's headers trickle. */
    fd = wh_connect(NULL, port);
    assert_true(fd >= 0);
    send_event(fd, "trickle", 0);
    expect_200(fd);
    t = trickle(fd, head);
    close(fd);
    assert_true(t >= 900);
    if (!ts_slow())
        assert_true(t < 4000);

    /* Steady clients are unaffected. */
    CURL *c = curl_easy_init();
    assert_int_equal(wh_post_id(c, port, SECRET, "trickle", 1), 200);
    curl_easy_cleanup(c);
    loopmsg_webhook_server_free(srv);
}

/* Whether the receiver has closed fd (without reading what it may have sent). */
static int is_closed(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) != 1)
        return 0;
    char b;
    return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

/* How many of the n connections the receiver has closed, waiting up to max_ms for the first. */
static int count_closed(const int *fds, int n, int max_ms)
{
    uint64_t end = ts_now_ms() + (uint64_t)max_ms;
    for (;;) {
        int closed = 0;
        for (int i = 0; i < n; i++)
            closed += is_closed(fds[i]);
        if (closed || ts_now_ms() >= end)
            return closed;
        ts_sleep_ms(10);
    }
}

/* One address gets max_connections_per_address connections (64 by default); one more is
 * closed at once, while another address is still served. */
static void test_webhook_server_flood__per_address_limit(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        unsigned int limit = round == 0 ? 4 : 0;
        int want = round == 0 ? 4 : 64;
        loopmsg_webhook_server *srv = start(60000, limit);
        uint16_t port = loopmsg_webhook_server_port(srv);
        int fds[65];
        for (int i = 0; i <= want; i++) {
            fds[i] = wh_connect("127.0.0.2", port);
            assert_true(fds[i] >= 0);
        }
        /* Exactly one of the want + 1 is refused (which one depends on which HTTP thread
         * accepted first). */
        assert_int_equal(count_closed(fds, want + 1, 5000), 1);
        CURL *c = curl_easy_init();
        assert_int_equal(wh_post_id(c, port, SECRET, "other-address", round), 200);
        curl_easy_cleanup(c);
        ts_sleep_ms(50); /* a second refusal, if any, would show now */
        assert_int_equal(count_closed(fds, want + 1, 0), 1);
        for (int i = 0; i <= want; i++)
            close(fds[i]);
        loopmsg_webhook_server_free(srv);
    }
}

#define SLOW_ADDRESSES   40
#define SLOW_PER_ADDRESS 50
#define SLOW_TOTAL       (SLOW_ADDRESSES * SLOW_PER_ADDRESS)

/* Room for the clients' and the receiver's ends of every connection, or skip. */
static int raise_fd_limit(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
            return 0;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            return 0;
    }
    return 1;
}

/* 2,000 connections that have each delivered an event and are now sending their next headers
 * very slowly hold their slots; a normal client still gets its 200 at once, while every one
 * of them is still connected. */
static void test_webhook_server_flood__2000_slow_connections_do_not_shut_out_a_client(void **state)
{
    (void)state;
    if (!raise_fd_limit(2 * SLOW_TOTAL + 400)) {
        print_message("RLIMIT_NOFILE cannot be raised to %d: skipped\n", 2 * SLOW_TOTAL + 400);
        skip();
    }
    /* Default limits; a long timeout so that the slow ones are still there at the end. */
    loopmsg_webhook_server *srv = start(60000, 0);
    uint16_t port = loopmsg_webhook_server_port(srv);
    int *fds = malloc(SLOW_TOTAL * sizeof *fds);
    assert_non_null(fds);
    char from[32];
    for (int i = 0; i < SLOW_TOTAL; i++) {
        snprintf(from, sizeof from, "127.0.0.%d", 10 + i / SLOW_PER_ADDRESS);
        fds[i] = wh_connect(from, port);
        assert_true(fds[i] >= 0);
        send_event(fds[i], "slow", i);
    }
    /* Each was answered and kept alive: the receiver holds all 2,000 connections. */
    static const char stall[] = "POST /webhook HTTP/1.1\r\nHo";
    for (int i = 0; i < SLOW_TOTAL; i++) {
        expect_200(fds[i]);
        /* The next request starts, and stalls. */
        wh_send_all(fds[i], stall, strlen(stall));
    }
    CURL *c = curl_easy_init();
    uint64_t t0 = ts_now_ms();
    assert_int_equal(wh_post_id(c, port, SECRET, "normal", 1), 200);
    long took = (long)(ts_now_ms() - t0);
    curl_easy_cleanup(c);
    print_message("normal client answered in %ld ms beside %d slow connections\n", took,
                  SLOW_TOTAL);
    if (!ts_slow())
        assert_true(took < 1000);
    /* None of the slow ones was dropped to make room. */
    assert_int_equal(count_closed(fds, SLOW_TOTAL, 0), 0);
    wh_wait_total(&counter, SLOW_TOTAL + 1, 10000);
    assert_int_equal(atomic_load(&counter.total), SLOW_TOTAL + 1);
    for (int i = 0; i < SLOW_TOTAL; i++)
        close(fds[i]);
    free(fds);
    loopmsg_webhook_server_free(srv);
}

static int reset_counter(void **state)
{
    (void)state;
    memset(&counter, 0, sizeof counter);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_webhook_server_flood__trickled_headers_cut_off_at_deadline,
                               reset_counter),
        cmocka_unit_test_setup(test_webhook_server_flood__per_address_limit, reset_counter),
        cmocka_unit_test_setup(
            test_webhook_server_flood__2000_slow_connections_do_not_shut_out_a_client,
            reset_counter),
    };
    return cmocka_run_group_tests(tests, wh_group_setup, wh_group_teardown);
}
