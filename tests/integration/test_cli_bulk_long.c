/* SPDX-License-Identifier: MIT */
/*
 * test_cli_bulk_long.c: `loopmsg send-bulk` at size, against a canned-answer server
 * (tests/support/canned_server.c), labelled "long": a million rows answered exactly once in
 * flat memory, and kill -9 at seeded random moments of a journaled run (with and without
 * --durable), each followed by a rerun. Nothing here is timed: a run is killed by the canned
 * server when it has read a seeded number of requests, not after a delay.
 */
#include "canned_server.h"
#include "test_support.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* A CSV of n rows, the text of row i (0-based) is "r<i>". */
static void write_rows(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("contact,text\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "+13231112233,r%zu\n", i);
    assert_int_equal(fclose(f), 0);
}

/* A fresh CSV of n rows and a journal path that does not exist, named after tag and this
 * process; the canned server that counts those rows. */
static ts_canned *setup(const char *tag, size_t n, char file[96], char journal[96])
{
    snprintf(file, 96, "/tmp/loopmsg-bulk-%s-%d.csv", tag, (int)getpid());
    snprintf(journal, 96, "/tmp/loopmsg-bulk-%s-%d.journal", tag, (int)getpid());
    unlink(journal);
    write_rows(file, n);
    ts_canned *srv = ts_canned_start(n);
    assert_non_null(srv);
    return srv;
}

static int run_bulk(ts_cli *cli, ts_canned *srv, const char *const *argv)
{
    ts_cli_opts o = {0};
    o.base_url = ts_canned_url(srv);
    ts_cli_start_ex(cli, NULL, argv, &o);
    return ts_cli_wait(cli, 900 * 1000);
}

/* A million rows (100,000 under ASan, whose CLI is several times slower): each answered
 * exactly once, peak RSS under 24 MB (not measured under ASan: its shadow memory and
 * quarantine are most of the process). The rerun of the finished job sends nothing. */
static void test_cli_bulk_long__million_rows_once_each_in_flat_memory(void **state)
{
    (void)state;
    /* Under valgrind (ts_slow) the canned server in this process is the bottleneck. */
    size_t rows = ts_slow() ? 20000 : SANITIZED ? 100000 : 1000000;
    const char *env_rows = getenv("LOOPMSG_TEST_BULK_ROWS");
    if (env_rows)
        rows = (size_t)strtoul(env_rows, NULL, 10);
    char file[96], journal[96];
    ts_canned *srv = setup("long", rows, file, journal);
    const char *argv[] = {"send-bulk", "--file",        file, "--journal", journal,
                          "--quiet",   "--concurrency", "64", NULL};
    ts_cli cli;
    assert_int_equal(run_bulk(&cli, srv, argv), 0);
    char want[96];
    snprintf(want, sizeof want, "%zu accepted, 0 failed, 0 unknown, 0 skipped of %zu row(s)", rows,
             rows);
    ts_assert_contains(cli.err, want);
    assert_string_equal(cli.out, "");
    print_message("send-bulk: %zu rows in %llu ms, peak RSS %ld kB\n", rows,
                  (unsigned long long)cli.elapsed_ms, cli.maxrss_kb);
    /* Not under valgrind either: Linux keeps a process's peak RSS across exec, so the child
     * forked from a valgrind process starts with valgrind's peak. */
    if (!SANITIZED && !ts_slow())
        assert_true(cli.maxrss_kb < 24 * 1024);
    ts_cli_free(&cli);
    assert_int_equal(ts_canned_requests(srv), rows);
    for (size_t i = 0; i < rows; i++)
        if (ts_canned_count(srv, i) != 1)
            fail_msg("row %zu answered %u times", i, ts_canned_count(srv, i));

    /* The rerun reads the journal (two lines a row) and sends nothing. */
    assert_int_equal(run_bulk(&cli, srv, argv), 0);
    snprintf(want, sizeof want, "0 accepted, 0 failed, 0 unknown, %zu skipped of %zu row(s)", rows,
             rows);
    ts_assert_contains(cli.err, want);
    print_message("rerun of the finished job: %llu ms, peak RSS %ld kB\n",
                  (unsigned long long)cli.elapsed_ms, cli.maxrss_kb);
    ts_cli_free(&cli);
    assert_int_equal(ts_canned_requests(srv), rows);
    ts_canned_stop(srv);
    unlink(file);
    unlink(journal);
}

/* kill -9 at ten seeded random moments (the server's count of requests read), each kill
 * followed by the next run on the same journal: no row is sent twice without
 * --resend-unknown; after a final run with it, none is missing, and the rows sent twice are at
 * most the rows marked unknown. */
static void kill9_at_random_moments(const char *durable)
{
    enum { ROWS = 3000, KILLS = 10 };
    char file[96], journal[96];
    ts_canned *srv = setup("kill", ROWS, file, journal);
    const char *args[12];
    int na = 0;
    args[na++] = "send-bulk";
    args[na++] = "--file";
    args[na++] = file;
    args[na++] = "--journal";
    args[na++] = journal;
    args[na++] = "--quiet";
    args[na++] = "--concurrency";
    args[na++] = "16";
    if (durable)
        args[na++] = durable;
    args[na] = NULL;
    srand(11);
    int kills = 0;
    for (int k = 0; k < KILLS; k++) {
        size_t before = ts_canned_requests(srv);
        ts_cli cli;
        ts_cli_opts o = {0};
        o.base_url = ts_canned_url(srv);
        ts_cli_start_ex(&cli, NULL, args, &o);
        /* Killed by the server when it has read a seeded number of this run's requests
         * (at most ROWS / (KILLS + 2), so that every run has that many rows left to send):
         * the moment falls in the sending whatever the machine's speed, and nothing waits
         * on a clock. */
        size_t target = before + 1 + (size_t)(rand() % (ROWS / (KILLS + 2)));
        if (ts_canned_kill_at(srv, target, cli.pid))
            kill(cli.pid, SIGKILL);
        int rc = ts_cli_wait(&cli, 600 * 1000);
        if (rc != 128 + SIGKILL)
            fail_msg("run %d ended with %d before its kill at request %zu (%zu read)", k + 1, rc,
                     target, ts_canned_requests(srv));
        kills++;
        ts_cli_free(&cli);
        for (size_t i = 0; i < ROWS; i++)
            if (ts_canned_count(srv, i) > 1)
                fail_msg("after kill %d: row %zu sent %u times", k + 1, i, ts_canned_count(srv, i));
    }
    /* A rerun finishes; rows of unknown outcome are reported, not sent. */
    ts_cli cli;
    int rc = run_bulk(&cli, srv, args);
    assert_true(rc == 0 || rc == 5);
    ts_cli_free(&cli);
    size_t missing = 0;
    for (size_t i = 0; i < ROWS; i++) {
        assert_true(ts_canned_count(srv, i) <= 1);
        missing += ts_canned_count(srv, i) == 0;
    }
    /* Rows marked in a group whose requests had not left yet at the kill are unknown too. */
    assert_true(missing <= (size_t)KILLS * 16);
    /* --resend-unknown sends the unknown rows again: every row has an outcome. */
    args[na++] = "--resend-unknown";
    args[na] = NULL;
    assert_int_equal(run_bulk(&cli, srv, args), 0);
    size_t twice = 0;
    for (size_t i = 0; i < ROWS; i++) {
        assert_true(ts_canned_count(srv, i) >= 1 && ts_canned_count(srv, i) <= 2);
        twice += ts_canned_count(srv, i) == 2;
    }
    assert_true(twice <= (size_t)KILLS * 16); /* at most the window at each kill */
    print_message("%d kills%s: %zu rows unknown and not sent, %zu sent twice on request\n", kills,
                  durable ? " (--durable)" : "", missing, twice);
    ts_cli_free(&cli);
    ts_canned_stop(srv);
    unlink(file);
    unlink(journal);
}

static void test_cli_bulk_long__kill9_at_random_moments_then_rerun(void **state)
{
    (void)state;
    kill9_at_random_moments(NULL);
}

static void test_cli_bulk_long__kill9_at_random_moments_then_rerun_durable(void **state)
{
    (void)state;
    kill9_at_random_moments("--durable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_bulk_long__kill9_at_random_moments_then_rerun),
        cmocka_unit_test(test_cli_bulk_long__kill9_at_random_moments_then_rerun_durable),
        cmocka_unit_test(test_cli_bulk_long__million_rows_once_each_in_flat_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
