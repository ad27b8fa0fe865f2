/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rows.c: the CLI's input-file reader (campaign messages, bulk sends). The first byte
 * picks CSV or JSON lines and the column set; the rest is the file.
 */
#include "cli/rows.h"

#include <stdint.h>

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
    if (cli_rows_parse((const char *)data + 1, size - 1,
                       (data[0] & 1) ? CLI_ROWS_CSV : CLI_ROWS_JSONL, cols, required, &rows, why,
                       sizeof why) == 0)
        cli_rows_free(&rows);
    return 0;
}
