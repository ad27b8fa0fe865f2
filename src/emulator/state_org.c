/* SPDX-License-Identifier: MIT */
/*
 * state_org.c: the emulated operator side of the platform (organizations, senders, pools):
 * organizations with their own keys and webhook settings, sender plans, orders (with the
 * one-order-per-30-s rule and the sender_name_updated webhook on activation), moves and
 * cancellations, and pool create/update/delete. The calls the docs reserve for the default
 * organization's key (the account's first organization) answer 400 (code 100) to any other
 * organization's key. Everything is guarded by emu->lock; it never touches sockets and hands
 * webhooks to events.c. Senders and pools live in state.c's arrays (reached through
 * loopmsg__emu_state_array), so that the existing list and details endpoints see the changes.
 */
#include "emulator_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loopmsg__emu_platform {
    json_t *orgs;            /* {id,name,status,create_date,website,support_url,country,webhook_url,
                                webhook_header,_api_key,_default} */
    int64_t last_order_mono; /* 0 = never */
};

static const char plans_json[] =
    "{\"count\":2,\"items\":["
    "{\"id\":\"plan-basic\",\"name\":\"Basic\",\"daily_contacts\":50,"
    "\"monthly_contacts\":1000,\"monthly_fee\":100.0,\"currency\":\"USD\"},"
    "{\"id\":\"plan-pro\",\"name\":\"Pro\",\"daily_contacts\":500,"
    "\"monthly_contacts\":10000,\"monthly_fee\":400.0,\"currency\":\"USD\"}]}";

void loopmsg__emu_platform_free(loopmsg__emu_platform *p)
{
    if (!p)
        return;
    json_decref(p->orgs);
    free(p);
}

/* The platform state, created on first use with the default organization. Holds emu->lock. */
static loopmsg__emu_platform *platform(loopmsg_emulator *emu)
{
    if (emu->platform)
        return emu->platform;
    loopmsg__emu_platform *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->orgs = json_array();
    json_t *def =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "id", loopmsg__emu_state_org_id(emu->state), "name",
                  "Default organization", "status", "active", "create_date", "2025-01-01T00:00:00Z",
                  "_api_key", emu->api_key, "_default", 1);
    if (!p->orgs || !def || json_array_append_new(p->orgs, def) != 0) {
        json_decref(p->orgs);
        free(p);
        return NULL;
    }
    emu->platform = p;
    return p;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *find_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = jstr(v, "id");
        if (s && strcmp(s, id) == 0)
            return v;
    }
    return NULL;
}

static json_t *org_by_key(loopmsg__emu_platform *p, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(p->orgs, i, v)
    {
        const char *k = jstr(v, "_api_key");
        if (k && strcmp(k, key) == 0)
            return v;
    }
    return NULL;
}

bool loopmsg__emu_platform_key_known(loopmsg_emulator *emu, const char *key)
{
    if (!key)
        return false;
    pthread_mutex_lock(&emu->lock);
    bool known = emu->platform && org_by_key(emu->platform, key) != NULL;
    pthread_mutex_unlock(&emu->lock);
    return known;
}

bool loopmsg__emu_platform_webhook_locked(loopmsg_emulator *emu, const char *key, const char **url,
                                          const char **header)
{
    *url = *header = NULL;
    json_t *o = key && emu->platform ? org_by_key(emu->platform, key) : NULL;
    if (!o || json_is_true(json_object_get(o, "_default")))
        return false;
    *url = jstr(o, "webhook_url");
    *header = jstr(o, "webhook_header");
    return true;
}

/* Copy without the keys that start with '_'. */
static json_t *public_view(const json_t *o)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (k[0] != '_')
            json_object_set(out, k, v);
    }
    return out;
}

/* The organization as details/create/update show it: the documented fields, plus api_key
 * when the organization has a webhook URL (the docs return the key only then). */
static json_t *org_view(const json_t *o)
{
    json_t *out = json_object();
    const char *fields[] = {"id", "name", "status", "create_date"};
    for (size_t i = 0; i < 4; i++)
        if (json_object_get(o, fields[i]))
            json_object_set(out, fields[i], json_object_get(o, fields[i]));
    if (jstr(o, "webhook_url") && jstr(o, "_api_key"))
        json_object_set(out, "api_key", json_object_get(o, "_api_key"));
    return out;
}

static void now_iso(char out[LOOPMSG__EMU_TIME_SIZE])
{
    loopmsg__emu_iso8601(out, loopmsg__wall_ms(), false);
}

/* ---- paths ------------------------------------------------------------------------------ */

/* path == prefix + one segment + "/" + suffix. On success *id is the decoded segment. */
static bool match_id(const char *path, const char *prefix, const char *suffix, char **id)
{
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0)
        return false;
    const char *s = path + pl;
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || strcmp(slash + 1, suffix) != 0)
        return false;
    *id = loopmsg__emu_percent_decode(s, (size_t)(slash - s), false);
    return *id != NULL;
}

/* ---- handlers --------------------------------------------------------------------------- */

typedef struct ctx {
    loopmsg_emulator *emu;
    loopmsg__emu_platform *p;
    json_t *caller; /* the organization of the key */
    bool is_default;
    loopmsg__emu_response *resp;
} ctx;

static void bad(ctx *c, const char *msg)
{
    loopmsg__emu_respond_error(c->resp, 400, 100, msg);
}

static bool need_default(ctx *c)
{
    if (c->is_default)
        return true;
    bad(c, "This method requires the API key of the default organization");
    return false;
}

static bool parse_uint(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static void orgs_list(ctx *c, const char *query)
{
    if (!need_default(c))
        return;
    char *page_s = loopmsg__emu_query_get(query, "page");
    char *per_s = loopmsg__emu_query_get(query, "per_page");
    char *sort = loopmsg__emu_query_get(query, "sort_by");
    char *search = loopmsg__emu_query_get(query, "search");
    long page = 1, per = 20;
    const char *err = NULL;
    if (page_s && !parse_uint(page_s, 1, 1000000000L, &page))
        err = "page: must be a number >= 1";
    else if (per_s && !parse_uint(per_s, 1, 1000, &per))
        err = "per_page: must be between 1 and 1000";
    else if (sort && strcmp(sort, "asc") != 0 && strcmp(sort, "desc") != 0)
        err = "sort_by: must be asc or desc";
    if (err) {
        bad(c, err);
    } else {
        json_t *all = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(c->p->orgs, i, v)
        {
            if (search && !icontains(jstr(v, "name") ? jstr(v, "name") : "", search))
                continue;
            json_t *o = json_object();
            const char *fields[] = {"id", "name", "status", "create_date"};
            for (size_t k = 0; k < 4; k++)
                json_object_set(o, fields[k], json_object_get(v, fields[k]));
            json_array_append_new(all, o);
        }
        size_t n = json_array_size(all);
        bool desc = !sort || strcmp(sort, "desc") == 0;
        long pages = n ? (long)((n + (size_t)per - 1) / (size_t)per) : 1;
        json_t *items = json_array();
        for (size_t k = (size_t)(page - 1) * (size_t)per; k < n && k < (size_t)(page * per); k++)
            json_array_append(items, json_array_get(all, desc ? n - 1 - k : k));
        json_decref(all);
        loopmsg__emu_respond_json(c->resp, 200,
                                  json_pack("{s:i,s:i,s:i,s:i,s:o}", "page", (int)page, "num_pages",
                                            (int)pages, "per_page", (int)per, "count", (int)n,
                                            "items", items));
    }
    free(page_s);
    free(per_s);
    free(sort);
    free(search);
}

static bool str_field(ctx *c, const json_t *body, const char *key, bool required)
{
    json_t *v = json_object_get(body, key);
    char msg[128];
    if (!v && !required)
        return true;
    if (!json_is_string(v) || !*json_string_value(v)) {
        snprintf(msg, sizeof msg, "%s: %s", key, v ? "must be a non-empty string" : "is required");
        bad(c, msg);
        return false;
    }
    return true;
}

static bool org_fields(ctx *c, const json_t *body, bool create)
{
    const char *keys[] = {"name", "website", "support_url", "country"};
    for (size_t i = 0; i < 4; i++)
        if (!str_field(c, body, keys[i], create))
            return false;
    if (!str_field(c, body, "webhook_url", false) || !str_field(c, body, "webhook_header", false))
        return false;
    const char *cc = jstr(body, "country");
    if (cc &&
        (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1]))) {
        bad(c, "country: must be an ISO 3166-1 alpha-2 code");
        return false;
    }
    return true;
}

static void org_copy_fields(json_t *org, const json_t *body)
{
    const char *keys[] = {"name",    "website",     "support_url",
                          "country", "webhook_url", "webhook_header"};
    for (size_t i = 0; i < 6; i++)
        if (json_object_get(body, keys[i]))
            json_object_set(org, keys[i], json_object_get(body, keys[i]));
}

static void org_new(ctx *c, const json_t *body)
{
    if (!need_default(c) || !org_fields(c, body, true))
        return;
    char id[LOOPMSG__EMU_ID_SIZE], key[LOOPMSG__EMU_ID_SIZE], when[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_uuid(id, false);
    loopmsg__emu_uuid(key, false);
    now_iso(when);
    char api_key[64];
    snprintf(api_key, sizeof api_key, "org-key-%s", key);
    json_t *org = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "status", "active", "create_date", when,
                            "_api_key", api_key);
    org_copy_fields(org, body);
    json_array_append(c->p->orgs, org);
    /* Creation answers {id, name, api_key, create_date}: no status. */
    json_t *out = org_view(org);
    json_object_del(out, "status");
    json_decref(org);
    loopmsg__emu_respond_json(c->resp, 200, out);
}

static bool sender_active_in(loopmsg_emulator *emu, const char *org_id, bool is_default)
{
    size_t i;
    json_t *v;
    json_array_foreach(loopmsg__emu_state_array(emu->state, "senders"), i, v)
    {
        const char *o = jstr(v, "_org");
        bool mine = o ? strcmp(o, org_id) == 0 : is_default;
        const char *s = jstr(v, "status");
        if (mine && s && (strcmp(s, "active") == 0 || strcmp(s, "pending") == 0))
            return true;
    }
    return false;
}

static void org_details(ctx *c, const char *method, const char *id, const json_t *body)
{
    json_t *org = find_id(c->p->orgs, id);
    bool own = c->caller && org == c->caller;
    if (strcmp(method, "GET") == 0) {
        /* A key other than the default organization's reads only its own organization. */
        if (!org || (!c->is_default && !own)) {
            loopmsg__emu_respond_error(c->resp, 404, 100, "Organization not found");
            return;
        }
        loopmsg__emu_respond_json(c->resp, 200, org_view(org));
        return;
    }
    if (!need_default(c))
        return;
    if (!org) {
        loopmsg__emu_respond_error(c->resp, 404, 100, "Organization not found");
        return;
    }
    if (strcmp(method, "PATCH") == 0) {
        if (!org_fields(c, body, false))
            return;
        org_copy_fields(org, body);
        loopmsg__emu_respond_json(c->resp, 200, org_view(org));
        return;
    }
    if (json_is_true(json_object_get(org, "_default"))) {
        bad(c, "The default organization cannot be deleted");
        return;
    }
    if (sender_active_in(c->emu, id, false)) {
        bad(c, "The organization still has active sender names: move or cancel them first");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(c->p->orgs, i, v)
    {
        if (v == org) {
            json_array_remove(c->p->orgs, i);
            break;
        }
    }
    loopmsg__emu_respond_json(c->resp, 200, json_pack("{s:b}", "success", 1));
}

/* ---- senders ---------------------------------------------------------------------------- */

/* The organization a sender belongs to: its _org, else the default organization. */
static json_t *sender_org(ctx *c, const json_t *sender)
{
    const char *o = jstr(sender, "_org");
    json_t *org = o ? find_id(c->p->orgs, o) : NULL;
    return org ? org : json_array_get(c->p->orgs, 0);
}

/* sender_name_updated to the sender's organization's webhook (which one is not documented). */
static void sender_event(ctx *c, const json_t *sender, const char *status, int64_t due)
{
    json_t *org = sender_org(c, sender);
    json_t *ev = json_pack("{s:s,s:s,s:s,s:s}", "event", "sender_name_updated", "organization_id",
                           jstr(org, "id"), "sender", jstr(sender, "id"), "status", status);
    if (!ev)
        return;
    if (jstr(sender, "_phone_number"))
        json_object_set(ev, "phone_number", json_object_get(sender, "_phone_number"));
    bool def = json_is_true(json_object_get(org, "_default"));
    loopmsg__emu_events_post_to(c->emu->events, ev, due, def ? NULL : jstr(org, "webhook_url"),
                                def ? NULL : jstr(org, "webhook_header"), NULL);
}

/* Orders become active at their due time; applied lazily at the next request. */
static void activate_due(loopmsg_emulator *emu)
{
    int64_t now = (int64_t)loopmsg__mono_ms();
    size_t i;
    json_t *v;
    json_array_foreach(loopmsg__emu_state_array(emu->state, "senders"), i, v)
    {
        json_t *due = json_object_get(v, "_activate_mono");
        if (json_is_integer(due) && json_integer_value(due) <= now) {
            json_object_set_new(v, "status", json_string("active"));
            if (jstr(v, "_phone_number"))
                json_object_set(v, "name", json_object_get(v, "_phone_number"));
            json_object_del(v, "_activate_mono");
        }
    }
}

static bool known_plan(const char *id)
{
    return id && (strcmp(id, "plan-basic") == 0 || strcmp(id, "plan-pro") == 0);
}

/* Check one order item; NULL when valid, else the message. */
static const char *order_item_error(const json_t *it)
{
    if (!json_is_object(it))
        return "senders: each item must be an object";
    if (!jstr(it, "plan_id"))
        return "plan_id: is required";
    if (!known_plan(jstr(it, "plan_id")))
        return "plan_id: unknown plan (see GET /api/v1/sender/plans/)";
    bool email = json_object_get(it, "name") || json_object_get(it, "domain");
    if (email) {
        if (!jstr(it, "name") || !jstr(it, "domain"))
            return "name and domain: both are required for an email sender";
        return NULL;
    }
    const char *region = jstr(it, "phone_region");
    if (region && strcmp(region, "US") != 0 && strcmp(region, "GB") != 0)
        return "phone_region: must be US or GB";
    const char *zip = jstr(it, "zip_code");
    if (zip) {
        if (strlen(zip) != 5 || strspn(zip, "0123456789") != 5)
            return "zip_code: must be 5 digits";
        if (region && strcmp(region, "US") != 0)
            return "zip_code: US numbers only";
    }
    if (json_object_get(it, "forwarding_to_phone_number") &&
        !json_is_true(json_object_get(it, "sms_and_call")))
        return "forwarding_to_phone_number: requires sms_and_call";
    json_t *contact = json_object_get(it, "contact");
    if (contact && (!json_is_object(contact) || !jstr(contact, "first_name")))
        return "contact.first_name: is required";
    json_t *port = json_object_get(it, "port");
    if (port) {
        const char *keys[] = {"phone_number", "account_number", "pin", "carrier"};
        for (size_t k = 0; k < 4; k++)
            if (!json_is_object(port) || !jstr(port, keys[k]))
                return "port: phone_number, account_number, pin and carrier are required";
    }
    return NULL;
}

static void sender_new(ctx *c, const json_t *body)
{
    json_t *list = json_object_get(body, "senders");
    json_t *one = NULL;
    if (!list) {
        one = json_array();
        json_array_append(one, (json_t *)body);
        list = one;
    } else if (!json_is_array(list) || json_array_size(list) == 0) {
        bad(c, "senders: must be a non-empty array");
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        const char *e = order_item_error(it);
        if (e) {
            char msg[160];
            snprintf(msg, sizeof msg, "senders[%zu]: %s", i, e);
            bad(c, one ? e : msg);
            json_decref(one);
            return;
        }
    }
    /* Loop takes one order per 30 seconds per account; scaled like every emulated delay. */
    int64_t now = (int64_t)loopmsg__mono_ms();
    int64_t gap = loopmsg__emu_scaled_ms(c->emu, 30000);
    if (c->p->last_order_mono && now - c->p->last_order_mono < gap) {
        long left = (long)((gap - (now - c->p->last_order_mono) + 999) / 1000);
        loopmsg__emu_respond_error(c->resp, 429, 100,
                                   "Only one sender order every 30 seconds is allowed");
        loopmsg__buf b = LOOPMSG__BUF_LIBC;
        loopmsg__buf_printf(&b, "Retry-After: %ld", left < 1 ? 1 : left);
        c->resp->headers = b.ptr;
        json_decref(one);
        return;
    }
    c->p->last_order_mono = now;
    bool test = json_is_true(json_object_get(body, "test"));
    /* Test purchases activate "within a few minutes", real ones "within a few hours"; the
     * emulator uses the message delivery delay for both (times time_scale). */
    int64_t due = now + loopmsg__emu_scaled_ms(c->emu, (double)c->emu->delivery_delay_ms * 2.0);
    json_t *senders = loopmsg__emu_state_array(c->emu->state, "senders");
    json_t *items = json_array();
    json_array_foreach(list, i, it)
    {
        char id[LOOPMSG__EMU_ID_SIZE], when[LOOPMSG__EMU_TIME_SIZE], name[256], phone[32];
        loopmsg__emu_uuid(id, false);
        now_iso(when);
        bool email = jstr(it, "name") != NULL;
        snprintf(phone, sizeof phone, "+1555%07u", (unsigned)(loopmsg__emu_random01() * 1e7));
        if (email)
            snprintf(name, sizeof name, "%s@%s", jstr(it, "name"), jstr(it, "domain"));
        else
            snprintf(name, sizeof name, "%s", phone);
        json_t *s =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:b}", "id", id, "name", name, "status",
                      "pending", "create_date", when, "imessage_link", "", "_org",
                      jstr(c->caller, "id"), "_activate_mono", (json_int_t)due, "_test", test);
        char link[300];
        snprintf(link, sizeof link, "imessage://%s", name);
        json_object_set_new(s, "imessage_link", json_string(link));
        if (!email)
            json_object_set_new(s, "_phone_number", json_string(phone));
        json_array_append_new(senders, s);
        sender_event(c, s, "active", due);
        /* The answer echoes the order: each sender's id and fields. */
        json_t *echo = json_pack("{s:s}", "id", id);
        if (email) {
            json_object_set_new(echo, "name", json_string(name));
        } else {
            const char *keys[] = {"phone_region", "zip_code", "sms_and_call",
                                  "forwarding_to_phone_number", "rcs"};
            for (size_t k = 0; k < 5; k++)
                if (json_object_get(it, keys[k]))
                    json_object_set(echo, keys[k], json_object_get(it, keys[k]));
            if (!json_object_get(echo, "phone_region"))
                json_object_set_new(echo, "phone_region", json_string("US"));
        }
        json_array_append_new(items, echo);
    }
    json_decref(one);
    loopmsg__emu_respond_json(
        c->resp, 200,
        json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(items), "items", items));
}

/* A sender the caller may manage: any with the default key, its own otherwise. */
static json_t *my_sender(ctx *c, const char *id)
{
    json_t *s = find_id(loopmsg__emu_state_array(c->emu->state, "senders"), id);
    if (!s || c->is_default)
        return s;
    const char *o = jstr(s, "_org");
    return o && strcmp(o, jstr(c->caller, "id")) == 0 ? s : NULL;
}

static void sender_patch(ctx *c, const char *id, const json_t *body)
{
    if (!need_default(c))
        return;
    json_t *s = my_sender(c, id);
    if (!s) {
        loopmsg__emu_respond_error(c->resp, 404, 100, "Sender name not found");
        return;
    }
    const char *org_id = jstr(body, "organization_id");
    if (!org_id) {
        bad(c, "organization_id: is required");
        return;
    }
    if (!find_id(c->p->orgs, org_id)) {
        bad(c, "organization_id: unknown organization");
        return;
    }
    json_object_set_new(s, "_org", json_string(org_id));
    loopmsg__emu_respond_json(c->resp, 200, public_view(s));
}

static void sender_cancel(ctx *c, const char *id)
{
    json_t *s = my_sender(c, id);
    if (!s) {
        loopmsg__emu_respond_error(c->resp, 404, 100, "Sender name not found");
        return;
    }
    const char *st = jstr(s, "status");
    if (st && strcmp(st, "canceled") == 0) {
        bad(c, "The sender name is already canceled");
        return;
    }
    json_object_set_new(s, "status", json_string("canceled"));
    json_object_del(s, "_activate_mono");
    sender_event(c, s, "canceled", (int64_t)loopmsg__mono_ms());
    loopmsg__emu_respond_json(c->resp, 200, json_pack("{s:b}", "success", 1));
}

/* ---- pools ------------------------------------------------------------------------------ */

static bool pool_fields(ctx *c, const json_t *body)
{
    json_t *name = json_object_get(body, "name");
    if (name && !json_is_string(name)) {
        bad(c, "name: must be a string");
        return false;
    }
    json_t *ids = json_object_get(body, "ids");
    if (!ids)
        return true;
    if (!json_is_array(ids)) {
        bad(c, "ids: must be an array of sender name ids");
        return false;
    }
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_string(v) ||
            !find_id(loopmsg__emu_state_array(c->emu->state, "senders"), json_string_value(v))) {
            char msg[96];
            snprintf(msg, sizeof msg, "ids[%zu]: unknown sender name", i);
            bad(c, msg);
            return false;
        }
    }
    return true;
}

static void pool_apply(json_t *pool, const json_t *body)
{
    if (json_object_get(body, "name"))
        json_object_set(pool, "name", json_object_get(body, "name"));
    json_t *ids = json_object_get(body, "ids");
    if (ids) {
        /* The natural reading of the docs: the `ids` array replaces the membership. */
        json_object_set(pool, "_ids", ids);
        json_object_set_new(pool, "count", json_integer((json_int_t)json_array_size(ids)));
    }
}

static void pool_new(ctx *c, const json_t *body)
{
    if (!pool_fields(c, body))
        return;
    char id[LOOPMSG__EMU_ID_SIZE], when[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_uuid(id, false);
    now_iso(when);
    json_t *pool = json_pack("{s:s,s:s,s:i,s:s,s:s}", "id", id, "name", "", "count", 0,
                             "create_date", when, "status", "active");
    pool_apply(pool, body);
    json_array_append(loopmsg__emu_state_array(c->emu->state, "pools"), pool);
    json_t *out = json_object();
    const char *keys[] = {"id", "name", "count", "create_date"};
    for (size_t k = 0; k < 4; k++)
        json_object_set(out, keys[k], json_object_get(pool, keys[k]));
    json_decref(pool);
    loopmsg__emu_respond_json(c->resp, 200, out);
}

static void pool_write(ctx *c, const char *method, const char *id, const json_t *body)
{
    json_t *pools = loopmsg__emu_state_array(c->emu->state, "pools");
    size_t i;
    json_t *v;
    json_array_foreach(pools, i, v)
    {
        const char *pid = jstr(v, "id");
        if (!pid || strcmp(pid, id) != 0)
            continue;
        if (strcmp(method, "DELETE") == 0) {
            json_array_remove(pools, i);
        } else {
            if (!pool_fields(c, body))
                return;
            pool_apply(v, body);
        }
        loopmsg__emu_respond_json(c->resp, 200, json_pack("{s:b}", "success", 1));
        return;
    }
    loopmsg__emu_respond_error(c->resp, 404, 100, "Pool not found");
}

/* ---- routing ---------------------------------------------------------------------------- */

typedef enum which {
    W_NONE,
    W_ORGS_LIST,
    W_ORG_NEW,
    W_ORG,
    W_PLANS,
    W_SENDER_NEW,
    W_SENDER_PATCH,
    W_SENDER_CANCEL,
    W_POOL_NEW,
    W_POOL,
    W_OPTIN_FRONT
} which;

static which classify(const loopmsg__emu_request *req, char **id, const char **allow)
{
    const char *m = req->method, *path = req->path;
    *allow = NULL;
    if (strcmp(path, "/api/v1/organizations/list/") == 0)
        return strcmp(m, "GET") == 0 ? W_ORGS_LIST : (*allow = "GET", W_NONE);
    if (strcmp(path, "/api/v1/organizations/new/") == 0)
        return strcmp(m, "POST") == 0 ? W_ORG_NEW : (*allow = "POST", W_NONE);
    if (match_id(path, "/api/v1/organizations/details/", "", id)) {
        if (strcmp(m, "GET") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0)
            return W_ORG;
        *allow = "GET, PATCH, DELETE";
        return W_NONE;
    }
    if (strcmp(path, "/api/v1/sender/plans/") == 0)
        return strcmp(m, "GET") == 0 ? W_PLANS : (*allow = "GET", W_NONE);
    if (strcmp(path, "/api/v1/sender/new/") == 0)
        return strcmp(m, "POST") == 0 ? W_SENDER_NEW : (*allow = "POST", W_NONE);
    if (match_id(path, "/api/v1/sender/", "cancel/", id)) {
        if (strcmp(m, "DELETE") == 0)
            return W_SENDER_CANCEL;
        *allow = "DELETE";
        return W_NONE;
    }
    if (strcmp(m, "PATCH") == 0 && match_id(path, "/api/v1/sender/", "", id))
        return W_SENDER_PATCH;
    if (match_id(path, "/tracker-api/v1/generate-url/", "", id))
        return strcmp(m, "GET") == 0 ? W_OPTIN_FRONT : (*allow = "GET", W_NONE);
    if (strcmp(path, "/api/v1/pool/new/") == 0)
        return strcmp(m, "POST") == 0 ? W_POOL_NEW : (*allow = "POST", W_NONE);
    if ((strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0) &&
        match_id(path, "/api/v1/pool/", "", id))
        return W_POOL;
    return W_NONE;
}

/* The frontend opt-in method: unauthenticated, the organization in the
 * path, every parameter in the query; answered like the backend method. */
static void optin_frontend(loopmsg_emulator *emu, const char *org_id, const char *query,
                           loopmsg__emu_response *resp)
{
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_platform *p = platform(emu);
    bool known = p && find_id(p->orgs, org_id);
    pthread_mutex_unlock(&emu->lock);
    if (!known) {
        loopmsg__emu_respond_error(resp, 404, 100, "Organization not found");
        return;
    }
    json_t *body = json_object();
    const char *q = query ? query : "";
    while (body && *q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (eq) {
            char *k = loopmsg__emu_percent_decode(q, (size_t)(eq - q), true);
            char *v = loopmsg__emu_percent_decode(eq + 1, n - (size_t)(eq - q) - 1, true);
            if (k && v && *k)
                json_object_set_new(body, k, json_string(v));
            free(k);
            free(v);
        }
        q += n + (q[n] == '&');
    }
    if (!body) {
        loopmsg__emu_respond_error(resp, 500, 1000, "out of memory");
        return;
    }
    loopmsg__emu_state_optin_url(emu, body, resp);
    json_decref(body);
}

bool loopmsg__emu_platform_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                                 loopmsg__emu_response *resp)
{
    pthread_mutex_lock(&emu->lock);
    activate_due(emu);
    pthread_mutex_unlock(&emu->lock);

    char *id = NULL;
    const char *allow = NULL;
    which w = classify(req, &id, &allow);
    if (w == W_NONE) {
        free(id);
        if (!allow)
            return false;
        loopmsg__emu_respond_error(resp, 405, 100, "Method not allowed");
        loopmsg__buf b = LOOPMSG__BUF_LIBC;
        loopmsg__buf_printf(&b, "Allow: %s", allow);
        resp->headers = b.ptr;
        return true;
    }
    if (w == W_OPTIN_FRONT) {
        optin_frontend(emu, id, req->query, resp);
        free(id);
        return true;
    }
    if (!req->authorization || !*req->authorization) {
        free(id);
        loopmsg__emu_respond_error(resp, 401, 110, "Credentials are missing");
        return true;
    }
    json_t *body = NULL;
    if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0) {
        json_error_t jerr;
        body = json_loadb(req->body, req->body_len, 0, &jerr);
        if (!json_is_object(body)) {
            json_decref(body);
            free(id);
            loopmsg__emu_respond_error(resp, 400, 100, "Request body must be a JSON object");
            return true;
        }
    }
    pthread_mutex_lock(&emu->lock);
    ctx c = {emu, platform(emu), NULL, false, resp};
    if (!c.p) {
        loopmsg__emu_respond_error(resp, 500, 100, "Out of memory");
    } else if (!(c.caller = org_by_key(c.p, req->authorization))) {
        loopmsg__emu_respond_error(resp, 401, 130, "Authorization key is invalid");
    } else {
        c.is_default = json_is_true(json_object_get(c.caller, "_default"));
        switch (w) {
        case W_ORGS_LIST:
            orgs_list(&c, req->query);
            break;
        case W_ORG_NEW:
            org_new(&c, body);
            break;
        case W_ORG:
            org_details(&c, req->method, id, body);
            break;
        case W_PLANS:
            loopmsg__emu_respond_json(resp, 200, json_loads(plans_json, 0, NULL));
            break;
        case W_SENDER_NEW:
            sender_new(&c, body);
            break;
        case W_SENDER_PATCH:
            sender_patch(&c, id, body);
            break;
        case W_SENDER_CANCEL:
            sender_cancel(&c, id);
            break;
        case W_POOL_NEW:
            pool_new(&c, body);
            break;
        case W_POOL:
            pool_write(&c, req->method, id, body);
            break;
        case W_NONE:
        case W_OPTIN_FRONT:
            break;
        }
    }
    pthread_mutex_unlock(&emu->lock);
    json_decref(body);
    free(id);
    return true;
}
