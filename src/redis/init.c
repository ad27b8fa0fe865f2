/* SPDX-License-Identifier: MIT */
/*
 * init.c: `loopmsg_<struct>_init()` for the versioned structs of the Redis module, so that a
 * binding initialises them without the C macros. Nothing else lives here.
 */
#include "loopmsg/redis.h"

#include "init_int.h"

LOOPMSG__DEFINE_INIT(loopmsg_redis_publisher_options, LOOPMSG_REDIS_PUBLISHER_OPTIONS_VERSION,
                     LOOPMSG_REDIS_PUBLISHER_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_redis_consumer_options, LOOPMSG_REDIS_CONSUMER_OPTIONS_VERSION,
                     LOOPMSG_REDIS_CONSUMER_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_redis_consumer_stats, LOOPMSG_REDIS_CONSUMER_STATS_VERSION,
                     LOOPMSG_REDIS_CONSUMER_STATS_INIT)
