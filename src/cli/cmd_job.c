/* SPDX-License-Identifier: MIT */
/*
 * cmd_job.c: `loopmsg job status NAME --redis URL [--json]`: the counts of a send-bulk job
 * shared through Redis (`send-bulk --redis URL --job NAME`): rows accepted, failed, of
 * unknown outcome, being sent by a live process, and pending; the rate given to the job and
 * the rate observed. Read only.
 */
#include "cli.h"
#include "jsonw.h"

#ifdef LOOPMSG_CLI_WITH_REDIS
#include "job.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { J_REDIS = 256 };

static const char usage[] = "usage: loopmsg job status NAME [--redis URL] [--json]\n"
                            "The counts of the send-bulk job NAME (send-bulk --redis URL --job "
                            "NAME):\n"
                            "total, accepted, failed, unknown, sending, pending, and the rate.\n"
                            "URL: --redis or LOOP_REDIS_URL.\n";

size_t cli_job_verbs(const char *group, const char **out, size_t max)
{
    (void)group;
    static const char *const verbs[] = {"status"};
    size_t n = 0;
    for (; n < max && n < sizeof verbs / sizeof verbs[0]; n++)
        out[n] = verbs[n];
    return n;
}

static int on_opt(int id, const char *arg, void *ud)
{
    if (id != J_REDIS)
        return 1;
    *(const char **)ud = arg;
    return 0;
}

int cli_cmd_job(cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"redis", required_argument, NULL, J_REDIS},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL;
    int first = cli_parse(g, argc, argv, opts, on_opt, &url, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first >= argc || strcmp(argv[first], "status") != 0)
        return cli_usage_error("job", "expected 'status NAME'");
    if (first + 1 >= argc)
        return cli_usage_error("job", "status: expected the job's NAME");
    if (first + 2 < argc)
        return cli_usage_error("job", "unexpected argument '%s'", argv[first + 2]);
    const char *name = argv[first + 1];
#ifndef LOOPMSG_CLI_WITH_REDIS
    (void)name;
    return cli_usage_error("job", "--redis is not available in this build (hiredis was not "
                                  "found when it was built)");
#else
    if (!url && getenv("LOOP_REDIS_URL") && getenv("LOOP_REDIS_URL")[0])
        url = getenv("LOOP_REDIS_URL");
    if (!url)
        return cli_usage_error("job", "--redis URL (or LOOP_REDIS_URL) is required");
    loopmsg__redis_job_counts n;
    char msg[512];
    if (loopmsg__redis_job_status(url, name, &n, msg, sizeof msg) != 0) {
        fprintf(stderr, "loopmsg job: %s\n", msg);
        return CLI_EXIT_ERROR;
    }
    if (!n.exists) {
        fprintf(stderr, "loopmsg job: no job '%s'\n", name);
        return CLI_EXIT_USAGE;
    }
    if (g->json) {
        char rate[32], observed[32];
        snprintf(rate, sizeof rate, "%.1f", n.rate);
        snprintf(observed, sizeof observed, "%.1f", n.observed);
        cli_jw w = CLI_JW_INIT;
        cli_jw_begin(&w, NULL);
        cli_jw_str(&w, "job", name);
        cli_jw_int(&w, "total", (long long)n.total);
        cli_jw_int(&w, "accepted", (long long)n.accepted);
        cli_jw_int(&w, "failed", (long long)n.failed);
        cli_jw_int(&w, "unknown", (long long)n.unknown);
        cli_jw_int(&w, "sending", (long long)n.sending);
        cli_jw_int(&w, "pending", (long long)n.pending);
        cli_jw_raw(&w, ",\"rate\":", 8);
        cli_jw_raw(&w, rate, strlen(rate));
        cli_jw_raw(&w, ",\"observed_rate\":", 17);
        cli_jw_raw(&w, observed, strlen(observed));
        cli_jw_end(&w);
        cli_jw_raw(&w, "\n", 1);
        if (loopmsg__buf_ok(&w.out))
            fwrite(w.out.ptr, 1, w.out.len, stdout);
        cli_jw_clear(&w);
    } else {
        printf("job:       %s\n", name);
        printf("total:     %zu\n", n.total);
        printf("accepted:  %zu\n", n.accepted);
        printf("failed:    %zu\n", n.failed);
        printf("unknown:   %zu\n", n.unknown);
        printf("sending:   %zu\n", n.sending);
        printf("pending:   %zu\n", n.pending);
        if (n.rate > 0)
            printf("rate:      %g/s (the job's --rate)\n", n.rate);
        else
            printf("rate:      unlimited\n");
        printf("observed:  %.1f/s\n", n.observed);
    }
    return CLI_EXIT_OK;
#endif
}
