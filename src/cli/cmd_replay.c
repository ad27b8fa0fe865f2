/* SPDX-License-Identifier: MIT */
/*
 * cmd_replay.c: `loopmsg webhooks replay`: finds deliveries in the webhook history (through
 * the library's list API) and posts each stored payload to a URL as Loop posts a webhook
 * (Content-Type: application/json, User-Agent: LoopMessage, Connection: close, and the given
 * Authorization value), printing each answer. The POST to the user's receiver uses libcurl's
 * easy interface directly, as the emulator does for its deliveries (docs/architecture.md):
 * it is not a Loop API call, so it must carry neither the API key nor the engine's retries.
 * A replay is sent once; the receiver's deduplication by webhook_id decides what it does.
 */
#include "cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { W_TO = 256, W_HEADER, W_SINCE, W_EVENT };

typedef struct replay_args {
    const char *cmd;
    const char *to, *header, *since, *event;
} replay_args;

static const struct option replay_opts[] = {
    {"to", required_argument, NULL, W_TO},
    {"header", required_argument, NULL, W_HEADER},
    {"since", required_argument, NULL, W_SINCE},
    {"event", required_argument, NULL, W_EVENT},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage:\n"
    "  loopmsg webhooks replay WEBHOOK_ID --to URL [--header VALUE]\n"
    "  loopmsg webhooks replay [WEBHOOK_ID] (--since DATE | --event TYPE)... --to URL\n"
    "                          [--header VALUE]\n"
    "Posts the payload stored in the webhook history to URL as Loop would (the same headers,\n"
    "Authorization: VALUE) and prints each answer. --since keeps deliveries created at or\n"
    "after DATE (YYYY-MM-DD or ISO 8601), --event those of one event type; each webhook_id is\n"
    "replayed once. URL must be https://, or http:// to a loopback host.\n";

static int on_opt(int id, const char *arg, void *ud)
{
    replay_args *a = ud;
    switch (id) {
    case W_TO:
        a->to = arg;
        break;
    case W_HEADER:
        a->header = arg;
        break;
    case W_SINCE:
        a->since = arg;
        break;
    case W_EVENT:
        a->event = arg;
        break;
    default:
        return -1;
    }
    return 0;
}

/* The Authorization value is a secret: it goes over https, or http to this machine only. */
static int url_ok(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return 1;
    if (strncasecmp(url, "http://", 7) != 0)
        return 0;
    const char *h = url + 7;
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    if (n == 5 && strncmp(h, "[::1]", 5) == 0)
        return 1;
    if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
        return 1;
    /* 127.0.0.0/8: "127." and digits and dots only (not "127.evil.example"). */
    if (n < 5 || strncmp(h, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < n; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
            return 0;
    return 1;
}

typedef struct answer {
    char data[4096];
    size_t len;
} answer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t take = size * n;
    if (take > sizeof a->data - 1 - a->len)
        take = sizeof a->data - 1 - a->len;
    memcpy(a->data + a->len, p, take);
    a->len += take;
    a->data[a->len] = '\0';
    return size * n;
}

/* POST one payload; the HTTP status, or 0 on a transport error (message in errbuf). */
static long post_one(const replay_args *a, const char *payload, answer *ans,
                     char errbuf[CURL_ERROR_SIZE])
{
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(errbuf, CURL_ERROR_SIZE, "curl_easy_init failed");
        return 0;
    }
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "User-Agent: LoopMessage");
    hdr = curl_slist_append(hdr, "Connection: close");
    hdr = curl_slist_append(hdr, "Expect:");
    char *auth = NULL;
    if (a->header) {
        size_t n = strlen(a->header) + sizeof "Authorization: ";
        auth = malloc(n);
        if (auth) {
            snprintf(auth, n, "Authorization: %s", a->header);
            hdr = curl_slist_append(hdr, auth);
        }
    }
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, a->to);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L); /* Loop's limit for an answer */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else if (!errbuf[0])
        snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hdr);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    curl_easy_cleanup(h);
    return status;
}

/* Does the delivery pass the filters? id is its payload's webhook_id. */
static int wanted(const replay_args *a, const char *want_id, const loopmsg_webhook_delivery *d,
                  const char *id)
{
    if (want_id && (!id || strcmp(id, want_id) != 0))
        return 0;
    if (a->event && (!d->event_type || strcmp(d->event_type, a->event) != 0))
        return 0;
    if (a->since && (!d->create_date || strcmp(d->create_date, a->since) < 0))
        return 0;
    return 1;
}

int cli_cmd_webhooks_replay(cli_globals *g, int argc, char **argv)
{
    replay_args a;
    memset(&a, 0, sizeof a);
    a.cmd = "webhooks replay";
    int first = cli_parse(g, argc, argv, replay_opts, on_opt, &a, usage_text);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    int npos = argc - first;
    if (npos > 1)
        return cli_usage_error(a.cmd, "at most one WEBHOOK_ID");
    const char *want_id = npos == 1 ? argv[first] : NULL;
    if (!a.to)
        return cli_usage_error(a.cmd, "--to URL is required");
    if (!url_ok(a.to))
        return cli_usage_error(a.cmd, "--to: must be https://, or http:// to a loopback host "
                                      "(the Authorization value must not travel in clear)");
    if (!want_id && !a.since && !a.event)
        return cli_usage_error(a.cmd, "give a WEBHOOK_ID, --since DATE or --event TYPE");

    int rc;
    loopmsg_client *c = cli_client_new(g, &rc);
    if (!c)
        return rc;
    loopmsg_page *page = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_list_all(c, LOOPMSG_LIST_WEBHOOK_DELIVERIES, NULL, 0, &page, &err);
    if (st != LOOPMSG_OK) {
        rc = cli_report_error(g, a.cmd, st, &err);
        loopmsg_client_free(c);
        return rc;
    }
    /* Each webhook_id once: the history lists every attempt with the same payload. */
    json_t *seen = json_object();
    size_t sent = 0, failed = 0;
    for (size_t i = 0; seen && i < page->item_count; i++) {
        const loopmsg_webhook_delivery *d = &page->deliveries[i];
        if (!d->json)
            continue;
        json_t *payload = json_loads(d->json, 0, NULL);
        const char *id = json_string_value(json_object_get(payload, "webhook_id"));
        if (!wanted(&a, want_id, d, id) || (id && json_object_get(seen, id))) {
            json_decref(payload);
            continue;
        }
        if (id)
            json_object_set_new(seen, id, json_true());
        answer ans;
        ans.len = 0;
        ans.data[0] = '\0';
        char errbuf[CURL_ERROR_SIZE];
        long status = post_one(&a, d->json, &ans, errbuf);
        sent++;
        if (status < 200 || status > 299)
            failed++;
        if (g->json) {
            json_t *o = json_pack("{s:s?,s:s?,s:i,s:s}", "webhook_id", id, "event", d->event_type,
                                  "http_status", (int)status, "answer", status ? ans.data : errbuf);
            if (o)
                json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
        } else if (status) {
            printf("%s %s -> HTTP %ld %s\n", id ? id : "-", d->event_type ? d->event_type : "-",
                   status, ans.data);
        } else {
            printf("%s %s -> failed: %s\n", id ? id : "-", d->event_type ? d->event_type : "-",
                   errbuf);
        }
        json_decref(payload);
    }
    json_decref(seen);
    loopmsg_page_free(page);
    loopmsg_client_free(c);
    fflush(stdout);
    if (sent == 0) {
        fprintf(stderr, "loopmsg %s: %s\n", a.cmd,
                want_id ? "no delivery with this webhook_id in the webhook history"
                        : "no delivery in the webhook history matches");
        return CLI_EXIT_ERROR;
    }
    if (failed) {
        fprintf(stderr, "loopmsg %s: %zu of %zu replay(s) not answered with 2xx\n", a.cmd, failed,
                sent);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}
