/* SPDX-License-Identifier: MIT */
/*
 * state_lookup.c: the emulated LoopLookup on the emulator's own port:
 * single and bulk lookups (POST /api/v1/lookup/), their status, and the lookup history, with
 * their own key (the emulator's lookup_api_key). A lookup stays "queued" for the delivery
 * delay, then is "completed" and its callback (a body without `event`) goes to the webhook
 * URL. Availability follows a fixed rule (docs/sandbox.md): a phone number ending in 2, 4, 6
 * or 8 has iMessage and FaceTime, one ending in 1, 3, 5, 7 or 9 has neither, one ending in 0
 * is "unknown"; an email has them when its domain is icloud.com, me.com or mac.com. State is
 * guarded by emu->lock; it never touches sockets and hands callbacks to events.c.
 */
#include "emulator_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loopmsg__emu_lookups {
    json_t
        *items; /* {id,status,contact,create_date,update_date,_bulk,_due,_result}, oldest first */
};

void loopmsg__emu_lookups_free(loopmsg__emu_lookups *l)
{
    if (!l)
        return;
    json_decref(l->items);
    free(l);
}

static loopmsg__emu_lookups *lookups(loopmsg_emulator *emu)
{
    if (emu->lookups)
        return emu->lookups;
    loopmsg__emu_lookups *l = calloc(1, sizeof *l);
    if (!l || !(l->items = json_array())) {
        free(l);
        return NULL;
    }
    emu->lookups = l;
    return l;
}

/* The availability rule of docs/sandbox.md. */
static const char *availability(const char *contact)
{
    const char *at = strchr(contact, '@');
    if (at) {
        const char *d = at + 1;
        return strcmp(d, "icloud.com") == 0 || strcmp(d, "me.com") == 0 || strcmp(d, "mac.com") == 0
                   ? "available"
                   : "unavailable";
    }
    char last = contact[strlen(contact) - 1];
    if (last == '0')
        return "unknown";
    return (last - '0') % 2 == 0 ? "available" : "unavailable";
}

static json_t *result_v1(const char *contact, const char *date, bool details)
{
    const char *av = availability(contact);
    bool yes = strcmp(av, "available") == 0;
    char l1[160], l2[160], l3[160], l4[160], l5[160];
    snprintf(l1, sizeof l1, "imessage://%s", contact);
    snprintf(l2, sizeof l2, "sms://%s", contact);
    snprintf(l3, sizeof l3, "facetime://%s", contact);
    snprintf(l4, sizeof l4, "facetime-audio://%s", contact);
    snprintf(l5, sizeof l5, "tel://%s", contact);
    json_t *r =
        json_pack("{s:{s:{s:s,s:o,s:{s:s,s:s,s:s}},s:{s:s,s:o,s:{s:s,s:s}}}}", "apple_services",
                  "facetime", "status", av, "date", yes ? json_string(date) : json_null(), "links",
                  "facetime_audio", l4, "facetime", l3, "tel", l5, "imessage", "status", av, "date",
                  yes ? json_string(date) : json_null(), "links", "imessage", l1, "sms", l2);
    /* Details are for phone numbers only; the emulator knows +1 numbers only. */
    if (r && details && contact[0] == '+') {
        bool us = contact[1] == '1';
        char national[64];
        snprintf(national, sizeof national, "%s", us ? contact + 2 : contact + 1);
        json_object_set_new(
            r, "carrier",
            json_pack("{s:s,s:s}", "carrier", "Sandbox Mobile", "number_type", "mobile"));
        json_object_set_new(r, "country",
                            us ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "flag",
                                           "\xf0\x9f\x87\xba\xf0\x9f\x87\xb8", "iso2", "US", "iso3",
                                           "USA", "name", "United States of America", "description",
                                           "CA", "numeric", 840)
                               : json_pack("{s:s}", "name", "Unknown"));
        json_object_set_new(r, "currencies", json_pack("[s]", us ? "USD" : "XXX"));
        json_object_set_new(r, "format",
                            json_pack("{s:s,s:s}", "e164", contact, "national", national));
        json_object_set_new(r, "time_zones", json_pack("[s]", us ? "America/Los_Angeles" : "UTC"));
    }
    return r;
}

static int64_t delay_ms(loopmsg_emulator *emu)
{
    return loopmsg__emu_scaled_ms(emu, emu->delivery_delay_ms);
}

/* Record one lookup and queue its callback. Holds emu->lock. */
static json_t *add_lookup(loopmsg_emulator *emu, loopmsg__emu_lookups *l, const char *contact,
                          const char *bulk, bool details)
{
    char id[LOOPMSG__EMU_ID_SIZE], now[LOOPMSG__EMU_TIME_SIZE], day[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_uuid(id, true);
    int64_t wall = loopmsg__wall_ms();
    loopmsg__emu_iso8601(now, wall, false);
    memcpy(day, now, 10);
    day[10] = '\0';
    int64_t due = (int64_t)loopmsg__mono_ms() + delay_ms(emu);
    json_t *result = result_v1(contact, day, details);
    json_t *item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:O}", "id", id, "status", "queued",
                             "contact", contact, "create_date", now, "update_date", now, "_due",
                             (json_int_t)due, "_result", result);
    if (item && bulk)
        json_object_set_new(item, "_bulk", json_string(bulk));
    if (!item || json_array_append(l->items, item) != 0) {
        json_decref(item);
        json_decref(result);
        return NULL;
    }
    /* The callback: contact, request_id, webhook_id (events.c adds it), result_v1. */
    json_t *cb =
        json_pack("{s:s,s:s,s:o}", "contact", contact, "request_id", id, "result_v1", result);
    loopmsg__emu_events_post(emu->events, cb, due, NULL);
    json_decref(item); /* the array holds it */
    return item;
}

/* Status and update_date as of now. Holds emu->lock. */
static void refresh(loopmsg__emu_lookups *l)
{
    int64_t now = (int64_t)loopmsg__mono_ms();
    size_t i;
    json_t *v;
    json_array_foreach(l->items, i, v)
    {
        const char *st = json_string_value(json_object_get(v, "status"));
        if (strcmp(st, "queued") != 0 || json_integer_value(json_object_get(v, "_due")) > now)
            continue;
        char t[LOOPMSG__EMU_TIME_SIZE];
        loopmsg__emu_iso8601(t, loopmsg__wall_ms(), false);
        json_object_set_new(v, "status", json_string("completed"));
        json_object_set_new(v, "update_date", json_string(t));
    }
}

static json_t *public_item(const json_t *v)
{
    return json_pack("{s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(v, "id"), "status",
                     json_object_get(v, "status"), "contact", json_object_get(v, "contact"),
                     "update_date", json_object_get(v, "update_date"), "create_date",
                     json_object_get(v, "create_date"));
}

static bool region_ok(const char *r)
{
    return strlen(r) == 2 && r[0] >= 'A' && r[0] <= 'Z' && r[1] >= 'A' && r[1] <= 'Z';
}

static void lookup_new(loopmsg_emulator *emu, const json_t *body, loopmsg__emu_response *resp)
{
    json_t *contact = json_object_get(body, "contact");
    json_t *contacts = json_object_get(body, "contacts");
    json_t *region = json_object_get(body, "region");
    json_t *det = json_object_get(body, "contact_details");
    if (region && (!json_is_string(region) || !region_ok(json_string_value(region)))) {
        loopmsg__emu_respond_error(resp, 400, 120, "region must be an ISO 3166 alpha-2 code");
        return;
    }
    if (det && !json_is_boolean(det)) {
        loopmsg__emu_respond_error(resp, 400, 120, "contact_details must be a boolean");
        return;
    }
    bool details = json_is_true(det);
    if ((contact && contacts) || (!contact && !contacts)) {
        loopmsg__emu_respond_error(resp, 400, 150, "Give either contact or contacts");
        return;
    }
    if (contact) {
        loopmsg__emu_contact_kind kind;
        int code = 160;
        char *norm = json_is_string(contact)
                         ? loopmsg__emu_normalize_contact(json_string_value(contact), &kind, &code)
                         : NULL;
        if (!norm) {
            loopmsg__emu_respond_error(resp, 400, code ? code : 160, "Invalid contact");
            return;
        }
        pthread_mutex_lock(&emu->lock);
        loopmsg__emu_lookups *l = lookups(emu);
        json_t *item = l ? add_lookup(emu, l, norm, NULL, details) : NULL;
        json_t *out = item ? json_pack("{s:O,s:b,s:s}", "request_id", json_object_get(item, "id"),
                                       "success", 1, "contact", norm)
                           : NULL;
        pthread_mutex_unlock(&emu->lock);
        free(norm);
        if (!out)
            loopmsg__emu_respond_error(resp, 500, 100, "Out of memory");
        else
            loopmsg__emu_respond_json(resp, 200, out);
        return;
    }
    if (!json_is_array(contacts) || json_array_size(contacts) == 0) {
        loopmsg__emu_respond_error(resp, 400, 150, "contacts must be a non-empty array");
        return;
    }
    char bulk[LOOPMSG__EMU_ID_SIZE];
    loopmsg__emu_uuid(bulk, true);
    json_t *reqs = json_array();
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_lookups *l = lookups(emu);
    size_t i;
    json_t *v;
    json_array_foreach(contacts, i, v)
    {
        loopmsg__emu_contact_kind kind;
        int code;
        /* Invalid entries of a bulk lookup are skipped, not refused. */
        char *norm = json_is_string(v)
                         ? loopmsg__emu_normalize_contact(json_string_value(v), &kind, &code)
                         : NULL;
        json_t *item = norm && l ? add_lookup(emu, l, norm, bulk, details) : NULL;
        if (item)
            json_array_append_new(reqs, json_pack("{s:s,s:O}", "contact", norm, "request_id",
                                                  json_object_get(item, "id")));
        free(norm);
    }
    pthread_mutex_unlock(&emu->lock);
    loopmsg__emu_respond_json(
        resp, 200, json_pack("{s:b,s:s,s:o}", "success", 1, "bulk_id", bulk, "requests", reqs));
}

static void lookup_status(loopmsg_emulator *emu, const char *id, loopmsg__emu_response *resp)
{
    json_t *out = NULL;
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_lookups *l = lookups(emu);
    if (l) {
        refresh(l);
        size_t i;
        json_t *v;
        json_array_foreach(l->items, i, v)
        {
            if (strcmp(json_string_value(json_object_get(v, "id")), id) != 0)
                continue;
            const char *st = json_string_value(json_object_get(v, "status"));
            out = json_pack("{s:O,s:s}", "request_id", json_object_get(v, "id"), "status", st);
            if (out && strcmp(st, "completed") == 0)
                json_object_set(out, "result_v1", json_object_get(v, "_result"));
            break;
        }
    }
    pthread_mutex_unlock(&emu->lock);
    if (!out)
        loopmsg__emu_respond_error(resp, 404, 100, "Lookup request not found");
    else
        loopmsg__emu_respond_json(resp, 200, out);
}

static bool parse_uint(const char *s, long max, long *out)
{
    if (!s)
        return true;
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > max)
        return false;
    *out = v;
    return true;
}

static void lookup_history(loopmsg_emulator *emu, const char *query, loopmsg__emu_response *resp)
{
    char *page_s = loopmsg__emu_query_get(query, "page");
    char *per_s = loopmsg__emu_query_get(query, "per_page");
    char *sort = loopmsg__emu_query_get(query, "sort");
    char *search = loopmsg__emu_query_get(query, "search");
    char *from = loopmsg__emu_query_get(query, "from_date");
    char *to = loopmsg__emu_query_get(query, "to_date");
    long page = 1, per = 20;
    int64_t from_ms = 0, to_ms = 0;
    const char *bad = NULL;
    if (!parse_uint(page_s, 1000000, &page))
        bad = "page out of range";
    else if (!parse_uint(per_s, 5000, &per))
        bad = "per_page out of range";
    else if (sort && strcmp(sort, "asc") != 0 && strcmp(sort, "desc") != 0)
        bad = "sort must be asc or desc";
    else if ((from && !loopmsg__emu_parse_date(from, &from_ms)) ||
             (to && !loopmsg__emu_parse_date(to, &to_ms)))
        bad = "dates must be YYYY-MM-DD";
    json_t *items = bad ? NULL : json_array();
    if (items) {
        pthread_mutex_lock(&emu->lock);
        loopmsg__emu_lookups *l = lookups(emu);
        if (l) {
            refresh(l);
            size_t n = json_array_size(l->items);
            bool asc = sort && strcmp(sort, "asc") == 0;
            for (size_t k = 0; k < n; k++) {
                json_t *v = json_array_get(l->items, asc ? k : n - 1 - k);
                const char *bulk = json_string_value(json_object_get(v, "_bulk"));
                if (search && !strstr(json_string_value(json_object_get(v, "contact")), search) &&
                    strcmp(json_string_value(json_object_get(v, "id")), search) != 0 &&
                    !(bulk && strcmp(bulk, search) == 0))
                    continue;
                /* create_date carries a time; the filters are whole days. */
                char day[11] = "";
                const char *cd = json_string_value(json_object_get(v, "create_date"));
                if (cd && strlen(cd) >= 10) {
                    memcpy(day, cd, 10);
                    day[10] = '\0';
                }
                int64_t created = 0;
                loopmsg__emu_parse_date(day, &created);
                if ((from && created < from_ms) || (to && created > to_ms))
                    continue;
                json_array_append_new(items, public_item(v));
            }
        }
        pthread_mutex_unlock(&emu->lock);
    }
    free(page_s);
    free(per_s);
    free(sort);
    free(search);
    free(from);
    free(to);
    if (bad) {
        loopmsg__emu_respond_error(resp, 400, 100, bad);
        return;
    }
    if (!items) {
        loopmsg__emu_respond_error(resp, 500, 100, "Out of memory");
        return;
    }
    size_t count = json_array_size(items);
    json_t *slice = json_array();
    for (size_t k = (size_t)(page - 1) * (size_t)per; k < count && k < (size_t)page * (size_t)per;
         k++)
        json_array_append(slice, json_array_get(items, k));
    long pages = count ? (long)((count + (size_t)per - 1) / (size_t)per) : 1;
    json_decref(items);
    loopmsg__emu_respond_json(resp, 200,
                              json_pack("{s:i,s:i,s:i,s:i,s:o}", "page", (int)page, "num_pages",
                                        (int)pages, "per_page", (int)per, "count", (int)count,
                                        "items", slice));
}

bool loopmsg__emu_lookup_route(loopmsg_emulator *emu, const loopmsg__emu_request *req,
                               loopmsg__emu_response *resp)
{
    static const char single[] = "/api/v1/lookup/";
    static const char status[] = "/api/v1/lookup/status/";
    static const char history[] = "/customer/api/v1/lookup-history/";
    const char *path = req->path;
    enum { NONE, NEW, STATUS, HISTORY } w = NONE;
    const char *allow = NULL;
    char *id = NULL;
    if (strcmp(path, single) == 0) {
        w = NEW;
        allow = "POST";
    } else if (strcmp(path, history) == 0) {
        w = HISTORY;
        allow = "GET";
    } else if (strncmp(path, status, sizeof status - 1) == 0) {
        const char *s = path + sizeof status - 1;
        const char *slash = strchr(s, '/');
        if (!slash || slash == s || slash[1] != '\0')
            return false;
        w = STATUS;
        allow = "GET";
        id = loopmsg__emu_percent_decode(s, (size_t)(slash - s), false);
    } else {
        return false;
    }
    if (strcmp(req->method, allow) != 0) {
        free(id);
        loopmsg__emu_respond_error(resp, 405, 100, "Method not allowed");
        loopmsg__buf b = LOOPMSG__BUF_LIBC;
        loopmsg__buf_printf(&b, "Allow: %s", allow);
        resp->headers = b.ptr;
        return true;
    }
    /* LoopLookup's own key; its codes follow the legacy numbering (125: invalid key). */
    if (!req->authorization || !*req->authorization) {
        free(id);
        loopmsg__emu_respond_error(resp, 401, 110, "Credentials are missing");
        return true;
    }
    if (strcmp(req->authorization, emu->lookup_api_key) != 0) {
        free(id);
        loopmsg__emu_respond_error(resp, 401, 125, "Authorization key is invalid");
        return true;
    }
    if (w == NEW) {
        json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
        if (!json_is_object(body))
            loopmsg__emu_respond_error(resp, 400, 100, "Request body must be a JSON object");
        else
            lookup_new(emu, body, resp);
        json_decref(body);
    } else if (w == STATUS) {
        if (!id)
            loopmsg__emu_respond_error(resp, 500, 100, "Out of memory");
        else
            lookup_status(emu, id, resp);
    } else {
        lookup_history(emu, req->query, resp);
    }
    free(id);
    return true;
}
