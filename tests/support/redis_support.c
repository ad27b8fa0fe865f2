/* SPDX-License-Identifier: MIT */
/*
 * redis_support.c: see redis_support.h. The server runs in the foreground as our child, so
 * that a test can SIGKILL it at any moment and start it again on the same data.
 */
#include "redis_support.h"

#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int rs_available(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char p[4200];
        snprintf(p, sizeof p, "%s/redis-server", d);
        if (access(p, X_OK) == 0)
            return 1;
    }
    return 0;
}

static void spawn(rs_server *s)
{
    char port[16], log[128];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(log, sizeof log, "%s/redis.log", s->dir);
    const char *argv[] = {"redis-server",
                          "--port",
                          port,
                          "--bind",
                          "127.0.0.1",
                          "--dir",
                          s->dir,
                          "--appendonly",
                          "yes",
                          "--appendfsync",
                          "always",
                          "--save",
                          "",
                          "--daemonize",
                          "no",
                          "--logfile",
                          log,
                          "--protected-mode",
                          "no",
                          NULL};
    assert_int_equal(
        posix_spawnp(&s->pid, "redis-server", NULL, NULL, (char *const *)argv, environ), 0);
    uint64_t end = ts_now_ms() + 10000;
    for (;;) {
        struct timeval tv = {1, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            if (r)
                freeReplyObject(r);
            redisFree(c);
            if (ok)
                return;
        } else if (c) {
            redisFree(c);
        }
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            fail_msg("redis-server exited at start; see %s", log);
        }
        if (ts_now_ms() > end)
            fail_msg("redis-server did not answer within 10 s; see %s", log);
        ts_sleep_ms(20);
    }
}

void rs_start(rs_server *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/loopmsg-redis-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    s->port = ts_free_port();
    snprintf(s->url, sizeof s->url, "redis://127.0.0.1:%d", s->port);
    spawn(s);
}

void rs_restart(rs_server *s)
{
    assert_int_equal(s->pid, 0);
    spawn(s);
}

void rs_kill(rs_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        int st;
        waitpid(s->pid, &st, 0);
    }
    s->pid = 0;
}

void rs_destroy(rs_server *s)
{
    rs_kill(s);
    if (s->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

redisContext *rs_connect(const rs_server *s)
{
    struct timeval tv = {5, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    assert_non_null(c);
    if (c->err)
        fail_msg("cannot connect to the test Redis: %s", c->errstr);
    return c;
}

redisReply *rs_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r)
        fail_msg("Redis command failed: %s", c->errstr);
    return r;
}

long long rs_int(redisReply *r)
{
    if (r->type != REDIS_REPLY_INTEGER)
        fail_msg("expected an integer reply, got type %d (%.*s)", r->type,
                 r->type == REDIS_REPLY_ERROR ? (int)r->len : 0, r->str ? r->str : "");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

void *rs_fixture_new(void **state, size_t size, const char *prefix)
{
    *state = NULL;
    if (!rs_available()) {
        print_message("redis-server not installed: skipping\n");
        return NULL;
    }
    rs_fixture *f = calloc(1, size);
    assert_non_null(f);
    *state = f; /* the teardown frees it even when the start below fails */
    snprintf(f->dir, sizeof f->dir, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(f->dir));
    rs_start(&f->redis);
    return f;
}

void rs_fixture_free(rs_fixture *f)
{
    if (f) {
        rs_destroy(&f->redis);
        char cmd[128]; /* suites may leave subdirectories: ts_remove_dir is flat */
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", f->dir);
        free(f);
    }
}
