/* SPDX-License-Identifier: MIT */
/*
 * server.c: the webhook receiver, a thin shell around the pure core. libmicrohttpd reads the
 * request on its thread pool; this file enforces the limits it cannot know (path, method,
 * credentials and body size, all before the body is read; a deadline for the headers, kept
 * by a sweeper thread, and one for the whole body), asks the core's two-phase handler for
 * the answer (loopmsg_webhook_check_headers() with the headers, loopmsg_webhook_handle_body()
 * with the body), drops repeats of a webhook_id (dedupe.c),
 * writes the event to the spool when durable (spool.c), hands it to the bounded queue
 * (queue.c) and answers. Worker threads run loopmsg_webhook_dispatch(). In "acknowledge after
 * handling" mode the connection is suspended until a worker has run the callbacks.
 * Uses only the public API of libloopmsg (this library may be linked against the shared
 * core, whose internals are hidden) and the utility layer (src/util, linked into this
 * library); allocates with malloc.
 */
#include "loopmsg/webhook_server.h"

#include "dedupe_int.h"
#include "queue_int.h"
#include "server_int.h"
#include "spool_int.h"
#include "util_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_CONNECTIONS 4096u
#define DEFAULT_PER_ADDRESS     64u
#define DEFAULT_TIMEOUT_MS      10000u
/* One HTTP thread unless something blocks it (docs/performance.md, "Which threading mode"):
 * with 64 busy keep-alive connections it costs about 15% less CPU per request than two and
 * keeps the tail short; a spool's fdatasync or a delegated acceptance callback holds the
 * thread, so there more threads let those waits overlap (a group commit shares one sync). */
#define DEFAULT_HTTP_THREADS          1u
#define DEFAULT_HTTP_THREADS_BLOCKING 4u
#define DEFAULT_WORKERS               2u
#define DEFAULT_QUEUE                 4096u
#define DEFAULT_DEDUPE_TTL_S          86400u
/* A chunked body over the limit is read to its end (to answer 413) while it stays within
 * this many times max_body_bytes; beyond, the connection is closed. */
#define DISCARD_FACTOR 4u

/* The canned answers: their bodies are the core handler's (loopmsg_webhook_response_canned()),
 * made into libmicrohttpd responses once and shared by every connection (MHD responses are
 * reference-counted and may be queued on many connections). */
enum {
    ANS_OK,
    ANS_BAD_REQUEST,
    ANS_UNAUTHORIZED,
    ANS_NOT_FOUND,
    ANS_METHOD,
    ANS_TOO_LARGE,
    ANS_INTERNAL,
    ANS_BUSY,
    ANS_STOPPING, /* the busy answer, closing the connection */
    ANS_COUNT
};

static const unsigned int canned_status[ANS_COUNT] = {
    [ANS_OK] = 200,        [ANS_BAD_REQUEST] = 400, [ANS_UNAUTHORIZED] = 401,
    [ANS_NOT_FOUND] = 404, [ANS_METHOD] = 405,      [ANS_TOO_LARGE] = 413,
    [ANS_INTERNAL] = 500,  [ANS_BUSY] = 503,        [ANS_STOPPING] = 503,
};

/* A connection whose request line and headers have not all arrived yet: its socket context,
 * listed (oldest first) until they have. */
typedef struct waiting_conn {
    struct waiting_conn *prev, *next;
    MHD_socket fd;
    uint64_t since_ms; /* accepted, or its previous request completed */
    bool listed;
} waiting_conn;

struct loopmsg_webhook_server {
    struct MHD_Daemon *mhd;
    MHD_socket quiesced_fd;
    bool no_quiesce; /* epoll (bench only): stop answers 503 instead of quiescing */
    uint16_t port;
    struct MHD_Response *resp[ANS_COUNT];

    /* Copies of the options. */
    char *path;
    char **secrets;
    size_t secret_count;
    size_t max_body_bytes;
    unsigned int timeout_ms;
    bool ack_after_handling;
    loopmsg_webhook_handler_config hcfg;
    loopmsg_webhook_handlers handlers;
    void *user_data;
    loopmsg_webhook_error_cb on_error;
    loopmsg_log_cb log_cb;
    void *log_user_data;
    loopmsg_webhook_accept_cb accept_cb; /* delegated acceptance: no queue, dedupe or spool */
    void *accept_user_data;

    loopmsg__queue *queue;
    loopmsg__dedupe *dedupe;
    loopmsg__spool *spool;
    pthread_t *workers;
    unsigned int worker_count;
    unsigned int worker_total; /* configured; worker_count counts those running */

    atomic_int stopping;
    atomic_size_t active_requests; /* requests between their first callback and completion */
    pthread_mutex_t stop_lock;
    int stopped;

    /* The headers deadline: connections waiting for their headers, oldest first (every one
     * gets the same time, so appending keeps the order), and the thread that cuts off the
     * late ones. */
    pthread_mutex_t wait_lock;
    pthread_cond_t wait_cond;
    waiting_conn *wait_head, *wait_tail;
    pthread_t sweeper;
    bool sweeper_running;
    bool sweeper_stop;

    atomic_uint_fast64_t n_requests, n_accepted, n_duplicates, n_rejected, n_busy, n_handled,
        n_failed, n_recovered;
};

/* Per-request state: *con_cls. Created by the URI logger (the only place that sees the raw
 * query string, needed to check ?secret= exactly as sent), freed when MHD reports the
 * request complete. */
typedef struct request {
    int started;        /* the access handler has seen this request */
    int responded;      /* a response has been queued */
    int suspended;      /* waiting for a worker (acknowledge after handling) */
    atomic_int outcome; /* 0 pending, 1 handled, 2 callbacks failed */
    int refused;        /* the body broke a limit mid-way: this answer, once it has ended */
    char *body;
    size_t len, cap;
    size_t received; /* body bytes received, kept or not */
    uint64_t deadline_ms;
    const char *query; /* inside uri; NULL when the URL had no '?' */
    char uri[];        /* the path, then (after a NUL where '?' was) the query */
} request;

/* One accepted event on its way to the callbacks. */
typedef struct job {
    loopmsg_webhook_event *event;
    uint64_t seq;
    bool spooled;
    bool claimed; /* its webhook_id is in the dedupe set as in flight */
    request *req; /* acknowledge after handling: the suspended request */
    struct MHD_Connection *conn;
} job;

static _Atomic loopmsg__http_mode http_mode = LOOPMSG__HTTP_MODE_DEFAULT;

void loopmsg__webhook_server_set_http_mode(loopmsg__http_mode mode)
{
    atomic_store(&http_mode, mode);
}

/* The utility layer's clock and error filling, under this file's short names. */
#define now_ms    loopmsg__mono_ms
#define set_error loopmsg__error_set

static void logf_(loopmsg_webhook_server *srv, loopmsg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(loopmsg_webhook_server *srv, loopmsg_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    loopmsg__log_vline(srv->log_cb, srv->log_user_data, level, fmt, ap);
    va_end(ap);
}

/* libmicrohttpd hands its own format strings to this logger. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    loopmsg_webhook_server *srv = cls;
    loopmsg__log_vline(srv->log_cb, srv->log_user_data, LOOPMSG_LOG_WARN, fmt, ap);
}

static void job_free(job *j)
{
    loopmsg_webhook_event_free(j->event);
    free(j);
}

static bool has_id(const loopmsg_webhook_event *ev)
{
    return ev->webhook_id && ev->webhook_id[0];
}

/* ---- workers ----------------------------------------------------------------------------- */

/* The queue holds jobs, or, for an event that needs nothing but its callbacks (no spool, no
 * suspended request, no dedupe entry to finish), the event itself with this bit set in its
 * pointer (an event is max_align_t-aligned): no job is allocated on an HTTP thread and
 * freed on a worker for each of them. */
#define PLAIN_EVENT ((uintptr_t)1)

static int run_callbacks(loopmsg_webhook_server *srv, const loopmsg_webhook_event *ev)
{
    int rc = loopmsg_webhook_dispatch(&srv->handlers, ev, srv->user_data);
    if (rc != 0) {
        atomic_fetch_add(&srv->n_failed, 1);
        if (srv->on_error)
            srv->on_error(ev, rc, srv->user_data);
    } else {
        atomic_fetch_add(&srv->n_handled, 1);
    }
    return rc;
}

static void handle_job(loopmsg_webhook_server *srv, job *j)
{
    int rc = run_callbacks(srv, j->event);
    if (j->spooled)
        loopmsg__spool_done(srv->spool, j->seq);
    /* Acknowledge after handling: a failure answers 500, Loop redelivers, and the
     * redelivery must then be handled, so the id is forgotten. */
    if (j->claimed)
        loopmsg__dedupe_finish(srv->dedupe, j->event->webhook_id, strlen(j->event->webhook_id),
                               !(srv->ack_after_handling && rc != 0));
    if (j->req) {
        /* After the resume the request (and j->req) may be gone at any moment. */
        atomic_store(&j->req->outcome, rc != 0 ? 2 : 1);
        MHD_resume_connection(j->conn);
    }
    job_free(j);
}

#define WORKER_BATCH 64
/* How long a worker that emptied the queue waits for more before it sleeps (queue.c): the
 * 200 does not wait for the callbacks, so a millisecond more before them costs nothing,
 * and under load the worker then wakes once a millisecond instead of once per event. Not
 * when acknowledging after handling: there the answer waits for the callbacks. */
#define WORKER_LINGER_MS 1u

static void *worker_main(void *arg)
{
    loopmsg_webhook_server *srv = arg;
    void *batch[WORKER_BATCH];
    unsigned int linger = srv->ack_after_handling ? 0 : WORKER_LINGER_MS;
    size_t n;
    while ((n = loopmsg__queue_pop_batch(srv->queue, batch, WORKER_BATCH, srv->worker_total,
                                         linger)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if ((uintptr_t)batch[i] & PLAIN_EVENT) {
                loopmsg_webhook_event *ev =
                    (loopmsg_webhook_event *)((uintptr_t)batch[i] & ~PLAIN_EVENT);
                (void)run_callbacks(srv, ev);
                loopmsg_webhook_event_free(ev);
            } else {
                handle_job(srv, batch[i]);
            }
        }
        loopmsg__queue_tasks_done(srv->queue, n);
    }
    return NULL;
}

/* ---- HTTP -------------------------------------------------------------------------------- */

static enum MHD_Result respond(loopmsg_webhook_server *srv, struct MHD_Connection *conn, request *r,
                               int which)
{
    r->responded = 1;
    if (which != ANS_OK) {
        if (which == ANS_BUSY || which == ANS_STOPPING)
            atomic_fetch_add(&srv->n_busy, 1);
        else if (which != ANS_INTERNAL)
            atomic_fetch_add(&srv->n_rejected, 1);
    }
    return MHD_queue_response(conn, canned_status[which], srv->resp[which]);
}

static int status_to_canned(int status)
{
    switch (status) {
    case 200:
        return ANS_OK;
    case 400:
        return ANS_BAD_REQUEST;
    case 401:
        return ANS_UNAUTHORIZED;
    case 404:
        return ANS_NOT_FOUND;
    case 405:
        return ANS_METHOD;
    case 413:
        return ANS_TOO_LARGE;
    case 503:
        return ANS_BUSY;
    default:
        return ANS_INTERNAL;
    }
}

/* ---- the headers deadline ----------------------------------------------------------------
 * libmicrohttpd's connection timeout only counts idle time, so a client sending its headers
 * a byte a second keeps its connection for ever. Each connection is listed from its accept
 * (or the end of its previous request) until its headers are in; a thread shuts down the
 * socket of any still listed timeout_ms later, and libmicrohttpd then sees the end of the
 * stream and closes the connection itself. The socket is shut down (never closed) under
 * wait_lock, which the CLOSED notification also takes, and libmicrohttpd closes a socket only
 * after that notification: the descriptor cannot have been reused by then. */

/* Both with wait_lock held. */
static void wait_list_add(loopmsg_webhook_server *srv, waiting_conn *w)
{
    w->since_ms = now_ms();
    w->next = NULL;
    w->prev = srv->wait_tail;
    if (srv->wait_tail)
        srv->wait_tail->next = w;
    else
        srv->wait_head = w;
    srv->wait_tail = w;
    w->listed = true;
    /* No wake-up for the sweeper: it never sleeps past now + timeout_ms (see sweeper_main),
     * and this connection is due no earlier. Waking it here cost a context switch for
     * nearly every request, as keep-alive connections leave and rejoin an often empty list. */
}

static void wait_list_remove(loopmsg_webhook_server *srv, waiting_conn *w)
{
    if (!w->listed)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        srv->wait_head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        srv->wait_tail = w->prev;
    w->prev = w->next = NULL;
    w->listed = false;
}

static waiting_conn *waiting_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The headers of a request are in (listed = false), or a request completed on a connection
 * that stays open (listed = true: the next request's headers are awaited from now). */
static void set_waiting(loopmsg_webhook_server *srv, struct MHD_Connection *conn, bool listed)
{
    waiting_conn *w = waiting_of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&srv->wait_lock);
    wait_list_remove(srv, w);
    if (listed)
        wait_list_add(srv, w);
    pthread_mutex_unlock(&srv->wait_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    loopmsg_webhook_server *srv = cls;
    waiting_conn *w = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        w = ci ? calloc(1, sizeof *w) : NULL;
        if (!w) {
            /* Only the headers deadline is lost for this connection. */
            logf_(srv, LOOPMSG_LOG_WARN, "webhook receiver: out of memory tracking a connection");
            return;
        }
        w->fd = ci->connect_fd;
        pthread_mutex_lock(&srv->wait_lock);
        wait_list_add(srv, w);
        pthread_mutex_unlock(&srv->wait_lock);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && w) {
        pthread_mutex_lock(&srv->wait_lock);
        wait_list_remove(srv, w);
        pthread_mutex_unlock(&srv->wait_lock);
        free(w);
        *socket_context = NULL;
    }
}

static void *sweeper_main(void *arg)
{
    loopmsg_webhook_server *srv = arg;
    pthread_mutex_lock(&srv->wait_lock);
    while (!srv->sweeper_stop) {
        uint64_t now = now_ms();
        waiting_conn *w;
        while ((w = srv->wait_head) != NULL && now - w->since_ms >= srv->timeout_ms) {
            shutdown(w->fd, SHUT_RDWR);
            wait_list_remove(srv, w);
        }
        /* Until the oldest deadline, or timeout_ms from now when nothing is listed: whatever
         * is listed while it sleeps is due at now + timeout_ms or later, so it is never late
         * and wait_list_add() need not wake it. */
        uint64_t due = (w ? w->since_ms : now) + srv->timeout_ms;
        struct timespec ts = {(time_t)(due / 1000u), (long)(due % 1000u) * 1000000L};
        pthread_cond_timedwait(&srv->wait_cond, &srv->wait_lock, &ts);
    }
    pthread_mutex_unlock(&srv->wait_lock);
    return NULL;
}

static bool sweeper_start(loopmsg_webhook_server *srv)
{
    srv->sweeper_running = pthread_create(&srv->sweeper, NULL, sweeper_main, srv) == 0;
    return srv->sweeper_running;
}

static void sweeper_stop(loopmsg_webhook_server *srv)
{
    if (!srv->sweeper_running)
        return;
    pthread_mutex_lock(&srv->wait_lock);
    srv->sweeper_stop = true;
    pthread_cond_signal(&srv->wait_cond);
    pthread_mutex_unlock(&srv->wait_lock);
    pthread_join(srv->sweeper, NULL);
    srv->sweeper_running = false;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    size_t n = strlen(uri);
    request *r = malloc(sizeof *r + n + 1);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    atomic_init(&r->outcome, 0);
    memcpy(r->uri, uri, n + 1);
    char *q = strchr(r->uri, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    }
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    loopmsg_webhook_server *srv = cls;
    /* The connection may carry another request: its headers are awaited from now. (When it
     * is closing instead, the CLOSED notification follows at once and unlists it.) */
    set_waiting(srv, conn, true);
    request *r = *con_cls;
    if (!r)
        return;
    if (r->started)
        atomic_fetch_sub(&srv->active_requests, 1);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* The first phase (loopmsg_webhook_check_headers(): path, method, credentials, declared
 * length), so that a request that will be refused anyway is refused before its body is read.
 * Credentials are checked here only. Returns a canned index, or -1 to read the body. */
static int early_checks(loopmsg_webhook_server *srv, struct MHD_Connection *conn, request *r,
                        const char *method)
{
    loopmsg_webhook_request q = LOOPMSG_WEBHOOK_REQUEST_INIT;
    q.method = method;
    q.path = r->uri;
    q.query = r->query;
    q.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    bool bad_length = false;
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        bad_length = errno || *cl < '0' || *cl > '9' || *end;
        /* Saturate: anything over SIZE_MAX is over the limit too. */
        q.content_length = bad_length ? 0 : v > SIZE_MAX ? SIZE_MAX : (size_t)v;
    }
    loopmsg_webhook_response resp;
    /* The HTTP status carries everything needed here. */
    loopmsg_status st = loopmsg_webhook_check_headers(&resp, &srv->hcfg, &q, NULL);
    (void)st;
    if (resp.status != 100)
        return status_to_canned(resp.status);
    if (bad_length)
        return ANS_BAD_REQUEST;
    size_t want = q.content_length;
    /* Start small whatever Content-Length promises: memory follows the bytes received. */
    r->cap = want && want < 65536 ? want + 1 : (want ? 65536 : 4096);
    r->body = malloc(r->cap);
    if (!r->body)
        return ANS_INTERNAL;
    r->deadline_ms = now_ms() + srv->timeout_ms;
    return -1;
}

static int append_body(loopmsg_webhook_server *srv, request *r, const char *data, size_t n)
{
    if (n > srv->max_body_bytes - r->len)
        return ANS_TOO_LARGE;
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap * 2;
        while (cap < r->len + n + 1)
            cap *= 2;
        if (cap > srv->max_body_bytes + 1)
            cap = srv->max_body_bytes + 1;
        char *b = realloc(r->body, cap);
        if (!b)
            return ANS_INTERNAL;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return -1;
}

/* Delegated acceptance (options.accept_cb): the callback stores the event and says what to
 * answer; nothing reaches the queue, the dedupe set or the spool. */
static enum MHD_Result delegate_event(loopmsg_webhook_server *srv, struct MHD_Connection *conn,
                                      request *r, loopmsg_webhook_event *ev)
{
    loopmsg_webhook_accept_result a = srv->accept_cb(ev, srv->accept_user_data);
    loopmsg_webhook_event_free(ev);
    if (a == LOOPMSG_WEBHOOK_ACCEPT_OK)
        atomic_fetch_add(&srv->n_accepted, 1);
    else if (a == LOOPMSG_WEBHOOK_ACCEPT_DUPLICATE)
        atomic_fetch_add(&srv->n_duplicates, 1);
    else
        return respond(srv, conn, r, ANS_BUSY);
    return respond(srv, conn, r, ANS_OK);
}

/* The whole request is in: answer it, or queue it (and suspend the connection when the
 * answer must wait for the callbacks). */
static enum MHD_Result accept_event(loopmsg_webhook_server *srv, struct MHD_Connection *conn,
                                    request *r)
{
    loopmsg_webhook_response resp;
    /* The second phase: parse, once. The credentials were checked with the headers. */
    loopmsg_status st = loopmsg_webhook_handle_body(&resp, &srv->hcfg, r->body, r->len, NULL);
    (void)st;
    if (resp.status != 200 || !resp.event) {
        int which = status_to_canned(resp.status);
        loopmsg_webhook_response_clear(&resp);
        return respond(srv, conn, r, which);
    }
    loopmsg_webhook_event *ev = resp.event;
    resp.event = NULL;
    /* The body is no longer needed: the event has its own copy. */
    free(r->body);
    r->body = NULL;
    if (srv->accept_cb)
        return delegate_event(srv, conn, r, ev);

    /* Room in the queue first: once a webhook_id is recorded, nothing may fail before the
     * event is queued (or spooled), or a repeat that was answered 200 meanwhile would be
     * lost with the first copy's 503. */
    if (loopmsg__queue_reserve(srv->queue) != 0) {
        loopmsg_webhook_event_free(ev);
        return respond(srv, conn, r, ANS_BUSY);
    }
    /* Plain events (no spool, answer before the callbacks): nothing can fail between the
     * claim and the push, so the id is recorded as done at once and the worker need not
     * come back to the set. Otherwise it is "in flight" until the event is spooled (or
     * handled), and a repeat in between is answered 503: its outcome is not known yet. */
    bool plain = !srv->spool && !srv->ack_after_handling;
    bool claimed = false;
    if (has_id(ev)) {
        loopmsg__dedupe_result d =
            plain ? loopmsg__dedupe_claim_done(srv->dedupe, ev->webhook_id, strlen(ev->webhook_id),
                                               (uint64_t)time(NULL))
                  : loopmsg__dedupe_claim(srv->dedupe, ev->webhook_id, strlen(ev->webhook_id),
                                          (uint64_t)time(NULL));
        int dup = ANS_INTERNAL;
        switch (d) {
        case LOOPMSG__DEDUPE_NEW:
            claimed = true;
            break;
        case LOOPMSG__DEDUPE_DONE:
            atomic_fetch_add(&srv->n_duplicates, 1);
            dup = ANS_OK;
            break;
        case LOOPMSG__DEDUPE_IN_FLIGHT:
            atomic_fetch_add(&srv->n_duplicates, 1);
            dup = ANS_BUSY;
            break;
        case LOOPMSG__DEDUPE_NOMEM:
        default:
            break;
        }
        if (!claimed) {
            loopmsg__queue_unreserve(srv->queue);
            loopmsg_webhook_event_free(ev);
            return respond(srv, conn, r, dup);
        }
    }
    size_t id_len = claimed ? strlen(ev->webhook_id) : 0;
    if (plain) {
        /* The event goes in as it is (PLAIN_EVENT). Counted first, as below: handled never
         * runs ahead of accepted. */
        atomic_fetch_add(&srv->n_accepted, 1);
        loopmsg__queue_push_reserved(srv->queue, (void *)((uintptr_t)ev | PLAIN_EVENT));
        return respond(srv, conn, r, ANS_OK);
    }
    job *j = calloc(1, sizeof *j);
    if (!j)
        goto internal;
    j->event = ev;
    j->claimed = claimed && srv->ack_after_handling;
    if (srv->spool) {
        const char *id = has_id(ev) ? ev->webhook_id : "";
        if (loopmsg__spool_append(srv->spool, id, strlen(id), ev->raw, ev->raw_len, &j->seq) != 0) {
            logf_(srv, LOOPMSG_LOG_ERROR, "webhook spool: write failed; answering 500");
            free(j);
            goto internal;
        }
        j->spooled = true;
    }
    atomic_fetch_add(&srv->n_accepted, 1);
    if (srv->ack_after_handling) {
        j->req = r;
        j->conn = conn;
        r->suspended = 1;
        /* Suspend before the job is visible to a worker, so that its resume cannot come
         * first. */
        MHD_suspend_connection(conn);
        loopmsg__queue_push_reserved(srv->queue, j);
        return MHD_YES;
    }
    /* Spooled: the event survives a crash from here on, so the id is done. The job is
     * visible to a worker only after that, as the worker never touches the set for it. */
    if (claimed)
        loopmsg__dedupe_finish(srv->dedupe, ev->webhook_id, id_len, 1);
    loopmsg__queue_push_reserved(srv->queue, j);
    return respond(srv, conn, r, ANS_OK);

internal:
    loopmsg__queue_unreserve(srv->queue);
    if (claimed)
        loopmsg__dedupe_finish(srv->dedupe, ev->webhook_id, id_len, 0);
    loopmsg_webhook_event_free(ev);
    return respond(srv, conn, r, ANS_INTERNAL);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    loopmsg_webhook_server *srv = cls;
    request *r = *con_cls;
    if (!r)
        return MHD_NO; /* the URI logger could not allocate: drop the connection */

    if (!r->started) {
        r->started = 1;
        set_waiting(srv, conn, false); /* the headers are in */
        atomic_fetch_add(&srv->n_requests, 1);
        /* Count first, then look at `stopping`: stop() sets it and then waits for the count,
         * so no request slips between the two. */
        atomic_fetch_add(&srv->active_requests, 1);
        if (atomic_load(&srv->stopping))
            return respond(srv, conn, r, ANS_STOPPING);
        int which = early_checks(srv, conn, r, method);
        if (which >= 0)
            return respond(srv, conn, r, which);
        return MHD_YES;
    }
    if (r->suspended) {
        /* Resumed by the worker that ran the callbacks. */
        r->suspended = 0;
        return respond(srv, conn, r, atomic_load(&r->outcome) == 1 ? ANS_OK : ANS_INTERNAL);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->responded)
            return MHD_YES; /* discard what follows an early answer */
        /* A client that trickles its body is cut off at the deadline. */
        if (now_ms() > r->deadline_ms)
            return MHD_NO;
        r->received = n > SIZE_MAX - r->received ? SIZE_MAX : r->received + n;
        if (r->refused) {
            /* Dropped, up to the allowance; then nothing is left but to close. */
            return r->received / DISCARD_FACTOR > srv->max_body_bytes ? MHD_NO : MHD_YES;
        }
        int which = append_body(srv, r, upload_data, n);
        if (which >= 0) {
            /* Over the limit without a Content-Length (chunked): libmicrohttpd takes no
             * answer before the request has ended, so the rest is read and dropped and
             * the answer (413) goes out at the end (docs/webhooks.md). */
            r->refused = which;
            free(r->body);
            r->body = NULL;
        }
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->refused)
        return respond(srv, conn, r, r->refused);
    return accept_event(srv, conn, r);
}

/* ---- start, stop ------------------------------------------------------------------------- */

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void server_destroy(loopmsg_webhook_server *srv)
{
    for (int i = 0; i < ANS_COUNT; i++)
        if (srv->resp[i])
            MHD_destroy_response(srv->resp[i]);
    for (size_t i = 0; i < srv->secret_count; i++) {
        if (srv->secrets[i]) {
            /* Secrets do not linger in freed memory. */
            volatile char *p = srv->secrets[i];
            while (*p)
                *p++ = 0;
            free(srv->secrets[i]);
        }
    }
    free(srv->secrets);
    free(srv->path);
    free(srv->workers);
    loopmsg__queue_free(srv->queue);
    loopmsg__dedupe_free(srv->dedupe);
    pthread_mutex_destroy(&srv->stop_lock);
    pthread_mutex_destroy(&srv->wait_lock);
    pthread_cond_destroy(&srv->wait_cond);
    free(srv);
}

/* Join the workers after closing the queue (they drain it first). */
static void stop_workers(loopmsg_webhook_server *srv)
{
    loopmsg__queue_close(srv->queue);
    for (unsigned int i = 0; i < srv->worker_count; i++)
        pthread_join(srv->workers[i], NULL);
    srv->worker_count = 0;
}

/* Re-queue what the spool still holds. Done ids go into the dedupe set first, so that a
 * redelivery by Loop of an event handled before the restart is recognised. */
static loopmsg_status recover(loopmsg_webhook_server *srv, loopmsg__spool_recovery *rec,
                              loopmsg_error *err)
{
    uint64_t now = (uint64_t)time(NULL);
    for (size_t i = 0; i < rec->seen_count; i++)
        if (loopmsg__dedupe_add_done(srv->dedupe, rec->seen[i].id, rec->seen[i].id_len,
                                     rec->seen[i].time, now) != 0)
            return set_error(err, LOOPMSG_E_NOMEM, "out of memory restoring webhook ids");
    if (rec->torn_records)
        logf_(srv, LOOPMSG_LOG_WARN,
              "webhook spool: dropped %zu incomplete record(s) (never acknowledged)",
              rec->torn_records);
    if (rec->pending_count)
        logf_(srv, LOOPMSG_LOG_INFO, "webhook spool: delivering %zu event(s) again",
              rec->pending_count);
    for (size_t i = 0; i < rec->pending_count; i++) {
        loopmsg__spool_record *p = &rec->pending[i];
        loopmsg_webhook_parse_options po = LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT;
        po.max_body_bytes = p->body_len ? p->body_len : 1;
        loopmsg_webhook_event *ev = NULL;
        loopmsg_error perr;
        if (loopmsg_webhook_parse_ex(p->body, p->body_len, &po, &ev, &perr) != LOOPMSG_OK) {
            logf_(srv, LOOPMSG_LOG_ERROR,
                  "webhook spool: dropping an event that no longer "
                  "parses: %s",
                  perr.message);
            loopmsg__spool_done(srv->spool, p->seq);
            continue;
        }
        job *j = calloc(1, sizeof *j);
        if (!j) {
            loopmsg_webhook_event_free(ev);
            return set_error(err, LOOPMSG_E_NOMEM, "out of memory recovering the spool");
        }
        j->event = ev;
        j->seq = p->seq;
        j->spooled = true;
        if (has_id(ev)) {
            loopmsg__dedupe_result d = loopmsg__dedupe_claim(
                srv->dedupe, ev->webhook_id, strlen(ev->webhook_id), (uint64_t)time(NULL));
            if (d == LOOPMSG__DEDUPE_NOMEM) {
                job_free(j);
                return set_error(err, LOOPMSG_E_NOMEM, "out of memory recovering the spool");
            }
            j->claimed = d == LOOPMSG__DEDUPE_NEW;
        }
        atomic_fetch_add(&srv->n_recovered, 1);
        atomic_fetch_add(&srv->n_accepted, 1);
        if (loopmsg__queue_push_wait(srv->queue, j) != 0) {
            job_free(j);
            return set_error(err, LOOPMSG_E_INTERNAL, "webhook queue closed during recovery");
        }
    }
    return LOOPMSG_OK;
}

/* The connection limit: the option, or by default 4096 unless the process may open fewer
 * files (then that limit less 64, for the rest of the process). */
static unsigned int max_connections(unsigned int option)
{
    if (option)
        return option;
    unsigned int limit = DEFAULT_MAX_CONNECTIONS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)limit + 64)
        limit = rl.rlim_cur > 128 ? (unsigned int)rl.rlim_cur - 64 : (unsigned int)rl.rlim_cur / 2;
    return limit ? limit : 1;
}

static loopmsg_status check_options(const loopmsg_webhook_server_options *o, loopmsg_error *err)
{
    if (o->version == 0)
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "loopmsg_webhook_server_options.version not set; use "
                         "LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT");
    if (o->version > LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION)
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "loopmsg_webhook_server_options.version %u is newer than this library "
                         "supports (%u)",
                         o->version, LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION);
    if (o->secret_count && !o->secrets)
        return set_error(err, LOOPMSG_E_INVALID_ARG, "secrets is NULL but secret_count is %zu",
                         o->secret_count);
    for (size_t i = 0; i < o->secret_count; i++)
        if (!o->secrets[i] || !o->secrets[i][0])
            return set_error(err, LOOPMSG_E_INVALID_ARG, "secrets[%zu] is %s", i,
                             o->secrets[i] ? "empty" : "NULL");
    if (o->path && o->path[0] != '/')
        return set_error(err, LOOPMSG_E_INVALID_ARG, "path must start with '/' (got \"%.64s\")",
                         o->path);
    if (o->handlers && o->handlers->version == 0)
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "handlers->version not set; use LOOPMSG_WEBHOOK_HANDLERS_INIT");
    /* Fields of version 2 exist only in a caller's struct of version 2 or later. */
    if (o->version >= 2 && o->accept_cb && (o->spool_dir || o->ack_after_handling))
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "accept_cb cannot be combined with spool_dir or ack_after_handling");
    if (o->http_threads > 256 || o->worker_threads > 256)
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "at most 256 http_threads and "
                         "worker_threads");
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_webhook_server_start(const loopmsg_webhook_server_options *opts,
                                            loopmsg_webhook_server **out, loopmsg_error *err)
{
    if (!out)
        return set_error(err, LOOPMSG_E_INVALID_ARG, "out must not be NULL");
    *out = NULL;
    if (!opts)
        return set_error(err, LOOPMSG_E_INVALID_ARG, "opts must not be NULL");
    loopmsg_status st = check_options(opts, err);
    if (st != LOOPMSG_OK)
        return st;

    /* The address first: a typo should not cost a spool recovery. */
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    const char *addr = opts->bind_address ? opts->bind_address : "127.0.0.1";
    bool v6 = false;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(opts->port);
    } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(opts->port);
        v6 = true;
    } else {
        return set_error(err, LOOPMSG_E_INVALID_ARG,
                         "bind_address \"%.64s\" is not an IPv4 or IPv6 address", addr);
    }

    loopmsg_webhook_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return set_error(err, LOOPMSG_E_NOMEM, "out of memory");
    pthread_mutex_init(&srv->stop_lock, NULL);
    pthread_mutex_init(&srv->wait_lock, NULL);
    loopmsg__cond_init_mono(&srv->wait_cond); /* the sweeper's deadlines are now_ms() */
    srv->quiesced_fd = MHD_INVALID_SOCKET;
    srv->max_body_bytes =
        opts->max_body_bytes ? opts->max_body_bytes : LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES;
    srv->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    srv->ack_after_handling = opts->ack_after_handling;
    srv->user_data = opts->user_data;
    srv->on_error = opts->on_error;
    srv->log_cb = opts->log_cb;
    srv->log_user_data = opts->log_user_data;
    if (opts->version >= 2) {
        srv->accept_cb = opts->accept_cb;
        srv->accept_user_data = opts->accept_user_data;
    }
    if (opts->handlers) {
        srv->handlers = *opts->handlers;
    } else {
        loopmsg_webhook_handlers none = LOOPMSG_WEBHOOK_HANDLERS_INIT;
        srv->handlers = none;
    }
    srv->path = dup_str(opts->path);
    srv->secrets = calloc(opts->secret_count ? opts->secret_count : 1, sizeof *srv->secrets);
    srv->secret_count = opts->secret_count;
    bool nomem = (opts->path && !srv->path) || !srv->secrets;
    for (size_t i = 0; !nomem && i < opts->secret_count; i++)
        nomem = !(srv->secrets[i] = strdup(opts->secrets[i]));
    size_t qcap = opts->queue_capacity ? opts->queue_capacity : DEFAULT_QUEUE;
    unsigned int ttl = opts->dedupe_ttl_s ? opts->dedupe_ttl_s : DEFAULT_DEDUPE_TTL_S;
    srv->queue = loopmsg__queue_new(qcap);
    srv->dedupe = loopmsg__dedupe_new(opts->dedupe_capacity, ttl);
    unsigned int nworkers = opts->worker_threads ? opts->worker_threads : DEFAULT_WORKERS;
    srv->workers = calloc(nworkers, sizeof *srv->workers);
    srv->worker_total = nworkers;
    for (int i = 0; !nomem && i < ANS_COUNT; i++) {
        loopmsg_webhook_response a;
        nomem = loopmsg_webhook_response_canned(&a, (int)canned_status[i]) != LOOPMSG_OK;
        srv->resp[i] = nomem ? NULL
                             : MHD_create_response_from_buffer(
                                   a.body_len, (void *)(uintptr_t)a.body, MHD_RESPMEM_PERSISTENT);
        nomem = !srv->resp[i] ||
                MHD_add_response_header(srv->resp[i], "Content-Type", a.content_type) != MHD_YES;
    }
    if (nomem || !srv->queue || !srv->dedupe || !srv->workers) {
        server_destroy(srv);
        return set_error(err, LOOPMSG_E_NOMEM, "out of memory");
    }
    MHD_add_response_header(srv->resp[ANS_METHOD], "Allow", "POST");
    MHD_add_response_header(srv->resp[ANS_BUSY], "Retry-After", "1");
    MHD_add_response_header(srv->resp[ANS_STOPPING], "Connection", "close");
    MHD_add_response_header(srv->resp[ANS_TOO_LARGE], "Connection", "close");

    srv->hcfg.version = LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION;
    srv->hcfg.path = srv->path;
    srv->hcfg.secrets = (const char *const *)srv->secrets;
    srv->hcfg.secret_count = srv->secret_count;
    srv->hcfg.max_body_bytes = srv->max_body_bytes;

    loopmsg__spool_recovery rec;
    memset(&rec, 0, sizeof rec);
    if (opts->spool_dir) {
        char msg[300];
        if (loopmsg__spool_open(&srv->spool, opts->spool_dir, ttl, 0, &rec, msg, sizeof msg) != 0) {
            server_destroy(srv);
            return set_error(err, LOOPMSG_E_STATE, "webhook spool: %s", msg);
        }
    }

    for (unsigned int i = 0; i < nworkers; i++) {
        if (pthread_create(&srv->workers[i], NULL, worker_main, srv) != 0) {
            stop_workers(srv);
            loopmsg__spool_recovery_clear(&rec);
            loopmsg__spool_close(srv->spool);
            server_destroy(srv);
            return set_error(err, LOOPMSG_E_NOMEM, "cannot start worker threads");
        }
        srv->worker_count++;
    }
    st = recover(srv, &rec, err);
    loopmsg__spool_recovery_clear(&rec);
    if (st != LOOPMSG_OK) {
        stop_workers(srv);
        loopmsg__spool_close(srv->spool);
        server_destroy(srv);
        return st;
    }

    unsigned int http_threads = opts->http_threads             ? opts->http_threads
                                : srv->spool || srv->accept_cb ? DEFAULT_HTTP_THREADS_BLOCKING
                                                               : DEFAULT_HTTP_THREADS;
    unsigned int timeout_ms = srv->timeout_ms;
    unsigned int timeout_s = (timeout_ms + 999) / 1000;
    /* poll(), not MHD_USE_AUTO (epoll on Linux): stop() quiesces the daemon, and with epoll
     * libmicrohttpd (seen with 0.9.75) races its own HTTP threads to remove the listening
     * socket from their epoll sets; the loser calls MHD_PANIC, which aborts the process.
     * With poll() quiescing only signals the threads (docs/webhooks.md, "Stopping"). poll()
     * has no FD_SETSIZE limit, unlike select(). */
    unsigned int flags =
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    loopmsg__http_mode mode = atomic_load(&http_mode);
    bool pooled = http_threads > 1;
    if (mode == LOOPMSG__HTTP_MODE_EPOLL) {
        flags =
            (flags & ~(unsigned int)MHD_USE_POLL_INTERNAL_THREAD) | MHD_USE_EPOLL_INTERNAL_THREAD;
        srv->no_quiesce = true;
    } else if (mode == LOOPMSG__HTTP_MODE_PER_CONNECTION) {
        flags |= MHD_USE_THREAD_PER_CONNECTION;
        pooled = false;
    }
    if (v6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem pool[] = {
        {pooled ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, http_threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    unsigned int per_address = opts->version >= 2 ? opts->max_connections_per_address : 0;
    if (!per_address)
        per_address = DEFAULT_PER_ADDRESS;
    /* The sweeper first: connections are listed from their accept on. */
    int e = sweeper_start(srv) ? 0 : EAGAIN;
    /* The logger goes first so that MHD reports nothing on stderr itself. */
    srv->mhd = e ? NULL
                 : MHD_start_daemon(
                       flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
                       srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                       MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED,
                       on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
                       MHD_OPTION_CONNECTION_LIMIT, max_connections(opts->max_connections),
                       MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
                       MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                       (size_t)16384, MHD_OPTION_ARRAY, pool, MHD_OPTION_END);
    if (!srv->mhd) {
        if (!e)
            e = errno;
        sweeper_stop(srv);
        stop_workers(srv);
        loopmsg__spool_close(srv->spool);
        server_destroy(srv);
        return set_error(err, LOOPMSG_E_TRANSPORT, "cannot listen on %s port %u: %s", addr,
                         (unsigned int)opts->port, e ? strerror(e) : "libmicrohttpd failed");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opts->port;
    *out = srv;
    if (err)
        memset(err, 0, sizeof *err);
    return LOOPMSG_OK;
}

uint16_t loopmsg_webhook_server_port(const loopmsg_webhook_server *srv)
{
    return srv ? srv->port : 0;
}

void loopmsg_webhook_server_stop(loopmsg_webhook_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->stop_lock);
    if (srv->stopped) {
        pthread_mutex_unlock(&srv->stop_lock);
        return;
    }
    atomic_store(&srv->stopping, 1);
    if (!srv->no_quiesce)
        srv->quiesced_fd = MHD_quiesce_daemon(srv->mhd);
    /* Let every request already begun finish (in acknowledge-after-handling mode that
     * includes its callbacks), then drain the queue; a request cannot start any more, so
     * when both are quiet they stay quiet. */
    for (;;) {
        while (atomic_load(&srv->active_requests) > 0) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        loopmsg__queue_wait_idle(srv->queue);
        if (atomic_load(&srv->active_requests) == 0)
            break;
    }
    MHD_stop_daemon(srv->mhd);
    srv->mhd = NULL;
    if (srv->quiesced_fd != MHD_INVALID_SOCKET)
        close(srv->quiesced_fd);
    sweeper_stop(srv); /* after the daemon: every connection is closed and unlisted now */
    stop_workers(srv);
    loopmsg__spool_close(srv->spool);
    srv->spool = NULL;
    srv->stopped = 1;
    pthread_mutex_unlock(&srv->stop_lock);
}

void loopmsg_webhook_server_free(loopmsg_webhook_server *srv)
{
    if (!srv)
        return;
    loopmsg_webhook_server_stop(srv);
    server_destroy(srv);
}

loopmsg_status loopmsg_webhook_server_stats_get(const loopmsg_webhook_server *srv,
                                                loopmsg_webhook_server_stats *out)
{
    if (!srv || !out || out->version == 0)
        return LOOPMSG_E_INVALID_ARG;
    loopmsg_webhook_server *s = (loopmsg_webhook_server *)(uintptr_t)srv;
    unsigned int version = out->version;
    memset(out, 0, sizeof *out);
    out->version = version;
    out->requests = atomic_load(&s->n_requests);
    out->accepted = atomic_load(&s->n_accepted);
    out->duplicates = atomic_load(&s->n_duplicates);
    out->rejected = atomic_load(&s->n_rejected);
    out->busy = atomic_load(&s->n_busy);
    out->handled = atomic_load(&s->n_handled);
    out->failed = atomic_load(&s->n_failed);
    out->recovered = atomic_load(&s->n_recovered);
    loopmsg__queue_depth(s->queue, &out->queued, &out->in_progress);
    loopmsg__dedupe_stats ds;
    loopmsg__dedupe_stats_get(s->dedupe, &ds);
    out->dedupe_entries = ds.entries;
    out->dedupe_evicted_early = ds.evicted_early;
    return LOOPMSG_OK;
}
