/* SPDX-License-Identifier: MIT */
/*
 * cmd_consume.c: `loopmsg consume`, the other half of `listen --redis`: reads the Redis stream
 * with a consumer group (libloopmsg_redis) and runs --exec CMD for each event exactly as
 * `listen --exec` does (exec.c), acknowledging an entry only after CMD exited 0. SIGINT or
 * SIGTERM: finish the commands running, acknowledge them, exit 0; a second one kills them and
 * exits 130 (their entries stay pending and are claimed by another consumer). Uses only the
 * public headers.
 */
#include "cli.h"
#include "exec.h"

#ifdef LOOPMSG_CLI_WITH_REDIS
#include <loopmsg/redis.h>
#endif

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    O_REDIS = 256,
    O_STREAM,
    O_GROUP,
    O_CONSUMER,
    O_EXEC,
    O_EXEC_TIMEOUT,
    O_WORKERS,
    O_MAX_ATTEMPTS,
    O_CLAIM_IDLE,
};

#define DEFAULT_EXEC_TIMEOUT_S 30

static const struct option consume_opts[] = {
    {"redis", required_argument, NULL, O_REDIS},
    {"stream", required_argument, NULL, O_STREAM},
    {"group", required_argument, NULL, O_GROUP},
    {"consumer", required_argument, NULL, O_CONSUMER},
    {"exec", required_argument, NULL, O_EXEC},
    {"exec-timeout", required_argument, NULL, O_EXEC_TIMEOUT},
    {"workers", required_argument, NULL, O_WORKERS},
    {"max-attempts", required_argument, NULL, O_MAX_ATTEMPTS},
    {"claim-idle", required_argument, NULL, O_CLAIM_IDLE},
    {NULL, 0, NULL, 0},
};

static const char usage[] =
    "usage: loopmsg consume [--redis URL] --group NAME --exec CMD [options]\n"
    "\n"
    "Handle the webhooks that 'loopmsg listen --redis' stored in a Redis stream, with a\n"
    "consumer group: run as many consumers as you like, on any machines; each event goes to\n"
    "one of them.\n"
    "\n"
    "  --redis URL            redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH;\n"
    "                         default $LOOP_REDIS_URL, which keeps a password out of 'ps'\n"
    "  --stream KEY           the stream (default loopmsg:webhooks)\n"
    "  --group NAME           the consumer group (created if missing)\n"
    "  --consumer NAME        this consumer's name in the group (default HOST:PID); reuse it\n"
    "                         after a restart to take back its pending events at once\n"
    "  --exec CMD             run CMD with /bin/sh -c for each event, as 'listen --exec'\n"
    "                         does: the payload on its stdin, LOOP_EVENT and LOOP_WEBHOOK_ID\n"
    "                         in its environment (without the CLI's secrets and\n"
    "                         LOOP_REDIS_URL), its stdout sent to stderr. The event is\n"
    "                         acknowledged when CMD exits 0\n"
    "  --exec-timeout S       kill CMD after S seconds; the attempt failed (default 30)\n"
    "  --workers N            run N commands at once (default 1)\n"
    "  --max-attempts N       attempts of an event before it goes to the stream KEY:dead\n"
    "                         with its last error (default 5); the delay between attempts\n"
    "                         starts at --retry-delay (default 1000 ms) and doubles\n"
    "  --claim-idle S         take over events pending for S seconds in a consumer that\n"
    "                         died (default 60; keep it above --exec-timeout)\n"
    "\n"
    "The first Ctrl-C or SIGTERM lets the running commands finish, acknowledges them and\n"
    "exits 0; a second one kills them and exits 130 (their events are claimed later).\n"
    "\n"
    "Example:\n"
    "  loopmsg consume --redis redis://127.0.0.1 --group handlers --exec ./handle.sh\n";

typedef struct consume_args {
    const char *redis, *stream, *group, *consumer, *exec;
    long exec_timeout_s, workers, max_attempts, claim_idle_s;
} consume_args;

static int on_opt(int id, const char *arg, void *ud)
{
    consume_args *a = ud;
    switch (id) {
    case O_REDIS:
        a->redis = arg;
        return 0;
    case O_STREAM:
        if (!arg[0])
            return cli_usage_error("consume", "--stream: must not be empty");
        a->stream = arg;
        return 0;
    case O_GROUP:
        if (!arg[0])
            return cli_usage_error("consume", "--group: must not be empty");
        a->group = arg;
        return 0;
    case O_CONSUMER:
        if (!arg[0] || strlen(arg) > 200)
            return cli_usage_error("consume", "--consumer: 1..200 characters");
        a->consumer = arg;
        return 0;
    case O_EXEC:
        a->exec = arg;
        return 0;
    case O_EXEC_TIMEOUT:
        if (cli_parse_long(arg, 1, 86400, &a->exec_timeout_s) != 0)
            return cli_usage_error("consume", "--exec-timeout: expected seconds (1..86400)");
        return 0;
    case O_WORKERS:
        if (cli_parse_long(arg, 1, 256, &a->workers) != 0)
            return cli_usage_error("consume", "--workers: expected 1..256");
        return 0;
    case O_MAX_ATTEMPTS:
        if (cli_parse_long(arg, 1, 1000, &a->max_attempts) != 0)
            return cli_usage_error("consume", "--max-attempts: expected 1..1000");
        return 0;
    case O_CLAIM_IDLE:
        if (cli_parse_long(arg, 1, 86400, &a->claim_idle_s) != 0)
            return cli_usage_error("consume", "--claim-idle: expected seconds (1..86400)");
        return 0;
    default:
        return 1;
    }
}

#ifdef LOOPMSG_CLI_WITH_REDIS

static int on_event(const loopmsg_webhook_event *ev, void *user_data)
{
    return cli_exec_run(user_data, ev);
}

static void log_line(loopmsg_log_level level, const char *line, void *user_data)
{
    (void)level;
    (void)user_data;
    fprintf(stderr, "loopmsg consume: %s\n", line);
    fflush(stderr);
}

typedef struct runner {
    loopmsg_redis_consumer *c;
    loopmsg_status st;
    loopmsg_error err;
} runner;

static void *run_main(void *arg)
{
    runner *r = arg;
    r->st = loopmsg_redis_consumer_run(r->c, &r->err);
    /* Wake the main thread's sigwait() when the run ends by itself (it cannot start). */
    kill(getpid(), SIGUSR1);
    return NULL;
}

static int consume(cli_globals *g, const consume_args *a)
{
    /* The stop signals are blocked before any thread starts, so that only sigwait() below
     * takes them (as in listen). SIGUSR1: the run ended by itself. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    cli_exec x;
    if (cli_exec_init(&x, "consume", a->exec, a->exec_timeout_s, (size_t)a->workers) != 0)
        return cli_usage_error("consume", "out of memory");
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = on_event;
    loopmsg_redis_consumer_options o = LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT;
    o.url = a->redis;
    o.stream = a->stream;
    o.group = a->group;
    o.consumer = a->consumer;
    o.workers = (unsigned int)a->workers;
    o.max_attempts = (unsigned int)a->max_attempts;
    o.claim_idle_ms = (unsigned int)a->claim_idle_s * 1000u;
    o.retry_delay_ms = g->retry_delay_ms > 0 ? (unsigned int)g->retry_delay_ms : 0;
    o.handlers = &h;
    o.user_data = &x;
    o.log_cb = log_line;
    runner r;
    memset(&r, 0, sizeof r);
    loopmsg_error err;
    loopmsg_status st = loopmsg_redis_consumer_new(&o, &r.c, &err);
    if (st != LOOPMSG_OK) {
        cli_exec_clear(&x);
        return cli_report_error(g, "consume", st, &err);
    }
    char where[256];
    loopmsg_status cut = loopmsg_redis_url_redact(a->redis, where, sizeof where);
    (void)cut; /* LOOPMSG_E_TOO_LARGE: cut short, and still masked */
    fprintf(stderr, "consuming %s at %s as %s in group %s\n",
            a->stream ? a->stream : "loopmsg:webhooks", where,
            a->consumer ? a->consumer : "HOST:PID", a->group);
    fflush(stderr);
    pthread_t th;
    if (pthread_create(&th, NULL, run_main, &r) != 0) {
        loopmsg_redis_consumer_free(r.c);
        cli_exec_clear(&x);
        fprintf(stderr, "loopmsg consume: cannot start a thread\n");
        return CLI_EXIT_ERROR;
    }
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    if (sig != SIGUSR1) {
        fprintf(stderr, "loopmsg consume: stopping: finishing the commands running (signal "
                        "again to stop at once)\n");
        fflush(stderr);
        loopmsg_redis_consumer_stop(r.c);
        /* Wait for the run to end, or for a second signal. */
        for (;;) {
            while (sigwait(&set, &sig) != 0)
                ;
            if (sig == SIGUSR1)
                break;
            cli_exec_kill_all_and_hold(&x);
            fprintf(stderr, "loopmsg consume: stopping at once; the events in hand stay pending "
                            "and are claimed later\n");
            fflush(stderr);
            _exit(CLI_EXIT_INTERRUPTED);
        }
    }
    pthread_join(th, NULL);
    loopmsg_redis_consumer_stats stats = LOOPMSG_REDIS_CONSUMER_STATS_INIT;
    if (loopmsg_redis_consumer_stats_get(r.c, &stats) == LOOPMSG_OK)
        fprintf(stderr,
                "loopmsg consume: stopped: %llu handled, %llu failed attempts, %llu moved to "
                "the dead stream, %llu claimed\n",
                (unsigned long long)stats.handled, (unsigned long long)stats.failures,
                (unsigned long long)stats.dead, (unsigned long long)stats.claimed);
    loopmsg_redis_consumer_free(r.c);
    cli_exec_clear(&x);
    if (r.st != LOOPMSG_OK)
        return cli_report_error(g, "consume", r.st, &r.err);
    return CLI_EXIT_OK;
}

#endif

int cli_cmd_consume(cli_globals *g, int argc, char **argv)
{
    consume_args a;
    memset(&a, 0, sizeof a);
    a.exec_timeout_s = DEFAULT_EXEC_TIMEOUT_S;
    a.workers = 1;
    a.claim_idle_s = 60;
    int first = cli_parse(g, argc, argv, consume_opts, on_opt, &a, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first < argc)
        return cli_usage_error("consume", "unexpected argument '%s'", argv[first]);
#ifndef LOOPMSG_CLI_WITH_REDIS
    (void)g;
    return cli_usage_error("consume", "--redis is not available in this build (hiredis was not "
                                      "found when it was built)");
#else
    /* LOOP_REDIS_URL: the URL without its password on the command line (visible in ps). */
    if (!a.redis && getenv("LOOP_REDIS_URL") && getenv("LOOP_REDIS_URL")[0])
        a.redis = getenv("LOOP_REDIS_URL");
    if (!a.redis)
        return cli_usage_error("consume", "--redis URL (or LOOP_REDIS_URL) is required");
    if (!a.group)
        return cli_usage_error("consume", "--group NAME is required");
    if (!a.exec)
        return cli_usage_error("consume", "--exec CMD is required");
    return consume(g, &a);
#endif
}
