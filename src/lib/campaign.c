/* SPDX-License-Identifier: MIT */
/*
 * campaign.c: campaign creation in broadcast or individualised mode, with every rule checked
 * before any I/O (mode mixing, empty lists, dates, times, time window, IANA time zone,
 * attachments, effects). Never includes curl.
 */
#include "loopmsg/campaign.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "message_int.h"
#include "validate_int.h"

#include <stdio.h>
#include <string.h>

#define OP "campaign"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        loopmsg_status st_ = (expr);                                                               \
        if (st_ != LOOPMSG_OK)                                                                     \
            return st_;                                                                            \
    } while (0)

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool loopmsg_date_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

/* Minutes since midnight of "HH:mm", or -1. */
static int parse_time(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':' || !digits(s, 2) || !digits(s + 3, 2))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    return h > 23 || m > 59 ? -1 : h * 60 + m;
}

/* An IANA zone name: "UTC" or an Area/Location[/More] with a known area. The check is
 * syntactic so that it behaves the same on machines without tzdata. */
static bool tz_valid(const char *tz)
{
    static const char *const areas[] = {"Africa", "America",  "Antarctica", "Arctic",
                                        "Asia",   "Atlantic", "Australia",  "Europe",
                                        "Indian", "Pacific",  "Etc"};
    if (strcmp(tz, "UTC") == 0 || strcmp(tz, "GMT") == 0)
        return true;
    const char *slash = strchr(tz, '/');
    if (!slash)
        return false;
    size_t alen = (size_t)(slash - tz);
    bool known = false;
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (strlen(areas[i]) == alen && strncmp(tz, areas[i], alen) == 0)
            known = true;
    if (!known)
        return false;
    size_t seg = 0;
    for (const char *p = slash + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            if (seg == 0 || seg > 30)
                return false;
            if (*p == '\0')
                return true;
            seg = 0;
            continue;
        }
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '+';
        if (!ok || (seg == 0 && !((c >= 'A' && c <= 'Z') || c == '+' || c == '-')))
            return false;
        seg++;
    }
}

static loopmsg_status check_effect(const char *field, loopmsg_effect e, loopmsg_error *err)
{
    if (e != LOOPMSG_EFFECT_NONE && !loopmsg_effect_name(e))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": %s: unknown value %d", field,
                                  (int)e);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_campaign_params_validate(const loopmsg_campaign_params *p,
                                                loopmsg_error *err)
{
    if (!p)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": params is NULL");
    TRY(loopmsg__check_version(p->version, LOOPMSG_CAMPAIGN_PARAMS_VERSION,
                               "loopmsg_campaign_params", "LOOPMSG_CAMPAIGN_PARAMS_INIT", err));
    TRY(loopmsg__v_required(OP, "name", p->name, 0, err));
    bool broadcast = p->text != NULL || p->contacts != NULL || p->contact_count > 0;
    bool individual = p->messages != NULL || p->message_count > 0;
    if (broadcast && individual)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": give text and contacts (broadcast) or messages "
                                     "(individualised), not both");
    if (!broadcast && !individual)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": text and contacts (broadcast) or messages "
                                     "(individualised) are required");
    if (broadcast) {
        TRY(loopmsg__v_required(OP, "text", p->text, LOOPMSG_MAX_TEXT_CHARS, err));
        if (p->contact_count == 0)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      OP ": contacts: must not be empty");
        if (!p->contacts)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      OP ": contacts: is NULL but contact_count is %zu",
                                      p->contact_count);
        for (size_t i = 0; i < p->contact_count; i++) {
            char field[32];
            snprintf(field, sizeof field, "contacts[%zu]", i);
            TRY(loopmsg__v_id(OP, field, p->contacts[i], true, err));
        }
    } else {
        if (p->message_count == 0)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      OP ": messages: must not be empty");
        if (!p->messages)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      OP ": messages: is NULL but message_count is %zu",
                                      p->message_count);
        for (size_t i = 0; i < p->message_count; i++) {
            const loopmsg_campaign_message *m = &p->messages[i];
            char field[48];
            snprintf(field, sizeof field, "messages[%zu].contact", i);
            TRY(loopmsg__v_id(OP, field, m->contact, true, err));
            snprintf(field, sizeof field, "messages[%zu].text", i);
            TRY(loopmsg__v_required(OP, field, m->text, LOOPMSG_MAX_TEXT_CHARS, err));
            snprintf(field, sizeof field, "messages[%zu].subject", i);
            TRY(loopmsg__v_optional(OP, field, m->subject, 0, err));
            snprintf(field, sizeof field, "messages[%zu].effect", i);
            TRY(check_effect(field, m->effect, err));
            snprintf(field, sizeof field, "campaign: messages[%zu]", i);
            TRY(loopmsg__v_attachments(field, m->attachments, m->attachment_count,
                                       LOOPMSG_MAX_CAMPAIGN_ATTACHMENTS, err));
        }
    }
    TRY(loopmsg__v_attachments(OP, p->attachments, p->attachment_count,
                               LOOPMSG_MAX_CAMPAIGN_ATTACHMENTS, err));
    TRY(check_effect("effect", p->effect, err));
    TRY(loopmsg__v_optional(OP, "subject", p->subject, 0, err));
    if (loopmsg__set(p->from_date) && !loopmsg_date_valid(p->from_date))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": from_date: must be a real date written YYYY-MM-DD, got "
                                     "\"%.20s\"",
                                  p->from_date);
    int from = 10 * 60, to = 22 * 60; /* the server's defaults */
    if (loopmsg__set(p->from_time) && (from = parse_time(p->from_time)) < 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": from_time: must be HH:mm between 00:00 and 23:59, got "
                                     "\"%.20s\"",
                                  p->from_time);
    if (loopmsg__set(p->to_time) && (to = parse_time(p->to_time)) < 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": to_time: must be HH:mm between 00:00 and 23:59, got "
                                     "\"%.20s\"",
                                  p->to_time);
    if (from >= to)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": from_time must be before to_time (%02d:%02d is not "
                                     "before %02d:%02d; unset times default to 10:00-22:00)",
                                  from / 60, from % 60, to / 60, to % 60);
    if (loopmsg__set(p->timezone) && !tz_valid(p->timezone))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  OP ": timezone: \"%.40s\" is not an IANA time zone name (e.g. "
                                     "America/New_York)",
                                  p->timezone);
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

static json_t *encode(const loopmsg_campaign_params *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = loopmsg__json_put(o, "name", p->name);
    bad |= loopmsg__json_put(o, "text", p->text);
    bad |= loopmsg__json_put_list(o, "contacts", p->contacts, p->contact_count);
    if (p->message_count) {
        /* Fill the array first and hand it to the object last: json_object_set_new frees
         * its value on failure, so nothing may touch `a` after that call. */
        json_t *a = json_array();
        if (!a)
            bad = -1;
        for (size_t i = 0; a && i < p->message_count; i++) {
            const loopmsg_campaign_message *m = &p->messages[i];
            json_t *mo = json_object();
            if (!mo) {
                bad = -1;
                break;
            }
            bad |= loopmsg__json_put(mo, "contact", m->contact);
            bad |= loopmsg__json_put(mo, "text", m->text);
            bad |= loopmsg__json_put(mo, "subject", m->subject);
            bad |= loopmsg__json_put(mo, "effect", loopmsg_effect_name(m->effect));
            bad |= loopmsg__json_put_list(mo, "attachments", m->attachments, m->attachment_count);
            bad |= json_array_append_new(a, mo);
        }
        if (a)
            bad |= json_object_set_new(o, "messages", a);
    }
    bad |= loopmsg__json_put_list(o, "attachments", p->attachments, p->attachment_count);
    bad |= loopmsg__json_put(o, "effect", loopmsg_effect_name(p->effect));
    bad |= loopmsg__json_put(o, "subject", p->subject);
    bad |= loopmsg__json_put(o, "from_date", p->from_date);
    bad |= loopmsg__json_put(o, "from_time", p->from_time);
    bad |= loopmsg__json_put(o, "to_time", p->to_time);
    bad |= loopmsg__json_put(o, "timezone", p->timezone);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static loopmsg_status decode(void **out, json_t *root, const char *raw, size_t len,
                             loopmsg_error *err)
{
    loopmsg_campaign *c = loopmsg__arena_new(sizeof *c);
    if (!c)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    c->id = loopmsg__json_str(c, root, "id", &bad);
    c->name = loopmsg__json_str(c, root, "name", &bad);
    c->create_date = loopmsg__json_str(c, root, "create_date", &bad);
    c->raw = loopmsg__arena_strndup(c, raw, len);
    c->raw_len = len;
    loopmsg_status st = loopmsg__decode_check(err, OP, c->raw, bad, c->id);
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(c);
        return st;
    }
    *out = c;
    return LOOPMSG_OK;
}

static void free_campaign(void *p)
{
    loopmsg__arena_free(p);
}

const loopmsg__op loopmsg__op_campaign = {
    .name = OP, .method = LOOPMSG__POST, .decode = decode, .free_result = free_campaign};

void loopmsg_campaign_free(loopmsg_campaign *campaign)
{
    loopmsg__arena_free(campaign);
}

static loopmsg_status prepare(loopmsg_client *client, const loopmsg_campaign_params *params,
                              char **path, json_t **body, loopmsg_error *err)
{
    *path = NULL;
    *body = NULL;
    if (!client)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, OP ": client is NULL");
    TRY(loopmsg_campaign_params_validate(params, err));
    *body = encode(params);
    *path = loopmsg__strdup("/api/v1/campaigns/new/");
    if (!*body || !*path) {
        json_decref(*body);
        loopmsg__free(*path);
        return loopmsg__error_nomem(err);
    }
    return LOOPMSG_OK;
}

loopmsg_status loopmsg_campaign_create(loopmsg_client *client,
                                       const loopmsg_campaign_params *params,
                                       loopmsg_campaign **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    char *path;
    json_t *body;
    TRY(prepare(client, params, &path, &body, err));
    return loopmsg__call(client, &loopmsg__op_campaign, path, body, (void **)out, err);
}

static void tramp_campaign(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                           loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_campaign_cb)fn)(c, id, result, err, ud);
}

loopmsg_status loopmsg_campaign_create_async(loopmsg_client *client,
                                             const loopmsg_campaign_params *params,
                                             loopmsg_campaign_cb cb, void *user_data,
                                             loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    char *path;
    json_t *body;
    TRY(prepare(client, params, &path, &body, err));
    return loopmsg__call_async(client, &loopmsg__op_campaign, path, body, tramp_campaign,
                               (loopmsg__fn)cb, user_data, id_out, err);
}
