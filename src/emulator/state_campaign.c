/* SPDX-License-Identifier: MIT */
/*
 * state_campaign.c: the emulated campaigns endpoint (create). Takes emu->lock; writes the
 * documented response shape; never touches sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- campaigns -------------------------------------------------------------------------- */

void loopmsg__emu_state_campaign_new(loopmsg_emulator *emu, const json_t *body,
                                     loopmsg__emu_response *resp)
{
    const char *name = loopmsg__emu_jstr(body, "name");
    const json_t *text = json_object_get(body, "text");
    const json_t *contacts = json_object_get(body, "contacts");
    const json_t *messages = json_object_get(body, "messages");
    const char *msg = NULL;
    if (!name || !*name) {
        loopmsg__emu_respond_error(resp, 400, 120, "name is required");
        return;
    }
    if (messages && (text || contacts)) {
        loopmsg__emu_respond_error(resp, 400, 125,
                                   "Use either text+contacts or messages, not both");
        return;
    }
    if (!messages) {
        if (!json_is_string(text) || !*json_string_value(text)) {
            loopmsg__emu_respond_error(resp, 400, 140, loopmsg__emu_code_message(140));
            return;
        }
        if (!json_is_array(contacts) || json_array_size(contacts) == 0) {
            loopmsg__emu_respond_error(resp, 400, 150, loopmsg__emu_code_message(150));
            return;
        }
        size_t i;
        const json_t *c;
        json_array_foreach(contacts, i, c)
        {
            loopmsg__emu_contact_kind kind;
            int code;
            char *norm = loopmsg__emu_normalize_contact(json_string_value(c), &kind, &code);
            free(norm);
            if (code) {
                loopmsg__emu_respond_error(resp, 400, code, loopmsg__emu_code_message(code));
                return;
            }
        }
    } else {
        if (!json_is_array(messages) || json_array_size(messages) == 0) {
            loopmsg__emu_respond_error(resp, 400, 120, "messages must be a non-empty array");
            return;
        }
        size_t i;
        const json_t *m;
        json_array_foreach(messages, i, m)
        {
            const char *t = loopmsg__emu_jstr(m, "text");
            if (!t || !*t) {
                loopmsg__emu_respond_error(resp, 400, 140, loopmsg__emu_code_message(140));
                return;
            }
            loopmsg__emu_contact_kind kind;
            int code;
            char *norm =
                loopmsg__emu_normalize_contact(loopmsg__emu_jstr(m, "contact"), &kind, &code);
            free(norm);
            if (code) {
                loopmsg__emu_respond_error(resp, 400, code, loopmsg__emu_code_message(code));
                return;
            }
            const json_t *a = json_object_get(m, "attachments");
            if (a && (code = loopmsg__emu_check_urls(a, 3, &msg))) {
                loopmsg__emu_respond_error(resp, 400, code, msg);
                return;
            }
        }
    }
    const json_t *attachments = json_object_get(body, "attachments");
    int code;
    if (attachments && (code = loopmsg__emu_check_urls(attachments, 3, &msg))) {
        loopmsg__emu_respond_error(resp, 400, code, msg);
        return;
    }
    const json_t *effect = json_object_get(body, "effect");
    if (effect && !loopmsg__emu_effect_valid(json_string_value(effect))) {
        loopmsg__emu_respond_error(resp, 400, 580, loopmsg__emu_code_message(580));
        return;
    }

    char id[LOOPMSG__EMU_ID_SIZE], when[LOOPMSG__EMU_TIME_SIZE];
    loopmsg__emu_uuid(id, false);
    loopmsg__emu_iso8601(when, loopmsg__wall_ms(), false);
    json_t *out = json_pack("{s:s,s:s,s:s}", "id", id, "name", name, "create_date", when);
    json_t *rec = json_copy(out);
    json_object_set_new(rec, "_request", json_deep_copy(body));
    pthread_mutex_lock(&emu->lock);
    json_array_append_new(emu->state->campaigns, rec);
    pthread_mutex_unlock(&emu->lock);
    loopmsg__emu_respond_json(resp, 200, out);
}
