/* SPDX-License-Identifier: MIT */
/*
 * send_throughput: N sequential sends through libloopmsg against a local server, and the
 * same N requests through a raw libcurl loop (one reused easy handle, the same body), each
 * in its own child process. Prints both rates, their ratio and each side's peak RSS.
 *
 * usage: send_throughput URL [N]     (URL: e.g. a `loopmsg sandbox` on 127.0.0.1)
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <loopmsg.h>
#include <string.h>

static const char *url;
static long n = 20000;
static const char body[] = "{\"contact\":\"+13231112233\",\"text\":\"benchmark message\"}";

static void run_library(void *arg, bench_result *r)
{
    (void)arg;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "test-key";
    o.base_url = url;
    loopmsg_client *c = NULL;
    if (loopmsg_client_new(&o, &c, NULL) != LOOPMSG_OK)
        return;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "benchmark message";
    for (int i = 0; i < 200; i++) { /* warm up: connection, caches */
        loopmsg_send_result *res = NULL;
        if (loopmsg_message_send(c, &p, &res, NULL) == LOOPMSG_OK)
            loopmsg_send_result_free(res);
    }
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        loopmsg_send_result *res = NULL;
        if (loopmsg_message_send(c, &p, &res, NULL) == LOOPMSG_OK) {
            r->ok++;
            loopmsg_send_result_free(res);
        } else {
            r->failed++;
        }
    }
    r->seconds = bench_now() - t0;
    loopmsg_client_free(c);
}

static size_t sink(char *d, size_t s, size_t m, void *ud)
{
    (void)d;
    *(size_t *)ud += s * m;
    return s * m;
}

static void run_raw(void *arg, bench_result *r)
{
    (void)arg;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    char target[512];
    snprintf(target, sizeof target, "%s/api/v1/message/send/", url);
    struct curl_slist *hd = NULL;
    hd = curl_slist_append(hd, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Authorization: test-key");
    size_t bytes = 0;
    curl_easy_setopt(h, CURLOPT_URL, target);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bytes);
    for (int i = 0; i < 200; i++)
        curl_easy_perform(h);
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        long code = 0;
        if (curl_easy_perform(h) == CURLE_OK &&
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200)
            r->ok++;
        else
            r->failed++;
    }
    r->seconds = bench_now() - t0;
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    curl_global_cleanup();
}

static void reset_server(void)
{
    if (bench_control(url, "/__sandbox/reset", "{\"state\":true}") != 0)
        fprintf(stderr, "bench: could not reset the emulator (not an emulator?)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [N]\n", argv[0]);
        return 2;
    }
    url = argv[1];
    if (argc > 2)
        n = strtol(argv[2], NULL, 10);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bench_result lib, raw;
    if (bench_best_of(run_raw, run_library, reset_server, &raw, &lib) != 0) {
        fprintf(stderr, "send_throughput: a run failed\n");
        return 1;
    }
    printf("send_throughput: %ld sequential sends to %s\n", n, url);
    bench_print("raw libcurl loop", n, &raw);
    bench_print("libloopmsg", n, &lib);
    double rl = (double)lib.ok / lib.seconds, rr = (double)raw.ok / raw.seconds;
    printf("ratio libloopmsg / raw: %.3f   (target >= 0.9)\n", rl / rr);
    printf("libloopmsg peak RSS: %.1f MB   (target < 12 MB for 20,000 sends)\n",
           (double)lib.peak_rss_kb / 1024.0);
    return lib.failed || raw.failed ? 1 : 0;
}
