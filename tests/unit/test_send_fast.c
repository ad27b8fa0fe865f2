/* SPDX-License-Identifier: MIT */
/*
 * test_send_fast.c: the fast decoder of the send answers (src/lib/send_fast.c) against the
 * full path (classification, then the op's decoder): every answer it takes gives the full
 * path's result field by field; every shape it does not model exactly is declined with
 * nothing allocated; an allocation failure declines without a leak.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/send_same.h"
#include "lib/fastjson_int.h"

/* A send answer as the API gives it (the emulator's leaves out success). */
static const char benchmark_answer[] =
    "{\"success\":true,\"message_id\":\"5e4c6a9e-0000-4000-8000-000000000001\","
    "\"contact\":\"+13231112233\",\"text\":\"benchmark message\"}";

/* A value *out never holds after the decoder ran: it must be left alone on a decline. */
static char untouched;

/* The fast path must take body and give the full path's result. */
static void check_takes(const loopmsg__op *op, const char *body, size_t len)
{
    void *fast = &untouched;
    if (!op->decode_fast(&fast, body, len))
        fail_msg("%s: the fast path declined %.*s", op->name, (int)len, body);
    loopmsg_send_result *full = NULL;
    loopmsg_error err;
    loopmsg_status st = send_full_path(op, body, len, &full, &err);
    if (st != LOOPMSG_OK)
        fail_msg("%s: the full path failed (%s) on %.*s", op->name, err.message, (int)len, body);
    if (!send_same_result(fast, full))
        fail_msg("%s: the results differ for %.*s", op->name, (int)len, body);
    loopmsg_send_result_free(full);
    loopmsg_send_result_free(fast);
}

/* The fast path must decline body, leave *out alone and allocate nothing. */
static void check_declines(const loopmsg__op *op, const char *body, size_t len)
{
    long mark = ts_alloc_outstanding();
    void *fast = &untouched;
    if (op->decode_fast(&fast, body, len))
        fail_msg("%s: the fast path took %.*s", op->name, (int)len, body);
    assert_ptr_equal(fast, &untouched);
    assert_int_equal(ts_alloc_outstanding(), mark);
}

#define TAKES(op, lit)    check_takes(&(op), lit, sizeof lit - 1)
#define DECLINES(op, lit) check_declines(&(op), lit, sizeof lit - 1)

static char *read_response(const char *name, size_t *len)
{
    char rel[128];
    snprintf(rel, sizeof rel, "responses/%s", name);
    char *body = ts_read_file(ts_data_path(rel), len);
    if (!body)
        fail_msg("cannot read %s (set LOOPMSG_TEST_DATA)", rel);
    return body;
}

static void test_send_fast__takes_the_documented_answers(void **state)
{
    (void)state;
    static const struct {
        const loopmsg__op *op;
        const char *file;
    } samples[] = {
        {&loopmsg__op_send, "send_message.json"},
        {&loopmsg__op_send_voice, "send_voice.json"},
        {&loopmsg__op_send_reaction, "send_reaction.json"},
        {&loopmsg__op_send, "send_reaction.json"},
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len;
        char *body = read_response(samples[i].file, &len);
        check_takes(samples[i].op, body, len);
        free(body);
    }
    /* The group answer holds an object: the full path reads it. */
    size_t len;
    char *body = read_response("send_group.json", &len);
    check_declines(&loopmsg__op_send_group, body, len);
    free(body);
}

static void test_send_fast__takes_the_flat_shapes(void **state)
{
    (void)state;
    const loopmsg__op *send = &loopmsg__op_send;
    check_takes(send, benchmark_answer, sizeof benchmark_answer - 1);
    TAKES(*send, "{\"message_id\":\"m\"}");
    TAKES(*send, " \r\n\t{ \"message_id\" : \"m\" , \"success\" : true } \r\n\t");
    /* recipient stands in for a missing or null contact, and only then. */
    TAKES(*send, "{\"message_id\":\"m\",\"recipient\":\"+1\"}");
    TAKES(*send, "{\"message_id\":\"m\",\"contact\":null,\"recipient\":\"+1\"}");
    TAKES(*send, "{\"message_id\":\"m\",\"recipient\":\"+1\",\"contact\":\"+2\"}");
    TAKES(*send, "{\"message_id\":\"m\",\"contact\":\"\",\"recipient\":\"+1\"}");
    TAKES(*send, "{\"message_id\":\"m\",\"contact\":null,\"recipient\":null,\"text\":null}");
    TAKES(*send, "{\"message_id\":\"\",\"text\":\"\"}");
    /* Escapes, in values and in keys. */
    TAKES(*send, "{\"message_id\":\"m\",\"text\":\"a\\n\\\"\\\\\\/\\u00e9\\ud83d\\ude00\\t\"}");
    TAKES(*send, "{\"\\u006dessage_id\":\"m\",\"te\\u0078t\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}");
    /* Other keys: any scalar but a real; a group that is not an object is not read. */
    TAKES(*send, "{\"message_id\":\"m\",\"n\":-12,\"z\":0,\"t\":true,\"f\":false,\"u\":null,"
                 "\"s\":\"x\",\"group\":\"g\",\"big\":9223372036854775807,"
                 "\"small\":-9223372036854775808}");
    /* Other keys may repeat: the full path does not read them. */
    TAKES(*send, "{\"message_id\":\"m\",\"x\":1,\"x\":\"two\"}");
    TAKES(*send, "{\"message_id\":\"m\",\"\":\"empty key\"}");
    /* Reactions need no message_id. */
    TAKES(loopmsg__op_send_reaction, "{}");
    TAKES(loopmsg__op_send_reaction, "{\"success\":true}");
    TAKES(loopmsg__op_send_reaction, "{\"message_id\":null,\"contact\":\"+1\"}");
    /* Voice and group sends read the same shape. */
    TAKES(loopmsg__op_send_voice, "{\"message_id\":\"m\",\"recipient\":\"+1\",\"text\":\"\"}");
    TAKES(loopmsg__op_send_group, "{\"message_id\":\"m\",\"text\":\"t\"}");
    /* A body that fills the limit. */
    char big[LOOPMSG__FASTJSON_MAX_BODY + 1];
    const char head[] = "{\"message_id\":\"m\",\"text\":\"";
    size_t len = LOOPMSG__FASTJSON_MAX_BODY;
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'a', len - (sizeof head - 1) - 2);
    memcpy(big + len - 2, "\"}", 2);
    check_takes(send, big, len);
    /* A long string with an escape: yajl decodes it into a buffer that grows. */
    memcpy(big + sizeof head - 1, "\\n", 2);
    check_takes(send, big, len);
}

static void test_send_fast__declines_what_it_does_not_model(void **state)
{
    (void)state;
    const loopmsg__op *send = &loopmsg__op_send;
    /* A nested object or array: a group, or anything else. */
    DECLINES(*send, "{\"success\":true,\"message_id\":\"m\",\"group\":{\"id\":\"g\"}}");
    DECLINES(*send, "{\"message_id\":\"m\",\"x\":[]}");
    DECLINES(*send, "{\"message_id\":\"m\",\"x\":{}}");
    /* success other than true: false is the API's error; others pass classification but
     * are not modelled. */
    DECLINES(*send, "{\"success\":false,\"message_id\":\"m\"}");
    DECLINES(*send, "{\"success\":1,\"message_id\":\"m\"}");
    DECLINES(*send, "{\"success\":null,\"message_id\":\"m\"}");
    DECLINES(*send, "{\"success\":\"true\",\"message_id\":\"m\"}");
    /* A repeated key that is read. */
    DECLINES(*send, "{\"message_id\":\"a\",\"message_id\":\"b\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":null,\"text\":\"b\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"success\":true,\"success\":true}");
    DECLINES(*send, "{\"message_id\":\"m\",\"\\u0063ontact\":\"a\",\"contact\":\"b\"}");
    /* A read key of another type than string or null. */
    DECLINES(*send, "{\"message_id\":5}");
    DECLINES(*send, "{\"message_id\":\"m\",\"contact\":true}");
    DECLINES(*send, "{\"message_id\":\"m\",\"recipient\":1}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":false}");
    /* What jansson refuses and yajl would take. */
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":\"a\\u0000b\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"x\\u0000\":1}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":\"\xc0\x80\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":\"\xed\xa0\x80\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":\"\\ud800\"}");
    DECLINES(*send, "{\"message_id\":\"m\",\"text\":\"\\udc00\\ud800\"}");
    DECLINES(*send, "{\v\"message_id\":\"m\"}");
    DECLINES(*send, "{\"message_id\":\"m\"}\f");
    DECLINES(*send, "{\"message_id\":\"m\",\"n\":99999999999999999999}");
    /* Reals: jansson's own overflow rules. */
    DECLINES(*send, "{\"message_id\":\"m\",\"n\":1.5}");
    DECLINES(*send, "{\"message_id\":\"m\",\"n\":1e999}");
    /* Anything after the object but white space. */
    DECLINES(*send, "{\"message_id\":\"m\"} x");
    DECLINES(*send, "{\"message_id\":\"m\"}{}");
    DECLINES(*send, "{\"message_id\":\"m\"} \"x");
    check_declines(send, "{\"message_id\":\"m\"}\0", 19);
    /* Not one object. */
    DECLINES(*send, "[{\"message_id\":\"m\"}]");
    DECLINES(*send, "\"m\"");
    DECLINES(*send, "null");
    DECLINES(*send, "");
    DECLINES(*send, " \r\n");
    DECLINES(*send, "{\"message_id\":\"m\"");
    DECLINES(*send, "{\"message_id\":\"m\",}");
    DECLINES(*send, "<html>502 Bad Gateway</html>");
    /* No message_id where the call requires one. */
    DECLINES(*send, "{\"success\":true,\"contact\":\"+1\"}");
    DECLINES(*send, "{\"message_id\":null}");
    DECLINES(loopmsg__op_send_voice, "{}");
    /* Over the limit. */
    char big[LOOPMSG__FASTJSON_MAX_BODY + 2];
    const char head[] = "{\"message_id\":\"m\",\"text\":\"";
    size_t len = LOOPMSG__FASTJSON_MAX_BODY + 1;
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'a', len - (sizeof head - 1) - 2);
    memcpy(big + len - 2, "\"}", 2);
    check_declines(send, big, len);
    /* A long string left open after the object: yajl holds it for input still to come. */
    const char tail[] = "{\"message_id\":\"m\"} \"";
    len = LOOPMSG__FASTJSON_MAX_BODY;
    memcpy(big, tail, sizeof tail - 1);
    memset(big + sizeof tail - 1, 'a', len - (sizeof tail - 1));
    check_declines(send, big, len);
    /* A NULL body (the engine's buffer before any byte arrived). */
    check_declines(send, NULL, 0);
}

/* Only the send ops have a fast decoder: status, typing and the rest answer other shapes. */
static void test_send_fast__set_on_the_send_ops_only(void **state)
{
    (void)state;
    assert_non_null(loopmsg__op_send.decode_fast);
    assert_non_null(loopmsg__op_send_group.decode_fast);
    assert_non_null(loopmsg__op_send_voice.decode_fast);
    assert_non_null(loopmsg__op_send_reaction.decode_fast);
    assert_null(loopmsg__op_status.decode_fast);
    assert_null(loopmsg__op_typing.decode_fast);
    assert_null(loopmsg__op_lookup.decode_fast);
}

/* Each allocation of the fast path failing in turn: a clean decline, no leak, until the
 * decoder runs out of allocations to fail. */
static void test_send_fast__nomem_at_every_allocation_declines(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        benchmark_answer,
        "{\"message_id\":\"m\",\"recipient\":\"+1\",\"text\":\"\\u00e9\\ud83d\\ude00\"}",
        "{}",
    };
    for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
        const loopmsg__op *op = k == 2 ? &loopmsg__op_send_reaction : &loopmsg__op_send;
        long mark = ts_alloc_outstanding();
        long failed = 0;
        int took = 0;
        for (long n = 1; n <= 50 && !took; n++) {
            ts_alloc_fail_at(n);
            void *out = &untouched;
            took = op->decode_fast(&out, bodies[k], strlen(bodies[k]));
            ts_alloc_fail_at(0);
            if (took) {
                check_takes(op, bodies[k], strlen(bodies[k]));
                loopmsg_send_result_free(out);
            } else {
                assert_ptr_equal(out, &untouched);
                failed++;
            }
            assert_int_equal(ts_alloc_outstanding(), mark);
        }
        assert_true(took);
        assert_true(failed >= 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, ts_setup, ts_teardown)
        T(test_send_fast__takes_the_documented_answers),
        T(test_send_fast__takes_the_flat_shapes),
        T(test_send_fast__declines_what_it_does_not_model),
        T(test_send_fast__set_on_the_send_ops_only),
        T(test_send_fast__nomem_at_every_allocation_declines),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
