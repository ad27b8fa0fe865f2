/* SPDX-License-Identifier: MIT */
/*
 * cork_int.h: the client's connection sockets held corked (TCP_CORK) while libcurl writes,
 * and released once per engine turn. libcurl writes each HTTP/2 frame with its own send():
 * a request's HEADERS and DATA, each answer's WINDOW_UPDATE. Uncorked, every frame is its own
 * TCP segment for both ends to process; corked, what one turn of the engine wrote for all
 * its requests leaves together when the turn ends. Nothing is held past the turn that wrote
 * it (loopmsg__cork_release after every curl_multi_perform).
 *
 * Only where TCP_CORK exists (Linux); elsewhere every call is a no-op and nothing is corked.
 * Not thread-safe: the engine's thread only.
 */
#ifndef LOOPMSG_CORK_INT_H
#define LOOPMSG_CORK_INT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct loopmsg__corks {
    int *fd; /* the sockets corked now, in no order */
    size_t count, cap;
    bool on; /* new sockets are corked; false once loopmsg__cork_stop ran */
} loopmsg__corks;

/* Cork a new socket (after socket(), before connect()) when corking is on. A socket that
 * cannot be corked or remembered (no memory) is left as it is: it only costs segments. */
void loopmsg__cork_add(loopmsg__corks *k, int fd);
/* The socket is about to be closed: forget it, so that a later release never touches the
 * number once the process reuses it for another file. */
void loopmsg__cork_forget(loopmsg__corks *k, int fd);
/* Send what every corked socket holds now (uncork and cork again). */
void loopmsg__cork_release(loopmsg__corks *k);
/* Uncork every socket, forget them all and cork no new one: for a server that turned out to
 * speak HTTP/1.1 (a request is one send there, and there may be a connection per request in
 * flight, too many to release each turn). */
void loopmsg__cork_stop(loopmsg__corks *k);
/* Forget everything without touching the sockets (libcurl has closed them). */
void loopmsg__cork_free(loopmsg__corks *k);

#endif
