/* SPDX-License-Identifier: MIT */
/*
 * events.c: the emulator's outgoing webhooks. One thread keeps a queue of deliveries ordered
 * by due time (monotonic clock), POSTs each event to the configured webhook URL with libcurl's
 * easy interface (headers as Loop sends them), records every attempt in the
 * webhook history and redelivers on any answer but 200 on Loop's schedule (10 x 30 s,
 * 10 x 3 min, 10 x 15 min), every delay multiplied by time_scale. It never touches the
 * emulator's HTTP server, and it never holds its own lock while calling into state.c.
 */
#include "emulator_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Loop gives up after 30 redeliveries. */
#define MAX_RETRIES 30

typedef struct job {
    int64_t due; /* monotonic ms */
    char *body;
    char *event_type;
    char *url;             /* NULL: the emulator's webhook URL */
    char *header;          /* with url: the Authorization value (NULL = none) */
    unsigned int attempts; /* made so far */
    struct job *next;
} job;

struct loopmsg__emu_events {
    loopmsg_emulator *emu;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    job *head;
    size_t in_flight;
};

static void job_free(job *j)
{
    if (j) {
        free(j->body);
        free(j->event_type);
        free(j->url);
        free(j->header);
        free(j);
    }
}

/* Insert keeping due order; equal due times stay FIFO. Caller holds ev->lock. */
static void insert_job(loopmsg__emu_events *ev, job *j)
{
    job **pp = &ev->head;
    while (*pp && (*pp)->due <= j->due)
        pp = &(*pp)->next;
    j->next = *pp;
    *pp = j;
    pthread_cond_broadcast(&ev->cond);
}

static int64_t retry_delay_ms(unsigned int retry)
{
    if (retry <= 10)
        return 30 * 1000;
    if (retry <= 20)
        return 3 * 60 * 1000;
    return 15 * 60 * 1000;
}

static size_t discard_cb(char *ptr, size_t size, size_t nmemb, void *user_data)
{
    (void)ptr;
    (void)user_data;
    return size * nmemb;
}

static int progress_cb(void *user_data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    loopmsg__emu_events *ev = user_data;
    pthread_mutex_lock(&ev->lock);
    bool stop = ev->stop;
    pthread_mutex_unlock(&ev->lock);
    return stop ? 1 : 0;
}

/* POST one event. Returns the HTTP status, or 0 when no answer came back. */
static int deliver(loopmsg__emu_events *ev, const job *j)
{
    loopmsg_emulator *emu = ev->emu;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Connection: close");
    headers = curl_slist_append(headers, "Expect:");
    char *auth = NULL;
    const char *header = j->url ? j->header : emu->webhook_header;
    if (header) {
        loopmsg__buf b = LOOPMSG__BUF_LIBC;
        loopmsg__buf_printf(&b, "Authorization: %s", header);
        auth = b.ptr;
        if (auth)
            headers = curl_slist_append(headers, auth);
    }
    /* Loop waits 15 s for the 200; scaled down (not below 2 s) when time runs faster. */
    long timeout_ms = (long)loopmsg__emu_scaled_ms(emu, 15000);
    if (timeout_ms < 2000)
        timeout_ms = 2000;
    if (timeout_ms > 15000)
        timeout_ms = 15000;
    curl_easy_setopt(h, CURLOPT_URL, j->url ? j->url : emu->webhook_url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "LoopMessage");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, ev);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    free(auth);
    return (int)status;
}

static void log_line(loopmsg_emulator *emu, const job *j, int status)
{
    if (emu->quiet || !emu->log_cb)
        return;
    char line[256];
    snprintf(line, sizeof line, "WEBHOOK %s attempt %u -> %d", j->event_type, j->attempts + 1,
             status);
    emu->log_cb(LOOPMSG_LOG_INFO, line, emu->log_user_data);
}

static struct timespec mono_deadline(int64_t due_ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(due_ms / 1000);
    ts.tv_nsec = (long)(due_ms % 1000) * 1000000L;
    return ts;
}

static void *events_main(void *arg)
{
    loopmsg__emu_events *ev = arg;
    pthread_mutex_lock(&ev->lock);
    while (!ev->stop) {
        if (!ev->head) {
            pthread_cond_wait(&ev->cond, &ev->lock);
            continue;
        }
        int64_t now = (int64_t)loopmsg__mono_ms();
        if (ev->head->due > now) {
            struct timespec ts = mono_deadline(ev->head->due);
            pthread_cond_timedwait(&ev->cond, &ev->lock, &ts);
            continue;
        }
        job *j = ev->head;
        ev->head = j->next;
        j->next = NULL;
        ev->in_flight++;
        pthread_mutex_unlock(&ev->lock);

        int status = deliver(ev, j);
        log_line(ev->emu, j, status);
        loopmsg__emu_state_webhook_attempt(ev->emu, j->event_type, j->body, j->attempts + 1,
                                           status);

        pthread_mutex_lock(&ev->lock);
        ev->in_flight--;
        j->attempts++;
        /* Only a 200 counts as delivered; any other answer is redelivered. */
        if (status != 200 && j->attempts <= MAX_RETRIES && !ev->stop) {
            j->due = (int64_t)loopmsg__mono_ms() +
                     loopmsg__emu_scaled_ms(ev->emu, (double)retry_delay_ms(j->attempts));
            insert_job(ev, j);
        } else {
            job_free(j);
            pthread_cond_broadcast(&ev->cond);
        }
    }
    pthread_mutex_unlock(&ev->lock);
    return NULL;
}

loopmsg__emu_events *loopmsg__emu_events_start(loopmsg_emulator *emu)
{
    loopmsg__emu_events *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->emu = emu;
    pthread_mutex_init(&ev->lock, NULL);
    loopmsg__cond_init_mono(&ev->cond);
    if (pthread_create(&ev->thread, NULL, events_main, ev) != 0) {
        pthread_cond_destroy(&ev->cond);
        pthread_mutex_destroy(&ev->lock);
        free(ev);
        return NULL;
    }
    ev->thread_started = true;
    return ev;
}

void loopmsg__emu_events_stop(loopmsg__emu_events *ev)
{
    if (!ev)
        return;
    pthread_mutex_lock(&ev->lock);
    ev->stop = true;
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->lock);
    if (ev->thread_started)
        pthread_join(ev->thread, NULL);
    while (ev->head) {
        job *j = ev->head;
        ev->head = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&ev->cond);
    pthread_mutex_destroy(&ev->lock);
    free(ev);
}

void loopmsg__emu_events_post(loopmsg__emu_events *ev, json_t *event, int64_t due_mono_ms,
                              char id_out[LOOPMSG__EMU_ID_SIZE])
{
    loopmsg__emu_events_post_to(ev, event, due_mono_ms, NULL, NULL, id_out);
}

void loopmsg__emu_events_post_to(loopmsg__emu_events *ev, json_t *event, int64_t due_mono_ms,
                                 const char *url, const char *header,
                                 char id_out[LOOPMSG__EMU_ID_SIZE])
{
    if (!event)
        return;
    const char *id = json_string_value(json_object_get(event, "webhook_id"));
    char fresh[LOOPMSG__EMU_ID_SIZE];
    if (!id) {
        loopmsg__emu_uuid(fresh, false);
        json_object_set_new(event, "webhook_id", json_string(fresh));
        id = fresh;
    }
    if (id_out)
        snprintf(id_out, LOOPMSG__EMU_ID_SIZE, "%s", id);
    const char *type = json_string_value(json_object_get(event, "event"));
    /* Every message event carries api_version; the sender_name_updated sample does not, nor
     * does a LoopLookup callback, which has no `event` either (its history name is ours). */
    if (!type && json_object_get(event, "request_id"))
        type = "lookup_result";
    else if (!json_object_get(event, "api_version") &&
             !(type && strcmp(type, "sender_name_updated") == 0))
        json_object_set_new(event, "api_version", json_string("1.0"));
    if (!ev || (!url && !ev->emu->webhook_url)) {
        json_decref(event);
        return;
    }
    /* Put "event" and "webhook_id" first, as Loop does, for readable logs. */
    json_t *ordered = json_object();
    json_object_set(ordered, "event", json_object_get(event, "event"));
    json_object_set(ordered, "webhook_id", json_object_get(event, "webhook_id"));
    json_object_update(ordered, event);
    char *body = loopmsg__emu_json_dump(ordered);
    json_decref(ordered);
    unsigned int copies = ev->emu->webhook_duplicate ? 2 : 1;
    for (unsigned int c = 0; body && c < copies; c++) {
        job *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->body = c + 1 == copies ? body : loopmsg__libc_strdup(body);
        j->event_type = loopmsg__libc_strdup(type ? type : "");
        j->url = loopmsg__libc_strdup(url);
        j->header = loopmsg__libc_strdup(header);
        j->due = due_mono_ms;
        if (c + 1 == copies)
            body = NULL;
        if (!j->body || !j->event_type || (url && !j->url) || (header && !j->header)) {
            job_free(j);
            continue;
        }
        pthread_mutex_lock(&ev->lock);
        insert_job(ev, j);
        pthread_mutex_unlock(&ev->lock);
    }
    free(body);
    json_decref(event);
}

void loopmsg__emu_events_clear(loopmsg__emu_events *ev)
{
    if (!ev)
        return;
    pthread_mutex_lock(&ev->lock);
    while (ev->head) {
        job *j = ev->head;
        ev->head = j->next;
        job_free(j);
    }
    pthread_mutex_unlock(&ev->lock);
}

size_t loopmsg__emu_events_pending(loopmsg__emu_events *ev)
{
    if (!ev)
        return 0;
    pthread_mutex_lock(&ev->lock);
    size_t n = ev->in_flight;
    for (job *j = ev->head; j; j = j->next)
        n++;
    pthread_mutex_unlock(&ev->lock);
    return n;
}
