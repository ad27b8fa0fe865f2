/* SPDX-License-Identifier: MIT */
/*
 * test_redis_jobs.c: `loopmsg send-bulk --redis URL --job NAME` as several processes
 * ($LOOPMSG_CLI) sharing one job in a real redis-server (tests/support/redis_support.c),
 * against the canned-answer server (tests/support/canned_server.c), which counts the requests
 * of every row: three processes, one killed with kill -9 at a seeded request and started
 * again, send no row twice without --resend-unknown and miss none after it; --rate is the
 * rate of the whole job (measured from the server's first and last request); a job refuses
 * another file; `loopmsg job status`. Skips without redis-server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "canned_server.h"
#include "redis_support.h"
#include "test_support.h"

typedef struct fixture {
    rs_fixture rs; /* the server and the scratch directory */
    char file[128];
} fixture;

static int setup(void **state)
{
    fixture *f = rs_fixture_new(state, sizeof *f, "loopmsg-rjob");
    if (f)
        snprintf(f->file, sizeof f->file, "%s/rows.csv", f->rs.dir);
    return 0;
}

static int teardown(void **state)
{
    rs_fixture_free(*state);
    return 0;
}

/* A CSV of n rows, the text of row i (0-based) is "r<i>" (what the canned server counts);
 * tag changes the file's content (and so its fingerprint) without changing the rows' texts. */
static void write_rows(const char *path, size_t n, const char *tag)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("contact,text,passthrough\n", fp);
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "+13231112233,r%zu,%s\n", i, tag);
    assert_int_equal(fclose(fp), 0);
}

/* Start `send-bulk --file F --redis URL --job NAME --quiet` with more arguments. */
static void start_bulk(ts_cli *cli, fixture *f, ts_canned *srv, const char *job,
                       const char *const *more)
{
    const char *args[24];
    int n = 0;
    args[n++] = "send-bulk";
    args[n++] = "--file";
    args[n++] = f->file;
    args[n++] = "--redis";
    args[n++] = f->rs.redis.url;
    args[n++] = "--job";
    args[n++] = job;
    args[n++] = "--quiet";
    for (; more && *more && n < 23; more++)
        args[n++] = *more;
    args[n] = NULL;
    /* A process is taken for dead 1 s after its last word to Redis (10 s by default): the
     * others take its rows back sooner. */
    static const char *const env[] = {"LOOPMSG_JOB_LEASE_MS=1000", NULL};
    ts_cli_opts o = {0};
    o.base_url = ts_canned_url(srv);
    o.extra_env = env;
    ts_cli_start_ex(cli, NULL, args, &o);
}

static int run_job_cmd(fixture *f, const char *const *argv, char **out)
{
    ts_cli cli;
    ts_cli_opts o = {0};
    o.base_url = "http://127.0.0.1:9";
    const char *args[16];
    int n = 0;
    for (; argv[n] && n < 12; n++)
        args[n] = argv[n];
    args[n++] = "--redis";
    args[n++] = f->rs.redis.url;
    args[n] = NULL;
    ts_cli_start_ex(&cli, NULL, args, &o);
    int rc = ts_cli_wait(&cli, 60 * 1000);
    if (out)
        *out = strdup(cli.out);
    ts_cli_free(&cli);
    return rc;
}

static void test_redis_jobs__another_file_refused_and_usage(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    ts_canned *srv = ts_canned_start(20);
    assert_non_null(srv);
    write_rows(f->file, 20, "a");
    ts_cli cli;
    start_bulk(&cli, f, srv, "j1", NULL);
    assert_int_equal(ts_cli_wait(&cli, 120 * 1000), 0);
    ts_cli_free(&cli);
    assert_int_equal(ts_canned_requests(srv), 20);

    /* The same rows, another file: refused before anything is sent. */
    write_rows(f->file, 20, "b");
    start_bulk(&cli, f, srv, "j1", NULL);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 2);
    assert_non_null(strstr(cli.err, "belongs to another file"));
    ts_cli_free(&cli);
    const char *const dry[] = {"--dry-run", NULL};
    start_bulk(&cli, f, srv, "j1", dry);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 2);
    ts_cli_free(&cli);
    assert_int_equal(ts_canned_requests(srv), 20);

    /* The first file again: every row accepted already, nothing sent. */
    write_rows(f->file, 20, "a");
    start_bulk(&cli, f, srv, "j1", NULL);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 0);
    assert_non_null(
        strstr(cli.err, "job j1: 20 accepted, 0 failed, 0 unknown, 0 sending, 0 pending"));
    ts_cli_free(&cli);
    assert_int_equal(ts_canned_requests(srv), 20);

    /* job status, plain, with the URL from LOOP_REDIS_URL; an unknown job. */
    char env_url[160];
    snprintf(env_url, sizeof env_url, "LOOP_REDIS_URL=%s", f->rs.redis.url);
    const char *const env[] = {env_url, NULL};
    const char *const st[] = {"job", "status", "j1", NULL};
    ts_cli_opts eo = {0};
    eo.base_url = ts_canned_url(srv);
    eo.extra_env = env;
    ts_cli_start_ex(&cli, NULL, st, &eo);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 0);
    assert_non_null(strstr(cli.out, "total:     20\n"));
    assert_non_null(strstr(cli.out, "accepted:  20\n"));
    assert_non_null(strstr(cli.out, "pending:   0\n"));
    ts_cli_free(&cli);
    const char *const none[] = {"job", "status", "nosuchjob", NULL};
    ts_cli_start_ex(&cli, NULL, none, &eo);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 2);
    ts_cli_free(&cli);

    /* Usage errors. */
    const char *const no_job[] = {"send-bulk", "--file", f->file, "--redis", f->rs.redis.url, NULL};
    ts_cli_opts o = {0};
    o.base_url = ts_canned_url(srv);
    ts_cli_start_ex(&cli, NULL, no_job, &o);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 2);
    assert_non_null(strstr(cli.err, "--job"));
    ts_cli_free(&cli);
    const char *const both[] = {"send-bulk", "--file", f->file,   "--job",         "x",
                                "--journal", "/tmp/x", "--redis", f->rs.redis.url, NULL};
    ts_cli_start_ex(&cli, NULL, both, &o);
    assert_int_equal(ts_cli_wait(&cli, 60 * 1000), 2);
    ts_cli_free(&cli);
    ts_canned_stop(srv);
}

/* 10,000 rows (2,000 under valgrind, where the canned server in this process is slow), three
 * processes; the first is killed by the server when it has read a seeded number of requests,
 * and started again. */
static void test_redis_jobs__three_processes_one_killed_no_row_twice(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    const size_t ROWS = ts_slow() ? 2000 : 10000;
    ts_canned *srv = ts_canned_start(ROWS);
    assert_non_null(srv);
    write_rows(f->file, ROWS, "k");
    const char *const conc[] = {"--concurrency", "8", NULL};
    ts_cli p[4];
    for (int i = 0; i < 3; i++)
        start_bulk(&p[i], f, srv, "big", conc);
    srand(13);
    size_t target = 100 + (size_t)(rand() % 400);
    if (ts_canned_kill_at(srv, target, p[0].pid))
        kill(p[0].pid, SIGKILL);
    int rc0 = ts_cli_wait(&p[0], 600 * 1000);
    if (rc0 != 128 + SIGKILL)
        fail_msg("the first process ended with %d before its kill at request %zu", rc0, target);
    ts_cli_free(&p[0]);
    start_bulk(&p[3], f, srv, "big", conc);
    for (int i = 1; i < 4; i++) {
        int rc = ts_cli_wait(&p[i], 600 * 1000);
        if (rc != 0 && rc != 5)
            fail_msg("process %d ended with %d: %s", i, rc, p[i].err);
        ts_cli_free(&p[i]);
    }
    size_t missing = 0;
    for (size_t i = 0; i < ROWS; i++) {
        if (ts_canned_count(srv, i) > 1)
            fail_msg("row %zu sent %u times", i, ts_canned_count(srv, i));
        missing += ts_canned_count(srv, i) == 0;
    }
    /* Only rows marked "sending" by the killed process can be missing (at most its
     * --concurrency: the window), and they are unknown. Rows answered whose outcome the
     * killed process had not written yet are unknown too (as with --journal). */
    char *out = NULL;
    const char *const st[] = {"job", "status", "big", "--json", NULL};
    assert_int_equal(run_job_cmd(f, st, &out), 0);
    print_message("after the kill: %zu row(s) missing; status %s", missing, out);
    char total[32];
    snprintf(total, sizeof total, "\"total\":%zu", ROWS);
    assert_non_null(strstr(out, total));
    assert_non_null(strstr(out, "\"pending\":0"));
    assert_non_null(strstr(out, "\"sending\":0"));
    unsigned long unknown = 0;
    const char *u = strstr(out, "\"unknown\":");
    assert_non_null(u);
    unknown = strtoul(u + 10, NULL, 10);
    free(out);
    assert_true(missing <= unknown);
    assert_true(missing <= 8);

    /* A rerun reports them and sends nothing. */
    ts_cli again;
    start_bulk(&again, f, srv, "big", conc);
    int rc = ts_cli_wait(&again, 600 * 1000);
    assert_int_equal(rc, unknown ? 5 : 0);
    ts_cli_free(&again);
    for (size_t i = 0; i < ROWS; i++)
        assert_true(ts_canned_count(srv, i) <= 1);

    /* --resend-unknown sends them: none missing, at most the unknown ones twice. */
    const char *const resend[] = {"--resend-unknown", NULL};
    start_bulk(&again, f, srv, "big", resend);
    assert_int_equal(ts_cli_wait(&again, 600 * 1000), 0);
    ts_cli_free(&again);
    size_t twice = 0;
    for (size_t i = 0; i < ROWS; i++) {
        assert_true(ts_canned_count(srv, i) >= 1 && ts_canned_count(srv, i) <= 2);
        twice += ts_canned_count(srv, i) == 2;
    }
    assert_true(twice <= unknown);
    ts_canned_stop(srv);
}

/* --rate 200 across three processes: the job's rate, measured from the server's first and
 * last request. */
static void test_redis_jobs__rate_shared_by_three_processes(void **state)
{
    fixture *f = *state;
    SKIP_WITHOUT_REDIS(f);
    enum { ROWS = 1000 };
    ts_canned *srv = ts_canned_start(ROWS);
    assert_non_null(srv);
    write_rows(f->file, ROWS, "rate");
    const char *const more[] = {"--rate", "200", "--concurrency", "16", NULL};
    ts_cli p[3];
    for (int i = 0; i < 3; i++)
        start_bulk(&p[i], f, srv, "paced", more);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ts_cli_wait(&p[i], 600 * 1000), 0);
        ts_cli_free(&p[i]);
    }
    assert_int_equal(ts_canned_requests(srv), ROWS);
    unsigned long long first, last;
    ts_canned_span(srv, &first, &last);
    double rate = (double)(ROWS - 1) * 1e6 / (double)(last - first);
    print_message("measured rate: %.1f/s\n", rate);
    assert_true(rate >= 180.0 && rate <= 220.0);
    ts_canned_stop(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_redis_jobs__another_file_refused_and_usage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_redis_jobs__three_processes_one_killed_no_row_twice,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_redis_jobs__rate_shared_by_three_processes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
