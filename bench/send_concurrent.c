/* SPDX-License-Identifier: MIT */
/*
 * send_concurrent: N sends with C in flight through libloopmsg's asynchronous API, and the
 * same N requests through a raw libcurl multi loop with C reused easy handles, each in its
 * own child process: both rates, the ratio and peak RSS. With --latency-ms L it first asks
 * the emulator (POST /__sandbox/faults) to add L ms to every answer and compares the
 * library's rate with the ideal C / L.
 *
 * Over https:// both sides get the same trust (--ca-bundle FILE or --capath DIR, else the
 * library's default and libcurl's), and the raw side the library's transport setup, the best
 * found: one share handle (TLS sessions, DNS), CURLOPT_PIPEWAIT, HTTP/2 over TLS when
 * offered, one connection per 100 requests in flight, the CA store loaded once per multi
 * handle, no signal handling, and over HTTP/2 the sockets corked during each
 * curl_multi_perform (TCP_CORK: the frames a batch writes leave together). --control URL
 * names the emulator when URL is a front (nginx); --control none says there is no emulator:
 * with --latency-ms L the server adds L ms itself (nginx with echo_sleep), and L only sets
 * the ideal.
 *
 * --raw-variants (with --latency-ms) runs only raw libcurl, in the setups tried for the
 * 1,000-in-flight target: nothing corked with curl_multi_perform, nothing corked with the
 * event API (curl_multi_socket_action over epoll, so that libcurl learns which socket is
 * ready instead of checking each transfer), the library's way, and the library's way in two
 * client processes with C / 2 each (what a second engine thread could give at most).
 *
 * usage: send_concurrent URL [N] [C] [--latency-ms L] [--ca-bundle F | --capath D]
 *                        [--control URL] [--http1.1] [--raw-variants]
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <loopmsg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>

static const char *url, *control_url, *ca_bundle, *ca_path;
static long n = 20000, conc = 64;
static int http11;

/* How the raw loop drives libcurl. The baseline (RAW_LIBRARY_WAY) is what the library does:
 * over HTTP/2 its sockets are corked during each curl_multi_perform (src/lib/cork.c), over
 * HTTP/1.1 they are not. --raw-variants runs the others. */
enum raw_mode { RAW_LIBRARY_WAY, RAW_PERFORM, RAW_SOCKET, RAW_CORK };
static enum raw_mode raw_mode = RAW_LIBRARY_WAY;

/* RAW_CORK: the connections' sockets, corked while curl_multi_perform runs. */
enum { MAX_CORKED = 256 };
static curl_socket_t corked[MAX_CORKED];
static int ncorked;

static int cork_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
    (void)ud;
    (void)purpose;
    int one = 1;
    if (ncorked < MAX_CORKED && setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one) == 0)
        corked[ncorked++] = fd;
    return CURL_SOCKOPT_OK;
}

/* Uncork and cork again: what the batch wrote leaves now. A closed socket fails harmlessly. */
static void cork_flush(void)
{
    int zero = 0, one = 1;
    for (int i = 0; i < ncorked; i++) {
        setsockopt(corked[i], IPPROTO_TCP, TCP_CORK, &zero, sizeof zero);
        setsockopt(corked[i], IPPROTO_TCP, TCP_CORK, &one, sizeof one);
    }
}

/* RAW_SOCKET: libcurl's sockets in one epoll set, its timer in a variable. */
static int raw_epoll = -1;
static long raw_timeout_ms = -1;

static int raw_socket_cb(CURL *h, curl_socket_t fd, int what, void *ud, void *sockp)
{
    (void)h;
    (void)ud;
    (void)sockp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(raw_epoll, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    if (epoll_ctl(raw_epoll, EPOLL_CTL_MOD, fd, &ev) != 0)
        epoll_ctl(raw_epoll, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int raw_timer_cb(CURLM *m, long timeout_ms, void *ud)
{
    (void)m;
    (void)ud;
    raw_timeout_ms = timeout_ms;
    return 0;
}

/* Wait for and hand libcurl what is ready: one step of the event-API loop. */
static void raw_socket_step(CURLM *m, int *running)
{
    struct epoll_event evs[64];
    int k = epoll_wait(raw_epoll, evs, 64, raw_timeout_ms < 0 ? 100 : (int)raw_timeout_ms);
    if (k <= 0) {
        curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, running);
        return;
    }
    for (int i = 0; i < k; i++) {
        int bits = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                   (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                   (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(m, evs[i].data.fd, bits, running);
    }
}
static const char body[] = "{\"contact\":\"+13231112233\",\"text\":\"benchmark message\"}";

static void run_library(void *arg, bench_result *r)
{
    (void)arg;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "test-key";
    o.base_url = url;
    o.max_concurrent = (unsigned int)conc;
    o.ca_bundle_path = ca_bundle;
    o.ca_path = ca_path;
    o.http_version = http11 ? LOOPMSG_HTTP_VERSION_1_1 : LOOPMSG_HTTP_VERSION_AUTO;
    loopmsg_client *c = NULL;
    if (loopmsg_client_new(&o, &c, NULL) != LOOPMSG_OK)
        return;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "benchmark message";
    lib_state s = {r, 0};
    double t0 = bench_now();
    long submitted = 0;
    while (submitted < n || s.in_flight) {
        while (submitted < n && s.in_flight < conc * 2) {
            if (loopmsg_message_send_async(c, &p, on_sent, &s, NULL, NULL) != LOOPMSG_OK) {
                r->failed++;
                submitted++;
                continue;
            }
            submitted++;
            s.in_flight++;
        }
        if (loopmsg_client_poll(c, 100) < 0)
            break;
    }
    r->seconds = bench_now() - t0;
    loopmsg_client_free(c);
}

static size_t sink(char *d, size_t s, size_t m, void *ud)
{
    (void)d;
    (void)ud;
    return s * m;
}

static void run_raw(void *arg, bench_result *r)
{
    (void)arg;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    /* The library's connection settings: over HTTP/2 one connection per 100 requests in
     * flight (each waits to multiplex: PIPEWAIT), over HTTP/1.1 one per request. */
    bool h2 = !http11 && strncmp(url, "https:", 6) == 0;
    if (raw_mode == RAW_LIBRARY_WAY)
        raw_mode = h2 ? RAW_CORK : RAW_PERFORM; /* in the child: the parent's stays */
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, h2 ? (conc + 99) / 100 : conc);
    curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS, conc);
    if (raw_mode == RAW_SOCKET) {
        raw_epoll = epoll_create1(0);
        curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, raw_socket_cb);
        curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, raw_timer_cb);
    }
    CURLSH *sh = curl_share_init();
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    char target[512];
    snprintf(target, sizeof target, "%s/api/v1/message/send/", url);
    struct curl_slist *hd = NULL;
    hd = curl_slist_append(hd, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Authorization: test-key");
    CURL **hs = calloc((size_t)conc, sizeof *hs);
    long started = 0;
    double t0 = bench_now();
    for (long i = 0; i < conc && started < n; i++, started++) {
        hs[i] = curl_easy_init();
        curl_easy_setopt(hs[i], CURLOPT_URL, target);
        curl_easy_setopt(hs[i], CURLOPT_HTTPHEADER, hd);
        curl_easy_setopt(hs[i], CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(hs[i], CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(hs[i], CURLOPT_SHARE, sh);
        curl_easy_setopt(hs[i], CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(hs[i], CURLOPT_NOSIGNAL, 1L); /* as the library: no sigaction pair */
        if (raw_mode == RAW_CORK)
            curl_easy_setopt(hs[i], CURLOPT_SOCKOPTFUNCTION, cork_sockopt);
        curl_easy_setopt(hs[i], CURLOPT_HTTP_VERSION,
                         http11 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
        if (ca_bundle || ca_path) {
            curl_easy_setopt(hs[i], CURLOPT_CAINFO, ca_bundle);
            curl_easy_setopt(hs[i], CURLOPT_CAPATH, ca_path);
        }
        curl_multi_add_handle(m, hs[i]);
    }
    int running = 1;
    if (raw_mode == RAW_SOCKET)
        curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
    while (running || r->ok + r->failed < n) {
        if (raw_mode == RAW_SOCKET)
            raw_socket_step(m, &running);
        else
            curl_multi_perform(m, &running);
        if (raw_mode == RAW_CORK)
            cork_flush();
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            long code = 0;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result == CURLE_OK && code == 200)
                r->ok++;
            else
                r->failed++;
            curl_multi_remove_handle(m, h);
            if (started < n) {
                started++;
                curl_multi_add_handle(m, h); /* the same handle, the same request */
                running = 1;
            }
        }
        if (r->ok + r->failed >= n)
            break;
        if (raw_mode != RAW_SOCKET)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    r->seconds = bench_now() - t0;
    for (long i = 0; i < conc; i++)
        if (hs[i])
            curl_easy_cleanup(hs[i]);
    free(hs);
    curl_slist_free_all(hd);
    curl_multi_cleanup(m);
    curl_share_cleanup(sh);
    if (raw_epoll >= 0)
        close(raw_epoll);
    curl_global_cleanup();
}

static int set_latency(long ms)
{
    char json[64];
    snprintf(json, sizeof json, "{\"latency_ms\":%ld}", ms);
    if (strcmp(control_url, "none") == 0)
        return 0; /* the server adds the latency itself (nginx with echo_sleep) */
    return bench_control(control_url, "/__sandbox/faults", json);
}

static long latency_ms;

/* Two raw loops at once, each with half the sends and half the concurrency: the rate of the
 * pair over the wall time until both are done, their CPU added. */
static int run_raw_pair(bench_result *out)
{
    long whole_n = n, whole_c = conc;
    n = whole_n / 2;
    conc = whole_c / 2;
    double t0 = bench_now();
    pid_t pids[2];
    int fds[2][2];
    for (int i = 0; i < 2; i++) {
        if (pipe(fds[i]) != 0)
            return -1;
        pids[i] = fork();
        if (pids[i] < 0)
            return -1;
        if (pids[i] == 0) {
            close(fds[i][0]);
            bench_result r = {0};
            run_raw(NULL, &r);
            ssize_t w = write(fds[i][1], &r, sizeof r);
            _exit(w == (ssize_t)sizeof r ? 0 : 1);
        }
        close(fds[i][1]);
    }
    bench_result sum = {0};
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        bench_result r = {0};
        ssize_t got = read(fds[i][0], &r, sizeof r);
        close(fds[i][0]);
        int status;
        struct rusage ru;
        if (wait4(pids[i], &status, 0, &ru) < 0 || got != (ssize_t)sizeof r || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            rc = -1;
        sum.ok += r.ok;
        sum.failed += r.failed;
        sum.peak_rss_kb += ru.ru_maxrss;
        sum.cpu_seconds += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    }
    sum.seconds = bench_now() - t0;
    n = whole_n;
    conc = whole_c;
    *out = sum;
    return rc;
}

/* --raw-variants: each raw setup BENCH_ROUNDS times (default 3), its best rate as a
 * fraction of the ideal and its CPU per request. */
static int run_raw_variants(double ideal)
{
    static const char *const names[] = {"perform + poll, nothing corked",
                                        "socket_action + epoll, nothing corked",
                                        "perform, corked per perform (the library's way)",
                                        "two processes, C / 2 each, the library's way"};
    const char *env = getenv("BENCH_ROUNDS");
    long rounds = env ? strtol(env, NULL, 10) : 3;
    int rc = 0;
    for (int v = 0; v < 4; v++) {
        bench_result best = {0};
        for (long i = 0; i < (rounds < 1 ? 1 : rounds); i++) {
            bench_result r;
            raw_mode = v == 0 ? RAW_PERFORM : v == 1 ? RAW_SOCKET : RAW_LIBRARY_WAY;
            int failed = v == 3 ? run_raw_pair(&r) : bench_in_child(run_raw, NULL, &r);
            raw_mode = RAW_LIBRARY_WAY;
            if (failed != 0) {
                rc = 1;
                break;
            }
            bench_keep_best(&best, &r, i == 0);
        }
        printf("raw libcurl, %-47s %9.1f req/s = %.3f of ideal, %.0f us of client CPU per request, "
               "peak RSS %.1f MB%s\n",
               names[v], bench_rate(&best), bench_rate(&best) / ideal,
               best.ok ? best.cpu_seconds / (double)best.ok * 1e6 : 0.0,
               (double)best.peak_rss_kb / 1024.0, v == 3 ? " (both)" : "");
        if (best.failed)
            rc = 1;
    }
    return rc;
}

/* A reset clears the faults too: the latency goes back on after it. */
static void reset_server(void)
{
    if (strcmp(control_url, "none") == 0)
        return;
    if (bench_control(control_url, "/__sandbox/reset", "{\"state\":true}") != 0)
        fprintf(stderr, "bench: could not reset the emulator (not an emulator?)\n");
    if (latency_ms > 0 && set_latency(latency_ms) != 0)
        fprintf(stderr, "bench: could not set the emulator's latency\n");
}

int main(int argc, char **argv)
{
    long latency = 0;
    int variants = 0;
    const char *pos[3] = {NULL, NULL, NULL};
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--latency-ms") == 0 && i + 1 < argc)
            latency = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--ca-bundle") == 0 && i + 1 < argc)
            ca_bundle = argv[++i];
        else if (strcmp(argv[i], "--capath") == 0 && i + 1 < argc)
            ca_path = argv[++i];
        else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
            control_url = argv[++i];
        else if (strcmp(argv[i], "--http1.1") == 0)
            http11 = 1;
        else if (strcmp(argv[i], "--raw-variants") == 0)
            variants = 1;
        else if (np < 3)
            pos[np++] = argv[i];
    }
    if (!pos[0]) {
        fprintf(stderr, "usage: %s URL [N] [C] [--latency-ms L]\n", argv[0]);
        return 2;
    }
    url = pos[0];
    if (!control_url)
        control_url = url;
    if (pos[1])
        n = strtol(pos[1], NULL, 10);
    if (pos[2])
        conc = strtol(pos[2], NULL, 10);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (latency > 0) {
        latency_ms = latency;
        if (set_latency(latency) != 0) {
            fprintf(stderr, "send_concurrent: could not set the emulator's latency\n");
            return 1;
        }
        double ideal = (double)conc / ((double)latency / 1000.0);
        if (variants) {
            printf("raw libcurl setups: %ld sends, C = %ld, server adds %ld ms, ideal %.0f req/s\n",
                   n, conc, latency, ideal);
            int rc = run_raw_variants(ideal);
            latency_ms = 0;
            set_latency(0);
            return rc;
        }
        /* The raw libcurl multi loop at the same C against the same server, alternated with
         * the library: what the server side lets any client reach on this machine. */
        bench_result lib, raw;
        int rc = bench_best_of(run_raw, run_library, reset_server, &raw, &lib);
        latency_ms = 0;
        set_latency(0);
        if (rc != 0)
            return 1;
        printf("send_concurrent latency run: %ld sends, C = %ld, server adds %ld ms\n", n, conc,
               latency);
        bench_print("raw libcurl multi", n, &raw);
        bench_print("libloopmsg async", n, &lib);
        printf("CPU: raw %.2f s, libloopmsg %.2f s\n", raw.cpu_seconds, lib.cpu_seconds);
        printf("ideal C / %.3f s = %.0f req/s; raw / ideal %.3f, libloopmsg / ideal %.3f "
               "(target >= 0.9), libloopmsg / raw %.3f\n",
               (double)latency / 1000.0, ideal, bench_rate(&raw) / ideal, bench_rate(&lib) / ideal,
               bench_rate(&lib) / bench_rate(&raw));
        printf("libloopmsg peak RSS %.1f MB, raw %.1f MB (target at 1,000 in flight <= 40 MB)\n",
               (double)lib.peak_rss_kb / 1024.0, (double)raw.peak_rss_kb / 1024.0);
        return lib.failed || raw.failed ? 1 : 0;
    }
    bench_result lib, raw;
    if (bench_best_of(run_raw, run_library, reset_server, &raw, &lib) != 0) {
        fprintf(stderr, "send_concurrent: a run failed\n");
        return 1;
    }
    printf("send_concurrent: %ld sends, %ld in flight, to %s\n", n, conc, url);
    bench_print("raw libcurl multi", n, &raw);
    bench_print("libloopmsg async", n, &lib);
    /* Over https the targets are the HTTPS issue's: 0.9 of the best raw setup, 20 MB. */
    bool tls = strncmp(url, "https:", 6) == 0;
    printf("ratio libloopmsg / raw: %.3f   (target >= %s)\n",
           ((double)lib.ok / lib.seconds) / ((double)raw.ok / raw.seconds), tls ? "0.9" : "0.85");
    printf("libloopmsg peak RSS: %.1f MB   (target < %s MB at %ld in flight)\n",
           (double)lib.peak_rss_kb / 1024.0, tls ? "20" : "16", conc);
    curl_global_cleanup();
    return lib.failed || raw.failed ? 1 : 0;
}
