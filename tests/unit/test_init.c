/* SPDX-License-Identifier: MIT */
/*
 * test_init.c: every loopmsg_<struct>_init() sets what its LOOPMSG_<STRUCT>_INIT macro sets,
 * and refuses NULL and a version that is not the header's. That every macro has its function
 * is checked by tests/headers/check_headers.sh.
 */
#include "loopmsg.h"
#include "loopmsg/emulator.h"
#include "loopmsg/webhook_server.h"
#ifdef LOOPMSG_TEST_WITH_REDIS
#include "loopmsg/redis.h"
#endif

#include "test_support.h"

#include <string.h>

/* Fill with a non-zero pattern first, so that a field the function forgets shows. */
#define CHECK_INIT(type, VERSION, INIT)                                                            \
    do {                                                                                           \
        type want, got;                                                                            \
        memset(&want, 0, sizeof want);                                                             \
        want = (type)INIT;                                                                         \
        memset(&got, 0xa5, sizeof got);                                                            \
        assert_int_equal(type##_init(&got, VERSION), LOOPMSG_OK);                                  \
        assert_memory_equal(&got, &want, sizeof got);                                              \
        assert_int_equal(type##_init(&got, VERSION + 1), LOOPMSG_E_INVALID_ARG);                   \
        assert_int_equal(type##_init(&got, 0), LOOPMSG_E_INVALID_ARG);                             \
        assert_int_equal(type##_init(NULL, VERSION), LOOPMSG_E_INVALID_ARG);                       \
    } while (0)

static void test_init__core_structs(void **state)
{
    (void)state;
    CHECK_INIT(loopmsg_client_options, LOOPMSG_CLIENT_OPTIONS_VERSION, LOOPMSG_CLIENT_OPTIONS_INIT);
    CHECK_INIT(loopmsg_log_event, LOOPMSG_LOG_EVENT_VERSION, LOOPMSG_LOG_EVENT_INIT);
    CHECK_INIT(loopmsg_send_params, LOOPMSG_SEND_PARAMS_VERSION, LOOPMSG_SEND_PARAMS_INIT);
    CHECK_INIT(loopmsg_group_send_params, LOOPMSG_GROUP_SEND_PARAMS_VERSION,
               LOOPMSG_GROUP_SEND_PARAMS_INIT);
    CHECK_INIT(loopmsg_voice_params, LOOPMSG_VOICE_PARAMS_VERSION, LOOPMSG_VOICE_PARAMS_INIT);
    CHECK_INIT(loopmsg_reaction_params, LOOPMSG_REACTION_PARAMS_VERSION,
               LOOPMSG_REACTION_PARAMS_INIT);
    CHECK_INIT(loopmsg_typing_params, LOOPMSG_TYPING_PARAMS_VERSION, LOOPMSG_TYPING_PARAMS_INIT);
    CHECK_INIT(loopmsg_campaign_params, LOOPMSG_CAMPAIGN_PARAMS_VERSION,
               LOOPMSG_CAMPAIGN_PARAMS_INIT);
    CHECK_INIT(loopmsg_list_params, LOOPMSG_LIST_PARAMS_VERSION, LOOPMSG_LIST_PARAMS_INIT);
    CHECK_INIT(loopmsg_optin_params, LOOPMSG_OPTIN_PARAMS_VERSION, LOOPMSG_OPTIN_PARAMS_INIT);
    CHECK_INIT(loopmsg_webhook_parse_options, LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION,
               LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT);
    CHECK_INIT(loopmsg_webhook_handlers, LOOPMSG_WEBHOOK_HANDLERS_VERSION,
               LOOPMSG_WEBHOOK_HANDLERS_INIT);
    CHECK_INIT(loopmsg_webhook_handler_config, LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION,
               LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT);
    CHECK_INIT(loopmsg_webhook_request, LOOPMSG_WEBHOOK_REQUEST_VERSION,
               LOOPMSG_WEBHOOK_REQUEST_INIT);
    CHECK_INIT(loopmsg_org_params, LOOPMSG_ORG_PARAMS_VERSION, LOOPMSG_ORG_PARAMS_INIT);
    CHECK_INIT(loopmsg_pool_params, LOOPMSG_POOL_PARAMS_VERSION, LOOPMSG_POOL_PARAMS_INIT);
    CHECK_INIT(loopmsg_sender_order_params, LOOPMSG_SENDER_ORDER_PARAMS_VERSION,
               LOOPMSG_SENDER_ORDER_PARAMS_INIT);
    CHECK_INIT(loopmsg_lookup_params, LOOPMSG_LOOKUP_PARAMS_VERSION, LOOPMSG_LOOKUP_PARAMS_INIT);
}

static void test_init__receiver_and_emulator_structs(void **state)
{
    (void)state;
    CHECK_INIT(loopmsg_webhook_server_options, LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION,
               LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT);
#ifdef LOOPMSG_TEST_WITH_REDIS
    CHECK_INIT(loopmsg_redis_publisher_options, LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION,
               LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT);
    CHECK_INIT(loopmsg_redis_consumer_options, LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION,
               LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT);
    CHECK_INIT(loopmsg_redis_consumer_stats, LOOPMSG_REDIS_CONSUMER_STATS_VERSION,
               LOOPMSG_REDIS_CONSUMER_STATS_INIT);
#endif
    CHECK_INIT(loopmsg_webhook_server_stats, LOOPMSG_WEBHOOK_SERVER_STATS_VERSION,
               LOOPMSG_WEBHOOK_SERVER_STATS_INIT);
    CHECK_INIT(loopmsg_emulator_options, LOOPMSG_EMULATOR_OPTIONS_VERSION,
               LOOPMSG_EMULATOR_OPTIONS_INIT);
    CHECK_INIT(loopmsg_emulator_answer, LOOPMSG_EMULATOR_ANSWER_VERSION,
               LOOPMSG_EMULATOR_ANSWER_INIT);
    CHECK_INIT(loopmsg_emulator_faults, LOOPMSG_EMULATOR_FAULTS_VERSION,
               LOOPMSG_EMULATOR_FAULTS_INIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init__core_structs, ts_setup, ts_teardown),
        cmocka_unit_test_setup_teardown(test_init__receiver_and_emulator_structs, ts_setup,
                                        ts_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
