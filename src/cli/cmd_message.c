/* SPDX-License-Identifier: MIT */
/*
 * cmd_message.c: the message commands (send, send-group, send-voice, react, typing,
 * mark-read, status). Each parses its options into a parameter struct, lets the library
 * validate it (nothing is sent on a validation error: exit 2), and prints one readable line,
 * or the API's response as one JSON object with --json.
 */
#include "cli.h"
#include "util_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    O_CONTACT = 256,
    O_TEXT,
    O_SUBJECT,
    O_ATTACHMENT,
    O_EFFECT,
    O_REPLY_TO,
    O_PASSTHROUGH,
    O_CHANNEL,
    O_CONTACT_FILE,
    O_GROUP,
    O_MEDIA_URL,
    O_MESSAGE_ID,
    O_REACTION,
    O_SECONDS,
    O_READ,
    O_WAIT,
    O_WAIT_TIMEOUT
};

#define MAX_ATTACH 64

typedef struct msg_args {
    const char *cmd;
    const char *contact, *text, *subject, *effect, *reply_to, *passthrough, *channel;
    const char *group, *media_url, *message_id, *reaction;
    const char *attachments[MAX_ATTACH];
    size_t attachment_count;
    int contact_file, read, wait;
    int first; /* index of the first positional argument */
    long seconds, wait_timeout_s;
    char *text_owned;
} msg_args;

static int on_opt(int id, const char *arg, void *ud)
{
    msg_args *a = ud;
    switch (id) {
    case O_CONTACT:
        a->contact = arg;
        break;
    case O_TEXT:
        a->text = arg;
        break;
    case O_SUBJECT:
        a->subject = arg;
        break;
    case O_ATTACHMENT:
        if (a->attachment_count == MAX_ATTACH)
            return cli_usage_error(a->cmd, "too many --attachment options");
        a->attachments[a->attachment_count++] = arg;
        break;
    case O_EFFECT:
        a->effect = arg;
        break;
    case O_REPLY_TO:
        a->reply_to = arg;
        break;
    case O_PASSTHROUGH:
        a->passthrough = arg;
        break;
    case O_CHANNEL:
        a->channel = arg;
        break;
    case O_CONTACT_FILE:
        a->contact_file = 1;
        break;
    case O_GROUP:
        a->group = arg;
        break;
    case O_MEDIA_URL:
        a->media_url = arg;
        break;
    case O_MESSAGE_ID:
        a->message_id = arg;
        break;
    case O_REACTION:
        a->reaction = arg;
        break;
    case O_SECONDS:
        if (cli_parse_long(arg, 0, 1000000, &a->seconds) != 0)
            return cli_usage_error(a->cmd, "--seconds: expected a whole number");
        break;
    case O_READ:
        a->read = 1;
        break;
    case O_WAIT:
        a->wait = 1;
        break;
    case O_WAIT_TIMEOUT:
        if (cli_parse_long(arg, 1, 86400, &a->wait_timeout_s) != 0)
            return cli_usage_error(a->cmd, "--wait-timeout: expected seconds (1..86400)");
        break;
    default:
        return 1;
    }
    return 0;
}

#define OPT(name, has, id)                                                                         \
    {                                                                                              \
        name, has, NULL, id                                                                        \
    }

static const struct option send_opts[] = {
    OPT("contact", required_argument, O_CONTACT),
    OPT("text", required_argument, O_TEXT),
    OPT("subject", required_argument, O_SUBJECT),
    OPT("attachment", required_argument, O_ATTACHMENT),
    OPT("effect", required_argument, O_EFFECT),
    OPT("reply-to", required_argument, O_REPLY_TO),
    OPT("passthrough", required_argument, O_PASSTHROUGH),
    OPT("channel", required_argument, O_CHANNEL),
    OPT("contact-file", no_argument, O_CONTACT_FILE),
    OPT("group", required_argument, O_GROUP),
    OPT("media-url", required_argument, O_MEDIA_URL),
    OPT("message-id", required_argument, O_MESSAGE_ID),
    OPT("reaction", required_argument, O_REACTION),
    OPT("seconds", required_argument, O_SECONDS),
    OPT("read", no_argument, O_READ),
    OPT("wait", no_argument, O_WAIT),
    OPT("wait-timeout", required_argument, O_WAIT_TIMEOUT),
    {NULL, 0, NULL, 0},
};

/* Every command shares the table above; each rejects the options that are not its own. */
static const char *const allowed[][2] = {
    {"send", "contact text subject attachment effect reply-to passthrough channel "
             "contact-file"},
    {"send-group", "group text subject attachment effect reply-to passthrough"},
    {"send-voice", "contact group media-url passthrough channel"},
    {"react", "contact message-id reaction"},
    {"typing", "message-id contact seconds read"},
    {"mark-read", "message-id contact"},
    {"status", "wait wait-timeout"},
};

static const char *const usages[][2] = {
    {"send", "usage: loopmsg send --contact C --text T [--subject S] [--attachment URL]...\n"
             "       [--effect E] [--reply-to ID] [--passthrough P] [--channel CH]\n"
             "       [--contact-file] [--sender ID]\n"
             "--text - reads the text from standard input. Prints the message id.\n"},
    {"send-group", "usage: loopmsg send-group --group ID --text T [--subject S]\n"
                   "       [--attachment URL]... [--effect E] [--reply-to ID] [--passthrough P]\n"
                   "       [--sender ID]\n"},
    {"send-voice", "usage: loopmsg send-voice (--contact C | --group ID) --media-url URL\n"
                   "       [--passthrough P] [--channel CH] [--sender ID]\n"},
    {"react", "usage: loopmsg react --contact C --message-id ID --reaction R\n"
              "R: love like dislike laugh emphasize question; -R removes it.\n"},
    {"typing", "usage: loopmsg typing (--message-id ID | --contact C --sender ID)\n"
               "       [--seconds N] [--read]\n"},
    {"mark-read", "usage: loopmsg mark-read (--message-id ID | --contact C --sender ID)\n"},
    {"status", "usage: loopmsg status MESSAGE_ID [--wait [--wait-timeout S]]\n"
               "--wait polls until the message is delivered or failed (exit 0 delivered,\n"
               "3 failed, 5 not final before the wait timeout, default 60 s).\n"},
};

static const char *lookup(const char *const table[][2], size_t n, const char *cmd)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i][0], cmd) == 0)
            return table[i][1];
    return "";
}

static int check_allowed(int argc, char **argv, const char *cmd)
{
    const char *ok = lookup(allowed, sizeof allowed / sizeof allowed[0], cmd);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
            continue;
        size_t len = strcspn(a + 2, "=");
        for (size_t k = 0; k < sizeof send_opts / sizeof send_opts[0] - 1; k++) {
            const char *nm = send_opts[k].name;
            if (strlen(nm) != len || strncmp(nm, a + 2, len) != 0)
                continue;
            /* Whole-word match in the allowed list. */
            const char *p = ok;
            int found = 0;
            while ((p = strstr(p, nm)) != NULL) {
                if ((p == ok || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0')) {
                    found = 1;
                    break;
                }
                p += len;
            }
            if (!found)
                return cli_usage_error(cmd, "option '--%s' does not apply to this command", nm);
            if (send_opts[k].has_arg == required_argument && !strchr(a, '='))
                i++;
        }
    }
    return 0;
}

/* Standard input as one string. NULL on a read error or when too large; *nul_at is the
 * offset of the first NUL byte, or -1 (a NUL would silently cut the text short). */
static char *read_stdin(long *nul_at)
{
    *nul_at = -1;
    loopmsg__buf in = LOOPMSG__BUF_LIBC;
    /* A read error must not send a truncated message. */
    int rc = loopmsg__read_fd(STDIN_FILENO, 64u << 20, &in);
    size_t len = in.len;
    char *buf = rc == 0 ? loopmsg__buf_detach(&in) : NULL;
    loopmsg__buf_clear(&in);
    if (!buf)
        return NULL;
    const char *nul = memchr(buf, '\0', len);
    if (nul)
        *nul_at = (long)(nul - buf);
    /* One trailing newline is an artefact of `echo`, not part of the message. */
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    return buf;
}

/* Parse the command line into a; returns -1 to continue, or an exit code. */
static int parse(cli_globals *g, int argc, char **argv, msg_args *a, int max_positional)
{
    memset(a, 0, sizeof *a);
    a->cmd = argv[0];
    a->seconds = -1;
    const char *usage = lookup(usages, sizeof usages / sizeof usages[0], a->cmd);
    int first = cli_parse(g, argc, argv, send_opts, on_opt, a, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    a->first = first;
    int rc = check_allowed(argc, argv, a->cmd);
    if (rc)
        return rc;
    if (argc - first > max_positional)
        return cli_usage_error(a->cmd, "unexpected argument '%s'", argv[first + max_positional]);
    if (a->text && strcmp(a->text, "-") == 0) {
        long nul_at;
        a->text_owned = read_stdin(&nul_at);
        if (!a->text_owned)
            return cli_usage_error(a->cmd, "--text -: could not read standard input");
        if (nul_at >= 0)
            return cli_usage_error(
                a->cmd, "--text -: standard input contains a NUL byte (at byte %ld)", nul_at);
        a->text = a->text_owned;
    }
    return -1;
}

static int parse_effect(const msg_args *a, loopmsg_effect *out)
{
    *out = LOOPMSG_EFFECT_NONE;
    if (a->effect && loopmsg_effect_parse(a->effect, out) != LOOPMSG_OK)
        return cli_usage_error(a->cmd,
                               "--effect: unknown effect '%s' (slam loud gentle invisibleInk "
                               "echo spotlight balloons confetti love lasers fireworks "
                               "shootingStar celebration)",
                               a->effect);
    return 0;
}

static int parse_channel(const msg_args *a, loopmsg_channel *out)
{
    *out = LOOPMSG_CHANNEL_AUTO;
    if (a->channel && loopmsg_channel_parse(a->channel, out) != LOOPMSG_OK)
        return cli_usage_error(
            a->cmd, "--channel: unknown channel '%s' (imessage sms rcs whatsapp)", a->channel);
    return 0;
}

/* Print the API's response as one compact JSON object. */
static void print_json_raw(const char *raw, size_t len)
{
    json_t *j = raw && len ? json_loadb(raw, len, 0, NULL) : NULL;
    if (!j)
        j = json_pack("{s:b}", "success", 1);
    json_dumpf(j, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(j);
}

static int finish_send(const cli_globals *g, const msg_args *a, loopmsg_status st,
                       const loopmsg_error *err, loopmsg_send_result *r)
{
    int rc;
    if (st != LOOPMSG_OK) {
        rc = cli_report_error(g, a->cmd, st, err);
    } else {
        if (g->json)
            print_json_raw(r->raw, r->raw_len);
        else if (r->message_id)
            printf("%s\n", r->message_id);
        if (!g->json && r->message_id)
            fprintf(stderr, "loopmsg %s: accepted%s%s\n", a->cmd, r->contact ? " for " : "",
                    r->contact ? r->contact : "");
        rc = CLI_EXIT_OK;
    }
    loopmsg_send_result_free(r);
    return rc;
}

static int with_client(cli_globals *g, msg_args *a,
                       int (*body)(cli_globals *, msg_args *, loopmsg_client *))
{
    int rc;
    loopmsg_client *c = cli_client_new(g, &rc);
    if (c) {
        rc = body(g, a, c);
        loopmsg_client_free(c);
    }
    free(a->text_owned);
    return rc;
}

static int do_send(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    int rc = parse_effect(a, &p.effect);
    if (!rc)
        rc = parse_channel(a, &p.channel);
    if (rc)
        return rc;
    p.contact = a->contact;
    p.text = a->text;
    p.subject = a->subject;
    p.attachments = a->attachments;
    p.attachment_count = a->attachment_count;
    p.reply_to_id = a->reply_to;
    p.passthrough = a->passthrough;
    p.contact_file = a->contact_file != 0;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_message_send(c, &p, &r, &err);
    return finish_send(g, a, st, &err, r);
}

static int do_group(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    int rc = parse_effect(a, &p.effect);
    if (rc)
        return rc;
    p.group = a->group;
    p.text = a->text;
    p.subject = a->subject;
    p.attachments = a->attachments;
    p.attachment_count = a->attachment_count;
    p.reply_to_id = a->reply_to;
    p.passthrough = a->passthrough;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_message_send_group(c, &p, &r, &err);
    return finish_send(g, a, st, &err, r);
}

static int do_voice(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    loopmsg_voice_params p = LOOPMSG_VOICE_PARAMS_INIT;
    int rc = parse_channel(a, &p.channel);
    if (rc)
        return rc;
    p.contact = a->contact;
    p.group = a->group;
    p.media_url = a->media_url;
    p.passthrough = a->passthrough;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_message_send_voice(c, &p, &r, &err);
    return finish_send(g, a, st, &err, r);
}

static int do_react(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    loopmsg_reaction_params p = LOOPMSG_REACTION_PARAMS_INIT;
    if (!a->reaction)
        return cli_usage_error(a->cmd, "--reaction is required");
    if (loopmsg_reaction_parse(a->reaction, &p.reaction, &p.remove) != LOOPMSG_OK ||
        p.reaction == LOOPMSG_REACTION_UNKNOWN)
        return cli_usage_error(a->cmd,
                               "--reaction: unknown reaction '%s' (love like dislike laugh "
                               "emphasize question, or -R to remove)",
                               a->reaction);
    p.contact = a->contact;
    p.message_id = a->message_id;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_message_send_reaction(c, &p, &r, &err);
    if (st == LOOPMSG_OK && !g->json) {
        printf("%s %s on %s\n", p.remove ? "removed" : "sent", loopmsg_reaction_name(p.reaction),
               a->message_id);
        loopmsg_send_result_free(r);
        return CLI_EXIT_OK;
    }
    return finish_send(g, a, st, &err, r);
}

static int typing_common(cli_globals *g, msg_args *a, loopmsg_client *c, int mark_read)
{
    loopmsg_typing_params p = LOOPMSG_TYPING_PARAMS_INIT;
    p.message_id = a->message_id;
    p.contact = a->contact;
    if (a->seconds == 0)
        return cli_usage_error(a->cmd, "--seconds: must be between 1 and %d",
                               LOOPMSG_MAX_TYPING_SECONDS);
    p.typing_seconds = a->seconds > 0 ? (unsigned int)a->seconds : 0;
    p.read = a->read != 0;
    loopmsg_error err;
    loopmsg_status st = mark_read ? loopmsg_message_mark_read(c, &p, &err)
                                  : loopmsg_message_show_typing(c, &p, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json)
        print_json_raw(NULL, 0);
    else if (mark_read)
        printf("marked read\n");
    else
        printf("typing indicator shown%s\n", p.read ? ", marked read" : "");
    return CLI_EXIT_OK;
}

static int do_typing(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    return typing_common(g, a, c, 0);
}

static int do_mark_read(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    return typing_common(g, a, c, 1);
}

/* The utility layer's monotonic clock, as the long this file computes with. */

static int do_status(cli_globals *g, msg_args *a, loopmsg_client *c)
{
    long deadline = (long)loopmsg__mono_ms() + (a->wait_timeout_s ? a->wait_timeout_s : 60) * 1000L;
    long delay = 250;
    for (;;) {
        loopmsg_message_status *s = NULL;
        loopmsg_error err;
        loopmsg_status st = loopmsg_message_status_get(c, a->message_id, &s, &err);
        if (st != LOOPMSG_OK)
            return cli_report_error(g, a->cmd, st, &err);
        int final = s->status == LOOPMSG_DELIVERY_DELIVERED || s->status == LOOPMSG_DELIVERY_FAILED;
        if (!a->wait || final || (long)loopmsg__mono_ms() + delay > deadline) {
            if (g->json) {
                print_json_raw(s->raw, s->raw_len);
            } else {
                printf("%s: %s", s->message_id ? s->message_id : a->message_id,
                       s->status_name ? s->status_name : "?");
                if (s->api_code)
                    printf(" (error %d: %s)", s->api_code,
                           loopmsg_api_code_description(s->api_code)
                               ? loopmsg_api_code_description(s->api_code)
                               : "undocumented code");
                if (s->contact)
                    printf(" to %s", s->contact);
                if (s->last_update)
                    printf(", updated %s", s->last_update);
                printf("\n");
            }
            int rc = CLI_EXIT_OK;
            if (a->wait && s->status == LOOPMSG_DELIVERY_FAILED)
                rc = CLI_EXIT_API;
            else if (a->wait && !final) {
                fprintf(stderr, "loopmsg status: not final after the wait timeout\n");
                rc = CLI_EXIT_UNKNOWN;
            }
            loopmsg_message_status_free(s);
            return rc;
        }
        loopmsg_message_status_free(s);
        loopmsg__sleep_ms((uint64_t)delay);
        delay = delay * 2 > 5000 ? 5000 : delay * 2;
    }
}

static int run_cmd(cli_globals *g, int argc, char **argv, int positional,
                   int (*body)(cli_globals *, msg_args *, loopmsg_client *))
{
    msg_args a;
    int rc = parse(g, argc, argv, &a, positional);
    if (rc >= 0) {
        free(a.text_owned);
        return rc;
    }
    return with_client(g, &a, body);
}

int cli_cmd_send(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_send);
}

int cli_cmd_send_group(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_group);
}

int cli_cmd_send_voice(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_voice);
}

int cli_cmd_react(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_react);
}

int cli_cmd_typing(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_typing);
}

int cli_cmd_mark_read(cli_globals *g, int argc, char **argv)
{
    return run_cmd(g, argc, argv, 0, do_mark_read);
}

int cli_cmd_status(cli_globals *g, int argc, char **argv)
{
    msg_args a;
    int rc = parse(g, argc, argv, &a, 1);
    if (rc >= 0)
        return rc;
    int first = a.first;
    if (first >= argc)
        return cli_usage_error("status", "MESSAGE_ID is required");
    a.message_id = argv[first];
    return with_client(g, &a, do_status);
}
