/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rows.c: the CLI's input-file reader (campaign messages, bulk sends). The first byte
 * picks CSV or JSON lines and the column set; the rest is the file. The same bytes are then
 * read by the streaming reader in small chunks (rows cut at every place): it must give the
 * same rows, or (after the rows before it) fail with the same message.
 */
#include "cli/rows.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_row(const cli_row *a, const cli_row *b, size_t ncols)
{
    if (a->line != b->line || a->attachment_count != b->attachment_count)
        return 0;
    for (size_t c = 0; c < ncols; c++)
        if (!same_str(a->values[c], b->values[c]))
            return 0;
    for (size_t k = 0; k < a->attachment_count; k++)
        if (strcmp(a->attachments[k], b->attachments[k]) != 0)
            return 0;
    return 1;
}

/* The streaming reader over the same bytes, read chunk bytes at a time. */
static void stream_matches(const uint8_t *data, size_t size, cli_rows_format fmt,
                           const char *const *cols, const char *const *required, int parsed,
                           const cli_rows *rows, const char *why, size_t chunk)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    cli_rows_reader *r;
    char swhy[256] = "";
    size_t i = 0;
    int rc = cli_rows_reader_new(&r, f, chunk, fmt, cols, required, swhy, sizeof swhy);
    if (rc == 0) {
        cli_row row;
        while ((rc = cli_rows_reader_next(r, &row, swhy, sizeof swhy)) == 1) {
            size_t ncols = cli_rows_reader_columns(r);
            int ok = parsed != 0 || (i < rows->count && same_row(&row, &rows->rows[i], ncols));
            cli_row_clear(&row, ncols);
            i++;
            if (!ok)
                abort();
        }
        cli_rows_reader_free(r);
    }
    fclose(f);
    if (parsed == 0 && (rc != 0 || i != rows->count))
        abort();
    if (parsed != 0 && (rc == 0 || strcmp(swhy, why) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const campaign_cols[] = {"contact", "text",        "subject",
                                                "effect",  "attachments", NULL};
    static const char *const bulk_cols[] = {"contact",     "text",        "subject", "effect",
                                            "attachments", "passthrough", "sender",  NULL};
    static const char *const required[] = {"contact", "text", NULL};
    if (size < 1)
        return 0;
    cli_rows rows;
    char why[256];
    const char *const *cols = (data[0] & 2) ? bulk_cols : campaign_cols;
    cli_rows_format fmt = (data[0] & 1) ? CLI_ROWS_CSV : CLI_ROWS_JSONL;
    int parsed = cli_rows_parse((const char *)data + 1, size - 1, fmt, cols, required, &rows, why,
                                sizeof why);
    if (size > 1) /* fmemopen refuses an empty buffer */
        stream_matches(data + 1, size - 1, fmt, cols, required, parsed, &rows, why,
                       1u + (data[0] >> 2));
    if (parsed == 0)
        cli_rows_free(&rows);
    return 0;
}
