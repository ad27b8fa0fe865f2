/* SPDX-License-Identifier: MIT */
/* test_error.c: status names/strings, the 49 API codes and their classification flags. */
#include "test_support.h"
#include "lib/error_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every enumerator of loopmsg_status, as the public header declares it, has its own name and
 * a description: read from include/loopmsg/error.h, so that a status added to the enum and
 * forgotten in error.c fails here. */
static void test_error__every_status_has_name_and_string(void **state)
{
    (void)state;
    const char *src = getenv("LOOPMSG_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/include/loopmsg/error.h", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int in_enum = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "typedef enum loopmsg_status {"))
            in_enum = 1;
        else if (in_enum && strstr(line, "} loopmsg_status;"))
            break;
        char name[64];
        int value;
        if (in_enum && sscanf(line, " %63[A-Z_] = %d", name, &value) == 2) {
            assert_string_equal(loopmsg_status_name((loopmsg_status)value), name);
            assert_string_not_equal(loopmsg_status_str((loopmsg_status)value), "unknown status");
            seen++;
        }
    }
    fclose(f);
    assert_true(seen >= 17);
    assert_string_equal(loopmsg_status_name((loopmsg_status)-50), "LOOPMSG_E_UNKNOWN");
    assert_string_equal(loopmsg_status_str((loopmsg_status)-50), "unknown status");
    assert_string_equal(loopmsg_status_name((loopmsg_status)7), "LOOPMSG_E_UNKNOWN");
}

static const int documented[] = {
    100, 110, 115, 120, 125, 130, 140, 150,  160,  165,  170,  180,  190,  200,  210, 220, 230,
    240, 250, 260, 270, 290, 300, 310, 320,  330,  340,  500,  510,  520,  530,  540, 550, 580,
    590, 595, 600, 610, 620, 630, 640, 1000, 1010, 1020, 1030, 1110, 1120, 1130, 1140};

static void test_error__all_49_codes_described(void **state)
{
    (void)state;
    assert_int_equal(sizeof documented / sizeof documented[0], 49);
    for (size_t i = 0; i < 49; i++) {
        const char *d = loopmsg_api_code_description(documented[i]);
        if (!d)
            fail_msg("code %d has no description", documented[i]);
        assert_true(strlen(d) > 5);
    }
    assert_null(loopmsg_api_code_description(0));
    assert_null(loopmsg_api_code_description(101));
    assert_null(loopmsg_api_code_description(-1));
    assert_string_equal(loopmsg_api_code_description(140), "text parameter is missing");
    assert_string_equal(loopmsg_api_code_description(550), "pricing-plan limit reached");
}

static void test_error__code_flags(void **state)
{
    (void)state;
    const int fatal[] = {110, 130, 300, 310, 320, 330};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(loopmsg_api_code_flags(fatal[i]), LOOPMSG_ERRF_FATAL);
    assert_int_equal(loopmsg_api_code_flags(1010), LOOPMSG_ERRF_RETRYABLE);
    assert_int_equal(loopmsg_api_code_flags(1020), LOOPMSG_ERRF_RETRYABLE);
    assert_int_equal(loopmsg_api_code_flags(1030),
                     LOOPMSG_ERRF_RETRYABLE | LOOPMSG_ERRF_MAYBE_DELIVERED);
    size_t plain = 0;
    for (size_t i = 0; i < 49; i++)
        if (loopmsg_api_code_flags(documented[i]) == 0)
            plain++;
    assert_int_equal(plain, 49 - 6 - 3);
    assert_int_equal(loopmsg_api_code_flags(9999), 0);
}

/* 1020 and 1030 in the one table: 1020 was sent and the destination reported it not
 * delivered (RETRYABLE, the caller decides when); 1030 has no delivery confirmation
 * (MAYBE_DELIVERED). Neither is resent by the engine on its own; 1010 is. */
static void test_error__1020_1030_classified_and_not_resent_automatically(void **state)
{
    (void)state;
    assert_int_equal(loopmsg_api_code_flags(1020), LOOPMSG_ERRF_RETRYABLE);
    assert_false(loopmsg_api_code_flags(1020) & LOOPMSG_ERRF_MAYBE_DELIVERED);
    assert_true(loopmsg_api_code_flags(1030) & LOOPMSG_ERRF_MAYBE_DELIVERED);
    assert_int_equal(loopmsg__api_code_resend(1010), LOOPMSG__RESEND_AUTO);
    assert_int_equal(loopmsg__api_code_resend(1020), LOOPMSG__RESEND_IF_ASKED);
    assert_int_equal(loopmsg__api_code_resend(1030), LOOPMSG__RESEND_IF_ASKED);
    size_t by_status = 0;
    for (size_t i = 0; i < 49; i++)
        if (loopmsg__api_code_resend(documented[i]) == LOOPMSG__RESEND_BY_STATUS)
            by_status++;
    assert_int_equal(by_status, 49 - 3);
    assert_int_equal(loopmsg__api_code_resend(0), LOOPMSG__RESEND_BY_STATUS);
    assert_int_equal(loopmsg__api_code_resend(9999), LOOPMSG__RESEND_BY_STATUS);
}

static void test_error__predicates_accept_null(void **state)
{
    (void)state;
    assert_false(loopmsg_error_is_retryable(NULL));
    assert_false(loopmsg_error_is_fatal(NULL));
    assert_false(loopmsg_error_is_maybe_delivered(NULL));
    loopmsg_error e;
    memset(&e, 0, sizeof e);
    e.flags = LOOPMSG_ERRF_RETRYABLE | LOOPMSG_ERRF_FATAL;
    assert_true(loopmsg_error_is_retryable(&e));
    assert_true(loopmsg_error_is_fatal(&e));
    assert_false(loopmsg_error_is_maybe_delivered(&e));
}

static void test_error__version(void **state)
{
    (void)state;
    assert_int_equal(loopmsg_version_num(), LOOPMSG_VERSION_NUM);
    assert_string_equal(loopmsg_version_string(), LOOPMSG_VERSION);
    assert_true(LOOPMSG_VERSION_AT_LEAST(0, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error__every_status_has_name_and_string, ts_setup,
                                        ts_teardown),
        cmocka_unit_test_setup_teardown(test_error__all_49_codes_described, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_error__code_flags, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(
            test_error__1020_1030_classified_and_not_resent_automatically, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_error__predicates_accept_null, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_error__version, ts_setup, ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
