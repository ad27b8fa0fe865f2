/* SPDX-License-Identifier: MIT */
/*
 * job.h: a send-bulk job shared by several processes through Redis (`loopmsg send-bulk
 * --redis URL --job NAME`). Internal to the CLI (linked from the static library), never
 * exported. Every step that must be atomic is one Lua script:
 * - open: the first process records the file's fingerprint and row count and queues every
 *   row (0-based) on the job's pending list; a later process with another file is refused.
 * - recover: rows claimed by a process whose lease expired (it died) and never marked are
 *   queued again; rows it marked "sending" become "unknown" (queued again only with
 *   resend_unknown). At the start of a process, rows that failed are queued again too (a
 *   rerun resends failed rows), and so are unknown rows with resend_unknown.
 * - claim: the next pending rows, each to exactly one process ("c|TOKEN").
 * - update: "sending" marks ("s|TOKEN", only for rows still claimed by this process) and
 *   outcomes ("a|MESSAGE_ID", "f", "u"), with the process's lease renewed.
 * - take: the job's token bucket, shared by every process (--rate).
 * Keys: PREFIX = "loopmsg:job:NAME"; PREFIX (hash: fp, total, rate, first_ms, last_ms),
 * PREFIX:state (hash row -> state), PREFIX:pending (list), PREFIX:bucket (hash),
 * PREFIX:lease:TOKEN (string with a TTL).
 */
#ifndef LOOPMSG_REDIS_JOB_H
#define LOOPMSG_REDIS_JOB_H

#include <stddef.h>

typedef struct loopmsg__redis_job loopmsg__redis_job;

/* One write of update: state 's' (a mark), 'a' (accepted, message_id), 'f', 'u'. */
typedef struct loopmsg__redis_job_op {
    size_t row;
    char state;
    const char *message_id;
} loopmsg__redis_job_op;

typedef struct loopmsg__redis_job_counts {
    size_t total, accepted, failed, unknown, sending, pending;
    double rate;     /* the --rate last given to the job; 0: none */
    double observed; /* outcomes per second between the first mark and the last outcome */
    int exists;
} loopmsg__redis_job_counts;

/* Connect and open the job NAME for a file of `total` rows with fingerprint fp. create = 0:
 * only check (nothing written; a missing job is fine). rate > 0 is recorded. lease_ms: how
 * long this process is taken for alive after its last call. Returns 0, 1 (the job belongs
 * to another file: msg says so), -1 (msg). */
int loopmsg__redis_job_open(loopmsg__redis_job **out, const char *url, const char *name,
                            unsigned long long fp, size_t total, double rate, int create,
                            unsigned int lease_ms, char *msg, size_t msg_len);
void loopmsg__redis_job_free(loopmsg__redis_job *j);

/* See above. *unknown_rows (malloc'd, caller frees): rows now unknown and not queued again
 * (at_start only; NULL otherwise). *busy: rows claimed or marked by live other processes. */
int loopmsg__redis_job_recover(loopmsg__redis_job *j, int at_start, int resend_unknown,
                               size_t *requeued, size_t *busy, size_t **unknown_rows,
                               size_t *n_unknown, char *msg, size_t msg_len);

/* Claim up to max rows (ascending order not guaranteed); *n set. */
int loopmsg__redis_job_claim(loopmsg__redis_job *j, size_t max, size_t *rows, size_t *n, char *msg,
                             size_t msg_len);

/* Write ops in one step; ok[i] (optional) = 1 when op i was applied (a mark is refused when
 * the row is no longer claimed by this process). n may be 0 (renews the lease). */
int loopmsg__redis_job_update(loopmsg__redis_job *j, const loopmsg__redis_job_op *ops, size_t n,
                              unsigned char *ok, char *msg, size_t msg_len);

/* Take up to want tokens of the job's bucket (rate per second, shared by every process):
 * *got tokens taken; when 0, *wait_ms until the next one. */
int loopmsg__redis_job_take(loopmsg__redis_job *j, double rate, size_t want, size_t *got,
                            unsigned int *wait_ms, char *msg, size_t msg_len);

/* The counts of job NAME (read only). */
int loopmsg__redis_job_status(const char *url, const char *name, loopmsg__redis_job_counts *out,
                              char *msg, size_t msg_len);

#endif
