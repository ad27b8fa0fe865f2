/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h: shared bits of the benchmarks: run a function in a child process and get
 * back its rate and peak RSS, so that each side is measured alone.
 */
#ifndef LOOPMSG_BENCH_UTIL_H
#define LOOPMSG_BENCH_UTIL_H

#include <curl/curl.h>
#include <loopmsg.h>
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
    double cpu_seconds; /* user + system time of the process (bench_in_child) */
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
        bench_result r = {0};
        fn(arg, &r);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    bench_result r = {0};
    ssize_t n = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || n != (ssize_t)sizeof r || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    r.peak_rss_kb = ru.ru_maxrss;
    r.cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    *out = r;
    return 0;
}

static inline double bench_rate(const bench_result *r)
{
    return r->seconds > 0 ? (double)r->ok / r->seconds : 0.0;
}

/* Fold one run into the best so far: the best rate, the largest peak RSS, all failures. */
static inline void bench_keep_best(bench_result *best, const bench_result *r, int first)
{
    long rss = first || r->peak_rss_kb > best->peak_rss_kb ? r->peak_rss_kb : best->peak_rss_kb;
    long failed = (first ? 0 : best->failed) + r->failed;
    if (first || bench_rate(r) > bench_rate(best))
        *best = *r;
    best->peak_rss_kb = rss;
    best->failed = failed;
}

/* POST a JSON body to the emulator's control plane (url + path); 0 on a 2xx answer. */
static size_t bench_sink(char *d, size_t s, size_t m, void *ud)
{
    (void)d;
    (void)ud;
    return s * m;
}

static inline int bench_control(const char *url, const char *path, const char *json)
{
    CURL *h = curl_easy_init();
    char target[512];
    snprintf(target, sizeof target, "%s%s", url, path);
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, target);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_sink);
    /* An emulator serving HTTPS with a test CA (scripts/bench_tls.sh). */
    const char *ca = getenv("BENCH_CONTROL_CA");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    long code = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return rc == CURLE_OK && code / 100 == 2 ? 0 : -1;
}

/* Run the baseline and the library alternately BENCH_ROUNDS times (default 3) and keep each
 * side's best: the machine is shared with the server, so one run is noisy and a fixed order
 * would favour one side. */
static inline int bench_best_of(void (*base)(void *, bench_result *),
                                void (*lib)(void *, bench_result *), void (*reset)(void),
                                bench_result *base_out, bench_result *lib_out)
{
    const char *env = getenv("BENCH_ROUNDS");
    long rounds = env ? strtol(env, NULL, 10) : 3;
    if (rounds < 1)
        rounds = 1;
    for (long i = 0; i < rounds; i++) {
        bench_result b, l;
        int lib_first = (int)(i % 2);
        /* The server starts each run empty: the emulator keeps every message it accepted, and a
         * run after 100,000 stored messages would be measured against a slower server. */
        if (lib_first && (reset(), bench_in_child(lib, NULL, &l)) != 0)
            return -1;
        if ((reset(), bench_in_child(base, NULL, &b)) != 0)
            return -1;
        if (!lib_first && (reset(), bench_in_child(lib, NULL, &l)) != 0)
            return -1;
        bench_keep_best(base_out, &b, i == 0);
        bench_keep_best(lib_out, &l, i == 0);
    }
    return 0;
}

static inline void bench_print(const char *name, long n, const bench_result *r)
{
    printf("%-22s %7ld requests in %6.3f s = %9.1f req/s  (%ld failed)  peak RSS %.1f MB\n", name,
           n, r->seconds, r->seconds > 0 ? (double)r->ok / r->seconds : 0.0, r->failed,
           (double)r->peak_rss_kb / 1024.0);
}

/* The library's side of a send benchmark: results counted, requests in flight. */
typedef struct lib_state {
    bench_result *r;
    long in_flight;
} lib_state;

static inline void on_sent(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *res,
                           const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    (void)err;
    lib_state *s = ud;
    if (res)
        s->r->ok++;
    else
        s->r->failed++;
    s->in_flight--;
}

#endif
