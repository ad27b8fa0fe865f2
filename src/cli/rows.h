/* SPDX-License-Identifier: MIT */
/*
 * rows.h: the reader of the CLI's input files (campaign messages, bulk sends): CSV with a
 * header row, or JSON lines. Pure parsing from bytes to rows, fuzzed by
 * fuzz/fuzz_rows.c; the commands map rows to the library's parameter structs.
 */
#ifndef LOOPMSG_CLI_ROWS_H
#define LOOPMSG_CLI_ROWS_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_row {
    size_t line;        /* 1-based line where the row starts */
    char **values;      /* one per column of the reader's `columns`; NULL = not set */
    char **attachments; /* parsed from the "attachments" column */
    size_t attachment_count;
} cli_row;

typedef struct cli_rows {
    cli_row *rows;
    size_t count;
    size_t column_count;
} cli_rows;

typedef enum { CLI_ROWS_CSV, CLI_ROWS_JSONL } cli_rows_format;

/*
 * Parse `data` into rows. `columns` (NULL-terminated) are the accepted column names, in the
 * order of cli_row.values; `required` (NULL-terminated) must be present (and non-empty) in
 * every row. The column "attachments" (if accepted) is parsed into the attachments list:
 * space-separated in CSV, an array of strings (or one space-separated string) in JSON lines.
 * An empty CSV cell means "not set"; blank lines are skipped. On error returns -1 with a
 * message naming the line in errbuf and leaves *out empty.
 */
int cli_rows_parse(const char *data, size_t len, cli_rows_format format, const char *const *columns,
                   const char *const *required, cli_rows *out, char *errbuf, size_t errlen);

/* Read a file ("-" = standard input, JSON lines) and parse it; the format comes from the
 * extension (.csv -> CSV, anything else -> JSON lines). */
int cli_rows_read(const char *path, const char *const *columns, const char *const *required,
                  cli_rows *out, char *errbuf, size_t errlen);

void cli_rows_free(cli_rows *rows);

/* CSV for a name ending in ".csv", JSON lines for anything else ("-" included). */
cli_rows_format cli_rows_format_of(const char *path);

/*
 * A streaming reader: one row at a time from a file read in chunks, so memory is one chunk
 * plus the longest row (at most 8 MiB), whatever the number of rows. The rows and errors are
 * those of cli_rows_parse over the same bytes (which is this reader over memory). The
 * reader does not own f; f must be seekable for cli_rows_reader_rewind. chunk_bytes: the
 * read size (0 = 64 KiB; the fuzzer uses small ones to cut rows at every byte).
 */
typedef struct cli_rows_reader cli_rows_reader;

/* Reads the CSV header (or a JSON lines byte order mark). -1 with a message on error. */
int cli_rows_reader_new(cli_rows_reader **out, FILE *f, size_t chunk_bytes, cli_rows_format format,
                        const char *const *columns, const char *const *required, char *errbuf,
                        size_t errlen);

/* The next row into *row (free it with cli_row_clear): 1, or 0 at the end, or -1 with a
 * message naming the line. An input without rows is an error, as in cli_rows_parse. */
int cli_rows_reader_next(cli_rows_reader *r, cli_row *row, char *errbuf, size_t errlen);

/* Back to the first row (the file is read again from its start). */
int cli_rows_reader_rewind(cli_rows_reader *r, char *errbuf, size_t errlen);

/* The number of values in each row (the reader's columns). */
size_t cli_rows_reader_columns(const cli_rows_reader *r);

void cli_rows_reader_free(cli_rows_reader *r);

/* Free what a row holds; accepts a zeroed row. */
void cli_row_clear(cli_row *row, size_t column_count);

/* Index of a column name in `columns`, or -1. */
int cli_rows_column(const char *const *columns, const char *name);

#endif
