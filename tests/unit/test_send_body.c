/* SPDX-License-Identifier: MIT */
/*
 * test_send_body.c: the send body written straight into bytes (loopmsg__encode_send_bytes)
 * against jansson: for every params table row and a few thousand random strings, the bytes
 * are json_dumpb(loopmsg__encode_send(...), JSON_COMPACT), byte for byte; a string jansson
 * refuses sends the call down the jansson path with the error it always gave; an allocation
 * failure is a clean "out of memory" without a leak.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/client_int.h"
#include "lib/message_int.h"

/* The one field of the client the encoders read is the default sender. */
static loopmsg_client fake_client(const char *default_sender)
{
    loopmsg_client c;
    memset(&c, 0, sizeof c);
    c.default_sender = (char *)default_sender;
    return c;
}

/* The bytes must be jansson's; when jansson refuses a string, the writer must have said so. */
static void check_same(loopmsg_client *c, const loopmsg_send_params *p)
{
    loopmsg__buf direct = {0};
    int rc = loopmsg__encode_send_bytes(&direct, c, p);
    json_t *o = loopmsg__encode_send(c, p);
    if (!o) {
        assert_int_equal(rc, 1);
        loopmsg__buf_clear(&direct);
        return;
    }
    assert_int_equal(rc, 0);
    size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT);
    char *want = malloc(need + 1);
    assert_non_null(want);
    assert_int_equal(json_dumpb(o, want, need, JSON_COMPACT), need);
    json_decref(o);
    if (direct.len != need || memcmp(direct.ptr, want, need) != 0)
        fail_msg("bodies differ:\n  jansson %.*s\n  direct  %.*s", (int)need, want, (int)direct.len,
                 direct.ptr);
    assert_int_equal(direct.ptr[direct.len], '\0');
    free(want);
    loopmsg__buf_clear(&direct);
}

/* A string of every byte from 0x01 to 0x1F, the JSON specials, 0x7F and UTF-8 of each
 * length (U+00E9, U+20AC, U+1F600). */
static const char every_special[] =
    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
    "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
    "\"quoted\" back\\slash /slash/ \x7f del \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end";

static void test_send_body__table(void **state)
{
    (void)state;
    char long_text[5000], long_escaped[3000];
    for (size_t i = 0; i < sizeof long_text - 1; i++)
        long_text[i] = (char)('a' + i % 26);
    long_text[sizeof long_text - 1] = '\0';
    for (size_t i = 0; i < sizeof long_escaped - 1; i++)
        long_escaped[i] = "\x01\"\\\n\xc3\xa9"[i % 6];
    long_escaped[sizeof long_escaped - 1] = '\0';
    const char *const urls[] = {"https://a.example/1.png", "https://b.example/x?y=\"z\"&w=/",
                                "https://c.example/\xc3\xa9", "https://d.example/4",
                                "https://e.example/5"};
    const char *const texts[] = {"hi", "", every_special, long_text, long_escaped};
    const char *const opt[] = {NULL, "", "value", every_special};
    const char *const defaults[] = {NULL, "", "default-sender@x.example"};
    size_t cases = 0;
    for (size_t d = 0; d < 3; d++) {
        loopmsg_client c = fake_client(defaults[d]);
        for (size_t t = 0; t < 5; t++)
            for (size_t o = 0; o < 4; o++)
                for (size_t n = 0; n <= 5; n++)
                    for (int cf = 0; cf < 2; cf++) {
                        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
                        p.text = texts[t];
                        p.contact = opt[(o + 2) % 4];
                        p.subject = opt[o];
                        p.sender = opt[(o + 1) % 4];
                        p.reply_to_id = opt[(o + 3) % 4];
                        p.passthrough = opt[(o + t) % 4];
                        p.attachments = n ? urls : NULL;
                        p.attachment_count = n;
                        p.effect = (loopmsg_effect)((t * 4 + o + n) % 15);
                        p.channel = (loopmsg_channel)((o + n + (size_t)cf) % 6);
                        p.contact_file = cf;
                        check_same(&c, &p);
                        cases++;
                    }
    }
    /* Every effect and channel, including values past the last (not sent). */
    loopmsg_client c = fake_client(NULL);
    for (int e = 0; e <= 15; e++)
        for (int ch = 0; ch <= 6; ch++) {
            loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
            p.contact = "+13231112233";
            p.text = "effects";
            p.effect = (loopmsg_effect)e;
            p.channel = (loopmsg_channel)ch;
            check_same(&c, &p);
        }
    /* Nothing set at all: "{}", as jansson writes an empty object. */
    loopmsg_send_params empty = LOOPMSG_SEND_PARAMS_INIT;
    check_same(&c, &empty);
    assert_int_equal(cases, 3 * 5 * 4 * 6 * 2);
}

/* Whether random pieces may be bytes that are not valid UTF-8 (one case in eight). */
static int allow_invalid;

/* One random piece of a string: printable ASCII mostly, control bytes, JSON specials, UTF-8
 * of every length, and, when allowed, now and then a byte that is not valid UTF-8. */
static size_t random_piece(char *o)
{
    static const char *const utf8[] = {"\xc2\x80",         "\xdf\xbf",         "\xe0\xa0\x80",
                                       "\xed\x9f\xbf",     "\xee\x80\x80",     "\xef\xbf\xbf",
                                       "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe2\x80\xa8"};
    static const char *const invalid[] = {
        "\x80",     "\xc0\xaf", "\xed\xa0\x80",        "\xf4\x90\x80\x80",
        "\xe2\x82", "\xff",     "\xf8\x88\x80\x80\x80"};
    int r = rand() % 100;
    if (r < 60) {
        o[0] = (char)(0x20 + rand() % 95);
        return 1;
    }
    if (r < 75) {
        o[0] = (char)(1 + rand() % 31);
        return 1;
    }
    if (r < 85) {
        o[0] = "\"\\/\x7f"[rand() % 4];
        return 1;
    }
    const char *s = r < 99 || !allow_invalid ? utf8[rand() % 9] : invalid[rand() % 7];
    size_t n = strlen(s);
    memcpy(o, s, n);
    return n;
}

static char *random_string(char *buf, size_t max_len)
{
    size_t len = (size_t)rand() % (max_len + 1), n = 0;
    while (n + 8 < len)
        n += random_piece(buf + n);
    buf[n] = '\0';
    return buf;
}

static void test_send_body__random(void **state)
{
    (void)state;
    srand(20261203);
    static char text[4096], subject[64], sender[64], reply[64], pass[600], url0[80], url1[80];
    const char *urls[] = {url0, url1};
    size_t refused = 0;
    for (int i = 0; i < 4000; i++) {
        allow_invalid = i % 8 == 0;
        loopmsg_client c = fake_client(rand() % 2 ? "dflt" : NULL);
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = rand() % 8 ? "+13231112233" : NULL;
        p.text = random_string(text, rand() % 10 ? 200 : sizeof text - 1);
        p.subject = rand() % 2 ? random_string(subject, sizeof subject - 1) : NULL;
        p.sender = rand() % 2 ? random_string(sender, sizeof sender - 1) : NULL;
        p.reply_to_id = rand() % 3 ? NULL : random_string(reply, sizeof reply - 1);
        p.passthrough = rand() % 2 ? random_string(pass, sizeof pass - 1) : NULL;
        p.attachment_count = (size_t)rand() % 3;
        if (p.attachment_count) {
            random_string(url0, sizeof url0 - 1);
            random_string(url1, sizeof url1 - 1);
            p.attachments = urls;
        }
        p.effect = (loopmsg_effect)(rand() % 14);
        p.channel = (loopmsg_channel)(rand() % 5);
        p.contact_file = rand() % 2;
        json_t *o = loopmsg__encode_send(&c, &p);
        refused += !o;
        json_decref(o);
        check_same(&c, &p);
    }
    /* The random strings reach the refusal path, and not only it. */
    assert_true(refused > 50 && refused < 500);
}

/* Invalid UTF-8: from the user's text, validation's error before any encoding; from the
 * default sender (not validated per call), the jansson path's error, as before. */
static void test_send_body__invalid_utf8(void **state)
{
    (void)state;
    loopmsg_client c = fake_client(NULL);
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "bad \xc3\x28 byte";
    const loopmsg__op *op = NULL;
    char *path = NULL;
    loopmsg__body body;
    loopmsg_error err;
    loopmsg_status st =
        loopmsg__message_prepare(LOOPMSG__MSG_SEND, &c, &p, &op, &path, &body, &err);
    assert_int_equal(st, LOOPMSG_E_INVALID_ARG);
    assert_int_equal(err.status, LOOPMSG_E_INVALID_ARG);
    assert_string_equal(err.message, "send: text: is not valid UTF-8");
    assert_null(path);
    assert_null(body.json);
    assert_null(body.bytes);

    loopmsg__buf direct = {0};
    assert_int_equal(loopmsg__encode_send_bytes(&direct, &c, &p), 1);
    loopmsg__buf_clear(&direct);
    assert_null(loopmsg__encode_send(&c, &p));

    c = fake_client("bad\xff");
    p.text = "fine";
    st = loopmsg__message_prepare(LOOPMSG__MSG_SEND, &c, &p, &op, &path, &body, &err);
    assert_int_equal(st, LOOPMSG_E_NOMEM);
    assert_string_equal(err.message, "out of memory");
    assert_null(path);
    assert_null(body.json);
    assert_null(body.bytes);
}

/* The direct body is what prepare hands the engine, without a json_t. */
static void test_send_body__prepare_gives_bytes(void **state)
{
    (void)state;
    loopmsg_client c = fake_client("dflt");
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = "a/b \"c\"";
    p.effect = LOOPMSG_EFFECT_SLAM;
    p.contact_file = true;
    const loopmsg__op *op = NULL;
    char *path = NULL;
    loopmsg__body body;
    loopmsg_error err;
    assert_int_equal(loopmsg__message_prepare(LOOPMSG__MSG_SEND, &c, &p, &op, &path, &body, &err),
                     LOOPMSG_OK);
    assert_null(body.json);
    assert_non_null(body.bytes);
    const char want[] = "{\"text\":\"a/b \\\"c\\\"\",\"sender\":\"dflt\",\"effect\":\"slam\","
                        "\"contact\":\"+13231112233\",\"contact_file\":true}";
    assert_int_equal(body.len, sizeof want - 1);
    assert_string_equal(body.bytes, want);
    assert_string_equal(path, "/api/v1/message/send/");
    loopmsg__body_clear(&body);
    loopmsg__free(path);
}

/* Every allocation of prepare fails in turn: "out of memory", nothing allocated. */
static void test_send_body__oom(void **state)
{
    (void)state;
    const char *const urls[] = {"https://a.example/1.png", "https://b.example/2.png"};
    loopmsg_client c = fake_client("dflt");
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = "+13231112233";
    p.text = every_special;
    p.attachments = urls;
    p.attachment_count = 2;
    p.passthrough = "pass";
    int succeeded = 0;
    long mark = ts_alloc_outstanding();
    for (long n = 1; n <= 50 && !succeeded; n++) {
        const loopmsg__op *op = NULL;
        char *path = NULL;
        loopmsg__body body;
        loopmsg_error err;
        ts_alloc_fail_at(n);
        loopmsg_status st =
            loopmsg__message_prepare(LOOPMSG__MSG_SEND, &c, &p, &op, &path, &body, &err);
        ts_alloc_fail_at(0);
        if (st == LOOPMSG_OK) {
            succeeded = 1;
            assert_non_null(body.bytes);
            loopmsg__body_clear(&body);
            loopmsg__free(path);
        } else {
            assert_int_equal(st, LOOPMSG_E_NOMEM);
            assert_string_equal(err.message, "out of memory");
            assert_null(path);
            assert_null(body.bytes);
            assert_null(body.json);
        }
        assert_int_equal(ts_alloc_outstanding(), mark);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_setup, ts_teardown)
        T(test_send_body__table),        T(test_send_body__random),
        T(test_send_body__invalid_utf8), T(test_send_body__prepare_gives_bytes),
        T(test_send_body__oom),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
