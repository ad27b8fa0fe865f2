/* SPDX-License-Identifier: MIT */
/*
 * test_redis_url.c: the Redis URL parser of libloopmsg_redis (pure): every accepted form with
 * its defaults, every refusal with its message, and that no message quotes the password; the
 * redaction of a URL for log lines (valid or not).
 */
#include "redis/redis_int.h"

#include "test_support.h"

#include <string.h>

static loopmsg__redis_url parse_ok(const char *url)
{
    loopmsg__redis_url u;
    char msg[200] = "";
    if (loopmsg__redis_url_parse(&u, url, msg, sizeof msg) != 0)
        fail_msg("%s refused: %s", url, msg);
    return u;
}

static void refused(const char *url, const char *why)
{
    loopmsg__redis_url u;
    char msg[200] = "";
    assert_int_equal(loopmsg__redis_url_parse(&u, url, msg, sizeof msg), -1);
    ts_assert_contains(msg, why);
    assert_null(strstr(msg, "hunter2"));
}

static void test_redis_url__tcp_forms_and_defaults(void **state)
{
    (void)state;
    loopmsg__redis_url u = parse_ok("redis://localhost");
    assert_false(u.is_unix);
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_false(u.has_password);
    assert_string_equal(u.user, "");

    u = parse_ok("redis://:hunter2@10.0.0.7:6380/3");
    assert_string_equal(u.host, "10.0.0.7");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 3);
    assert_true(u.has_password);
    assert_string_equal(u.password, "hunter2");
    assert_string_equal(u.user, "");

    u = parse_ok("redis://app:p%40ss%3Aw@redis.internal/");
    assert_string_equal(u.user, "app");
    assert_string_equal(u.password, "p@ss:w");
    assert_string_equal(u.host, "redis.internal");
    assert_int_equal(u.db, 0);

    u = parse_ok("redis://hunter2@h:1"); /* a bare password, as redis-cli takes it */
    assert_string_equal(u.password, "hunter2");
    assert_int_equal(u.port, 1);

    u = parse_ok("redis://[::1]:7000/15");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 15);
}

static void test_redis_url__unix_socket(void **state)
{
    (void)state;
    loopmsg__redis_url u = parse_ok("unix:///run/redis/redis.sock");
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 0);
    u = parse_ok("unix:///tmp/r.sock?db=2");
    assert_string_equal(u.path, "/tmp/r.sock");
    assert_int_equal(u.db, 2);
}

static void test_redis_url__refusals(void **state)
{
    (void)state;
    refused("", "empty");
    refused("http://localhost", "must start with redis:// or unix://");
    refused("rediss://localhost", "TLS");
    refused("redis://", "no host");
    refused("redis://:hunter2@", "no host");
    refused("redis://h:0", "port must be 1..65535");
    refused("redis://h:65536", "port must be 1..65535");
    refused("redis://h:12x", "port must be 1..65535");
    refused("redis://h/abc", "database must be a number");
    refused("redis://h/1?x=y", "unexpected text");
    refused("redis://[::1", "unclosed");
    refused("redis://:hunter2%zz@h", "password too long or badly encoded");
    refused("redis://:hunter2%00@h", "password too long or badly encoded");
    refused("redis://user:@h", "a user name needs a password");
    refused("unix://relative", "absolute socket path");
    refused("unix:///tmp/s?dbx=1", "?db=N");
    char long_url[700];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "redis://:", 9);
    memcpy(long_url + 600, "@h", 3);
    refused(long_url, "password too long");
}

static void test_redis_url__wipe_clears_credentials(void **state)
{
    (void)state;
    loopmsg__redis_url u = parse_ok("redis://app:hunter2@h");
    loopmsg__redis_url_wipe(&u);
    for (size_t i = 0; i < sizeof u.password; i++)
        assert_int_equal(u.password[i], 0);
    for (size_t i = 0; i < sizeof u.user; i++)
        assert_int_equal(u.user[i], 0);
}

static void redacted(const char *url, const char *want)
{
    char out[200];
    assert_int_equal(loopmsg_redis_url_redact(url, out, sizeof out), LOOPMSG_OK);
    assert_string_equal(out, want);
}

static void test_redis_url__redact_masks_the_password(void **state)
{
    (void)state;
    redacted("redis://:hunter2@10.0.0.5:6380/2", "redis://:***@10.0.0.5:6380/2");
    redacted("redis://app:hunter2@[::1]", "redis://app:***@[::1]");
    redacted("redis://hunter2@cache", "redis://***@cache"); /* a bare password */
    redacted("redis://app:hun%40ter2@cache/1", "redis://app:***@cache/1");
    redacted("redis://10.0.0.5:6379/0", "redis://10.0.0.5:6379/0");
    redacted("unix:///run/redis.sock?db=3", "unix:///run/redis.sock?db=3");
    /* Not valid, masked all the same: an unencoded '@' or '/' in the password, no scheme. */
    redacted("redis://:hun@ter2@cache", "redis://:***@cache");
    redacted("redis://:hun/ter2@cache", "redis://:***@cache");
    redacted(":hunter2@cache:6379", ":***@cache:6379");
    redacted("", "");
    /* Truncated: what fits, never a byte of the password. */
    char small[12];
    assert_int_equal(loopmsg_redis_url_redact("redis://u:hunter2@h", small, sizeof small),
                     LOOPMSG_E_TOO_LARGE);
    assert_string_equal(small, "redis://u:*");
    assert_int_equal(loopmsg_redis_url_redact("redis://h", small, 0), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_redis_url_redact("redis://h", NULL, 4), LOOPMSG_E_INVALID_ARG);
    assert_int_equal(loopmsg_redis_url_redact(NULL, small, sizeof small), LOOPMSG_E_INVALID_ARG);
    assert_string_equal(small, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_redis_url__tcp_forms_and_defaults, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_redis_url__unix_socket, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_redis_url__refusals, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_redis_url__wipe_clears_credentials, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_redis_url__redact_masks_the_password, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
