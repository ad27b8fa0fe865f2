/* SPDX-License-Identifier: MIT */
/*
 * cork.c: see cork_int.h.
 */
#include "cork_int.h"
#include "alloc_int.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#ifdef TCP_CORK
static int set_cork(int fd, int on)
{
    return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}
#endif

void loopmsg__cork_add(loopmsg__corks *k, int fd)
{
#ifdef TCP_CORK
    if (!k->on)
        return;
    if (k->count == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 8;
        int *grown = loopmsg__realloc(k->fd, cap * sizeof *grown);
        if (!grown)
            return;
        k->fd = grown;
        k->cap = cap;
    }
    if (set_cork(fd, 1) == 0)
        k->fd[k->count++] = fd;
#else
    (void)k;
    (void)fd;
#endif
}

void loopmsg__cork_forget(loopmsg__corks *k, int fd)
{
    for (size_t i = 0; i < k->count; i++) {
        if (k->fd[i] == fd) {
            k->fd[i] = k->fd[--k->count];
            return;
        }
    }
}

void loopmsg__cork_release(loopmsg__corks *k)
{
#ifdef TCP_CORK
    for (size_t i = 0; i < k->count; i++) {
        set_cork(k->fd[i], 0);
        set_cork(k->fd[i], 1);
    }
#else
    (void)k;
#endif
}

void loopmsg__cork_stop(loopmsg__corks *k)
{
#ifdef TCP_CORK
    for (size_t i = 0; i < k->count; i++)
        set_cork(k->fd[i], 0);
#endif
    k->on = false;
    loopmsg__cork_free(k);
}

void loopmsg__cork_free(loopmsg__corks *k)
{
    loopmsg__free(k->fd);
    k->fd = NULL;
    k->count = k->cap = 0;
}
