/* SPDX-License-Identifier: MIT */
/*
 * canned_server.c: see canned_server.h. One thread, poll(2) over keep-alive connections;
 * requests are read to the end of their Content-Length body, answered at once.
 */
#define _GNU_SOURCE /* memmem */
#include "canned_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 512
#define CONN_BUF  65536

typedef struct conn {
    int fd;
    size_t len;
    char buf[CONN_BUF];
} conn;

struct ts_canned {
    int lfd, wake[2];
    pthread_t thread;
    char url[64];
    size_t rows;
    unsigned char *counts;
    atomic_size_t requests;
    atomic_size_t kill_at; /* SIGKILL kill_pid when the request count reaches it */
    atomic_int kill_pid;
    atomic_ullong first_us, last_us; /* when the first and the last request were read */
    conn *conns[MAX_CONNS];
    size_t nconns;
};

/* Answer every complete request in c's buffer; -1: close the connection. */
static int serve(ts_canned *s, conn *c)
{
    for (;;) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end)
            return c->len == CONN_BUF ? -1 : 0;
        size_t head = (size_t)(end - c->buf) + 4, body = 0;
        for (char *p = c->buf; p < end; p++)
            if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
                body = strtoul(p + 15, NULL, 10);
        if (head + body > CONN_BUF)
            return -1;
        if (c->len < head + body)
            return 0;
        char *t = memmem(c->buf + head, body, "\"text\":\"r", 9);
        if (t) {
            size_t row = strtoul(t + 9, NULL, 10);
            if (row < s->rows && s->counts[row] < 255)
                s->counts[row]++;
        }
        size_t n = atomic_fetch_add(&s->requests, 1) + 1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        unsigned long long us =
            (unsigned long long)now.tv_sec * 1000000u + (unsigned long long)now.tv_nsec / 1000u;
        unsigned long long zero = 0;
        atomic_compare_exchange_strong(&s->first_us, &zero, us);
        atomic_store(&s->last_us, us);
        int pid = atomic_load(&s->kill_pid);
        if (pid > 0 && n >= atomic_load(&s->kill_at) &&
            atomic_compare_exchange_strong(&s->kill_pid, &pid, 0)) {
            /* Killed with this request read and not answered: the client is in the middle
             * of sending whatever the machine's speed. */
            kill(pid, SIGKILL);
            return -1;
        }
        char json[128], out[512];
        int jl = snprintf(json, sizeof json, "{\"success\":true,\"message_id\":\"canned-%zu\"}", n);
        int ol = snprintf(out, sizeof out,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\n\r\n%s",
                          jl, json);
        if (write(c->fd, out, (size_t)ol) != ol)
            return -1;
        memmove(c->buf, c->buf + head + body, c->len - head - body);
        c->len -= head + body;
    }
}

static void *loop(void *ud)
{
    ts_canned *s = ud;
    struct pollfd pfd[MAX_CONNS + 2];
    for (;;) {
        pfd[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
        for (size_t i = 0; i < s->nconns; i++)
            pfd[i + 2] = (struct pollfd){.fd = s->conns[i]->fd, .events = POLLIN};
        if (poll(pfd, s->nconns + 2, -1) < 0)
            continue;
        if (pfd[0].revents)
            break;
        for (size_t i = s->nconns; i-- > 0;) {
            if (!pfd[i + 2].revents)
                continue;
            conn *c = s->conns[i];
            ssize_t n = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
            if (n > 0)
                c->len += (size_t)n;
            if (n <= 0 || serve(s, c) != 0) {
                close(c->fd);
                free(c);
                s->conns[i] = s->conns[--s->nconns];
            }
        }
        if (pfd[1].revents && s->nconns < MAX_CONNS) {
            int fd = accept(s->lfd, NULL, NULL);
            conn *c = fd >= 0 ? calloc(1, sizeof *c) : NULL;
            if (c) {
                c->fd = fd;
                s->conns[s->nconns++] = c;
            } else if (fd >= 0) {
                close(fd);
            }
        }
    }
    return NULL;
}

ts_canned *ts_canned_start(size_t rows)
{
    ts_canned *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rows = rows;
    s->counts = calloc(rows ? rows : 1, 1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!s->counts || s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->lfd, 512) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0 ||
        pipe(s->wake) != 0) {
        if (s->lfd >= 0)
            close(s->lfd);
        free(s->counts);
        free(s);
        return NULL;
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", (int)ntohs(a.sin_port));
    pthread_create(&s->thread, NULL, loop, s);
    return s;
}

const char *ts_canned_url(const ts_canned *s)
{
    return s->url;
}

size_t ts_canned_requests(ts_canned *s)
{
    return atomic_load(&s->requests);
}

void ts_canned_span(ts_canned *s, unsigned long long *first_us, unsigned long long *last_us)
{
    *first_us = atomic_load(&s->first_us);
    *last_us = atomic_load(&s->last_us);
}

int ts_canned_kill_at(ts_canned *s, size_t n, int pid)
{
    atomic_store(&s->kill_at, n);
    atomic_store(&s->kill_pid, pid);
    /* Reached already (before the target was set): the caller kills. */
    int expected = pid;
    if (atomic_load(&s->requests) >= n &&
        atomic_compare_exchange_strong(&s->kill_pid, &expected, 0))
        return 1;
    return 0;
}

unsigned int ts_canned_count(ts_canned *s, size_t row)
{
    return row < s->rows ? s->counts[row] : 0;
}

void ts_canned_stop(ts_canned *s)
{
    if (!s)
        return;
    (void)!write(s->wake[1], "x", 1);
    pthread_join(s->thread, NULL);
    for (size_t i = 0; i < s->nconns; i++) {
        close(s->conns[i]->fd);
        free(s->conns[i]);
    }
    close(s->lfd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s->counts);
    free(s);
}
