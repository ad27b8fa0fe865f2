/* SPDX-License-Identifier: MIT */
/* ops_int.h: every endpoint's op (method + decoder), for the response fuzzer and tests. */
#ifndef LOOPMSG_OPS_INT_H
#define LOOPMSG_OPS_INT_H

#include "client_int.h"

extern const loopmsg__op loopmsg__op_send;
extern const loopmsg__op loopmsg__op_send_group;
extern const loopmsg__op loopmsg__op_send_voice;
extern const loopmsg__op loopmsg__op_send_reaction;
extern const loopmsg__op loopmsg__op_typing;
extern const loopmsg__op loopmsg__op_status;
extern const loopmsg__op loopmsg__op_check_status;
extern const loopmsg__op loopmsg__op_unsubscribe;
extern const loopmsg__op loopmsg__op_sender;
extern const loopmsg__op loopmsg__op_campaign;
extern const loopmsg__op loopmsg__op_optin;
extern const loopmsg__op loopmsg__op_optin_frontend;
extern const loopmsg__op loopmsg__op_org_get;
extern const loopmsg__op loopmsg__op_org_create;
extern const loopmsg__op loopmsg__op_org_update;
extern const loopmsg__op loopmsg__op_org_delete;
extern const loopmsg__op loopmsg__op_pool_get;
extern const loopmsg__op loopmsg__op_pool_create;
extern const loopmsg__op loopmsg__op_sender_move;
extern const loopmsg__op loopmsg__op_sender_plans;
extern const loopmsg__op loopmsg__op_sender_order;
extern const loopmsg__op loopmsg__op_lookup;
extern const loopmsg__op loopmsg__op_lookup_bulk;
extern const loopmsg__op loopmsg__op_lookup_status;
extern const loopmsg__op loopmsg__list_ops[]; /* indexed by loopmsg_list_kind (1..8) */

#endif
