/* SPDX-License-Identifier: MIT */
/*
 * send_bulk: `loopmsg send-bulk` on N rows with C in flight next to the library's
 * asynchronous API sending the same N messages, in the same run and against the same
 * canned-answer server (tests/support/canned_server.c, a thread of this process that answers
 * every request at once, so that the client side is what is measured). Each side is its own
 * process: the library in a child (bench_in_child), the CLI through fork/exec; peak RSS of
 * each from wait4. The CLI's time is the whole process: both passes over the file, the
 * journal, the output. Runs: the library, send-bulk (no journal), with --journal, and with
 * --journal --durable (the journal in the current directory's file system unless
 * --journal-dir says otherwise), each ROUNDS times: the best time and the least CPU time
 * (user + system, a figure the machine's load moves less) of each, and its largest peak RSS.
 *
 * usage: send_bulk LOOPMSG_BINARY [N] [C] [--rounds R] [--journal-dir DIR]
 */
#include "bench_util.h"
#include "canned_server.h"

#include <fcntl.h>
#include <loopmsg.h>
#include <string.h>

static const char *url;
static long n = 500000, conc = 64;

/* The library: the same messages as the CSV's rows ("r<i>" to +13231112233), C in flight and
 * C more queued (as send-bulk without a journal). */
static void run_library(void *arg, bench_result *r)
{
    (void)arg;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "test-key";
    o.base_url = url;
    o.max_concurrent = (unsigned int)conc;
    loopmsg_client *c = NULL;
    if (loopmsg_client_new(&o, &c, NULL) != LOOPMSG_OK)
        return;
    lib_state s = {r, 0};
    double t0 = bench_now();
    long submitted = 0;
    char text[32];
    while (submitted < n || s.in_flight) {
        while (submitted < n && s.in_flight < conc * 2) {
            loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
            p.contact = "+13231112233";
            snprintf(text, sizeof text, "r%ld", submitted);
            p.text = text;
            submitted++;
            if (loopmsg_message_send_async(c, &p, on_sent, &s, NULL, NULL) != LOOPMSG_OK) {
                r->failed++;
                continue;
            }
            s.in_flight++;
        }
        if (loopmsg_client_poll(c, 100) < 0)
            break;
    }
    r->seconds = bench_now() - t0;
    loopmsg_client_free(c);
}

/* The CLI as a process: seconds from fork to exit, peak RSS; -1 if it did not exit 0. */
static int run_cli(const char *bin, const char *const *args, bench_result *r)
{
    char key[] = "LOOP_API_KEY=test-key", base[128];
    snprintf(base, sizeof base, "LOOP_BASE_URL=%s", url);
    char *envp[] = {key, base, "PATH=/usr/bin:/bin", NULL};
    const char *argv[16];
    size_t na = 0;
    argv[na++] = bin;
    for (size_t i = 0; args[i] && na < 15; i++)
        argv[na++] = args[i];
    argv[na] = NULL;
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execve(bin, (char *const *)argv, envp);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    r->seconds = bench_now() - t0;
    r->peak_rss_kb = ru.ru_maxrss;
    r->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r->ok = n;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The shortest time, the least CPU, the largest peak RSS of the rounds. */
static void keep_best(bench_result *best, const bench_result *r)
{
    if (best->seconds == 0) {
        *best = *r;
        return;
    }
    if (r->seconds < best->seconds)
        best->seconds = r->seconds;
    if (r->cpu_seconds < best->cpu_seconds)
        best->cpu_seconds = r->cpu_seconds;
    if (r->peak_rss_kb > best->peak_rss_kb)
        best->peak_rss_kb = r->peak_rss_kb;
}

int main(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}, *jdir = ".";
    int np = 0, rounds = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--journal-dir") == 0 && i + 1 < argc)
            jdir = argv[++i];
        else if (np < 3)
            pos[np++] = argv[i];
    }
    if (!pos[0] || rounds < 1) {
        fprintf(stderr, "usage: %s LOOPMSG_BINARY [N] [C] [--rounds R] [--journal-dir DIR]\n",
                argv[0]);
        return 2;
    }
    const char *bin = pos[0];
    if (pos[1])
        n = strtol(pos[1], NULL, 10);
    if (pos[2])
        conc = strtol(pos[2], NULL, 10);
    char file[4096], journal[4096], cs[16];
    snprintf(file, sizeof file, "%s/loopmsg-bench-bulk-%d.csv", jdir, (int)getpid());
    snprintf(journal, sizeof journal, "%s/loopmsg-bench-bulk-%d.journal", jdir, (int)getpid());
    snprintf(cs, sizeof cs, "%ld", conc);
    FILE *f = fopen(file, "w");
    if (!f) {
        perror(file);
        return 1;
    }
    fputs("contact,text\n", f);
    for (long i = 0; i < n; i++)
        fprintf(f, "+13231112233,r%ld\n", i);
    if (fclose(f) != 0)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ts_canned *srv = ts_canned_start((size_t)n);
    if (!srv)
        return 1;
    url = ts_canned_url(srv);
    const char *plain[] = {"send-bulk", "--file", file, "--quiet", "--concurrency", cs, NULL};
    const char *journaled[] = {"send-bulk", "--file",        file, "--quiet", "--journal",
                               journal,     "--concurrency", cs,   NULL};
    const char *durable[] = {"send-bulk", "--file",        file, "--quiet",   "--journal",
                             journal,     "--concurrency", cs,   "--durable", NULL};
    bench_result lib = {0}, cli = {0}, jcli = {0}, dcli = {0}, r;
    int bad = 0;
    for (int k = 0; k < rounds; k++) {
        memset(&r, 0, sizeof r);
        if (bench_in_child(run_library, NULL, &r) != 0 || r.ok != n)
            bad = 1;
        keep_best(&lib, &r);
        memset(&r, 0, sizeof r);
        bad |= run_cli(bin, plain, &r) != 0;
        keep_best(&cli, &r);
        unlink(journal);
        memset(&r, 0, sizeof r);
        bad |= run_cli(bin, journaled, &r) != 0;
        keep_best(&jcli, &r);
        unlink(journal);
        memset(&r, 0, sizeof r);
        bad |= run_cli(bin, durable, &r) != 0;
        keep_best(&dcli, &r);
        unlink(journal);
    }
    size_t served = ts_canned_requests(srv);
    ts_canned_stop(srv);
    unlink(file);
    if (bad || served != (size_t)n * 4 * (size_t)rounds) {
        fprintf(stderr, "send_bulk: a run failed (%zu requests answered)\n", served);
        return 1;
    }
    printf("%ld rows, %ld in flight, best of %d round(s)\n", n, conc, rounds);
    printf("%-29s %10s %9s %12s %14s\n", "", "rows/s", "x library", "peak RSS kB", "CPU us / row");
    const struct {
        const char *name;
        bench_result *r;
    } rows[] = {{"library (async API)", &lib},
                {"send-bulk", &cli},
                {"send-bulk --journal", &jcli},
                {"send-bulk --journal --durable", &dcli}};
    double base = (double)n / lib.seconds;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double rate = (double)n / rows[i].r->seconds;
        printf("%-29s %10.0f %9.2f %12ld %14.1f\n", rows[i].name, rate, rate / base,
               rows[i].r->peak_rss_kb, rows[i].r->cpu_seconds * 1e6 / (double)n);
    }
    printf("--durable / --journal: %.2f; --durable / send-bulk: %.2f\n",
           jcli.seconds / dcli.seconds, cli.seconds / dcli.seconds);
    curl_global_cleanup();
    return 0;
}
