/* SPDX-License-Identifier: MIT */
/*
 * test_validation.c: every local validation rule: each gives
 * LOOPMSG_E_INVALID_ARG with a message naming the field, and nothing reaches the server.
 */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

static char *repeat(const char *unit, size_t n, const char *prefix)
{
    size_t ul = strlen(unit), pl = strlen(prefix);
    char *s = malloc(pl + ul * n + 1);
    memcpy(s, prefix, pl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + pl + i * ul, unit, ul);
    s[pl + ul * n] = '\0';
    return s;
}

static void expect_invalid(ts_env *env, loopmsg_status st, const loopmsg_error *err,
                           const char *needle)
{
    ts_assert_status(LOOPMSG_E_INVALID_ARG, st, err);
    ts_assert_contains(err->message, needle);
    assert_int_equal(err->http_status, 0);
    assert_int_equal(err->attempts, 0);
    assert_int_equal(ts_request_count(env), 0);
}

static loopmsg_status send_p(ts_env *env, loopmsg_send_params *p, loopmsg_error *err)
{
    loopmsg_send_result *r = (loopmsg_send_result *)1;
    loopmsg_status st = loopmsg_message_send(env->client, p, &r, err);
    if (st != LOOPMSG_OK)
        assert_null(r);
    else
        loopmsg_send_result_free(r);
    return st;
}

static loopmsg_send_params base_send(void)
{
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "hi";
    return p;
}

static void test_validation__send_required_fields(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    expect_invalid(env, loopmsg_message_send(env->client, NULL, NULL, &err), &err,
                   "send: params is NULL");
    loopmsg_send_params p = base_send();
    p.version = 0;
    expect_invalid(env, send_p(env, &p, &err), &err, "LOOPMSG_SEND_PARAMS_INIT");
    p = base_send();
    p.version = 99;
    expect_invalid(env, send_p(env, &p, &err), &err, "newer than this library");
    p = base_send();
    p.contact = NULL;
    expect_invalid(env, send_p(env, &p, &err), &err, "send: contact: is required");
    p.contact = "";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: contact: must not be empty");
    p.contact = "+1\n323";
    expect_invalid(env, send_p(env, &p, &err), &err, "contact: must not contain control");
    p = base_send();
    p.text = NULL;
    expect_invalid(env, send_p(env, &p, &err), &err, "send: text: is required");
    p.text = "";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: text: must not be empty");
}

static void test_validation__text_length_counts_characters(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_send_params p = base_send();
    char *t = repeat("a", 10001, "");
    p.text = t;
    expect_invalid(env, send_p(env, &p, &err), &err,
                   "send: text: at most 10000 characters allowed, got 10001");
    free(t);
    /* 10,000 four-byte characters are 40,000 bytes but within the limit. */
    t = repeat("\xf0\x9f\x98\x80", 10000, "");
    p.text = t;
    ts_assert_status(LOOPMSG_OK, send_p(env, &p, &err), &err);
    free(t);
    assert_int_equal(ts_request_count(env), 1);
}

static void test_validation__utf8_everywhere(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_send_params p = base_send();
    p.text = "bad \xc3\x28";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: text: is not valid UTF-8");
    p = base_send();
    p.subject = "\xff";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: subject: is not valid UTF-8");
    p = base_send();
    p.passthrough = "\xed\xa0\x80";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: passthrough: is not valid UTF-8");
    p = base_send();
    p.contact = "\xc0\xaf";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: contact: is not valid UTF-8");
    p = base_send();
    p.sender = "\x80";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: sender: is not valid UTF-8");
}

static void test_validation__attachments(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    const char *six[] = {"https://a/1", "https://a/2", "https://a/3",
                         "https://a/4", "https://a/5", "https://a/6"};
    loopmsg_send_params p = base_send();
    p.attachments = six;
    p.attachment_count = 6;
    expect_invalid(env, send_p(env, &p, &err), &err,
                   "send: attachments: at most 5 URLs allowed, got 6");
    p.attachment_count = 2;
    p.attachments = NULL;
    expect_invalid(env, send_p(env, &p, &err), &err, "attachments: is NULL");
    const char *http[] = {"https://ok/1", "http://example.com/x.png"};
    p.attachments = http;
    expect_invalid(env, send_p(env, &p, &err), &err,
                   "send: attachments[1]: URL must start with https:// (got "
                   "\"http://example.com/x.png\")");
    const char *upper[] = {"HTTPS://example.com/x.png"};
    p.attachments = upper;
    p.attachment_count = 1;
    expect_invalid(env, send_p(env, &p, &err), &err, "attachments[0]: URL must start with");
    char *longu = repeat("a", 249, "https://"); /* 257 characters */
    const char *toolong[] = {longu};
    p.attachments = toolong;
    expect_invalid(env, send_p(env, &p, &err), &err,
                   "attachments[0]: URL must be at most 256 characters, got 257");
    free(longu);
    const char *space[] = {"https://a.com/x y.png"};
    p.attachments = space;
    expect_invalid(env, send_p(env, &p, &err), &err, "must not contain spaces");
    const char *nulls[] = {NULL};
    p.attachments = nulls;
    expect_invalid(env, send_p(env, &p, &err), &err, "attachments[0]: is required");
    /* Exactly 5, each exactly 256 characters, is fine. */
    char *u256 = repeat("b", 248, "https://");
    const char *five[] = {u256, u256, u256, u256, u256};
    p.attachments = five;
    p.attachment_count = 5;
    ts_assert_status(LOOPMSG_OK, send_p(env, &p, &err), &err);
    free(u256);
}

static void test_validation__passthrough_effect_channel(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_send_params p = base_send();
    char *pt = repeat("\xc3\xa9", 1001, "");
    p.passthrough = pt;
    expect_invalid(env, send_p(env, &p, &err), &err,
                   "send: passthrough: at most 1000 characters allowed, got 1001");
    free(pt);
    p = base_send();
    p.effect = (loopmsg_effect)42;
    expect_invalid(env, send_p(env, &p, &err), &err, "send: effect: unknown value 42");
    p = base_send();
    p.channel = (loopmsg_channel)9;
    expect_invalid(env, send_p(env, &p, &err), &err, "send: channel: unknown value 9");
}

static void test_validation__sms_forbids_imessage_features(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_send_params p = base_send();
    p.channel = LOOPMSG_CHANNEL_SMS;
    p.subject = "S";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: subject: not supported over SMS");
    p.subject = NULL;
    p.effect = LOOPMSG_EFFECT_SLAM;
    expect_invalid(env, send_p(env, &p, &err), &err, "send: effect: not supported over SMS");
    p.effect = LOOPMSG_EFFECT_NONE;
    p.reply_to_id = "R";
    expect_invalid(env, send_p(env, &p, &err), &err, "send: reply_to_id: not supported over SMS");
}

static void test_validation__group(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
    p.text = "x";
    expect_invalid(env, loopmsg_message_send_group(env->client, &p, NULL, &err), &err,
                   "send_group: group: is required");
    p.group = "G";
    p.text = NULL;
    expect_invalid(env, loopmsg_message_send_group(env->client, &p, NULL, &err), &err,
                   "send_group: text: is required");
    p.text = "x";
    const char *bad[] = {"ftp://x"};
    p.attachments = bad;
    p.attachment_count = 1;
    expect_invalid(env, loopmsg_message_send_group(env->client, &p, NULL, &err), &err,
                   "send_group: attachments[0]");
    expect_invalid(env, loopmsg_message_send_group(env->client, NULL, NULL, &err), &err,
                   "params is NULL");
}

static void test_validation__voice(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_voice_params p = LOOPMSG_VOICE_PARAMS_INIT;
    p.media_url = "https://a/x.mp3";
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: contact: is required");
    p.contact = "+13231112233";
    p.media_url = NULL;
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: media_url: is required");
    p.media_url = "http://a/x.mp3";
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: media_url: URL must start with https://");
    char *longu = repeat("a", 249, "https://");
    longu[strlen(longu) - 4] = '.';
    memcpy(longu + strlen(longu) - 3, "mp3", 3);
    p.media_url = longu;
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "media_url: URL must be at most 256 characters, got 257");
    free(longu);
    p.media_url = "https://a/x.ogg";
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: media_url: must be an audio file");
    p.media_url = "https://a/mp3";
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "must be an audio file");
    p.media_url = "https://a/x.wav";
    p.channel = LOOPMSG_CHANNEL_SMS;
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: channel: voice messages cannot be sent over SMS");
    p.channel = LOOPMSG_CHANNEL_AUTO;
    char *pt = repeat("x", 1001, "");
    p.passthrough = pt;
    expect_invalid(env, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err,
                   "send_voice: passthrough: at most 1000");
    free(pt);
    const char *ok[] = {"https://a/x.MP3", "https://a/x.caf?token=1#f", "https://a/x.aac",
                        "https://a/x.m4a", "https://a/x.wav"};
    p.passthrough = NULL;
    for (size_t i = 0; i < 5; i++) {
        p.media_url = ok[i];
        ts_assert_status(LOOPMSG_OK, loopmsg_message_send_voice(env->client, &p, NULL, &err), &err);
    }
}

static void test_validation__reaction(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_reaction_params p = LOOPMSG_REACTION_PARAMS_INIT;
    p.message_id = "M";
    p.reaction = LOOPMSG_REACTION_LIKE;
    expect_invalid(env, loopmsg_message_send_reaction(env->client, &p, NULL, &err), &err,
                   "send_reaction: contact: is required");
    p.contact = "+13231112233";
    p.message_id = "";
    expect_invalid(env, loopmsg_message_send_reaction(env->client, &p, NULL, &err), &err,
                   "send_reaction: message_id: must not be empty");
    p.message_id = "M";
    p.reaction = LOOPMSG_REACTION_NONE;
    expect_invalid(env, loopmsg_message_send_reaction(env->client, &p, NULL, &err), &err,
                   "send_reaction: reaction: must be one of");
    p.reaction = LOOPMSG_REACTION_UNKNOWN;
    expect_invalid(env, loopmsg_message_send_reaction(env->client, &p, NULL, &err), &err,
                   "reaction: must be one of");
}

static void test_validation__typing(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_typing_params p = LOOPMSG_TYPING_PARAMS_INIT;
    expect_invalid(env, loopmsg_message_show_typing(env->client, &p, &err), &err,
                   "show_typing: message_id or contact (with sender) is required");
    p.message_id = "M";
    p.contact = "+13231112233";
    expect_invalid(env, loopmsg_message_show_typing(env->client, &p, &err), &err,
                   "show_typing: give message_id, or contact and sender, not both");
    p.contact = NULL;
    p.sender = "S";
    expect_invalid(env, loopmsg_message_show_typing(env->client, &p, &err), &err, "not both");
    p.message_id = NULL;
    p.contact = "+13231112233";
    p.sender = NULL;
    expect_invalid(env, loopmsg_message_show_typing(env->client, &p, &err), &err,
                   "show_typing: sender: is required when using contact");
    expect_invalid(env, loopmsg_message_mark_read(env->client, &p, &err), &err,
                   "mark_read: sender: is required when using contact");
    p.sender = "sender-1";
    p.typing_seconds = 61;
    expect_invalid(env, loopmsg_message_show_typing(env->client, &p, &err), &err,
                   "show_typing: typing: must be between 1 and 60 seconds, got 61");
    p.typing_seconds = 60;
    ts_assert_status(LOOPMSG_OK, loopmsg_message_show_typing(env->client, &p, &err), &err);
}

static void test_validation__status(void **state)
{
    ts_env *env = *state;
    loopmsg_error err;
    loopmsg_message_status *s = (loopmsg_message_status *)1;
    expect_invalid(env, loopmsg_message_status_get(env->client, NULL, &s, &err), &err,
                   "status: message_id: is required");
    assert_null(s);
    expect_invalid(env, loopmsg_message_status_get(env->client, "", &s, &err), &err,
                   "status: message_id: must not be empty");
    expect_invalid(env, loopmsg_message_status_get(NULL, "X", &s, &err), &err, "client is NULL");
}

static void test_validation__validate_function_matches_send(void **state)
{
    (void)state;
    loopmsg_error err;
    loopmsg_send_params p = base_send();
    ts_assert_status(LOOPMSG_OK, loopmsg_send_params_validate(&p, &err), &err);
    p.text = NULL;
    ts_assert_status(LOOPMSG_E_INVALID_ARG, loopmsg_send_params_validate(&p, &err), &err);
    ts_assert_contains(err.message, "send: text: is required");
    /* A NULL err is allowed everywhere. */
    assert_int_equal(loopmsg_send_params_validate(&p, NULL), LOOPMSG_E_INVALID_ARG);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_emu_setup, ts_emu_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_validation__send_required_fields),
        T(test_validation__text_length_counts_characters),
        T(test_validation__utf8_everywhere),
        T(test_validation__attachments),
        T(test_validation__passthrough_effect_channel),
        T(test_validation__sms_forbids_imessage_features),
        T(test_validation__group),
        T(test_validation__voice),
        T(test_validation__reaction),
        T(test_validation__typing),
        T(test_validation__status),
        T(test_validation__validate_function_matches_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
