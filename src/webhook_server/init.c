/* SPDX-License-Identifier: MIT */
/*
 * init.c: `loopmsg_<struct>_init()` for the versioned structs of the webhook receiver, so that
 * a binding initialises them without the C macros. Nothing else lives here.
 */
#include "loopmsg/webhook_server.h"

#include "init_int.h"

LOOPMSG__DEFINE_INIT(loopmsg_webhook_server_options, LOOPMSG_WEBHOOK_SERVER_OPTIONS_VERSION,
                     LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_webhook_server_stats, LOOPMSG_WEBHOOK_SERVER_STATS_VERSION,
                     LOOPMSG_WEBHOOK_SERVER_STATS_INIT)
