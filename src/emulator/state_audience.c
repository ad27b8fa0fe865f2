/* SPDX-License-Identifier: MIT */
/*
 * state_audience.c: the emulated audience: list, check-status, delete (unsubscribe), a
 * contact's message history, and the opt-in tracker. Takes emu->lock; writes the documented
 * response shapes; never touches sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- audience --------------------------------------------------------------------------- */

static bool audience_param(const char *contact, char **norm_out, loopmsg__emu_response *resp)
{
    /* Audience path parameters must be "+<digits>" or an email address. */
    loopmsg__emu_contact_kind kind;
    int code;
    if (!contact || (contact[0] != '+' && !strchr(contact, '@'))) {
        loopmsg__emu_respond_error(resp, 400, 160,
                                   "Contact must be an international phone number or an email");
        return false;
    }
    *norm_out = loopmsg__emu_normalize_contact(contact, &kind, &code);
    if (!*norm_out) {
        loopmsg__emu_respond_error(resp, 400, code ? code : 160,
                                   loopmsg__emu_code_message(code ? code : 160));
        return false;
    }
    return true;
}

void loopmsg__emu_state_audience_list(loopmsg_emulator *emu, const char *query,
                                      loopmsg__emu_response *resp)
{
    loopmsg__emu_page_query q;
    if (!loopmsg__emu_page_query_parse(&q, query, true, 1000, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    json_t *items = json_array();
    for (size_t i = 0; i < emu->state->contacts.count; i++) {
        emu_contact *c = emu->state->contacts.items[i];
        if (!loopmsg__emu_date_in_range(&q, c->create_date))
            continue;
        if (q.search && *q.search && !strstr(c->value, q.search))
            continue;
        json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "id", c->id, "value", c->value,
                                               "create_date", c->create_date));
    }
    pthread_mutex_unlock(&emu->lock);
    json_t *out = loopmsg__emu_paginate(items, &q);
    /* The documented item is {id, value}. */
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(out, "items"), i, it) json_object_del(it, "create_date");
    loopmsg__emu_page_query_clear(&q);
    loopmsg__emu_respond_json(resp, 200, out);
}

static const char *audience_status(loopmsg__emu_state *st, const char *contact)
{
    emu_contact *c = loopmsg__emu_contact_find(st, contact);
    return !c ? "unknown" : c->unsubscribed ? "unsubscribed" : "active";
}

void loopmsg__emu_state_audience_check(loopmsg_emulator *emu, const char *contact,
                                       loopmsg__emu_response *resp)
{
    char *norm = NULL;
    if (!audience_param(contact, &norm, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    json_t *out = json_pack("{s:s}", "status", audience_status(emu->state, norm));
    pthread_mutex_unlock(&emu->lock);
    free(norm);
    loopmsg__emu_respond_json(resp, 200, out);
}

void loopmsg__emu_state_audience_delete(loopmsg_emulator *emu, const char *contact,
                                        loopmsg__emu_response *resp)
{
    char *norm = NULL;
    if (!audience_param(contact, &norm, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    emu_contact *c = loopmsg__emu_contact_find(emu->state, norm);
    if (!c)
        c = loopmsg__emu_contact_add(emu->state, norm, NULL, NULL);
    if (c)
        c->unsubscribed = true;
    pthread_mutex_unlock(&emu->lock);
    free(norm);
    if (!c) {
        loopmsg__emu_respond_error(resp, 500, 1000, "out of memory");
        return;
    }
    /* The response is undocumented; the reference SDK expects 204 No Content. */
    resp->status = 204;
}

void loopmsg__emu_state_audience_messages(loopmsg_emulator *emu, const char *contact,
                                          const char *query, loopmsg__emu_response *resp)
{
    char *norm = NULL;
    if (!audience_param(contact, &norm, resp))
        return;
    loopmsg__emu_page_query q;
    if (!loopmsg__emu_page_query_parse(&q, query, true, 1000, resp)) {
        free(norm);
        return;
    }
    char *direction = loopmsg__emu_query_get(query, "direction");
    char *type = loopmsg__emu_query_get(query, "type");
    if (direction && strcmp(direction, "inbound") != 0 && strcmp(direction, "outbound") != 0) {
        free(direction);
        free(type);
        free(norm);
        loopmsg__emu_page_query_clear(&q);
        {
            loopmsg__emu_respond_error(resp, 400, 125, "direction must be inbound or outbound");
            return;
        }
    }
    pthread_mutex_lock(&emu->lock);
    loopmsg__emu_state *st = emu->state;
    json_t *items = json_array();
    /* Only this contact's own messages: the walk does not grow with everyone else's. */
    emu_contact *c = loopmsg__emu_contact_find(st, norm);
    st->lookups++;
    for (size_t i = 0; c && i < c->messages.count; i++) {
        const emu_message *m = c->messages.items[i];
        st->probes++;
        if (direction && strcmp(direction, m->inbound ? "inbound" : "outbound") != 0)
            continue;
        if (type && *type && strcmp(type, m->type) != 0)
            continue;
        char when[LOOPMSG__EMU_TIME_SIZE];
        loopmsg__emu_iso8601(when, m->create_ms, false);
        if (!loopmsg__emu_date_in_range(&q, when))
            continue;
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", m->id,
                                               "create_date", when, "channel", m->channel,
                                               "direction", m->inbound ? "inbound" : "outbound",
                                               "language", "EN", "type", m->type, "text", m->text));
    }
    const char *status = audience_status(st, norm);
    pthread_mutex_unlock(&emu->lock);
    json_t *out = loopmsg__emu_paginate(items, &q);
    json_object_set_new(out, "status", json_string(status));
    free(direction);
    free(type);
    free(norm);
    loopmsg__emu_page_query_clear(&q);
    loopmsg__emu_respond_json(resp, 200, out);
}

void loopmsg__emu_state_tracker(loopmsg_emulator *emu, const char *query,
                                loopmsg__emu_response *resp)
{
    loopmsg__emu_page_query q;
    if (!loopmsg__emu_page_query_parse(&q, query, true, 1000, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(emu->state->tracker, i, v)
    {
        if (loopmsg__emu_date_in_range(&q, loopmsg__emu_jstr(v, "create_date")))
            json_array_append_new(items, loopmsg__emu_public_copy(v));
    }
    pthread_mutex_unlock(&emu->lock);
    json_t *out = loopmsg__emu_paginate(items, &q);
    loopmsg__emu_page_query_clear(&q);
    loopmsg__emu_respond_json(resp, 200, out);
}
