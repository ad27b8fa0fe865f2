/* SPDX-License-Identifier: MIT */
/*
 * main.c: the loopmsg command: reads the global options from the environment, then those
 * before the command word (cli_parse_globals), and hands the command the rest. Uses only the public
 * headers.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: loopmsg [global options] COMMAND [options]\n"
    "\n"
    "Messages:\n"
    "  send        --contact C --text T [--subject S] [--attachment URL]... [--effect E]\n"
    "              [--reply-to ID] [--passthrough P] [--channel CH] [--contact-file]\n"
    "  send-group  --group ID --text T [--subject S] [--attachment URL]... [--effect E]\n"
    "              [--reply-to ID] [--passthrough P]\n"
    "  send-voice  (--contact C | --group ID) --media-url URL [--passthrough P]\n"
    "  react       --contact C --message-id ID --reaction R   (-R removes it)\n"
    "  typing      (--message-id ID | --contact C --sender ID) [--seconds N] [--read]\n"
    "  mark-read   (--message-id ID | --contact C --sender ID)\n"
    "  status      MESSAGE_ID [--wait [--wait-timeout S]]\n"
    "  send-bulk   --file F [--concurrency N] [--rate PER_SECOND] [--journal J]\n"
    "              [--resend-unknown] [--dry-run]\n"
    "              | --file F --redis URL --job NAME ...   (shared by many processes)\n"
    "Audience, campaigns, senders (see 'loopmsg audience --help'):\n"
    "  audience    list | status C | unsubscribe C | history C | opt-ins\n"
    "  campaign    create --name N (--text T --contact C... | --messages FILE)\n"
    "  senders     list | show ID | plans | order ... --yes | cancel ID --yes\n"
    "              | move ID --org ORG_ID\n"
    "  pools       list | show ID | create | update ID | delete ID --yes\n"
    "  opt-in      url --body B [--field KEY=VALUE]...\n"
    "  webhooks    history | replay [WEBHOOK_ID] --to URL [--header VALUE]\n"
    "  orgs        list | show ID | create ... | update ID ... | delete ID --yes\n"
    "iMessage availability (LoopLookup, key LOOP_LOOKUP_API_KEY):\n"
    "  lookup      CONTACT... [--details] [--wait] | status ID [--wait] | history\n"
    "Settings:\n"
    "  config      set KEY VALUE | get KEY [--show-secrets] | list | path\n"
    "  completion  bash | zsh | fish   (print the shell's completion script)\n"
#ifdef LOOPMSG_CLI_WITH_LISTEN
    "Webhooks:\n"
    "  listen      [--bind ADDR] [--port P] [--path /webhook] [--secret S]... [--spool DIR]\n"
    "              [--exec CMD] [--exec-timeout S] [--ack-after-handling]\n"
    "              [--redis URL [--stream KEY] [--dedupe-ttl S]]\n"
    "  consume     --redis URL --group NAME --exec CMD [--stream KEY] [--consumer NAME]\n"
    "              [--workers N] [--max-attempts N] [--claim-idle S]\n"
    "  job         status NAME [--redis URL]   (a send-bulk --redis job)\n"
#endif
    "Local emulator:\n"
    "  sandbox     [--port P] [--api-key K] [--webhook-url URL] ...   (see sandbox --help)\n"
    "\n"
    "Global options (each also read from the environment):\n"
    "  --api-key KEY      LOOP_API_KEY\n"
    "  --base-url URL     LOOP_BASE_URL (default https://a.loopmessage.com)\n"
    "  --sender ID        LOOP_SENDER_ID, the default sender\n"
    "  --timeout MS       LOOP_TIMEOUT_MS, per attempt (default 15000)\n"
    "  --retries N        LOOP_RETRIES, automatic retries when safe (default 2)\n"
    "  --retry-delay MS   LOOP_RETRY_DELAY_MS, backoff base (default 2000)\n"
    "  --json             LOOP_JSON=1, one JSON object on stdout\n"
    "  --verbose          LOOP_VERBOSE=1, log requests to stderr (the key is never shown)\n"
    "  --log-format F     LOOP_LOG_FORMAT: text (with --verbose) or json: one JSON line per\n"
    "                     request, response, retry, rate-limit pause and error on stderr\n"
    "  --ca-bundle FILE   LOOP_CA_BUNDLE, trust only this PEM bundle\n"
    "  --ca-path DIR      LOOP_CA_PATH, a hashed CA directory (default: the system's)\n"
    "  --proxy URL        https_proxy (and no_proxy); always a CONNECT tunnel\n"
    "  --http1.1, --http2 HTTP version (default: HTTP/2 when the server offers it)\n"
    "  --profile NAME     LOOP_PROFILE, the profile of the configuration file (default:\n"
    "                     [default]); flag > environment > profile > built-in default\n"
    "  --help, --version\n"
    "\n"
    "Exit codes: 0 ok; 2 usage or validation error (nothing sent); 3 the API answered with an\n"
    "error; 4 transport error before the request was sent; 5 outcome unknown (sent, no\n"
    "answer, or code 1030: no delivery confirmation); 1 anything else.\n";

/* Some groups are served by two dispatchers (cmd_platform.c hands what it does not route to
 * cmd_resources.c): their verbs are the union of both tables. */
static size_t platform_verbs(const char *group, const char **out, size_t max)
{
    size_t n = cli_platform_verbs(group, out, max);
    return n + cli_resource_verbs(group, out + n, max - n);
}

/* The one registry of commands: the dispatcher below and shell completion (completion.c)
 * both read it, and completion takes each command's options from the table its parser
 * uses (cli_describe), so the two cannot drift apart. */
const cli_command cli_commands[] = {
    {"send", cli_cmd_send, NULL},
    {"send-group", cli_cmd_send_group, NULL},
    {"send-voice", cli_cmd_send_voice, NULL},
    {"react", cli_cmd_react, NULL},
    {"typing", cli_cmd_typing, NULL},
    {"mark-read", cli_cmd_mark_read, NULL},
    {"status", cli_cmd_status, NULL},
    {"send-bulk", cli_cmd_send_bulk, NULL},
    {"audience", cli_cmd_resource, cli_resource_verbs},
    {"campaign", cli_cmd_resource, cli_resource_verbs},
    {"senders", cli_cmd_platform, platform_verbs},
    {"pools", cli_cmd_platform, platform_verbs},
    {"opt-in", cli_cmd_resource, cli_resource_verbs},
    {"webhooks", cli_cmd_resource, cli_resource_verbs},
    {"orgs", cli_cmd_platform, platform_verbs},
    {"lookup", cli_cmd_lookup, cli_lookup_verbs},
    {"config", cli_cmd_config, cli_config_verbs},
    {"completion", cli_cmd_completion, cli_completion_verbs},
#ifdef LOOPMSG_CLI_WITH_LISTEN
    {"listen", cli_cmd_listen, NULL},
#endif
    {"consume", cli_cmd_consume, NULL},
    {"job", cli_cmd_job, cli_job_verbs},
    {"sandbox", cli_cmd_sandbox, cli_sandbox_verbs},
};

const size_t cli_command_count = sizeof cli_commands / sizeof cli_commands[0];

static long env_long(const char *name, long min, long max, long fallback)
{
    long v;
    const char *s = getenv(name);
    if (s && *s && cli_parse_long(s, min, max, &v) == 0)
        return v;
    return fallback;
}

static int env_flag(const char *name)
{
    const char *s = getenv(name);
    return s && *s && strcmp(s, "0") != 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLI_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLI_SANITIZED 1
#endif

/* The command is over and has freed what it made: leave without the libraries' exit
 * handlers. OpenSSL's (OPENSSL_cleanup) and GnuTLS's (loaded by libcurl's dependencies)
 * take apart every table they built, about 4% of a one-shot `send` over HTTPS
 * (docs/performance.md). Not under a sanitizer, whose leak check runs at exit. */
static int exit_now(int rc)
{
    /* Output that could not be written (a full disk, a closed pipe) is a failure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("loopmsg: write error on standard output\n", stderr);
        if (rc == CLI_EXIT_OK)
            rc = CLI_EXIT_ERROR;
    }
#ifndef CLI_SANITIZED
    fflush(NULL);
    _exit(rc);
#endif
    return rc;
}

int main(int argc, char **argv)
{
    cli_globals g;
    memset(&g, 0, sizeof g);
    /* NULL strings fall back to LOOP_API_KEY / LOOP_BASE_URL / LOOP_SENDER_ID in the library. */
    g.timeout_ms = env_long("LOOP_TIMEOUT_MS", 1, 3600000, 0);
    g.retries = env_long("LOOP_RETRIES", 0, 100, -1);
    g.retry_delay_ms = env_long("LOOP_RETRY_DELAY_MS", 1, 600000, 0);
    g.json = env_flag("LOOP_JSON");
    g.verbose = env_flag("LOOP_VERBOSE");
    const char *log_format = getenv("LOOP_LOG_FORMAT");
    if (log_format && *log_format && cli_parse_log_format(log_format, &g.log_json) != 0)
        return cli_usage_error(NULL, "LOOP_LOG_FORMAT: expected text or json");

    /* Global options before the command, parsed with the table every command uses: the
     * command word is the first argument that is neither an option nor an option's value. */
    int cmd_at = cli_parse_globals(&g, argc, argv, usage);
    if (cmd_at == -2)
        return CLI_EXIT_OK;
    if (cmd_at < 0)
        return CLI_EXIT_USAGE;
    if (cmd_at >= argc) {
        fputs(usage, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[cmd_at];
    for (size_t k = 0; k < cli_command_count; k++) {
        if (strcmp(cli_commands[k].name, name) != 0)
            continue;
        /* The command parses its own arguments; argv[0] is its name. */
        int rc = cli_commands[k].fn(&g, argc - cmd_at, argv + cmd_at);
        cli_globals_clear(&g);
        return exit_now(rc);
    }
    fprintf(stderr, "loopmsg: unknown command '%s'\n\n%s", name, usage);
    return CLI_EXIT_USAGE;
}
