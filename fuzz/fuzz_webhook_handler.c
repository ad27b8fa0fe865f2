/* SPDX-License-Identifier: MIT */
/*
 * fuzz_webhook_handler.c: loopmsg_webhook_handle(), its two phases
 * (loopmsg_webhook_check_headers(), loopmsg_webhook_handle_body()) and loopmsg_webhook_verify()
 * on arbitrary requests. The input is split at the first four newlines into method, path,
 * query and Authorization; the rest is the body. An empty query or Authorization line means
 * "absent". The answer must always be one of the documented statuses, and the two phases
 * must answer exactly as the one call does.
 */
#include <loopmsg.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cut the next line off [*p, end) into a NUL-terminated copy. */
static char *next_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n + (nl ? 1 : 0);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *method = next_line(&p, end);
    char *path = next_line(&p, end);
    char *query = next_line(&p, end);
    char *auth = next_line(&p, end);
    size_t body_len = (size_t)(end - p);
    char *body = malloc(body_len ? body_len : 1);
    if (!body)
        abort();
    if (body_len)
        memcpy(body, p, body_len);

    static const char *const secrets[] = {"fuzz-secret", "Bearer x", "a b"};
    loopmsg_webhook_handler_config cfg = LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT;
    cfg.path = "/webhook";
    cfg.secrets = secrets;
    cfg.secret_count = 3;
    cfg.max_body_bytes = 512;

    loopmsg_webhook_request req = LOOPMSG_WEBHOOK_REQUEST_INIT;
    req.method = method;
    req.path = path;
    req.query = query[0] ? query : NULL;
    req.authorization = auth[0] ? auth : NULL;
    req.body = body;
    req.body_len = body_len;

    for (int with_cfg = 0; with_cfg < 2; with_cfg++) {
        loopmsg_webhook_response resp;
        loopmsg_error err;
        loopmsg_status st = loopmsg_webhook_handle(&resp, with_cfg ? &cfg : NULL, &req, &err);
        switch (resp.status) {
        case 200:
            if (st != LOOPMSG_OK)
                abort();
            if (strcmp(method, "POST") == 0 && (!resp.event || resp.event->raw_len != body_len))
                abort();
            break;
        case 400:
        case 401:
        case 404:
        case 405:
        case 413:
            if (st == LOOPMSG_OK || resp.event)
                abort();
            break;
        default:
            abort();
        }
        if (!resp.body || strlen(resp.body) != resp.body_len || !resp.content_type)
            abort();
        /* The same request in two phases, the declared length being the body's (then its
         * double, which must be refused from the headers when over the limit). */
        for (int twice = 0; twice < 2; twice++) {
            loopmsg_webhook_request h = req;
            h.content_length = twice ? 2 * body_len : body_len;
            loopmsg_webhook_response r1, r2;
            loopmsg_status s1 =
                loopmsg_webhook_check_headers(&r1, with_cfg ? &cfg : NULL, &h, &err);
            if (r1.event || !r1.body || strlen(r1.body) != r1.body_len || !r1.content_type)
                abort();
            if (r1.status != 100) {
                if (!twice && (r1.status != resp.status || s1 != st))
                    abort();
                if (twice && r1.status == 413 && 2 * body_len <= (with_cfg ? 512u : 1u << 20))
                    abort();
                continue;
            }
            if (s1 != LOOPMSG_OK)
                abort();
            loopmsg_status s2 =
                loopmsg_webhook_handle_body(&r2, with_cfg ? &cfg : NULL, body, body_len, &err);
            if (!twice && (r2.status != resp.status || s2 != st))
                abort();
            if ((r2.status == 200) != (r2.event != NULL) || (r2.status == 200) != (s2 == 0))
                abort();
            loopmsg_webhook_response_clear(&r2);
        }
        loopmsg_webhook_response_clear(&resp);
    }

    loopmsg_error err;
    loopmsg_status v = loopmsg_webhook_verify(req.authorization, req.query, secrets, 3, &err);
    if (v != LOOPMSG_OK && v != LOOPMSG_E_WEBHOOK_AUTH)
        abort();
    free(method);
    free(path);
    free(query);
    free(auth);
    free(body);
    return 0;
}
