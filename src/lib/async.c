/* SPDX-License-Identifier: MIT */
/*
 * async.c: the asynchronous face of the engine: the public poll/run/cancel/pending/wakeup,
 * the typed trampolines that turn the engine's generic completion into each public callback
 * type, and the batch (built on the engine with at most max_concurrent sends in flight). Each
 * module keeps its own _async forms beside its blocking calls. Never includes curl.
 */
#include "loopmsg/message.h"
#include "async_int.h"
#include "client_int.h"
#include "error_int.h"
#include "message_int.h"

#include <string.h>

int loopmsg_client_poll(loopmsg_client *client, int timeout_ms)
{
    return loopmsg__engine_poll(client, timeout_ms);
}

loopmsg_status loopmsg_client_run(loopmsg_client *client, loopmsg_error *err)
{
    return loopmsg__engine_run(client, err);
}

loopmsg_status loopmsg_client_cancel(loopmsg_client *client, loopmsg_request_id id)
{
    return loopmsg__engine_cancel(client, id);
}

size_t loopmsg_client_cancel_unsent(loopmsg_client *client)
{
    return loopmsg__engine_cancel_unsent(client);
}

size_t loopmsg_client_pending(const loopmsg_client *client)
{
    return loopmsg__engine_pending(client);
}

loopmsg_status loopmsg_client_wakeup(loopmsg_client *client)
{
    return loopmsg__engine_wakeup(client);
}

/* ---- trampolines ----------------------------------------------------------------------- */

void loopmsg__tramp_done(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud)
{
    (void)result;
    if (fn)
        ((loopmsg_done_cb)fn)(c, id, err, ud);
}

void loopmsg__tramp_send(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_send_cb)fn)(c, id, result, err, ud);
}

/* ---- batch ------------------------------------------------------------------------------- */

typedef struct batch_slot {
    struct batch_state *state;
    loopmsg_batch_item *item;
} batch_slot;

typedef struct batch_state {
    size_t in_flight;
} batch_state;

static void batch_finish(void *ctx, loopmsg_status st, void *result, const loopmsg_error *err)
{
    batch_slot *slot = ctx;
    slot->item->result = result;
    slot->item->error = *err;
    slot->item->error.status = st;
    slot->state->in_flight--;
}

void loopmsg_batch_items_clear(loopmsg_batch_item *items, size_t count)
{
    if (!items)
        return;
    for (size_t i = 0; i < count; i++) {
        loopmsg_send_result_free(items[i].result);
        items[i].result = NULL;
    }
}

loopmsg_status loopmsg_message_send_batch(loopmsg_client *client, const loopmsg_send_params *params,
                                          size_t count, loopmsg_batch_item *items,
                                          loopmsg_error *err)
{
    if (!client || (count && (!params || !items)))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_batch: client, params and items must not be NULL");
    if (loopmsg__engine_in_callback(client))
        return loopmsg__error_set(err, LOOPMSG_E_STATE,
                                  "send_batch: blocking call from inside a completion callback");
    for (size_t i = 0; i < count; i++)
        memset(&items[i], 0, sizeof items[i]);
    batch_slot *slots = loopmsg__calloc(count ? count : 1, sizeof *slots);
    if (!slots)
        return loopmsg__error_nomem(err);
    batch_state state = {0};
    size_t window = client->max_concurrent ? client->max_concurrent : 16;
    size_t next = 0;
    /* Submit lazily, at most `window` at a time, so memory stays flat for large batches. */
    while (next < count || state.in_flight) {
        while (next < count && state.in_flight < window) {
            size_t i = next++;
            slots[i].state = &state;
            slots[i].item = &items[i];
            const loopmsg__op *op = NULL;
            char *path;
            loopmsg__body body;
            loopmsg_status st = loopmsg__message_prepare(LOOPMSG__MSG_SEND, client, &params[i], &op,
                                                         &path, &body, &items[i].error);
            if (st == LOOPMSG_OK)
                st = loopmsg__call_internal_body(client, op, path, body, batch_finish, &slots[i],
                                                 &items[i].error);
            if (st == LOOPMSG_OK)
                state.in_flight++;
            else
                items[i].error.status = st;
        }
        if (state.in_flight)
            loopmsg__engine_step(client, 1000);
    }
    loopmsg__free(slots);
    size_t failed = 0;
    for (size_t i = 0; i < count; i++)
        if (items[i].error.status != LOOPMSG_OK)
            failed++;
    if (failed)
        return loopmsg__error_set(err, LOOPMSG_E_PARTIAL, "send_batch: %zu of %zu item(s) failed",
                                  failed, count);
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}
