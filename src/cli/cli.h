/* SPDX-License-Identifier: MIT */
/*
 * cli.h: shared pieces of the loopmsg command: global options, exit codes, argument parsing
 * and output helpers. The CLI uses only the public headers <loopmsg.h> and
 * <loopmsg/webhook_server.h> / <loopmsg/emulator.h>.
 */
#ifndef LOOPMSG_CLI_H
#define LOOPMSG_CLI_H

#include <getopt.h>
#include <loopmsg.h>
#include <stdio.h>

/* Exit codes (the contract scripts rely on). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,     /* anything else */
    CLI_EXIT_USAGE = 2,     /* usage or local validation error: nothing was sent */
    CLI_EXIT_API = 3,       /* the API answered with an error */
    CLI_EXIT_TRANSPORT = 4, /* transport error or timeout before the request was sent */
    CLI_EXIT_UNKNOWN = 5,   /* the request was sent, no answer: outcome unknown */
    CLI_EXIT_INTERRUPTED = 130
};

/* Global options, filled from the environment first, then the command line. */
typedef struct cli_globals {
    const char *api_key;   /* --api-key, LOOP_API_KEY */
    const char *base_url;  /* --base-url, LOOP_BASE_URL */
    const char *sender;    /* --sender, LOOP_SENDER_ID */
    long timeout_ms;       /* --timeout MS; 0 = library default */
    long retries;          /* --retries N; -1 = library default */
    long retry_delay_ms;   /* --retry-delay MS; 0 = library default */
    int json;              /* --json */
    int verbose;           /* --verbose */
    const char *ca_bundle; /* --ca-bundle FILE (library: LOOP_CA_BUNDLE) */
    const char *ca_path;   /* --ca-path DIR (library: LOOP_CA_PATH) */
    const char *proxy;     /* --proxy URL (library: https_proxy, no_proxy) */
    int http_version;      /* --http1.1 / --http2: a loopmsg_http_version; 0 = auto */
} cli_globals;

/* Called for each option of the command's own table: id is the option's `val`, arg its
 * argument (or NULL). Return 0 to go on, non-zero to stop with a usage error (the callback
 * prints the reason). */
typedef int (*cli_opt_cb)(int id, const char *arg, void *user_data);

/*
 * Parse argv (argv[0] is the command name) with the command's own long options (`opts`,
 * terminated by a zero entry; use ids >= 256 to stay clear of the global ones) plus the
 * global options, which are accepted anywhere. `--help` prints `usage` to stdout and returns
 * -2 (the caller exits 0). Returns the index of the first positional argument, or -1 after
 * printing a usage error to stderr (the caller exits CLI_EXIT_USAGE).
 */
int cli_parse(cli_globals *g, int argc, char **argv, const struct option *opts, cli_opt_cb cb,
              void *user_data, const char *usage);

/*
 * Parse the global options that come before the command word (argv[0] is the program),
 * with the same table as cli_parse. `--help` prints `usage` to stdout, `--version` the
 * version; both return -2 (exit 0). Returns the index of the command word (argc when there
 * is none), or -1 after printing a usage error to stderr.
 */
int cli_parse_globals(cli_globals *g, int argc, char **argv, const char *usage);

/* Print "loopmsg VERSION (libloopmsg VERSION)" on stdout. */
void cli_print_version(void);

/* A new client from the globals. On failure prints the error (JSON with --json) and returns
 * NULL; *exit_code is set. */
loopmsg_client *cli_client_new(const cli_globals *g, int *exit_code);

/* As cli_client_new, with the async engine's in-flight cap and a rate limit (0 = none). */
loopmsg_client *cli_client_new_ex(const cli_globals *g, unsigned int max_concurrent,
                                  double rate_per_second, int *exit_code);

/* Report a failed call: the human line on stderr, or the {"error": {...}} object on stdout
 * with --json. Returns the exit code for err (see the enum). */
int cli_report_error(const cli_globals *g, const char *what, loopmsg_status st,
                     const loopmsg_error *err);

/* The exit code that matches an error. */
int cli_exit_code(loopmsg_status st, const loopmsg_error *err);

/* Usage error: prints "loopmsg CMD: MESSAGE" and a hint to stderr (cmd NULL: an error before
 * the command word); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a non-negative decimal integer in [min, max]; 0 on success, -1 if malformed. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Command entry points: argv[0] is the command name. */
int cli_cmd_send(cli_globals *g, int argc, char **argv);
int cli_cmd_send_group(cli_globals *g, int argc, char **argv);
int cli_cmd_send_voice(cli_globals *g, int argc, char **argv);
int cli_cmd_react(cli_globals *g, int argc, char **argv);
int cli_cmd_typing(cli_globals *g, int argc, char **argv);
int cli_cmd_mark_read(cli_globals *g, int argc, char **argv);
int cli_cmd_status(cli_globals *g, int argc, char **argv);
int cli_cmd_send_bulk(cli_globals *g, int argc, char **argv); /* cmd_bulk.c */
/* audience, campaign, senders, pools, opt-in, webhooks (cmd_resources.c) */
int cli_cmd_resource(cli_globals *g, int argc, char **argv);
/* orgs, and the write side of senders and pools (cmd_platform.c; lists go to
 * cli_cmd_resource) */
int cli_cmd_platform(cli_globals *g, int argc, char **argv);
/* `webhooks replay` (cmd_replay.c); argv[0] is "replay". */
int cli_cmd_webhooks_replay(cli_globals *g, int argc, char **argv);
int cli_cmd_listen(cli_globals *g, int argc, char **argv);  /* cmd_listen.c (webhooks) */
int cli_cmd_sandbox(cli_globals *g, int argc, char **argv); /* cmd_sandbox.c (emulator) */

#endif
