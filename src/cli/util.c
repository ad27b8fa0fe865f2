/* SPDX-License-Identifier: MIT */
/*
 * util.c: the CLI's shared machinery: option parsing (global options accepted anywhere),
 * client construction from the globals, error reporting (human or --json) and exit codes.
 * Uses only the public headers.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/*
 * The global options: one table, one parser (global_opt). They are accepted before the
 * command word (cli_parse_globals) and anywhere among a command's options (cli_parse). To
 * add one: an id here, a row in global_opts, a case in global_opt, a field in cli_globals.
 */
enum {
    G_API_KEY = 200,
    G_BASE_URL,
    G_SENDER,
    G_TIMEOUT,
    G_RETRIES,
    G_RETRY_DELAY,
    G_JSON,
    G_VERBOSE,
    G_HELP,
    G_VERSION,
    G_CA_BUNDLE,
    G_CA_PATH,
    G_PROXY,
    G_HTTP1_1,
    G_HTTP2,
    G_PROFILE,
    G_LOG_FORMAT
};

static const struct option global_opts[] = {
    {"api-key", required_argument, NULL, G_API_KEY},
    {"base-url", required_argument, NULL, G_BASE_URL},
    {"sender", required_argument, NULL, G_SENDER},
    {"timeout", required_argument, NULL, G_TIMEOUT},
    {"retries", required_argument, NULL, G_RETRIES},
    {"retry-delay", required_argument, NULL, G_RETRY_DELAY},
    {"json", no_argument, NULL, G_JSON},
    {"verbose", no_argument, NULL, G_VERBOSE},
    {"help", no_argument, NULL, G_HELP},
    {"version", no_argument, NULL, G_VERSION},
    {"ca-bundle", required_argument, NULL, G_CA_BUNDLE},
    {"ca-path", required_argument, NULL, G_CA_PATH},
    {"proxy", required_argument, NULL, G_PROXY},
    {"http1.1", no_argument, NULL, G_HTTP1_1},
    {"http2", no_argument, NULL, G_HTTP2},
    {"profile", required_argument, NULL, G_PROFILE},
    {"log-format", required_argument, NULL, G_LOG_FORMAT},
};

#define N_GLOBAL_OPTS (sizeof global_opts / sizeof global_opts[0])

const struct option *cli_global_options(size_t *count)
{
    *count = N_GLOBAL_OPTS;
    return global_opts;
}

static const struct option **describe_tables;
static size_t describe_max;

void cli_describe(const struct option **tables, size_t max)
{
    describe_tables = tables;
    describe_max = max;
}

static int is_global(int id)
{
    for (size_t i = 0; i < N_GLOBAL_OPTS; i++)
        if (global_opts[i].val == id)
            return 1;
    return 0;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_log_format(const char *s, int *json_out)
{
    if (s && strcmp(s, "text") == 0)
        *json_out = 0;
    else if (s && strcmp(s, "json") == 0)
        *json_out = 1;
    else
        return -1;
    return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* cmd NULL: an error before the command word. */
    fprintf(stderr, "loopmsg%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'loopmsg%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    va_end(ap);
    return CLI_EXIT_USAGE;
}

static int global_opt(cli_globals *g, const char *cmd, int id, const char *arg)
{
    switch (id) {
    case G_API_KEY:
        g->api_key = g->flag[CLI_KEY_API_KEY] = arg;
        return 0;
    case G_BASE_URL:
        g->base_url = g->flag[CLI_KEY_BASE_URL] = arg;
        return 0;
    case G_SENDER:
        g->sender = g->flag[CLI_KEY_SENDER] = arg;
        return 0;
    case G_TIMEOUT:
        if (cli_parse_long(arg, 1, 3600000, &g->timeout_ms) != 0)
            return cli_usage_error(cmd, "--timeout: expected milliseconds (1..3600000)");
        g->flag[CLI_KEY_TIMEOUT_MS] = arg;
        return 0;
    case G_RETRIES:
        if (cli_parse_long(arg, 0, 100, &g->retries) != 0)
            return cli_usage_error(cmd, "--retries: expected a number (0..100)");
        g->flag[CLI_KEY_RETRIES] = arg;
        return 0;
    case G_PROFILE:
        g->profile = arg;
        return 0;
    case G_LOG_FORMAT:
        if (cli_parse_log_format(arg, &g->log_json) != 0)
            return cli_usage_error(cmd, "--log-format: expected text or json");
        return 0;
    case G_RETRY_DELAY:
        if (cli_parse_long(arg, 1, 600000, &g->retry_delay_ms) != 0)
            return cli_usage_error(cmd, "--retry-delay: expected milliseconds (1..600000)");
        return 0;
    case G_JSON:
        g->json = 1;
        return 0;
    case G_VERBOSE:
        g->verbose = 1;
        return 0;
    case G_CA_BUNDLE:
        g->ca_bundle = arg;
        return 0;
    case G_CA_PATH:
        g->ca_path = arg;
        return 0;
    case G_PROXY:
        g->proxy = arg;
        return 0;
    case G_HTTP1_1:
        g->http_version = LOOPMSG_HTTP_VERSION_1_1;
        return 0;
    case G_HTTP2:
        g->http_version = LOOPMSG_HTTP_VERSION_2;
        return 0;
    default:
        return -1;
    }
}

void cli_print_version(void)
{
    printf("loopmsg %s (libloopmsg %s)\n", LOOPMSG_VERSION, loopmsg_version_string());
}

/*
 * The one getopt_long loop behind cli_parse and cli_parse_globals. `optstring` "+..." stops
 * at the first non-option (the command word). Global options are applied to g; the others
 * go to cb. Returns optind, -1 after a usage error, -2 after --help / --version.
 */
static int parse_with(cli_globals *g, int argc, char **argv, const char *cmd,
                      const struct option *opts, cli_opt_cb cb, void *user_data,
                      const char *optstring, const char *usage)
{
    size_t n = 0;
    while (opts && opts[n].name)
        n++;
    struct option *all = calloc(n + N_GLOBAL_OPTS + 1, sizeof *all);
    if (!all)
        return -1;
    if (n)
        memcpy(all, opts, n * sizeof *all);
    memcpy(all + n, global_opts, sizeof global_opts);
    int rc = 0;
    optind = 0; /* GNU: full re-initialisation for each parse */
    opterr = 0;
    for (;;) {
        int longidx = -1;
        int c = getopt_long(argc, argv, optstring, all, &longidx);
        if (c == -1)
            break;
        if (c == 'h' || c == G_HELP) {
            fputs(usage, stdout);
            rc = -2;
            break;
        }
        if (c == G_VERSION) {
            cli_print_version();
            rc = -2;
            break;
        }
        if (c == '?') {
            cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            rc = -1;
            break;
        }
        if (c == ':') {
            cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
            rc = -1;
            break;
        }
        if (is_global(c)) {
            if (global_opt(g, cmd, c, optarg) != 0) {
                rc = -1;
                break;
            }
            continue;
        }
        if (!cb || cb(c, optarg, user_data) != 0) {
            rc = -1;
            break;
        }
    }
    free(all);
    return rc < 0 ? rc : optind;
}

bool cli_option_takes_value(const struct option *opts, const char *arg)
{
    if (strncmp(arg, "--", 2) != 0 || strchr(arg, '='))
        return false;
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, arg + 2) == 0)
            return o->has_arg == required_argument;
    return false;
}

int cli_parse(cli_globals *g, int argc, char **argv, const struct option *opts, cli_opt_cb cb,
              void *user_data, const char *usage)
{
    if (describe_tables) {
        for (size_t i = 0; i < describe_max; i++)
            if (!describe_tables[i] || describe_tables[i] == opts) {
                describe_tables[i] = opts;
                break;
            }
        return -2;
    }
    int rc = parse_with(g, argc, argv, argv[0], opts, cb, user_data, ":h", usage);
    /* Every global option is known now (they may follow the command word): the profile
     * fills what neither a flag nor the environment gave. */
    if (rc >= 0 && cli_config_apply(g) != 0)
        return -1;
    return rc;
}

int cli_parse_globals(cli_globals *g, int argc, char **argv, const char *usage)
{
    /* "+": stop at the command word, whose options are the command's to parse. */
    return parse_with(g, argc, argv, NULL, NULL, NULL, NULL, "+:h", usage);
}

static void log_to_stderr(loopmsg_log_level level, const char *line, void *user_data)
{
    (void)level;
    (void)user_data;
    fprintf(stderr, "loopmsg: %s\n", line);
}

/* --log-format json: each structured event as one JSON line on stderr. The event holds no
 * key, secret, body or message text (see loopmsg_log_event), so neither does the line. */
static void log_event_json(const loopmsg_log_event *ev, void *user_data)
{
    (void)user_data;
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    static const char *const kinds[] = {"request", "response", "retry", "rate_limit_pause",
                                        "error"};
    const char *level = (unsigned int)ev->level < 4 ? levels[ev->level] : "unknown";
    const char *kind = (unsigned int)ev->kind < 5 ? kinds[ev->kind] : "unknown";
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:i, s:i, s:s, s:i, s:I, s:I, s:I}",
                          "level", level, "event", kind, "operation", ev->operation, "method",
                          ev->method, "path", ev->path, "http_status", ev->http_status, "api_code",
                          ev->api_code, "status", loopmsg_status_name(ev->status), "attempt",
                          (int)ev->attempt, "duration_ms", (json_int_t)ev->duration_ms, "delay_ms",
                          (json_int_t)ev->delay_ms, "request_id", (json_int_t)ev->request_id);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

int cli_exit_code(loopmsg_status st, const loopmsg_error *err)
{
    unsigned int flags = err ? err->flags : 0;
    switch (st) {
    case LOOPMSG_OK:
        return CLI_EXIT_OK;
    case LOOPMSG_E_INVALID_ARG:
        return CLI_EXIT_USAGE;
    case LOOPMSG_E_TRANSPORT:
    case LOOPMSG_E_TIMEOUT:
        return (flags & LOOPMSG_ERRF_SENT) ? CLI_EXIT_UNKNOWN : CLI_EXIT_TRANSPORT;
    case LOOPMSG_E_HTTP:
        if ((flags & LOOPMSG_ERRF_MAYBE_DELIVERED) && err &&
            (err->http_status == 502 || err->http_status == 504))
            return CLI_EXIT_UNKNOWN; /* a gateway answered, not the API */
        return CLI_EXIT_API;
    case LOOPMSG_E_PROTOCOL:
        /* A 2xx we could not read: the API accepted the send, resending may duplicate it. */
        return (flags & LOOPMSG_ERRF_MAYBE_DELIVERED) ? CLI_EXIT_UNKNOWN : CLI_EXIT_API;
    case LOOPMSG_E_RATE_LIMITED:
    case LOOPMSG_E_API:
        /* A Loop code that leaves the delivery open (1030, no confirmation): the outcome is
         * unknown, as send-bulk journals it. The code table says which codes do. */
        if (err && (loopmsg_api_code_flags(err->api_code) & LOOPMSG_ERRF_MAYBE_DELIVERED))
            return CLI_EXIT_UNKNOWN;
        return CLI_EXIT_API;
    case LOOPMSG_E_AUTH:
    case LOOPMSG_E_NOT_FOUND:
        return CLI_EXIT_API;
    default:
        return CLI_EXIT_ERROR;
    }
}

int cli_report_error(const cli_globals *g, const char *what, loopmsg_status st,
                     const loopmsg_error *err)
{
    const char *msg = err && err->message[0] ? err->message : loopmsg_status_str(st);
    if (g->json) {
        json_t *e = json_pack(
            "{s:s, s:i, s:i, s:s, s:b, s:b, s:b}", "status", loopmsg_status_name(st), "http_status",
            err ? err->http_status : 0, "api_code", err ? err->api_code : 0, "message", msg,
            "retryable", loopmsg_error_is_retryable(err), "maybe_delivered",
            loopmsg_error_is_maybe_delivered(err), "fatal", loopmsg_error_is_fatal(err));
        json_t *o = e ? json_pack("{s:o}", "error", e) : NULL;
        if (o)
            json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    }
    (void)what;
    fprintf(stderr, "loopmsg: %s\n", msg);
    if (err && (err->flags & LOOPMSG_ERRF_MAYBE_DELIVERED))
        fprintf(stderr, "loopmsg: the request may have been delivered; not resending\n");
    fflush(stdout);
    return cli_exit_code(st, err);
}

loopmsg_client *cli_client_new(const cli_globals *g, int *exit_code)
{
    return cli_client_new_ex(g, NULL, exit_code);
}

loopmsg_client *cli_client_new_ex(const cli_globals *g, const loopmsg_client_options *tuning,
                                  int *exit_code)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    if (tuning) {
        o.max_concurrent = tuning->max_concurrent;
        o.rate_limit_per_second = tuning->rate_limit_per_second;
        o.wire_cb = tuning->wire_cb;
        o.wire_user_data = tuning->wire_user_data;
    }
    o.api_key = cli_setting(g, CLI_KEY_API_KEY);
    /* Sent only to the LoopLookup host, whatever the command. */
    o.lookup_api_key = cli_setting(g, CLI_KEY_LOOKUP_API_KEY);
    o.base_url = cli_setting(g, CLI_KEY_BASE_URL);
    o.default_sender = cli_setting(g, CLI_KEY_SENDER);
    o.timeout_ms = (unsigned int)g->timeout_ms;
    o.max_retries = g->retries < 0 ? 0 : g->retries == 0 ? LOOPMSG_NO_RETRIES : (int)g->retries;
    o.retry_delay_ms = (unsigned int)g->retry_delay_ms;
    o.user_agent_suffix = "loopmsg-cli";
    o.ca_bundle_path = g->ca_bundle;
    o.ca_path = g->ca_path;
    o.proxy = g->proxy;
    o.http_version = (loopmsg_http_version)g->http_version;
    if (g->log_json)
        o.log_event_cb = log_event_json; /* instead of the text lines */
    else if (g->verbose)
        o.log_cb = log_to_stderr;
    loopmsg_client *c = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_client_new(&o, &c, &err);
    if (st != LOOPMSG_OK) {
        *exit_code = cli_report_error(g, "client", st, &err);
        return NULL;
    }
    *exit_code = CLI_EXIT_OK;
    return c;
}
