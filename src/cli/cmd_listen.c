/* SPDX-License-Identifier: MIT */
/*
 * cmd_listen.c: `loopmsg listen`, a webhook receiver on the command line. It runs the
 * libloopmsg_webhook receiver and prints every event as one compact JSON line on stdout
 * (flushed per event), or hands each one to a shell command (--exec), in its own process
 * group, without the CLI's secrets in its environment, killed after --exec-timeout. It stops
 * gracefully on SIGINT/SIGTERM, and at once on a second one. Uses only the public headers.
 */
#include "cli.h"
#include "exec.h"

#include <loopmsg/webhook_server.h>
#ifdef LOOPMSG_CLI_WITH_REDIS
#include <loopmsg/redis.h>
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    O_BIND = 256,
    O_PORT,
    O_PATH,
    O_SECRET,
    O_SPOOL,
    O_EXEC,
    O_ACK_AFTER,
    O_MAX_BODY,
    O_EXEC_TIMEOUT,
    O_REDIS,
    O_STREAM,
    O_DEDUPE_TTL,
};

#define DEFAULT_EXEC_TIMEOUT_S 30

static const struct option listen_opts[] = {
    {"bind", required_argument, NULL, O_BIND},
    {"port", required_argument, NULL, O_PORT},
    {"path", required_argument, NULL, O_PATH},
    {"secret", required_argument, NULL, O_SECRET},
    {"spool", required_argument, NULL, O_SPOOL},
    {"exec", required_argument, NULL, O_EXEC},
    {"ack-after-handling", no_argument, NULL, O_ACK_AFTER},
    {"max-body", required_argument, NULL, O_MAX_BODY},
    {"exec-timeout", required_argument, NULL, O_EXEC_TIMEOUT},
    {"redis", required_argument, NULL, O_REDIS},
    {"stream", required_argument, NULL, O_STREAM},
    {"dedupe-ttl", required_argument, NULL, O_DEDUPE_TTL},
    {NULL, 0, NULL, 0},
};

static const char usage[] =
    "usage: loopmsg listen [options]        receive Loop webhooks until Ctrl-C or SIGTERM\n"
    "\n"
    "Every event is printed on stdout as one JSON line (the payload as Loop sent it, on one\n"
    "line) as soon as it is accepted; a repeated webhook_id is printed once.\n"
    "\n"
    "  --bind ADDR            address to listen on (default 127.0.0.1; 0.0.0.0 for all)\n"
    "  --port P               TCP port (default 8080; 0 = a free one)\n"
    "  --path PATH            path that receives webhooks (default /webhook)\n"
    "  --secret S             expected Authorization value; repeat it to accept several\n"
    "                         (rotation). Also accepted: 'Bearer S' and ?secret=S. Default:\n"
    "                         $LOOP_WEBHOOK_SECRET; with neither, anyone may post.\n"
    "  --spool DIR            durable mode: events are on disk before the 200, and those\n"
    "                         not yet handled when the process died are handled at restart\n"
    "  --exec CMD             run CMD with /bin/sh -c for each event: the payload on its\n"
    "                         stdin, LOOP_EVENT and LOOP_WEBHOOK_ID in its environment, its\n"
    "                         stdout sent to stderr; a non-zero exit counts as a failure.\n"
    "                         Secrets are removed from its environment: LOOP_API_KEY,\n"
    "                         LOOP_WEBHOOK_SECRET, LOOP_REDIS_URL and any LOOP_* name\n"
    "                         containing KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL, AUTH or\n"
    "                         PROXY\n"
    "  --exec-timeout S       kill CMD (its process group: SIGTERM, SIGKILL 2 s later) when\n"
    "                         it runs longer than S seconds; the event counts as failed\n"
    "                         (default 30)\n"
    "  --ack-after-handling   answer Loop only after the event was printed and CMD ran;\n"
    "                         answer 500 when CMD failed, so that Loop delivers it again\n"
    "  --max-body BYTES       largest accepted body (default 1048576)\n"
    "  --redis URL            hand every event to a Redis stream instead (redis://[:PASSWORD@]\n"
    "                         HOST[:PORT][/DB] or unix:///PATH): its webhook_id remembered and\n"
    "                         the event appended in one atomic step, before the 200; 503 when\n"
    "                         Redis cannot be reached. Nothing is printed; 'loopmsg consume'\n"
    "                         handles the events. Not with --spool, --exec or\n"
    "                         --ack-after-handling. LOOP_REDIS_URL in the environment does the\n"
    "                         same and keeps a password out of 'ps'\n"
    "  --stream KEY           the stream (default loopmsg:webhooks)\n"
    "  --dedupe-ttl SECONDS   how long Redis remembers a webhook_id (default 86400)\n"
    "\n"
    "The first Ctrl-C or SIGTERM stops accepting and finishes the events already accepted;\n"
    "a second one stops at once (exit 130): CMD is killed, and with --spool the events not\n"
    "handled stay in the spool for the next start.\n"
    "\n"
    "Example:\n"
    "  loopmsg listen --port 8080 --secret \"$HOOK_SECRET\" --exec 'jq .text'\n";

typedef struct listen_args {
    const char *bind;
    long port;
    const char *path;
    const char **secrets;
    size_t secret_count, secret_cap;
    const char *spool;
    const char *exec;
    int ack_after;
    long max_body;
    long exec_timeout_s;
    const char *redis;
    const char *stream;
    long dedupe_ttl_s;
} listen_args;

/* State shared with the callback (one worker thread, but stay safe anyway). */
typedef struct listen_ctx {
    pthread_mutex_t out_lock;
    cli_exec exec; /* --exec; exec.cmd NULL: none */
} listen_ctx;

static int on_opt(int id, const char *arg, void *ud)
{
    listen_args *a = ud;
    switch (id) {
    case O_BIND:
        a->bind = arg;
        return 0;
    case O_PORT:
        if (cli_parse_long(arg, 0, 65535, &a->port) != 0)
            return cli_usage_error("listen", "--port: expected 0..65535");
        return 0;
    case O_PATH:
        if (arg[0] != '/')
            return cli_usage_error("listen", "--path: must start with '/'");
        a->path = arg;
        return 0;
    case O_SECRET:
        if (!arg[0])
            return cli_usage_error("listen", "--secret: must not be empty");
        if (a->secret_count == a->secret_cap) {
            size_t cap = a->secret_cap ? a->secret_cap * 2 : 4;
            const char **p = realloc(a->secrets, cap * sizeof *p);
            if (!p)
                return cli_usage_error("listen", "out of memory");
            a->secrets = p;
            a->secret_cap = cap;
        }
        a->secrets[a->secret_count++] = arg;
        return 0;
    case O_SPOOL:
        a->spool = arg;
        return 0;
    case O_EXEC:
        a->exec = arg;
        return 0;
    case O_ACK_AFTER:
        a->ack_after = 1;
        return 0;
    case O_MAX_BODY:
        if (cli_parse_long(arg, 1, 1L << 30, &a->max_body) != 0)
            return cli_usage_error("listen", "--max-body: expected 1..1073741824 bytes");
        return 0;
    case O_REDIS:
        a->redis = arg;
        return 0;
    case O_STREAM:
        if (!arg[0])
            return cli_usage_error("listen", "--stream: must not be empty");
        a->stream = arg;
        return 0;
    case O_DEDUPE_TTL:
        if (cli_parse_long(arg, 1, 31536000, &a->dedupe_ttl_s) != 0)
            return cli_usage_error("listen", "--dedupe-ttl: expected seconds (1..31536000)");
        return 0;
    case O_EXEC_TIMEOUT:
        if (cli_parse_long(arg, 1, 86400, &a->exec_timeout_s) != 0)
            return cli_usage_error("listen", "--exec-timeout: expected seconds (1..86400)");
        return 0;
    default:
        return 1;
    }
}

/* The payload on one line: whitespace between JSON tokens removed; strings (which cannot
 * hold a raw newline) copied as they are, so numbers and escapes stay byte for byte. */
static size_t compact_json(char *dst, const char *src, size_t len)
{
    size_t o = 0;
    int in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (in_string) {
            dst[o++] = ch;
            if (escaped)
                escaped = 0;
            else if (ch == '\\')
                escaped = 1;
            else if (ch == '"')
                in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
            dst[o++] = ch;
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            dst[o++] = ch;
        }
    }
    return o;
}

static int on_event(const loopmsg_webhook_event *ev, void *user_data)
{
    listen_ctx *ctx = user_data;
    char *line = malloc(ev->raw_len + 2);
    if (!line)
        return 1;
    size_t n = compact_json(line, ev->raw, ev->raw_len);
    line[n++] = '\n';
    pthread_mutex_lock(&ctx->out_lock);
    size_t w = fwrite(line, 1, n, stdout);
    int ok = w == n && fflush(stdout) == 0;
    pthread_mutex_unlock(&ctx->out_lock);
    free(line);
    if (!ok) {
        /* Whoever read our stdout is gone (e.g. `| head -1`): stop like on Ctrl-C. */
        kill(getpid(), SIGTERM);
        return 1;
    }
    return ctx->exec.cmd && cli_exec_run(&ctx->exec, ev) != 0 ? 1 : 0;
}

/* After the first stop signal: wait for a second one, then kill the running command and
 * leave at once. What was not handled stays in the spool (--spool) for the next start;
 * the event in hand is not marked done. Cancelled when the graceful stop finishes first. */
typedef struct stopper {
    listen_ctx *ctx;
    sigset_t set;
    int spool;
} stopper;

static void *stopper_main(void *arg)
{
    stopper *st = arg;
    int sig = 0;
    while (sigwait(&st->set, &sig) != 0)
        ;
    /* From here on a late cancel (the graceful stop just ended) must not stop us half way. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    cli_exec_kill_all_and_hold(&st->ctx->exec);
    fprintf(stderr, "loopmsg listen: stopping at once%s\n",
            st->spool ? "; events not handled stay in the spool" : "");
    fflush(stderr);
    _exit(CLI_EXIT_INTERRUPTED);
    return NULL;
}

static void log_line(loopmsg_log_level level, const char *line, void *user_data)
{
    (void)level;
    (void)user_data;
    fprintf(stderr, "loopmsg listen: %s\n", line);
}

int cli_cmd_listen(cli_globals *g, int argc, char **argv)
{
    listen_args a;
    memset(&a, 0, sizeof a);
    a.port = 8080;
    a.path = "/webhook";
    a.exec_timeout_s = DEFAULT_EXEC_TIMEOUT_S;
    int first = cli_parse(g, argc, argv, listen_opts, on_opt, &a, usage);
    if (first == -2) {
        free(a.secrets);
        return CLI_EXIT_OK;
    }
    if (first < 0) {
        free(a.secrets);
        return CLI_EXIT_USAGE;
    }
    if (first < argc) {
        free(a.secrets);
        return cli_usage_error("listen", "unexpected argument '%s'", argv[first]);
    }
    /* LOOP_REDIS_URL: --redis without the password on the command line (visible in ps). */
    const char *redis_from = "--redis";
    if (!a.redis && getenv("LOOP_REDIS_URL") && getenv("LOOP_REDIS_URL")[0]) {
        a.redis = getenv("LOOP_REDIS_URL");
        redis_from = "LOOP_REDIS_URL";
    }
    if (!a.redis && (a.stream || a.dedupe_ttl_s)) {
        free(a.secrets);
        return cli_usage_error("listen", "--stream and --dedupe-ttl need --redis");
    }
    if (a.redis && (a.spool || a.exec || a.ack_after)) {
        free(a.secrets);
        return cli_usage_error("listen",
                               "%s cannot be combined with --spool, --exec or "
                               "--ack-after-handling: 'loopmsg consume' handles the events",
                               redis_from);
    }
#ifndef LOOPMSG_CLI_WITH_REDIS
    if (a.redis) {
        free(a.secrets);
        return cli_usage_error("listen", "--redis is not available in this build (hiredis was "
                                         "not found when it was built)");
    }
#endif
    /* --secret, else LOOP_WEBHOOK_SECRET, else the profile's webhook_secret. */
    const char *env_secret = cli_setting(g, CLI_KEY_WEBHOOK_SECRET);
    const char *one[1] = {env_secret};
    const char *const *secrets = a.secrets;
    size_t secret_count = a.secret_count;
    if (!secret_count && env_secret && env_secret[0]) {
        secrets = one;
        secret_count = 1;
    }

    /* Block the stop signals before the receiver starts its threads, so that they inherit
     * the mask and only sigwait() below takes the signal. */
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGHUP);
    /* A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches
     * sigwait(); the signals are blocked anyway, so the default disposition is harmless.
     * SIGHUP stays ignored when it is (nohup). */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    listen_ctx ctx;
    if (cli_exec_init(&ctx.exec, "listen", a.exec, a.exec_timeout_s, 1) != 0) {
        free(a.secrets);
        return cli_usage_error("listen", "out of memory");
    }
    pthread_mutex_init(&ctx.out_lock, NULL);
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_any = on_event;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.bind_address = a.bind;
    o.port = (uint16_t)a.port;
    o.path = a.path;
    o.secrets = secrets;
    o.secret_count = secret_count;
    o.spool_dir = a.spool;
    o.ack_after_handling = a.ack_after != 0;
    o.max_body_bytes = (size_t)a.max_body;
    o.worker_threads = 1; /* events are printed (and CMD runs) in the order they arrived */
    o.handlers = &h;
    o.user_data = &ctx;
    o.log_cb = log_line;

    loopmsg_error err;
    loopmsg_status st = LOOPMSG_OK;
#ifdef LOOPMSG_CLI_WITH_REDIS
    loopmsg_redis_publisher *pub = NULL;
    if (a.redis) {
        loopmsg_redis_publisher_options po = LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT;
        po.url = a.redis;
        po.stream = a.stream;
        po.dedupe_ttl_s = (unsigned int)a.dedupe_ttl_s;
        po.log_cb = log_line;
        st = loopmsg_redis_publisher_new(&po, &pub, &err);
        o.accept_cb = loopmsg_redis_publisher_accept;
        o.accept_user_data = pub;
        /* Each request holds an HTTP thread for a Redis round trip (an fsync with appendfsync
         * always): more threads keep the receiver busy while Redis writes. */
        o.http_threads = 8;
    }
#endif
    loopmsg_webhook_server *srv = NULL;
    if (st == LOOPMSG_OK)
        st = loopmsg_webhook_server_start(&o, &srv, &err);
    free(a.secrets);
    if (st != LOOPMSG_OK) {
        int rc = cli_report_error(g, "listen", st, &err);
#ifdef LOOPMSG_CLI_WITH_REDIS
        loopmsg_redis_publisher_free(pub);
#endif
        pthread_mutex_destroy(&ctx.out_lock);
        cli_exec_clear(&ctx.exec);
        return rc;
    }
    const char *addr = a.bind ? a.bind : "127.0.0.1";
    int v6 = strchr(addr, ':') != NULL;
    fprintf(stderr, "listening on http://%s%s%s:%u%s\n", v6 ? "[" : "", addr, v6 ? "]" : "",
            (unsigned int)loopmsg_webhook_server_port(srv), a.path);
#ifdef LOOPMSG_CLI_WITH_REDIS
    if (a.redis) {
        char where[256];
        loopmsg_status cut = loopmsg_redis_url_redact(a.redis, where, sizeof where);
        (void)cut; /* LOOPMSG_E_TOO_LARGE: cut short, and still masked */
        fprintf(stderr, "loopmsg listen: events go to the Redis stream %s at %s\n",
                a.stream ? a.stream : "loopmsg:webhooks", where);
    }
#endif
    if (!secret_count)
        fprintf(stderr, "loopmsg listen: no --secret (or LOOP_WEBHOOK_SECRET): anyone who can "
                        "connect may post events\n");
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    /* Stop accepting, finish what was accepted (its callbacks included), then exit 0; a
     * second signal meanwhile stops at once. */
    fprintf(stderr, "loopmsg listen: stopping: finishing the events accepted (signal again to "
                    "stop at once)\n");
    fflush(stderr);
    stopper stop = {&ctx, stop_set, a.spool != NULL};
    pthread_t stop_thread;
    int stopper_running = pthread_create(&stop_thread, NULL, stopper_main, &stop) == 0;
    loopmsg_webhook_server_stop(srv);
    if (stopper_running) {
        pthread_cancel(stop_thread); /* sigwait() is a cancellation point */
        pthread_join(stop_thread, NULL);
    }
    loopmsg_webhook_server_stats stats = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    if (loopmsg_webhook_server_stats_get(srv, &stats) != LOOPMSG_OK)
        ;
    else if (a.redis)
        fprintf(stderr,
                "loopmsg listen: stopped: %llu stored in Redis, %llu duplicates, %llu "
                "answered 503\n",
                (unsigned long long)stats.accepted, (unsigned long long)stats.duplicates,
                (unsigned long long)stats.busy);
    else
        fprintf(stderr, "loopmsg listen: stopped: %llu handled, %llu failed\n",
                (unsigned long long)stats.handled, (unsigned long long)stats.failed);
    loopmsg_webhook_server_free(srv);
#ifdef LOOPMSG_CLI_WITH_REDIS
    loopmsg_redis_publisher_free(pub);
#endif
    pthread_mutex_destroy(&ctx.out_lock);
    cli_exec_clear(&ctx.exec);
    return CLI_EXIT_OK;
}
