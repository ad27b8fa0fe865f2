/* SPDX-License-Identifier: MIT */
/*
 * send_concurrent: N sends with C in flight through libloopmsg's asynchronous API, and the
 * same N requests through a raw libcurl multi loop with C reused easy handles, each in its
 * own child process: both rates, the ratio and peak RSS. With --latency-ms L it first asks
 * the emulator (POST /__sandbox/faults) to add L ms to every answer and compares the
 * library's rate with the ideal C / L.
 *
 * Over https:// both sides get the same trust (--ca-bundle FILE or --capath DIR, else the
 * library's default and libcurl's), and the raw side the best setup found: one share handle
 * (TLS sessions, DNS), CURLOPT_PIPEWAIT, HTTP/2 over TLS when offered, the CA store loaded
 * once per multi handle. --control URL names the emulator when URL is a front (nginx);
 * --control none says there is no emulator: with --latency-ms L the server adds L ms itself
 * (nginx with echo_sleep), and L only sets the ideal.
 *
 * usage: send_concurrent URL [N] [C] [--latency-ms L] [--ca-bundle F | --capath D]
 *                        [--control URL] [--http1.1]
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <loopmsg.h>
#include <string.h>

static const char *url, *control_url, *ca_bundle, *ca_path;
static long n = 20000, conc = 64;
static int http11;
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
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
    curl_multi_setopt(m, CURLMOPT_MAX_CONCURRENT_STREAMS, conc);
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
        curl_easy_setopt(hs[i], CURLOPT_HTTP_VERSION,
                         http11 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
        if (ca_bundle || ca_path) {
            curl_easy_setopt(hs[i], CURLOPT_CAINFO, ca_bundle);
            curl_easy_setopt(hs[i], CURLOPT_CAPATH, ca_path);
        }
        curl_multi_add_handle(m, hs[i]);
    }
    int running = 1;
    while (running || r->ok + r->failed < n) {
        curl_multi_perform(m, &running);
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
        /* The raw libcurl multi loop at the same C against the same server, alternated with
         * the library: what the server side lets any client reach on this machine. */
        bench_result lib, raw;
        int rc = bench_best_of(run_raw, run_library, reset_server, &raw, &lib);
        latency_ms = 0;
        set_latency(0);
        if (rc != 0)
            return 1;
        double ideal = (double)conc / ((double)latency / 1000.0);
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
