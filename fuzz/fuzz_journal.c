/* SPDX-License-Identifier: MIT */
/*
 * fuzz_journal.c: send-bulk's journal reader. The first line goes to the header reader;
 * every other line to the row-line reader twice, with and without its fast path: the two
 * must agree on every line (recognised or not, and every field).
 */
#include "cli/journal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    int first = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (first) {
            char fp[32];
            (void)cli_journal_header(p, (size_t)(le - p), fp, sizeof fp);
            first = 0;
        } else {
            cli_jentry a, b;
            int ra = cli_journal_line(p, (size_t)(le - p), &a, 1);
            int rb = cli_journal_line(p, (size_t)(le - p), &b, 0);
            if (ra != rb || a.row != b.row || a.state != b.state || a.api_code != b.api_code ||
                strcmp(a.message_id, b.message_id) != 0)
                abort();
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}
