/* SPDX-License-Identifier: MIT */
/*
 * state.c: the emulator's data model (fixtures, contacts, groups, the indexes) and the message
 * endpoints: sends and their delivery outcome, typing and read, status, and injected inbound
 * messages. The other resources have a file each (state_audience.c, state_campaign.c,
 * state_sender.c, state_optin.c, state_webhook.c, with state_page.c for lists); state_int.h
 * is what they share. Everything here is guarded by emu->lock; every loopmsg__emu_state_*
 * operation takes the lock itself and writes the documented response shape into a
 * loopmsg__emu_response. It never touches sockets: webhooks are handed to events.c.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in fixtures, used when no fixtures_path is given. */
static const char default_fixtures[] =
    "{\"organization_id\": \"org-1\","
    " \"senders\": ["
    "  {\"id\": \"sender-1\", \"name\": \"sandbox@loop.imsg.co\", \"status\": \"active\","
    "   \"create_date\": \"2025-01-01T00:00:00Z\","
    "   \"imessage_link\": \"imessage://sandbox@loop.imsg.co\", \"sms\": true, \"rcs\": true},"
    "  {\"id\": \"sender-2\", \"name\": \"+15555550199\", \"status\": \"pending\","
    "   \"create_date\": \"2025-02-01T00:00:00Z\","
    "   \"imessage_link\": \"imessage://+15555550199\"}"
    " ],"
    " \"pools\": ["
    "  {\"id\": \"pool-1\", \"name\": \"Default pool\", \"count\": 1,"
    "   \"create_date\": \"2025-01-01T00:00:00Z\"}"
    " ],"
    " \"contacts\": ["
    "  {\"value\": \"+15555550100\", \"status\": \"active\","
    "   \"create_date\": \"2025-01-02T00:00:00Z\"}"
    " ],"
    " \"groups\": ["
    "  {\"id\": \"group-1\", \"name\": \"Test group\","
    "   \"participants\": [\"+15555550100\", \"+15555550101\"]}"
    " ]}";

/* Outcome of a send to a contact whose value ends with a given suffix. */
static const struct {
    const char *suffix;
    int error_code;
} failure_suffixes[] = {{"0000", 1020}, {"0001", 1030}, {"0002", 1010}};

/* Room for one more item, so that the next ptr_push cannot fail. */
static bool ptr_reserve(ptr_array *a)
{
    if (a->count == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        void **items = realloc(a->items, cap * sizeof *items);
        if (!items)
            return false;
        a->items = items;
        a->cap = cap;
    }
    return true;
}

static bool ptr_push(ptr_array *a, void *p)
{
    if (!ptr_reserve(a))
        return false;
    a->items[a->count++] = p;
    return true;
}

static void message_free(emu_message *m)
{
    if (!m)
        return;
    free(m->contact);
    free(m->group_id);
    free(m->text);
    free(m->sender);
    free(m->channel);
    free(m);
}

static void contact_free(emu_contact *c)
{
    if (c) {
        free(c->value);
        free(c->messages.items);
        free(c);
    }
}

void loopmsg__emu_state_free(loopmsg__emu_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->messages.count; i++)
        message_free(st->messages.items[i]);
    free(st->messages.items);
    for (size_t i = 0; i < st->contacts.count; i++)
        contact_free(st->contacts.items[i]);
    free(st->contacts.items);
    loopmsg__emu_map_clear(&st->contact_by_value);
    loopmsg__emu_map_clear(&st->contact_by_id);
    loopmsg__emu_map_clear(&st->message_by_id);
    loopmsg__emu_map_clear(&st->group_by_id);
    loopmsg__emu_map_clear(&st->optin_by_code);
    json_decref(st->senders);
    json_decref(st->pools);
    json_decref(st->groups);
    json_decref(st->campaigns);
    json_decref(st->optins);
    json_decref(st->tracker);
    json_decref(st->webhooks);
    free(st->organization_id);
    free(st);
}

emu_contact *loopmsg__emu_contact_find(loopmsg__emu_state *st, const char *value)
{
    return loopmsg__emu_map_get(&st->contact_by_value, value);
}

static emu_contact *contact_find_id(loopmsg__emu_state *st, const char *id)
{
    return loopmsg__emu_map_get(&st->contact_by_id, id);
}

emu_contact *loopmsg__emu_contact_add(loopmsg__emu_state *st, const char *value, const char *id,
                                      const char *create_date)
{
    emu_contact *c = loopmsg__emu_contact_find(st, value);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->value = loopmsg__libc_strdup(value);
    if (id && strlen(id) < sizeof c->id)
        snprintf(c->id, sizeof c->id, "%s", id);
    else
        loopmsg__emu_uuid(c->id, false);
    if (create_date)
        snprintf(c->create_date, sizeof c->create_date, "%s", create_date);
    else
        loopmsg__emu_iso8601(c->create_date, loopmsg__wall_ms(), false);
    /* Allocate everything first: nothing is indexed unless all of it can be. */
    if (!c->value || !ptr_reserve(&st->contacts) ||
        !loopmsg__emu_map_reserve(&st->contact_by_value, st->contact_by_value.count + 1) ||
        !loopmsg__emu_map_reserve(&st->contact_by_id, st->contact_by_id.count + 1)) {
        contact_free(c);
        return NULL;
    }
    (void)loopmsg__emu_map_put(&st->contact_by_value, c->value, c);
    (void)loopmsg__emu_map_put(&st->contact_by_id, c->id, c);
    (void)ptr_push(&st->contacts, c);
    return c;
}

json_t *loopmsg__emu_find_by_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *vid = json_string_value(json_object_get(v, "id"));
        if (vid && strcmp(vid, id) == 0)
            return v;
    }
    return NULL;
}

static json_t *array_or_new(json_t *root, const char *key)
{
    json_t *a = json_object_get(root, key);
    return json_is_array(a) ? json_deep_copy(a) : json_array();
}

loopmsg__emu_state *loopmsg__emu_state_new(const char *fixtures_path, char *errbuf,
                                           size_t errbuf_size)
{
    json_error_t jerr;
    json_t *root = fixtures_path ? json_load_file(fixtures_path, 0, &jerr)
                                 : json_loads(default_fixtures, 0, &jerr);
    if (!root || !json_is_object(root)) {
        snprintf(errbuf, errbuf_size, "emulator fixtures %s: %s (line %d)",
                 fixtures_path ? fixtures_path : "(built-in)", root ? "not an object" : jerr.text,
                 jerr.line);
        json_decref(root);
        return NULL;
    }
    loopmsg__emu_state *st = calloc(1, sizeof *st);
    if (!st) {
        json_decref(root);
        snprintf(errbuf, errbuf_size, "out of memory");
        return NULL;
    }
    const char *org = json_string_value(json_object_get(root, "organization_id"));
    st->organization_id = loopmsg__libc_strdup(org ? org : "org-1");
    st->senders = array_or_new(root, "senders");
    st->pools = array_or_new(root, "pools");
    st->groups = array_or_new(root, "groups");
    st->campaigns = json_array();
    st->optins = json_array();
    st->tracker = array_or_new(root, "tracker");
    st->webhooks = json_array();
    bool ok = st->organization_id && st->senders && st->pools && st->groups && st->campaigns &&
              st->optins && st->tracker && st->webhooks;

    /* Senders need at least an id; fill in what the list endpoint shows. */
    size_t i;
    json_t *v;
    json_array_foreach(st->senders, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!json_is_object(v) || !id) {
            snprintf(errbuf, errbuf_size, "emulator fixtures: senders[%zu] needs an \"id\"", i);
            ok = false;
            break;
        }
        if (!json_object_get(v, "name"))
            json_object_set_new(v, "name", json_string(id));
        if (!json_object_get(v, "status"))
            json_object_set_new(v, "status", json_string("active"));
        if (!json_object_get(v, "create_date"))
            json_object_set_new(v, "create_date", json_string("2025-01-01T00:00:00Z"));
        if (!json_object_get(v, "imessage_link")) {
            char link[512];
            snprintf(link, sizeof link, "imessage://%s",
                     json_string_value(json_object_get(v, "name")));
            json_object_set_new(v, "imessage_link", json_string(link));
        }
    }
    json_array_foreach(st->pools, i, v)
    {
        if (!json_is_object(v) || !json_string_value(json_object_get(v, "id"))) {
            snprintf(errbuf, errbuf_size, "emulator fixtures: pools[%zu] needs an \"id\"", i);
            ok = false;
            break;
        }
        if (!json_object_get(v, "create_date"))
            json_object_set_new(v, "create_date", json_string("2025-01-01T00:00:00Z"));
        if (!json_object_get(v, "count"))
            json_object_set_new(v, "count", json_integer(0));
        if (!json_object_get(v, "name"))
            json_object_set_new(v, "name", json_string(""));
    }
    json_array_foreach(st->groups, i, v)
    {
        if (!json_is_object(v) || !json_string_value(json_object_get(v, "id"))) {
            snprintf(errbuf, errbuf_size, "emulator fixtures: groups[%zu] needs an \"id\"", i);
            ok = false;
            break;
        }
        if (!json_is_array(json_object_get(v, "participants")))
            json_object_set_new(v, "participants", json_array());
        if (!loopmsg__emu_map_put(&st->group_by_id, json_string_value(json_object_get(v, "id")),
                                  v)) {
            snprintf(errbuf, errbuf_size, "out of memory");
            ok = false;
            break;
        }
    }
    json_t *contacts = json_object_get(root, "contacts");
    json_array_foreach(contacts, i, v)
    {
        const char *value = json_is_string(v) ? json_string_value(v)
                                              : json_string_value(json_object_get(v, "value"));
        if (!ok || !value) {
            if (ok)
                snprintf(errbuf, errbuf_size, "emulator fixtures: contacts[%zu] needs a value", i);
            ok = false;
            break;
        }
        loopmsg__emu_contact_kind kind;
        int code;
        char *norm = loopmsg__emu_normalize_contact(value, &kind, &code);
        emu_contact *c = loopmsg__emu_contact_add(
            st, norm ? norm : value, json_string_value(json_object_get(v, "id")),
            json_string_value(json_object_get(v, "create_date")));
        free(norm);
        if (!c) {
            snprintf(errbuf, errbuf_size, "out of memory");
            ok = false;
            break;
        }
        const char *status = json_string_value(json_object_get(v, "status"));
        c->unsubscribed = status && strcmp(status, "unsubscribed") == 0;
    }
    json_decref(root);
    if (!ok) {
        loopmsg__emu_state_free(st);
        return NULL;
    }
    return st;
}

void loopmsg__emu_state_index_stats(loopmsg_emulator *emu, uint64_t *lookups_out,
                                    uint64_t *probes_out)
{
    pthread_mutex_lock(&emu->lock);
    const loopmsg__emu_state *st = emu->state;
    const loopmsg__emu_map *maps[] = {&st->contact_by_value, &st->contact_by_id, &st->message_by_id,
                                      &st->group_by_id, &st->optin_by_code};
    uint64_t lookups = st->lookups, probes = st->probes;
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        lookups += maps[i]->lookups;
        probes += maps[i]->probes;
    }
    *lookups_out = lookups;
    *probes_out = probes;
    pthread_mutex_unlock(&emu->lock);
}

bool loopmsg__emu_state_reload(loopmsg_emulator *emu)
{
    char errbuf[256];
    loopmsg__emu_state *fresh = loopmsg__emu_state_new(emu->fixtures_path, errbuf, sizeof errbuf);
    if (!fresh)
        return false;
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_state *old = emu->state;
    emu->state = fresh;
    pthread_mutex_unlock(&emu->lock);
    loopmsg__emu_state_free(old);
    return true;
}

/* ---- helpers ---------------------------------------------------------------------------- */

const char *loopmsg__emu_jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A field that, when present, must be a string. */
static bool str_or_absent(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return !v || json_is_null(v) || json_is_string(v);
}

static emu_message *message_find(loopmsg__emu_state *st, const char *id)
{
    return loopmsg__emu_map_get(&st->message_by_id, id);
}

/* Add a message to the list and the id index; false (nothing added) on ENOMEM. */
static bool message_push(loopmsg__emu_state *st, emu_message *m)
{
    if (!ptr_reserve(&st->messages) ||
        !loopmsg__emu_map_reserve(&st->message_by_id, st->message_by_id.count + 1))
        return false;
    (void)loopmsg__emu_map_put(&st->message_by_id, m->id, m);
    (void)ptr_push(&st->messages, m);
    return true;
}

static json_t *group_find(loopmsg__emu_state *st, const char *id)
{
    return loopmsg__emu_map_get(&st->group_by_id, id);
}

/* Append a group (reference stolen) and index it; NULL (group released) on ENOMEM. */
static json_t *group_add(loopmsg__emu_state *st, json_t *group)
{
    const char *id = loopmsg__emu_jstr(group, "id");
    if (!id || !loopmsg__emu_map_reserve(&st->group_by_id, st->group_by_id.count + 1) ||
        json_array_append_new(st->groups, group) != 0) {
        json_decref(group);
        return NULL;
    }
    /* The key is the group's own "id" string, which is never replaced. */
    (void)loopmsg__emu_map_put(&st->group_by_id, id, group);
    return group;
}

/* The opt-in whose code appears in text (the first code in the text), or NULL. */
static json_t *optin_in_text(loopmsg__emu_state *st, const char *text)
{
    char code[OPTIN_CODE_LEN + 1];
    for (const char *p = strchr(text, '#'); p; p = strchr(p + 1, '#')) {
        size_t n = strnlen(p, OPTIN_CODE_LEN);
        if (n < OPTIN_CODE_LEN)
            break;
        memcpy(code, p, OPTIN_CODE_LEN);
        code[OPTIN_CODE_LEN] = '\0';
        json_t *o = loopmsg__emu_map_get(&st->optin_by_code, code);
        if (o)
            return o;
    }
    return NULL;
}

json_t *loopmsg__emu_first_active_sender(loopmsg__emu_state *st)
{
    size_t i;
    json_t *v;
    json_array_foreach(st->senders, i, v)
    {
        const char *status = loopmsg__emu_jstr(v, "status");
        if (status && strcmp(status, "active") == 0)
            return v;
    }
    return NULL;
}

/* Resolve the sender of a send/typing request: 0, or a Loop code. */
static int resolve_sender(loopmsg__emu_state *st, const json_t *body, const char **id_out)
{
    const json_t *sv = json_object_get(body, "sender");
    if (sv && !json_is_null(sv)) {
        const char *id = json_string_value(sv);
        if (!id || !*id)
            return 220;
        json_t *s = loopmsg__emu_find_by_id(st->senders, id);
        if (!s)
            return 220;
        const char *status = loopmsg__emu_jstr(s, "status");
        if (status && strcmp(status, "suspended") == 0)
            return 250;
        if (status && strcmp(status, "active") != 0)
            return 240;
        *id_out = loopmsg__emu_jstr(s, "id");
        return 0;
    }
    json_t *s = loopmsg__emu_first_active_sender(st);
    if (!s)
        return 260;
    *id_out = loopmsg__emu_jstr(s, "id");
    return 0;
}

const char *loopmsg__emu_code_message(int code)
{
    const char *d = loopmsg_api_code_description(code);
    return d ? d : "Bad request";
}

static void respond_code(loopmsg__emu_response *resp, int code, const char *message)
{
    loopmsg__emu_respond_error(resp, 400, code,
                               message ? message : loopmsg__emu_code_message(code));
}

static int final_error_for(const char *contact)
{
    size_t n = strlen(contact);
    for (size_t i = 0; i < sizeof failure_suffixes / sizeof failure_suffixes[0]; i++) {
        size_t k = strlen(failure_suffixes[i].suffix);
        if (n >= k && strcmp(contact + n - k, failure_suffixes[i].suffix) == 0)
            return failure_suffixes[i].error_code;
    }
    return 0;
}

static json_t *group_json(const json_t *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(loopmsg__emu_jstr(g, "id")));
    if (loopmsg__emu_jstr(g, "name"))
        json_object_set_new(o, "name", json_string(loopmsg__emu_jstr(g, "name")));
    json_object_set_new(o, "participants", json_deep_copy(json_object_get(g, "participants")));
    return o;
}

/* ---- send ------------------------------------------------------------------------------- */

void loopmsg__emu_state_send(loopmsg_emulator *emu, const json_t *body, const char *key,
                             loopmsg__emu_response *resp)
{
    const json_t *contact_v = json_object_get(body, "contact");
    const json_t *group_v = json_object_get(body, "group");
    const json_t *text_v = json_object_get(body, "text");
    const json_t *reaction_v = json_object_get(body, "reaction");
    const json_t *effect_v = json_object_get(body, "effect");
    const json_t *media_v = json_object_get(body, "media_url");
    const json_t *channel_v = json_object_get(body, "channel");
    const json_t *attach_v = json_object_get(body, "attachments");
    const json_t *pass_v = json_object_get(body, "passthrough");
    bool has_contact = json_is_string(contact_v) && *json_string_value(contact_v);
    bool has_group = json_is_string(group_v) && *json_string_value(group_v);
    bool is_reaction = reaction_v && !json_is_null(reaction_v);
    bool is_voice = media_v != NULL || json_is_true(json_object_get(body, "audio_message"));
    const char *channel = json_string_value(channel_v);

    if (!has_contact && !has_group) {
        respond_code(resp, 150, NULL);
        return;
    }
    if (has_contact && has_group) {
        respond_code(resp, 125, "Provide either contact or group, not both");
        return;
    }
    if (!str_or_absent(body, "text") || !str_or_absent(body, "subject") ||
        !str_or_absent(body, "reply_to_id") || !str_or_absent(body, "passthrough") ||
        !str_or_absent(body, "sender")) {
        respond_code(resp, 125, "Parameters must be strings");
        return;
    }
    if (is_reaction && effect_v && !json_is_null(effect_v)) {
        respond_code(resp, 620, NULL);
        return;
    }

    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_state *st = emu->state;
    char *contact = NULL;
    json_t *group = NULL;
    loopmsg__emu_contact_kind kind = LOOPMSG__EMU_CONTACT_INVALID;
    int code = 0;
    const char *msg = NULL;
    const char *sender = NULL;

    if (has_contact) {
        contact = loopmsg__emu_normalize_contact(json_string_value(contact_v), &kind, &code);
        if (kind == LOOPMSG__EMU_CONTACT_OTHER) {
            /* Maybe a Loop contact id from the audience. */
            emu_contact *c = contact_find_id(st, json_string_value(contact_v));
            if (c) {
                contact = loopmsg__libc_strdup(c->value);
                kind =
                    strchr(c->value, '@') ? LOOPMSG__EMU_CONTACT_EMAIL : LOOPMSG__EMU_CONTACT_PHONE;
                code = contact ? 0 : 160;
            }
        }
        if (code)
            goto fail;
    } else {
        group = group_find(st, json_string_value(group_v));
        if (!group) {
            code = 165;
            goto fail;
        }
    }
    if (is_reaction) {
        if (!loopmsg__emu_reaction_valid(json_string_value(reaction_v))) {
            code = 600;
            goto fail;
        }
        const char *target = loopmsg__emu_jstr(body, "message_id");
        if (!target || !*target) {
            code = 595;
            goto fail;
        }
        if (!message_find(st, target)) {
            code = 610; /* a reaction to a message the account does not have */
            goto fail;
        }
    }
    const char *reply_to = loopmsg__emu_jstr(body, "reply_to_id");
    if (reply_to && *reply_to && !is_reaction && !message_find(st, reply_to)) {
        code = 590;
        goto fail;
    }
    if (effect_v && !json_is_null(effect_v) &&
        !loopmsg__emu_effect_valid(json_string_value(effect_v))) {
        code = 580;
        goto fail;
    }
    if (channel_v && !json_is_null(channel_v)) {
        if (!loopmsg__emu_channel_valid(channel)) {
            code = 125;
            msg = "Invalid channel";
            goto fail;
        }
        if (strcmp(channel, "sms") == 0) {
            if (group) {
                code = 1120;
                goto fail;
            }
            if (kind == LOOPMSG__EMU_CONTACT_EMAIL) {
                code = 1110;
                goto fail;
            }
            if (is_voice) {
                code = 1140;
                goto fail;
            }
        }
    }
    if (is_voice && !is_reaction) {
        const char *url = json_string_value(media_v);
        if (!url || !*url) {
            code = 640;
            goto fail;
        }
        if (strncmp(url, "https://", 8) != 0 || loopmsg__emu_utf8_len(url) > 256) {
            code = 125;
            msg = "media_url must be an https:// URL of at most 256 characters";
            goto fail;
        }
    }
    const char *text = json_string_value(text_v);
    if (!is_voice && !is_reaction && (!text || !*text)) {
        code = 140;
        goto fail;
    }
    if (text && loopmsg__emu_utf8_len(text) == SIZE_MAX) {
        code = 125;
        msg = "text is not valid UTF-8";
        goto fail;
    }
    if (attach_v && !json_is_null(attach_v)) {
        code = loopmsg__emu_check_urls(attach_v, 5, &msg);
        if (code)
            goto fail;
    }
    if (pass_v && !json_is_null(pass_v) &&
        loopmsg__emu_utf8_len(json_string_value(pass_v)) > 1000) {
        code = 125;
        msg = "passthrough longer than 1000 characters";
        goto fail;
    }
    code = resolve_sender(st, body, &sender);
    if (code)
        goto fail;
    if (contact) {
        emu_contact *c = loopmsg__emu_contact_find(st, contact);
        if (c && c->unsubscribed) {
            code = 500;
            goto fail;
        }
    }

    /* Accepted. */
    emu_message *m = calloc(1, sizeof *m);
    if (!m) {
        code = 1000;
        goto fail;
    }
    loopmsg__emu_uuid(m->id, true);
    m->create_ms = loopmsg__wall_ms();
    int64_t delay = loopmsg__emu_scaled_ms(emu, emu->delivery_delay_ms);
    m->due_ms = m->create_ms + delay;
    const json_t *participants = group ? json_object_get(group, "participants") : NULL;
    const char *first = json_string_value(json_array_get(participants, 0));
    m->contact = loopmsg__libc_strdup(contact ? contact : (first ? first : ""));
    m->group_id = group ? loopmsg__libc_strdup(loopmsg__emu_jstr(group, "id")) : NULL;
    /* The server truncates text beyond 10,000 characters (silently, as Loop does). */
    if (is_voice || is_reaction)
        m->text = loopmsg__libc_strdup("");
    else
        m->text = loopmsg__libc_strndup(text, loopmsg__emu_utf8_prefix(text, 10000));
    m->sender = loopmsg__libc_strdup(sender);
    m->channel = loopmsg__libc_strdup(channel ? channel : "imessage");
    m->type = is_reaction ? "reaction" : is_voice ? "audio" : "text";
    m->error_code = contact ? final_error_for(contact) : 0;
    if (!m->contact || !m->text || !m->sender || !m->channel || (group && !m->group_id) ||
        !message_push(st, m)) {
        message_free(m);
        code = 1000;
        goto fail;
    }
    if (contact) {
        emu_contact *c = loopmsg__emu_contact_add(st, contact, NULL, NULL);
        /* The contact's history (audience/messages) lists it; ENOMEM only hides it there. */
        if (c)
            (void)ptr_push(&c->messages, m);
    }

    json_t *out = json_object();
    json_object_set_new(out, "message_id", json_string(m->id));
    if (is_reaction) {
        json_object_set_new(out, "success", json_true());
        json_object_set_new(out, "contact", json_string(m->contact));
        json_object_set_new(out, "text", json_string(""));
    } else if (is_voice) {
        json_object_set_new(out, "recipient",
                            group ? json_string(loopmsg__emu_jstr(group, "id"))
                                  : json_string(m->contact));
        json_object_set_new(out, "text", json_string(""));
    } else if (group) {
        json_object_set_new(out, "group", group_json(group));
        json_object_set_new(out, "text", json_string(m->text));
    } else {
        json_object_set_new(out, "contact", json_string(m->contact));
        json_object_set_new(out, "text", json_string(m->text));
    }

    /* A message sent with an organization's own key: its webhooks go to that organization's
     * URL with its header (none when it has no URL), not to the emulator's. */
    const char *org_url = NULL, *org_header = NULL;
    bool org = loopmsg__emu_platform_webhook_locked(emu, key, &org_url, &org_header);
    if (!is_reaction && (org ? org_url != NULL : emu->webhook_url != NULL)) {
        json_t *ev = json_object();
        json_object_set_new(ev, "event",
                            json_string(m->error_code ? "message_failed" : "message_delivered"));
        json_object_set_new(ev, "message_id", json_string(m->id));
        json_object_set_new(ev, "contact", json_string(m->contact));
        json_object_set_new(ev, "text", json_string(m->text));
        if (m->error_code)
            json_object_set_new(ev, "error_code", json_integer(m->error_code));
        json_object_set_new(ev, "sender", json_string(m->sender));
        if (json_is_string(pass_v))
            json_object_set_new(ev, "passthrough", json_copy((json_t *)pass_v));
        if (group)
            json_object_set_new(ev, "group", group_json(group));
        int64_t due = (int64_t)loopmsg__mono_ms() + delay;
        loopmsg__emu_events_post_to(emu->events, ev, due, org_url, org_header, NULL);
    }
    free(contact);
    pthread_mutex_unlock(&emu->lock);
    loopmsg__emu_respond_json(resp, 200, out);
    return;

fail:
    free(contact);
    pthread_mutex_unlock(&emu->lock);
    respond_code(resp, code, msg);
}

/* ---- show-typing ------------------------------------------------------------------------ */

void loopmsg__emu_state_typing(loopmsg_emulator *emu, const json_t *body,
                               loopmsg__emu_response *resp)
{
    const json_t *mid = json_object_get(body, "message_id");
    const json_t *contact_v = json_object_get(body, "contact");
    const json_t *typing = json_object_get(body, "typing");
    const json_t *read = json_object_get(body, "read");
    bool has_mid = mid && !json_is_null(mid);
    bool has_contact = contact_v && !json_is_null(contact_v);

    if (has_mid && has_contact) {
        respond_code(resp, 125, "Provide message_id or contact+sender, not both");
        return;
    }
    if (!has_mid && !has_contact) {
        respond_code(resp, 120, "Provide message_id or contact+sender");
        return;
    }
    if (typing && !json_is_null(typing) &&
        (!json_is_integer(typing) || json_integer_value(typing) < 1 ||
         json_integer_value(typing) > 60)) {
        respond_code(resp, 125, "typing must be an integer between 1 and 60");
        return;
    }
    if (read && !json_is_null(read) && !json_is_boolean(read)) {
        respond_code(resp, 125, "read must be a boolean");
        return;
    }
    if (has_mid) {
        if (!json_is_string(mid) || !*json_string_value(mid)) {
            respond_code(resp, 595, NULL);
            return;
        }
        {
            loopmsg__emu_respond_json(resp, 200, json_pack("{s:b}", "success", 1));
            return;
        }
    }
    if (!json_is_string(contact_v)) {
        respond_code(resp, 160, NULL);
        return;
    }
    const json_t *sender_v = json_object_get(body, "sender");
    if (!sender_v || json_is_null(sender_v)) {
        respond_code(resp, 120, "sender is required with contact");
        return;
    }
    loopmsg__emu_contact_kind kind;
    int code;
    char *contact = loopmsg__emu_normalize_contact(json_string_value(contact_v), &kind, &code);
    free(contact);
    if (code) {
        respond_code(resp, code, NULL);
        return;
    }
    pthread_mutex_lock(&emu->lock);
    const char *sender = NULL;
    code = resolve_sender(emu->state, body, &sender);
    pthread_mutex_unlock(&emu->lock);
    if (code) {
        respond_code(resp, code, NULL);
        return;
    }
    loopmsg__emu_respond_json(resp, 200, json_pack("{s:b}", "success", 1));
}

/* ---- status ----------------------------------------------------------------------------- */

void loopmsg__emu_state_status(loopmsg_emulator *emu, const char *message_id,
                               loopmsg__emu_response *resp)
{
    pthread_mutex_lock(&emu->lock);
    emu_message *m = message_find(emu->state, message_id);
    if (!m || m->inbound) {
        pthread_mutex_unlock(&emu->lock);
        {
            loopmsg__emu_respond_json(
                resp, 404,
                json_pack("{s:i,s:s}", "error_code", 100, "message", "Message not found"));
            return;
        }
    }
    int64_t now = loopmsg__wall_ms();
    bool final = now >= m->due_ms;
    char when[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_iso8601(when, final ? m->due_ms : m->create_ms, true);
    json_t *out = json_object();
    json_object_set_new(out, "message_id", json_string(m->id));
    json_object_set_new(out, "status",
                        json_string(!final          ? "processing"
                                    : m->error_code ? "failed"
                                                    : "delivered"));
    json_object_set_new(out, "contact", json_string(m->contact));
    json_object_set_new(out, "text", json_string(m->text));
    if (final && m->error_code)
        json_object_set_new(out, "error_code", json_integer(m->error_code));
    json_object_set_new(out, "last_update", json_string(when));
    pthread_mutex_unlock(&emu->lock);
    loopmsg__emu_respond_json(resp, 200, out);
}

/* ---- inbound (sandbox) ------------------------------------------------------------------ */

const char *loopmsg__emu_state_inject(loopmsg_emulator *emu, const json_t *body,
                                      char message_id_out[LOOPMSG__EMU_ID_SIZE])
{
    const char *contact_in = loopmsg__emu_jstr(body, "contact");
    const char *text = loopmsg__emu_jstr(body, "text");
    const json_t *group_v = json_object_get(body, "group");
    const char *message_type = loopmsg__emu_jstr(body, "message_type");
    const char *channel = loopmsg__emu_jstr(body, "channel");
    if (!contact_in)
        return "contact is required";
    if (!text && !json_is_array(json_object_get(body, "attachments")))
        return "text is required";
    if (channel && !loopmsg__emu_channel_valid(channel))
        return "invalid channel";
    loopmsg__emu_contact_kind kind;
    int code;
    char *contact = loopmsg__emu_normalize_contact(contact_in, &kind, &code);
    if (!contact)
        return "invalid contact";

    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_state *st = emu->state;
    json_t *group = NULL;
    if (json_is_string(group_v)) {
        group = group_find(st, json_string_value(group_v));
        if (!group)
            group = group_add(st, json_pack("{s:s,s:[s]}", "id", json_string_value(group_v),
                                            "participants", contact));
    } else if (json_is_object(group_v) && loopmsg__emu_jstr(group_v, "id")) {
        group = group_find(st, loopmsg__emu_jstr(group_v, "id"));
        if (!group) {
            json_t *g = json_deep_copy(group_v);
            if (g && !json_is_array(json_object_get(g, "participants")))
                json_object_set_new(g, "participants", json_pack("[s]", contact));
            group = group_add(st, g);
        }
    }
    const char *sender = loopmsg__emu_jstr(body, "sender");
    if (!sender) {
        json_t *s = loopmsg__emu_first_active_sender(st);
        sender = s ? loopmsg__emu_jstr(s, "id") : NULL;
    }
    emu_message *m = calloc(1, sizeof *m);
    if (!m) {
        pthread_mutex_unlock(&emu->lock);
        free(contact);
        return "out of memory";
    }
    loopmsg__emu_uuid(m->id, false);
    m->create_ms = m->due_ms = loopmsg__wall_ms();
    m->contact = loopmsg__libc_strdup(contact);
    m->group_id = group ? loopmsg__libc_strdup(loopmsg__emu_jstr(group, "id")) : NULL;
    m->text = loopmsg__libc_strdup(text ? text : "");
    m->sender = loopmsg__libc_strdup(sender ? sender : "");
    m->channel = loopmsg__libc_strdup(channel ? channel : "imessage");
    m->type = "text";
    if (message_type) {
        static const char *const types[] = {"text",        "reaction", "audio",
                                            "attachments", "sticker",  "location"};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(message_type, types[i]) == 0)
                m->type = types[i];
    }
    m->inbound = true;
    if (!m->contact || !m->text || !m->sender || !m->channel || !message_push(st, m)) {
        message_free(m);
        pthread_mutex_unlock(&emu->lock);
        free(contact);
        return "out of memory";
    }
    emu_contact *c = loopmsg__emu_contact_add(st, contact, NULL, NULL);
    if (c) {
        c->unsubscribed = false; /* writing to the sender opts the contact back in */
        if (!m->group_id)
            (void)ptr_push(&c->messages, m);
    }
    snprintf(message_id_out, LOOPMSG__EMU_ID_SIZE, "%s", m->id);

    /* An inbound text carrying a code from generate-url completes that opt-in. */
    json_t *optin = text ? optin_in_text(st, text) : NULL;
    int64_t now_mono = (int64_t)loopmsg__mono_ms();
    if (optin) {
        char tid[LOOPMSG__EMU_ID_SIZE], when[LOOPMSG__EMU_TIME_SIZE];
        loopmsg__emu_uuid(tid, false);
        loopmsg__emu_iso8601(when, m->create_ms, false);
        json_array_append_new(
            st->tracker,
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:n,s:n,s:b,s:n,s:n,s:n},"
                      "s:{s:b,s:s,s:s,s:n,s:b,s:s}}",
                      "id", tid, "ip_address", "127.0.0.1", "organization", st->organization_id,
                      "origin", "https://opt-in.imsg.link", "type", "opt_in", "create_date", when,
                      "geo", "city", "country", "europe_union", 0, "postal_code", "region",
                      "time_zone", "user_agent", "bot", 0, "browser", "emulator", "device",
                      "emulator", "email_client", "mobile", 1, "os", "emulator"));
        if (emu->webhook_url) {
            json_t *ev = json_pack("{s:s,s:s,s:s,s:s?}", "event", "opt-in", "message_id", m->id,
                                   "contact", contact, "sender", sender);
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(optin, "parameters"), k, v)
            {
                if (!json_object_get(ev, k))
                    json_object_set(ev, k, v);
            }
            loopmsg__emu_events_post(emu->events, ev, now_mono, NULL);
        }
    } else if (emu->webhook_url) {
        json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "event", "message_inbound",
                               "message_id", m->id, "contact", contact, "text", m->text,
                               "message_type", m->type, "channel", m->channel);
        if (*m->sender)
            json_object_set_new(ev, "sender", json_string(m->sender));
        json_object_set_new(ev, "language",
                            json_pack("{s:s,s:s}", "code", "en", "name", "English"));
        if (group)
            json_object_set_new(ev, "group", group_json(group));
        static const char *const passthrough_keys[] = {
            "attachments", "subject", "thread_id", "speech", "language", "passthrough", "reaction"};
        for (size_t k = 0; k < sizeof passthrough_keys / sizeof passthrough_keys[0]; k++) {
            json_t *v = json_object_get(body, passthrough_keys[k]);
            if (v)
                json_object_set(ev, passthrough_keys[k], v);
        }
        loopmsg__emu_events_post(emu->events, ev, now_mono, NULL);
    }
    pthread_mutex_unlock(&emu->lock);
    free(contact);
    return NULL;
}

/* ---- accessors for state_org.c (caller holds emu->lock) --------------------------------- */

json_t *loopmsg__emu_state_array(loopmsg__emu_state *st, const char *which)
{
    if (strcmp(which, "senders") == 0)
        return st->senders;
    if (strcmp(which, "pools") == 0)
        return st->pools;
    return NULL;
}

const char *loopmsg__emu_state_org_id(const loopmsg__emu_state *st)
{
    return st->organization_id;
}
