/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_dispatch.c: loopmsg_webhook_dispatch() picks the callback by event type, runs
 * on_any afterwards even when the specific callback failed, and lets the specific error win.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include <loopmsg.h>

/* A record of the calls, in order: one letter per callback. */
typedef struct calls {
    char log[32];
    size_t n;
    int fail_specific; /* value the specific callback returns */
    int fail_any;      /* value on_any returns */
    const loopmsg_webhook_event *seen;
} calls;

static int record(calls *c, char tag, const loopmsg_webhook_event *ev)
{
    if (c->n + 1 < sizeof c->log)
        c->log[c->n++] = tag;
    c->log[c->n] = '\0';
    c->seen = ev;
    return tag == 'A' ? c->fail_any : c->fail_specific;
}

#define CB(fn, tag)                                                                                \
    static int fn(const loopmsg_webhook_event *ev, void *ud)                                       \
    {                                                                                              \
        return record(ud, tag, ev);                                                                \
    }
CB(on_inbound, 'i')
CB(on_delivered, 'd')
CB(on_failed, 'f')
CB(on_reaction, 'r')
CB(on_scheduled, 's')
CB(on_opt_in, 'o')
CB(on_call, 'c')
CB(on_sender, 'n')
CB(on_unknown, 'u')
CB(on_any, 'A')

static loopmsg_webhook_handlers all_handlers(void)
{
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_message_inbound = on_inbound;
    h.on_message_delivered = on_delivered;
    h.on_message_failed = on_failed;
    h.on_message_reaction = on_reaction;
    h.on_message_scheduled = on_scheduled;
    h.on_opt_in = on_opt_in;
    h.on_inbound_call = on_call;
    h.on_sender_name_updated = on_sender;
    h.on_unknown = on_unknown;
    h.on_any = on_any;
    return h;
}

static loopmsg_webhook_event *parse(const char *event_json)
{
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_parse(event_json, strlen(event_json), &ev, &err) != LOOPMSG_OK)
        fail_msg("%s: %s", event_json, err.message);
    return ev;
}

static void test_webhook_dispatch__routes_each_type(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        {"{\"event\":\"message_inbound\"}", "iA"},
        {"{\"event\":\"message_delivered\"}", "dA"},
        {"{\"event\":\"message_failed\",\"error_code\":1020}", "fA"},
        {"{\"event\":\"message_reaction\",\"reaction\":\"love\"}", "rA"},
        {"{\"event\":\"message_scheduled\"}", "sA"},
        {"{\"event\":\"opt-in\"}", "oA"},
        {"{\"event\":\"message_inbound\",\"type\":\"opt_in\",\"parameters\":{}}", "oA"},
        {"{\"event\":\"inbound_call\"}", "cA"},
        {"{\"event\":\"sender_name_updated\"}", "nA"},
        {"{\"event\":\"unknown\"}", "uA"},
        {"{\"event\":\"message_sent\"}", "uA"},
        {"{\"event\":\"Message_Inbound\"}", "uA"},
    };
    loopmsg_webhook_handlers h = all_handlers();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_webhook_event *ev = parse(cases[i].body);
        calls c = {0};
        assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c), 0);
        if (strcmp(c.log, cases[i].want) != 0)
            fail_msg("%s: calls \"%s\", want \"%s\"", cases[i].body, c.log, cases[i].want);
        assert_ptr_equal(c.seen, ev);
        loopmsg_webhook_event_free(ev);
    }
}

static void
test_webhook_dispatch__on_any_runs_after_failed_specific_and_specific_error_wins(void **state)
{
    (void)state;
    loopmsg_webhook_handlers h = all_handlers();
    loopmsg_webhook_event *ev = parse("{\"event\":\"message_failed\"}");

    calls c = {.fail_specific = 7, .fail_any = 9};
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c), 7);
    assert_string_equal(c.log, "fA");

    calls c2 = {.fail_specific = 7, .fail_any = 0};
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c2), 7);
    assert_string_equal(c2.log, "fA");

    calls c3 = {.fail_specific = 0, .fail_any = 9};
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c3), 9);
    assert_string_equal(c3.log, "fA");

    calls c4 = {.fail_specific = -1, .fail_any = 0};
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c4), -1);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_dispatch__missing_callbacks_are_no_ops(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse("{\"event\":\"inbound_call\"}");
    loopmsg_webhook_handlers none = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    calls c = {0};
    assert_int_equal(loopmsg_webhook_dispatch(&none, ev, &c), 0);
    assert_int_equal(c.n, 0);

    /* Only on_any: it still runs. */
    loopmsg_webhook_handlers any_only = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    any_only.on_any = on_any;
    calls c2 = {.fail_any = 3};
    assert_int_equal(loopmsg_webhook_dispatch(&any_only, ev, &c2), 3);
    assert_string_equal(c2.log, "A");

    /* Only the specific one, failing: its error comes back. */
    loopmsg_webhook_handlers call_only = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    call_only.on_inbound_call = on_call;
    calls c3 = {.fail_specific = 4};
    assert_int_equal(loopmsg_webhook_dispatch(&call_only, ev, &c3), 4);
    assert_string_equal(c3.log, "c");

    /* message_scheduled without its own callback does not fall back to on_unknown. */
    loopmsg_webhook_event *sched = parse("{\"event\":\"message_scheduled\"}");
    loopmsg_webhook_handlers unk = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    unk.on_unknown = on_unknown;
    calls c4 = {0};
    assert_int_equal(loopmsg_webhook_dispatch(&unk, sched, &c4), 0);
    assert_string_equal(c4.log, "");
    loopmsg_webhook_event_free(sched);
    loopmsg_webhook_event_free(ev);
}

static void test_webhook_dispatch__invalid_arguments_run_nothing(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = parse("{\"event\":\"message_inbound\"}");
    loopmsg_webhook_handlers h = all_handlers();
    calls c = {0};
    assert_int_equal(loopmsg_webhook_dispatch(NULL, ev, &c), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_webhook_dispatch(&h, NULL, &c), LOOPMSG_E_INVALID_ARG);
    h.version = 0;
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, &c), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(c.n, 0);
    loopmsg_webhook_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_dispatch__routes_each_type, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(
            test_webhook_dispatch__on_any_runs_after_failed_specific_and_specific_error_wins,
            ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dispatch__missing_callbacks_are_no_ops,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_dispatch__invalid_arguments_run_nothing,
                                        ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
