/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg.h
 * @brief Umbrella header for libloopmsg, the C SDK for the Loop Message API.
 *
 * Includes every module of the core library. The webhook receiver
 * (<loopmsg/webhook_server.h>, library loopmsg_webhook) and the emulator
 * (<loopmsg/emulator.h>) are included separately.
 */
#ifndef LOOPMSG_H
#define LOOPMSG_H

#include "loopmsg/common.h"
#include "loopmsg/version.h"
#include "loopmsg/error.h"
#include "loopmsg/global.h"
#include "loopmsg/client.h"
#include "loopmsg/message.h"
#include "loopmsg/list.h"
#include "loopmsg/audience.h"
#include "loopmsg/campaign.h"
#include "loopmsg/sender.h"
#include "loopmsg/optin.h"
#include "loopmsg/org.h"
#include "loopmsg/pool.h"
#include "loopmsg/lookup.h"
#include "loopmsg/webhook.h"

#endif /* LOOPMSG_H */
