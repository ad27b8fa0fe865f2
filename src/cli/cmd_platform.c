/* SPDX-License-Identifier: MIT */
/*
 * cmd_platform.c: the operator commands: organizations (`orgs`), pools (show, create,
 * update, delete) and sender names (plans, order, cancel, move). Lists (`orgs list`, `pools list`,
 * ...) stay in cmd_resources.c, which this file hands them to. Destructive or paying commands ask
 * for confirmation: without --yes they refuse when stdin is not a terminal, and ask on the terminal
 * otherwise.
 */
#include "cli.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    P_NAME = 256,
    P_WEBSITE,
    P_SUPPORT_URL,
    P_COUNTRY,
    P_WEBHOOK_URL,
    P_WEBHOOK_HEADER,
    P_YES,
    P_SENDER,
    P_ORG,
    P_FILE,
    P_TEST,
    P_PLAN,
    P_REGION,
    P_ZIP,
    P_SMS_AND_CALL,
    P_FORWARD_TO,
    P_RCS,
    P_WHATSAPP,
    P_INIT_CONVERSATIONS,
    P_FIRST_NAME,
    P_LAST_NAME,
    P_PHOTO_URL,
    P_PORT_NUMBER,
    P_PORT_ACCOUNT,
    P_PORT_PIN,
    P_PORT_CARRIER,
    P_EMAIL
};

#define MAX_IDS 1024

typedef struct plat_args {
    const char *cmd;
    loopmsg_org_params org;
    int yes;
    const char *ids[MAX_IDS];
    size_t id_count;
    const char *org_id; /* senders move --org */
    const char *file;   /* senders order --file */
    int test;
    int email_set;
    char email[512];
    loopmsg_sender_order_item item; /* senders order from flags */
    loopmsg_sender_contact_card card;
    loopmsg_sender_port port;
    int card_set, port_set;
} plat_args;

#define OPT(n, h, id)                                                                              \
    {                                                                                              \
        n, h, NULL, id                                                                             \
    }
static const struct option plat_opts[] = {
    OPT("name", required_argument, P_NAME),
    OPT("website", required_argument, P_WEBSITE),
    OPT("support-url", required_argument, P_SUPPORT_URL),
    OPT("country", required_argument, P_COUNTRY),
    OPT("webhook-url", required_argument, P_WEBHOOK_URL),
    OPT("webhook-header", required_argument, P_WEBHOOK_HEADER),
    OPT("yes", no_argument, P_YES),
    OPT("sender", required_argument, P_SENDER),
    OPT("org", required_argument, P_ORG),
    OPT("file", required_argument, P_FILE),
    OPT("test", no_argument, P_TEST),
    OPT("plan", required_argument, P_PLAN),
    OPT("region", required_argument, P_REGION),
    OPT("zip", required_argument, P_ZIP),
    OPT("sms-and-call", no_argument, P_SMS_AND_CALL),
    OPT("forward-to", required_argument, P_FORWARD_TO),
    OPT("rcs", no_argument, P_RCS),
    OPT("whatsapp", no_argument, P_WHATSAPP),
    OPT("init-conversations", no_argument, P_INIT_CONVERSATIONS),
    OPT("first-name", required_argument, P_FIRST_NAME),
    OPT("last-name", required_argument, P_LAST_NAME),
    OPT("photo-url", required_argument, P_PHOTO_URL),
    OPT("port-number", required_argument, P_PORT_NUMBER),
    OPT("port-account", required_argument, P_PORT_ACCOUNT),
    OPT("port-pin", required_argument, P_PORT_PIN),
    OPT("port-carrier", required_argument, P_PORT_CARRIER),
    OPT("email", required_argument, P_EMAIL),
    {NULL, 0, NULL, 0},
};

static int on_opt(int id, const char *arg, void *ud)
{
    plat_args *a = ud;
    switch (id) {
    case P_NAME:
        a->org.name = arg;
        break;
    case P_WEBSITE:
        a->org.website = arg;
        break;
    case P_SUPPORT_URL:
        a->org.support_url = arg;
        break;
    case P_COUNTRY:
        a->org.country = arg;
        break;
    case P_WEBHOOK_URL:
        a->org.webhook_url = arg;
        break;
    case P_WEBHOOK_HEADER:
        a->org.webhook_header = arg;
        break;
    case P_YES:
        a->yes = 1;
        break;
    case P_SENDER:
        if (a->id_count >= MAX_IDS)
            return cli_usage_error(a->cmd, "--sender: at most %d", MAX_IDS);
        a->ids[a->id_count++] = arg;
        break;
    case P_ORG:
        a->org_id = arg;
        break;
    case P_FILE:
        a->file = arg;
        break;
    case P_TEST:
        a->test = 1;
        break;
    case P_PLAN:
        a->item.plan_id = arg;
        break;
    case P_REGION:
        a->item.phone_region = arg;
        break;
    case P_ZIP:
        a->item.zip_code = arg;
        break;
    case P_SMS_AND_CALL:
        a->item.sms_and_call = true;
        break;
    case P_FORWARD_TO:
        a->item.forwarding_to_phone_number = arg;
        break;
    case P_RCS:
        a->item.rcs = true;
        break;
    case P_WHATSAPP:
        a->item.whatsapp = true;
        break;
    case P_INIT_CONVERSATIONS:
        a->item.init_conversations = true;
        break;
    case P_FIRST_NAME:
        a->card.first_name = arg;
        a->card_set = 1;
        break;
    case P_LAST_NAME:
        a->card.last_name = arg;
        a->card_set = 1;
        break;
    case P_PHOTO_URL:
        a->card.photo_url = arg;
        a->card_set = 1;
        break;
    case P_PORT_NUMBER:
        a->port.phone_number = arg;
        a->port_set = 1;
        break;
    case P_PORT_ACCOUNT:
        a->port.account_number = arg;
        a->port_set = 1;
        break;
    case P_PORT_PIN:
        a->port.pin = arg;
        a->port_set = 1;
        break;
    case P_PORT_CARRIER:
        a->port.carrier = arg;
        a->port_set = 1;
        break;
    case P_EMAIL: {
        const char *at = strrchr(arg, '@');
        if (!at || at == arg || !at[1] || strlen(arg) >= sizeof a->email)
            return cli_usage_error(a->cmd, "--email: expected NAME@DOMAIN");
        memcpy(a->email, arg, strlen(arg) + 1);
        a->email[at - arg] = '\0';
        a->item.email_name = a->email;
        a->item.email_domain = a->email + (at - arg) + 1;
        a->email_set = 1;
        break;
    }
    default:
        return -1;
    }
    return 0;
}

/* Confirmation of a destructive or paying command. 0 to go on, else the exit code. */
static int confirm(const plat_args *a, const char *what)
{
    if (a->yes)
        return 0;
    if (!isatty(STDIN_FILENO))
        return cli_usage_error(a->cmd, "%s: refusing without --yes (stdin is not a terminal)",
                               what);
    fprintf(stderr, "%s? [y/N] ", what);
    fflush(stderr);
    char line[16];
    if (!fgets(line, sizeof line, stdin) ||
        (strcmp(line, "y\n") != 0 && strcmp(line, "yes\n") != 0 && strcmp(line, "Y\n") != 0)) {
        fprintf(stderr, "loopmsg %s: not confirmed; nothing was sent\n", a->cmd);
        return CLI_EXIT_ERROR;
    }
    return 0;
}

static const char *s_or(const char *s)
{
    return s ? s : "-";
}

static void print_raw(const char *raw, size_t len)
{
    fwrite(raw, 1, len, stdout);
    fputc('\n', stdout);
}

static int print_org(const cli_globals *g, loopmsg_org *o)
{
    if (g->json)
        print_raw(o->raw, o->raw_len);
    else
        printf("id: %s\nname: %s\nstatus: %s\ncreated: %s\napi key: %s\n", s_or(o->org.id),
               s_or(o->org.name), s_or(o->org.status), s_or(o->org.create_date),
               o->org.api_key ? o->org.api_key : "(not returned)");
    loopmsg_org_free(o);
    return CLI_EXIT_OK;
}

static int print_success(const cli_globals *g, const char *what, const char *id)
{
    if (g->json)
        printf("{\"success\":true}\n");
    else
        printf("%s %s\n", what, id);
    return CLI_EXIT_OK;
}

typedef int (*plat_fn)(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos);

static int o_show(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_org *o = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_org_get(c, pos[0], &o, &err);
    return st == LOOPMSG_OK ? print_org(g, o) : cli_report_error(g, a->cmd, st, &err);
}

static int o_create(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    (void)pos;
    loopmsg_org *o = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_org_create(c, &a->org, &o, &err);
    return st == LOOPMSG_OK ? print_org(g, o) : cli_report_error(g, a->cmd, st, &err);
}

static int o_update(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_org *o = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_org_update(c, pos[0], &a->org, &o, &err);
    return st == LOOPMSG_OK ? print_org(g, o) : cli_report_error(g, a->cmd, st, &err);
}

static int o_delete(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_error err;
    loopmsg_status st = loopmsg_org_delete(c, pos[0], &err);
    return st == LOOPMSG_OK ? print_success(g, "deleted organization", pos[0])
                            : cli_report_error(g, a->cmd, st, &err);
}

static int print_pool(const cli_globals *g, loopmsg_pool_details *p)
{
    if (g->json)
        print_raw(p->raw, p->raw_len);
    else
        printf("id: %s\nname: %s\nstatus: %s\nsenders: %d\ncreated: %s\n", s_or(p->pool.id),
               s_or(p->pool.name), s_or(p->status), p->pool.count, s_or(p->pool.create_date));
    loopmsg_pool_details_free(p);
    return CLI_EXIT_OK;
}

static loopmsg_pool_params pool_params(const plat_args *a)
{
    loopmsg_pool_params p = LOOPMSG_POOL_PARAMS_INIT;
    p.name = a->org.name;
    p.sender_ids = a->ids;
    p.sender_id_count = a->id_count;
    return p;
}

static int p_show(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_pool_details *p = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_pool_get(c, pos[0], &p, &err);
    return st == LOOPMSG_OK ? print_pool(g, p) : cli_report_error(g, a->cmd, st, &err);
}

static int p_create(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    (void)pos;
    loopmsg_pool_params pp = pool_params(a);
    loopmsg_pool_details *p = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_pool_create(c, &pp, &p, &err);
    return st == LOOPMSG_OK ? print_pool(g, p) : cli_report_error(g, a->cmd, st, &err);
}

static int p_update(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_pool_params pp = pool_params(a);
    loopmsg_error err;
    loopmsg_status st = loopmsg_pool_update(c, pos[0], &pp, &err);
    return st == LOOPMSG_OK ? print_success(g, "updated pool", pos[0])
                            : cli_report_error(g, a->cmd, st, &err);
}

static int p_delete(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_error err;
    loopmsg_status st = loopmsg_pool_delete(c, pos[0], &err);
    return st == LOOPMSG_OK ? print_success(g, "deleted pool", pos[0])
                            : cli_report_error(g, a->cmd, st, &err);
}

/* ---- senders ---------------------------------------------------------------------------- */

static int s_plans(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    (void)pos;
    loopmsg_sender_plans *p = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_sender_plans_get(c, &p, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json) {
        print_raw(p->raw, p->raw_len);
    } else {
        for (size_t i = 0; i < p->item_count; i++) {
            const loopmsg_sender_plan *pl = &p->items[i];
            printf("%s\t%s\t%ld/day\t%ld/month\t%.2f %s\n", s_or(pl->id), s_or(pl->name),
                   pl->daily_contacts, pl->monthly_contacts, pl->monthly_fee, s_or(pl->currency));
        }
    }
    loopmsg_sender_plans_free(p);
    return CLI_EXIT_OK;
}

static int s_cancel(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_error err;
    loopmsg_status st = loopmsg_sender_cancel(c, pos[0], &err);
    return st == LOOPMSG_OK ? print_success(g, "canceled sender", pos[0])
                            : cli_report_error(g, a->cmd, st, &err);
}

static int s_move(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    loopmsg_sender_details *d = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_sender_move(c, pos[0], a->org_id, &d, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json)
        print_raw(d->raw, d->raw_len);
    else
        printf("moved sender %s to organization %s\n", pos[0], a->org_id);
    loopmsg_sender_details_free(d);
    return CLI_EXIT_OK;
}

/* Order items read from a JSON file in the wire format: one item (an object), an object
 * with `senders`, or an array of items. Strings stay owned by *root. */
typedef struct order_file {
    json_t *root;
    loopmsg_sender_order_item *items;
    loopmsg_sender_contact_card *cards;
    loopmsg_sender_port *ports;
    size_t count;
    int test;
} order_file;

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int order_file_load(order_file *f, const char *path, const char *cmd)
{
    memset(f, 0, sizeof *f);
    json_error_t je;
    f->root = json_load_file(path, 0, &je);
    if (!f->root)
        return cli_usage_error(cmd, "--file %s: %s (line %d)", path, je.text, je.line);
    json_t *list = f->root;
    if (json_is_object(f->root)) {
        f->test = json_is_true(json_object_get(f->root, "test"));
        list = json_object_get(f->root, "senders");
        if (!list)
            list = f->root;
    }
    size_t n = json_is_array(list) ? json_array_size(list) : 1;
    if (n == 0)
        return cli_usage_error(cmd, "--file %s: no sender in the file", path);
    f->items = calloc(n, sizeof *f->items);
    f->cards = calloc(n, sizeof *f->cards);
    f->ports = calloc(n, sizeof *f->ports);
    if (!f->items || !f->cards || !f->ports)
        return cli_usage_error(cmd, "out of memory");
    f->count = n;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_is_array(list) ? json_array_get(list, i) : list;
        if (!json_is_object(it))
            return cli_usage_error(cmd, "--file %s: sender %zu is not a JSON object", path, i);
        loopmsg_sender_order_item *o = &f->items[i];
        o->plan_id = js(it, "plan_id");
        o->phone_region = js(it, "phone_region");
        o->zip_code = js(it, "zip_code");
        o->sms_and_call = json_is_true(json_object_get(it, "sms_and_call"));
        o->forwarding_to_phone_number = js(it, "forwarding_to_phone_number");
        o->rcs = json_is_true(json_object_get(it, "rcs"));
        o->whatsapp = json_is_true(json_object_get(it, "whatsapp"));
        o->init_conversations = json_is_true(json_object_get(it, "init_conversations"));
        o->email_name = js(it, "name");
        o->email_domain = js(it, "domain");
        json_t *card = json_object_get(it, "contact");
        if (json_is_object(card)) {
            f->cards[i].first_name = js(card, "first_name");
            f->cards[i].last_name = js(card, "last_name");
            f->cards[i].photo_url = js(card, "photo_url");
            o->contact = &f->cards[i];
        }
        json_t *port = json_object_get(it, "port");
        if (json_is_object(port)) {
            f->ports[i].phone_number = js(port, "phone_number");
            f->ports[i].account_number = js(port, "account_number");
            f->ports[i].pin = js(port, "pin");
            f->ports[i].carrier = js(port, "carrier");
            o->port = &f->ports[i];
        }
    }
    return 0;
}

static void order_file_free(order_file *f)
{
    json_decref(f->root);
    free(f->items);
    free(f->cards);
    free(f->ports);
}

static int s_order(cli_globals *g, plat_args *a, loopmsg_client *c, char **pos)
{
    (void)pos;
    loopmsg_sender_order_params p = LOOPMSG_SENDER_ORDER_PARAMS_INIT;
    order_file f;
    memset(&f, 0, sizeof f);
    if (a->file) {
        int rc = order_file_load(&f, a->file, a->cmd);
        if (rc) {
            order_file_free(&f);
            return rc;
        }
        p.items = f.items;
        p.item_count = f.count;
        p.test = a->test || f.test;
    } else {
        if (a->card_set)
            a->item.contact = &a->card;
        if (a->port_set)
            a->item.port = &a->port;
        p.items = &a->item;
        p.item_count = 1;
        p.test = a->test;
    }
    loopmsg_sender_order_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_sender_order(c, &p, &r, &err);
    order_file_free(&f);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    if (g->json) {
        print_raw(r->raw, r->raw_len);
    } else {
        for (size_t i = 0; i < r->item_count; i++)
            printf("ordered %s\t%s\n", r->items[i].id,
                   r->items[i].name ? r->items[i].name : s_or(r->items[i].phone_region));
        printf("%s: the sender_name_updated webhook follows on activation\n",
               p.test ? "test purchase" : "charged");
    }
    loopmsg_sender_order_result_free(r);
    return CLI_EXIT_OK;
}

static const char usage_text[] =
    "usage:\n"
    "  loopmsg orgs list [--search S] [--all] [paging]\n"
    "  loopmsg orgs show ID\n"
    "  loopmsg orgs create --name N --website URL --support-url URL --country CC\n"
    "                      [--webhook-url URL --webhook-header H]\n"
    "  loopmsg orgs update ID [--name N] [--webhook-url URL] [--webhook-header H] ...\n"
    "  loopmsg orgs delete ID --yes\n"
    "  loopmsg pools show ID\n"
    "  loopmsg pools create [--name N] [--sender ID]...\n"
    "  loopmsg pools update ID [--name N] [--sender ID]...   (the ids replace the members)\n"
    "  loopmsg pools delete ID --yes\n"
    "  loopmsg senders plans\n"
    "  loopmsg senders order (--file F | --plan ID [phone or email flags]) [--test] --yes\n"
    "      phone: [--region US|GB] [--zip Z] [--sms-and-call [--forward-to NUMBER]] [--rcs]\n"
    "             [--whatsapp] [--init-conversations] [--first-name N [--last-name N]\n"
    "             [--photo-url URL]] [--port-number N --port-account A --port-pin P\n"
    "             --port-carrier C]\n"
    "      email: --email NAME@DOMAIN\n"
    "      F: JSON in the wire format (one sender, {\"senders\": [...]} or an array)\n"
    "  loopmsg senders cancel ID --yes\n"
    "  loopmsg senders move ID --org ORG_ID\n"
    "Organizations and moves need the default organization's API key. An order charges the\n"
    "card at once, is never resent, and one is allowed every 30 s. Without --yes, delete,\n"
    "cancel and order ask on a terminal and refuse otherwise (exit 2, nothing sent).\n";

static const struct {
    const char *group, *verb;
    int positional;
    const char *confirm; /* NULL: no confirmation */
    plat_fn fn;
} routes[] = {
    {"orgs", "show", 1, NULL, o_show},
    {"orgs", "create", 0, NULL, o_create},
    {"orgs", "update", 1, NULL, o_update},
    {"orgs", "delete", 1, "delete the organization", o_delete},
    {"pools", "show", 1, NULL, p_show},
    {"pools", "create", 0, NULL, p_create},
    {"pools", "update", 1, NULL, p_update},
    {"pools", "delete", 1, "delete the pool", p_delete},
    {"senders", "plans", 0, NULL, s_plans},
    {"senders", "order", 0, "order (and pay for) the sender name(s)", s_order},
    {"senders", "cancel", 1, "cancel the sender name", s_cancel},
    {"senders", "move", 1, NULL, s_move},
};

int cli_cmd_platform(cli_globals *g, int argc, char **argv)
{
    /* The first word after the group that is not an option is the verb. */
    const char *verb = NULL;
    for (int i = 1; i < argc && !verb; i++)
        if (argv[i][0] != '-')
            verb = argv[i];
    bool mine = false;
    for (size_t i = 0; verb && i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].group, argv[0]) == 0 && strcmp(routes[i].verb, verb) == 0)
            mine = true;
    if (!mine && !(verb == NULL && strcmp(argv[0], "orgs") == 0)) {
        /* The group's help covers both files' subcommands. */
        for (int i = 1; !verb && i < argc; i++)
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                fputs(usage_text, stdout);
        return cli_cmd_resource(g, argc, argv);
    }

    plat_args a;
    memset(&a, 0, sizeof a);
    a.cmd = argv[0];
    a.org.version = LOOPMSG_ORG_PARAMS_VERSION;
    int first = cli_parse(g, argc, argv, plat_opts, on_opt, &a, usage_text);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first >= argc)
        return cli_usage_error(a.cmd, "a subcommand is required");
    verb = argv[first];
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].group, argv[0]) != 0 || strcmp(routes[i].verb, verb) != 0)
            continue;
        int npos = argc - first - 1;
        if (npos != routes[i].positional)
            return cli_usage_error(a.cmd, "%s %s takes %d argument(s), got %d", argv[0], verb,
                                   routes[i].positional, npos);
        int rc;
        if (routes[i].fn == s_move && !a.org_id)
            return cli_usage_error(a.cmd, "senders move: --org ORG_ID is required");
        if (routes[i].fn == s_order && !a.file && !a.item.plan_id)
            return cli_usage_error(a.cmd, "senders order: --file F or --plan ID is required");
        if (routes[i].confirm && (rc = confirm(&a, routes[i].confirm)) != 0)
            return rc;
        loopmsg_client *c = cli_client_new(g, &rc);
        if (!c)
            return rc;
        rc = routes[i].fn(g, &a, c, argv + first + 1);
        loopmsg_client_free(c);
        return rc;
    }
    return cli_usage_error(argv[0], "unknown subcommand '%s'", verb);
}

size_t cli_platform_verbs(const char *group, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].group, group) == 0 && n < max)
            out[n++] = routes[i].verb;
    return n;
}
