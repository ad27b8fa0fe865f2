/* SPDX-License-Identifier: MIT */
/*
 * main.c: the loopmsg command: reads the global options from the environment, then those
 * before the command word (cli_parse_globals), and hands the command the rest. Uses only the public
 * headers.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

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
    "Audience, campaigns, senders (see 'loopmsg audience --help'):\n"
    "  audience    list | status C | unsubscribe C | history C | opt-ins\n"
    "  campaign    create --name N (--text T --contact C... | --messages FILE)\n"
    "  senders     list | show ID | plans | order ... --yes | cancel ID --yes\n"
    "              | move ID --org ORG_ID\n"
    "  pools       list | show ID | create | update ID | delete ID --yes\n"
    "  opt-in      url --body B [--field KEY=VALUE]...\n"
    "  webhooks    history | replay [WEBHOOK_ID] --to URL [--header VALUE]\n"
    "  orgs        list | show ID | create ... | update ID ... | delete ID --yes\n"
#ifdef LOOPMSG_CLI_WITH_LISTEN
    "Webhooks:\n"
    "  listen      [--bind ADDR] [--port P] [--path /webhook] [--secret S]... [--spool DIR]\n"
    "              [--exec CMD] [--exec-timeout S] [--ack-after-handling]\n"
#endif
#ifdef LOOPMSG_CLI_WITH_SANDBOX
    "Local emulator:\n"
    "  sandbox     [--port P] [--api-key K] [--webhook-url URL] ...   (see sandbox --help)\n"
#endif
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
    "  --ca-bundle FILE   LOOP_CA_BUNDLE, trust only this PEM bundle\n"
    "  --ca-path DIR      LOOP_CA_PATH, a hashed CA directory (default: the system's)\n"
    "  --proxy URL        https_proxy (and no_proxy); always a CONNECT tunnel\n"
    "  --http1.1, --http2 HTTP version (default: HTTP/2 when the server offers it)\n"
    "  --help, --version\n"
    "\n"
    "Exit codes: 0 ok; 2 usage or validation error (nothing sent); 3 the API answered with an\n"
    "error; 4 transport error before the request was sent; 5 outcome unknown (sent, no\n"
    "answer, or code 1030: no delivery confirmation); 1 anything else.\n";

typedef int (*cmd_fn)(cli_globals *g, int argc, char **argv);

static const struct {
    const char *name;
    cmd_fn fn;
} commands[] = {
    {"send", cli_cmd_send},
    {"send-group", cli_cmd_send_group},
    {"send-voice", cli_cmd_send_voice},
    {"react", cli_cmd_react},
    {"typing", cli_cmd_typing},
    {"mark-read", cli_cmd_mark_read},
    {"status", cli_cmd_status},
    {"send-bulk", cli_cmd_send_bulk},
    {"audience", cli_cmd_resource},
    {"campaign", cli_cmd_resource},
    {"senders", cli_cmd_platform},
    {"pools", cli_cmd_platform},
    {"opt-in", cli_cmd_resource},
    {"webhooks", cli_cmd_resource},
    {"orgs", cli_cmd_platform},
#ifdef LOOPMSG_CLI_WITH_LISTEN
    {"listen", cli_cmd_listen},
#endif
#ifdef LOOPMSG_CLI_WITH_SANDBOX
    {"sandbox", cli_cmd_sandbox},
#endif
};

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
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(commands[k].name, name) != 0)
            continue;
        /* The command parses its own arguments; argv[0] is its name. */
        return commands[k].fn(&g, argc - cmd_at, argv + cmd_at);
    }
    fprintf(stderr, "loopmsg: unknown command '%s'\n\n%s", name, usage);
    return CLI_EXIT_USAGE;
}
