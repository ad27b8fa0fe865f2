/* SPDX-License-Identifier: MIT */
/*
 * rows.c: CSV (RFC 4180: quoted fields, doubled quotes, embedded newlines, CRLF) and JSON
 * lines (jansson) into rows of named string values. Pure: no output, no library calls;
 * every error names the line. Fuzzed by fuzz/fuzz_rows.c.
 */
#include "rows.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS    10000000u
#define MAX_COLUMNS 64

static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errbuf && errlen)
        vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int cli_rows_column(const char *const *columns, const char *name)
{
    for (int i = 0; columns[i]; i++)
        if (strcmp(columns[i], name) == 0)
            return i;
    return -1;
}

static size_t count_columns(const char *const *columns)
{
    size_t n = 0;
    while (columns[n])
        n++;
    return n;
}

static void row_free(cli_row *r, size_t ncols)
{
    if (r->values)
        for (size_t i = 0; i < ncols; i++)
            free(r->values[i]);
    free(r->values);
    for (size_t i = 0; i < r->attachment_count; i++)
        free(r->attachments[i]);
    free(r->attachments);
    memset(r, 0, sizeof *r);
}

void cli_rows_free(cli_rows *rows)
{
    if (!rows)
        return;
    for (size_t i = 0; i < rows->count; i++)
        row_free(&rows->rows[i], rows->column_count);
    free(rows->rows);
    memset(rows, 0, sizeof *rows);
}

static int push_row(cli_rows *out, cli_row *r)
{
    if (out->count >= MAX_ROWS)
        return -1;
    if ((out->count & (out->count - 1)) == 0) { /* grow at powers of two */
        size_t cap = out->count ? out->count * 2 : 8;
        cli_row *n = realloc(out->rows, cap * sizeof *n);
        if (!n)
            return -1;
        out->rows = n;
    }
    out->rows[out->count++] = *r;
    return 0;
}

/* Split a space-separated attachment list. */
static int split_attachments(cli_row *r, const char *s)
{
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, " \t");
        char **na = realloc(r->attachments, (r->attachment_count + 1) * sizeof *na);
        if (!na)
            return -1;
        r->attachments = na;
        char *v = malloc(n + 1);
        if (!v)
            return -1;
        memcpy(v, p, n);
        v[n] = '\0';
        r->attachments[r->attachment_count++] = v;
        p += n;
    }
    return 0;
}

static int check_required(const cli_row *r, const char *const *columns, const char *const *required,
                          char *errbuf, size_t errlen)
{
    for (size_t k = 0; required && required[k]; k++) {
        int c = cli_rows_column(columns, required[k]);
        if (c >= 0 && (!r->values[c] || !r->values[c][0]))
            return fail(errbuf, errlen, "line %zu: %s is required", r->line, required[k]);
    }
    return 0;
}

/* ---- CSV ----------------------------------------------------------------------------------- */

typedef struct csv_state {
    const char *p, *end;
    size_t line;
} csv_state;

/* Read one record into fields (malloc'd strings). Returns the field count, 0 at the end of
 * input, -1 on a syntax error. Blank lines come back as one empty field. A NUL byte would
 * cut its field short once the field is a C string: -2, with *nul_field its 0-based index
 * (the caller names the column). */
static int csv_record(csv_state *s, char ***fields_out, size_t *nfields, size_t *nul_field,
                      char *errbuf, size_t errlen)
{
    *fields_out = NULL;
    *nfields = 0;
    if (s->p >= s->end)
        return 0;
    char **fields = NULL;
    size_t n = 0;
    size_t start = s->line; /* errors name the line where the record starts */
    for (;;) {
        size_t cap = 64, len = 0;
        char *f = malloc(cap);
        if (!f)
            goto oom;
        int quoted = 0;
        if (s->p < s->end && *s->p == '"') {
            quoted = 1;
            s->p++;
        }
        for (;;) {
            if (s->p >= s->end) {
                if (quoted) {
                    free(f);
                    for (size_t i = 0; i < n; i++)
                        free(fields[i]);
                    free(fields);
                    return fail(errbuf, errlen, "line %zu: unterminated quoted field", start);
                }
                break;
            }
            char c = *s->p;
            if (c == '\0') {
                free(f);
                for (size_t i = 0; i < n; i++)
                    free(fields[i]);
                free(fields);
                *nul_field = n;
                return -2;
            }
            if (quoted) {
                if (c == '"') {
                    if (s->p + 1 < s->end && s->p[1] == '"') {
                        s->p += 2;
                    } else {
                        s->p++;
                        quoted = 0;
                        if (s->p < s->end && *s->p != ',' && *s->p != '\n' && *s->p != '\r') {
                            free(f);
                            for (size_t i = 0; i < n; i++)
                                free(fields[i]);
                            free(fields);
                            return fail(errbuf, errlen,
                                        "line %zu: unexpected character after a closing quote",
                                        start);
                        }
                        continue;
                    }
                } else {
                    if (c == '\n')
                        s->line++;
                    s->p++;
                }
            } else {
                if (c == ',' || c == '\n' || c == '\r')
                    break;
                if (c == '"') {
                    free(f);
                    for (size_t i = 0; i < n; i++)
                        free(fields[i]);
                    free(fields);
                    return fail(errbuf, errlen, "line %zu: quote inside an unquoted field", start);
                }
                s->p++;
            }
            if (len + 2 > cap) {
                char *nf = realloc(f, cap *= 2);
                if (!nf) {
                    free(f);
                    goto oom;
                }
                f = nf;
            }
            f[len++] = c;
        }
        f[len] = '\0';
        char **nfs = realloc(fields, (n + 1) * sizeof *nfs);
        if (!nfs) {
            free(f);
            goto oom;
        }
        fields = nfs;
        fields[n++] = f;
        if (n > MAX_COLUMNS) {
            for (size_t i = 0; i < n; i++)
                free(fields[i]);
            free(fields);
            return fail(errbuf, errlen, "line %zu: more than %d columns", start, MAX_COLUMNS);
        }
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        /* End of record: \n, \r\n, \r or end of input. */
        if (s->p < s->end && *s->p == '\r')
            s->p++;
        if (s->p < s->end && *s->p == '\n')
            s->p++;
        s->line++;
        break;
    }
    *fields_out = fields;
    *nfields = n;
    return (int)n;
oom:
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
    free(fields);
    return fail(errbuf, errlen, "out of memory");
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

static int parse_csv(const char *data, size_t len, const char *const *columns,
                     const char *const *required, cli_rows *out, char *errbuf, size_t errlen)
{
    csv_state s = {data, data + len, 1};
    /* A UTF-8 byte order mark before the header is tolerated. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        s.p += 3;
    char **hdr = NULL;
    size_t nh = 0, hline, nul_field; /* blank lines may come before the header */
    int rc;
    do {
        free_fields(hdr, nh);
        hline = s.line;
        rc = csv_record(&s, &hdr, &nh, &nul_field, errbuf, errlen);
        if (rc == -2)
            return fail(errbuf, errlen, "line %zu: the header contains a NUL byte", hline);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return fail(errbuf, errlen, "the file is empty: a header row is required");
    } while (nh == 1 && hdr[0][0] == '\0');
    size_t ncols = count_columns(columns);
    int map[MAX_COLUMNS + 1];
    int attach_col = cli_rows_column(columns, "attachments");
    for (size_t i = 0; i < nh; i++) {
        /* Header names are trimmed and case-insensitive. */
        char *h = hdr[i];
        while (*h == ' ')
            h++;
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == ' ')
            h[--hl] = '\0';
        for (char *c = h; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        map[i] = cli_rows_column(columns, h);
        if (map[i] < 0) {
            fail(errbuf, errlen, "line %zu: unknown column \"%.40s\"", hline, h);
            free_fields(hdr, nh);
            return -1;
        }
        for (size_t k = 0; k < i; k++)
            if (map[k] == map[i]) {
                fail(errbuf, errlen, "line %zu: column \"%.40s\" appears twice", hline, h);
                free_fields(hdr, nh);
                return -1;
            }
    }
    for (size_t k = 0; required && required[k]; k++) {
        int c = cli_rows_column(columns, required[k]);
        int found = 0;
        for (size_t i = 0; i < nh; i++)
            if (map[i] == c)
                found = 1;
        if (!found) {
            fail(errbuf, errlen, "line %zu: the header has no \"%s\" column", hline, required[k]);
            free_fields(hdr, nh);
            return -1;
        }
    }
    out->column_count = ncols;
    for (;;) {
        size_t line = s.line;
        char **f;
        size_t nf;
        rc = csv_record(&s, &f, &nf, &nul_field, errbuf, errlen);
        if (rc == -2) {
            if (nul_field < nh)
                fail(errbuf, errlen, "line %zu: \"%s\" contains a NUL byte", line,
                     columns[map[nul_field]]);
            else
                fail(errbuf, errlen, "line %zu: field %zu contains a NUL byte", line,
                     nul_field + 1);
            goto bad;
        }
        if (rc < 0)
            goto bad;
        if (rc == 0)
            break;
        if (nf == 1 && f[0][0] == '\0') {
            free_fields(f, nf);
            continue;
        }
        if (nf != nh) {
            free_fields(f, nf);
            fail(errbuf, errlen, "line %zu: %zu fields, the header has %zu", line, nf, nh);
            goto bad;
        }
        cli_row r = {line, calloc(ncols ? ncols : 1, sizeof(char *)), NULL, 0};
        int ok = r.values != NULL;
        for (size_t i = 0; ok && i < nf; i++) {
            if (f[i][0] == '\0') {
                free(f[i]);
                continue; /* empty cell: not set */
            }
            if (map[i] == attach_col) {
                ok = split_attachments(&r, f[i]) == 0;
                free(f[i]);
            } else {
                r.values[map[i]] = f[i];
            }
        }
        free(f);
        if (!ok || check_required(&r, columns, required, errbuf, errlen) != 0 ||
            push_row(out, &r) != 0) {
            if (!ok)
                fail(errbuf, errlen, "out of memory");
            row_free(&r, ncols);
            goto bad;
        }
    }
    free_fields(hdr, nh);
    if (out->count == 0)
        return fail(errbuf, errlen, "the file has a header but no rows");
    return 0;
bad:
    free_fields(hdr, nh);
    cli_rows_free(out);
    return -1;
}

/* ---- JSON lines ------------------------------------------------------------------------ */

static int parse_jsonl(const char *data, size_t len, const char *const *columns,
                       const char *const *required, cli_rows *out, char *errbuf, size_t errlen)
{
    size_t ncols = count_columns(columns);
    int attach_col = cli_rows_column(columns, "attachments");
    out->column_count = ncols;
    size_t line = 0;
    const char *p = data, *end = data + len;
    /* A UTF-8 byte order mark before the first line is tolerated, as in CSV. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        const char *next = nl ? nl + 1 : end;
        if (q == le) {
            p = next;
            continue; /* blank line */
        }
        json_error_t je;
        json_t *o = json_loadb(p, (size_t)(le - p), JSON_REJECT_DUPLICATES, &je);
        if (!o) {
            cli_rows_free(out);
            return fail(errbuf, errlen, "line %zu: invalid JSON: %s", line, je.text);
        }
        if (!json_is_object(o)) {
            json_decref(o);
            cli_rows_free(out);
            return fail(errbuf, errlen, "line %zu: expected a JSON object", line);
        }
        cli_row r = {line, calloc(ncols ? ncols : 1, sizeof(char *)), NULL, 0};
        const char *key;
        json_t *v;
        int rc = r.values ? 0 : fail(errbuf, errlen, "out of memory");
        json_object_foreach(o, key, v)
        {
            if (rc)
                break;
            int c = cli_rows_column(columns, key);
            if (c < 0) {
                rc = fail(errbuf, errlen, "line %zu: unknown field \"%.40s\"", line, key);
            } else if (json_is_null(v)) {
                continue;
            } else if (c == attach_col && json_is_array(v)) {
                size_t i;
                json_t *a;
                json_array_foreach(v, i, a)
                {
                    if (!json_is_string(a)) {
                        rc = fail(errbuf, errlen, "line %zu: attachments must be strings", line);
                        break;
                    }
                    if (split_attachments(&r, json_string_value(a)) != 0) {
                        rc = fail(errbuf, errlen, "out of memory");
                        break;
                    }
                }
            } else if (!json_is_string(v)) {
                rc = fail(errbuf, errlen, "line %zu: \"%.40s\" must be a string", line, key);
            } else if (c == attach_col) {
                if (split_attachments(&r, json_string_value(v)) != 0)
                    rc = fail(errbuf, errlen, "out of memory");
            } else if (json_string_length(v) > 0) {
                r.values[c] = strdup(json_string_value(v));
                if (!r.values[c])
                    rc = fail(errbuf, errlen, "out of memory");
            }
        }
        json_decref(o);
        if (rc == 0)
            rc = check_required(&r, columns, required, errbuf, errlen);
        if (rc == 0 && push_row(out, &r) != 0)
            rc = fail(errbuf, errlen, "line %zu: too many rows", line);
        if (rc) {
            row_free(&r, ncols);
            cli_rows_free(out);
            return -1;
        }
        p = next;
    }
    if (out->count == 0)
        return fail(errbuf, errlen, "the input has no rows");
    return 0;
}

int cli_rows_parse(const char *data, size_t len, cli_rows_format format, const char *const *columns,
                   const char *const *required, cli_rows *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (format == CLI_ROWS_CSV)
        return parse_csv(data, len, columns, required, out, errbuf, errlen);
    return parse_jsonl(data, len, columns, required, out, errbuf, errlen);
}

int cli_rows_read(const char *path, const char *const *columns, const char *const *required,
                  cli_rows *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return fail(errbuf, errlen, "%s: cannot open", path);
    size_t cap = 65536, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = cap > (1u << 30) ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int read_error = ferror(f);
    if (!is_stdin)
        fclose(f);
    if (read_error) {
        /* A read error must not pass for a shorter file. */
        free(buf);
        return fail(errbuf, errlen, "%s: read error", path);
    }
    if (!buf)
        return fail(errbuf, errlen, "%s: too large or out of memory", path);
    size_t pl = strlen(path);
    cli_rows_format fmt =
        pl > 4 && strcmp(path + pl - 4, ".csv") == 0 ? CLI_ROWS_CSV : CLI_ROWS_JSONL;
    int rc = cli_rows_parse(buf, len, fmt, columns, required, out, errbuf, errlen);
    free(buf);
    return rc;
}
