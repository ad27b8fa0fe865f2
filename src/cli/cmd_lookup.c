/* SPDX-License-Identifier: MIT */
/*
 * cmd_lookup.c: `loopmsg lookup CONTACT... [--details] [--region R] [--wait]`, `lookup status
 * ID [--wait]` and `lookup history` (the last one goes to cmd_resources.c, which owns the
 * list options). LoopLookup has its own key (LOOP_LOOKUP_API_KEY, or lookup_api_key in the
 * profile) and host (LOOP_LOOKUP_BASE_URL); the Loop Message key is not needed. --wait polls
 * the status until the lookup is final or the wait timeout passes: a command-line program
 * has no address a callback could reach.
 */
#include "cli.h"
#include "util_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { L_DETAILS = 256, L_REGION, L_WAIT, L_WAIT_TIMEOUT };

typedef struct lookup_args {
    const char *cmd;
    int details, wait;
    const char *region;
    long wait_timeout_s;
} lookup_args;

static const struct option lookup_opts[] = {
    {"details", no_argument, NULL, L_DETAILS},
    {"region", required_argument, NULL, L_REGION},
    {"wait", no_argument, NULL, L_WAIT},
    {"wait-timeout", required_argument, NULL, L_WAIT_TIMEOUT},
    {NULL, 0, NULL, 0},
};

static const char usage[] =
    "usage: loopmsg lookup CONTACT... [--details] [--region CC] [--wait [--wait-timeout S]]\n"
    "       loopmsg lookup status REQUEST_ID [--wait [--wait-timeout S]]\n"
    "       loopmsg lookup history [--page N] [--per-page N] [--sort asc|desc] [--from D]\n"
    "                              [--to D] [--search S] [--all] [--limit N]\n"
    "\n"
    "Does a phone number or email have iMessage (and FaceTime)? LoopLookup, with its own key:\n"
    "LOOP_LOOKUP_API_KEY (or lookup_api_key in the profile), host LOOP_LOOKUP_BASE_URL\n"
    "(default https://a.looplookup.com). Several contacts go in one bulk request.\n"
    "  --details       ask for carrier, country, formats and time zones (phones)\n"
    "  --region CC     ISO country (US, GB...) for numbers without a country code\n"
    "  --wait          poll the status until the lookup is final (exit 0 completed, 3\n"
    "                  canceled, 5 not final before the wait timeout, default 60 s)\n";

static int on_opt(int id, const char *arg, void *ud)
{
    lookup_args *a = ud;
    switch (id) {
    case L_DETAILS:
        a->details = 1;
        break;
    case L_REGION:
        a->region = arg;
        break;
    case L_WAIT:
        a->wait = 1;
        break;
    case L_WAIT_TIMEOUT:
        if (cli_parse_long(arg, 1, 86400, &a->wait_timeout_s) != 0)
            return cli_usage_error(a->cmd, "--wait-timeout: expected seconds (1..86400)");
        break;
    }
    return 0;
}

static void print_raw(const char *raw, size_t len)
{
    json_t *j = raw && len ? json_loadb(raw, len, 0, NULL) : NULL;
    if (j) {
        json_dumpf(j, stdout, JSON_COMPACT);
        json_decref(j);
    } else {
        fputs("{}", stdout);
    }
    fputc('\n', stdout);
}

/* contact: what the acceptance said, for a status answer that does not repeat it. */
static void print_result(const cli_globals *g, const loopmsg_lookup_result *r, const char *id,
                         const char *contact)
{
    if (g->json) {
        print_raw(r->raw, r->raw_len);
        return;
    }
    printf("%s\t%s",
           r->contact ? r->contact
           : contact  ? contact
                      : "-",
           r->request_id ? r->request_id : id);
    printf("\t%s", r->status ? r->status : loopmsg_lookup_state_name(r->state));
    if (r->has_result)
        printf("\timessage %s\tfacetime %s",
               loopmsg_lookup_availability_name(r->imessage.availability),
               loopmsg_lookup_availability_name(r->facetime.availability));
    const loopmsg_lookup_details *d = r->details;
    if (d) {
        if (d->carrier)
            printf("\t%s%s%s%s", d->carrier, d->number_type ? " (" : "",
                   d->number_type ? d->number_type : "", d->number_type ? ")" : "");
        if (d->country_iso2)
            printf("\t%s", d->country_iso2);
        if (d->time_zone_count)
            printf("\t%s", d->time_zones[0]);
    }
    putchar('\n');
}

/* Poll one lookup until it is final (when waiting) and print it; an exit code. */
static int show_status(cli_globals *g, lookup_args *a, loopmsg_client *c, const char *id,
                       const char *contact, long deadline)
{
    long delay = 200;
    for (;;) {
        loopmsg_lookup_result *r = NULL;
        loopmsg_error err;
        loopmsg_status st = loopmsg_lookup_status(c, id, &r, &err);
        if (st != LOOPMSG_OK)
            return cli_report_error(g, a->cmd, st, &err);
        int final =
            r->state == LOOPMSG_LOOKUP_STATE_COMPLETED || r->state == LOOPMSG_LOOKUP_STATE_CANCELED;
        if (!a->wait || final || (long)loopmsg__mono_ms() + delay > deadline) {
            print_result(g, r, id, contact);
            int rc = CLI_EXIT_OK;
            if (a->wait && r->state == LOOPMSG_LOOKUP_STATE_CANCELED)
                rc = CLI_EXIT_API;
            else if (a->wait && !final) {
                fprintf(stderr, "loopmsg lookup: %s not final after the wait timeout\n", id);
                rc = CLI_EXIT_UNKNOWN;
            }
            loopmsg_lookup_result_free(r);
            return rc;
        }
        loopmsg_lookup_result_free(r);
        loopmsg__sleep_ms((uint64_t)delay);
        delay = delay * 2 > 5000 ? 5000 : delay * 2;
    }
}

static int do_lookup(cli_globals *g, lookup_args *a, loopmsg_client *c, char **contacts, int n)
{
    loopmsg_lookup_params p = LOOPMSG_LOOKUP_PARAMS_INIT;
    p.region = a->region;
    p.contact_details = a->details != 0;
    if (n == 1) {
        p.contact = contacts[0];
    } else {
        p.contacts = (const char *const *)contacts;
        p.contact_count = (size_t)n;
    }
    loopmsg_lookup_accepted *acc = NULL;
    loopmsg_error err;
    loopmsg_status st =
        n == 1 ? loopmsg_lookup_send(c, &p, &acc, &err) : loopmsg_lookup_bulk(c, &p, &acc, &err);
    if (st != LOOPMSG_OK)
        return cli_report_error(g, a->cmd, st, &err);
    int rc = CLI_EXIT_OK;
    if (!a->wait) {
        if (g->json) {
            print_raw(acc->raw, acc->raw_len);
        } else {
            for (size_t i = 0; i < acc->request_count; i++)
                printf("%s\t%s\tqueued\n",
                       acc->requests[i].contact ? acc->requests[i].contact : "-",
                       acc->requests[i].request_id ? acc->requests[i].request_id : "-");
            if (acc->bulk_id)
                fprintf(stderr, "bulk request %s: %zu lookup(s) queued\n", acc->bulk_id,
                        acc->request_count);
        }
    } else {
        if (acc->request_count == 0)
            fprintf(stderr, "loopmsg lookup: the answer lists no request ids to wait for\n");
        long deadline =
            (long)loopmsg__mono_ms() + (a->wait_timeout_s ? a->wait_timeout_s : 60) * 1000L;
        for (size_t i = 0; i < acc->request_count; i++) {
            if (!acc->requests[i].request_id)
                continue;
            int one = show_status(g, a, c, acc->requests[i].request_id, acc->requests[i].contact,
                                  deadline);
            if (one != CLI_EXIT_OK && rc == CLI_EXIT_OK)
                rc = one;
        }
    }
    loopmsg_lookup_accepted_free(acc);
    return rc;
}

int cli_cmd_lookup(cli_globals *g, int argc, char **argv)
{
    /* The history takes the list options of every other list. The first argument that is
     * neither an option nor an option's value says which form this is. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            i += cli_option_takes_value(lookup_opts, argv[i]) ||
                 cli_option_takes_value(cli_paging_options(), argv[i]);
            continue;
        }
        if (strcmp(argv[i], "history") == 0)
            return cli_cmd_resource(g, argc, argv);
        break;
    }
    lookup_args a;
    memset(&a, 0, sizeof a);
    a.cmd = argv[0];
    int first = cli_parse(g, argc, argv, lookup_opts, on_opt, &a, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first >= argc)
        return cli_usage_error(a.cmd, "a contact (or status ID, or history) is required");
    bool status = strcmp(argv[first], "status") == 0;
    int npos = argc - first - (status ? 1 : 0);
    if (status && npos != 1)
        return cli_usage_error(a.cmd, "lookup status takes 1 argument(s), got %d", npos);
    if (!status && npos > (int)LOOPMSG_LOOKUP_MAX_CONTACTS)
        return cli_usage_error(a.cmd, "at most %u contacts", LOOPMSG_LOOKUP_MAX_CONTACTS);
    if (status && (a.details || a.region))
        return cli_usage_error(a.cmd, "--details and --region go with a lookup, not status");
    if (!cli_setting(g, CLI_KEY_LOOKUP_API_KEY))
        return cli_usage_error(a.cmd, "a LoopLookup key is required: set LOOP_LOOKUP_API_KEY or "
                                      "lookup_api_key in the profile (loopmsg config set)");
    int rc;
    loopmsg_client *c = cli_client_new(g, &rc);
    if (!c)
        return rc;
    if (status)
        rc = show_status(g, &a, c, argv[first + 1], NULL,
                         (long)loopmsg__mono_ms() +
                             (a.wait_timeout_s ? a.wait_timeout_s : 60) * 1000L);
    else
        rc = do_lookup(g, &a, c, argv + first, npos);
    loopmsg_client_free(c);
    return rc;
}

size_t cli_lookup_verbs(const char *group, const char **out, size_t max)
{
    (void)group;
    static const char *const verbs[] = {"status", "history"};
    size_t n = 0;
    for (; n < max && n < sizeof verbs / sizeof verbs[0]; n++)
        out[n] = verbs[n];
    return n;
}
