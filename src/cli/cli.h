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

/* The settings a profile of the configuration file may hold (config.c). */
typedef enum cli_key {
    CLI_KEY_API_KEY,
    CLI_KEY_BASE_URL,
    CLI_KEY_SENDER,
    CLI_KEY_WEBHOOK_SECRET,
    CLI_KEY_LOOKUP_API_KEY,
    CLI_KEY_TIMEOUT_MS,
    CLI_KEY_RETRIES,
    CLI_KEY_COUNT
} cli_key;

/* Global options, filled from the environment first, then the command line, then the
 * profile (config.c) for what neither gave. */
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

    /* Profiles (config.c). */
    const char *profile;                /* --profile NAME (else LOOP_PROFILE, else [default]) */
    const char *flag[CLI_KEY_COUNT];    /* the value a global option gave, per key */
    char *profile_value[CLI_KEY_COUNT]; /* the selected profile's values (owned) */
    int config_applied;                 /* cli_config_apply ran (or must not) */

    int log_json; /* --log-format json (LOOP_LOG_FORMAT): structured events on stderr */
} cli_globals;

/* A setting in effect: flag > environment > profile; NULL = the built-in default. Use this,
 * not the fields above, for the keys of cli_key (the fields hold the flags only). */
const char *cli_setting(const cli_globals *g, cli_key k);

/* Read the configuration file and take the selected profile's values (once; cli_parse calls
 * it). Returns 0, or -1 after printing why (unknown profile selected explicitly, a file
 * open to others that holds a secret, a malformed file): the caller exits CLI_EXIT_USAGE. */
int cli_config_apply(cli_globals *g);

/* The configuration file's path (LOOP_CONFIG, XDG rules); -1 when there is none (no HOME). */
int cli_config_path(char *buf, size_t size);

/* Free what cli_config_apply took (secrets wiped). */
void cli_globals_clear(cli_globals *g);

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

/* As cli_client_new, with what a command adds to the globals (NULL = nothing): from
 * `tuning`, only max_concurrent, rate_limit_per_second, wire_cb and wire_user_data. */
loopmsg_client *cli_client_new_ex(const cli_globals *g, const loopmsg_client_options *tuning,
                                  int *exit_code);

/* Report a failed call: the human line on stderr, or the {"error": {...}} object on stdout
 * with --json. Returns the exit code for err (see the enum). */
int cli_report_error(const cli_globals *g, const char *what, loopmsg_status st,
                     const loopmsg_error *err);

/* The exit code that matches an error. */
int cli_exit_code(loopmsg_status st, const loopmsg_error *err);

/* Usage error: prints "loopmsg CMD: MESSAGE" and a hint to stderr (cmd NULL: an error before
 * the command word); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "text" (0) or "json" (1) into *json_out; -1 if neither. */
int cli_parse_log_format(const char *s, int *json_out);

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
int cli_cmd_listen(cli_globals *g, int argc, char **argv);     /* cmd_listen.c (webhooks) */
int cli_cmd_consume(cli_globals *g, int argc, char **argv);    /* cmd_consume.c (Redis) */
int cli_cmd_job(cli_globals *g, int argc, char **argv);        /* cmd_job.c (Redis) */
int cli_cmd_sandbox(cli_globals *g, int argc, char **argv);    /* cmd_sandbox.c (emulator) */
int cli_cmd_config(cli_globals *g, int argc, char **argv);     /* config.c (profiles) */
int cli_cmd_completion(cli_globals *g, int argc, char **argv); /* completion.c */
int cli_cmd_lookup(cli_globals *g, int argc, char **argv);     /* cmd_lookup.c (LoopLookup) */

/* The subcommand words of a command group, from the table its dispatcher routes with: at
 * most max into out; returns how many. */
typedef size_t (*cli_verbs_fn)(const char *group, const char **out, size_t max);
size_t cli_resource_verbs(const char *group, const char **out, size_t max);
size_t cli_platform_verbs(const char *group, const char **out, size_t max);
size_t cli_sandbox_verbs(const char *group, const char **out, size_t max);
size_t cli_config_verbs(const char *group, const char **out, size_t max);
size_t cli_completion_verbs(const char *group, const char **out, size_t max);
size_t cli_lookup_verbs(const char *group, const char **out, size_t max);
size_t cli_job_verbs(const char *group, const char **out, size_t max);

/* The registry of commands (main.c): the dispatcher and shell completion both use it. */
typedef struct cli_command {
    const char *name;
    int (*fn)(cli_globals *g, int argc, char **argv);
    cli_verbs_fn verbs; /* NULL: no subcommands */
} cli_command;
extern const cli_command cli_commands[];
extern const size_t cli_command_count;

/* Does arg ("--name", not "--name=value") name an option of opts that takes a value (the next
 * argument)? For commands that look for a word among their arguments before parsing. */
bool cli_option_takes_value(const struct option *opts, const char *arg);
/* The list options of every list command (cmd_resources.c), zero-terminated. */
const struct option *cli_paging_options(void);

/* The global option table (util.c), zero-terminated entries not included; *count set. */
const struct option *cli_global_options(size_t *count);

/* Describe mode, for completion: while `tables` is set, cli_parse records the command's
 * option table in it (at most max, NULL-terminated by the caller's zeroing) and returns -2
 * at once, as after --help, without parsing or printing anything. NULL turns it off. */
void cli_describe(const struct option **tables, size_t max);

#endif
