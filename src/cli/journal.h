/* SPDX-License-Identifier: MIT */
/*
 * journal.h: reading send-bulk's journal lines (JSON lines: a header, then one line per
 * change of a row's state). Pure: bytes to values, fuzzed by fuzz/fuzz_journal.c. Writing
 * them is cmd_bulk.c's, through the JSON writer (jsonw.h).
 */
#ifndef LOOPMSG_CLI_JOURNAL_H
#define LOOPMSG_CLI_JOURNAL_H

#include <stddef.h>

typedef enum {
    CLI_J_NONE = 0,
    CLI_J_SENDING,
    CLI_J_ACCEPTED,
    CLI_J_FAILED,
    CLI_J_UNKNOWN
} cli_jstate;

/* "none", "sending", "accepted", "failed", "unknown". */
extern const char *const cli_jstate_names[];

/* The first line of every journal carries this in "journal". */
#define CLI_JOURNAL_MAGIC "loopmsg send-bulk journal"

typedef struct cli_jentry {
    unsigned long long row; /* 1-based */
    cli_jstate state;       /* never CLI_J_NONE in a row line */
    char message_id[256];   /* "" when the line has none (or one too long to keep) */
    long api_code;          /* 0 when the line has none */
} cli_jentry;

/*
 * A row line: 1 with *out filled, 0 for anything else (a torn line, a line of another
 * shape; the reader ignores those). The lines send-bulk writes,
 * {"row":N,"state":"S"[,"message_id":"M"][,"api_code":C]}, are read without a JSON
 * library (a rerun of a long job reads millions of them); any other spelling is read with
 * jansson, with the same result. fast = 0 uses jansson for every line (the fuzzer compares).
 */
int cli_journal_line(const char *line, size_t len, cli_jentry *out, int fast);

/*
 * The header line: 1 when it is a send-bulk journal's (the magic, or, from journals
 * written before the magic existed, "fingerprint", "file" and "rows"), with its fingerprint
 * copied into fp (fp_size >= 1; "" when it has none); 0 otherwise.
 */
int cli_journal_header(const char *line, size_t len, char *fp, size_t fp_size);

#endif
