/* SPDX-License-Identifier: MIT */
/*
 * redis_int.h: what the files of libloopmsg_redis share: the parsed form of a Redis URL (a
 * pure parser, fuzzed), a connection helper (connect, AUTH, SELECT, timeouts), error
 * formatting and the clock. Never exported.
 */
#ifndef LOOPMSG_REDIS_INT_H
#define LOOPMSG_REDIS_INT_H

#include "loopmsg/redis.h"
#include "util_int.h"

#include <stddef.h>

struct redisContext;
struct redisReply;

/* A parsed URL. Fixed buffers: a longer value is refused by the parser. */
typedef struct loopmsg__redis_url {
    int is_unix;
    char host[256]; /* TCP: name or address literal (without brackets) */
    int port;
    char path[108];     /* unix: socket path */
    char user[128];     /* empty: none (AUTH with the password only) */
    char password[512]; /* empty: no AUTH */
    int has_password;
    long db;
} loopmsg__redis_url;

/* Parse `redis://[[user]:password@]host[:port][/db]` or `unix:///path[?db=N]`. 0 on success;
 * -1 with a message in msg (never quoting the password) otherwise. Pure: no I/O. */
int loopmsg__redis_url_parse(loopmsg__redis_url *out, const char *url, char *msg, size_t msg_len);

/* Overwrite the password (and user) of a parsed URL. */
void loopmsg__redis_url_wipe(loopmsg__redis_url *u);

/* Connect, authenticate and select the database, with timeout_ms for the connection and for
 * every command after it. NULL on failure, with the reason in msg. */
struct redisContext *loopmsg__redis_connect(const loopmsg__redis_url *u, unsigned int timeout_ms,
                                            char *msg, size_t msg_len);

/* "what failed: why" for a failed command: the context's error, the reply's error text, or
 * an unexpected reply type. */
void loopmsg__redis_describe(char *msg, size_t msg_len, const char *what,
                             const struct redisContext *c, const struct redisReply *r);

#endif
