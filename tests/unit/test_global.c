/* SPDX-License-Identifier: MIT */
/*
 * test_global.c: process initialisation. Its own executable, because the allocator hooks are
 * process-wide: this file never installs the counting allocator before the library has been
 * used implicitly (loopmsg_client_new initialising on demand).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <loopmsg.h>

static int foreign_frees;

static void *g_malloc(size_t size, void *ctx)
{
    (void)ctx;
    return malloc(size);
}

static void *g_realloc(void *ptr, size_t size, void *ctx)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void g_free(void *ptr, void *ctx)
{
    (void)ctx;
    if (ptr)
        foreign_frees++;
    free(ptr);
}

static void test_global__allocator_not_switched_under_live_memory(void **state)
{
    (void)state;
    /* A client made before any loopmsg_global_init() uses libc memory... */
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "k-123456";
    o.base_url = "https://example.invalid";
    loopmsg_client *c = NULL;
    loopmsg_error err;
    assert_int_equal(loopmsg_client_new(&o, &c, &err), LOOPMSG_OK);
    /* ...so a later allocator would free memory it never allocated. */
    loopmsg_allocator a = {g_malloc, g_realloc, g_free, NULL};
    assert_int_equal(loopmsg_global_init(&a), LOOPMSG_E_STATE);
    loopmsg_client_free(c);
    assert_int_equal(foreign_frees, 0);
    /* Without an allocator the call still counts. */
    assert_int_equal(loopmsg_global_init(NULL), 1);
    assert_int_equal(loopmsg_global_cleanup(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_global__allocator_not_switched_under_live_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
