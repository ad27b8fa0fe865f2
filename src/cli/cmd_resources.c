/* SPDX-License-Identifier: MIT */
/*
 * cmd_resources.c: the audience, campaign, senders, pools, opt-in and webhook-history
 * commands. Lists print one page, or with --all stream every page (with --json one JSON
 * object per item per line, so the output pipes into jq).
 */
#include "cli.h"
#include "rows.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    R_PAGE = 256,
    R_PER_PAGE,
    R_SORT,
    R_FROM,
    R_TO,
    R_SEARCH,
    R_ALL,
    R_LIMIT,
    R_DIRECTION,
    R_TYPE,
    R_NAME,
    R_TEXT,
    R_CONTACT,
    R_MESSAGES,
    R_ATTACHMENT,
    R_EFFECT,
    R_SUBJECT,
    R_FROM_DATE,
    R_FROM_TIME,
    R_TO_TIME,
    R_TIMEZONE,
    R_BODY,
    R_SENDER_TYPE,
    R_FIELD,
    R_ORG
};

#define MAX_MULTI 4096

typedef struct res_args {
    const char *cmd;
    loopmsg_list_params lp;
    int all;
    long limit;
    const char *name, *text, *messages, *effect, *subject, *from_date, *from_time, *to_time,
        *timezone, *body, *contact, *sender_type, *org;
    const char *contacts[MAX_MULTI];
    size_t contact_count;
    const char *attachments[MAX_MULTI];
    size_t attachment_count;
    loopmsg_field fields[256];
    size_t field_count;
    char *field_buf[256];
} res_args;

#define OPT(n, h, id)                                                                              \
    {                                                                                              \
        n, h, NULL, id                                                                             \
    }
static const struct option paging_opts[] = {
    OPT("page", required_argument, R_PAGE),
    OPT("per-page", required_argument, R_PER_PAGE),
    OPT("sort", required_argument, R_SORT),
    OPT("from", required_argument, R_FROM),
    OPT("to", required_argument, R_TO),
    OPT("search", required_argument, R_SEARCH),
    OPT("all", no_argument, R_ALL),
    OPT("limit", required_argument, R_LIMIT),
    OPT("direction", required_argument, R_DIRECTION),
    OPT("type", required_argument, R_TYPE),
    OPT("name", required_argument, R_NAME),
    OPT("text", required_argument, R_TEXT),
    OPT("contact", required_argument, R_CONTACT),
    OPT("messages", required_argument, R_MESSAGES),
    OPT("attachment", required_argument, R_ATTACHMENT),
    OPT("effect", required_argument, R_EFFECT),
    OPT("subject", required_argument, R_SUBJECT),
    OPT("from-date", required_argument, R_FROM_DATE),
    OPT("from-time", required_argument, R_FROM_TIME),
    OPT("to-time", required_argument, R_TO_TIME),
    OPT("timezone", required_argument, R_TIMEZONE),
    OPT("body", required_argument, R_BODY),
    OPT("sender-type", required_argument, R_SENDER_TYPE),
    OPT("org", required_argument, R_ORG),
    OPT("field", required_argument, R_FIELD),
    {NULL, 0, NULL, 0},
};

const struct option *cli_paging_options(void)
{
    return paging_opts;
}

static int on_opt(int id, const char *arg, void *ud)
{
    res_args *a = ud;
    long v;
    switch (id) {
    case R_PAGE:
        if (cli_parse_long(arg, 1, 1000000000L, &v) != 0)
            return cli_usage_error(a->cmd, "--page: expected a number >= 1");
        a->lp.page = (unsigned int)v;
        break;
    case R_PER_PAGE: {
        /* The lookup history allows larger pages than Loop Message's lists. */
        unsigned int max =
            strcmp(a->cmd, "lookup") == 0 ? LOOPMSG_LOOKUP_MAX_PER_PAGE : LOOPMSG_MAX_PER_PAGE;
        if (cli_parse_long(arg, 1, max, &v) != 0)
            return cli_usage_error(a->cmd, "--per-page: expected 1..%u", max);
        a->lp.per_page = (unsigned int)v;
        break;
    }
    case R_SORT:
        if (strcmp(arg, "asc") == 0)
            a->lp.sort = LOOPMSG_SORT_ASC;
        else if (strcmp(arg, "desc") == 0)
            a->lp.sort = LOOPMSG_SORT_DESC;
        else
            return cli_usage_error(a->cmd, "--sort: expected asc or desc");
        break;
    case R_FROM:
        a->lp.from_date = arg;
        break;
    case R_TO:
        a->lp.to_date = arg;
        break;
    case R_SEARCH:
        a->lp.search = arg;
        break;
    case R_ALL:
        a->all = 1;
        break;
    case R_LIMIT:
        if (cli_parse_long(arg, 1, 1000000000L, &a->limit) != 0)
            return cli_usage_error(a->cmd, "--limit: expected a number >= 1");
        break;
    case R_DIRECTION:
        if (strcmp(arg, "inbound") == 0)
            a->lp.direction = LOOPMSG_DIRECTION_INBOUND;
        else if (strcmp(arg, "outbound") == 0)
            a->lp.direction = LOOPMSG_DIRECTION_OUTBOUND;
        else
            return cli_usage_error(a->cmd, "--direction: expected inbound or outbound");
        break;
    case R_TYPE:
        a->lp.type = arg;
        break;
    case R_NAME:
        a->name = arg;
        break;
    case R_TEXT:
        a->text = arg;
        break;
    case R_CONTACT:
        if (a->contact_count == MAX_MULTI)
            return cli_usage_error(a->cmd, "too many --contact options (use --messages FILE)");
        a->contacts[a->contact_count++] = arg;
        a->contact = arg;
        break;
    case R_MESSAGES:
        a->messages = arg;
        break;
    case R_ATTACHMENT:
        if (a->attachment_count == MAX_MULTI)
            return cli_usage_error(a->cmd, "too many --attachment options");
        a->attachments[a->attachment_count++] = arg;
        break;
    case R_EFFECT:
        a->effect = arg;
        break;
    case R_SUBJECT:
        a->subject = arg;
        break;
    case R_FROM_DATE:
        a->from_date = arg;
        break;
    case R_FROM_TIME:
        a->from_time = arg;
        break;
    case R_TO_TIME:
        a->to_time = arg;
        break;
    case R_TIMEZONE:
        a->timezone = arg;
        break;
    case R_BODY:
        a->body = arg;
        break;
    case R_ORG:
        a->org = arg;
        break;
    case R_SENDER_TYPE:
        a->sender_type = arg;
        break;
    case R_FIELD: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
            return cli_usage_error(a->cmd, "--field: expected KEY=VALUE");
        if (a->field_count == 256)
            return cli_usage_error(a->cmd, "too many --field options");
        char *copy = strdup(arg);
        if (!copy)
            return 1;
        copy[eq - arg] = '\0';
        a->field_buf[a->field_count] = copy;
        a->fields[a->field_count].key = copy;
        a->fields[a->field_count].value = copy + (eq - arg) + 1;
        a->field_count++;
        break;
    }
    default:
        return 1;
    }
    return 0;
}

static void args_free(res_args *a)
{
    for (size_t i = 0; i < a->field_count; i++)
        free(a->field_buf[i]);
}

static void print_compact(const char *raw, size_t len)
{
    json_t *j = raw && len ? json_loadb(raw, len, 0, NULL) : NULL;
    if (j) {
        json_dumpf(j, stdout, JSON_COMPACT);
        json_decref(j);
    } else {
        fputs("{\"success\":true}", stdout);
    }
    fputc('\n', stdout);
}

static const char *s_or(const char *s)
{
    return s ? s : "-";
}

/* One readable line per item. */
static void print_item(const loopmsg_page *p, size_t i)
{
    switch (p->kind) {
    case LOOPMSG_LIST_AUDIENCE:
        printf("%s\t%s\n", s_or(p->contacts[i].value), s_or(p->contacts[i].id));
        break;
    case LOOPMSG_LIST_MESSAGE_HISTORY: {
        const loopmsg_history_item *m = &p->messages[i];
        printf("%s\t%s\t%s\t%s\n", s_or(m->create_date), s_or(m->direction), s_or(m->type),
               s_or(m->text));
        break;
    }
    case LOOPMSG_LIST_SENDERS:
        printf("%s\t%s\t%s\n", s_or(p->senders[i].id), s_or(p->senders[i].name),
               s_or(p->senders[i].status));
        break;
    case LOOPMSG_LIST_POOLS:
        printf("%s\t%s\t%d sender(s)\n", s_or(p->pools[i].id), s_or(p->pools[i].name),
               p->pools[i].count);
        break;
    case LOOPMSG_LIST_OPT_INS:
        printf("%s\t%s\t%s\t%s\n", s_or(p->opt_ins[i].create_date), s_or(p->opt_ins[i].id),
               s_or(p->opt_ins[i].origin), s_or(p->opt_ins[i].geo_country));
        break;
    case LOOPMSG_LIST_WEBHOOK_DELIVERIES:
        printf("%s\t%s\tattempt %d\n", s_or(p->deliveries[i].create_date),
               s_or(p->deliveries[i].event_type), p->deliveries[i].attempt);
        break;
    case LOOPMSG_LIST_ORGANIZATIONS:
        printf("%s\t%s\t%s\t%s\n", s_or(p->organizations[i].id), s_or(p->organizations[i].name),
               s_or(p->organizations[i].status), s_or(p->organizations[i].create_date));
        break;
    case LOOPMSG_LIST_LOOKUPS:
        printf("%s\t%s\t%s\t%s\n", s_or(p->lookups[i].create_date), s_or(p->lookups[i].id),
               s_or(p->lookups[i].contact), s_or(p->lookups[i].status));
        break;
    }
}

static int run_list(cli_globals *g, res_args *a, loopmsg_client *c, loopmsg_list_kind kind)
{
    loopmsg_error err;
    loopmsg_status st;
    if (!a->all) {
        loopmsg_page *p = NULL;
        st = loopmsg_list_page(c, kind, &a->lp, &p, &err);
        if (st != LOOPMSG_OK)
            return cli_report_error(g, a->cmd, st, &err);
        if (g->json) {
            print_compact(p->raw, p->raw_len);
        } else {
            size_t n = p->item_count;
            if (a->limit && (size_t)a->limit < n)
                n = (size_t)a->limit;
            for (size_t i = 0; i < n; i++)
                print_item(p, i);
            fprintf(stderr, "page %d of %d, %d item(s) in all%s%s\n", p->page, p->num_pages,
                    p->count, p->contact_status ? "; contact status: " : "",
                    p->contact_status ? p->contact_status : "");
        }
        loopmsg_page_free(p);
        return CLI_EXIT_OK;
    }
    loopmsg_pager *pg = NULL;
    st = loopmsg_pager_new(c, kind, &a->lp, &pg, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    int tty = isatty(fileno(stderr));
    size_t done = 0;
    int rc = CLI_EXIT_OK;
    for (;;) {
        loopmsg_page *p = NULL;
        st = loopmsg_pager_next(pg, &p, &err);
        if (st != LOOPMSG_OK) {
            if (tty)
                fputc('\n', stderr);
            rc = cli_report_error(g, a->cmd, st, &err);
            break;
        }
        if (!p)
            break;
        for (size_t i = 0; i < p->item_count && !(a->limit && done >= (size_t)a->limit); i++) {
            if (g->json)
                printf("%s\n", p->item_json[i]);
            else
                print_item(p, i);
            done++;
        }
        fflush(stdout);
        if (tty)
            fprintf(stderr, "\r%zu item(s), page %d of %d", done, p->page, p->num_pages);
        loopmsg_page_free(p);
        if (a->limit && done >= (size_t)a->limit)
            break;
    }
    if (tty && rc == CLI_EXIT_OK)
        fputc('\n', stderr);
    loopmsg_pager_free(pg);
    return rc;
}

typedef int (*res_fn)(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int npos);

static const char *const usage_text =
    "usage:\n"
    "  loopmsg audience list [--page N] [--per-page N] [--sort asc|desc] [--from DATE]\n"
    "                        [--to DATE] [--search Q] [--all] [--limit N]\n"
    "  loopmsg audience status CONTACT\n"
    "  loopmsg audience unsubscribe CONTACT\n"
    "  loopmsg audience history CONTACT [--direction inbound|outbound] [--type T] [paging]\n"
    "  loopmsg audience opt-ins [paging]\n"
    "  loopmsg campaign create --name N (--text T --contact C... | --messages FILE)\n"
    "                        [--attachment URL]... [--effect E] [--subject S] [--from-date D]\n"
    "                        [--from-time HH:mm] [--to-time HH:mm] [--timezone TZ]\n"
    "  loopmsg senders list [paging] | loopmsg senders show ID\n"
    "  loopmsg pools list [paging]\n"
    "  loopmsg orgs list [--search NAME] [paging]\n"
    "  loopmsg opt-in url --body B [--contact C] [--sender-type shared] [--field KEY=VALUE]...\n"
    "  loopmsg opt-in url --org ORG_ID --body B [--sender-type shared] [--field KEY=VALUE]...\n"
    "                        (the frontend method: no API key needed; LOOP_OPTIN_BASE_URL)\n"
    "  loopmsg webhooks history [paging]\n"
    "  loopmsg webhooks replay [WEBHOOK_ID] [--since DATE] [--event TYPE] --to URL\n"
    "                        [--header VALUE]\n"
    "--messages FILE: CSV with a header (contact,text[,subject,effect,attachments]) or JSON\n"
    "lines (by extension; '-' reads JSON lines from stdin). With --all --json, one JSON object\n"
    "per item per line.\n";

static int r_audience_list(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_AUDIENCE);
}

static int r_opt_ins(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_OPT_INS);
}

static int r_senders_list(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_SENDERS);
}

static int r_pools_list(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_POOLS);
}

static int r_webhooks_history(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_WEBHOOK_DELIVERIES);
}

static int r_orgs_list(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_ORGANIZATIONS);
}

/* `lookup history` (cmd_lookup.c hands it here for the list options). */
static int r_lookup_history(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    return run_list(g, a, c, LOOPMSG_LIST_LOOKUPS);
}

static int r_history(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)n;
    a->lp.contact = pos[0];
    return run_list(g, a, c, LOOPMSG_LIST_MESSAGE_HISTORY);
}

static int r_status(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)n;
    loopmsg_contact_status s;
    loopmsg_error err;
    loopmsg_status st = loopmsg_audience_check_status(c, pos[0], &s, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    const char *name = loopmsg_contact_status_name(s);
    if (g->json)
        printf("{\"status\":\"%s\"}\n", name ? name : "other");
    else
        printf("%s\n", name ? name : "other");
    return CLI_EXIT_OK;
}

static int r_unsubscribe(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)n;
    loopmsg_error err;
    loopmsg_status st = loopmsg_audience_unsubscribe(c, pos[0], &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json)
        printf("{\"success\":true}\n");
    else
        printf("unsubscribed %s\n", pos[0]);
    return CLI_EXIT_OK;
}

static int r_sender_show(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)n;
    loopmsg_sender_details *d = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_sender_get(c, pos[0], &d, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json)
        print_compact(d->raw, d->raw_len);
    else
        printf("id: %s\nname: %s\nstatus: %s\ncreated: %s\nimessage link: %s\n", s_or(d->sender.id),
               s_or(d->sender.name), s_or(d->sender.status), s_or(d->sender.create_date),
               s_or(d->sender.imessage_link));
    loopmsg_sender_details_free(d);
    return CLI_EXIT_OK;
}

static int r_optin_url(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    loopmsg_optin_params p = LOOPMSG_OPTIN_PARAMS_INIT;
    p.body = a->body;
    p.contact = a->contact;
    p.sender_type = a->sender_type;
    p.fields = a->fields;
    p.field_count = a->field_count;
    loopmsg_optin_url *u = NULL;
    loopmsg_error err;
    /* --org: the frontend method (its own host, no key); else the backend one. */
    loopmsg_status st = a->org ? loopmsg_optin_frontend_url(c, a->org, &p, &u, &err)
                               : loopmsg_optin_generate_url(c, &p, &u, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json) {
        print_compact(u->raw, u->raw_len);
    } else {
        printf("%s\n", u->url ? u->url : s_or(u->imessage));
        fprintf(stderr, "imessage: %s\nsms: %s\nwhatsapp: %s\n", s_or(u->imessage), s_or(u->sms),
                s_or(u->whatsapp));
    }
    loopmsg_optin_url_free(u);
    return CLI_EXIT_OK;
}

static const char *const message_columns[] = {"contact", "text",        "subject",
                                              "effect",  "attachments", NULL};
static const char *const message_required[] = {"contact", "text", NULL};

static int r_campaign(cli_globals *g, res_args *a, loopmsg_client *c, char **pos, int n)
{
    (void)pos;
    (void)n;
    loopmsg_campaign_params p = LOOPMSG_CAMPAIGN_PARAMS_INIT;
    p.name = a->name;
    p.attachments = a->attachments;
    p.attachment_count = a->attachment_count;
    p.subject = a->subject;
    p.from_date = a->from_date;
    p.from_time = a->from_time;
    p.to_time = a->to_time;
    p.timezone = a->timezone;
    if (a->effect && loopmsg_effect_parse(a->effect, &p.effect) != LOOPMSG_OK)
        return cli_usage_error(a->cmd, "--effect: unknown effect '%s'", a->effect);
    if (a->messages && (a->text || a->contact_count))
        return cli_usage_error(a->cmd, "give --text and --contact, or --messages, not both");
    cli_rows rows = {0};
    loopmsg_campaign_message *msgs = NULL;
    int rc = CLI_EXIT_OK;
    if (a->messages) {
        char why[256];
        if (cli_rows_read(a->messages, message_columns, message_required, &rows, why, sizeof why) !=
            0)
            return cli_usage_error(a->cmd, "%s: %s", a->messages, why);
        msgs = calloc(rows.count, sizeof *msgs);
        if (!msgs) {
            cli_rows_free(&rows);
            return CLI_EXIT_ERROR;
        }
        for (size_t i = 0; i < rows.count; i++) {
            cli_row *r = &rows.rows[i];
            msgs[i].contact = r->values[0];
            msgs[i].text = r->values[1];
            msgs[i].subject = r->values[2];
            msgs[i].attachments = (const char *const *)r->attachments;
            msgs[i].attachment_count = r->attachment_count;
            if (r->values[3] && loopmsg_effect_parse(r->values[3], &msgs[i].effect) != LOOPMSG_OK) {
                rc = cli_usage_error(a->cmd, "%s: line %zu: unknown effect '%s'", a->messages,
                                     r->line, r->values[3]);
                goto out;
            }
            /* Validate row by row so that an error names its line; nothing is sent. */
            loopmsg_campaign_params one = p;
            one.messages = &msgs[i];
            one.message_count = 1;
            loopmsg_error err;
            if (loopmsg_campaign_params_validate(&one, &err) != LOOPMSG_OK) {
                rc = cli_usage_error(a->cmd, "%s: line %zu: %s", a->messages, r->line, err.message);
                goto out;
            }
        }
        p.messages = msgs;
        p.message_count = rows.count;
    } else {
        p.text = a->text;
        p.contacts = a->contacts;
        p.contact_count = a->contact_count;
    }
    loopmsg_campaign *cp = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_campaign_create(c, &p, &cp, &err);
    if (st != LOOPMSG_OK) {
        rc = cli_report_error(g, a->cmd, st, &err);
        goto out;
    }
    if (g->json)
        print_compact(cp->raw, cp->raw_len);
    else
        printf("%s\n", cp->id);
    loopmsg_campaign_free(cp);
out:
    free(msgs);
    cli_rows_free(&rows);
    return rc;
}

static const struct {
    const char *group, *verb;
    int positional; /* exact count */
    res_fn fn;
} routes[] = {
    {"audience", "list", 0, r_audience_list},
    {"audience", "status", 1, r_status},
    {"audience", "unsubscribe", 1, r_unsubscribe},
    {"audience", "history", 1, r_history},
    {"audience", "opt-ins", 0, r_opt_ins},
    {"campaign", "create", 0, r_campaign},
    {"senders", "list", 0, r_senders_list},
    {"senders", "show", 1, r_sender_show},
    {"pools", "list", 0, r_pools_list},
    {"opt-in", "url", 0, r_optin_url},
    {"webhooks", "history", 0, r_webhooks_history},
    {"orgs", "list", 0, r_orgs_list},
    {"lookup", "history", 0, r_lookup_history},
};

int cli_cmd_resource(cli_globals *g, int argc, char **argv)
{
    /* `webhooks replay` has options of its own. */
    if (strcmp(argv[0], "webhooks") == 0)
        for (int i = 1; i < argc; i++)
            if (argv[i][0] != '-') {
                if (strcmp(argv[i], "replay") == 0)
                    return cli_cmd_webhooks_replay(g, argc - i, argv + i);
                break;
            }
    res_args a;
    memset(&a, 0, sizeof a);
    a.cmd = argv[0];
    a.lp.version = LOOPMSG_LIST_PARAMS_VERSION;
    int first = cli_parse(g, argc, argv, paging_opts, on_opt, &a, usage_text);
    if (first == -2) {
        args_free(&a);
        return CLI_EXIT_OK;
    }
    if (first < 0) {
        args_free(&a);
        return CLI_EXIT_USAGE;
    }
    if (first >= argc) {
        args_free(&a);
        return cli_usage_error(a.cmd, "a subcommand is required");
    }
    const char *verb = argv[first];
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].group, argv[0]) != 0 || strcmp(routes[i].verb, verb) != 0)
            continue;
        int npos = argc - first - 1;
        if (npos != routes[i].positional) {
            args_free(&a);
            return cli_usage_error(a.cmd, "%s %s takes %d argument(s), got %d", argv[0], verb,
                                   routes[i].positional, npos);
        }
        int rc;
        /* The frontend opt-in method sends no key: one is not required for it. The client
         * needs one to exist, so a placeholder stands in (never sent: the op goes without
         * Authorization). */
        cli_globals g2 = *g;
        if (a.org && strcmp(argv[0], "opt-in") == 0 && !cli_setting(g, CLI_KEY_API_KEY))
            g2.flag[CLI_KEY_API_KEY] = "frontend-opt-in-needs-no-key";
        loopmsg_client *c = cli_client_new(&g2, &rc);
        if (c) {
            rc = routes[i].fn(g, &a, c, argv + first + 1, npos);
            loopmsg_client_free(c);
        }
        args_free(&a);
        return rc;
    }
    args_free(&a);
    return cli_usage_error(argv[0], "unknown subcommand '%s'", verb);
}

size_t cli_resource_verbs(const char *group, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].group, group) == 0 && n < max)
            out[n++] = routes[i].verb;
    return n;
}
