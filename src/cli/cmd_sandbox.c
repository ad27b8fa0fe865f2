/* SPDX-License-Identifier: MIT */
/*
 * cmd_sandbox.c: `loopmsg sandbox`, the local Loop Message emulator from the command line.
 * Without a subcommand it runs an emulator in the foreground (loopmsg_emulator_start) until
 * SIGINT or SIGTERM, logging each request on stderr. The subcommands (inject, trigger,
 * faults, script, requests, reset) drive a sandbox that is already running, named by
 * --base-url / LOOP_BASE_URL, through its /__sandbox/ control endpoints with
 * loopmsg_emulator_control(). Uses only the public headers.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <loopmsg/emulator.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Option ids; bit (id - O_FIRST) of sb_args.seen records that the option was given. */
enum {
    O_FIRST = 256,
    O_PORT = O_FIRST,
    O_BIND,
    O_WEBHOOK_URL,
    O_WEBHOOK_HEADER,
    O_FIXTURES,
    O_TIME_SCALE,
    O_DELIVERY_DELAY,
    O_DUPLICATE,
    O_LATENCY,
    O_ERROR_RATE,
    O_ERROR_STATUS,
    O_ERROR_CODE,
    O_DROP_RATE,
    O_QUIET,
    O_CONTACT,
    O_TEXT,
    O_GROUP,
    O_FIELD,
    O_MESSAGE_ID,
    O_CLEAR,
    O_STATE,
    O_STATUS,
    O_BODY,
    O_HEADER,
    O_CONTENT_TYPE,
    O_DELAY,
    O_DROP,
    O_MAX_BUFFERED,
    O_TLS_CERT,
    O_TLS_KEY,
    O_LAST
};

#define BIT(id) (1u << ((id)-O_FIRST))
#define FAULT_OPTS                                                                                 \
    (BIT(O_LATENCY) | BIT(O_ERROR_RATE) | BIT(O_ERROR_STATUS) | BIT(O_ERROR_CODE) |                \
     BIT(O_DROP_RATE))

#define MAX_FIELDS  64
#define MAX_HEADERS 16

typedef struct sb_args {
    unsigned int seen;
    long port, delivery_delay_ms, latency_ms, error_status, error_code, max_buffered_mib;
    long status, delay_ms;
    double time_scale, error_rate, drop_rate;
    const char *bind, *webhook_url, *webhook_header, *fixtures, *tls_cert, *tls_key;
    const char *contact, *text, *group, *message_id;
    const char *body, *content_type, *drop;
    const char *fields[MAX_FIELDS];
    size_t field_count;
    const char *headers[MAX_HEADERS];
    size_t header_count;
    const char *cmd; /* for messages: "sandbox" or "sandbox inject" ... */
} sb_args;

#define OPT(name, has, id)                                                                         \
    {                                                                                              \
        name, has, NULL, id                                                                        \
    }

static const struct option sb_opts[] = {
    OPT("port", required_argument, O_PORT),
    OPT("bind", required_argument, O_BIND),
    OPT("webhook-url", required_argument, O_WEBHOOK_URL),
    OPT("webhook-header", required_argument, O_WEBHOOK_HEADER),
    OPT("fixtures", required_argument, O_FIXTURES),
    OPT("time-scale", required_argument, O_TIME_SCALE),
    OPT("delivery-delay", required_argument, O_DELIVERY_DELAY),
    OPT("duplicate-webhooks", no_argument, O_DUPLICATE),
    OPT("latency", required_argument, O_LATENCY),
    OPT("error-rate", required_argument, O_ERROR_RATE),
    OPT("error-status", required_argument, O_ERROR_STATUS),
    OPT("error-code", required_argument, O_ERROR_CODE),
    OPT("drop-rate", required_argument, O_DROP_RATE),
    OPT("quiet", no_argument, O_QUIET),
    OPT("contact", required_argument, O_CONTACT),
    OPT("text", required_argument, O_TEXT),
    OPT("group", required_argument, O_GROUP),
    OPT("field", required_argument, O_FIELD),
    OPT("message-id", required_argument, O_MESSAGE_ID),
    OPT("clear", no_argument, O_CLEAR),
    OPT("state", no_argument, O_STATE),
    OPT("status", required_argument, O_STATUS),
    OPT("body", required_argument, O_BODY),
    OPT("header", required_argument, O_HEADER),
    OPT("content-type", required_argument, O_CONTENT_TYPE),
    OPT("delay", required_argument, O_DELAY),
    OPT("drop", required_argument, O_DROP),
    OPT("max-buffered-mib", required_argument, O_MAX_BUFFERED),
    OPT("tls-cert", required_argument, O_TLS_CERT),
    OPT("tls-key", required_argument, O_TLS_KEY),
    {NULL, 0, NULL, 0},
};

static const char usage[] =
    "usage: loopmsg sandbox [options]             run a local Loop Message emulator\n"
    "       loopmsg sandbox SUBCOMMAND [options]  control a running one (--base-url or\n"
    "                                             LOOP_BASE_URL names it)\n"
    "\n"
    "Running (until Ctrl-C or SIGTERM; exit 0):\n"
    "  --port P              TCP port; 0 (default) = a free one, printed at start\n"
    "  --bind ADDR           address to listen on (default 127.0.0.1)\n"
    "  --api-key K           the key the emulator accepts (default test-key)\n"
    "  --webhook-url URL     POST webhooks (delivered, failed, inbound...) there\n"
    "  --webhook-header V    Authorization value sent with every webhook\n"
    "  --fixtures FILE       JSON file of senders, pools, contacts, groups\n"
    "  --delivery-delay MS   processing -> delivered (default 1000)\n"
    "  --time-scale X        multiply every emulated delay (e.g. 0.1)\n"
    "  --duplicate-webhooks  send every webhook twice (same webhook_id)\n"
    "  --max-buffered-mib N  request bodies held at once, all connections (default 64;\n"
    "                        beyond it 503 with Retry-After)\n"
    "  --latency MS --error-rate R --error-status N --error-code N --drop-rate R\n"
    "                        fault injection from the start (see 'faults')\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                        serve HTTPS (HTTP/1.1) with this PEM certificate and key;\n"
    "                        clients trust it with --ca-bundle / LOOP_CA_BUNDLE\n"
    "  --quiet               do not log requests\n"
    "  --json                print {\"url\", \"port\"} on stdout once listening\n"
    "\n"
    "Subcommands:\n"
    "  inject --contact C --text T [--group ID] [--sender S]\n"
    "        a contact writes to you: stored, and a message_inbound webhook is sent\n"
    "  trigger EVENT [--contact C] [--text T] [--message-id ID] [--field KEY=VALUE]...\n"
    "        send any webhook event; --field KEY:=JSON sets a raw JSON value\n"
    "  faults [--latency MS] [--error-rate R] [--error-status N] [--error-code N]\n"
    "         [--drop-rate R] | [--clear]\n"
    "        show, replace or clear the fault settings of the emulated API\n"
    "  script [--status N] [--body B] [--header 'Name: value']... [--content-type T]\n"
    "         [--delay MS] [--drop none|before_body|after_body]\n"
    "        queue one scripted answer for the next API request\n"
    "  requests   the requests the API received (--json for all fields)\n"
    "  reset [--state]   forget requests, scripts and faults (--state: also messages,\n"
    "                    audience changes and pending webhooks)\n"
    "\n"
    "Contacts ending in 0000, 0001, 0002 fail delivery with codes 1020, 1030, 1010.\n"
    "See docs/sandbox.md.\n";

static int parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int on_opt(int id, const char *arg, void *ud)
{
    sb_args *a = ud;
    if (id < O_FIRST || id >= O_LAST)
        return 1;
    a->seen |= BIT(id);
    switch (id) {
    case O_PORT:
        if (cli_parse_long(arg, 0, 65535, &a->port) != 0)
            return cli_usage_error(a->cmd, "--port: expected 0..65535");
        break;
    case O_BIND:
        a->bind = arg;
        break;
    case O_WEBHOOK_URL:
        a->webhook_url = arg;
        break;
    case O_WEBHOOK_HEADER:
        a->webhook_header = arg;
        break;
    case O_FIXTURES:
        a->fixtures = arg;
        break;
    case O_TLS_CERT:
        a->tls_cert = arg;
        break;
    case O_TLS_KEY:
        a->tls_key = arg;
        break;
    case O_TIME_SCALE:
        if (parse_double(arg, 0.0001, 1000, &a->time_scale) != 0)
            return cli_usage_error(a->cmd, "--time-scale: expected a number above 0 (e.g. 0.1)");
        break;
    case O_MAX_BUFFERED:
        if (cli_parse_long(arg, 1, 65536, &a->max_buffered_mib) != 0)
            return cli_usage_error(a->cmd, "--max-buffered-mib: expected MiB (1..65536)");
        break;
    case O_DELIVERY_DELAY:
        if (cli_parse_long(arg, 1, 3600000, &a->delivery_delay_ms) != 0)
            return cli_usage_error(a->cmd, "--delivery-delay: expected milliseconds (1..3600000)");
        break;
    case O_LATENCY:
        if (cli_parse_long(arg, 0, 600000, &a->latency_ms) != 0)
            return cli_usage_error(a->cmd, "--latency: expected milliseconds (0..600000)");
        break;
    case O_ERROR_RATE:
        if (parse_double(arg, 0, 1, &a->error_rate) != 0)
            return cli_usage_error(a->cmd, "--error-rate: expected a probability (0..1)");
        break;
    case O_ERROR_STATUS:
        if (cli_parse_long(arg, 100, 599, &a->error_status) != 0)
            return cli_usage_error(a->cmd, "--error-status: expected an HTTP status (100..599)");
        break;
    case O_ERROR_CODE:
        if (cli_parse_long(arg, 0, 1000000, &a->error_code) != 0)
            return cli_usage_error(a->cmd, "--error-code: expected a Loop error code");
        break;
    case O_DROP_RATE:
        if (parse_double(arg, 0, 1, &a->drop_rate) != 0)
            return cli_usage_error(a->cmd, "--drop-rate: expected a probability (0..1)");
        break;
    case O_CONTACT:
        a->contact = arg;
        break;
    case O_TEXT:
        a->text = arg;
        break;
    case O_GROUP:
        a->group = arg;
        break;
    case O_FIELD:
        if (a->field_count == MAX_FIELDS)
            return cli_usage_error(a->cmd, "too many --field options");
        if (!strchr(arg, '=') || arg[0] == '=' || arg[0] == ':')
            return cli_usage_error(a->cmd, "--field: expected KEY=VALUE or KEY:=JSON");
        a->fields[a->field_count++] = arg;
        break;
    case O_MESSAGE_ID:
        a->message_id = arg;
        break;
    case O_STATUS:
        if (cli_parse_long(arg, 100, 599, &a->status) != 0)
            return cli_usage_error(a->cmd, "--status: expected an HTTP status (100..599)");
        break;
    case O_BODY:
        a->body = arg;
        break;
    case O_HEADER:
        if (a->header_count == MAX_HEADERS)
            return cli_usage_error(a->cmd, "too many --header options");
        if (!strchr(arg, ':') || strchr(arg, '\n'))
            return cli_usage_error(a->cmd, "--header: expected 'Name: value'");
        a->headers[a->header_count++] = arg;
        break;
    case O_CONTENT_TYPE:
        a->content_type = arg;
        break;
    case O_DELAY:
        if (cli_parse_long(arg, 0, 600000, &a->delay_ms) != 0)
            return cli_usage_error(a->cmd, "--delay: expected milliseconds (0..600000)");
        break;
    case O_DROP:
        if (strcmp(arg, "none") != 0 && strcmp(arg, "before_body") != 0 &&
            strcmp(arg, "after_body") != 0)
            return cli_usage_error(a->cmd, "--drop: expected none, before_body or after_body");
        a->drop = arg;
        break;
    default: /* flags without a value */
        break;
    }
    return 0;
}

/* ---- running an emulator ---------------------------------------------------------------- */

static void log_line(loopmsg_log_level level, const char *line, void *user_data)
{
    (void)level;
    (void)user_data;
    fprintf(stderr, "loopmsg sandbox: %s\n", line);
}

static int run_server(cli_globals *g, const sb_args *a)
{
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    /* For the server, --api-key is the key it accepts, not one it sends. */
    const char *key = g->api_key && *g->api_key ? g->api_key : "test-key";
    o.api_key = key;
    o.bind_address = a->bind;
    o.port = (uint16_t)a->port;
    o.webhook_url = a->webhook_url;
    o.webhook_header = a->webhook_header;
    o.fixtures_path = a->fixtures;
    o.tls_cert_file = a->tls_cert;
    o.tls_key_file = a->tls_key;
    o.delivery_delay_ms = (unsigned int)a->delivery_delay_ms;
    o.time_scale = a->time_scale;
    o.webhook_duplicate = (a->seen & BIT(O_DUPLICATE)) != 0;
    o.max_buffered_bytes = (size_t)a->max_buffered_mib * 1024u * 1024u;
    o.quiet = (a->seen & BIT(O_QUIET)) != 0;
    o.log_cb = log_line;

    /* Block the stop signals before the emulator starts its threads, so that they inherit
     * the mask and the signal can only be taken by sigwait() below. */
    /* A shell starts background jobs with SIGINT ignored, and an ignored signal never
     * reaches sigwait(): restore the defaults first (SIGHUP stays as inherited, so that
     * nohup keeps working). */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t stop_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
    signal(SIGPIPE, SIG_IGN);

    loopmsg_emulator *emu = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_emulator_start(&o, &emu, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, "sandbox", st, &err);
    if (a->seen & FAULT_OPTS) {
        loopmsg_emulator_faults f = LOOPMSG_EMULATOR_FAULTS_INIT;
        f.latency_ms = (unsigned int)a->latency_ms;
        f.error_rate = a->error_rate;
        f.error_status = (int)a->error_status;
        f.api_code = (int)a->error_code;
        f.drop_rate = a->drop_rate;
        st = loopmsg_emulator_set_faults(emu, &f);
        if (st != LOOPMSG_OK) {
            loopmsg_emulator_free(emu);
            return cli_report_error(g, "sandbox", st, &err);
        }
    }

    const char *url = loopmsg_emulator_url(emu);
    if (g->json) {
        json_t *j = json_pack("{s:s, s:i}", "url", url, "port", (int)loopmsg_emulator_port(emu));
        if (j)
            json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(j);
    }
    fflush(stdout);
    fprintf(stderr, "loopmsg sandbox: listening on %s (api key: %s)\n", url, key);
    if (!o.quiet) {
        if (a->webhook_url)
            fprintf(stderr, "loopmsg sandbox: webhooks go to %s\n", a->webhook_url);
        fprintf(stderr,
                "loopmsg sandbox: try: LOOP_BASE_URL=%s LOOP_API_KEY=%s loopmsg send "
                "--contact +15555550100 --text hi\n",
                url, key);
        fprintf(stderr, "loopmsg sandbox: Ctrl-C stops it\n");
    }
    fflush(stderr);

    int sig = 0;
    while (sigwait(&stop_set, &sig) != 0)
        ;
    if (!o.quiet)
        fprintf(stderr, "loopmsg sandbox: %s, stopping\n", strsignal(sig));
    loopmsg_emulator_free(emu);
    return CLI_EXIT_OK;
}

/* ---- controlling a running one ---------------------------------------------------------- */

/* POST (body non-NULL, reference stolen) or GET a control endpoint. On success *out is the
 * parsed answer (NULL if it was not JSON) and -1 is returned; otherwise the exit code. */
static int control(cli_globals *g, const char *endpoint, json_t *body, json_t **out)
{
    *out = NULL;
    char *text = NULL;
    if (body) {
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (!text) {
            fprintf(stderr, "loopmsg sandbox %s: out of memory\n", endpoint);
            return CLI_EXIT_ERROR;
        }
    }
    char *resp = NULL;
    loopmsg_error err;
    loopmsg_status st =
        loopmsg_emulator_control(cli_setting(g, CLI_KEY_BASE_URL), endpoint, text, &resp, &err);
    free(text);
    if (st == LOOPMSG_E_INVALID_ARG)
        return cli_usage_error("sandbox", "%s", err.message);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, endpoint, st, &err);
    *out = json_loads(resp, JSON_DECODE_ANY, NULL);
    loopmsg_free(resp);
    return -1;
}

static void print_json(const json_t *j)
{
    if (j)
        json_dumpf(j, stdout, JSON_COMPACT);
    else
        fputs("{\"success\":true}", stdout);
    fputc('\n', stdout);
}

static int sub_inject(cli_globals *g, const sb_args *a, char **pos)
{
    (void)pos;
    if (!a->contact || !a->text)
        return cli_usage_error(a->cmd, "--contact and --text are required");
    json_t *body = json_pack("{s:s, s:s}", "contact", a->contact, "text", a->text);
    if (body && a->group)
        json_object_set_new(body, "group", json_string(a->group));
    const char *sender = cli_setting(g, CLI_KEY_SENDER);
    if (body && sender)
        json_object_set_new(body, "sender", json_string(sender));
    json_t *r;
    int rc = control(g, "inject", body, &r);
    if (rc >= 0)
        return rc;
    const char *id = json_string_value(json_object_get(r, "message_id"));
    if (g->json) {
        print_json(r);
    } else {
        printf("%s\n", id ? id : "");
        fprintf(stderr, "loopmsg sandbox inject: inbound message from %s%s%s\n", a->contact,
                a->group ? " in group " : "", a->group ? a->group : "");
    }
    json_decref(r);
    return CLI_EXIT_OK;
}

/* --field KEY=VALUE (a string) or KEY:=JSON (any JSON value). */
static int add_field(json_t *obj, const char *cmd, const char *spec)
{
    const char *eq = strchr(spec, '=');
    int raw = eq > spec && eq[-1] == ':';
    size_t klen = (size_t)(eq - spec) - (raw ? 1 : 0);
    char *key = strndup(spec, klen);
    if (!key)
        return CLI_EXIT_ERROR;
    json_t *v;
    if (raw) {
        json_error_t jerr;
        v = json_loads(eq + 1, JSON_DECODE_ANY, &jerr);
        if (!v) {
            int rc = cli_usage_error(cmd, "--field %s:=...: not JSON (%s)", key, jerr.text);
            free(key);
            return rc;
        }
    } else {
        v = json_string(eq + 1);
        if (!v) {
            int rc = cli_usage_error(cmd, "--field %s: value is not valid UTF-8", key);
            free(key);
            return rc;
        }
    }
    json_object_set_new(obj, key, v);
    free(key);
    return 0;
}

static int sub_trigger(cli_globals *g, const sb_args *a, char **pos)
{
    const char *event = pos[0];
    json_t *body = json_pack("{s:s}", "event", event);
    if (!body)
        return cli_usage_error(a->cmd, "EVENT must be valid UTF-8");
    if (a->contact)
        json_object_set_new(body, "contact", json_string(a->contact));
    if (a->text)
        json_object_set_new(body, "text", json_string(a->text));
    if (a->message_id)
        json_object_set_new(body, "message_id", json_string(a->message_id));
    for (size_t i = 0; i < a->field_count; i++) {
        int rc = add_field(body, a->cmd, a->fields[i]);
        if (rc) {
            json_decref(body);
            return rc;
        }
    }
    json_t *r;
    int rc = control(g, "trigger", body, &r);
    if (rc >= 0)
        return rc;
    if (g->json) {
        print_json(r);
    } else {
        const char *id = json_string_value(json_object_get(r, "webhook_id"));
        printf("%s\n", id ? id : "");
        fprintf(stderr, "loopmsg sandbox trigger: %s webhook queued\n", event);
    }
    json_decref(r);
    return CLI_EXIT_OK;
}

static void print_faults(const json_t *f)
{
    json_int_t latency = json_integer_value(json_object_get(f, "latency_ms"));
    double error_rate = json_number_value(json_object_get(f, "error_rate"));
    double drop_rate = json_number_value(json_object_get(f, "drop_rate"));
    json_int_t status = json_integer_value(json_object_get(f, "error_status"));
    json_int_t code = json_integer_value(json_object_get(f, "error_code"));
    if (latency == 0 && error_rate == 0 && drop_rate == 0) {
        printf("faults: none\n");
        return;
    }
    printf("faults: latency %lld ms; error rate %g (HTTP %lld, code %lld); drop rate %g\n",
           (long long)latency, error_rate, (long long)(status ? status : 500),
           (long long)(code ? code : 1000), drop_rate);
}

static int sub_faults(cli_globals *g, const sb_args *a, char **pos)
{
    (void)pos;
    json_t *body = NULL;
    if (a->seen & BIT(O_CLEAR)) {
        if (a->seen & FAULT_OPTS)
            return cli_usage_error(a->cmd, "--clear cannot be combined with fault settings");
        body = json_object();
    } else if (a->seen & FAULT_OPTS) {
        /* The POST replaces the whole setting: absent fields are 0. */
        body = json_pack("{s:I, s:f, s:I, s:I, s:f}", "latency_ms", (json_int_t)a->latency_ms,
                         "error_rate", a->error_rate, "error_status", (json_int_t)a->error_status,
                         "error_code", (json_int_t)a->error_code, "drop_rate", a->drop_rate);
    }
    json_t *r;
    int rc = control(g, "faults", body, &r);
    if (rc >= 0)
        return rc;
    if (g->json)
        print_json(r);
    else
        print_faults(r);
    json_decref(r);
    return CLI_EXIT_OK;
}

static int sub_script(cli_globals *g, const sb_args *a, char **pos)
{
    (void)pos;
    json_t *body = json_object();
    if (a->seen & BIT(O_STATUS))
        json_object_set_new(body, "status", json_integer(a->status));
    if (a->body)
        json_object_set_new(body, "body", json_string(a->body));
    if (a->content_type)
        json_object_set_new(body, "content_type", json_string(a->content_type));
    if (a->seen & BIT(O_DELAY))
        json_object_set_new(body, "delay_ms", json_integer(a->delay_ms));
    if (a->drop)
        json_object_set_new(body, "drop", json_string(a->drop));
    if (a->header_count) {
        size_t len = 0;
        for (size_t i = 0; i < a->header_count; i++)
            len += strlen(a->headers[i]) + 1;
        char *h = calloc(1, len + 1);
        if (!h) {
            json_decref(body);
            return CLI_EXIT_ERROR;
        }
        for (size_t i = 0; i < a->header_count; i++) {
            if (i)
                strncat(h, "\n", len - strlen(h));
            strncat(h, a->headers[i], len - strlen(h));
        }
        json_object_set_new(body, "headers", json_string(h));
        free(h);
    }
    json_t *r;
    int rc = control(g, "script", body, &r);
    if (rc >= 0)
        return rc;
    if (g->json)
        print_json(r);
    else
        printf("scripted answer queued for the next API request\n");
    json_decref(r);
    return CLI_EXIT_OK;
}

static void print_requests(const json_t *r)
{
    const json_t *items = json_object_get(r, "items");
    size_t n = json_array_size(items);
    if (n == 0) {
        printf("no requests recorded\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(items, i);
        const char *method = json_string_value(json_object_get(it, "method"));
        const char *path = json_string_value(json_object_get(it, "path"));
        const char *query = json_string_value(json_object_get(it, "query"));
        const char *body = json_string_value(json_object_get(it, "body"));
        json_int_t status = json_integer_value(json_object_get(it, "answered_status"));
        printf("%3zu  %s %s%s%s -> ", i + 1, method ? method : "?", path ? path : "?",
               query && *query ? "?" : "", query && *query ? query : "");
        if (status)
            printf("%lld", (long long)status);
        else
            printf("(dropped)");
        if (body && *body) {
            /* One line per request: long bodies are cut (--json has them in full). */
            int len = (int)strcspn(body, "\n");
            if (len > 100)
                printf("  %.97s...", body);
            else
                printf("  %.*s", len, body);
        }
        printf("\n");
    }
}

static int sub_requests(cli_globals *g, const sb_args *a, char **pos)
{
    (void)a;
    (void)pos;
    json_t *r;
    int rc = control(g, "requests", NULL, &r);
    if (rc >= 0)
        return rc;
    if (g->json)
        print_json(r);
    else
        print_requests(r);
    json_decref(r);
    return CLI_EXIT_OK;
}

static int sub_reset(cli_globals *g, const sb_args *a, char **pos)
{
    (void)pos;
    int state = (a->seen & BIT(O_STATE)) != 0;
    json_t *body = state ? json_pack("{s:b}", "state", 1) : json_object();
    json_t *r;
    int rc = control(g, "reset", body, &r);
    if (rc >= 0)
        return rc;
    if (g->json)
        print_json(r);
    else
        printf("sandbox reset: requests, scripted answers and faults cleared%s\n",
               state ? "; state reloaded from the fixtures" : "");
    json_decref(r);
    return CLI_EXIT_OK;
}

/* ---- dispatch --------------------------------------------------------------------------- */

static const struct {
    const char *name;
    unsigned int allowed; /* option bits */
    int positional;       /* positional arguments after the name */
    int (*fn)(cli_globals *g, const sb_args *a, char **pos);
} subs[] = {
    {"inject", BIT(O_CONTACT) | BIT(O_TEXT) | BIT(O_GROUP), 0, sub_inject},
    {"trigger", BIT(O_CONTACT) | BIT(O_TEXT) | BIT(O_MESSAGE_ID) | BIT(O_FIELD), 1, sub_trigger},
    {"faults", FAULT_OPTS | BIT(O_CLEAR), 0, sub_faults},
    {"script",
     BIT(O_STATUS) | BIT(O_BODY) | BIT(O_HEADER) | BIT(O_CONTENT_TYPE) | BIT(O_DELAY) | BIT(O_DROP),
     0, sub_script},
    {"requests", 0, 0, sub_requests},
    {"reset", BIT(O_STATE), 0, sub_reset},
};

static const unsigned int server_allowed =
    BIT(O_PORT) | BIT(O_BIND) | BIT(O_WEBHOOK_URL) | BIT(O_WEBHOOK_HEADER) | BIT(O_FIXTURES) |
    BIT(O_TIME_SCALE) | BIT(O_DELIVERY_DELAY) | BIT(O_DUPLICATE) | FAULT_OPTS | BIT(O_QUIET) |
    BIT(O_MAX_BUFFERED) | BIT(O_TLS_CERT) | BIT(O_TLS_KEY);

static int check_allowed(const char *cmd, unsigned int seen, unsigned int allowed)
{
    unsigned int bad = seen & ~allowed;
    if (!bad)
        return 0;
    for (size_t k = 0; sb_opts[k].name; k++)
        if (bad & BIT(sb_opts[k].val))
            return cli_usage_error(cmd, "option '--%s' does not apply here", sb_opts[k].name);
    return CLI_EXIT_USAGE;
}

int cli_cmd_sandbox(cli_globals *g, int argc, char **argv)
{
    sb_args a;
    memset(&a, 0, sizeof a);
    a.cmd = "sandbox";
    int first = cli_parse(g, argc, argv, sb_opts, on_opt, &a, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;

    if (first >= argc) {
        int rc = check_allowed("sandbox", a.seen, server_allowed);
        return rc ? rc : run_server(g, &a);
    }
    const char *name = argv[first];
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(subs[i].name, name) != 0)
            continue;
        int rc = check_allowed("sandbox", a.seen, subs[i].allowed);
        if (rc)
            return rc;
        int npos = argc - first - 1;
        if (npos < subs[i].positional)
            return cli_usage_error("sandbox", "%s: EVENT is required (e.g. message_reaction)",
                                   name);
        if (npos > subs[i].positional)
            return cli_usage_error("sandbox", "%s: unexpected argument '%s'", name,
                                   argv[first + 1 + subs[i].positional]);
        if (!cli_setting(g, CLI_KEY_BASE_URL))
            return cli_usage_error("sandbox",
                                   "%s: which sandbox? Pass --base-url URL or set LOOP_BASE_URL "
                                   "(the URL 'loopmsg sandbox' printed)",
                                   name);
        return subs[i].fn(g, &a, argv + first + 1);
    }
    return cli_usage_error("sandbox", "unknown subcommand '%s'", name);
}

size_t cli_sandbox_verbs(const char *group, const char **out, size_t max)
{
    (void)group;
    size_t n = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0] && n < max; i++)
        out[n++] = subs[i].name;
    return n;
}
