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

void cli_jw_quote(cli_jw *w, const char *str)
{
    (void)loopmsg__buf_json_quote(&w->out, str, strlen(str));
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
