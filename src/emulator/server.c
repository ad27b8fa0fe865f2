/* SPDX-License-Identifier: MIT */
/*
 * server.c: the emulator's libmicrohttpd shell and its public API. It owns the daemon (one
 * thread per connection, so a scripted delay never blocks another request), reads each
 * request with its raw path and query (percent-encoding kept: MHD's unescaping is replaced
 * by an identity callback and the raw URI is captured before MHD parses it), records it,
 * plays scripted answers and injected faults, and hands everything else to router.c.
 * Requests under /__sandbox/ are the control plane: never scripted, faulted or recorded.
 */
#include "emulator_int.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Request bodies above this are refused with 413. */
#define MAX_BODY_BYTES (16u * 1024u * 1024u)
/* Default cap on the body bytes held by all connections together (503 beyond it). */
#define DEFAULT_MAX_BUFFERED_BYTES ((size_t)64u * 1024u * 1024u)
#define SANDBOX_PREFIX             "/__sandbox/"

/* Per-request context, created by the URI log callback, freed on completion. */
typedef struct conn_req {
    loopmsg_emulator *emu;
    char *raw_uri;
    bool started;
    bool control;
    bool finished;
    loopmsg__emu_script *script;
    loopmsg__buf body;
    size_t held; /* bytes of body counted in emu->buffered_bytes */
    bool too_large;
    bool busy; /* the total cap was reached: body dropped, answer 503 */
    char *method;
    char *path;
    char *query;
    char *authorization;
    char *content_type;
    char *user_agent;
} conn_req;

int64_t loopmsg__emu_scaled_ms(const loopmsg_emulator *emu, double ms)
{
    double v = ms * emu->time_scale;
    return v < 0 ? 0 : (int64_t)(v + 0.5);
}

/* ---- responses -------------------------------------------------------------------------- */

void loopmsg__emu_response_clear(loopmsg__emu_response *r)
{
    if (r) {
        free(r->body);
        free(r->headers);
        memset(r, 0, sizeof *r);
    }
}

void loopmsg__emu_respond_json(loopmsg__emu_response *r, int status, json_t *obj)
{
    free(r->body);
    r->body = obj ? loopmsg__emu_json_dump(obj) : NULL;
    json_decref(obj);
    if (obj && !r->body) {
        r->status = 500;
        r->body = loopmsg__libc_strdup("{\"success\":false,\"code\":1000,\"message\":\"out of "
                                       "memory\"}");
    } else {
        r->status = status;
    }
    r->content_type = "application/json";
}

void loopmsg__emu_respond_error(loopmsg__emu_response *r, int status, int code, const char *message)
{
    loopmsg__emu_respond_json(
        r, status,
        json_pack("{s:b,s:i,s:s}", "success", 0, "code", code, "message", message ? message : ""));
}

/* ---- recording -------------------------------------------------------------------------- */

static void request_record_free(loopmsg_emulator_request *r)
{
    if (!r)
        return;
    free((char *)r->method);
    free((char *)r->path);
    free((char *)r->query);
    free((char *)r->authorization);
    free((char *)r->content_type);
    free((char *)r->user_agent);
    free((char *)r->body);
    free(r);
}

static void record(loopmsg_emulator *emu, conn_req *cr, int status)
{
    loopmsg_emulator_request *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->method = loopmsg__libc_strdup(cr->method ? cr->method : "");
    r->path = loopmsg__libc_strdup(cr->path ? cr->path : "");
    r->query = loopmsg__libc_strdup(cr->query ? cr->query : "");
    r->authorization = loopmsg__libc_strdup(cr->authorization);
    r->content_type = loopmsg__libc_strdup(cr->content_type);
    r->user_agent = loopmsg__libc_strdup(cr->user_agent);
    r->body_len = cr->body.len;
    r->body = loopmsg__libc_strndup(cr->body.ptr ? cr->body.ptr : "", cr->body.len);
    r->answered_status = status;
    if (!r->method || !r->path || !r->query || !r->body ||
        (cr->authorization && !r->authorization) || (cr->content_type && !r->content_type) ||
        (cr->user_agent && !r->user_agent)) {
        request_record_free(r);
        return;
    }
    pthread_mutex_lock(&emu->lock);
    if (emu->request_count == emu->request_cap) {
        size_t cap = emu->request_cap ? emu->request_cap * 2 : 32;
        loopmsg_emulator_request **p = realloc(emu->requests, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&emu->lock);
            request_record_free(r);
            return;
        }
        emu->requests = p;
        emu->request_cap = cap;
    }
    emu->requests[emu->request_count++] = r;
    pthread_mutex_unlock(&emu->lock);
}

static void log_request(loopmsg_emulator *emu, const conn_req *cr, int status, const char *note)
{
    if (emu->quiet || !emu->log_cb)
        return;
    /* Never the Authorization header: it carries the API key. */
    char line[512];
    snprintf(line, sizeof line, "%s %s%s%s -> %d%s%s", cr->method ? cr->method : "?",
             cr->path ? cr->path : "?", cr->query && *cr->query ? "?" : "",
             cr->query ? cr->query : "", status, note ? " " : "", note ? note : "");
    emu->log_cb(LOOPMSG_LOG_INFO, line, emu->log_user_data);
}

/* ---- scripted answers ------------------------------------------------------------------- */

static void script_free(loopmsg__emu_script *s)
{
    if (!s)
        return;
    free((char *)s->answer.body);
    free((char *)s->answer.content_type);
    free((char *)s->answer.headers);
    free(s);
}

static loopmsg__emu_script *script_pop(loopmsg_emulator *emu)
{
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_script *s = emu->script_head;
    if (s) {
        emu->script_head = s->next;
        if (!emu->script_head)
            emu->script_tail = NULL;
        s->next = NULL;
    }
    pthread_mutex_unlock(&emu->lock);
    return s;
}

static void script_to_response(const loopmsg__emu_script *s, loopmsg__emu_response *r)
{
    r->status = s->answer.status ? s->answer.status : 200;
    r->body = loopmsg__libc_strdup(s->answer.body);
    if (!s->answer.content_type)
        r->content_type = "application/json";
    else if (*s->answer.content_type)
        r->content_type = s->answer.content_type;
    else
        r->content_type = NULL;
    r->headers = loopmsg__libc_strdup(s->answer.headers);
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------------ */

static size_t unescape_identity(void *cls, struct MHD_Connection *c, char *s)
{
    /* Keep percent-encoding: the emulator records raw paths and decodes what it routes. */
    (void)cls;
    (void)c;
    return strlen(s);
}

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)con;
    conn_req *cr = calloc(1, sizeof *cr);
    if (!cr)
        return NULL;
    cr->emu = cls;
    cr->body.libc = 1; /* the emulator's memory is libc's */
    cr->raw_uri = loopmsg__libc_strdup(uri);
    if (!cr->raw_uri) {
        free(cr);
        return NULL;
    }
    return cr;
}

/* Take n more body bytes from the shared budget; false when that would pass the cap. */
static bool body_reserve(conn_req *cr, size_t n)
{
    loopmsg_emulator *emu = cr->emu;
    pthread_mutex_lock(&emu->lock);
    bool ok = n <= emu->max_buffered_bytes - emu->buffered_bytes;
    if (ok) {
        emu->buffered_bytes += n;
        cr->held += n;
    }
    pthread_mutex_unlock(&emu->lock);
    return ok;
}

/* Drop the body and give its bytes back. Every way a request ends comes through here:
 * conn_req_free runs from MHD's completion callback whether the request was answered,
 * dropped or abandoned by the client mid-body. */
static void body_release(conn_req *cr)
{
    loopmsg__buf_clear(&cr->body);
    if (cr->held) {
        loopmsg_emulator *emu = cr->emu;
        pthread_mutex_lock(&emu->lock);
        emu->buffered_bytes -= cr->held;
        pthread_mutex_unlock(&emu->lock);
        cr->held = 0;
    }
}

size_t loopmsg__emu_buffered_bytes(loopmsg_emulator *emu)
{
    pthread_mutex_lock(&emu->lock);
    size_t n = emu->buffered_bytes;
    pthread_mutex_unlock(&emu->lock);
    return n;
}

static void conn_req_free(conn_req *cr)
{
    if (!cr)
        return;
    body_release(cr);
    free(cr->raw_uri);
    free(cr->method);
    free(cr->path);
    free(cr->query);
    free(cr->authorization);
    free(cr->content_type);
    free(cr->user_agent);
    script_free(cr->script);
    free(cr);
}

static void completed_cb(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)connection;
    (void)toe;
    conn_req_free(*con_cls);
    *con_cls = NULL;
}

static char *header_dup(struct MHD_Connection *c, const char *name)
{
    return loopmsg__libc_strdup(MHD_lookup_connection_value(c, MHD_HEADER_KIND, name));
}

/* Sleep ms unless the emulator is stopping. */
static void emu_sleep(loopmsg_emulator *emu, unsigned int ms)
{
    loopmsg__emu_sleep(&emu->lock, &emu->cond, &emu->stopping, ms);
}

static bool add_extra_headers(struct MHD_Response *resp, const char *headers)
{
    if (!headers)
        return true;
    const char *p = headers;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = loopmsg__libc_strndup(p, len);
        if (!line)
            return false;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        char *colon = strchr(line, ':');
        if (colon && colon != line) {
            *colon = '\0';
            const char *value = colon + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            MHD_add_response_header(resp, line, value);
        }
        free(line);
        if (!nl)
            break;
        p = nl + 1;
    }
    return true;
}

static enum MHD_Result queue(struct MHD_Connection *c, const loopmsg__emu_response *r)
{
    size_t len = r->body ? strlen(r->body) : 0;
    bool no_body = r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        no_body ? 0 : len, no_body ? NULL : (void *)r->body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (r->content_type && !no_body)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    add_extra_headers(resp, r->headers);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned int)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void split_uri(conn_req *cr, const char *url)
{
    const char *raw = cr->raw_uri ? cr->raw_uri : url;
    const char *q = strchr(raw, '?');
    if (q) {
        cr->path = loopmsg__libc_strndup(raw, (size_t)(q - raw));
        /* A fragment never reaches a server, but be tolerant. */
        const char *hash = strchr(q + 1, '#');
        cr->query = hash ? loopmsg__libc_strndup(q + 1, (size_t)(hash - q - 1))
                         : loopmsg__libc_strdup(q + 1);
    } else {
        const char *hash = strchr(raw, '#');
        cr->path =
            hash ? loopmsg__libc_strndup(raw, (size_t)(hash - raw)) : loopmsg__libc_strdup(raw);
        cr->query = loopmsg__libc_strdup("");
    }
}

static enum MHD_Result finish(loopmsg_emulator *emu, struct MHD_Connection *c, conn_req *cr)
{
    loopmsg__emu_response r = {0};
    unsigned int delay = 0;
    cr->finished = true;

    if (cr->script) {
        delay = cr->script->answer.delay_ms;
        if (cr->script->answer.drop == LOOPMSG_EMULATOR_DROP_AFTER_BODY) {
            record(emu, cr, 0);
            log_request(emu, cr, 0, "(scripted drop after body)");
            emu_sleep(emu, delay);
            return MHD_NO;
        }
        script_to_response(cr->script, &r);
    } else if (cr->too_large) {
        loopmsg__emu_respond_error(&r, 413, 100, "Request body too large");
    } else if (cr->busy) {
        loopmsg__emu_respond_error(&r, 503, 1000,
                                   "Emulator busy: request bodies in memory reached "
                                   "max_buffered_bytes; retry later");
        r.headers = loopmsg__libc_strdup("Retry-After: 1");
    } else {
        loopmsg__emu_request req = {
            .method = cr->method,
            .path = cr->path,
            .query = cr->query,
            .authorization = cr->authorization,
            .content_type = cr->content_type,
            .body = cr->body.ptr ? cr->body.ptr : "",
            .body_len = cr->body.len,
        };
        if (cr->control) {
            loopmsg__emu_route_sandbox(emu, &req, &r);
        } else {
            pthread_mutex_lock(&emu->lock);
            loopmsg__emu_faults f = emu->faults;
            pthread_mutex_unlock(&emu->lock);
            delay = f.latency_ms;
            if (f.drop_rate > 0 && loopmsg__emu_random01() < f.drop_rate) {
                record(emu, cr, 0);
                log_request(emu, cr, 0, "(fault: dropped)");
                emu_sleep(emu, delay);
                return MHD_NO;
            }
            if (f.error_rate > 0 && loopmsg__emu_random01() < f.error_rate)
                loopmsg__emu_respond_error(&r, f.error_status ? f.error_status : 500,
                                           f.api_code ? f.api_code : 1000, "Injected fault");
            else
                loopmsg__emu_route(emu, &req, &r);
        }
    }
    if (r.status == 0)
        r.status = 500;
    if (!cr->control)
        record(emu, cr, r.status);
    log_request(emu, cr, r.status, cr->script ? "(scripted)" : NULL);
    emu_sleep(emu, delay);
    enum MHD_Result rc = queue(c, &r);
    loopmsg__emu_response_clear(&r);
    return rc;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    loopmsg_emulator *emu = cls;
    conn_req *cr = *con_cls;
    if (!cr)
        return MHD_NO; /* the URI callback ran out of memory */
    if (cr->finished)
        return MHD_YES;

    if (!cr->started) {
        cr->started = true;
        cr->method = loopmsg__libc_strdup(method);
        split_uri(cr, url);
        cr->authorization = header_dup(c, MHD_HTTP_HEADER_AUTHORIZATION);
        cr->content_type = header_dup(c, MHD_HTTP_HEADER_CONTENT_TYPE);
        cr->user_agent = header_dup(c, MHD_HTTP_HEADER_USER_AGENT);
        if (!cr->method || !cr->path || !cr->query)
            return MHD_NO;
        cr->control = strncmp(cr->path, SANDBOX_PREFIX, strlen(SANDBOX_PREFIX)) == 0;
        if (!cr->control)
            cr->script = script_pop(emu);
        if (cr->script && cr->script->answer.drop == LOOPMSG_EMULATOR_DROP_BEFORE_BODY) {
            record(emu, cr, 0);
            log_request(emu, cr, 0, "(scripted drop before body)");
            emu_sleep(emu, cr->script->answer.delay_ms);
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        /* Past either cap: keep reading, stop storing. */
        if (cr->too_large || cr->busy)
            return MHD_YES;
        if (cr->body.len + n > MAX_BODY_BYTES) {
            cr->too_large = true;
            return MHD_YES;
        }
        if (!body_reserve(cr, n)) {
            /* What this request held goes back at once: it will only get a 503. */
            cr->busy = true;
            body_release(cr);
            return MHD_YES;
        }
        loopmsg__buf_append(&cr->body, upload_data, n);
        if (cr->body.failed)
            return MHD_NO;
        return MHD_YES;
    }
    return finish(emu, c, cr);
}

/* ---- public API ------------------------------------------------------------------------- */

static bool parse_bind(const char *addr, struct sockaddr_storage *ss, bool *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (strcmp(addr, "localhost") == 0)
        addr = "127.0.0.1";
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        *v6 = true;
        return true;
    }
    return false;
}

static void set_port(struct sockaddr_storage *ss, bool v6, uint16_t port)
{
    if (v6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static char *opt_dup(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = loopmsg__libc_strdup(s);
    if (!d)
        *ok = false;
    return d;
}

static void free_requests(loopmsg_emulator *emu)
{
    for (size_t i = 0; i < emu->request_count; i++)
        request_record_free(emu->requests[i]);
    emu->request_count = 0;
}

static void free_scripts(loopmsg_emulator *emu)
{
    while (emu->script_head) {
        loopmsg__emu_script *s = emu->script_head;
        emu->script_head = s->next;
        script_free(s);
    }
    emu->script_tail = NULL;
}

/* A whole PEM file, NUL-terminated (libmicrohttpd takes the certificate and key as strings);
 * no certificate chain is a megabyte. */
static char *read_pem(const char *path, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    int rc = loopmsg__read_fd(fd, 1u << 20, &b);
    close(fd);
    size_t len = b.len;
    char *pem = rc == 0 ? loopmsg__buf_detach(&b) : NULL;
    loopmsg__buf_clear(&b);
    if (pem && len_out)
        *len_out = len;
    return pem;
}

/* Load the TLS certificate and key named in opts (version 2) into emu. */
static loopmsg_status load_tls(loopmsg_emulator *emu, const loopmsg_emulator_options *opts,
                               loopmsg_error *err)
{
    if (opts->version < 2 || (!opts->tls_cert_file && !opts->tls_key_file))
        return LOOPMSG_OK;
    if (!opts->tls_cert_file || !opts->tls_key_file)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "tls_cert_file and tls_key_file go together");
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "this libmicrohttpd was built without TLS support");
    emu->tls_cert_pem = read_pem(opts->tls_cert_file, NULL);
    if (!emu->tls_cert_pem)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "cannot read certificate \"%s\"",
                                  opts->tls_cert_file);
    emu->tls_key_pem = read_pem(opts->tls_key_file, &emu->tls_key_len);
    if (!emu->tls_key_pem)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "cannot read private key \"%s\"",
                                  opts->tls_key_file);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_emulator_start(const loopmsg_emulator_options *opts, loopmsg_emulator **out,
                                      loopmsg_error *err)
{
    loopmsg__error_ok(err);
    if (!out)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "out must not be NULL");
    *out = NULL;
    loopmsg_emulator_options defaults = LOOPMSG_EMULATOR_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    loopmsg_status st =
        loopmsg__check_version(opts->version, LOOPMSG_EMULATOR_OPTIONS_VERSION,
                               "loopmsg_emulator_options", "LOOPMSG_EMULATOR_OPTIONS_INIT", err);
    if (st != LOOPMSG_OK)
        return st;
    if (opts->time_scale < 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "time_scale must be >= 0");

    loopmsg_emulator *emu = calloc(1, sizeof *emu);
    if (!emu)
        return loopmsg__error_nomem(err);
    bool ok = true;
    emu->bind_address = opt_dup(opts->bind_address ? opts->bind_address : "127.0.0.1", &ok);
    emu->api_key = opt_dup(opts->api_key ? opts->api_key : "test-key", &ok);
    emu->lookup_api_key = opt_dup(
        opts->version >= 2 && opts->lookup_api_key ? opts->lookup_api_key : "test-lookup-key", &ok);
    emu->webhook_url =
        opt_dup(opts->webhook_url && *opts->webhook_url ? opts->webhook_url : NULL, &ok);
    emu->webhook_header = opt_dup(opts->webhook_header, &ok);
    emu->fixtures_path = opt_dup(opts->fixtures_path, &ok);
    emu->delivery_delay_ms = opts->delivery_delay_ms ? opts->delivery_delay_ms : 1000;
    emu->time_scale = opts->time_scale > 0 ? opts->time_scale : 1.0;
    emu->quiet = opts->quiet;
    emu->webhook_duplicate = opts->webhook_duplicate;
    /* A version-1 struct ends before the version-2 fields: never read them there. */
    emu->max_buffered_bytes = opts->version >= 2 && opts->max_buffered_bytes
                                  ? opts->max_buffered_bytes
                                  : DEFAULT_MAX_BUFFERED_BYTES;
    emu->log_cb = opts->log_cb;
    emu->log_user_data = opts->log_user_data;

    pthread_mutex_init(&emu->lock, NULL);
    loopmsg__cond_init_mono(&emu->cond);

    if (!ok) {
        loopmsg_emulator_free(emu);
        return loopmsg__error_nomem(err);
    }
    st = load_tls(emu, opts, err);
    if (st != LOOPMSG_OK) {
        loopmsg_emulator_free(emu);
        return st;
    }
    char errbuf[256];
    emu->state = loopmsg__emu_state_new(emu->fixtures_path, errbuf, sizeof errbuf);
    if (!emu->state) {
        loopmsg_emulator_free(emu);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s", errbuf);
    }
    emu->events = loopmsg__emu_events_start(emu);
    if (!emu->events) {
        loopmsg_emulator_free(emu);
        return loopmsg__error_set(err, LOOPMSG_E_INTERNAL, "could not start the events thread");
    }

    struct sockaddr_storage ss;
    bool v6 = false;
    if (!parse_bind(emu->bind_address, &ss, &v6)) {
        loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                           "bind_address \"%s\" is not an IPv4 or IPv6 address", emu->bind_address);
        loopmsg_emulator_free(emu);
        return LOOPMSG_E_INVALID_ARG;
    }
    set_port(&ss, v6, opts->port);
    bool tls = emu->tls_cert_pem != NULL;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                         MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0);
    /* The TLS options are passed only with TLS on: MHD refuses them otherwise. */
    emu->daemon = MHD_start_daemon(
        flags, opts->port, NULL, NULL, access_cb, emu, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_URI_LOG_CALLBACK, uri_cb, emu, MHD_OPTION_UNESCAPE_CALLBACK, unescape_identity,
        emu, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, emu, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, emu->tls_cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, emu->tls_key_pem, MHD_OPTION_END);
    if (!emu->daemon) {
        loopmsg__error_set(err, LOOPMSG_E_TRANSPORT, "could not listen on %s port %u",
                           emu->bind_address, (unsigned int)opts->port);
        loopmsg_emulator_free(emu);
        return LOOPMSG_E_TRANSPORT;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(emu->daemon, MHD_DAEMON_INFO_BIND_PORT);
    emu->port = info ? info->port : opts->port;
    const char *host = emu->bind_address;
    if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    snprintf(emu->url, sizeof emu->url, v6 ? "%s://[%s]:%u" : "%s://%s:%u", tls ? "https" : "http",
             host, (unsigned int)emu->port);
    *out = emu;
    return LOOPMSG_OK;
}

void loopmsg_emulator_free(loopmsg_emulator *emu)
{
    if (!emu)
        return;
    pthread_mutex_lock(&emu->lock);
    emu->stopping = true;
    pthread_cond_broadcast(&emu->cond);
    pthread_mutex_unlock(&emu->lock);
    if (emu->daemon)
        MHD_stop_daemon(emu->daemon);
    loopmsg__emu_events_stop(emu->events);
    loopmsg__emu_state_free(emu->state);
    loopmsg__emu_platform_free(emu->platform);
    loopmsg__emu_lookups_free(emu->lookups);
    free_requests(emu);
    free(emu->requests);
    free_scripts(emu);
    pthread_cond_destroy(&emu->cond);
    pthread_mutex_destroy(&emu->lock);
    free(emu->bind_address);
    free(emu->api_key);
    free(emu->lookup_api_key);
    free(emu->webhook_url);
    free(emu->webhook_header);
    free(emu->fixtures_path);
    free(emu->tls_cert_pem);
    if (emu->tls_key_pem)
        loopmsg__wipe(emu->tls_key_pem, emu->tls_key_len);
    free(emu->tls_key_pem);
    free(emu);
}

uint16_t loopmsg_emulator_port(const loopmsg_emulator *emu)
{
    return emu ? emu->port : 0;
}

const char *loopmsg_emulator_url(const loopmsg_emulator *emu)
{
    return emu ? emu->url : NULL;
}

loopmsg_status loopmsg_emulator_script(loopmsg_emulator *emu, const loopmsg_emulator_answer *answer)
{
    if (!emu || !answer)
        return LOOPMSG_E_INVALID_ARG;
    if (answer->version == 0 || answer->version > LOOPMSG_EMULATOR_ANSWER_VERSION)
        return LOOPMSG_E_INVALID_ARG;
    if (answer->drop > LOOPMSG_EMULATOR_DROP_AFTER_BODY || answer->status < 0 ||
        (answer->status != 0 && (answer->status < 100 || answer->status > 999)))
        return LOOPMSG_E_INVALID_ARG;
    loopmsg__emu_script *s = calloc(1, sizeof *s);
    if (!s)
        return LOOPMSG_E_NOMEM;
    s->answer = *answer;
    s->answer.body = loopmsg__libc_strdup(answer->body);
    s->answer.content_type = loopmsg__libc_strdup(answer->content_type);
    s->answer.headers = loopmsg__libc_strdup(answer->headers);
    if ((answer->body && !s->answer.body) || (answer->content_type && !s->answer.content_type) ||
        (answer->headers && !s->answer.headers)) {
        script_free(s);
        return LOOPMSG_E_NOMEM;
    }
    pthread_mutex_lock(&emu->lock);
    if (emu->script_tail)
        emu->script_tail->next = s;
    else
        emu->script_head = s;
    emu->script_tail = s;
    pthread_mutex_unlock(&emu->lock);
    return LOOPMSG_OK;
}

size_t loopmsg_emulator_request_count(loopmsg_emulator *emu)
{
    if (!emu)
        return 0;
    pthread_mutex_lock(&emu->lock);
    size_t n = emu->request_count;
    pthread_mutex_unlock(&emu->lock);
    return n;
}

static size_t opt_len(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* One allocation: the struct followed by its strings, so request_free is a single free. */
static loopmsg_emulator_request *request_copy(const loopmsg_emulator_request *r)
{
    size_t size = sizeof *r + opt_len(r->method) + opt_len(r->path) + opt_len(r->query) +
                  opt_len(r->authorization) + opt_len(r->content_type) + opt_len(r->user_agent) +
                  r->body_len + 1;
    loopmsg_emulator_request *c = calloc(1, size);
    if (!c)
        return NULL;
    char *p = (char *)(c + 1);
#define COPY_FIELD(f)                                                                              \
    do {                                                                                           \
        if (r->f) {                                                                                \
            size_t n_ = strlen(r->f) + 1;                                                          \
            memcpy(p, r->f, n_);                                                                   \
            c->f = p;                                                                              \
            p += n_;                                                                               \
        }                                                                                          \
    } while (0)
    COPY_FIELD(method);
    COPY_FIELD(path);
    COPY_FIELD(query);
    COPY_FIELD(authorization);
    COPY_FIELD(content_type);
    COPY_FIELD(user_agent);
#undef COPY_FIELD
    memcpy(p, r->body, r->body_len);
    p[r->body_len] = '\0';
    c->body = p;
    c->body_len = r->body_len;
    c->answered_status = r->answered_status;
    return c;
}

loopmsg_status loopmsg_emulator_request_get(loopmsg_emulator *emu, size_t index,
                                            loopmsg_emulator_request **out)
{
    if (!out)
        return LOOPMSG_E_INVALID_ARG;
    *out = NULL;
    if (!emu)
        return LOOPMSG_E_INVALID_ARG;
    pthread_mutex_lock(&emu->lock);
    loopmsg_status st = LOOPMSG_E_INVALID_ARG;
    if (index < emu->request_count) {
        *out = request_copy(emu->requests[index]);
        st = *out ? LOOPMSG_OK : LOOPMSG_E_NOMEM;
    }
    pthread_mutex_unlock(&emu->lock);
    return st;
}

void loopmsg_emulator_request_free(loopmsg_emulator_request *req)
{
    free(req);
}

void loopmsg_emulator_reset(loopmsg_emulator *emu)
{
    if (!emu)
        return;
    pthread_mutex_lock(&emu->lock);
    free_requests(emu);
    free_scripts(emu);
    pthread_mutex_unlock(&emu->lock);
}

/* ---- additions (sandbox control from C) -------------------------------------------------- */

json_t *loopmsg__emu_requests_json(loopmsg_emulator *emu)
{
    json_t *items = json_array();
    pthread_mutex_lock(&emu->lock);
    for (size_t i = 0; i < emu->request_count; i++) {
        const loopmsg_emulator_request *r = emu->requests[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:s?,s:s?,s:s%,s:i}", "method", r->method, "path",
                              r->path, "query", r->query, "authorization", r->authorization != NULL,
                              "content_type", r->content_type, "user_agent", r->user_agent, "body",
                              r->body, r->body_len, "answered_status", r->answered_status);
        if (!o) /* a body that is not UTF-8 cannot be a JSON string */
            o = json_pack("{s:s,s:s,s:s,s:b,s:s?,s:s?,s:n,s:I,s:i}", "method", r->method, "path",
                          r->path, "query", r->query, "authorization", r->authorization != NULL,
                          "content_type", r->content_type, "user_agent", r->user_agent, "body",
                          "body_len", (json_int_t)r->body_len, "answered_status",
                          r->answered_status);
        if (o)
            json_array_append_new(items, o);
    }
    size_t n = emu->request_count;
    pthread_mutex_unlock(&emu->lock);
    return json_pack("{s:I,s:o}", "count", (json_int_t)n, "items", items);
}

void loopmsg__emu_faults_set(loopmsg_emulator *emu, const loopmsg__emu_faults *f)
{
    pthread_mutex_lock(&emu->lock);
    emu->faults = *f;
    pthread_mutex_unlock(&emu->lock);
}

loopmsg__emu_faults loopmsg__emu_faults_get(loopmsg_emulator *emu)
{
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_faults f = emu->faults;
    pthread_mutex_unlock(&emu->lock);
    return f;
}

loopmsg_status loopmsg_emulator_set_faults(loopmsg_emulator *emu,
                                           const loopmsg_emulator_faults *faults)
{
    if (!emu)
        return LOOPMSG_E_INVALID_ARG;
    loopmsg__emu_faults f = {0};
    if (faults) {
        if (faults->version == 0 || faults->version > LOOPMSG_EMULATOR_FAULTS_VERSION ||
            faults->error_rate < 0 || faults->error_rate > 1 || faults->drop_rate < 0 ||
            faults->drop_rate > 1 ||
            (faults->error_status != 0 &&
             (faults->error_status < 100 || faults->error_status > 999)))
            return LOOPMSG_E_INVALID_ARG;
        f.latency_ms = faults->latency_ms;
        f.error_rate = faults->error_rate;
        f.error_status = faults->error_status;
        f.api_code = faults->api_code;
        f.drop_rate = faults->drop_rate;
    }
    loopmsg__emu_faults_set(emu, &f);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_emulator_inject(loopmsg_emulator *emu, const char *contact, const char *text,
                                       const char *group, char *message_id_out,
                                       size_t message_id_size, loopmsg_error *err)
{
    loopmsg__error_ok(err);
    if (!emu || !contact || !text)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "emu, contact and text are required");
    json_t *body = json_pack("{s:s,s:s,s:s?}", "contact", contact, "text", text, "group", group);
    if (!body)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "contact/text must be UTF-8");
    char id[LOOPMSG__EMU_ID_SIZE] = "";
    const char *problem = loopmsg__emu_state_inject(emu, body, id);
    json_decref(body);
    if (problem)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s", problem);
    if (message_id_out && message_id_size)
        snprintf(message_id_out, message_id_size, "%s", id);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_emulator_trigger(loopmsg_emulator *emu, const char *event_json,
                                        char *webhook_id_out, size_t webhook_id_size,
                                        loopmsg_error *err)
{
    loopmsg__error_ok(err);
    if (!emu || !event_json)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "emu and event_json are required");
    json_error_t jerr;
    json_t *ev = json_loads(event_json, 0, &jerr);
    if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "event"))) {
        json_decref(ev);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "event_json must be a JSON object with an \"event\" string");
    }
    if (!emu->webhook_url) {
        json_decref(ev);
        return loopmsg__error_set(err, LOOPMSG_E_STATE, "the emulator has no webhook_url");
    }
    char id[LOOPMSG__EMU_ID_SIZE];
    loopmsg__emu_events_post(emu->events, ev, (int64_t)loopmsg__mono_ms(), id);
    if (webhook_id_out && webhook_id_size)
        snprintf(webhook_id_out, webhook_id_size, "%s", id);
    return LOOPMSG_OK;
}

size_t loopmsg_emulator_webhooks_pending(loopmsg_emulator *emu)
{
    return emu ? loopmsg__emu_events_pending(emu->events) : 0;
}
