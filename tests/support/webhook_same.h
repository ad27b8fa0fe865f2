/* SPDX-License-Identifier: MIT */
/*
 * webhook_same.h: whether two events of the shapes the webhook fast path reads
 * (src/lib/webhook_fast.c) are the same, field by field; shared by test_webhook_parse and
 * fuzz_webhook_parse, which hold the fast path to the jansson parser's results.
 */
#ifndef LOOPMSG_TEST_WEBHOOK_SAME_H
#define LOOPMSG_TEST_WEBHOOK_SAME_H

#include <loopmsg.h>

#include <string.h>

static inline int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static inline int same_list(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (!a != !b || na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i]))
            return 0;
    return 1;
}

static inline int same_language(const loopmsg_webhook_language *a,
                                const loopmsg_webhook_language *b)
{
    if (!a || !b)
        return a == b;
    return same_str(a->code, b->code) && same_str(a->name, b->name) &&
           same_str(a->script, b->script);
}

/* Every field of two events of the shapes the fast path reads. */
static inline int webhook_same_event(const loopmsg_webhook_event *a, const loopmsg_webhook_event *b)
{
    const loopmsg_webhook_group *ga = a->group, *gb = b->group;
    if (!ga != !gb || (ga && (!same_str(ga->id, gb->id) || !same_str(ga->name, gb->name) ||
                              !same_list(ga->participants, ga->participant_count, gb->participants,
                                         gb->participant_count))))
        return 0;
    return a->type == b->type && same_str(a->event, b->event) &&
           same_str(a->webhook_id, b->webhook_id) && same_str(a->api_version, b->api_version) &&
           same_str(a->message_id, b->message_id) && same_str(a->contact, b->contact) &&
           same_str(a->text, b->text) && same_str(a->sender, b->sender) &&
           same_str(a->passthrough, b->passthrough) && same_str(a->message_type, b->message_type) &&
           same_str(a->channel, b->channel) && same_str(a->subject, b->subject) &&
           same_list(a->attachments, a->attachment_count, b->attachments, b->attachment_count) &&
           same_str(a->thread_id, b->thread_id) && same_language(a->language, b->language) &&
           !a->speech && !b->speech && a->api_code == b->api_code &&
           a->has_api_code == b->has_api_code && same_str(a->reaction, b->reaction) &&
           same_str(a->organization_id, b->organization_id) &&
           same_str(a->phone_number, b->phone_number) && same_str(a->status, b->status) &&
           same_str(a->payload_type, b->payload_type) && a->custom_field_count == 0 &&
           b->custom_field_count == 0 && a->raw_len == b->raw_len &&
           memcmp(a->raw, b->raw, a->raw_len + 1) == 0 && !a->request_id && !b->request_id &&
           !a->lookup && !b->lookup;
}

#endif
