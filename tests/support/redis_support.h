/* SPDX-License-Identifier: MIT */
/*
 * redis_support.h: a real redis-server for the Redis tests, started by the test itself on a
 * free 127.0.0.1 port in a temporary directory, with appendonly yes and appendfsync always
 * (no acknowledged write is lost by a kill -9), and stopped, killed and restarted on the same
 * port and directory. Tests skip when redis-server is not installed. Also: a hiredis command
 * helper for assertions.
 */
#ifndef LOOPMSG_REDIS_SUPPORT_H
#define LOOPMSG_REDIS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

typedef struct rs_server {
    pid_t pid; /* 0 when not running */
    int port;
    char dir[64];
    char url[96]; /* redis://127.0.0.1:PORT */
} rs_server;

/* 1 when redis-server can be run (in PATH). */
int rs_available(void);

/* Start a new server (new directory, free port); waits until it answers PING. Fails the test
 * when it does not start in 10 s. */
void rs_start(rs_server *s);
/* Start it again on the same port and directory (after rs_stop or rs_kill). */
void rs_restart(rs_server *s);
/* SIGKILL it and reap it (the directory stays). */
void rs_kill(rs_server *s);
/* Kill it if running and remove the directory. */
void rs_destroy(rs_server *s);

/* The head of a Redis suite's fixture: a server and a scratch directory. A suite's fixture
 * struct begins with an rs_fixture member. */
typedef struct rs_fixture {
    rs_server redis;
    char dir[64];
} rs_fixture;

/* Setup of a Redis suite: when redis-server is not installed, print a note and make *state
 * NULL (each test then skips); otherwise allocate size zeroed bytes (a struct that begins with
 * an rs_fixture), make its dir a new directory /tmp/<prefix>-XXXXXX, start its server and
 * make it *state. Returns *state. */
void *rs_fixture_new(void **state, size_t size, const char *prefix);
/* Destroy the server, remove the scratch directory with everything in it, free the fixture.
 * NULL is a no-op. */
void rs_fixture_free(rs_fixture *f);

/* First statement of a Redis test: skip it when the setup found no redis-server (f NULL). */
#define SKIP_WITHOUT_REDIS(f)                                                                      \
    do {                                                                                           \
        if (!(f))                                                                                  \
            skip();                                                                                \
    } while (0)

/* A new connection to s (asserts). */
redisContext *rs_connect(const rs_server *s);
/* Run a command (printf-style, as redisCommand) and return the reply (asserts a reply). */
redisReply *rs_cmd(redisContext *c, const char *fmt, ...);
/* An integer reply's value (asserts the type); frees the reply. */
long long rs_int(redisReply *r);

#endif
