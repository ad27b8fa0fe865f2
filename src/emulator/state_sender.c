/* SPDX-License-Identifier: MIT */
/*
 * state_sender.c: the emulated sender and pool lists and details, read from the fixtures
 * (state_org.c changes them). Takes emu->lock; never touches sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- senders and pools ------------------------------------------------------------------ */

static void list_fixture(loopmsg_emulator *emu, json_t *(*pick)(loopmsg__emu_state *),
                         const char *const *fields, const char *query, loopmsg__emu_response *resp)
{
    loopmsg__emu_page_query q;
    if (!loopmsg__emu_page_query_parse(&q, query, false, 1000, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(pick(emu->state), i, v)
    {
        json_t *o = json_object();
        for (const char *const *f = fields; *f; f++) {
            json_t *fv = json_object_get(v, *f);
            if (fv)
                json_object_set(o, *f, fv);
        }
        json_array_append_new(items, o);
    }
    pthread_mutex_unlock(&emu->lock);
    json_t *out = loopmsg__emu_paginate(items, &q);
    loopmsg__emu_page_query_clear(&q);
    loopmsg__emu_respond_json(resp, 200, out);
}

static json_t *pick_senders(loopmsg__emu_state *st)
{
    return st->senders;
}

static json_t *pick_pools(loopmsg__emu_state *st)
{
    return st->pools;
}

static const char *const sender_fields[] = {"id",          "name",          "status",
                                            "create_date", "imessage_link", NULL};
static const char *const pool_fields[] = {"id", "name", "count", "create_date", NULL};

void loopmsg__emu_state_sender_list(loopmsg_emulator *emu, const char *query,
                                    loopmsg__emu_response *resp)
{
    list_fixture(emu, pick_senders, sender_fields, query, resp);
}

void loopmsg__emu_state_pool_list(loopmsg_emulator *emu, const char *query,
                                  loopmsg__emu_response *resp)
{
    list_fixture(emu, pick_pools, pool_fields, query, resp);
}

static void get_fixture(loopmsg_emulator *emu, json_t *(*pick)(loopmsg__emu_state *),
                        const char *id, loopmsg__emu_response *resp)
{
    pthread_mutex_lock(&emu->lock);
    json_t *v = loopmsg__emu_find_by_id(pick(emu->state), id);
    json_t *out = v ? loopmsg__emu_public_copy(v) : NULL;
    pthread_mutex_unlock(&emu->lock);
    if (!out) {
        loopmsg__emu_respond_error(resp, 404, 100, "Not found");
        return;
    }
    loopmsg__emu_respond_json(resp, 200, out);
}

void loopmsg__emu_state_sender_get(loopmsg_emulator *emu, const char *id,
                                   loopmsg__emu_response *resp)
{
    get_fixture(emu, pick_senders, id, resp);
}

void loopmsg__emu_state_pool_get(loopmsg_emulator *emu, const char *id, loopmsg__emu_response *resp)
{
    get_fixture(emu, pick_pools, id, resp);
}
