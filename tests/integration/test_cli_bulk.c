/* SPDX-License-Identifier: MIT */
/*
 * test_cli_bulk.c: `loopmsg send-bulk` end to end against the in-process emulator: output,
 * validation before the first send, the journal (rerun, kill -9 and resume, unknown
 * outcomes), dry run, Ctrl-C.
 */
#include "test_support.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *write_tmp(const char *name, const char *content)
{
    static char path[8][128];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 128, "/tmp/loopmsg-bulk-%d-%s", (int)getpid(), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return p;
}

/* A CSV of n rows whose texts are "<prefix><row number>", written to a temporary file. */
static const char *write_rows(const char *name, const char *prefix, int n)
{
    char content[16384];
    size_t o = (size_t)snprintf(content, sizeof content, "contact,text\n");
    for (int i = 0; i < n && o < sizeof content; i++)
        o += (size_t)snprintf(content + o, sizeof content - o, "+13231112233,%s%02d\n", prefix, i);
    assert_true(o < sizeof content);
    return write_tmp(name, content);
}

/* A journal path under /tmp that does not exist yet (static buffer, as write_tmp). */
static const char *fresh_journal(const char *name)
{
    static char path[4][128];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 128, "/tmp/loopmsg-bulk-%d-%s.journal", (int)getpid(), name);
    unlink(p);
    return p;
}

/* Queue n scripted answers that take delay_ms each. */
static void script_slow(ts_env *env, int n, unsigned int delay_ms, const char *body)
{
    for (int i = 0; i < n; i++) {
        loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
        a.delay_ms = delay_ms;
        a.body = body;
        ts_script_full(env, &a);
    }
}

static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* How many recorded requests carry this exact text. */
static size_t sent_count(ts_env *env, const char *text)
{
    char needle[128];
    snprintf(needle, sizeof needle, "\"text\":\"%s\"", text);
    size_t n = 0, total = ts_request_count(env);
    for (size_t i = 0; i < total; i++) {
        loopmsg_emulator_request *r = ts_request(env, i);
        if (strstr(r->body, needle))
            n++;
        loopmsg_emulator_request_free(r);
    }
    return n;
}

/* The last state of each row in a journal: states[row - 1], "" for rows never mentioned. */
static void journal_states(const char *path, char (*states)[16], int rows)
{
    for (int i = 0; i < rows; i++)
        states[i][0] = '\0';
    char *j = ts_read_file(path, NULL);
    assert_non_null(j);
    for (char *line = j; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *r = strstr(line, "\"row\":");
        const char *st = strstr(line, "\"state\":\"");
        if (r && st) {
            long row = strtol(r + 6, NULL, 10);
            st += 9;
            size_t n = strcspn(st, "\"");
            assert_true(row >= 1 && row <= rows && n < 16);
            memcpy(states[row - 1], st, n);
            states[row - 1][n] = '\0';
        }
        line = nl ? nl + 1 : NULL;
    }
    free(j);
}

/* After a kill: wait (at most 3 s) until the emulator has recorded a request for every row
 * the journal names. A row is marked "sending" before its bytes leave, so then every request
 * that was in flight has landed, and a count taken now is final. A row marked whose request
 * never left keeps the wait to its deadline, which is harmless: nothing more will come. */
static void wait_marked_rows_recorded(ts_env *env, const char *journal, int rows)
{
    char states[64][16];
    assert_true(rows <= 64);
    journal_states(journal, states, rows);
    size_t marked = 0;
    for (int i = 0; i < rows; i++)
        marked += states[i][0] != '\0';
    uint64_t until = ts_now_ms() + 3000;
    while (ts_request_count(env) < marked && ts_now_ms() < until)
        usleep(10000);
}

/* The summary line on stderr: the sum of its counts and the "of N row(s)" total. */
static void summary_counts(const char *err, size_t *sum, size_t *total)
{
    const char *p = NULL;
    for (const char *q = err; (q = strstr(q, "loopmsg send-bulk: ")) != NULL; q++)
        if (isdigit((unsigned char)q[strlen("loopmsg send-bulk: ")]))
            p = q + strlen("loopmsg send-bulk: ");
    assert_non_null(p);
    const char *of = strstr(p, " of ");
    assert_non_null(of);
    *total = (size_t)strtoul(of + 4, NULL, 10);
    *sum = 0;
    while (p < of) {
        if (isdigit((unsigned char)*p)) {
            char *end;
            unsigned long n = strtoul(p, &end, 10);
            assert_true(n <= *total); /* no count wrapped around */
            *sum += (size_t)n;
            p = end;
        } else {
            p++;
        }
    }
}

static void test_cli_bulk__csv_rows_one_json_line_each(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("a.csv", "contact,text,subject,passthrough\n"
                                       "+13231112233,first,,p1\n"
                                       "ruth@example.org,\"second, with comma\",Hi,\n"
                                       "+13231112244,third,,\n");
    const char *argv[] = {"send-bulk", "--file", f, "--concurrency", "2", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    assert_int_equal(count_lines(cli.out, "\"message_id\""), 3);
    ts_assert_contains(cli.out, "\"row\":2");
    ts_assert_contains(cli.out, "\"contact\":\"ruth@example.org\"");
    ts_assert_contains(cli.err, "3 accepted, 0 failed, 0 unknown, 0 skipped of 3 row(s)");
    assert_int_equal(ts_request_count(env), 3);
    assert_int_equal(sent_count(env, "second, with comma"), 1);
    ts_cli_free(&cli);
    unlink(f);
}

static void test_cli_bulk__bad_row_stops_before_any_send(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("bad.csv", "contact,text,attachments\n"
                                         "+13231112233,ok,\n"
                                         "+13231112233,bad,http://insecure/x.png\n");
    const char *argv[] = {"send-bulk", "--file", f, NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 2);
    ts_assert_contains(cli.err, "line 3: send: attachments[0]: URL must start with https://");
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    const char *j = write_tmp("bad.jsonl", "{\"contact\":\"+13231112233\",\"text\":\"ok\"}\n"
                                           "{\"contact\":\"+13231112233\",\"text\":5}\n");
    const char *argv2[] = {"send-bulk", "--file", j, NULL};
    assert_int_equal(ts_cli_run(&cli, env, argv2, NULL), 2);
    ts_assert_contains(cli.err, "line 2: \"text\" must be a string");
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    unlink(f);
    unlink(j);
}

static void test_cli_bulk__stdin_jsonl_and_dry_run(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("in.jsonl", "{\"contact\":\"+13231112233\",\"text\":\"a\"}\n\n"
                                          "{\"contact\":\"+13231112233\",\"text\":\"b\","
                                          "\"effect\":\"slam\",\"sender\":\"sender-1\"}\n");
    const char *dry[] = {"send-bulk", "--file", "-", "--dry-run", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, dry, f), 0);
    assert_int_equal(count_lines(cli.out, "\"dry_run\":true"), 2);
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    const char *real[] = {"send-bulk", "--file", "-", NULL};
    assert_int_equal(ts_cli_run(&cli, env, real, f), 0);
    assert_int_equal(ts_request_count(env), 2);
    loopmsg_emulator_request *r = ts_request(env, 0);
    loopmsg_emulator_request *r2 = ts_request(env, 1);
    ts_assert_contains(strstr(r->body, "\"b\"") ? r->body : r2->body, "\"effect\":\"slam\"");
    loopmsg_emulator_request_free(r);
    loopmsg_emulator_request_free(r2);
    ts_cli_free(&cli);
    unlink(f);
}

static void test_cli_bulk__journal_rerun_skips_accepted(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("j.csv", "contact,text\n+13231112233,one\n+13231112233,two\n");
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-j.journal", (int)getpid());
    unlink(journal);
    const char *argv[] = {"send-bulk", "--file", f, "--journal", journal, NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 2);
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    assert_int_equal(count_lines(cli.out, "accepted in an earlier run"), 2);
    ts_assert_contains(cli.out, "\"message_id\"");
    assert_int_equal(ts_request_count(env), 2); /* nothing sent again */
    ts_cli_free(&cli);
    /* The journal refuses another file. */
    const char *g = write_tmp("other.csv", "contact,text\n+13231112233,other\n");
    const char *argv2[] = {"send-bulk", "--file", g, "--journal", journal, NULL};
    assert_int_equal(ts_cli_run(&cli, env, argv2, NULL), 2);
    ts_assert_contains(cli.err, "belongs to a different file");
    ts_cli_free(&cli);
    unlink(f);
    unlink(g);
    unlink(journal);
}

static void test_cli_bulk__failed_rows_and_exit_code(void **state)
{
    ts_env *env = *state;
    ts_script(env, 400, "{\"success\":false,\"code\":500,\"message\":\"opted out\"}");
    const char *f = write_tmp("f.csv", "contact,text\n+13231112233,only\n");
    const char *argv[] = {"send-bulk", "--file", f, "--retries", "0", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 3);
    ts_assert_contains(cli.out, "\"api_code\":500");
    ts_cli_free(&cli);
    unlink(f);
}

/* 1020 (sent, reported not delivered) is a failed row, with its code; 1030 (no delivery
 * confirmation, may have been delivered) is a row of unknown outcome, resent only with
 * --resend-unknown. */
static void test_cli_bulk__codes_1020_1030_journal_states(void **state)
{
    ts_env *env = *state;
    const char *f =
        write_tmp("c.csv", "contact,text\n+13231112233,bounced\n+13231112233,unconfirmed\n");
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-c.journal", (int)getpid());
    unlink(journal);
    ts_script(env, 400, "{\"success\":false,\"code\":1020,\"message\":\"Not delivered\"}");
    ts_script(env, 400,
              "{\"success\":false,\"code\":1030,\"message\":\"No delivery confirmation\"}");
    const char *argv[] = {"send-bulk", "--file",        f,   "--journal",
                          journal,     "--concurrency", "1", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    ts_assert_contains(cli.err, "0 accepted, 1 failed, 1 unknown, 0 skipped of 2 row(s)");
    ts_assert_contains(cli.out, "\"api_code\":1020");
    ts_assert_contains(cli.out, "\"api_code\":1030");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 2); /* neither was resent */
    char *j = ts_read_file(journal, NULL);
    assert_non_null(j);
    ts_assert_contains(j, "{\"row\":1,\"state\":\"failed\",\"api_code\":1020}");
    ts_assert_contains(j, "{\"row\":2,\"state\":\"unknown\",\"api_code\":1030}");
    free(j);

    /* A rerun sends the failed row again and leaves the unknown one alone. */
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    ts_assert_contains(cli.err, "1 accepted, 0 failed, 1 unknown, 0 skipped of 2 row(s)");
    assert_int_equal(sent_count(env, "bounced"), 2);
    assert_int_equal(sent_count(env, "unconfirmed"), 1);
    ts_cli_free(&cli);
    const char *argv2[] = {"send-bulk", "--file",           f,   "--journal",
                           journal,     "--resend-unknown", NULL};
    assert_int_equal(ts_cli_run(&cli, env, argv2, NULL), 0);
    assert_int_equal(sent_count(env, "unconfirmed"), 2);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

static void test_cli_bulk__kill9_and_resume_sends_no_row_twice(void **state)
{
    ts_env *env = *state;
    enum { ROWS = 24 };
    const char *f = write_rows("k.csv", "row-", ROWS);
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-k.journal", (int)getpid());
    unlink(journal);
    script_slow(env, ROWS, 150, "{\"message_id\":\"SLOW\"}");
    const char *argv[] = {"send-bulk", "--file",        f,   "--journal",
                          journal,     "--concurrency", "2", NULL};
    ts_cli cli;
    ts_cli_start(&cli, env, argv, NULL, NULL);
    uint64_t until = ts_now_ms() + 20000;
    while (ts_request_count(env) < 8 && ts_now_ms() < until)
        usleep(10000);
    kill(cli.pid, SIGKILL);
    assert_int_equal(ts_cli_wait(&cli, 10000), 128 + SIGKILL);
    ts_cli_free(&cli);
    /* Let requests that were in flight at the kill land, then note what run 1 sent. */
    wait_marked_rows_recorded(env, journal, ROWS);
    size_t first_run = ts_request_count(env);
    assert_true(first_run >= 8 && first_run < ROWS);
    int sent_first[ROWS] = {0};
    for (int i = 0; i < ROWS; i++) {
        char text[16];
        snprintf(text, sizeof text, "row-%02d", i);
        sent_first[i] = (int)sent_count(env, text);
        assert_true(sent_first[i] <= 1);
    }
    loopmsg_emulator_reset(env->emu); /* forget the remaining slow answers */

    /* Resume without --resend-unknown: rows of unknown outcome are reported, not resent. */
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    ts_assert_contains(cli.out, "not resent (see --resend-unknown)");
    size_t unknown = count_lines(cli.out, "not resent (see --resend-unknown)");
    size_t skipped = count_lines(cli.out, "accepted in an earlier run");
    size_t sent_now = ts_request_count(env);
    assert_int_equal(unknown + skipped + sent_now, ROWS);
    assert_true(unknown <= 2 + 2); /* at most the window that was in flight */
    ts_cli_free(&cli);
    /* No row went out twice across both runs (the emulator log since the reset holds only
     * the second run; rows accepted or in flight in the first run are not among them). */
    size_t total_second = ts_request_count(env);
    for (int i = 0; i < ROWS; i++) {
        char text[16];
        snprintf(text, sizeof text, "row-%02d", i);
        /* Sent once across both runs, or (in flight at the kill) not yet resent. */
        assert_true(sent_first[i] + (int)sent_count(env, text) <= 1);
    }
    /* With --resend-unknown the rest goes out, and then every row has an outcome. */
    const char *argv2[] = {"send-bulk", "--file",           f,   "--journal",
                           journal,     "--resend-unknown", NULL};
    assert_int_equal(ts_cli_run(&cli, env, argv2, NULL), 0);
    assert_int_equal(ts_request_count(env) - total_second, unknown);
    assert_int_equal(count_lines(cli.out, "accepted in an earlier run"), ROWS - unknown);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

/* A run that died in the middle of a journal line leaves a torn last line. The next run must
 * not glue its first line onto it: that line (the "sending" mark of a resent row) would be
 * unreadable, and a run killed after the send would resend the row without
 * --resend-unknown. */
static void test_cli_bulk__torn_journal_line_does_not_swallow_the_next_mark(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("torn.csv", "contact,text\n+13231112233,torn-row\n");
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-torn.journal", (int)getpid());
    unlink(journal);
    /* Run 1: the row fails for good (nothing delivered): a rerun sends it again. */
    ts_script(env, 400, "{\"success\":false,\"code\":500,\"message\":\"opted out\"}");
    const char *argv[] = {"send-bulk", "--file", f, "--journal", journal, "--retries", "0", NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 3);
    ts_cli_free(&cli);
    /* The torn tail of a killed run. */
    FILE *jf = fopen(journal, "a");
    assert_non_null(jf);
    fputs("{\"row\":1,\"sta", jf);
    fclose(jf);
    /* Run 2 resends the row and is killed while the request is in flight. */
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    a.delay_ms = 3000;
    a.body = "{\"message_id\":\"SLOW\"}";
    ts_script_full(env, &a);
    ts_cli_start(&cli, env, argv, NULL, NULL);
    uint64_t until = ts_now_ms() + 20000;
    while (ts_request_count(env) < 2 && ts_now_ms() < until)
        usleep(10000);
    assert_int_equal(ts_request_count(env), 2);
    kill(cli.pid, SIGKILL);
    assert_int_equal(ts_cli_wait(&cli, 10000), 128 + SIGKILL);
    ts_cli_free(&cli);
    loopmsg_emulator_reset(env->emu);
    /* Run 3: the row's outcome is unknown; it is reported, not sent a third time. */
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    ts_assert_contains(cli.out, "not resent (see --resend-unknown)");
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

/* --journal naming a file that is not a journal (a typo, the input file itself) must not
 * append to it, nor treat every row as never sent. */
static void test_cli_bulk__journal_that_is_not_a_journal_is_refused(void **state)
{
    ts_env *env = *state;
    const char *content = "contact,text\n+13231112233,not-a-journal\n";
    const char *f = write_tmp("nj.csv", content);
    const char *argv[] = {"send-bulk", "--file", f, "--journal", f, NULL};
    ts_cli cli;
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 2);
    ts_assert_contains(cli.err, "is not a send-bulk journal");
    ts_cli_free(&cli);
    assert_int_equal(ts_request_count(env), 0);
    char *after = ts_read_file(f, NULL);
    assert_non_null(after);
    assert_string_equal(after, content);
    free(after);
    unlink(f);
}

/* A journal that cannot be written (disk full) stops the run before the row is sent; that is
 * an error (exit 1), not an interruption (130). The file size limit of the child makes the
 * first "sending" mark after the header a short write. */
static void test_cli_bulk__journal_write_failure_is_an_error_not_an_interrupt(void **state)
{
    ts_env *env = *state;
    const char *f = write_tmp("full.csv", "contact,text\n+13231112233,full-disk\n");
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-full.journal", (int)getpid());
    unlink(journal);
    const char *argv[] = {"send-bulk", "--file", f, "--journal", journal, NULL};
    /* The header line: {"journal":"loopmsg send-bulk journal","fingerprint":"<16 hex>",
     * "file":"<f>","rows":1} and a newline. */
    size_t header = strlen("{\"journal\":\"loopmsg send-bulk journal\",\"fingerprint\":\"\","
                           "\"file\":\"\",\"rows\":1}\n") +
                    16 + strlen(f);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)(header + 10);
    void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN); /* inherited: write() fails with EFBIG */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ts_cli cli;
    ts_cli_start(&cli, env, argv, NULL, NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_xfsz);
    assert_int_equal(ts_cli_wait(&cli, 20000), 1);
    ts_assert_contains(cli.err, "journal write failed");
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

static void test_cli_bulk__sigint_finishes_in_flight_and_exits_130(void **state)
{
    ts_env *env = *state;
    const char *f = write_rows("int.csv", "int-", 30);
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-int.journal", (int)getpid());
    unlink(journal);
    script_slow(env, 30, 200, "{\"message_id\":\"M\"}");
    const char *argv[] = {"send-bulk", "--file",        f,   "--journal",
                          journal,     "--concurrency", "2", NULL};
    ts_cli cli;
    ts_cli_start(&cli, env, argv, NULL, NULL);
    uint64_t until = ts_now_ms() + 20000;
    while (ts_request_count(env) < 4 && ts_now_ms() < until)
        usleep(10000);
    kill(cli.pid, SIGINT);
    assert_int_equal(ts_cli_wait(&cli, 20000), 130);
    ts_assert_contains(cli.err, "(interrupted)");
    size_t lines = count_lines(cli.out, "\"row\":");
    /* Rows never started are counted too: the summary adds up to the rows. */
    size_t sum, total;
    summary_counts(cli.err, &sum, &total);
    assert_int_equal(total, 30);
    assert_int_equal(sum, 30);
    ts_cli_free(&cli);
    /* Every request that left got its outcome in the journal: no "sending" without one. */
    char *j = ts_read_file(journal, NULL);
    assert_non_null(j);
    size_t outcomes = count_lines(j, "\"state\":\"accepted\"") +
                      count_lines(j, "\"state\":\"failed\"") +
                      count_lines(j, "\"state\":\"unknown\"");
    char states[30][16];
    journal_states(journal, states, 30);
    for (int i = 0; i < 30; i++)
        assert_string_not_equal(states[i], "sending");
    assert_int_equal(lines, outcomes);
    assert_true(outcomes < 30);
    free(j);
    unlink(f);
    unlink(journal);
}

static void test_cli_bulk__second_sigint_exits_at_once_journal_stays_safe(void **state)
{
    ts_env *env = *state;
    const char *f =
        write_tmp("int2.csv", "contact,text\n+13231112233,slow-a\n+13231112233,slow-b\n");
    char journal[128];
    snprintf(journal, sizeof journal, "/tmp/loopmsg-bulk-%d-int2.journal", (int)getpid());
    unlink(journal);
    script_slow(env, 2, 3000, "{\"message_id\":\"M\"}");
    const char *argv[] = {"send-bulk", "--file", f, "--journal", journal, NULL};
    ts_cli cli;
    ts_cli_start(&cli, env, argv, NULL, NULL);
    uint64_t until = ts_now_ms() + 20000;
    while (ts_request_count(env) < 2 && ts_now_ms() < until)
        usleep(10000);
    uint64_t t0 = ts_now_ms();
    kill(cli.pid, SIGINT);
    /* The second Ctrl-C once the first has been taken: two pending are only one. */
    assert_true(ts_signal_taken(cli.pid, SIGINT, 10000));
    kill(cli.pid, SIGINT);
    assert_int_equal(ts_cli_wait(&cli, 20000), 130);
    assert_true(ts_now_ms() - t0 < 2500 || ts_slow()); /* did not wait the 3 s answers out */
    ts_cli_free(&cli);
    loopmsg_emulator_reset(env->emu);
    /* Both rows were in flight: a rerun reports them unknown and sends nothing. */
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    assert_int_equal(count_lines(cli.out, "not resent (see --resend-unknown)"), 2);
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

/* Two runs started at once on one journal: one holds the lock for the whole run, the other
 * exits 2 naming it, and no row is sent twice. */
static void test_cli_bulk__two_runs_on_one_journal_send_each_row_once(void **state)
{
    ts_env *env = *state;
    enum { ROWS = 20 };
    const char *f = write_rows("lock.csv", "lock-", ROWS);
    const char *journal = fresh_journal("lock");
    script_slow(env, ROWS, 100, "{\"message_id\":\"L\"}");
    const char *argv[] = {"send-bulk", "--file",        f,   "--journal",
                          journal,     "--concurrency", "2", NULL};
    ts_cli a, b;
    ts_cli_start(&a, env, argv, NULL, NULL);
    ts_cli_start(&b, env, argv, NULL, NULL);
    int ra = ts_cli_wait(&a, 30000);
    int rb = ts_cli_wait(&b, 30000);
    assert_int_equal(ts_request_count(env), ROWS);
    for (int i = 0; i < ROWS; i++) {
        char text[16];
        snprintf(text, sizeof text, "lock-%02d", i);
        assert_int_equal(sent_count(env, text), 1);
    }
    assert_true((ra == 0 && rb == 2) || (ra == 2 && rb == 0));
    ts_cli *winner = ra == 0 ? &a : &b, *loser = ra == 0 ? &b : &a;
    char holder[32];
    snprintf(holder, sizeof holder, "pid %d", winner->pid);
    ts_assert_contains(loser->err, "is in use by another send-bulk run");
    ts_assert_contains(loser->err, holder);
    assert_string_equal(loser->out, "");
    ts_cli_free(&a);
    ts_cli_free(&b);
    unlink(f);
    unlink(journal);
}

/* A row is marked "sending" when its request is about to leave, not when it is handed to the
 * engine: after kill -9 the rows marked are exactly those the server saw, at most the
 * concurrency. A rerun reports them unknown and its summary adds up to the rows. */
static void test_cli_bulk__kill9_marks_only_requests_on_the_wire(void **state)
{
    ts_env *env = *state;
    enum { ROWS = 200, CONC = 32 };
    const char *f = write_rows("wire.csv", "wire-", ROWS);
    const char *journal = fresh_journal("wire");
    script_slow(env, 2 * CONC, 20000, "{\"message_id\":\"W\"}");
    const char *argv[] = {"send-bulk", "--file",        f,    "--journal",
                          journal,     "--concurrency", "32", NULL};
    ts_cli cli;
    ts_cli_start(&cli, env, argv, NULL, NULL);
    uint64_t until = ts_now_ms() + 20000;
    while (ts_request_count(env) < CONC && ts_now_ms() < until)
        usleep(10000);
    assert_int_equal(ts_request_count(env), CONC);
    kill(cli.pid, SIGKILL);
    assert_int_equal(ts_cli_wait(&cli, 10000), 128 + SIGKILL);
    ts_cli_free(&cli);
    static char states[ROWS][16];
    journal_states(journal, states, ROWS);
    size_t marked = 0;
    for (int i = 0; i < ROWS; i++) {
        if (strcmp(states[i], "sending") != 0) {
            assert_string_equal(states[i], "");
            continue;
        }
        char text[16];
        snprintf(text, sizeof text, "wire-%02d", i);
        assert_int_equal(sent_count(env, text), 1);
        marked++;
    }
    /* No fewer either: every request that reached the server had its mark first. */
    assert_int_equal(marked, ts_request_count(env));
    assert_true(marked <= CONC);
    loopmsg_emulator_reset(env->emu);

    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 5);
    assert_int_equal(count_lines(cli.out, "not resent (see --resend-unknown)"), marked);
    assert_int_equal(ts_request_count(env), ROWS - marked);
    size_t sum, total;
    summary_counts(cli.err, &sum, &total);
    assert_int_equal(total, ROWS);
    assert_int_equal(sum, ROWS);
    ts_cli_free(&cli);
    unlink(f);
    unlink(journal);
}

/* Run send-bulk with --journal j and expect a usage error naming `why`; nothing is sent. */
static void expect_journal_refused(ts_env *env, const char *j, const char *why, int drop_root)
{
    const char *f = write_tmp("jr.csv", "contact,text\n+13231112233,refused\n");
    const char *argv[] = {"send-bulk", "--file", f, "--journal", j, NULL};
    ts_cli_opts o = {0};
    o.drop_root = drop_root;
    ts_cli cli;
    ts_cli_start_ex(&cli, env, argv, &o);
    assert_int_equal(ts_cli_wait(&cli, 20000), 2);
    ts_assert_contains(cli.err, j);
    ts_assert_contains(cli.err, why);
    assert_int_equal(ts_request_count(env), 0);
    ts_cli_free(&cli);
    unlink(f);
}

/* A one-line file without a final newline looks like a torn journal line, but it is not
 * ours: it is left byte for byte as it was. */
static void test_cli_bulk__journal_one_line_without_newline_is_left_alone(void **state)
{
    ts_env *env = *state;
    const char *content = "my notes, do not lose them";
    const char *j = write_tmp("notes.txt", content);
    expect_journal_refused(env, j, "is not a send-bulk journal", 0);
    size_t len = 0;
    char *after = ts_read_file(j, &len);
    assert_non_null(after);
    assert_int_equal(len, strlen(content));
    assert_memory_equal(after, content, len);
    free(after);
    unlink(j);
}

static void test_cli_bulk__journal_directory_is_a_usage_error(void **state)
{
    ts_env *env = *state;
    char dir[128];
    snprintf(dir, sizeof dir, "/tmp/loopmsg-bulk-%d-jdir", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    expect_journal_refused(env, dir, "Is a directory", 0);
    assert_int_equal(rmdir(dir), 0); /* still empty */
}

static void test_cli_bulk__journal_missing_parent_is_a_usage_error(void **state)
{
    ts_env *env = *state;
    char path[160];
    snprintf(path, sizeof path, "/tmp/loopmsg-bulk-%d-nodir/run.journal", (int)getpid());
    expect_journal_refused(env, path, "No such file or directory", 0);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
}

/* A file we may write but not read is never taken for a new journal and appended to. */
static void test_cli_bulk__journal_unreadable_is_refused_with_the_reason(void **state)
{
    ts_env *env = *state;
    const char *content = "precious\n";
    const char *j = write_tmp("wo.journal", content);
    if (geteuid() == 0) /* the CLI runs as nobody: the file must be nobody's, write-only */
        assert_int_equal(chown(j, 65534, 65534), 0);
    assert_int_equal(chmod(j, 0200), 0);
    expect_journal_refused(env, j, "Permission denied", 1);
    assert_int_equal(chmod(j, 0600), 0);
    char *after = ts_read_file(j, NULL);
    assert_non_null(after);
    assert_string_equal(after, content);
    free(after);
    unlink(j);
}

static void test_cli_bulk__rate_paces_the_run(void **state)
{
    ts_env *env = *state;
    const char *f = write_rows("rate.csv", "r", 12);
    const char *argv[] = {"send-bulk", "--file", f, "--rate", "10", "--concurrency", "8", NULL};
    ts_cli cli;
    uint64_t t0 = ts_now_ms();
    assert_int_equal(ts_cli_run(&cli, env, argv, NULL), 0);
    uint64_t took = ts_now_ms() - t0;
    /* A burst of 10, then 2 more at 10/s: at least ~200 ms. */
    assert_true(took >= 150);
    assert_int_equal(ts_request_count(env), 12);
    ts_cli_free(&cli);
    unlink(f);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cli_bulk__csv_rows_one_json_line_each),
        T(test_cli_bulk__bad_row_stops_before_any_send),
        T(test_cli_bulk__stdin_jsonl_and_dry_run),
        T(test_cli_bulk__journal_rerun_skips_accepted),
        T(test_cli_bulk__failed_rows_and_exit_code),
        T(test_cli_bulk__codes_1020_1030_journal_states),
        T(test_cli_bulk__kill9_and_resume_sends_no_row_twice),
        T(test_cli_bulk__torn_journal_line_does_not_swallow_the_next_mark),
        T(test_cli_bulk__journal_that_is_not_a_journal_is_refused),
        T(test_cli_bulk__journal_write_failure_is_an_error_not_an_interrupt),
        T(test_cli_bulk__sigint_finishes_in_flight_and_exits_130),
        T(test_cli_bulk__second_sigint_exits_at_once_journal_stays_safe),
        T(test_cli_bulk__rate_paces_the_run),
        T(test_cli_bulk__two_runs_on_one_journal_send_each_row_once),
        T(test_cli_bulk__kill9_marks_only_requests_on_the_wire),
        T(test_cli_bulk__journal_one_line_without_newline_is_left_alone),
        T(test_cli_bulk__journal_directory_is_a_usage_error),
        T(test_cli_bulk__journal_missing_parent_is_a_usage_error),
        T(test_cli_bulk__journal_unreadable_is_refused_with_the_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
