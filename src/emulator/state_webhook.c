/* SPDX-License-Identifier: MIT */
/*
 * state_webhook.c: the emulated webhook delivery history: each attempt events.c makes is
 * recorded here and listed by /api/v1/webhooks/history/. Takes emu->lock; never touches
 * sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- webhook history -------------------------------------------------------------------- */

void loopmsg__emu_state_webhook_attempt(loopmsg_emulator *emu, const char *event_type,
                                        const char *json_text, unsigned int attempt,
                                        int http_status)
{
    char when[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_iso8601(when, loopmsg__wall_ms(), false);
    json_t *payload = json_loads(json_text, 0, NULL);
    json_t *item = json_pack("{s:I,s:s,s:s,s:o,s:i}", "attempt", (json_int_t)attempt, "create_date",
                             when, "event_type", event_type ? event_type : "", "json",
                             payload ? payload : json_null(), "_http_status", http_status);
    if (!item)
        return;
    pthread_mutex_lock(&emu->lock);
    json_array_append_new(emu->state->webhooks, item);
    pthread_mutex_unlock(&emu->lock);
}

void loopmsg__emu_state_webhook_history(loopmsg_emulator *emu, const char *query,
                                        loopmsg__emu_response *resp)
{
    loopmsg__emu_page_query q;
    if (!loopmsg__emu_page_query_parse(&q, query, false, 1000, resp))
        return;
    pthread_mutex_lock(&emu->lock);
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(emu->state->webhooks, i, v)
        json_array_append_new(items, loopmsg__emu_public_copy(v));
    pthread_mutex_unlock(&emu->lock);
    json_t *out = loopmsg__emu_paginate(items, &q);
    loopmsg__emu_page_query_clear(&q);
    loopmsg__emu_respond_json(resp, 200, out);
}
