/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_parse.c: loopmsg_webhook_parse() on every sample payload of Loop's docs, field by
 * field, and on hostile bodies (truncated, wrong types, duplicate keys, too large, not UTF-8).
 * The counting allocator of tests/support checks that every event is freed and that an allocation
 * failure at any point gives LOOPMSG_E_NOMEM without a leak.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_int.h"

#include "../support/webhook_same.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static char *read_sample(const char *name, size_t *len)
{
    const char *dir = getenv("LOOPMSG_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/webhooks/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set LOOPMSG_TEST_DATA)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static loopmsg_webhook_event *parse_sample(const char *name)
{
    size_t len;
    char *body = read_sample(name, &len);
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_parse(body, len, &ev, &err);
    if (st != LOOPMSG_OK)
        fail_msg("%s: %s", name, err.message);
    assert_int_equal(err.status, LOOPMSG_OK);
    assert_non_null(ev);
    /* The raw body is kept byte for byte. */
    assert_int_equal(ev->raw_len, len);
    assert_memory_equal(ev->raw, body, len);
    assert_int_equal(ev->raw[len], '\0');
    free(body);
    return ev;
}

static loopmsg_status parse_str(const char *body, loopmsg_error *err)
{
    loopmsg_webhook_event *ev = (loopmsg_webhook_event *)0x1;
    loopmsg_status st = loopmsg_webhook_parse(body, strlen(body), &ev, err);
    if (st != LOOPMSG_OK)
        assert_null(ev);
    loopmsg_webhook_event_free(ev);
    return st;
}

static void expect_error(const char *body, loopmsg_status want, const char *fragment)
{
    loopmsg_error err;
    loopmsg_status st = parse_str(body, &err);
    if (st != want)
        fail_msg("body %s: status %d, want %d (%s)", body, st, want, err.message);
    assert_int_equal(err.status, want);
    if (!strstr(err.message, fragment))
        fail_msg("body %s: message \"%s\" lacks \"%s\"", body, err.message, fragment);
}

/* Fields common to every sample that the sample does not set must be NULL. */
static void assert_no_opt_in(const loopmsg_webhook_event *ev)
{
    assert_null(ev->custom_fields);
    assert_int_equal(ev->custom_field_count, 0);
}

/* ---- the samples, field by field -------------------------------------------------------- */

static void test_webhook_parse__message_inbound_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_inbound.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_INBOUND);
    assert_string_equal(ev->event, "message_inbound");
    assert_string_equal(ev->webhook_id, "7f1c2a9e-4b6d-4e0a-9c3b-2d8e5f6a1b74");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "c0a8e3f1-5d2b-4a7e-8f19-6b3d2e1a9c05");
    assert_string_equal(ev->contact, "+14155550142");
    assert_string_equal(ev->text, "Are you open on Saturday?");
    assert_string_equal(ev->message_type, "text");
    assert_string_equal(ev->channel, "imessage");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_string_equal(ev->thread_id, "A1B2C3D4-0000-4E5F-8A9B-C0D1E2F30415");
    assert_non_null(ev->language);
    assert_string_equal(ev->language->code, "en");
    assert_string_equal(ev->language->name, "English");
    assert_null(ev->language->script);
    assert_non_null(ev->group);
    assert_string_equal(ev->group->id, "3F6A9D21-7C4E-4B8A-9E12-5D0C7B3A8F66");
    assert_string_equal(ev->group->name, "Weekend crew");
    assert_int_equal(ev->group->participant_count, 3);
    assert_string_equal(ev->group->participants[0], "+14155550142");
    assert_string_equal(ev->group->participants[1], "+14155550177");
    assert_string_equal(ev->group->participants[2], "dana@icloud.com");
    assert_null(ev->passthrough);
    assert_null(ev->subject);
    assert_null(ev->attachments);
    assert_int_equal(ev->attachment_count, 0);
    assert_null(ev->speech);
    assert_false(ev->has_api_code);
    assert_int_equal(ev->api_code, 0);
    assert_null(ev->reaction);
    assert_null(ev->organization_id);
    assert_null(ev->phone_number);
    assert_null(ev->status);
    assert_null(ev->payload_type);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_inbound_audio_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_inbound_audio.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_INBOUND);
    assert_string_equal(ev->webhook_id, "b3d4e5f6-0a1b-4c2d-8e3f-4a5b6c7d8e9f");
    assert_string_equal(ev->message_id, "8e2f4a6c-1b3d-4f5a-9c7e-0d2f4b6a8c1e");
    assert_string_equal(ev->contact, "ruth.k@example.org");
    assert_string_equal(ev->text, "");
    assert_string_equal(ev->message_type, "audio");
    assert_string_equal(ev->channel, "imessage");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_int_equal(ev->attachment_count, 1);
    assert_string_equal(ev->attachments[0],
                        "https://cdn.example-loop-files.net/in/8e2f4a6c/voice.caf");
    assert_non_null(ev->speech);
    assert_string_equal(ev->speech->text, "Hi, can you call me back after five?");
    assert_non_null(ev->speech->language);
    assert_string_equal(ev->speech->language->code, "en");
    assert_string_equal(ev->speech->language->name, "English");
    assert_null(ev->speech->language->script);
    assert_false(ev->speech->has_confidence);
    const loopmsg_webhook_speech_metadata *m = ev->speech->metadata;
    assert_non_null(m);
    assert_true(m->has_speaking_rate && m->has_average_pause_duration &&
                m->has_speech_start_timestamp && m->has_speech_duration && m->has_jitter &&
                m->has_shimmer && m->has_pitch && m->has_voicing);
    assert_true(m->speaking_rate == 142.5);
    assert_true(m->average_pause_duration == 0.31);
    assert_true(m->speech_start_timestamp == 0.42);
    assert_true(m->speech_duration == 3.87);
    assert_true(m->jitter == 1.9);
    assert_true(m->shimmer == 0.64);
    assert_true(m->pitch == 0.12);
    assert_true(m->voicing == 0.83);
    assert_null(ev->language);
    assert_null(ev->group);
    assert_null(ev->thread_id);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_delivered_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_delivered.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_DELIVERED);
    assert_string_equal(ev->event, "message_delivered");
    assert_string_equal(ev->webhook_id, "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "2E7B9C1D-4A3F-4B6E-8D2C-1F0A9B8C7D6E");
    assert_string_equal(ev->contact, "+14155550142");
    assert_string_equal(ev->text, "Yes, 9am to 4pm on Saturday.");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_string_equal(ev->passthrough, "{\"ticket\":\"T-20931\"}");
    assert_null(ev->message_type);
    assert_null(ev->channel);
    assert_false(ev->has_api_code);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_failed_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_failed.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_FAILED);
    assert_string_equal(ev->event, "message_failed");
    assert_string_equal(ev->webhook_id, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "6C5B4A39-2817-4F06-9E5D-4C3B2A190807");
    assert_string_equal(ev->contact, "+447700900123");
    assert_string_equal(ev->text, "Your order has shipped.");
    assert_true(ev->has_api_code);
    assert_int_equal(ev->api_code, 1020);
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_string_equal(ev->passthrough, "order-55812");
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_reaction_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_reaction.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_REACTION);
    assert_string_equal(ev->event, "message_reaction");
    assert_string_equal(ev->webhook_id, "4c3d2e1f-0a9b-4c8d-b7e6-f5a4b3c2d1e0");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "2E7B9C1D-4A3F-4B6E-8D2C-1F0A9B8C7D6E");
    assert_string_equal(ev->contact, "+14155550142");
    assert_string_equal(ev->text, "Yes, 9am to 4pm on Saturday.");
    assert_string_equal(ev->message_type, "reaction");
    assert_string_equal(ev->reaction, "like");
    assert_string_equal(ev->channel, "imessage");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_null(ev->passthrough);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_scheduled_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("message_scheduled.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_SCHEDULED);
    assert_string_equal(ev->event, "message_scheduled");
    assert_string_equal(ev->webhook_id, "8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "6C5B4A39-2817-4F06-9E5D-4C3B2A190807");
    assert_string_equal(ev->contact, "+447700900123");
    assert_string_equal(ev->text, "Your order has shipped.");
    assert_null(ev->sender);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__opt_in_top_level_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("opt-in.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_OPT_IN);
    assert_string_equal(ev->event, "opt-in");
    assert_string_equal(ev->webhook_id, "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->message_id, "f7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2190");
    assert_string_equal(ev->contact, "+13035550188");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_null(ev->payload_type);
    /* Every top-level key the library does not know, in body order. */
    assert_int_equal(ev->custom_field_count, 2);
    assert_string_equal(ev->custom_fields[0].key, "click_id");
    assert_string_equal(ev->custom_fields[0].value, "clk_81fa22");
    assert_false(ev->custom_fields[0].is_json);
    assert_string_equal(ev->custom_fields[1].key, "utm_campaign");
    assert_string_equal(ev->custom_fields[1].value, "spring-launch");
    assert_false(ev->custom_fields[1].is_json);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__opt_in_docs_variant_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("opt-in_docs_variant.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_OPT_IN);
    assert_string_equal(ev->event, "message_inbound");
    assert_string_equal(ev->payload_type, "opt_in");
    assert_string_equal(ev->webhook_id, "a5b4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d");
    assert_string_equal(ev->message_id, "d2c1b0a9-f8e7-4d6c-b5a4-93827160f5e4");
    assert_string_equal(ev->organization_id, "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    assert_string_equal(ev->contact, "+13035550188");
    assert_string_equal(ev->text, "Sign me up for drop alerts!");
    assert_null(ev->api_version);
    assert_non_null(ev->language);
    assert_string_equal(ev->language->code, "en");
    assert_string_equal(ev->language->name, "English");
    assert_int_equal(ev->custom_field_count, 3);
    assert_string_equal(ev->custom_fields[0].key, "click_id");
    assert_string_equal(ev->custom_fields[0].value, "clk_81fa22");
    assert_string_equal(ev->custom_fields[1].key, "utm_campaign");
    assert_string_equal(ev->custom_fields[1].value, "spring-launch");
    assert_string_equal(ev->custom_fields[2].key, "utm_medium");
    assert_string_equal(ev->custom_fields[2].value, "instagram");
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__inbound_call_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("inbound_call.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_INBOUND_CALL);
    assert_string_equal(ev->event, "inbound_call");
    assert_string_equal(ev->webhook_id, "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->contact, "+14155550142");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_null(ev->message_id);
    assert_null(ev->text);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__sender_name_updated_fields(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("sender_name_updated.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_SENDER_NAME_UPDATED);
    assert_string_equal(ev->event, "sender_name_updated");
    assert_string_equal(ev->webhook_id, "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e");
    assert_string_equal(ev->organization_id, "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    assert_string_equal(ev->sender, "5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418");
    assert_string_equal(ev->phone_number, "+17375550101");
    assert_string_equal(ev->status, "active");
    assert_null(ev->api_version); /* the docs sample has none */
    assert_null(ev->contact);
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__unknown_literal(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse_sample("unknown.json");
    assert_int_equal(ev->type, LOOPMSG_EVENT_UNKNOWN);
    assert_string_equal(ev->event, "unknown");
    assert_string_equal(ev->webhook_id, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    assert_string_equal(ev->api_version, "1.0");
    assert_string_equal(ev->contact, "+14155550142");
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__unknown_event_keeps_name_and_raw(void **state)
{
    (void)state;
    const char *body = "{\"event\":\"group_created\",\"webhook_id\":\"w1\",\"future\":{\"x\":[1]}}";
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, &err), LOOPMSG_OK);
    assert_int_equal(ev->type, LOOPMSG_EVENT_UNKNOWN);
    assert_string_equal(ev->event, "group_created");
    assert_string_equal(ev->webhook_id, "w1");
    assert_string_equal(ev->raw, body);
    assert_int_equal(ev->raw_len, strlen(body));
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__event_type_names(void **state)
{
    (void)state;
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_UNKNOWN), "unknown");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_MESSAGE_INBOUND), "message_inbound");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_MESSAGE_DELIVERED),
                        "message_delivered");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_MESSAGE_FAILED), "message_failed");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_MESSAGE_REACTION),
                        "message_reaction");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_MESSAGE_SCHEDULED),
                        "message_scheduled");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_OPT_IN), "opt-in");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_INBOUND_CALL), "inbound_call");
    assert_string_equal(loopmsg_event_type_name(LOOPMSG_EVENT_SENDER_NAME_UPDATED),
                        "sender_name_updated");
    assert_string_equal(loopmsg_event_type_name((loopmsg_event_type)999), "unknown");
}

/* ---- lenient where Loop is vague -------------------------------------------------------- */

static void test_webhook_parse__null_fields_are_absent(void **state)
{
    (void)state;
    const char *body = "{\"event\":\"message_inbound\",\"subject\":null,\"group\":null,"
                       "\"attachments\":null,\"error_code\":null,\"speech\":{\"text\":null,"
                       "\"metadata\":{\"jitter\":null,\"pitch\":0}}}";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_null(ev->subject);
    assert_null(ev->group);
    assert_null(ev->attachments);
    assert_false(ev->has_api_code);
    assert_non_null(ev->speech);
    assert_null(ev->speech->text);
    assert_non_null(ev->speech->metadata);
    assert_false(ev->speech->metadata->has_jitter);
    assert_true(ev->speech->metadata->has_pitch);
    assert_true(ev->speech->metadata->pitch == 0.0);
    assert_false(ev->speech->metadata->has_voicing);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__unknown_fields_ignored(void **state)
{
    (void)state;
    const char *body = "{\"brand_new\":[1,2,{\"deep\":true}],\"event\":\"message_delivered\","
                       "\"contact\":\"+1\",\"x\":1.5e300}";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_DELIVERED);
    assert_string_equal(ev->contact, "+1");
    assert_no_opt_in(ev); /* only opt-in events collect top-level extras */
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__group_id_alias_and_extras(void **state)
{
    (void)state;
    const char *body = "{\"event\":\"message_inbound\",\"group\":{\"group_id\":\"G1\","
                       "\"participants\":[]},\"language\":{\"code\":\"zh\",\"name\":\"Chinese\","
                       "\"script\":\"Hant\"},\"speech\":{\"confidence\":0.5}}";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_string_equal(ev->group->id, "G1");
    assert_null(ev->group->name);
    assert_int_equal(ev->group->participant_count, 0);
    assert_string_equal(ev->language->script, "Hant");
    assert_true(ev->speech->has_confidence);
    assert_true(ev->speech->confidence == 0.5);
    assert_null(ev->speech->metadata);
    assert_null(ev->speech->language);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__opt_in_custom_values_of_any_type(void **state)
{
    (void)state;
    const char *body = "{\"event\":\"opt-in\",\"contact\":\"+1\",\"n\":42,\"r\":0.31,"
                       "\"b\":true,\"o\":{\"a\":[1,\"x\"]},\"z\":null,\"s\":\"\\u00e9\","
                       "\"parameters\":{\"p\":\"q\",\"big\":1e3}}";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_int_equal(ev->type, LOOPMSG_EVENT_OPT_IN);
    assert_int_equal(ev->custom_field_count, 8);
    /* `parameters` members first, then the top-level extras, each in body order. */
    const struct {
        const char *k, *v;
        bool json;
    } want[] = {{"p", "q", false},   {"big", "1000.0", true}, {"n", "42", true},
                {"r", "0.31", true}, {"b", "true", true},     {"o", "{\"a\":[1,\"x\"]}", true},
                {"z", "null", true}, {"s", "\xc3\xa9", false}};
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(ev->custom_fields[i].key, want[i].k);
        assert_string_equal(ev->custom_fields[i].value, want[i].v);
        assert_int_equal(ev->custom_fields[i].is_json, want[i].json);
    }
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__message_inbound_without_opt_in_type_stays_inbound(void **state)
{
    (void)state;
    const char *body = "{\"event\":\"message_inbound\",\"type\":\"text\",\"parameters\":5}";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_INBOUND);
    assert_string_equal(ev->payload_type, "text");
    assert_no_opt_in(ev);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_parse__large_body_under_limit(void **state)
{
    (void)state;
    size_t text_len = 900 * 1024;
    char *body = malloc(text_len + 64);
    assert_non_null(body);
    int n = snprintf(body, 64, "{\"event\":\"message_inbound\",\"text\":\"");
    memset(body + n, 'a', text_len);
    memcpy(body + n + text_len, "\"}", 3);
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(body, strlen(body), &ev, NULL), LOOPMSG_OK);
    assert_int_equal(strlen(ev->text), text_len);
    loopmsg_webhook_event_free(ev);
    free(body);
}

/* ---- strict where it matters ------------------------------------------------------------ */

static void test_webhook_parse__not_json(void **state)
{
    (void)state;
    expect_error("hello", LOOPMSG_E_PROTOCOL, "not valid JSON");
    expect_error("{\"event\":\"message_inbound\",}", LOOPMSG_E_PROTOCOL, "not valid JSON");
    expect_error("{\"event\":\"x\"} trailing", LOOPMSG_E_PROTOCOL, "not valid JSON");
    expect_error("   ", LOOPMSG_E_PROTOCOL, "not valid JSON");
}

static void test_webhook_parse__empty_body(void **state)
{
    (void)state;
    loopmsg_error err;
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse("", 0, &ev, &err), LOOPMSG_E_PROTOCOL);
    assert_string_equal(err.message, "webhook body is empty");
    assert_int_equal(loopmsg_webhook_parse(NULL, 0, &ev, &err), LOOPMSG_E_PROTOCOL);
    assert_null(ev);
}

static void test_webhook_parse__not_an_object(void **state)
{
    (void)state;
    expect_error("[{\"event\":\"message_inbound\"}]", LOOPMSG_E_PROTOCOL, "not a JSON object");
    expect_error("\"message_inbound\"", LOOPMSG_E_PROTOCOL, "not a JSON object");
    expect_error("42", LOOPMSG_E_PROTOCOL, "not a JSON object");
    expect_error("null", LOOPMSG_E_PROTOCOL, "not a JSON object");
}

static void test_webhook_parse__missing_or_bad_event(void **state)
{
    (void)state;
    expect_error("{}", LOOPMSG_E_PROTOCOL, "no \"event\" field");
    expect_error("{\"webhook_id\":\"x\"}", LOOPMSG_E_PROTOCOL, "no \"event\" field");
    expect_error("{\"event\":5}", LOOPMSG_E_PROTOCOL, "\"event\" must be a string");
    expect_error("{\"event\":null}", LOOPMSG_E_PROTOCOL, "\"event\" must be a string");
    expect_error("{\"event\":[\"message_inbound\"]}", LOOPMSG_E_PROTOCOL,
                 "\"event\" must be a string");
}

static void test_webhook_parse__wrong_field_types(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *fragment;
    } cases[] = {
        {"{\"event\":\"message_inbound\",\"contact\":14155550142}", "\"contact\" must be a string"},
        {"{\"event\":\"message_inbound\",\"webhook_id\":{}}", "\"webhook_id\" must be a string"},
        {"{\"event\":\"message_inbound\",\"text\":true}", "\"text\" must be a string"},
        {"{\"event\":\"message_inbound\",\"attachments\":\"https://x\"}",
         "\"attachments\" must be an array of strings"},
        {"{\"event\":\"message_inbound\",\"attachments\":[\"a\",3]}",
         "\"attachments\" must be an array of strings"},
        {"{\"event\":\"message_inbound\",\"group\":[]}", "\"group\" must be an object"},
        {"{\"event\":\"message_inbound\",\"group\":{\"id\":\"g\",\"participants\":\"+1\"}}",
         "\"group.participants\" must be an array of strings"},
        {"{\"event\":\"message_inbound\",\"group\":{\"id\":\"g\",\"participants\":[\"+1\",null]}}",
         "\"group.participants\" must be an array of strings"},
        {"{\"event\":\"message_inbound\",\"group\":{\"id\":7}}", "\"group.id\" must be a string"},
        {"{\"event\":\"message_inbound\",\"language\":\"en\"}", "\"language\" must be an object"},
        {"{\"event\":\"message_inbound\",\"language\":{\"code\":1}}",
         "\"language.code\" must be a string"},
        {"{\"event\":\"message_inbound\",\"speech\":{\"language\":{\"name\":[]}}}",
         "\"speech.language.name\" must be a string"},
        {"{\"event\":\"message_inbound\",\"speech\":{\"metadata\":{\"jitter\":\"1.9\"}}}",
         "\"speech.metadata.jitter\" must be a number"},
        {"{\"event\":\"message_inbound\",\"speech\":{\"metadata\":[]}}",
         "\"speech.metadata\" must be an object"},
        {"{\"event\":\"message_inbound\",\"speech\":\"hi\"}", "\"speech\" must be an object"},
        {"{\"event\":\"message_failed\",\"error_code\":\"1020\"}",
         "\"error_code\" must be an integer"},
        {"{\"event\":\"message_failed\",\"error_code\":10.5}", "\"error_code\" must be an integer"},
        {"{\"event\":\"message_failed\",\"error_code\":99999999999}",
         "\"error_code\" must be an integer in the range of int"},
        {"{\"event\":\"message_inbound\",\"type\":\"opt_in\",\"parameters\":[1]}",
         "\"parameters\" must be an object"},
        {"{\"event\":\"sender_name_updated\",\"status\":1}", "\"status\" must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(cases[i].body, LOOPMSG_E_PROTOCOL, cases[i].fragment);
}

static void test_webhook_parse__duplicate_keys(void **state)
{
    (void)state;
    expect_error("{\"event\":\"message_inbound\",\"event\":\"opt-in\"}", LOOPMSG_E_PROTOCOL,
                 "duplicate");
    expect_error("{\"event\":\"message_inbound\",\"contact\":\"+1\",\"contact\":\"+2\"}",
                 LOOPMSG_E_PROTOCOL, "duplicate");
    expect_error("{\"event\":\"message_inbound\",\"group\":{\"id\":\"a\",\"id\":\"b\"}}",
                 LOOPMSG_E_PROTOCOL, "duplicate");
}

static void test_webhook_parse__too_large(void **state)
{
    (void)state;
    size_t len = LOOPMSG_WEBHOOK_DEFAULT_MAX_BODY_BYTES + 1;
    char *body = malloc(len);
    assert_non_null(body);
    memset(body, ' ', len);
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_parse(body, len, &ev, &err), LOOPMSG_E_TOO_LARGE);
    assert_int_equal(err.status, LOOPMSG_E_TOO_LARGE);
    assert_non_null(strstr(err.message, "1048577 bytes exceeds the limit of 1048576"));
    assert_null(ev);

    /* A smaller limit through the options; exactly at the limit is fine. */
    const char *small = "{\"event\":\"unknown\"}";
    loopmsg_webhook_parse_options opts = LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT;
    opts.max_body_bytes = strlen(small) - 1;
    assert_int_equal(loopmsg_webhook_parse_ex(small, strlen(small), &opts, &ev, &err),
                     LOOPMSG_E_TOO_LARGE);
    opts.max_body_bytes = strlen(small);
    assert_int_equal(loopmsg_webhook_parse_ex(small, strlen(small), &opts, &ev, &err), LOOPMSG_OK);
    loopmsg_webhook_event_free(ev);
    free(body);
}

static void test_webhook_parse__non_utf8_rejected(void **state)
{
    (void)state;
    expect_error("{\"event\":\"message_inbound\",\"text\":\"caf\xe9\"}", LOOPMSG_E_PROTOCOL,
                 "not valid JSON");
    expect_error("{\"event\":\"message_inbound\",\"text\":\"\xc0\xaf\"}", LOOPMSG_E_PROTOCOL,
                 "not valid JSON");
    expect_error("{\"event\":\"message_inbound\",\"text\":\"\xed\xa0\x80\"}", LOOPMSG_E_PROTOCOL,
                 "not valid JSON");
    /* A raw NUL byte inside the body. */
    static const char nul_body[] = "{\"event\":\"x\"}\0";
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse(nul_body, sizeof nul_body - 1, &ev, NULL),
                     LOOPMSG_E_PROTOCOL);
    /* Valid multi-byte UTF-8 is kept as it is. */
    const char *ok = "{\"event\":\"message_inbound\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x91\x8d\"}";
    assert_int_equal(loopmsg_webhook_parse(ok, strlen(ok), &ev, NULL), LOOPMSG_OK);
    assert_string_equal(ev->text, "caf\xc3\xa9 \xf0\x9f\x91\x8d");
    loopmsg_webhook_event_free(ev);
}

/* \u0000 is valid JSON: the event is accepted (a 400 would make Loop retry it and then drop
 * it), the raw body keeps the escape, and each decoded C string carries U+FFFD where the NUL
 * was, so that nothing after it is lost. */
static void test_webhook_parse__escaped_nul_replaced_in_strings(void **state)
{
    (void)state;
    static const char body[] = "{\"event\":\"message_inbound\",\"webhook_id\":\"nul-1\","
                               "\"text\":\"a\\u0000b\\u0000\",\"subject\":\"\\u0000\","
                               "\"attachments\":[\"x\\u0000y\"]}";
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_webhook_parse(body, sizeof body - 1, &ev, &err);
    if (st != LOOPMSG_OK)
        fail_msg("status %d: %s", st, err.message);
    assert_int_equal(ev->type, LOOPMSG_EVENT_MESSAGE_INBOUND);
    assert_string_equal(ev->webhook_id, "nul-1");
    assert_string_equal(ev->text, "a\xef\xbf\xbd"
                                  "b\xef\xbf\xbd");
    assert_string_equal(ev->subject, "\xef\xbf\xbd");
    assert_int_equal(ev->attachment_count, 1);
    assert_string_equal(ev->attachments[0], "x\xef\xbf\xbdy");
    assert_int_equal(ev->raw_len, sizeof body - 1);
    assert_memory_equal(ev->raw, body, sizeof body);
    loopmsg_webhook_event_free(ev);

    /* Opt-in custom values too. */
    static const char optin[] = "{\"event\":\"opt-in\",\"click\":\"\\u0000z\"}";
    assert_int_equal(loopmsg_webhook_parse(optin, sizeof optin - 1, &ev, &err), LOOPMSG_OK);
    assert_int_equal(ev->custom_field_count, 1);
    assert_string_equal(ev->custom_fields[0].key, "click");
    assert_string_equal(ev->custom_fields[0].value, "\xef\xbf\xbdz");
    loopmsg_webhook_event_free(ev);

    /* A NUL in a key has no C representation worth keeping: still malformed. */
    expect_error("{\"event\":\"message_inbound\",\"te\\u0000xt\":\"a\"}", LOOPMSG_E_PROTOCOL,
                 "not valid JSON");
}

static void test_webhook_parse__truncated_samples(void **state)
{
    (void)state;
    static const char *const names[] = {"message_inbound.json", "message_inbound_audio.json",
                                        "opt-in_docs_variant.json", "sender_name_updated.json"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t len;
        char *body = read_sample(names[k], &len);
        /* Trim trailing whitespace so that every shorter prefix is incomplete JSON. */
        while (len && (body[len - 1] == '\n' || body[len - 1] == ' '))
            len--;
        for (size_t n = 0; n < len; n++) {
            /* A private copy of exactly n bytes lets ASan catch any over-read. */
            char *copy = malloc(n ? n : 1);
            assert_non_null(copy);
            memcpy(copy, body, n);
            loopmsg_webhook_event *ev = NULL;
            loopmsg_error err;
            loopmsg_status st = loopmsg_webhook_parse(copy, n, &ev, &err);
            if (st != LOOPMSG_E_PROTOCOL)
                fail_msg("%s truncated to %zu bytes: status %d", names[k], n, st);
            assert_null(ev);
            free(copy);
        }
        free(body);
    }
}

static void test_webhook_parse__deep_nesting_is_an_error_not_a_crash(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *body = malloc(2 * depth + 64);
    assert_non_null(body);
    size_t n = (size_t)snprintf(body, 64, "{\"event\":\"x\",\"a\":");
    memset(body + n, '[', depth);
    memset(body + n + depth, ']', depth);
    memcpy(body + n + 2 * depth, "}", 2);
    expect_error(body, LOOPMSG_E_PROTOCOL, "not valid JSON");
    free(body);
}

static void test_webhook_parse__invalid_arguments(void **state)
{
    (void)state;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_parse("{}", 2, NULL, &err), LOOPMSG_E_INVALID_ARG);
    assert_string_equal(err.message, "out must not be NULL");
    loopmsg_webhook_event *ev = (loopmsg_webhook_event *)0x1;
    assert_int_equal(loopmsg_webhook_parse(NULL, 5, &ev, &err), LOOPMSG_E_INVALID_ARG);
    assert_null(ev);
    loopmsg_webhook_parse_options opts = {0};
    assert_int_equal(loopmsg_webhook_parse_ex("{}", 2, &opts, &ev, &err), LOOPMSG_E_INVALID_ARG);
    assert_non_null(strstr(err.message, "LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT"));
    opts.version = 99;
    assert_int_equal(loopmsg_webhook_parse_ex("{}", 2, &opts, &ev, &err), LOOPMSG_E_INVALID_ARG);
    /* err is optional. */
    assert_int_equal(loopmsg_webhook_parse("[]", 2, &ev, NULL), LOOPMSG_E_PROTOCOL);
    loopmsg_webhook_event_free(NULL);
}

static void test_webhook_parse__success_clears_error(void **state)
{
    (void)state;
    loopmsg_error err;
    memset(&err, 0x5a, sizeof err);
    loopmsg_webhook_event *ev = NULL;
    assert_int_equal(loopmsg_webhook_parse("{\"event\":\"x\"}", 13, &ev, &err), LOOPMSG_OK);
    assert_int_equal(err.status, LOOPMSG_OK);
    assert_int_equal(err.http_status, 0);
    assert_int_equal(err.flags, 0);
    assert_string_equal(err.message, "");
    loopmsg_webhook_event_free(ev);
}

/* ---- the fast path (webhook_fast.c) against the jansson parser ----------------------------- */

/* The event the fast path makes of body, compared with the jansson parser's; NULL when the
 * fast path declined (then the public parse must be the jansson parser's outcome). */
static void check_fast(const char *body, size_t len, int want_fast)
{
    loopmsg_webhook_event *fast = loopmsg__webhook_parse_fast(body, len);
    loopmsg_webhook_event *dom = NULL;
    loopmsg_error derr, perr;
    loopmsg_status dst = loopmsg__webhook_parse_dom(&dom, body, len, &derr);
    if (want_fast) {
        if (!fast)
            fail_msg("the fast path declined %.*s", (int)len, body);
        assert_int_equal(dst, LOOPMSG_OK);
        assert_true(webhook_same_event(fast, dom));
    } else if (fast) {
        fail_msg("the fast path took %.*s", (int)len, body);
    }
    loopmsg_webhook_event *ev = NULL;
    loopmsg_status pst = loopmsg_webhook_parse(body, len, &ev, &perr);
    assert_int_equal(pst, dst);
    if (pst == LOOPMSG_OK)
        assert_true(want_fast ? webhook_same_event(ev, dom) : ev->type == dom->type);
    else
        assert_string_equal(perr.message, derr.message);
    loopmsg_webhook_event_free(ev);
    loopmsg_webhook_event_free(dom);
    loopmsg_webhook_event_free(fast);
}

#define CHECK_FAST(lit, want) check_fast(lit, sizeof lit - 1, want)

static void test_webhook_parse__fast_path_takes_the_common_samples(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int fast;
    } samples[] = {
        {"message_inbound.json", 1},
        {"message_delivered.json", 1},
        {"message_failed.json", 1},
        {"message_reaction.json", 1},
        {"message_scheduled.json", 1},
        {"inbound_call.json", 1},
        {"sender_name_updated.json", 1},
        {"unknown.json", 1},
        {"message_inbound_audio.json", 0}, /* speech: reals */
        {"opt-in.json", 0},
        {"opt-in_docs_variant.json", 0},
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len;
        char *body = read_sample(samples[i].name, &len);
        check_fast(body, len, samples[i].fast);
        free(body);
    }
}

/* What yajl accepts and jansson refuses must be declined, so that the answer stays 400 with
 * jansson's message. */
static void test_webhook_parse__fast_path_declines_what_jansson_refuses(void **state)
{
    (void)state;
    CHECK_FAST("{\f\"event\":\"message_inbound\"}", 0);
    CHECK_FAST("{\v\"event\":\"message_inbound\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\xc0\x80\"}", 0);     /* overlong */
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\xed\xa0\x80\"}", 0); /* surrogate */
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\xf5\x80\x80\x80\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\\ud800\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\\udc00\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\\ud800\\u0041\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"a\\u0000\":1}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"n\":99999999999999999999}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"n\":1e999}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"a\",\"text\":\"b\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"\\u0065vent\":\"x\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"x\":1,\"x\":2}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"language\":{\"code\":\"en\",\"code\":\"fr\"}}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"attachments\":[\"a\",null]}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":5}", 0);
    CHECK_FAST("{\"event\":\"message_failed\",\"error_code\":1.5}", 0);
    CHECK_FAST("{\"event\":\"message_failed\",\"error_code\":2147483648}", 0);
    CHECK_FAST("{\"event\":null}", 0);
    CHECK_FAST("{\"webhook_id\":\"x\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\"} x", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",}", 0);
    CHECK_FAST("[\"event\"]", 0);
    CHECK_FAST("{\"event\":\"message_inbound\"", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"a\nb\"}", 0);
    /* An unterminated string after the object: yajl waits for more, then takes it. */
    CHECK_FAST("{\"event\":\"m\"}\"attath", 0);
    CHECK_FAST("{\"event\":\"m\"} \"x}", 0);
}

/* What the fast path reads, as jansson reads it; and the shapes it leaves to jansson. */
static void test_webhook_parse__fast_path_agrees_with_jansson(void **state)
{
    (void)state;
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"a\\u0000b\"}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"\\ud83d\\ude00 \\u00e9\\n\\/\\\\u\"}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"text\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\x7f\"}", 1);
    CHECK_FAST("{\"\\u0065vent\":\"message_inbound\"}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"attachments\":[]}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"attachments\":null,\"text\":null}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"group\":{\"group_id\":\"g\",\"participants\":[]}}",
               1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"group\":{\"id\":\"i\",\"group_id\":\"g\"}}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"group\":{\"id\":null,\"group_id\":\"g\"}}", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"language\":{},\"group\":null}", 1);
    CHECK_FAST("{\"event\":\"message_failed\",\"error_code\":-0,\"x\":true,\"y\":null,\"z\":-12}",
               1);
    CHECK_FAST("{\"event\":\"message_failed\",\"error_code\":-2147483648}", 1);
    CHECK_FAST(" {\"event\":\"sandbox_only\",\"parameters\":\"p\",\"speech\":null} \r\n\t", 1);
    CHECK_FAST("{\"event\":\"message_inbound\",\"type\":\"opt_in\"}", 0);
    CHECK_FAST("{\"event\":\"opt-in\",\"click_id\":\"c\"}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"meta\":{\"a\":1}}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"meta\":[1]}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"ratio\":0.5}", 0);
    CHECK_FAST("{\"event\":\"message_inbound\",\"language\":{\"code\":\"en\",\"x\":1}}", 0);
}

static void test_webhook_parse__nomem_at_every_allocation(void **state)
{
    (void)state;
    static const char *const names[] = {"message_inbound.json", "message_inbound_audio.json",
                                        "opt-in.json", "opt-in_docs_variant.json"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t len;
        char *body = read_sample(names[k], &len);
        int succeeded = 0;
        long mark = ts_alloc_outstanding();
        for (long n = 1; n <= 200 && !succeeded; n++) {
            ts_alloc_fail_at(n);
            loopmsg_webhook_event *ev = NULL;
            loopmsg_error err;
            /* The jansson parser: the fast path declines on a failed allocation and the
             * public parse then retries with jansson, so it would succeed at n = 1. */
            loopmsg_status st = loopmsg__webhook_parse_dom(&ev, body, len, &err);
            ts_alloc_fail_at(0);
            if (st == LOOPMSG_OK) {
                succeeded = 1;
                loopmsg_webhook_event_free(ev);
            } else {
                assert_int_equal(st, LOOPMSG_E_NOMEM);
                assert_string_equal(err.message, "out of memory");
                assert_null(ev);
            }
            assert_int_equal(ts_alloc_outstanding(), mark);
        }
        assert_true(succeeded);
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_setup, ts_teardown)
        T(test_webhook_parse__message_inbound_fields),
        T(test_webhook_parse__message_inbound_audio_fields),
        T(test_webhook_parse__message_delivered_fields),
        T(test_webhook_parse__message_failed_fields),
        T(test_webhook_parse__message_reaction_fields),
        T(test_webhook_parse__message_scheduled_fields),
        T(test_webhook_parse__opt_in_top_level_fields),
        T(test_webhook_parse__opt_in_docs_variant_fields),
        T(test_webhook_parse__inbound_call_fields),
        T(test_webhook_parse__sender_name_updated_fields),
        T(test_webhook_parse__unknown_literal),
        T(test_webhook_parse__unknown_event_keeps_name_and_raw),
        T(test_webhook_parse__event_type_names),
        T(test_webhook_parse__null_fields_are_absent),
        T(test_webhook_parse__unknown_fields_ignored),
        T(test_webhook_parse__group_id_alias_and_extras),
        T(test_webhook_parse__opt_in_custom_values_of_any_type),
        T(test_webhook_parse__message_inbound_without_opt_in_type_stays_inbound),
        T(test_webhook_parse__large_body_under_limit),
        T(test_webhook_parse__not_json),
        T(test_webhook_parse__empty_body),
        T(test_webhook_parse__not_an_object),
        T(test_webhook_parse__missing_or_bad_event),
        T(test_webhook_parse__wrong_field_types),
        T(test_webhook_parse__duplicate_keys),
        T(test_webhook_parse__too_large),
        T(test_webhook_parse__non_utf8_rejected),
        T(test_webhook_parse__escaped_nul_replaced_in_strings),
        T(test_webhook_parse__truncated_samples),
        T(test_webhook_parse__deep_nesting_is_an_error_not_a_crash),
        T(test_webhook_parse__invalid_arguments),
        T(test_webhook_parse__success_clears_error),
        T(test_webhook_parse__fast_path_takes_the_common_samples),
        T(test_webhook_parse__fast_path_declines_what_jansson_refuses),
        T(test_webhook_parse__fast_path_agrees_with_jansson),
        T(test_webhook_parse__nomem_at_every_allocation),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
