/* SPDX-License-Identifier: MIT */
/*
 * emu_contacts: the emulator's cost of a new contact as its audience grows. Starts an
 * in-process emulator, fills it with FILL contacts (inbound messages, in process), then
 * times N sends to N new contacts over HTTP (one keep-alive libcurl handle); does the same
 * on a fresh emulator and prints both times and their ratio, which stays near 1 when
 * lookups are indexed (it was about 14 with the linear scan).
 *
 * usage: emu_contacts [N [FILL]]     (defaults 5000 and 40000)
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <loopmsg/emulator.h>
#include <stdio.h>
#include <string.h>

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* Distinct numbers; none ends in a failure suffix. */
static void contact_value(char *out, size_t size, long i)
{
    snprintf(out, size, "+1555%07ld", i * 10 + 5);
}

/* Seconds to send to contacts [from, from + n), or a negative value on failure. */
static double time_sends(loopmsg_emulator *emu, long from, long n)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/message/send/", loopmsg_emulator_url(emu));
    struct curl_slist *hdrs = curl_slist_append(NULL, "Authorization: test-key");
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    char body[128], contact[32];
    long failed = 0;
    double t0 = bench_now();
    for (long i = from; i < from + n; i++) {
        contact_value(contact, sizeof contact, i);
        snprintf(body, sizeof body, "{\"contact\":\"%s\",\"text\":\"bench\"}", contact);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        failed += status != 200;
    }
    double t = bench_now() - t0;
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    if (failed) {
        fprintf(stderr, "emu_contacts: %ld sends failed\n", failed);
        return -1;
    }
    return t;
}

static double run(long n, long fill)
{
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.quiet = true;
    loopmsg_emulator *emu = NULL;
    if (loopmsg_emulator_start(&o, &emu, NULL) != LOOPMSG_OK)
        return -1;
    char contact[32];
    double t0 = bench_now();
    for (long i = 0; i < fill; i++) {
        contact_value(contact, sizeof contact, i);
        if (loopmsg_emulator_inject(emu, contact, "hi", NULL, NULL, 0, NULL) != LOOPMSG_OK) {
            loopmsg_emulator_free(emu);
            return -1;
        }
    }
    if (fill)
        printf("  filled %ld contacts in %.2f s\n", fill, bench_now() - t0);
    double t = time_sends(emu, fill, n);
    loopmsg_emulator_free(emu);
    return t;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
    long fill = argc > 2 ? strtol(argv[2], NULL, 10) : 40000;
    if (n <= 0 || fill < 0) {
        fprintf(stderr, "usage: emu_contacts [N [FILL]]\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    double fresh = run(n, 0);
    double full = run(n, fill);
    curl_global_cleanup();
    if (fresh <= 0 || full <= 0)
        return 1;
    printf("%ld new contacts: fresh sandbox %.2f s, holding %ld contacts %.2f s, ratio %.2f\n", n,
           fresh, fill, full, full / fresh);
    return 0;
}
