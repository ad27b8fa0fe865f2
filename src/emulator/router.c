/* SPDX-License-Identifier: MIT */
/*
 * router.c: maps a request to an emulated endpoint. Same paths as the real API (trailing
 * slashes required, message status under /v1/ without /api), then 405 for a wrong method,
 * then authentication (401 with code 110 or 130), then the JSON body, then state.c. Path
 * parameters are percent-decoded here (the server keeps them raw). Also the /__sandbox/
 * control endpoints, which need no key. Builds responses; never touches sockets.
 */
#include "emulator_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum endpoint {
    EP_SEND,
    EP_TYPING,
    EP_STATUS,
    EP_AUDIENCE_LIST,
    EP_AUDIENCE_CHECK,
    EP_AUDIENCE_DELETE,
    EP_AUDIENCE_MESSAGES,
    EP_TRACKER,
    EP_CAMPAIGN_NEW,
    EP_SENDER_LIST,
    EP_SENDER_GET,
    EP_POOL_LIST,
    EP_POOL_GET,
    EP_OPTIN_URL,
    EP_WEBHOOK_HISTORY
} endpoint;

/* Routes are tried in order: exact "list" paths come before their "{id}" siblings. */
static const struct route {
    const char *method;
    const char *prefix; /* the whole path, or the part before the parameter */
    bool param;         /* prefix + one segment + "/" */
    endpoint ep;
} routes[] = {
    {"POST", "/api/v1/message/send/", false, EP_SEND},
    {"POST", "/api/v1/message/show-typing/", false, EP_TYPING},
    {"GET", "/v1/message/status/", true, EP_STATUS},
    {"GET", "/api/v1/audience/list/", false, EP_AUDIENCE_LIST},
    {"GET", "/api/v1/audience/check-status/", true, EP_AUDIENCE_CHECK},
    {"DELETE", "/api/v1/audience/delete/", true, EP_AUDIENCE_DELETE},
    {"GET", "/api/v1/audience/messages/", true, EP_AUDIENCE_MESSAGES},
    {"GET", "/api/v1/audience/tracker/", false, EP_TRACKER},
    {"POST", "/api/v1/campaigns/new/", false, EP_CAMPAIGN_NEW},
    {"GET", "/api/v1/sender/list/", false, EP_SENDER_LIST},
    {"GET", "/api/v1/sender/", true, EP_SENDER_GET},
    {"GET", "/api/v1/pool/list/", false, EP_POOL_LIST},
    {"GET", "/api/v1/pool/", true, EP_POOL_GET},
    {"POST", "/api/v1/opt-in/generate-url/", false, EP_OPTIN_URL},
    {"GET", "/api/v1/webhooks/history/", false, EP_WEBHOOK_HISTORY},
};

/* Does path match the route? On a parameter route, seg and seg_len get the raw segment. */
static bool route_matches(const struct route *r, const char *path, const char **seg,
                          size_t *seg_len)
{
    size_t plen = strlen(r->prefix);
    if (strncmp(path, r->prefix, plen) != 0)
        return false;
    if (!r->param)
        return path[plen] == '\0';
    const char *s = path + plen;
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash[1] != '\0')
        return false;
    /* "list" is its own endpoint, not an id. */
    if ((size_t)(slash - s) == 4 && strncmp(s, "list", 4) == 0)
        return false;
    *seg = s;
    *seg_len = (size_t)(slash - s);
    return true;
}

static json_t *parse_body(const loopmsg__emu_request *req, loopmsg__emu_response *resp)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!json_is_object(body)) {
        char msg[256];
        snprintf(msg, sizeof msg, "Request body must be a JSON object%s%s", body ? "" : ": ",
                 body ? "" : jerr.text);
        json_decref(body);
        loopmsg__emu_respond_error(resp, 400, 100, msg);
        return NULL;
    }
    return body;
}

static void not_found(loopmsg__emu_response *resp)
{
    loopmsg__emu_respond_error(resp, 404, 100, "Not found");
}

static void method_not_allowed(loopmsg__emu_response *resp, const char *allow)
{
    loopmsg__emu_respond_error(resp, 405, 100, "Method not allowed");
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    loopmsg__buf_printf(&b, "Allow: %s", allow);
    resp->headers = b.ptr;
}

void loopmsg__emu_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                        loopmsg__emu_response *resp)
{
    if (loopmsg__emu_lookup_route(emu, req, resp) || loopmsg__emu_platform_route(emu, req, resp))
        return;
    const struct route *found = NULL;
    const char *allow = NULL;
    const char *seg = NULL;
    size_t seg_len = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *s = NULL;
        size_t n = 0;
        if (!route_matches(&routes[i], req->path, &s, &n))
            continue;
        if (strcmp(routes[i].method, req->method) == 0) {
            found = &routes[i];
            seg = s;
            seg_len = n;
            break;
        }
        if (!allow)
            allow = routes[i].method;
    }
    if (!found) {
        if (allow)
            method_not_allowed(resp, allow);
        else
            not_found(resp);
        return;
    }

    /* Loop takes the raw key in Authorization, with no "Bearer" prefix. */
    if (!req->authorization || !*req->authorization) {
        loopmsg__emu_respond_error(resp, 401, 110, "Credentials are missing");
        return;
    }
    if (strcmp(req->authorization, emu->api_key) != 0 &&
        !loopmsg__emu_platform_key_known(emu, req->authorization)) {
        loopmsg__emu_respond_error(resp, 401, 130, "Authorization key is invalid");
        return;
    }

    char *param = NULL;
    if (found->param) {
        param = loopmsg__emu_percent_decode(seg, seg_len, false);
        if (!param) {
            loopmsg__emu_respond_error(resp, 400, 100, "Malformed path parameter");
            return;
        }
    }
    json_t *body = NULL;
    if (strcmp(found->method, "POST") == 0) {
        body = parse_body(req, resp);
        if (!body) {
            free(param);
            return;
        }
    }
    switch (found->ep) {
    case EP_SEND:
        loopmsg__emu_state_send(emu, body, req->authorization, resp);
        break;
    case EP_TYPING:
        loopmsg__emu_state_typing(emu, body, resp);
        break;
    case EP_STATUS:
        loopmsg__emu_state_status(emu, param, resp);
        break;
    case EP_AUDIENCE_LIST:
        loopmsg__emu_state_audience_list(emu, req->query, resp);
        break;
    case EP_AUDIENCE_CHECK:
        loopmsg__emu_state_audience_check(emu, param, resp);
        break;
    case EP_AUDIENCE_DELETE:
        loopmsg__emu_state_audience_delete(emu, param, resp);
        break;
    case EP_AUDIENCE_MESSAGES:
        loopmsg__emu_state_audience_messages(emu, param, req->query, resp);
        break;
    case EP_TRACKER:
        loopmsg__emu_state_tracker(emu, req->query, resp);
        break;
    case EP_CAMPAIGN_NEW:
        loopmsg__emu_state_campaign_new(emu, body, resp);
        break;
    case EP_SENDER_LIST:
        loopmsg__emu_state_sender_list(emu, req->query, resp);
        break;
    case EP_SENDER_GET:
        loopmsg__emu_state_sender_get(emu, param, resp);
        break;
    case EP_POOL_LIST:
        loopmsg__emu_state_pool_list(emu, req->query, resp);
        break;
    case EP_POOL_GET:
        loopmsg__emu_state_pool_get(emu, param, resp);
        break;
    case EP_OPTIN_URL:
        loopmsg__emu_state_optin_url(emu, body, resp);
        break;
    case EP_WEBHOOK_HISTORY:
        loopmsg__emu_state_webhook_history(emu, req->query, resp);
        break;
    }
    json_decref(body);
    free(param);
}

/* ---- /__sandbox/ ------------------------------------------------------------------------ */

static void sandbox_ok(loopmsg__emu_response *resp, json_t *extra)
{
    json_t *out = json_pack("{s:b}", "success", 1);
    if (extra) {
        json_object_update(out, extra);
        json_decref(extra);
    }
    loopmsg__emu_respond_json(resp, 200, out);
}

static void sandbox_inject(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    char id[LOOPMSG__EMU_ID_SIZE] = "";
    const char *problem = loopmsg__emu_state_inject(emu, body, id);
    if (problem) {
        loopmsg__emu_respond_error(resp, 400, 125, problem);
        return;
    }
    sandbox_ok(resp, json_pack("{s:s}", "message_id", id));
}

static void sandbox_trigger(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    if (!json_is_string(json_object_get(body, "event"))) {
        loopmsg__emu_respond_error(resp, 400, 120, "\"event\" (string) is required");
        return;
    }
    if (!emu->webhook_url) {
        loopmsg__emu_respond_error(resp, 409, 100, "The emulator has no webhook_url");
        return;
    }
    char id[LOOPMSG__EMU_ID_SIZE];
    loopmsg__emu_events_post(emu->events, json_deep_copy(body), (int64_t)loopmsg__mono_ms(), id);
    sandbox_ok(resp, json_pack("{s:s}", "webhook_id", id));
}

static json_t *faults_json(const loopmsg__emu_faults *f)
{
    return json_pack("{s:I,s:f,s:i,s:i,s:f}", "latency_ms", (json_int_t)f->latency_ms, "error_rate",
                     f->error_rate, "error_status", f->error_status, "error_code", f->api_code,
                     "drop_rate", f->drop_rate);
}

static bool rate(const json_t *body, const char *key, double *out)
{
    const json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) {
        *out = 0;
        return true;
    }
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return *out >= 0 && *out <= 1;
}

static bool integer(const json_t *body, const char *key, long lo, long hi, long *out)
{
    const json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) {
        *out = 0;
        return true;
    }
    if (!json_is_integer(v))
        return false;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return false;
    *out = (long)x;
    return true;
}

static void sandbox_faults(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    if (body) {
        loopmsg__emu_faults f = {0};
        long latency, status, code;
        if (!integer(body, "latency_ms", 0, 600000, &latency) ||
            !rate(body, "error_rate", &f.error_rate) || !rate(body, "drop_rate", &f.drop_rate) ||
            !integer(body, "error_status", 0, 999, &status) || (status != 0 && status < 100) ||
            !integer(body, "error_code", 0, 1000000, &code)) {
            loopmsg__emu_respond_error(resp, 400, 125,
                                       "latency_ms 0..600000, error_rate and drop_rate "
                                       "0..1, error_status 100..999, error_code >= 0");
            return;
        }
        f.latency_ms = (unsigned int)latency;
        f.error_status = (int)status;
        f.api_code = (int)code;
        loopmsg__emu_faults_set(emu, &f);
    }
    loopmsg__emu_faults f = loopmsg__emu_faults_get(emu);
    loopmsg__emu_respond_json(resp, 200, faults_json(&f));
}

static void sandbox_script(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    loopmsg_emulator_answer a = LOOPMSG_EMULATOR_ANSWER_INIT;
    long status = 0, delay = 0;
    const json_t *b = json_object_get(body, "body");
    const char *drop = json_string_value(json_object_get(body, "drop"));
    if (!integer(body, "status", 0, 999, &status) ||
        !integer(body, "delay_ms", 0, 600000, &delay)) {
        loopmsg__emu_respond_error(resp, 400, 125, "status 0..999, delay_ms 0..600000");
        return;
    }
    a.status = (int)status;
    a.delay_ms = (unsigned int)delay;
    a.content_type = json_string_value(json_object_get(body, "content_type"));
    a.headers = json_string_value(json_object_get(body, "headers"));
    if (drop && strcmp(drop, "before_body") == 0)
        a.drop = LOOPMSG_EMULATOR_DROP_BEFORE_BODY;
    else if (drop && strcmp(drop, "after_body") == 0)
        a.drop = LOOPMSG_EMULATOR_DROP_AFTER_BODY;
    else if (drop && strcmp(drop, "none") != 0) {
        loopmsg__emu_respond_error(resp, 400, 125, "drop must be none, before_body or after_body");
        return;
    }
    /* "body" may be a string (sent as is) or any JSON value (serialised). */
    char *dumped = NULL;
    if (json_is_string(b))
        a.body = json_string_value(b);
    else if (b && !json_is_null(b))
        a.body = dumped = loopmsg__emu_json_dump(b);
    loopmsg_status st = loopmsg_emulator_script(emu, &a);
    free(dumped);
    if (st != LOOPMSG_OK) {
        loopmsg__emu_respond_error(resp, 400, 125, "Invalid scripted answer");
        return;
    }
    sandbox_ok(resp, NULL);
}

static void sandbox_reset(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    loopmsg_emulator_reset(emu);
    loopmsg__emu_faults none = {0};
    loopmsg__emu_faults_set(emu, &none);
    if (body && json_is_true(json_object_get(body, "state"))) {
        loopmsg__emu_events_clear(emu->events);
        if (!loopmsg__emu_state_reload(emu)) {
            loopmsg__emu_respond_error(resp, 500, 1000, "Could not reload the fixtures");
            return;
        }
        /* Organizations (and their keys) and the sender-order window start afresh too. */
        pthread_mutex_lock(&emu->lock);
        loopmsg__emu_platform_free(emu->platform);
        emu->platform = NULL;
        loopmsg__emu_lookups_free(emu->lookups);
        emu->lookups = NULL;
        pthread_mutex_unlock(&emu->lock);
    }
    sandbox_ok(resp, NULL);
}

/* Matches "/__sandbox/NAME" with or without a trailing slash. */
static bool sandbox_is(const char *path, const char *name)
{
    const char *p = path + strlen("/__sandbox/");
    size_t n = strlen(name);
    return strncmp(p, name, n) == 0 && (p[n] == '\0' || (p[n] == '/' && p[n + 1] == '\0'));
}

void loopmsg__emu_route_sandbox(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                                loopmsg__emu_response *resp)
{
    static const struct {
        const char *name;
        const char *methods; /* "GET", "POST" or "GET,POST" */
    } ctl[] = {{"inject", "POST"},  {"trigger", "POST"}, {"faults", "GET, POST"},
               {"requests", "GET"}, {"reset", "POST"},   {"script", "POST"},
               {"health", "GET"}};
    size_t which = SIZE_MAX;
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
        if (sandbox_is(req->path, ctl[i].name))
            which = i;
    if (which == SIZE_MAX) {
        not_found(resp);
        return;
    }
    bool is_get = strcmp(req->method, "GET") == 0, is_post = strcmp(req->method, "POST") == 0;
    if (!((is_get && strstr(ctl[which].methods, "GET")) ||
          (is_post && strstr(ctl[which].methods, "POST")))) {
        method_not_allowed(resp, ctl[which].methods);
        return;
    }

    json_t *body = NULL;
    if (is_post) {
        /* An empty body is an empty object for the control endpoints. */
        if (req->body_len == 0)
            body = json_object();
        else if (!(body = parse_body(req, resp)))
            return;
    }
    const char *name = ctl[which].name;
    if (strcmp(name, "inject") == 0)
        sandbox_inject(emu, body, resp);
    else if (strcmp(name, "trigger") == 0)
        sandbox_trigger(emu, body, resp);
    else if (strcmp(name, "faults") == 0)
        sandbox_faults(emu, body, resp);
    else if (strcmp(name, "requests") == 0)
        loopmsg__emu_respond_json(resp, 200, loopmsg__emu_requests_json(emu));
    else if (strcmp(name, "reset") == 0)
        sandbox_reset(emu, body, resp);
    else if (strcmp(name, "script") == 0)
        sandbox_script(emu, body, resp);
    else
        loopmsg__emu_respond_json(resp, 200, json_pack("{s:s}", "status", "ok"));
    json_decref(body);
}
