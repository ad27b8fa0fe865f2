/* SPDX-License-Identifier: MIT */
/*
 * verify.c: webhook credentials, the security-sensitive part of webhooks. Loop authenticates
 * a webhook with a static secret in the Authorization header or in a `secret` query
 * parameter; loopmsg_webhook_verify compares it with every configured secret in constant
 * time. Pure like webhook.c: no sockets, no clock, never curl or libmicrohttpd.
 */
#include "loopmsg/webhook.h"

#include "alloc_int.h"
#include "error_int.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- verification ----------------------------------------------------------------------- */

/* Compare `a` with the concatenation p1 || p2 without data-dependent branches or an early
 * exit: the loop always runs over the longer of the two lengths. Returns 0 when equal. */
static unsigned int ct_diff(const char *a, size_t alen, const char *p1, size_t l1, const char *p2,
                            size_t l2)
{
    size_t blen = l1 + l2;
    size_t n = alen > blen ? alen : blen;
    volatile unsigned int d = (unsigned int)(alen != blen);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? (unsigned char)a[i] : 0;
        unsigned char y = 0;
        if (i < l1)
            y = (unsigned char)p1[i];
        else if (i < blen)
            y = (unsigned char)p2[i - l1];
        d |= (unsigned int)(x ^ y);
    }
    return d;
}

/* Percent-decode s[0..n) into dst (at least n bytes); '+' is a space, as URLSearchParams
 * does; a malformed escape stays as it is. Returns the decoded length. */
static size_t form_decode(char *dst, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            dst[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && loopmsg__hex_value(s[i + 1]) >= 0 &&
                   loopmsg__hex_value(s[i + 2]) >= 0) {
            dst[o++] = (char)(loopmsg__hex_value(s[i + 1]) * 16 + loopmsg__hex_value(s[i + 2]));
            i += 2;
        } else {
            dst[o++] = s[i];
        }
    }
    return o;
}

/* Find the first `secret` parameter of a query string and decode it into a new buffer.
 * Returns 1 and sets *val (caller frees) and *vlen when found, 0 when absent, -1 on NOMEM. */
static int query_secret(const char *query, char **val, size_t *vlen)
{
    if (*query == '?')
        query++;
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        /* "secret" is 6 bytes; an encoded key ("secre%74") is at most 18. */
        if (klen >= 6 && klen <= 18) {
            char kbuf[18];
            if (form_decode(kbuf, p, klen) == 6 && memcmp(kbuf, "secret", 6) == 0) {
                size_t n = eq ? plen - klen - 1 : 0;
                char *d = loopmsg__malloc(n + 1);
                if (!d)
                    return -1;
                *vlen = eq ? form_decode(d, eq + 1, n) : 0;
                d[*vlen] = '\0';
                *val = d;
                return 1;
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

loopmsg_status loopmsg_webhook_verify(const char *authorization, const char *query,
                                      const char *const *secrets, size_t secret_count,
                                      loopmsg_error *err)
{
    if (secret_count == 0) {
        loopmsg__error_ok(err);
        return LOOPMSG_OK;
    }
    if (!secrets)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "secrets is NULL but secret_count is %zu", secret_count);
    for (size_t i = 0; i < secret_count; i++)
        if (!secrets[i])
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "secrets[%zu] is NULL", i);

    char *qval = NULL;
    size_t qlen = 0;
    if (query && query_secret(query, &qval, &qlen) < 0)
        return loopmsg__error_nomem(err);

    static const char bearer[] = "Bearer ";
    size_t alen = authorization ? strlen(authorization) : 0;
    unsigned int match = 0;
    for (size_t i = 0; i < secret_count; i++) {
        size_t vlen = strlen(secrets[i]);
        unsigned int usable = vlen > 0;
        if (authorization) {
            match |= usable & (ct_diff(authorization, alen, secrets[i], vlen, "", 0) == 0);
            match |= usable & (ct_diff(authorization, alen, bearer, sizeof bearer - 1, secrets[i],
                                       vlen) == 0);
        }
        if (qval)
            match |= usable & (ct_diff(qval, qlen, secrets[i], vlen, "", 0) == 0);
    }
    if (qval) {
        loopmsg__wipe(qval, qlen);
        loopmsg__free(qval);
    }
    if (match) {
        loopmsg__error_ok(err);
        return LOOPMSG_OK;
    }
    return loopmsg__error_set(err, LOOPMSG_E_WEBHOOK_AUTH,
                              authorization || query
                                  ? "webhook credentials do not match any configured secret"
                                  : "webhook request has no Authorization header and no "
                                    "secret parameter");
}
