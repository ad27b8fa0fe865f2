/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_verify.c: loopmsg_webhook_verify(), in constant time: the Authorization header
 * verbatim, "Bearer <value>", ?secret=<value>, several values for rotation, and every way
 * of not matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include <loopmsg.h>

static const char *const one[] = {"s3cr3t-Value"};
static const char *const two[] = {"old-secret", "new-secret"};

static loopmsg_status verify(const char *auth, const char *query, const char *const *secrets,
                             size_t n)
{
    loopmsg_error err;
    memset(&err, 0x5a, sizeof err);
    loopmsg_status st = loopmsg_webhook_verify(auth, query, secrets, n, &err);
    assert_int_equal(err.status, st);
    if (st == LOOPMSG_OK)
        assert_string_equal(err.message, "");
    /* A secret never appears in an error message. */
    for (size_t i = 0; i < n; i++)
        if (secrets && secrets[i] && secrets[i][0])
            assert_null(strstr(err.message, secrets[i]));
    return st;
}

static void test_webhook_verify__header_verbatim(void **state)
{
    (void)state;
    assert_int_equal(verify("s3cr3t-Value", NULL, one, 1), LOOPMSG_OK);
}

static void test_webhook_verify__header_bearer(void **state)
{
    (void)state;
    assert_int_equal(verify("Bearer s3cr3t-Value", NULL, one, 1), LOOPMSG_OK);
    /* Only the exact form. */
    assert_int_equal(verify("bearer s3cr3t-Value", NULL, one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("Bearer  s3cr3t-Value", NULL, one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("Bearers3cr3t-Value", NULL, one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("Bearer ", NULL, one, 1), LOOPMSG_E_WEBHOOK_AUTH);
}

static void test_webhook_verify__query_secret(void **state)
{
    (void)state;
    assert_int_equal(verify(NULL, "secret=s3cr3t-Value", one, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "?secret=s3cr3t-Value", one, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "a=1&b=&secret=s3cr3t-Value&c", one, 1), LOOPMSG_OK);
    /* Percent-decoded, in the value and in the key. */
    assert_int_equal(verify(NULL, "secret=s3cr3t%2dValue", one, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "secre%74=s3cr3t-Value", one, 1), LOOPMSG_OK);
    static const char *const spaced[] = {"a b+c"};
    assert_int_equal(verify(NULL, "secret=a+b%2Bc", spaced, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "secret=a%20b%2bc", spaced, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "secret=a+b+c", spaced, 1), LOOPMSG_E_WEBHOOK_AUTH);
    /* A malformed escape stays literal. */
    static const char *const pct[] = {"50%zz"};
    assert_int_equal(verify(NULL, "secret=50%zz", pct, 1), LOOPMSG_OK);
    static const char *const tail[] = {"x%4"};
    assert_int_equal(verify(NULL, "secret=x%4", tail, 1), LOOPMSG_OK);
}

static void test_webhook_verify__query_only_first_secret_counts(void **state)
{
    (void)state;
    assert_int_equal(verify(NULL, "secret=wrong&secret=s3cr3t-Value", one, 1),
                     LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, "secret=s3cr3t-Value&secret=wrong", one, 1), LOOPMSG_OK);
    /* Similar keys are not the secret parameter. */
    assert_int_equal(verify(NULL, "xsecret=s3cr3t-Value", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, "secrets=s3cr3t-Value", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, "secret", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
}

static void test_webhook_verify__wrong_values(void **state)
{
    (void)state;
    const char *wrong[] = {"s3cr3t-valuE",  "s3cr3t-Valu",        "s3cr3t-Value ",
                           " s3cr3t-Value", "S3cr3t-Value",       "",
                           "Bearer",        "Basic s3cr3t-Value", "s3cr3t-Value\n"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        loopmsg_error err;
        assert_int_equal(loopmsg_webhook_verify(wrong[i], NULL, one, 1, &err),
                         LOOPMSG_E_WEBHOOK_AUTH);
        assert_string_equal(err.message, "webhook credentials do not match any configured secret");
    }
    assert_int_equal(verify(NULL, "secret=x", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    /* One form passing is enough, whatever the other carries. */
    assert_int_equal(verify("wrong", "secret=s3cr3t-Value", one, 1), LOOPMSG_OK);
    assert_int_equal(verify("s3cr3t-Value", "secret=wrong", one, 1), LOOPMSG_OK);
}

static void test_webhook_verify__missing_credentials(void **state)
{
    (void)state;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_verify(NULL, NULL, one, 1, &err), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(err.status, LOOPMSG_E_WEBHOOK_AUTH);
    assert_string_equal(err.message,
                        "webhook request has no Authorization header and no secret parameter");
    assert_int_equal(verify(NULL, "", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, "other=1", one, 1), LOOPMSG_E_WEBHOOK_AUTH);
    /* err is optional. */
    assert_int_equal(loopmsg_webhook_verify(NULL, NULL, one, 1, NULL), LOOPMSG_E_WEBHOOK_AUTH);
}

static void test_webhook_verify__two_secrets_for_rotation(void **state)
{
    (void)state;
    assert_int_equal(verify("old-secret", NULL, two, 2), LOOPMSG_OK);
    assert_int_equal(verify("new-secret", NULL, two, 2), LOOPMSG_OK);
    assert_int_equal(verify("Bearer new-secret", NULL, two, 2), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "secret=old-secret", two, 2), LOOPMSG_OK);
    assert_int_equal(verify("older-secret", NULL, two, 2), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("old-secretnew-secret", NULL, two, 2), LOOPMSG_E_WEBHOOK_AUTH);
    /* Only the first one configured: the second value is refused. */
    assert_int_equal(verify("new-secret", NULL, two, 1), LOOPMSG_E_WEBHOOK_AUTH);
}

static void test_webhook_verify__no_secrets_configured_passes_everything(void **state)
{
    (void)state;
    assert_int_equal(verify(NULL, NULL, NULL, 0), LOOPMSG_OK);
    assert_int_equal(verify("anything", "secret=x", NULL, 0), LOOPMSG_OK);
    assert_int_equal(verify("anything", NULL, one, 0), LOOPMSG_OK);
}

static void test_webhook_verify__empty_secret_never_matches(void **state)
{
    (void)state;
    static const char *const empty[] = {""};
    assert_int_equal(verify("", NULL, empty, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("Bearer ", NULL, empty, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, "secret=", empty, 1), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify(NULL, NULL, empty, 1), LOOPMSG_E_WEBHOOK_AUTH);
    /* An empty value next to a real one does not weaken the real one. */
    static const char *const mixed[] = {"", "real"};
    assert_int_equal(verify("", NULL, mixed, 2), LOOPMSG_E_WEBHOOK_AUTH);
    assert_int_equal(verify("real", NULL, mixed, 2), LOOPMSG_OK);
}

static void test_webhook_verify__invalid_arguments(void **state)
{
    (void)state;
    loopmsg_error err;
    assert_int_equal(loopmsg_webhook_verify("x", NULL, NULL, 1, &err), LOOPMSG_E_INVALID_ARG);
    assert_string_equal(err.message, "secrets is NULL but secret_count is 1");
    static const char *const holes[] = {"a", NULL};
    assert_int_equal(loopmsg_webhook_verify("a", NULL, holes, 2, &err), LOOPMSG_E_INVALID_ARG);
    assert_string_equal(err.message, "secrets[1] is NULL");
}

static void test_webhook_verify__binary_and_long_values(void **state)
{
    (void)state;
    char longv[5000];
    memset(longv, 'k', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    const char *const secrets[] = {longv};
    assert_int_equal(verify(longv, NULL, secrets, 1), LOOPMSG_OK);
    char other[5000];
    memcpy(other, longv, sizeof other);
    other[4998] = 'j';
    assert_int_equal(verify(other, NULL, secrets, 1), LOOPMSG_E_WEBHOOK_AUTH);
    other[4998] = 'k';
    other[0] = 'j';
    assert_int_equal(verify(other, NULL, secrets, 1), LOOPMSG_E_WEBHOOK_AUTH);
    static const char *const hi[] = {"\xff\xfe"};
    assert_int_equal(verify("\xff\xfe", NULL, hi, 1), LOOPMSG_OK);
    assert_int_equal(verify(NULL, "secret=%FF%fe", hi, 1), LOOPMSG_OK);
    assert_int_equal(verify("\xff\xff", NULL, hi, 1), LOOPMSG_E_WEBHOOK_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_verify__header_verbatim, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__header_bearer, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__query_secret, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__query_only_first_secret_counts,
                                        ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__wrong_values, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__missing_credentials, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__two_secrets_for_rotation, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(
            test_webhook_verify__no_secrets_configured_passes_everything, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__empty_secret_never_matches, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__invalid_arguments, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_webhook_verify__binary_and_long_values, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
