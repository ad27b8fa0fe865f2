/* SPDX-License-Identifier: MIT */
/*
 * test_lookup_parse.c: LoopLookup callbacks in the webhook parser: recognised by shape (no
 * `event`), every field of the documented sample, the unverified details, wrong types named
 * by their path, bodies that are not callbacks, and dispatch to on_lookup_result (a version-1
 * handlers struct sends them to on_unknown).
 */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

static const char sample[] =
    "{\"contact\":\"+13231112233\",\"request_id\":\"2f31A2B6-Fd5F-4118-A85f-DafbBcB7f4C2\","
    "\"webhook_id\":\"32c127be-54a5-4f9a-bf53-2f91c2290e07\",\"result_v1\":{\"apple_services\":{"
    "\"facetime\":{\"status\":\"available\",\"date\":\"2022-12-13\",\"links\":{"
    "\"facetime_audio\":\"facetime-audio://+13231112233\",\"facetime\":\"facetime://"
    "+13231112233\",\"tel\":\"tel://+13231112233\"}},\"imessage\":{\"status\":\"unavailable\","
    "\"date\":null,\"links\":{\"imessage\":\"imessage://+13231112233\",\"sms\":\"sms://"
    "+13231112233\"}}},\"carrier\":{\"carrier\":\"Verizon\",\"number_type\":\"mobile\"},"
    "\"country\":{\"flag\":\"\\ud83c\\uddfa\\ud83c\\uddf8\",\"iso2\":\"US\",\"iso3\":\"USA\","
    "\"name\":\"United States of America\",\"description\":\"CA\",\"numeric\":840},"
    "\"currencies\":[\"USD\",\"EUR\",\"GBP\"],\"format\":{\"e164\":\"+13231112233\","
    "\"international\":\"+1 323-111-2233\",\"national\":\"(323) 111-2233\",\"out_of_usa\":"
    "\"1 (323) 111-2233\",\"rfc3966\":\"tel:+1-323-111-2233\"},\"time_zones\":["
    "\"America/Los_Angeles\"],\"something_new\":1}}";

static void test_lookup_parse__sample(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(sample, strlen(sample), &ev, &err), &err);
    assert_int_equal(ev->type, LOOPMSG_EVENT_LOOKUP_RESULT);
    assert_string_equal(ev->event, "lookup_result");
    assert_string_equal(loopmsg_event_type_name(ev->type), "lookup_result");
    assert_string_equal(ev->webhook_id, "32c127be-54a5-4f9a-bf53-2f91c2290e07");
    assert_string_equal(ev->contact, "+13231112233");
    assert_string_equal(ev->request_id, "2f31A2B6-Fd5F-4118-A85f-DafbBcB7f4C2");
    assert_null(ev->api_version);
    assert_int_equal(ev->raw_len, strlen(sample));
    const loopmsg_lookup_result *r = ev->lookup;
    assert_non_null(r);
    assert_string_equal(r->request_id, ev->request_id);
    assert_string_equal(r->webhook_id, ev->webhook_id);
    assert_true(r->has_result);
    assert_null(r->status);
    assert_int_equal(r->state, LOOPMSG_LOOKUP_STATE_COMPLETED);
    assert_int_equal(r->facetime.availability, LOOPMSG_LOOKUP_AVAILABLE);
    assert_string_equal(r->facetime.date, "2022-12-13");
    assert_string_equal(r->facetime.link_facetime_audio, "facetime-audio://+13231112233");
    assert_string_equal(r->facetime.link_facetime, "facetime://+13231112233");
    assert_string_equal(r->facetime.link_tel, "tel://+13231112233");
    assert_null(r->facetime.link_imessage);
    assert_int_equal(r->imessage.availability, LOOPMSG_LOOKUP_UNAVAILABLE);
    assert_string_equal(r->imessage.status, "unavailable");
    assert_null(r->imessage.date);
    assert_string_equal(r->imessage.link_imessage, "imessage://+13231112233");
    assert_string_equal(r->imessage.link_sms, "sms://+13231112233");
    const loopmsg_lookup_details *d = r->details;
    assert_non_null(d);
    assert_string_equal(d->carrier, "Verizon");
    assert_string_equal(d->number_type, "mobile");
    assert_string_equal(d->country_flag, "\xf0\x9f\x87\xba\xf0\x9f\x87\xb8");
    assert_string_equal(d->country_iso2, "US");
    assert_string_equal(d->country_iso3, "USA");
    assert_string_equal(d->country_name, "United States of America");
    assert_string_equal(d->country_description, "CA");
    assert_true(d->has_country_numeric);
    assert_int_equal(d->country_numeric, 840);
    assert_int_equal(d->currency_count, 3);
    assert_string_equal(d->currencies[2], "GBP");
    assert_string_equal(d->format_e164, "+13231112233");
    assert_string_equal(d->format_international, "+1 323-111-2233");
    assert_string_equal(d->format_national, "(323) 111-2233");
    assert_string_equal(d->format_out_of_usa, "1 (323) 111-2233");
    assert_string_equal(d->format_rfc3966, "tel:+1-323-111-2233");
    assert_int_equal(d->time_zone_count, 1);
    assert_string_equal(d->time_zones[0], "America/Los_Angeles");
    /* What the structs do not carry stays in result_json; the body in raw. */
    ts_assert_contains(r->result_json, "\"something_new\":1");
    assert_ptr_equal(r->raw, ev->raw);
    loopmsg_webhook_event_free(ev);
}

static void test_lookup_parse__shapes(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    /* request_id + webhook_id, no result: still a lookup callback, state unknown. */
    const char *min = "{\"request_id\":\"r1\",\"webhook_id\":\"w1\",\"status\":\"canceled\"}";
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(min, strlen(min), &ev, &err), &err);
    assert_int_equal(ev->type, LOOPMSG_EVENT_LOOKUP_RESULT);
    assert_false(ev->lookup->has_result);
    assert_int_equal(ev->lookup->state, LOOPMSG_LOOKUP_STATE_CANCELED);
    assert_null(ev->lookup->details);
    assert_null(ev->lookup->result_json);
    assert_int_equal(ev->lookup->imessage.availability, LOOPMSG_LOOKUP_UNKNOWN);
    loopmsg_webhook_event_free(ev);
    /* An availability this version does not know: UNKNOWN, the string kept. */
    const char *odd = "{\"request_id\":\"r\",\"result_v1\":{\"apple_services\":{\"imessage\":"
                      "{\"status\":\"maybe\"}}}}";
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(odd, strlen(odd), &ev, &err), &err);
    assert_int_equal(ev->lookup->imessage.availability, LOOPMSG_LOOKUP_UNKNOWN);
    assert_string_equal(ev->lookup->imessage.status, "maybe");
    loopmsg_webhook_event_free(ev);
    /* Not callbacks: no event and neither result_v1 nor webhook_id; a request_id that is
     * not a string; an explicit event named like ours is an ordinary unknown event. */
    const char *not1 = "{\"request_id\":\"r1\",\"contact\":\"+1\"}";
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_webhook_parse(not1, strlen(not1), &ev, &err),
                     &err);
    assert_string_equal(err.message, "webhook body has no \"event\" field");
    const char *not2 = "{\"request_id\":7,\"result_v1\":{}}";
    ts_assert_status(LOOPMSG_E_PROTOCOL, loopmsg_webhook_parse(not2, strlen(not2), &ev, &err),
                     &err);
    const char *named = "{\"event\":\"lookup_result\",\"request_id\":\"r\",\"result_v1\":{}}";
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(named, strlen(named), &ev, &err), &err);
    assert_int_equal(ev->type, LOOPMSG_EVENT_UNKNOWN);
    assert_null(ev->lookup);
    loopmsg_webhook_event_free(ev);
}

static void test_lookup_parse__wrong_types(void **state)
{
    (void)state;
    const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"request_id\":\"r\",\"result_v1\":{\"apple_services\":[]}}",
         "result_v1.apple_services"},
        {"{\"request_id\":\"r\",\"result_v1\":{\"apple_services\":{\"facetime\":{\"links\":"
         "{\"tel\":1}}}}}",
         "result_v1.apple_services.facetime.links.tel"},
        {"{\"request_id\":\"r\",\"result_v1\":{\"country\":{\"numeric\":\"840\"}}}",
         "result_v1.country.numeric"},
        {"{\"request_id\":\"r\",\"result_v1\":{\"time_zones\":[1]}}", "result_v1.time_zones"},
        {"{\"request_id\":\"r\",\"contact\":5,\"result_v1\":{}}", "contact"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loopmsg_webhook_event *ev = NULL;
        loopmsg_error err;
        ts_assert_status(LOOPMSG_E_PROTOCOL,
                         loopmsg_webhook_parse(cases[i].body, strlen(cases[i].body), &ev, &err),
                         &err);
        assert_null(ev);
        char want[160];
        snprintf(want, sizeof want, "webhook field \"%s\" has the wrong type", cases[i].field);
        assert_string_equal(err.message, want);
    }
}

static int calls_lookup, calls_unknown, calls_any;

static int on_lookup(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ud;
    assert_non_null(ev->lookup);
    calls_lookup++;
    return 0;
}

static int on_unknown(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    calls_unknown++;
    return 7;
}

static int on_any(const loopmsg_webhook_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    calls_any++;
    return 0;
}

static void test_lookup_parse__dispatch(void **state)
{
    (void)state;
    loopmsg_webhook_event *ev = NULL;
    loopmsg_error err;
    ts_assert_status(LOOPMSG_OK, loopmsg_webhook_parse(sample, strlen(sample), &ev, &err), &err);
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    assert_int_equal(h.version, 2);
    h.on_lookup_result = on_lookup;
    h.on_unknown = on_unknown;
    h.on_any = on_any;
    calls_lookup = calls_unknown = calls_any = 0;
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, NULL), 0);
    assert_int_equal(calls_lookup, 1);
    assert_int_equal(calls_unknown, 0);
    assert_int_equal(calls_any, 1);
    /* A caller built against version 1 has no on_lookup_result: on_unknown gets it. */
    h.version = 1;
    assert_int_equal(loopmsg_webhook_dispatch(&h, ev, NULL), 7);
    assert_int_equal(calls_lookup, 1);
    assert_int_equal(calls_unknown, 1);
    assert_int_equal(calls_any, 2);
    loopmsg_webhook_event_free(ev);
}

static void test_lookup_parse__names(void **state)
{
    (void)state;
    assert_string_equal(loopmsg_lookup_availability_name(LOOPMSG_LOOKUP_AVAILABLE), "available");
    assert_string_equal(loopmsg_lookup_availability_name(LOOPMSG_LOOKUP_UNAVAILABLE),
                        "unavailable");
    assert_string_equal(loopmsg_lookup_availability_name((loopmsg_lookup_availability)99),
                        "unknown");
    assert_string_equal(loopmsg_lookup_state_name(LOOPMSG_LOOKUP_STATE_QUEUED), "queued");
    assert_string_equal(loopmsg_lookup_state_name(LOOPMSG_LOOKUP_STATE_PROCESSING), "processing");
    assert_string_equal(loopmsg_lookup_state_name(LOOPMSG_LOOKUP_STATE_COMPLETED), "completed");
    assert_string_equal(loopmsg_lookup_state_name(LOOPMSG_LOOKUP_STATE_CANCELED), "canceled");
    assert_string_equal(loopmsg_lookup_state_name((loopmsg_lookup_state)-1), "unknown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ts_setup, ts_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lookup_parse__sample),      T(test_lookup_parse__shapes),
        T(test_lookup_parse__wrong_types), T(test_lookup_parse__dispatch),
        T(test_lookup_parse__names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
