/* SPDX-License-Identifier: MIT */
/*
 * test_messages.c: every messages call on the wire (method, exact path, headers, JSON body
 * with unset fields absent) and the typed result it produces.
 */
#include "test_support.h"

#include "../support/send_same.h"

#include <stdlib.h>
#include <string.h>

static void test_messages__send_minimal(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+1 (323) 111-2233";
    p.text = "Hello";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    loopmsg_status st = loopmsg_message_send(env->client, &p, &r, &err);
    ts_assert_status(LOOPMSG_OK, st, &err);
    assert_int_equal(err.http_status, 200);
    assert_int_equal(err.attempts, 1);
    assert_non_null(r->message_id);
    assert_true(strlen(r->message_id) >= 32);
    assert_string_equal(r->contact, "+13231112233");
    assert_string_equal(r->text, "Hello");
    assert_null(r->group);
    assert_non_null(r->raw);
    ts_assert_contains(r->raw, r->message_id);
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"+1 (323) 111-2233\",\"text\":\"Hello\"}");
    loopmsg_send_result_free(r);
}

static void test_messages__send_every_field(void **state)
{
    ts_env *env = *state;
    const char *att[] = {"https://example.com/a.png", "https://example.com/b.jpg"};
    loopmsg_send_params p = {
        .version = LOOPMSG_SEND_PARAMS_VERSION,
        .contact = "ruth@example.org",
        .text = "line1\nline2 \xf0\x9f\x98\x80",
        .subject = "Subject",
        .sender = "sender-1",
        .attachments = att,
        .attachment_count = 2,
        .effect = LOOPMSG_EFFECT_INVISIBLE_INK,
        .reply_to_id = "ABC-123",
        .passthrough = "{\"k\":1}",
        .channel = LOOPMSG_CHANNEL_IMESSAGE,
        .contact_file = true,
    };
    ts_script(env, 200, "{\"message_id\":\"M1\",\"contact\":\"ruth@example.org\",\"text\":\"x\"}");
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    assert_string_equal(r->message_id, "M1");
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"ruth@example.org\",\"text\":\"line1\\nline2 \\ud83d\\ude00\","
                      "\"subject\":\"Subject\",\"sender\":\"sender-1\",\"attachments\":"
                      "[\"https://example.com/a.png\",\"https://example.com/b.jpg\"],\"effect\":"
                      "\"invisibleInk\",\"reply_to_id\":\"ABC-123\",\"passthrough\":\"{\\\"k\\\":1}"
                      "\",\"channel\":\"imessage\",\"contact_file\":true}");
    loopmsg_send_result_free(r);
}

static void test_messages__send_uses_default_sender(void **state)
{
    ts_env *env = *state;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.default_sender = "sender-1";
    loopmsg_client *c = ts_client(env, &o);
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "hi";
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, NULL, &err), &err);
    p.sender = "other";
    ts_script(env, 200, "{\"message_id\":\"M2\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(c, &p, NULL, &err), &err);
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"+13231112233\",\"text\":\"hi\",\"sender\":\"sender-1\"}");
    ts_assert_request(env, 1, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"+13231112233\",\"text\":\"hi\",\"sender\":\"other\"}");
    loopmsg_client_free(c);
}

static void test_messages__send_group(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200,
              "{\"message_id\":\"G1\",\"group\":{\"id\":\"GRP\",\"name\":\"Weekend crew\","
              "\"participants\":[\"+14155550142\",\"dana@icloud.com\"]},\"text\":\"Moved\","
              "\"extra\":{\"ignored\":true}}");
    loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    p.group = "GRP";
    p.text = "Moved";
    p.effect = LOOPMSG_EFFECT_CONFETTI;
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_group(env->client, &p, &r, &err), &err);
    assert_string_equal(r->message_id, "G1");
    assert_non_null(r->group);
    assert_string_equal(r->group->id, "GRP");
    assert_string_equal(r->group->name, "Weekend crew");
    assert_int_equal(r->group->participant_count, 2);
    assert_string_equal(r->group->participants[1], "dana@icloud.com");
    assert_null(r->contact);
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"group\":\"GRP\",\"text\":\"Moved\",\"effect\":\"confetti\"}");
    loopmsg_send_result_free(r);
}

static void test_messages__send_group_legacy_group_id_and_no_name(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200, "{\"message_id\":\"G2\",\"group\":{\"group_id\":\"OLD\"}}");
    loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    p.group = "OLD";
    p.text = "x";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_group(env->client, &p, &r, &err), &err);
    assert_string_equal(r->group->id, "OLD");
    assert_null(r->group->name);
    assert_int_equal(r->group->participant_count, 0);
    loopmsg_send_result_free(r);
}

static void test_messages__send_voice_reads_recipient(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200, "{\"message_id\":\"V1\",\"recipient\":\"+14155550142\",\"text\":\"\"}");
    loopmsg_voice_params p = LOOPMSG_VOICE_PARAMS_INIT;
    p.contact = "+14155550142";
    p.media_url = "https://cdn.example.com/v.M4A?sig=1";
    p.passthrough = "pt";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice(env->client, &p, &r, &err), &err);
    assert_string_equal(r->contact, "+14155550142");
    assert_string_equal(r->text, "");
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"+14155550142\",\"media_url\":\"https://cdn.example.com/"
                      "v.M4A?sig=1\",\"passthrough\":\"pt\"}");
    loopmsg_send_result_free(r);
}

static void test_messages__send_voice_to_group(void **state)
{
    ts_env *env = *state;
    /* Against the emulator (group-1 is a fixture): `group` instead of `contact`. */
    loopmsg_voice_params p = LOOPMSG_VOICE_PARAMS_INIT;
    p.group = "group-1";
    p.media_url = "https://cdn.example.com/note.m4a";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice(env->client, &p, &r, &err), &err);
    assert_non_null(r->message_id);
    assert_string_equal(r->contact, "group-1");
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"group\":\"group-1\",\"media_url\":\"https://cdn.example.com/note.m4a\"}");
    loopmsg_send_result_free(r);
    /* The group form of the answer (not documented for voice) is read as well. */
    ts_script(env, 200,
              "{\"message_id\":\"V2\",\"group\":{\"id\":\"group-1\",\"name\":\"G\","
              "\"participants\":[\"+14155550142\"]},\"text\":\"\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice(env->client, &p, &r, &err), &err);
    assert_string_equal(r->message_id, "V2");
    assert_string_equal(r->group->id, "group-1");
    loopmsg_send_result_free(r);
    /* An unknown group: the server's 165. */
    p.group = "nope";
    ts_assert_status(LOOPMSG_E_API, loopmsg_message_send_voice(env->client, &p, &r, &err), &err);
    assert_int_equal(err.api_code, 165);

    /* Exactly one of contact and group, checked before any I/O, naming the field. */
    size_t n = ts_request_count(env);
    p.group = "group-1";
    p.contact = "+14155550142";
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send_voice(env->client, &p, &r, &err),
                     &err);
    assert_string_equal(err.message, "send_voice: group: set either contact or group, not both");
    p.group = NULL;
    p.contact = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send_voice(env->client, &p, &r, &err),
                     &err);
    assert_string_equal(err.message,
                        "send_voice: contact: is required (or group, for an iMessage group)");
    p.group = "group-1";
    p.channel = LOOPMSG_CHANNEL_RCS;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_message_send_voice(env->client, &p, &r, &err),
                     &err);
    assert_string_equal(err.message, "send_voice: channel: groups are iMessage only");
    assert_int_equal(ts_request_count(env), n);
}

/* The layout of loopmsg_voice_params version 1, as a program built against 0.1 has it. */
typedef struct voice_params_v1 {
    unsigned int version;
    const char *contact;
    const char *media_url;
    const char *sender;
    const char *passthrough;
    loopmsg_channel channel;
} voice_params_v1;

static void test_messages__send_voice_reads_version_1(void **state)
{
    ts_env *env = *state;
    /* Exactly the v1 size on the heap: reading `group` would be caught by ASan. */
    voice_params_v1 *v1 = calloc(1, sizeof *v1);
    assert_non_null(v1);
    v1->version = 1;
    v1->contact = "+14155550142";
    v1->media_url = "https://cdn.example.com/v.mp3";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(
        LOOPMSG_OK,
        loopmsg_message_send_voice(env->client, (const loopmsg_voice_params *)v1, &r, &err), &err);
    loopmsg_send_result_free(r);
    ts_assert_request(
        env, 0, "POST", "/api/v1/message/send/", NULL,
        "{\"contact\":\"+14155550142\",\"media_url\":\"https://cdn.example.com/v.mp3\"}");
    v1->contact = NULL;
    ts_assert_status(
        LOOPMSG_E_INVALID_ARG,
        loopmsg_message_send_voice(env->client, (const loopmsg_voice_params *)v1, &r, &err), &err);
    ts_assert_contains(err.message, "send_voice: contact: is required");
    free(v1);
}

static void test_messages__reaction_add_and_remove(void **state)
{
    ts_env *env = *state;
    loopmsg_reaction_params p = LOOPMSG_REACTION_PARAMS_INIT;
    p.contact = "+14155550142";
    p.message_id = "M-1";
    p.reaction = LOOPMSG_REACTION_EMPHASIZE;
    loopmsg_error err;
    ts_script(env, 200, "{\"success\":true}");
    loopmsg_send_result *r = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_reaction(env->client, &p, &r, &err), &err);
    assert_null(r->message_id); /* undocumented response: no id required */
    loopmsg_send_result_free(r);
    p.remove = true;
    p.reaction = LOOPMSG_REACTION_LOVE;
    ts_script(env, 204, NULL);
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send_reaction(env->client, &p, NULL, &err), &err);
    ts_assert_request(env, 0, "POST", "/api/v1/message/send/", NULL,
                      "{\"contact\":\"+14155550142\",\"message_id\":\"M-1\",\"reaction\":"
                      "\"emphasize\"}");
    ts_assert_request(
        env, 1, "POST", "/api/v1/message/send/", NULL,
        "{\"contact\":\"+14155550142\",\"message_id\":\"M-1\",\"reaction\":\"-love\"}");
}

static void test_messages__typing_both_modes_and_mark_read(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_typing_params a = LOOPMSG_TYPING_PARAMS_INIT;
    a.message_id = "IN-1";
    a.typing_seconds = 5;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(env->client, &a, &err), &err);
    loopmsg_typing_params b = LOOPMSG_TYPING_PARAMS_INIT;
    b.contact = "+14155550142";
    b.sender = "sender-1";
    b.typing_seconds = 60;
    b.read = true;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(env->client, &b, &err), &err);
    loopmsg_typing_params c = LOOPMSG_TYPING_PARAMS_INIT;
    c.message_id = "IN-2";
    ts_assert_status(LOOPMSG_OK, loopmsg_message_mark_read(env->client, &c, &err), &err);
    ts_assert_request(env, 0, "POST", "/api/v1/message/show-typing/", NULL,
                      "{\"message_id\":\"IN-1\",\"typing\":5}");
    ts_assert_request(env, 1, "POST", "/api/v1/message/show-typing/", NULL,
                      "{\"contact\":\"+14155550142\",\"sender\":\"sender-1\",\"typing\":60,"
                      "\"read\":true}");
    ts_assert_request(env, 2, "POST", "/api/v1/message/show-typing/", NULL,
                      "{\"message_id\":\"IN-2\",\"read\":true}");
}

static void test_messages__status_path_and_fields(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200,
              "{\"message_id\":\"6C5B\",\"status\":\"failed\",\"contact\":\"+447700900123\","
              "\"text\":\"Your order\",\"error_code\":1020,\"last_update\":"
              "\"2026-03-14T18:22:41.507Z\",\"new_field\":[1,2]}");
    loopmsg_message_status *s = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, "a b/c+d", &s, &err),
                     &err);
    assert_string_equal(s->message_id, "6C5B");
    assert_int_equal(s->status, LOOPMSG_DELIVERY_FAILED);
    assert_string_equal(s->status_name, "failed");
    assert_string_equal(s->contact, "+447700900123");
    assert_string_equal(s->text, "Your order");
    assert_int_equal(s->api_code, 1020);
    assert_string_equal(s->last_update, "2026-03-14T18:22:41.507Z");
    ts_assert_request(env, 0, "GET", "/v1/message/status/a%20b%2Fc%2Bd/", NULL, NULL);
    loopmsg_message_status_free(s);
}

static void test_messages__status_unknown_value_and_missing_fields(void **state)
{
    ts_env *env = *state;
    ts_script(env, 200, "{\"status\":\"queued-somewhere\"}");
    loopmsg_message_status *s = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, "X", &s, &err), &err);
    assert_int_equal(s->status, LOOPMSG_DELIVERY_OTHER);
    assert_string_equal(s->status_name, "queued-somewhere");
    assert_null(s->message_id);
    assert_null(s->last_update);
    assert_int_equal(s->api_code, 0);
    loopmsg_message_status_free(s);
}

static void test_messages__send_then_status_round_trip(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "round trip";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    loopmsg_message_status *s = NULL;
    uint64_t until = ts_now_ms() + 5000;
    do {
        loopmsg_message_status_free(s);
        s = NULL;
        ts_assert_status(LOOPMSG_OK,
                         loopmsg_message_status_get(env->client, r->message_id, &s, &err), &err);
    } while (s->status == LOOPMSG_DELIVERY_PROCESSING && ts_now_ms() < until);
    assert_int_equal(s->status, LOOPMSG_DELIVERY_DELIVERED);
    assert_string_equal(s->message_id, r->message_id);
    loopmsg_message_status_free(s);
    loopmsg_send_result_free(r);
}

static void test_messages__response_examples_decode(void **state)
{
    ts_env *env = *state;
    char *body = ts_read_file(ts_data_path("responses/send_message.json"), NULL);
    assert_non_null(body);
    ts_script(env, 200, body);
    free(body);
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+14155550142";
    p.text = "Yes, 9am to 4pm on Saturday.";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    assert_string_equal(r->message_id, "2E7B9C1D-4A3F-4B6E-8D2C-1F0A9B8C7D6E");
    assert_string_equal(r->contact, "+14155550142");
    loopmsg_send_result_free(r);

    body = ts_read_file(ts_data_path("responses/message_status.json"), NULL);
    assert_non_null(body);
    ts_script(env, 200, body);
    free(body);
    loopmsg_message_status *s = NULL;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_status_get(env->client, "6C5B4A39", &s, &err),
                     &err);
    assert_int_equal(s->api_code, 1020);
    assert_int_equal(s->status, LOOPMSG_DELIVERY_FAILED);
    loopmsg_message_status_free(s);
}

/* The emulator's send answer is one the engine reads with the fast decoder (send_fast.c),
 * and the result is the full path's, field by field; an answer it declines is still read
 * by the full path. */
static void test_messages__send_answer_takes_the_fast_path(void **state)
{
    ts_env *env = *state;
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "benchmark \"message\" \xc3\xa9";
    loopmsg_send_result *r = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    assert_int_equal(err.http_status, 200);
    assert_int_equal(err.flags, 0);
    assert_string_equal(err.message, "");
    assert_true(strlen(r->message_id) >= 32);
    assert_string_equal(r->contact, "+13231112233");
    assert_string_equal(r->text, "benchmark \"message\" \xc3\xa9");
    assert_null(r->group);
    assert_int_equal(r->raw_len, strlen(r->raw));
    ts_assert_contains(r->raw, r->message_id);
    void *fast = NULL;
    assert_true(loopmsg__op_send.decode_fast(&fast, r->raw, r->raw_len));
    loopmsg_send_result *full = NULL;
    ts_assert_status(LOOPMSG_OK, send_full_path(&loopmsg__op_send, r->raw, r->raw_len, &full, &err),
                     &err);
    assert_true(send_same_result(fast, r));
    assert_true(send_same_result(full, r));
    loopmsg_send_result_free(full);
    loopmsg_send_result_free(fast);
    loopmsg_send_result_free(r);

    /* success:1 passes classification; the fast path leaves it to the full path. */
    ts_script(env, 200, "{\"success\":1,\"message_id\":\"m-1\",\"recipient\":\"+1\"}");
    ts_assert_status(LOOPMSG_OK, loopmsg_message_send(env->client, &p, &r, &err), &err);
    assert_int_equal(err.http_status, 200);
    assert_string_equal(r->message_id, "m-1");
    assert_string_equal(r->contact, "+1");
    assert_null(r->text);
    loopmsg_send_result_free(r);

    /* success:false in a 200 is the API's error, whichever path looks first. */
    ts_script(env, 200, "{\"success\":false,\"message_id\":\"m-2\",\"message\":\"no\"}");
    r = NULL;
    loopmsg_status st = loopmsg_message_send(env->client, &p, &r, &err);
    ts_assert_status(LOOPMSG_E_API, st, &err);
    assert_err(&err, LOOPMSG_E_API, 200, 0, F_S, 1);
    assert_string_equal(err.message, "send: HTTP 200: \"no\"");
    assert_null(r);
}

static void test_messages__enum_names_round_trip(void **state)
{
    (void)state;
    for (int e = LOOPMSG_EFFECT_SLAM; e <= LOOPMSG_EFFECT_CELEBRATION; e++) {
        loopmsg_effect back;
        assert_int_equal(loopmsg_effect_parse(loopmsg_effect_name((loopmsg_effect)e), &back),
                         LOOPMSG_OK);
        assert_int_equal(back, e);
    }
    assert_null(loopmsg_effect_name(LOOPMSG_EFFECT_NONE));
    assert_null(loopmsg_effect_name((loopmsg_effect)99));
    assert_int_equal(loopmsg_effect_parse("Slam", NULL), LOOPMSG_E_INVALID_ARG);
    loopmsg_reaction r;
    bool remove;
    assert_int_equal(loopmsg_reaction_parse("-question", &r, &remove), LOOPMSG_OK);
    assert_int_equal(r, LOOPMSG_REACTION_QUESTION);
    assert_true(remove);
    assert_int_equal(loopmsg_reaction_parse("exclaim", &r, &remove), LOOPMSG_E_INVALID_ARG);
    loopmsg_channel ch;
    assert_int_equal(loopmsg_channel_parse("whatsapp", &ch), LOOPMSG_OK);
    assert_int_equal(ch, LOOPMSG_CHANNEL_WHATSAPP);
    assert_string_equal(loopmsg_delivery_status_name(LOOPMSG_DELIVERY_UNKNOWN), "unknown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_messages__send_minimal),
        T(test_messages__send_every_field),
        T(test_messages__send_uses_default_sender),
        T(test_messages__send_group),
        T(test_messages__send_group_legacy_group_id_and_no_name),
        T(test_messages__send_voice_reads_recipient),
        T(test_messages__send_voice_to_group),
        T(test_messages__send_voice_reads_version_1),
        T(test_messages__reaction_add_and_remove),
        T(test_messages__typing_both_modes_and_mark_read),
        T(test_messages__status_path_and_fields),
        T(test_messages__status_unknown_value_and_missing_fields),
        T(test_messages__send_then_status_round_trip),
        T(test_messages__response_examples_decode),
        T(test_messages__send_answer_takes_the_fast_path),
        T(test_messages__enum_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
