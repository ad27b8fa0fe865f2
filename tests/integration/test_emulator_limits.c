/* SPDX-License-Identifier: MIT */
/*
 * test_emulator_limits.c: the emulator under load it must survive. Its state lookups are
 * indexed (the work to find a contact or a message does not grow with the audience; counted
 * with the state's probe counters, never timed), and the request bodies it holds across all
 * connections are capped (max_buffered_bytes): past the cap a request with a body gets 503
 * with Retry-After, and the budget comes back when requests complete or connections close.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emulator/emulator_int.h"
#include "http_support.h"
#include "test_support.h"

#define KEY "test-key"

/* ---- helpers ----------------------------------------------------------------------------- */

static void http(ts_http_res *r, loopmsg_emulator *emu, const char *method, const char *path,
                 const char *body)
{
    ts_http_emu(r, emu, method, path, KEY, body);
}

/* Poll (1 ms steps, 10 s deadline) until the emulator holds exactly `want` body bytes. */
static void wait_buffered(loopmsg_emulator *emu, size_t want)
{
    uint64_t deadline = ts_now_ms() + 10000;
    size_t now;
    while ((now = loopmsg__emu_buffered_bytes(emu)) != want && ts_now_ms() < deadline)
        ts_sleep_ms(1);
    if (now != want)
        fail_msg("the emulator holds %zu body bytes, expected %zu", now, want);
}

static loopmsg_emulator *start(size_t max_buffered_bytes)
{
    loopmsg_emulator_options o = LOOPMSG_EMULATOR_OPTIONS_INIT;
    o.quiet = true;
    o.max_buffered_bytes = max_buffered_bytes;
    loopmsg_emulator *emu = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_emulator_start(&o, &emu, &err), LOOPMSG_OK);
    return emu;
}

static void contact_value(char *out, size_t size, unsigned int i)
{
    /* Distinct phone numbers; none ends in a failure suffix (0000/0001/0002). */
    snprintf(out, size, "+1555%07u", i * 10 + 5);
}

static void inject_range(loopmsg_emulator *emu, unsigned int from, unsigned int to)
{
    char contact[32];
    for (unsigned int i = from; i < to; i++) {
        contact_value(contact, sizeof contact, i);
        loopmsg_error err;
        assert_int_equal(loopmsg_emulator_inject(emu, contact, "hi", NULL, NULL, 0, &err),
                         LOOPMSG_OK);
    }
}

/* Slots inspected per lookup while adding `count` new contacts from `from` on. */
static double probes_per_lookup(loopmsg_emulator *emu, unsigned int from, unsigned int count)
{
    uint64_t l0, p0, l1, p1;
    loopmsg__emu_state_index_stats(emu, &l0, &p0);
    inject_range(emu, from, from + count);
    loopmsg__emu_state_index_stats(emu, &l1, &p1);
    assert_true(l1 > l0);
    return (double)(p1 - p0) / (double)(l1 - l0);
}

/* ---- indexed state ----------------------------------------------------------------------- */

#define BIG   20000u
#define BATCH 500u

static void test_emulator__contact_lookup_does_not_grow_with_audience(void **state)
{
    (void)state;
    loopmsg_emulator *fresh = start(0);
    double small = probes_per_lookup(fresh, 0, BATCH);
    loopmsg_emulator_free(fresh);

    loopmsg_emulator *emu = start(0);
    inject_range(emu, 0, BIG);
    double big = probes_per_lookup(emu, BIG, BATCH);
    /* A linear scan inspects every contact (tens of thousands per lookup here); an index a
     * couple of slots whatever the size. */
    if (big > 4.0 || big > small * 2 + 1)
        fail_msg("%.1f slots per lookup with %u contacts, %.1f on a fresh sandbox", big, BIG,
                 small);

    /* The audience still sees every contact, once. */
    ts_http_res r;
    http(&r, emu, "GET", "/api/v1/audience/list/?per_page=1", NULL);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    /* The built-in fixture contact +15555550100 plus the injected ones. */
    assert_int_equal(json_integer_value(json_object_get(j, "count")), BIG + BATCH + 1);
    json_decref(j);
    loopmsg_emulator_free(emu);
}

static void test_emulator__message_lookups_do_not_grow_with_history(void **state)
{
    (void)state;
    loopmsg_emulator *emu = start(0);
    inject_range(emu, 0, BIG);

    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", "{\"contact\":\"+15555550123\",\"text\":\"x\"}");
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    char path[128];
    snprintf(path, sizeof path, "/v1/message/status/%s/",
             json_string_value(json_object_get(j, "message_id")));
    json_decref(j);

    uint64_t l0, p0, l1, p1;
    loopmsg__emu_state_index_stats(emu, &l0, &p0);
    http(&r, emu, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"contact\":\"+15555550123\""));
    /* The contact's history: its one message, without walking everyone else's. */
    http(&r, emu, "GET", "/api/v1/audience/messages/%2B15555550123/", NULL);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    json_decref(j);
    loopmsg__emu_state_index_stats(emu, &l1, &p1);
    assert_true(l1 > l0);
    if (p1 - p0 > 4 * (l1 - l0) + 2)
        fail_msg("%llu slots inspected for %llu lookups among %u messages",
                 (unsigned long long)(p1 - p0), (unsigned long long)(l1 - l0), BIG);
    loopmsg_emulator_free(emu);
}

/* ---- the cap on buffered bodies ---------------------------------------------------------- */

#define CAP     (256u * 1024u)
#define HOLDERS 4u
#define PARTIAL (CAP / HOLDERS)

/* A connection that declares a body twice the cap, sends `partial` bytes of it and waits. */
static int hold_partial_body(loopmsg_emulator *emu, size_t partial)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(loopmsg_emulator_port(emu));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/message/send/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: " KEY "\r\nContent-Type: application/json\r\n"
                     "Content-Length: %u\r\n\r\n",
                     2 * CAP);
    assert_int_equal(write(fd, head, (size_t)n), n);
    char *chunk = malloc(partial);
    assert_non_null(chunk);
    memset(chunk, ' ', partial);
    for (size_t off = 0; off < partial;) {
        ssize_t w = write(fd, chunk + off, partial - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    free(chunk);
    return fd;
}

static void test_emulator__total_buffered_body_cap_answers_503(void **state)
{
    (void)state;
    loopmsg_emulator *emu = start(CAP);
    int fds[HOLDERS];
    for (size_t i = 0; i < HOLDERS; i++)
        fds[i] = hold_partial_body(emu, PARTIAL);
    wait_buffered(emu, CAP);

    /* Full: any further body is refused, in the emulator's error shape, with Retry-After. */
    ts_http_res r;
    http(&r, emu, "POST", "/api/v1/message/send/", "{\"contact\":\"+15555550123\",\"text\":\"x\"}");
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 503);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "success")));
    assert_int_equal(json_integer_value(json_object_get(j, "code")), 1000);
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "busy"));
    json_decref(j);
    assert_non_null(strstr(r.headers, "Retry-After: 1\r\n"));
    assert_non_null(strstr(r.headers, "Content-Type: application/json\r\n"));
    /* The refused request holds nothing, and a request without a body is still served. */
    assert_int_equal(loopmsg__emu_buffered_bytes(emu), CAP);
    http(&r, emu, "GET", "/api/v1/sender/list/", NULL);
    assert_int_equal(r.status, 200);
    /* The refusal is recorded like any other answer. */
    size_t n = loopmsg_emulator_request_count(emu);
    loopmsg_emulator_request *rec = NULL;
    assert_int_equal(loopmsg_emulator_request_get(emu, n - 2, &rec), LOOPMSG_OK);
    assert_int_equal(rec->answered_status, 503);
    loopmsg_emulator_request_free(rec);

    /* Clients that give up mid-body give their bytes back. */
    for (size_t i = 0; i < HOLDERS; i++)
        close(fds[i]);
    wait_buffered(emu, 0);
    http(&r, emu, "POST", "/api/v1/message/send/", "{\"contact\":\"+15555550123\",\"text\":\"x\"}");
    assert_int_equal(r.status, 200);
    /* So do completed requests. */
    wait_buffered(emu, 0);
    loopmsg_emulator_free(emu);
}

static void test_emulator__buffered_body_cap_applies_to_the_control_plane(void **state)
{
    (void)state;
    loopmsg_emulator *emu = start(CAP);
    int fd = hold_partial_body(emu, CAP);
    wait_buffered(emu, CAP);
    ts_http_res r;
    http(&r, emu, "POST", "/__sandbox/faults", "{}");
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.headers, "Retry-After: 1\r\n"));
    close(fd);
    wait_buffered(emu, 0);
    http(&r, emu, "POST", "/__sandbox/faults", "{}");
    assert_int_equal(r.status, 200);
    loopmsg_emulator_free(emu);
}

static void test_emulator__buffered_body_cap_defaults_to_64_mib(void **state)
{
    (void)state;
    loopmsg_emulator *emu = start(0);
    assert_int_equal(emu->max_buffered_bytes, (size_t)64 * 1024 * 1024);
    loopmsg_emulator_free(emu);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator__contact_lookup_does_not_grow_with_audience),
        cmocka_unit_test(test_emulator__message_lookups_do_not_grow_with_history),
        cmocka_unit_test(test_emulator__total_buffered_body_cap_answers_503),
        cmocka_unit_test(test_emulator__buffered_body_cap_applies_to_the_control_plane),
        cmocka_unit_test(test_emulator__buffered_body_cap_defaults_to_64_mib),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
