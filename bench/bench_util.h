/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h: shared bits of the benchmarks: run a function in a child process and get
 * back its rate and peak RSS, so that each side is measured alone.
 */
#ifndef LOOPMSG_BENCH_UTIL_H
#define LOOPMSG_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct bench_result {
    double seconds;
    long ok;
    long failed;
    long peak_rss_kb;
} bench_result;

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run fn(arg, &result) in a child; the child's peak RSS comes from wait4. */
static inline int bench_in_child(void (*fn)(void *, bench_result *), void *arg, bench_result *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        bench_result r = {0, 0, 0, 0};
        fn(arg, &r);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    bench_result r = {0, 0, 0, 0};
    ssize_t n = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || n != (ssize_t)sizeof r || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    r.peak_rss_kb = ru.ru_maxrss;
    *out = r;
    return 0;
}

static inline void bench_print(const char *name, long n, const bench_result *r)
{
    printf("%-22s %7ld requests in %6.3f s = %9.1f req/s  (%ld failed)  peak RSS %.1f MB\n", name,
           n, r->seconds, r->seconds > 0 ? (double)r->ok / r->seconds : 0.0, r->failed,
           (double)r->peak_rss_kb / 1024.0);
}

#endif
