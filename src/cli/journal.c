/* SPDX-License-Identifier: MIT */
/*
 * journal.c: the reader of send-bulk's journal lines (see journal.h). Pure: no I/O. The
 * fast path recognises only the exact lines send-bulk writes and hands every other line to
 * jansson, so it never accepts what jansson would refuse (the fuzzer checks the two agree).
 */
#include "journal.h"

#include <jansson.h>
#include <string.h>

const char *const cli_jstate_names[] = {"none", "sending", "accepted", "failed", "unknown", NULL};

static cli_jstate state_of(const char *s, size_t n)
{
    for (int k = CLI_J_SENDING; k <= CLI_J_UNKNOWN; k++)
        if (strlen(cli_jstate_names[k]) == n && memcmp(s, cli_jstate_names[k], n) == 0)
            return (cli_jstate)k;
    return CLI_J_NONE;
}

static int lit(const char **p, const char *end, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* 1..max_digits decimal digits without a leading zero (jansson's integers). */
static int digits(const char **p, const char *end, int max_digits, unsigned long long *v)
{
    const char *q = *p;
    unsigned long long x = 0;
    while (q < end && *q >= '0' && *q <= '9' && q - *p < max_digits + 1)
        x = x * 10 + (unsigned long long)(*q++ - '0');
    size_t n = (size_t)(q - *p);
    if (n == 0 || (int)n > max_digits || (n > 1 && **p == '0'))
        return 0;
    *p = q;
    *v = x;
    return 1;
}

/* The exact shape send-bulk writes: 1, or 0 to let jansson decide. */
static int fast_line(const char *p, const char *end, cli_jentry *out)
{
    unsigned long long v;
    if (!lit(&p, end, "{\"row\":") || !digits(&p, end, 18, &v) || v == 0)
        return 0;
    out->row = v;
    if (!lit(&p, end, ",\"state\":\""))
        return 0;
    const char *s = p;
    while (p < end && *p >= 'a' && *p <= 'z')
        p++;
    out->state = state_of(s, (size_t)(p - s));
    if (out->state == CLI_J_NONE || !lit(&p, end, "\""))
        return 0;
    if (lit(&p, end, ",\"message_id\":\"")) {
        const char *id = p;
        /* Escapes and anything but printable ASCII go to jansson (it checks UTF-8). */
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
               (unsigned char)*p < 0x80)
            p++;
        size_t n = (size_t)(p - id);
        if (!lit(&p, end, "\"") || n >= sizeof out->message_id)
            return 0;
        memcpy(out->message_id, id, n);
        out->message_id[n] = '\0';
    }
    if (lit(&p, end, ",\"api_code\":")) {
        int neg = lit(&p, end, "-");
        if (!digits(&p, end, 9, &v))
            return 0;
        out->api_code = neg ? -(long)v : (long)v;
    }
    return lit(&p, end, "}") && p == end;
}

static int slow_line(const char *line, size_t len, cli_jentry *out)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    json_t *row = json_object_get(o, "row");
    const char *st = json_string_value(json_object_get(o, "state"));
    const char *id = json_string_value(json_object_get(o, "message_id"));
    int ok = json_is_integer(row) && json_integer_value(row) >= 1 && st &&
             (out->state = state_of(st, strlen(st))) != CLI_J_NONE;
    if (ok) {
        out->row = (unsigned long long)json_integer_value(row);
        if (id && strlen(id) < sizeof out->message_id)
            memcpy(out->message_id, id, strlen(id) + 1);
        json_t *code = json_object_get(o, "api_code");
        if (json_is_integer(code))
            out->api_code = (long)json_integer_value(code);
    }
    json_decref(o);
    return ok;
}

int cli_journal_line(const char *line, size_t len, cli_jentry *out, int fast)
{
    memset(out, 0, sizeof *out);
    if (fast && fast_line(line, line + len, out))
        return 1;
    memset(out, 0, sizeof *out);
    if (!slow_line(line, len, out)) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    return 1;
}

int cli_journal_header(const char *line, size_t len, char *fp, size_t fp_size)
{
    json_t *h = json_loadb(line, len, 0, NULL);
    const char *magic = json_string_value(json_object_get(h, "journal"));
    const char *f = json_string_value(json_object_get(h, "fingerprint"));
    int ours = magic ? strcmp(magic, CLI_JOURNAL_MAGIC) == 0
                     : f && json_is_string(json_object_get(h, "file")) &&
                           json_is_integer(json_object_get(h, "rows"));
    fp[0] = '\0';
    if (ours && f && strlen(f) < fp_size)
        memcpy(fp, f, strlen(f) + 1);
    json_decref(h);
    return ours;
}
