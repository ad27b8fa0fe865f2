/* SPDX-License-Identifier: MIT */
/*
 * text.c: small character helpers: hex digits for the parsers of URLs and query strings, and
 * the JSON string writer shared by the send body and the CLI's JSON lines. Pure.
 */
#include "util_int.h"

#include <string.h>

int loopmsg__hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t loopmsg__utf8_seq_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    size_t len;
    unsigned int cp;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    cp = c & (0x3Fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* The escape letter of a byte with a two-byte escape, or 0 (then it is \u00XX). */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    default:
        return 0;
    }
}

static int needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

size_t loopmsg__buf_json_quote(loopmsg__buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    /* First the exact size, so that the buffer grows at most once and never past need; a
     * string with nothing to escape is then one copy. */
    size_t out = n + 2, bad = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (needs_escape(c))
                out += short_escape(c) ? 1 : 5;
            i++;
            continue;
        }
        size_t k = loopmsg__utf8_seq_len(str + i, n - i);
        if (k) {
            i += k;
        } else {
            out += 5; /* \uFFFD in place of the byte */
            bad++;
            i++;
        }
    }
    char *start = loopmsg__buf_reserve(b, out);
    if (!start)
        return bad;
    char *o = start;
    *o++ = '"';
    if (out == n + 2) {
        memcpy(o, s, n);
        o += n;
    } else {
        for (size_t i = 0; i < n;) {
            unsigned char c = s[i];
            if (c >= 0x80) {
                size_t k = loopmsg__utf8_seq_len(str + i, n - i);
                if (k) {
                    memcpy(o, s + i, k);
                    o += k;
                    i += k;
                } else {
                    memcpy(o, "\\uFFFD", 6);
                    o += 6;
                    i++;
                }
                continue;
            }
            i++;
            if (!needs_escape(c)) {
                *o++ = (char)c;
                continue;
            }
            char e = short_escape(c);
            *o++ = '\\';
            if (e) {
                *o++ = e;
            } else {
                static const char hex[] = "0123456789ABCDEF";
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
            }
        }
    }
    *o++ = '"';
    loopmsg__buf_commit(b, (size_t)(o - start));
    return bad;
}
