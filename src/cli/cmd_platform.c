/* SPDX-License-Identifier: MIT */
/*
 * cmd_platform.c: the operator commands: organizations (`orgs`) and pools (show, create,
 * update, delete). Lists (`orgs list`, `pools list`, ...) stay in cmd_resources.c, which this file
 * hands them to. Destructive or paying commands ask for confirmation: without --yes they
 * refuse when stdin is not a terminal, and ask on the terminal otherwise.
 */
#include "cli.h"

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
    P_SENDER
};

#define MAX_IDS 1024

typedef struct plat_args {
    const char *cmd;
    loopmsg_org_params org;
    int yes;
    const char *ids[MAX_IDS];
    size_t id_count;
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
    "Organizations need the default organization's API key. Without --yes, delete asks on a\n"
    "terminal and refuses otherwise (exit 2, nothing sent).\n";

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
    if (!mine && !(verb == NULL && strcmp(argv[0], "orgs") == 0))
        return cli_cmd_resource(g, argc, argv);

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
