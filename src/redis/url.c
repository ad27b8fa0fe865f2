/* SPDX-License-Identifier: MIT */
/*
 * url.c: the Redis URL parser and the connection helper of libloopmsg_redis. The parser is
 * pure (bytes in, struct out; fuzzed by fuzz/fuzz_redis_url.c); only loopmsg__redis_connect()
 * does I/O. No message ever quotes the password.
 */
#include "redis_int.h"

#include <hiredis/hiredis.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int fail(char *msg, size_t msg_len, const char *what)
{
    if (msg && msg_len)
        snprintf(msg, msg_len, "Redis URL: %s", what);
    return -1;
}

/* Copy [s, s+n) into dst (cap bytes with the NUL), percent-decoding when `decode`. -1 when
 * it does not fit, or holds a bad escape or a NUL. */
static int copy_part(char *dst, size_t cap, const char *s, size_t n, int decode)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (decode && ch == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = loopmsg__hex_value(s[i + 1]), lo = loopmsg__hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            ch = (char)(hi * 16 + lo);
            if (ch == '\0')
                return -1;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        dst[o++] = ch;
    }
    dst[o] = '\0';
    return 0;
}

static int parse_number(const char *s, size_t n, long max, long *out)
{
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int loopmsg__redis_url_parse(loopmsg__redis_url *out, const char *url, char *msg, size_t msg_len)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (!url || !*url)
        return fail(msg, msg_len, "empty");
    if (strncmp(url, "unix://", 7) == 0) {
        const char *p = url + 7;
        size_t n = strcspn(p, "?");
        if (n == 0 || p[0] != '/')
            return fail(msg, msg_len, "unix:// needs an absolute socket path (unix:///path)");
        if (copy_part(out->path, sizeof out->path, p, n, 1) != 0)
            return fail(msg, msg_len, "socket path too long or badly encoded");
        out->is_unix = 1;
        if (p[n] == '?') {
            const char *q = p + n + 1;
            if (strncmp(q, "db=", 3) != 0 ||
                parse_number(q + 3, strlen(q + 3), 1000000, &out->db) != 0)
                return fail(msg, msg_len, "the only query accepted is ?db=N");
        }
        return 0;
    }
    if (strncmp(url, "rediss://", 9) == 0)
        return fail(msg, msg_len, "rediss:// (TLS) is not supported; use a local TLS tunnel");
    if (strncmp(url, "redis://", 8) != 0)
        return fail(msg, msg_len, "must start with redis:// or unix://");
    const char *p = url + 8;
    size_t auth_end = strcspn(p, "@/");
    if (p[auth_end] == '@') {
        /* [user]:password, or a bare password (redis-cli accepts both) */
        size_t colon = strcspn(p, ":@");
        const char *pw = p;
        size_t pw_len = auth_end;
        if (colon < auth_end) {
            if (copy_part(out->user, sizeof out->user, p, colon, 1) != 0)
                return fail(msg, msg_len, "user name too long or badly encoded");
            pw = p + colon + 1;
            pw_len = auth_end - colon - 1;
        }
        if (copy_part(out->password, sizeof out->password, pw, pw_len, 1) != 0) {
            loopmsg__redis_url_wipe(out);
            return fail(msg, msg_len, "password too long or badly encoded");
        }
        out->has_password = pw_len > 0;
        if (!out->has_password && out->user[0])
            return fail(msg, msg_len, "a user name needs a password");
        p += auth_end + 1;
    }
    size_t host_len;
    const char *host = p;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close)
            return fail(msg, msg_len, "unclosed '[' in the host");
        host = p + 1;
        host_len = (size_t)(close - host);
        p = close + 1;
    } else {
        host_len = strcspn(p, ":/?#");
        p += host_len;
    }
    if (host_len == 0)
        return fail(msg, msg_len, "no host");
    if (copy_part(out->host, sizeof out->host, host, host_len, 0) != 0)
        return fail(msg, msg_len, "host too long");
    if (*p == ':') {
        p++;
        size_t n = strcspn(p, "/?#");
        long port;
        if (parse_number(p, n, 65535, &port) != 0 || port == 0)
            return fail(msg, msg_len, "the port must be 1..65535");
        out->port = (int)port;
        p += n;
    }
    if (*p == '/') {
        p++;
        size_t n = strcspn(p, "?#");
        if (n && parse_number(p, n, 1000000, &out->db) != 0)
            return fail(msg, msg_len, "the database must be a number");
        p += n;
    }
    if (*p)
        return fail(msg, msg_len, "unexpected text after the database (no query is accepted)");
    return 0;
}

/* Append n bytes of s to out (cap bytes with the NUL) at *o; 1 when they did not all fit. */
static int put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    size_t room = cap - 1 - *o;
    size_t take = n < room ? n : room;
    memcpy(out + *o, s, take);
    *o += take;
    out[*o] = '\0';
    return take < n;
}

loopmsg_status loopmsg_redis_url_redact(const char *url, char *out, size_t out_size)
{
    if (!out || !out_size)
        return LOOPMSG_E_INVALID_ARG;
    out[0] = '\0';
    if (!url)
        return LOOPMSG_E_INVALID_ARG;
    /* Credentials are whatever stands between the scheme and the last '@', valid or not, so
     * that a URL the parser refuses is masked as well as one it takes. */
    const char *scheme = strstr(url, "://");
    const char *auth = scheme ? scheme + 3 : url;
    const char *at = strrchr(auth, '@');
    size_t o = 0;
    int cut = 0;
    if (!at) {
        cut = put(out, out_size, &o, url, strlen(url));
    } else {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        /* The scheme and the user name (none for a bare password), then the mask. */
        cut |= put(out, out_size, &o, url, (size_t)((colon ? colon : auth) - url));
        cut |= put(out, out_size, &o, colon ? ":***" : "***", colon ? 4 : 3);
        cut |= put(out, out_size, &o, at, strlen(at));
    }
    return cut ? LOOPMSG_E_TOO_LARGE : LOOPMSG_OK;
}

void loopmsg__redis_url_wipe(loopmsg__redis_url *u)
{
    volatile char *p = u->password;
    for (size_t i = 0; i < sizeof u->password; i++)
        p[i] = 0;
    p = u->user;
    for (size_t i = 0; i < sizeof u->user; i++)
        p[i] = 0;
}

void loopmsg__redis_describe(char *msg, size_t msg_len, const char *what, const redisContext *c,
                             const redisReply *r)
{
    if (c && c->err)
        snprintf(msg, msg_len, "%s: %s", what, c->errstr[0] ? c->errstr : "connection error");
    else if (!r)
        snprintf(msg, msg_len, "%s: no answer", what);
    else if (r->type == REDIS_REPLY_ERROR)
        snprintf(msg, msg_len, "%s: %.*s", what, (int)(r->len > 200 ? 200 : r->len), r->str);
    else
        snprintf(msg, msg_len, "%s: unexpected reply (type %d)", what, r->type);
}

redisContext *loopmsg__redis_connect(const loopmsg__redis_url *u, unsigned int timeout_ms,
                                     char *msg, size_t msg_len)
{
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
    redisContext *c = u->is_unix ? redisConnectUnixWithTimeout(u->path, tv)
                                 : redisConnectWithTimeout(u->host, u->port, tv);
    if (!c) {
        snprintf(msg, msg_len, "cannot connect to Redis: out of memory");
        return NULL;
    }
    if (c->err) {
        if (u->is_unix)
            snprintf(msg, msg_len, "cannot connect to Redis at %s: %s", u->path, c->errstr);
        else
            snprintf(msg, msg_len, "cannot connect to Redis at %s:%d: %s", u->host, u->port,
                     c->errstr);
        redisFree(c);
        return NULL;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(msg, msg_len, "cannot set the Redis timeout");
        redisFree(c);
        return NULL;
    }
    if (u->has_password) {
        const char *argv[3] = {"AUTH", u->user, u->password};
        size_t lens[3] = {4, strlen(u->user), strlen(u->password)};
        int skip = u->user[0] ? 0 : 1; /* without a user: AUTH password */
        if (skip) {
            argv[1] = u->password;
            lens[1] = lens[2];
        }
        redisReply *r = redisCommandArgv(c, 3 - skip, argv, lens);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        if (!ok)
            loopmsg__redis_describe(msg, msg_len, "Redis refused the credentials", c, r);
        if (r)
            freeReplyObject(r);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    if (u->db) {
        char db[24];
        snprintf(db, sizeof db, "%ld", u->db);
        const char *argv[2] = {"SELECT", db};
        size_t lens[2] = {6, strlen(db)};
        redisReply *r = redisCommandArgv(c, 2, argv, lens);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        if (!ok)
            loopmsg__redis_describe(msg, msg_len, "Redis refused SELECT", c, r);
        if (r)
            freeReplyObject(r);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}
