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

/* ---- the streaming reader ---------------------------------------------------------------- */

#define READ_CHUNK 65536u
#define MAX_RECORD (8u << 20) /* one row, in a file read in chunks */

struct cli_rows_reader {
    const char *const *columns;
    const char *const *required;
    cli_rows_format format;
    size_t ncols;
    int attach_col;
    FILE *f;                     /* NULL: the whole input is data[0, len) (the caller's bytes) */
    char *buf;                   /* the window of a file */
    const char *data;            /* buf, or the caller's bytes */
    size_t cap, pos, len, chunk; /* the bytes not consumed yet are data[pos, len) */
    int eof;
    size_t line; /* CSV: the line where the next record starts; JSON lines: lines read */
    size_t rows; /* rows returned since the start (or the last rewind) */
    size_t nh;   /* CSV: fields of the header */
    int map[MAX_COLUMNS + 1];
};

/* Keep the unconsumed bytes, read more after them. -1: read error, -2: a row too long. */
static int fill(cli_rows_reader *r)
{
    if (!r->f) {
        r->eof = 1;
        return 0;
    }
    size_t keep = r->len - r->pos;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, keep);
        r->pos = 0;
        r->len = keep;
    }
    if (r->cap - r->len < r->chunk) {
        if (keep >= MAX_RECORD)
            return -2;
        size_t cap = r->cap ? r->cap * 2 : r->chunk;
        while (cap - r->len < r->chunk)
            cap *= 2;
        char *nb = realloc(r->buf, cap);
        if (!nb)
            return -1;
        r->buf = nb;
        r->cap = cap;
    }
    r->data = r->buf;
    size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
    r->len += n;
    if (n == 0) {
        if (ferror(r->f))
            return -1;
        r->eof = 1;
    }
    return 0;
}

/* Where the record at pos ends (exclusive): 1 found, 0 more bytes needed, -1 end of input.
 * A CSV record ends at a line break outside quotes; a quote toggles (a doubled quote twice),
 * so the scan agrees with csv_record on every well-formed record and, on a malformed one,
 * hands csv_record enough to report it. */
static int record_end(const cli_rows_reader *r, size_t *end)
{
    const char *d = r->data;
    if (r->pos >= r->len)
        return r->eof ? -1 : 0;
    if (r->format == CLI_ROWS_JSONL) {
        const char *nl = memchr(d + r->pos, '\n', r->len - r->pos);
        if (nl) {
            *end = (size_t)(nl - d) + 1;
            return 1;
        }
    } else {
        int q = 0;
        for (size_t i = r->pos; i < r->len; i++) {
            char c = d[i];
            if (c == '"') {
                q = !q;
            } else if (!q && c == '\n') {
                *end = i + 1;
                return 1;
            } else if (!q && c == '\r') {
                if (i + 1 < r->len) {
                    *end = i + 1 + (d[i + 1] == '\n');
                    return 1;
                }
                if (!r->eof)
                    return 0;
                *end = i + 1;
                return 1;
            }
        }
    }
    if (!r->eof)
        return 0;
    *end = r->len;
    return 1;
}

/* The next record: 1 with data[pos, *end), 0 at the end of input, -1 on error. */
static int next_record(cli_rows_reader *r, size_t *end, char *errbuf, size_t errlen)
{
    for (;;) {
        int rc = record_end(r, end);
        if (rc == 1)
            return 1;
        if (rc == -1)
            return 0;
        rc = fill(r);
        if (rc == -2)
            return fail(errbuf, errlen,
                        "line %zu: a row longer than %u MiB (an unterminated quoted field?)",
                        r->line + (r->format == CLI_ROWS_JSONL), MAX_RECORD >> 20);
        if (rc < 0)
            return fail(errbuf, errlen, "read error");
    }
}

/* At the start of the input: skip a UTF-8 byte order mark, read the CSV header. */
static int start(cli_rows_reader *r, char *errbuf, size_t errlen)
{
    r->line = r->format == CLI_ROWS_CSV ? 1 : 0;
    r->rows = 0;
    while (r->len - r->pos < 3 && !r->eof)
        if (fill(r) != 0)
            return fail(errbuf, errlen, "read error");
    if (r->len - r->pos >= 3 && memcmp(r->data + r->pos, "\xEF\xBB\xBF", 3) == 0)
        r->pos += 3;
    if (r->format != CLI_ROWS_CSV)
        return 0;
    char **hdr = NULL;
    size_t nh = 0, hline, nul_field, end; /* blank lines may come before the header */
    int rc;
    do {
        free_fields(hdr, nh);
        hdr = NULL;
        nh = 0;
        hline = r->line;
        rc = next_record(r, &end, errbuf, errlen);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return fail(errbuf, errlen, "the file is empty: a header row is required");
        csv_state s = {r->data + r->pos, r->data + end, r->line};
        rc = csv_record(&s, &hdr, &nh, &nul_field, errbuf, errlen);
        r->pos = (size_t)(s.p - r->data);
        r->line = s.line;
        if (rc == -2)
            return fail(errbuf, errlen, "line %zu: the header contains a NUL byte", hline);
        if (rc < 0)
            return -1;
    } while (nh == 1 && hdr[0][0] == '\0');
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
        r->map[i] = cli_rows_column(r->columns, h);
        if (r->map[i] < 0) {
            fail(errbuf, errlen, "line %zu: unknown column \"%.40s\"", hline, h);
            free_fields(hdr, nh);
            return -1;
        }
        for (size_t k = 0; k < i; k++)
            if (r->map[k] == r->map[i]) {
                fail(errbuf, errlen, "line %zu: column \"%.40s\" appears twice", hline, h);
                free_fields(hdr, nh);
                return -1;
            }
    }
    free_fields(hdr, nh);
    for (size_t k = 0; r->required && r->required[k]; k++) {
        int c = cli_rows_column(r->columns, r->required[k]);
        int found = 0;
        for (size_t i = 0; i < nh; i++)
            if (r->map[i] == c)
                found = 1;
        if (!found)
            return fail(errbuf, errlen, "line %zu: the header has no \"%s\" column", hline,
                        r->required[k]);
    }
    r->nh = nh;
    return 0;
}

static int next_csv(cli_rows_reader *r, cli_row *out, char *errbuf, size_t errlen)
{
    for (;;) {
        size_t line = r->line, end, nul_field;
        int rc = next_record(r, &end, errbuf, errlen);
        if (rc <= 0)
            return rc;
        char **f;
        size_t nf;
        csv_state s = {r->data + r->pos, r->data + end, r->line};
        rc = csv_record(&s, &f, &nf, &nul_field, errbuf, errlen);
        r->pos = (size_t)(s.p - r->data);
        r->line = s.line;
        if (rc == -2) {
            if (nul_field < r->nh)
                return fail(errbuf, errlen, "line %zu: \"%s\" contains a NUL byte", line,
                            r->columns[r->map[nul_field]]);
            return fail(errbuf, errlen, "line %zu: field %zu contains a NUL byte", line,
                        nul_field + 1);
        }
        if (rc < 0)
            return -1;
        if (rc == 0) /* csv_record saw no bytes: cannot happen after a record was found */
            return 0;
        if (nf == 1 && f[0][0] == '\0') {
            free_fields(f, nf);
            continue;
        }
        if (nf != r->nh) {
            free_fields(f, nf);
            return fail(errbuf, errlen, "line %zu: %zu fields, the header has %zu", line, nf,
                        r->nh);
        }
        cli_row row = {line, calloc(r->ncols ? r->ncols : 1, sizeof(char *)), NULL, 0};
        int ok = row.values != NULL;
        for (size_t i = 0; i < nf; i++) {
            if (!ok || f[i][0] == '\0') {
                free(f[i]);
                continue; /* empty cell: not set */
            }
            if (r->map[i] == r->attach_col) {
                ok = split_attachments(&row, f[i]) == 0;
                free(f[i]);
            } else {
                row.values[r->map[i]] = f[i];
            }
        }
        free(f);
        if (!ok || check_required(&row, r->columns, r->required, errbuf, errlen) != 0) {
            if (!ok)
                fail(errbuf, errlen, "out of memory");
            row_free(&row, r->ncols);
            return -1;
        }
        *out = row;
        return 1;
    }
}

static int next_jsonl(cli_rows_reader *r, cli_row *out, char *errbuf, size_t errlen)
{
    for (;;) {
        size_t end;
        int rc = next_record(r, &end, errbuf, errlen);
        if (rc <= 0)
            return rc;
        size_t line = ++r->line;
        const char *p = r->data + r->pos, *le = r->data + end;
        r->pos = end;
        if (le > p && le[-1] == '\n')
            le--;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q == le)
            continue; /* blank line */
        json_error_t je;
        json_t *o = json_loadb(p, (size_t)(le - p), JSON_REJECT_DUPLICATES, &je);
        if (!o)
            return fail(errbuf, errlen, "line %zu: invalid JSON: %s", line, je.text);
        if (!json_is_object(o)) {
            json_decref(o);
            return fail(errbuf, errlen, "line %zu: expected a JSON object", line);
        }
        cli_row row = {line, calloc(r->ncols ? r->ncols : 1, sizeof(char *)), NULL, 0};
        const char *key;
        json_t *v;
        rc = row.values ? 0 : fail(errbuf, errlen, "out of memory");
        json_object_foreach(o, key, v)
        {
            if (rc)
                break;
            int c = cli_rows_column(r->columns, key);
            if (c < 0) {
                rc = fail(errbuf, errlen, "line %zu: unknown field \"%.40s\"", line, key);
            } else if (json_is_null(v)) {
                continue;
            } else if (c == r->attach_col && json_is_array(v)) {
                size_t i;
                json_t *a;
                json_array_foreach(v, i, a)
                {
                    if (!json_is_string(a)) {
                        rc = fail(errbuf, errlen, "line %zu: attachments must be strings", line);
                        break;
                    }
                    if (split_attachments(&row, json_string_value(a)) != 0) {
                        rc = fail(errbuf, errlen, "out of memory");
                        break;
                    }
                }
            } else if (!json_is_string(v)) {
                rc = fail(errbuf, errlen, "line %zu: \"%.40s\" must be a string", line, key);
            } else if (c == r->attach_col) {
                if (split_attachments(&row, json_string_value(v)) != 0)
                    rc = fail(errbuf, errlen, "out of memory");
            } else if (json_string_length(v) > 0) {
                row.values[c] = strdup(json_string_value(v));
                if (!row.values[c])
                    rc = fail(errbuf, errlen, "out of memory");
            }
        }
        json_decref(o);
        if (rc == 0)
            rc = check_required(&row, r->columns, r->required, errbuf, errlen);
        if (rc) {
            row_free(&row, r->ncols);
            return -1;
        }
        *out = row;
        return 1;
    }
}

static int reader_new(cli_rows_reader **out, FILE *f, const char *data, size_t len, size_t chunk,
                      cli_rows_format format, const char *const *columns,
                      const char *const *required, char *errbuf, size_t errlen)
{
    *out = NULL;
    cli_rows_reader *r = calloc(1, sizeof *r);
    if (!r)
        return fail(errbuf, errlen, "out of memory");
    r->columns = columns;
    r->required = required;
    r->format = format;
    r->ncols = count_columns(columns);
    r->attach_col = cli_rows_column(columns, "attachments");
    r->f = f;
    r->data = data;
    r->len = f ? 0 : len;
    r->eof = f == NULL;
    r->chunk = chunk ? chunk : READ_CHUNK;
    if (start(r, errbuf, errlen) != 0) {
        cli_rows_reader_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

int cli_rows_reader_new(cli_rows_reader **out, FILE *f, size_t chunk_bytes, cli_rows_format format,
                        const char *const *columns, const char *const *required, char *errbuf,
                        size_t errlen)
{
    return reader_new(out, f, NULL, 0, chunk_bytes, format, columns, required, errbuf, errlen);
}

int cli_rows_reader_next(cli_rows_reader *r, cli_row *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (r->rows >= MAX_ROWS)
        return fail(errbuf, errlen, "line %zu: too many rows", r->line);
    int rc = r->format == CLI_ROWS_CSV ? next_csv(r, out, errbuf, errlen)
                                       : next_jsonl(r, out, errbuf, errlen);
    if (rc == 1)
        r->rows++;
    if (rc == 0 && r->rows == 0)
        return fail(errbuf, errlen,
                    r->format == CLI_ROWS_CSV ? "the file has a header but no rows"
                                              : "the input has no rows");
    return rc;
}

int cli_rows_reader_rewind(cli_rows_reader *r, char *errbuf, size_t errlen)
{
    r->pos = 0;
    if (r->f) {
        if (fseek(r->f, 0, SEEK_SET) != 0)
            return fail(errbuf, errlen, "cannot read the input again");
        clearerr(r->f);
        r->len = 0;
        r->eof = 0;
    }
    return start(r, errbuf, errlen);
}

size_t cli_rows_reader_columns(const cli_rows_reader *r)
{
    return r->ncols;
}

void cli_rows_reader_free(cli_rows_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

void cli_row_clear(cli_row *row, size_t column_count)
{
    if (row)
        row_free(row, column_count);
}

/* Every row into out, then the reader is freed. */
static int read_all_rows(cli_rows_reader *r, cli_rows *out, char *errbuf, size_t errlen)
{
    out->column_count = r->ncols;
    int rc;
    cli_row row;
    while ((rc = cli_rows_reader_next(r, &row, errbuf, errlen)) == 1)
        if (push_row(out, &row) != 0) {
            row_free(&row, r->ncols);
            rc = fail(errbuf, errlen, "line %zu: too many rows", row.line);
            break;
        }
    cli_rows_reader_free(r);
    if (rc < 0) {
        cli_rows_free(out);
        return -1;
    }
    return 0;
}
int cli_rows_parse(const char *data, size_t len, cli_rows_format format, const char *const *columns,
                   const char *const *required, cli_rows *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    cli_rows_reader *r;
    if (reader_new(&r, NULL, data, len, 0, format, columns, required, errbuf, errlen) != 0)
        return -1;
    return read_all_rows(r, out, errbuf, errlen);
}

cli_rows_format cli_rows_format_of(const char *path)
{
    size_t pl = strlen(path);
    return pl > 4 && strcmp(path + pl - 4, ".csv") == 0 ? CLI_ROWS_CSV : CLI_ROWS_JSONL;
}

int cli_rows_read(const char *path, const char *const *columns, const char *const *required,
                  cli_rows *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return fail(errbuf, errlen, "%s: cannot open", path);
    cli_rows_reader *r;
    int rc =
        cli_rows_reader_new(&r, f, 0, cli_rows_format_of(path), columns, required, errbuf, errlen);
    if (rc == 0)
        rc = read_all_rows(r, out, errbuf, errlen);
    if (!is_stdin)
        fclose(f);
    return rc;
}
