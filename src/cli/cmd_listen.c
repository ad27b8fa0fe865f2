/* SPDX-License-Identifier: MIT */
/*
 * cmd_listen.c: `loopmsg listen`, a webhook receiver on the command line. It runs the
 * libloopmsg_webhook receiver and prints every event as one compact JSON line on stdout
 * (flushed per event), or hands each one to a shell command (--exec). It stops gracefully on
 * SIGINT/SIGTERM. Uses only the public headers.
 */
#include "cli.h"

#include <loopmsg/webhook_server.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum {
    O_BIND = 256,
    O_PORT,
    O_PATH,
    O_SECRET,
    O_SPOOL,
    O_EXEC,
    O_ACK_AFTER,
    O_MAX_BODY,
};

static const struct option listen_opts[] = {
    {"bind", required_argument, NULL, O_BIND},
    {"port", required_argument, NULL, O_PORT},
    {"path", required_argument, NULL, O_PATH},
    {"secret", required_argument, NULL, O_SECRET},
    {"spool", required_argument, NULL, O_SPOOL},
    {"exec", required_argument, NULL, O_EXEC},
    {"ack-after-handling", no_argument, NULL, O_ACK_AFTER},
    {"max-body", required_argument, NULL, O_MAX_BODY},
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
    "                         stdout sent to stderr; a non-zero exit counts as a failure\n"
    "  --ack-after-handling   answer Loop only after the event was printed and CMD ran;\n"
    "                         answer 500 when CMD failed, so that Loop delivers it again\n"
    "  --max-body BYTES       largest accepted body (default 1048576)\n"
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
} listen_args;

/* State shared with the callback (one worker thread, but stay safe anyway). */
typedef struct listen_ctx {
    pthread_mutex_t out_lock;
    const char *exec;
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

static const char *event_name(const loopmsg_webhook_event *ev)
{
    return ev->type == LOOPMSG_EVENT_UNKNOWN ? ev->event : loopmsg_event_type_name(ev->type);
}

/* environ without LOOP_EVENT / LOOP_WEBHOOK_ID, plus our two. NULL on allocation failure. */
static char **child_env(const loopmsg_webhook_event *ev, char **ev_var, char **id_var)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    const char *name = event_name(ev);
    const char *id = ev->webhook_id ? ev->webhook_id : "";
    size_t ln = strlen(name) + sizeof "LOOP_EVENT=";
    size_t li = strlen(id) + sizeof "LOOP_WEBHOOK_ID=";
    *ev_var = malloc(ln);
    *id_var = malloc(li);
    if (!env || !*ev_var || !*id_var) {
        free(env);
        free(*ev_var);
        free(*id_var);
        return NULL;
    }
    snprintf(*ev_var, ln, "LOOP_EVENT=%s", name);
    snprintf(*id_var, li, "LOOP_WEBHOOK_ID=%s", id);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LOOP_EVENT=", 11) != 0 &&
            strncmp(environ[i], "LOOP_WEBHOOK_ID=", 16) != 0)
            env[k++] = environ[i];
    env[k++] = *ev_var;
    env[k++] = *id_var;
    env[k] = NULL;
    return env;
}

/* Run `/bin/sh -c cmd` with the payload on stdin. 0 when it exits with status 0. */
static int run_exec(const char *cmd, const loopmsg_webhook_event *ev)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "loopmsg listen: pipe: %s\n", strerror(errno));
        return 1;
    }
    /* Neither end may leak into the command (it would never see EOF on stdin). */
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    char *ev_var = NULL, *id_var = NULL;
    char **env = child_env(ev, &ev_var, &id_var);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
    /* The child's stdout would break our one-event-per-line stdout: send it to stderr. */
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    /* Our signal mask and ignored SIGPIPE must not leak into the command. */
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    pid_t pid = -1;
    int rc = env ? posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env) : ENOMEM;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(env);
    free(ev_var);
    free(id_var);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        fprintf(stderr, "loopmsg listen: cannot run /bin/sh: %s\n", strerror(rc));
        return 1;
    }
    /* A command that does not read its stdin gets EPIPE here; that is not a failure. */
    const char *p = ev->raw;
    size_t left = ev->raw_len;
    while (left > 0) {
        ssize_t w = write(fds[1], p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    close(fds[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        fprintf(stderr, "loopmsg listen: --exec command exited with %d for %s %s\n",
                WEXITSTATUS(status), event_name(ev), ev->webhook_id ? ev->webhook_id : "");
    else
        fprintf(stderr, "loopmsg listen: --exec command died (signal %d) for %s %s\n",
                WIFSIGNALED(status) ? WTERMSIG(status) : 0, event_name(ev),
                ev->webhook_id ? ev->webhook_id : "");
    return 1;
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
    return ctx->exec ? run_exec(ctx->exec, ev) : 0;
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
    const char *env_secret = getenv("LOOP_WEBHOOK_SECRET");
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
    pthread_mutex_init(&ctx.out_lock, NULL);
    ctx.exec = a.exec;
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

    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_server_start(&srv, &o, &err);
    free(a.secrets);
    if (st != LOOPMSG_OK) {
        int rc = cli_report_error(g, "listen", st, &err);
        pthread_mutex_destroy(&ctx.out_lock);
        return rc;
    }
    const char *addr = a.bind ? a.bind : "127.0.0.1";
    int v6 = strchr(addr, ':') != NULL;
    fprintf(stderr, "listening on http://%s%s%s:%u%s\n", v6 ? "[" : "", addr, v6 ? "]" : "",
            (unsigned int)loopmsg_webhook_server_port(srv), a.path);
    if (!secret_count)
        fprintf(stderr, "loopmsg listen: no --secret (or LOOP_WEBHOOK_SECRET): anyone who can "
                        "connect may post events\n");
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    /* Stop accepting, finish what was accepted (its callbacks included), then exit 0. */
    loopmsg_webhook_server_free(srv);
    pthread_mutex_destroy(&ctx.out_lock);
    return CLI_EXIT_OK;
}
