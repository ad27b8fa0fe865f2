/* SPDX-License-Identifier: MIT */
/*
 * rows.h: the reader of the CLI's input files (campaign messages, bulk sends): CSV with a
 * header row, or JSON lines. Pure parsing from bytes to rows, fuzzed by
 * fuzz/fuzz_rows.c; the commands map rows to the library's parameter structs.
 */
#ifndef LOOPMSG_CLI_ROWS_H
#define LOOPMSG_CLI_ROWS_H

#include <stddef.h>

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

/* Index of a column name in `columns`, or -1. */
int cli_rows_column(const char *const *columns, const char *name);

#endif
