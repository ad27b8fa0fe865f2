/* SPDX-License-Identifier: MIT */
/*
 * exec.c: `--exec CMD` of `loopmsg listen` and `loopmsg consume`: run `/bin/sh -c CMD` for one
 * event with the payload on stdin, LOOP_EVENT and LOOP_WEBHOOK_ID in the environment and the
 * CLI's secrets out of it, in its own process group, killed after the timeout. It keeps the
 * process groups of the commands running so that a second stop signal can kill them all.
 * Prints its diagnostics on stderr; knows nothing of receivers or Redis.
 */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* After SIGTERM, how long a timed-out command has to exit before SIGKILL. */
#define EXEC_KILL_GRACE_S 2

int cli_exec_init(cli_exec *x, const char *who, const char *cmd, long timeout_s, size_t slots)
{
    memset(x, 0, sizeof x[0]);
    x->who = who;
    x->cmd = cmd;
    x->timeout_s = timeout_s;
    x->slots = slots ? slots : 1;
    x->pgids = calloc(x->slots, sizeof x->pgids[0]);
    if (!x->pgids)
        return -1;
    pthread_mutex_init(&x->lock, NULL);
    return 0;
}

void cli_exec_clear(cli_exec *x)
{
    if (!x->pgids)
        return;
    pthread_mutex_destroy(&x->lock);
    free(x->pgids);
    x->pgids = NULL;
}

void cli_exec_kill_all_and_hold(cli_exec *x)
{
    if (!x->pgids)
        return;
    pthread_mutex_lock(&x->lock);
    for (size_t i = 0; i < x->slots; i++)
        if (x->pgids[i] > 0)
            kill(-x->pgids[i], SIGKILL);
}

const char *cli_event_name(const loopmsg_webhook_event *ev)
{
    return ev->type == LOOPMSG_EVENT_UNKNOWN ? ev->event : loopmsg_event_type_name(ev->type);
}

/* Variables that hold a secret the CLI reads: never handed to --exec. LOOP_REDIS_URL may carry
 * the Redis password (consume runs CMD with it set). */
static const char *const secret_vars[] = {"LOOP_API_KEY", "LOOP_WEBHOOK_SECRET", "LOOP_REDIS_URL",
                                          NULL};

/* Any other LOOP_* variable whose name holds one of these words is treated as a secret too,
 * so that a future option's variable (a proxy with credentials, a token) is kept out
 * without anyone remembering to list it here. */
static const char *const secret_words[] = {"KEY",        "SECRET", "TOKEN", "PASSWORD",
                                           "CREDENTIAL", "AUTH",   "PROXY", NULL};

/* True for "NAME=..." entries of environ that --exec must not see. */
static int withheld(const char *entry)
{
    size_t n = strcspn(entry, "=");
    if (n == 11 && strncmp(entry, "LOOP_EVENT=", 11) == 0)
        return 1; /* replaced by ours */
    if (n == 15 && strncmp(entry, "LOOP_WEBHOOK_ID", 15) == 0)
        return 1;
    if (n < 5 || strncmp(entry, "LOOP_", 5) != 0)
        return 0;
    for (size_t i = 0; secret_vars[i]; i++)
        if (strlen(secret_vars[i]) == n && strncmp(entry, secret_vars[i], n) == 0)
            return 1;
    for (size_t i = 0; secret_words[i]; i++) {
        size_t wl = strlen(secret_words[i]);
        for (size_t k = 5; k + wl <= n; k++)
            if (strncmp(entry + k, secret_words[i], wl) == 0)
                return 1;
    }
    return 0;
}

/* environ without the secrets and LOOP_EVENT / LOOP_WEBHOOK_ID, plus our two. NULL on
 * allocation failure. */
static char **child_env(const loopmsg_webhook_event *ev, char **ev_var, char **id_var)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    const char *name = cli_event_name(ev);
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
        if (!withheld(environ[i]))
            env[k++] = environ[i];
    env[k++] = *ev_var;
    env[k++] = *id_var;
    env[k] = NULL;
    return env;
}

/* The watchdog of one command: SIGTERM to its process group at the deadline, SIGKILL after
 * the grace, unless the command exited first. The command is not reaped before the
 * watchdog is done, so the group id cannot be reused under it. */
typedef struct exec_watch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pid_t pgid;
    long timeout_s;
    int exited;
    int timed_out;
} exec_watch;

/* Wait on w->cond until the command exited or `deadline` passed; 1 when it exited. */
static int watch_until(exec_watch *w, const struct timespec *deadline)
{
    while (!w->exited)
        if (pthread_cond_timedwait(&w->cond, &w->lock, deadline) == ETIMEDOUT)
            break;
    return w->exited;
}

static void *watch_main(void *arg)
{
    exec_watch *w = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += w->timeout_s;
    pthread_mutex_lock(&w->lock);
    if (!watch_until(w, &deadline)) {
        w->timed_out = 1;
        kill(-w->pgid, SIGTERM);
        deadline.tv_sec += EXEC_KILL_GRACE_S;
        if (!watch_until(w, &deadline))
            kill(-w->pgid, SIGKILL);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int cli_exec_run(cli_exec *x, const loopmsg_webhook_event *ev)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "loopmsg %s: pipe: %s\n", x->who, strerror(errno));
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
    /* Its own process group: a timeout or a second signal kills the command and whatever it
     * started, and a terminal's Ctrl-C reaches us only (we decide whether the handler may
     * finish). */
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETPGROUP);
    char *argv[] = {"/bin/sh", "-c", (char *)x->cmd, NULL};
    pid_t pid = -1;
    pthread_mutex_lock(&x->lock);
    size_t slot = 0;
    while (slot < x->slots && x->pgids[slot] != 0)
        slot++;
    int rc = !env               ? ENOMEM
             : slot == x->slots ? EAGAIN
                                : posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
    if (rc == 0)
        x->pgids[slot] = pid;
    pthread_mutex_unlock(&x->lock);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(env);
    free(ev_var);
    free(id_var);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        fprintf(stderr, "loopmsg %s: cannot run /bin/sh: %s\n", x->who, strerror(rc));
        return 1;
    }
    exec_watch w;
    memset(&w, 0, sizeof w);
    w.pgid = pid;
    w.timeout_s = x->timeout_s;
    pthread_mutex_init(&w.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_t watcher;
    int watching = pthread_create(&watcher, NULL, watch_main, &w) == 0;
    if (!watching)
        fprintf(stderr, "loopmsg %s: cannot start the --exec-timeout watchdog\n", x->who);
    /* A command that does not read its stdin gets EPIPE here; that is not a failure. A
     * command that neither reads nor exits is killed by the watchdog, which ends the write. */
    const char *p = ev->raw;
    size_t left = ev->raw_len;
    while (left > 0) {
        ssize_t wr = write(fds[1], p, left);
        if (wr < 0 && errno == EINTR)
            continue;
        if (wr <= 0)
            break;
        p += wr;
        left -= (size_t)wr;
    }
    close(fds[1]);
    /* Wait for the exit without reaping, stop the watchdog, then reap. */
    siginfo_t info;
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
    if (watching) {
        pthread_mutex_lock(&w.lock);
        w.exited = 1;
        pthread_cond_signal(&w.cond);
        pthread_mutex_unlock(&w.lock);
        pthread_join(watcher, NULL);
    }
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
    pthread_mutex_lock(&x->lock);
    x->pgids[slot] = 0;
    pthread_mutex_unlock(&x->lock);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    const char *id = ev->webhook_id ? ev->webhook_id : "";
    if (w.timed_out) {
        fprintf(stderr,
                "loopmsg %s: --exec command timed out after %ld s for %s %s; killed, the "
                "event counts as failed\n",
                x->who, x->timeout_s, cli_event_name(ev), id);
        return CLI_EXEC_TIMED_OUT;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status)) {
        fprintf(stderr, "loopmsg %s: --exec command exited with %d for %s %s\n", x->who,
                WEXITSTATUS(status), cli_event_name(ev), id);
        return WEXITSTATUS(status);
    }
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    fprintf(stderr, "loopmsg %s: --exec command died (signal %d) for %s %s\n", x->who, sig,
            cli_event_name(ev), id);
    return 128 + sig;
}
