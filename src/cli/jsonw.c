/* SPDX-License-Identifier: MIT */
/*
 * jsonw.c: the CLI's JSON writer into a reused buffer (see jsonw.h). Pure: no I/O. The
 * escaping is jansson's (JSON_COMPACT, no JSON_ENSURE_ASCII), so lines written here read
 * the same as the lines jansson wrote before, byte for byte, for valid UTF-8.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_jw_raw(cli_jw *w, const char *bytes, size_t len)
{
    loopmsg__buf_append(&w->out, bytes, len);
}

void cli_jw_reset(cli_jw *w)
{
    loopmsg__buf_reset(&w->out);
    w->nested = 0;
    w->depth = 0;
}

void cli_jw_clear(cli_jw *w)
{
    if (!w)
        return;
    loopmsg__buf_clear(&w->out);
    w->nested = 0;
    w->depth = 0;
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
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

void cli_jw_quote(cli_jw *w, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    /* Worst case: every byte becomes \uFFFD (6 bytes). */
    char *start = loopmsg__buf_reserve(&w->out, n * 6 + 2);
    if (!start)
        return;
    char *o = start;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_len(s + i, n - i);
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
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default: {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        }
        i++;
    }
    *o++ = '"';
    loopmsg__buf_commit(&w->out, (size_t)(o - start));
}

static void key(cli_jw *w, const char *k)
{
    unsigned int bit = 1u << w->depth;
    if (w->nested & bit)
        cli_jw_raw(w, ",", 1);
    w->nested |= bit;
    cli_jw_quote(w, k);
    cli_jw_raw(w, ":", 1);
}

void cli_jw_begin(cli_jw *w, const char *k)
{
    if (k)
        key(w, k);
    cli_jw_raw(w, "{", 1);
    if (w->depth < 30)
        w->depth++;
    w->nested &= ~(1u << w->depth);
}

void cli_jw_end(cli_jw *w)
{
    cli_jw_raw(w, "}", 1);
    if (w->depth > 0)
        w->depth--;
}

void cli_jw_str(cli_jw *w, const char *k, const char *value)
{
    if (!value)
        return;
    key(w, k);
    cli_jw_quote(w, value);
}

void cli_jw_int(cli_jw *w, const char *k, long long value)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", value);
    key(w, k);
    cli_jw_raw(w, num, (size_t)n);
}

void cli_jw_bool(cli_jw *w, const char *k, int value)
{
    key(w, k);
    if (value)
        cli_jw_raw(w, "true", 4);
    else
        cli_jw_raw(w, "false", 5);
}
