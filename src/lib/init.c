/* SPDX-License-Identifier: MIT */
/*
 * init.c: `loopmsg_<struct>_init()` for the versioned structs of the core library, so that a
 * binding initialises them without the C macros. Nothing else lives here.
 */
#include "loopmsg.h"

#include "init_int.h"

LOOPMSG__DEFINE_INIT(loopmsg_client_options, LOOPMSG_CLIENT_OPTIONS_VERSION,
                     LOOPMSG_CLIENT_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_send_params, LOOPMSG_SEND_PARAMS_VERSION, LOOPMSG_SEND_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_group_send_params, LOOPMSG_GROUP_SEND_PARAMS_VERSION,
                     LOOPMSG_GROUP_SEND_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_voice_params, LOOPMSG_VOICE_PARAMS_VERSION, LOOPMSG_VOICE_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_reaction_params, LOOPMSG_REACTION_PARAMS_VERSION,
                     LOOPMSG_REACTION_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_typing_params, LOOPMSG_TYPING_PARAMS_VERSION,
                     LOOPMSG_TYPING_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_campaign_params, LOOPMSG_CAMPAIGN_PARAMS_VERSION,
                     LOOPMSG_CAMPAIGN_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_list_params, LOOPMSG_LIST_PARAMS_VERSION, LOOPMSG_LIST_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_optin_params, LOOPMSG_OPTIN_PARAMS_VERSION, LOOPMSG_OPTIN_PARAMS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_webhook_parse_options, LOOPMSG_WEBHOOK_PARSE_OPTIONS_VERSION,
                     LOOPMSG_WEBHOOK_PARSE_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_webhook_handlers, LOOPMSG_WEBHOOK_HANDLERS_VERSION,
                     LOOPMSG_WEBHOOK_HANDLERS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_webhook_handler_config, LOOPMSG_WEBHOOK_HANDLER_CONFIG_VERSION,
                     LOOPMSG_WEBHOOK_HANDLER_CONFIG_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_webhook_request, LOOPMSG_WEBHOOK_REQUEST_VERSION,
                     LOOPMSG_WEBHOOK_REQUEST_INIT)
