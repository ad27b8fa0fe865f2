/* SPDX-License-Identifier: MIT */
/*
 * state_optin.c: the emulated opt-in links: the URL with its code, the deep links of each
 * channel. Takes emu->lock; never touches sockets.
 */
#include "emulator_int.h"
#include "state_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- opt-in ----------------------------------------------------------------------------- */

static const char placeholder[] = "[opt-in-code]";

static char *replace_placeholder(const char *body, const char *with)
{
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    const char *p = body;
    const char *hit;
    while ((hit = strstr(p, placeholder))) {
        loopmsg__buf_append(&b, p, (size_t)(hit - p));
        loopmsg__buf_puts(&b, with);
        p = hit + sizeof placeholder - 1;
    }
    loopmsg__buf_puts(&b, p);
    if (b.failed) {
        loopmsg__buf_clear(&b);
        return NULL;
    }
    return b.ptr;
}

void loopmsg__emu_state_optin_url(loopmsg_emulator *emu, const json_t *body,
                                  loopmsg__emu_response *resp)
{
    const json_t *bv = json_object_get(body, "body");
    if (!bv || json_is_null(bv)) {
        loopmsg__emu_respond_error(resp, 400, 120, "body is required");
        return;
    }
    const char *text = json_string_value(bv);
    if (!text || !strstr(text, placeholder)) {
        loopmsg__emu_respond_error(resp, 400, 125,
                                   "body must contain the [opt-in-code] placeholder");
        return;
    }
    char id[LOOPMSG__EMU_ID_SIZE], code[OPTIN_CODE_LEN + 1];
    loopmsg__emu_uuid(id, false);
    /* A short code in the style of the docs example ("#Qw7k-!pZrT"). */
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    code[0] = '#';
    for (size_t i = 1; i < OPTIN_CODE_LEN; i++)
        code[i] =
            i == 5 ? '-' : alphabet[(size_t)(loopmsg__emu_random01() * (sizeof alphabet - 1))];
    code[OPTIN_CODE_LEN] = '\0';

    pthread_mutex_lock(&emu->lock);
    json_t *sender = loopmsg__emu_first_active_sender(emu->state);
    char *sender_name =
        loopmsg__libc_strdup(sender ? loopmsg__emu_jstr(sender, "name") : "sandbox");
    json_t *params = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v)
    {
        if (strcmp(k, "body") != 0)
            json_object_set(params, k, v);
    }
    json_t *optin =
        json_pack("{s:s,s:s,s:s,s:o}", "id", id, "code", code, "body", text, "parameters", params);
    loopmsg__emu_state *st = emu->state;
    bool stored = optin &&
                  loopmsg__emu_map_reserve(&st->optin_by_code, st->optin_by_code.count + 1) &&
                  json_array_append(st->optins, optin) == 0;
    /* Keyed by the optin's own "code" string; a code drawn twice keeps its first opt-in. */
    if (stored)
        (void)loopmsg__emu_map_put(&st->optin_by_code, loopmsg__emu_jstr(optin, "code"), optin);
    json_decref(optin);
    pthread_mutex_unlock(&emu->lock);

    char *filled = replace_placeholder(text, code);
    char *enc_filled = filled ? loopmsg__emu_percent_encode(filled) : NULL;
    char *enc_body = loopmsg__emu_percent_encode(text);
    char *enc_sender = sender_name ? loopmsg__emu_percent_encode(sender_name) : NULL;
    if (!enc_filled || !enc_body || !enc_sender) {
        free(filled);
        free(enc_filled);
        free(enc_body);
        free(enc_sender);
        free(sender_name);
        {
            loopmsg__emu_respond_error(resp, 500, 1000, "out of memory");
            return;
        }
    }
    loopmsg__buf url = LOOPMSG__BUF_LIBC, im = LOOPMSG__BUF_LIBC, sms = LOOPMSG__BUF_LIBC,
                 wa = LOOPMSG__BUF_LIBC;
    loopmsg__buf_printf(&url, "https://opt-in.imsg.link/opt-in/%.5s/?id=%s&body=%s", id, id,
                        enc_body);
    loopmsg__buf_printf(&im, "imessage://%s&body=%s", enc_sender, enc_filled);
    loopmsg__buf_printf(&sms, "sms:%s&body=%s", enc_sender, enc_filled);
    loopmsg__buf_printf(&wa, "whatsapp://send?phone=%s&text=%s", enc_sender, enc_filled);
    json_t *out = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?}", "id", id, "url", url.ptr, "imessage",
                            im.ptr, "sms", sms.ptr, "whatsapp", wa.ptr);
    loopmsg__buf_clear(&url);
    loopmsg__buf_clear(&im);
    loopmsg__buf_clear(&sms);
    loopmsg__buf_clear(&wa);
    free(filled);
    free(enc_filled);
    free(enc_body);
    free(enc_sender);
    free(sender_name);
    loopmsg__emu_respond_json(resp, 200, out);
}
