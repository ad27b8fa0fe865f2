/* SPDX-License-Identifier: MIT */
/*
 * test_cork.c: the corked-socket set on real loopback TCP connections: a socket added is
 * corked and remembered, a release sends what it held and keeps it corked, a forgotten
 * socket is never touched again, a stop uncorks everything and corks nothing more, and an
 * allocation failure leaves the socket as it was.
 */
#include "test_support.h"
#include "lib/cork_int.h"

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct pair {
    int listener, client, server;
} pair;

/* A connected loopback TCP pair. */
static void pair_open(pair *p)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    p->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->listener >= 0);
    assert_int_equal(bind(p->listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->listener, 1), 0);
    assert_int_equal(getsockname(p->listener, (struct sockaddr *)&a, &len), 0);
    p->client = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->client >= 0);
    assert_int_equal(connect(p->client, (struct sockaddr *)&a, sizeof a), 0);
    p->server = accept(p->listener, NULL, NULL);
    assert_true(p->server >= 0);
}

static void pair_close(pair *p)
{
    close(p->client);
    close(p->server);
    close(p->listener);
}

static int corked(int fd)
{
    int v = -1;
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, &len), 0);
    return v;
}

/* Bytes written but held back by the kernel (not sent yet). */
static unsigned int not_sent(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    return ti.tcpi_notsent_bytes;
}

static void test_cork__add_release_forget(void **state)
{
    (void)state;
    pair p;
    pair_open(&p);
    loopmsg__corks k = {.on = true};
    loopmsg__cork_add(&k, p.client);
    assert_int_equal(k.count, 1);
    assert_int_equal(corked(p.client), 1);
    /* Less than a segment stays in the kernel while corked... */
    assert_int_equal(write(p.client, "frame", 5), 5);
    assert_int_equal(not_sent(p.client), 5);
    /* ...and leaves on release, the socket corked again for the next turn. */
    loopmsg__cork_release(&k);
    assert_int_equal(not_sent(p.client), 0);
    assert_int_equal(corked(p.client), 1);
    char buf[8];
    assert_int_equal(read(p.server, buf, sizeof buf), 5);
    /* Forgotten: a release no longer touches it. */
    loopmsg__cork_forget(&k, p.client);
    assert_int_equal(k.count, 0);
    int zero = 0;
    assert_int_equal(setsockopt(p.client, IPPROTO_TCP, TCP_CORK, &zero, sizeof zero), 0);
    loopmsg__cork_release(&k);
    assert_int_equal(corked(p.client), 0);
    loopmsg__cork_forget(&k, 12345); /* unknown: nothing happens */
    loopmsg__cork_free(&k);
    pair_close(&p);
}

/* Many sockets: the set grows, forgets from the middle and keeps the rest. */
static void test_cork__many_sockets(void **state)
{
    (void)state;
    enum { N = 20 };
    pair p[N];
    loopmsg__corks k = {.on = true};
    for (int i = 0; i < N; i++) {
        pair_open(&p[i]);
        loopmsg__cork_add(&k, p[i].client);
    }
    assert_int_equal(k.count, N);
    loopmsg__cork_forget(&k, p[7].client);
    loopmsg__cork_forget(&k, p[0].client);
    assert_int_equal(k.count, N - 2);
    for (size_t i = 0; i < k.count; i++)
        assert_true(k.fd[i] != p[7].client && k.fd[i] != p[0].client);
    for (int i = 0; i < N; i++)
        pair_close(&p[i]);
    loopmsg__cork_free(&k);
}

/* A stop uncorks what it held, sends what was waiting, and no new socket is corked. */
static void test_cork__stop_uncorks_and_corks_nothing_more(void **state)
{
    (void)state;
    pair a, b;
    pair_open(&a);
    pair_open(&b);
    loopmsg__corks k = {.on = true};
    loopmsg__cork_add(&k, a.client);
    assert_int_equal(write(a.client, "held", 4), 4);
    assert_int_equal(not_sent(a.client), 4);
    loopmsg__cork_stop(&k);
    assert_false(k.on);
    assert_int_equal(k.count, 0);
    assert_int_equal(corked(a.client), 0);
    assert_int_equal(not_sent(a.client), 0);
    loopmsg__cork_add(&k, b.client);
    assert_int_equal(k.count, 0);
    assert_int_equal(corked(b.client), 0);
    loopmsg__cork_free(&k);
    pair_close(&a);
    pair_close(&b);
}

/* Off from the start (HTTP/1.1 asked for, or plain http://): nothing is corked. */
static void test_cork__off_corks_nothing(void **state)
{
    (void)state;
    pair p;
    pair_open(&p);
    loopmsg__corks k = {.on = false};
    loopmsg__cork_add(&k, p.client);
    assert_int_equal(k.count, 0);
    assert_int_equal(corked(p.client), 0);
    loopmsg__cork_free(&k);
    pair_close(&p);
}

/* No memory to remember the socket: it is left uncorked, never corked and forgotten. */
static void test_cork__no_memory_leaves_the_socket_alone(void **state)
{
    (void)state;
    pair p;
    pair_open(&p);
    ts_alloc_install();
    loopmsg__corks k = {.on = true};
    ts_alloc_fail_at(1);
    loopmsg__cork_add(&k, p.client);
    ts_alloc_fail_at(0);
    assert_int_equal(k.count, 0);
    assert_int_equal(corked(p.client), 0);
    loopmsg__cork_add(&k, p.client); /* memory again: corked */
    assert_int_equal(k.count, 1);
    assert_int_equal(corked(p.client), 1);
    loopmsg__cork_free(&k);
    pair_close(&p);
}

/* A socket that is not TCP cannot be corked: not remembered. */
static void test_cork__not_a_tcp_socket(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    loopmsg__corks k = {.on = true};
    loopmsg__cork_add(&k, sv[0]);
    assert_int_equal(k.count, 0);
    loopmsg__cork_free(&k);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cork__add_release_forget),
        cmocka_unit_test(test_cork__many_sockets),
        cmocka_unit_test(test_cork__stop_uncorks_and_corks_nothing_more),
        cmocka_unit_test(test_cork__off_corks_nothing),
        cmocka_unit_test(test_cork__no_memory_leaves_the_socket_alone),
        cmocka_unit_test(test_cork__not_a_tcp_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
