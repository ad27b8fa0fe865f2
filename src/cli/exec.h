/* SPDX-License-Identifier: MIT */
/*
 * exec.h: `--exec CMD` shared by `loopmsg listen` and `loopmsg consume` (exec.c): one command
 * per event, payload on stdin, LOOP_EVENT / LOOP_WEBHOOK_ID in a secret-scrubbed environment,
 * its own process group, a timeout.
 */
#ifndef LOOPMSG_CLI_EXEC_H
#define LOOPMSG_CLI_EXEC_H

#include <loopmsg.h>

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/* cli_exec_run's value for a command killed at its timeout. */
#define CLI_EXEC_TIMED_OUT 124

typedef struct cli_exec {
    const char *who; /* the command word, for messages: "listen", "consume" */
    const char *cmd;
    long timeout_s;
    /* The process groups of the commands running (0: free slot), for a second stop signal
     * to kill. A slot is cleared under the lock before its command is reaped, so a killer
     * holding the lock never signals a reused id. */
    pthread_mutex_t lock;
    pid_t *pgids;
    size_t slots;
} cli_exec;

/* Prepare to run cmd (borrowed) at most `slots` at once, each at most timeout_s seconds.
 * -1 on allocation failure. */
int cli_exec_init(cli_exec *x, const char *who, const char *cmd, long timeout_s, size_t slots);
void cli_exec_clear(cli_exec *x);

/* Run `/bin/sh -c CMD` for ev: its raw payload on stdin, its stdout sent to our stderr.
 * Returns 0 when it exited with 0; otherwise its exit status, 128 + the signal that killed
 * it, CLI_EXEC_TIMED_OUT, or 1 when it could not be started (the reason is on stderr). */
int cli_exec_run(cli_exec *x, const loopmsg_webhook_event *ev);

/* SIGKILL every running command's process group and keep the lock, so that no other command
 * starts: for a caller about to _exit(). */
void cli_exec_kill_all_and_hold(cli_exec *x);

/* The event's name as LOOP_EVENT gives it: the type's name, or the unknown event's own. */
const char *cli_event_name(const loopmsg_webhook_event *ev);

#endif
