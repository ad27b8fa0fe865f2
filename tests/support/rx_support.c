/* SPDX-License-Identifier: MIT */
/* rx_support.c: the recording webhook receiver of rx_support.h. */
#define _GNU_SOURCE
#include "rx_support.h"
#include "test_support.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rx_body {
    char data[65536];
    size_t len;
} rx_body;

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t size)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    snprintf(out, size, "%s", v ? v : "");
}

static enum MHD_Result rx_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **con_cls)
{
    (void)version;
    receiver *rx = cls;
    rx_body *b = *con_cls;
    if (!b) {
        b = calloc(1, sizeof *b);
        *con_cls = b;
        return b ? MHD_YES : MHD_NO;
    }
    if (*size) {
        size_t take = *size < sizeof b->data - 1 - b->len ? *size : sizeof b->data - 1 - b->len;
        memcpy(b->data + b->len, data, take);
        b->len += take;
        *size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&rx->lock);
    unsigned int status = 200;
    if (rx->count < MAX_HOOKS) {
        hook *h = &rx->hooks[rx->count];
        h->body = json_loadb(b->data, b->len, 0, NULL);
        h->text = strndup(b->data, b->len);
        snprintf(h->path, sizeof h->path, "%s", url);
        copy_header(c, "Authorization", h->auth, sizeof h->auth);
        copy_header(c, "User-Agent", h->user_agent, sizeof h->user_agent);
        copy_header(c, "Content-Type", h->content_type, sizeof h->content_type);
        snprintf(h->method, sizeof h->method, "%s", method);
        rx->count++;
        if (rx->fail_all || rx->count <= rx->fail_first)
            status = 500;
    }
    pthread_mutex_unlock(&rx->lock);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(2, (void *)"OK", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void rx_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

receiver *rx_start(void)
{
    receiver *rx = calloc(1, sizeof *rx);
    assert_non_null(rx);
    pthread_mutex_init(&rx->lock, NULL);
    rx->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO, 0, NULL,
        NULL, rx_access, rx, MHD_OPTION_NOTIFY_COMPLETED, rx_done, rx, MHD_OPTION_END);
    assert_non_null(rx->daemon);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(rx->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(rx->url, sizeof rx->url, "http://127.0.0.1:%u/hook", (unsigned int)info->port);
    return rx;
}

void rx_stop(receiver *rx)
{
    if (!rx)
        return;
    MHD_stop_daemon(rx->daemon);
    for (size_t i = 0; i < rx->count; i++) {
        json_decref(rx->hooks[i].body);
        free(rx->hooks[i].text);
    }
    pthread_mutex_destroy(&rx->lock);
    free(rx);
}

size_t rx_count(receiver *rx)
{
    pthread_mutex_lock(&rx->lock);
    size_t n = rx->count;
    pthread_mutex_unlock(&rx->lock);
    return n;
}

/* Wait until n webhooks arrived (fails after timeout_ms). */
void rx_wait(receiver *rx, size_t n, long timeout_ms)
{
    long t0 = (long)ts_now_ms();
    while (rx_count(rx) < n && (long)ts_now_ms() - t0 < timeout_ms)
        ts_sleep_ms(5);
    if (rx_count(rx) < n)
        fail_msg("expected %zu webhooks within %ld ms, got %zu", n, timeout_ms, rx_count(rx));
}
