/* SPDX-License-Identifier: MIT */
/*
 * fuzz_webhook_parse.c: any bytes into loopmsg_webhook_parse(). On success every field of the
 * event is read (so that ASan sees a bad pointer) and the event is dispatched; on failure the
 * error must be set. Never a crash, a leak or a hang. And the two parsers agree: whatever the
 * fast path (webhook_fast.c) accepts, the jansson parser accepts as exactly the same event.
 */
#include <loopmsg.h>

#include "webhook_int.h"

#include "../tests/support/webhook_same.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static int count_cb(const loopmsg_webhook_event *ev, void *user_data)
{
    (*(size_t *)user_data) += touch(ev->event);
    return ev->type == LOOPMSG_EVENT_UNKNOWN;
}

static size_t walk(const loopmsg_webhook_event *ev)
{
    size_t n = touch(ev->event) + touch(ev->webhook_id) + touch(ev->api_version) +
               touch(ev->message_id) + touch(ev->contact) + touch(ev->text) + touch(ev->sender) +
               touch(ev->passthrough) + touch(ev->message_type) + touch(ev->channel) +
               touch(ev->subject) + touch(ev->thread_id) + touch(ev->reaction) +
               touch(ev->organization_id) + touch(ev->phone_number) + touch(ev->status) +
               touch(ev->payload_type) + ev->raw_len + touch(ev->raw);
    for (size_t i = 0; i < ev->attachment_count; i++)
        n += touch(ev->attachments[i]);
    if (ev->language)
        n += touch(ev->language->code) + touch(ev->language->name) + touch(ev->language->script);
    if (ev->group) {
        n += touch(ev->group->id) + touch(ev->group->name);
        for (size_t i = 0; i < ev->group->participant_count; i++)
            n += touch(ev->group->participants[i]);
    }
    if (ev->speech) {
        n += touch(ev->speech->text);
        if (ev->speech->language)
            n += touch(ev->speech->language->code) + touch(ev->speech->language->name);
        if (ev->speech->metadata)
            n += ev->speech->metadata->has_voicing;
    }
    for (size_t i = 0; i < ev->custom_field_count; i++)
        n += touch(ev->custom_fields[i].key) + touch(ev->custom_fields[i].value);
    n += strlen(loopmsg_event_type_name(ev->type)) + touch(ev->request_id);
    const loopmsg_lookup_result *r = ev->lookup;
    if (r) {
        n += touch(r->request_id) + touch(r->contact) + touch(r->webhook_id) + touch(r->status) +
             touch(r->result_json) + touch(r->raw) + r->raw_len + r->has_result;
        const loopmsg_lookup_service *s[2] = {&r->imessage, &r->facetime};
        for (int k = 0; k < 2; k++)
            n += touch(s[k]->status) + touch(s[k]->date) + touch(s[k]->link_imessage) +
                 touch(s[k]->link_sms) + touch(s[k]->link_facetime) +
                 touch(s[k]->link_facetime_audio) + touch(s[k]->link_tel) +
                 strlen(loopmsg_lookup_availability_name(s[k]->availability));
        const loopmsg_lookup_details *d = r->details;
        if (d) {
            n += touch(d->carrier) + touch(d->number_type) + touch(d->country_iso2) +
                 touch(d->country_iso3) + touch(d->country_name) + touch(d->country_flag) +
                 touch(d->country_description) + touch(d->format_e164) +
                 touch(d->format_international) + touch(d->format_national) +
                 touch(d->format_out_of_usa) + touch(d->format_rfc3966) +
                 (size_t)d->country_numeric;
            for (size_t i = 0; i < d->currency_count; i++)
                n += touch(d->currencies[i]);
            for (size_t i = 0; i < d->time_zone_count; i++)
                n += touch(d->time_zones[i]);
        }
        n += strlen(loopmsg_lookup_state_name(r->state));
    }
    return n;
}

static void check_parsers_agree(const char *body, size_t size)
{
    loopmsg_webhook_event *fast = loopmsg__webhook_parse_fast(body, size);
    if (!fast)
        return;
    loopmsg_webhook_event *dom = NULL;
    if (loopmsg__webhook_parse_dom(&dom, body, size, NULL) != LOOPMSG_OK || !dom ||
        !webhook_same_event(fast, dom))
        abort();
    loopmsg_webhook_event_free(dom);
    loopmsg_webhook_event_free(fast);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy so that any read past the end is caught. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);
    check_parsers_agree(body, size);

    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_parse(body, size, &ev, &err);
    if (st == LOOPMSG_OK) {
        if (!ev || ev->raw_len != size || memcmp(ev->raw, body, size) != 0)
            abort();
        size_t n = walk(ev);
        loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
        h.on_any = count_cb;
        h.on_unknown = count_cb;
        h.on_lookup_result = count_cb;
        /* Only on_unknown (and then on_any) fails, so the result is known in advance. */
        if (loopmsg_webhook_dispatch(&h, ev, &n) != (ev->type == LOOPMSG_EVENT_UNKNOWN))
            abort();
        loopmsg_webhook_event_free(ev);
    } else if (ev != NULL || err.status != st || err.message[0] == '\0') {
        abort();
    }

    /* The same bytes under a small limit: either too large or the same outcome. */
    loopmsg_webhook_parse_options opts = LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT;
    opts.max_body_bytes = 64;
    loopmsg_status st2 = loopmsg_webhook_parse_ex(body, size, &opts, &ev, &err);
    if (size > 64 ? st2 != LOOPMSG_E_TOO_LARGE : st2 != st)
        abort();
    loopmsg_webhook_event_free(ev);
    free(body);
    return 0;
}
