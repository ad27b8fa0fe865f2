/* SPDX-License-Identifier: MIT */
/*
 * fuzz_response.c: API responses. The first byte picks an endpoint's decoder, the second the
 * HTTP status; the rest is the body: classification (wire.c) then decoding, then free. And
 * for the send calls the two paths agree: whatever the fast decoder (send_fast.c) takes, the
 * full path takes as exactly the same result, or the process aborts.
 */
#include "lib/wire_int.h"
#include "lib/ops_int.h"

#include "../tests/support/send_same.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const loopmsg__op *const ops[] = {
        &loopmsg__op_send, &loopmsg__op_send_group, &loopmsg__op_send_voice,
        &loopmsg__op_send_reaction, &loopmsg__op_typing, &loopmsg__op_status,
        &loopmsg__op_check_status, &loopmsg__op_unsubscribe, &loopmsg__op_sender,
        &loopmsg__op_campaign, &loopmsg__op_optin, &loopmsg__list_ops[1], &loopmsg__list_ops[2],
        &loopmsg__list_ops[3], &loopmsg__list_ops[4], &loopmsg__list_ops[5], &loopmsg__list_ops[6],
        &loopmsg__list_ops[7], &loopmsg__op_org_get, &loopmsg__op_org_create,
        &loopmsg__op_org_update, &loopmsg__op_pool_get, &loopmsg__op_pool_create,
        &loopmsg__op_sender_move, &loopmsg__op_sender_plans, &loopmsg__op_sender_order,
        &loopmsg__op_optin_frontend,
        /* LoopLookup (27..30): classified with its own code table. */
        &loopmsg__op_lookup, &loopmsg__op_lookup_bulk, &loopmsg__op_lookup_status,
        &loopmsg__list_ops[8]};
    static const int statuses[] = {200, 201, 204, 400, 401, 402, 403, 404, 429, 500, 502, 503, 504};
    if (size < 2)
        return 0;
    const loopmsg__op *op = ops[data[0] % (sizeof ops / sizeof ops[0])];
    int http = statuses[data[1] % (sizeof statuses / sizeof statuses[0])];
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    /* Decoders get a NUL-terminated body, as the engine's buffer is. */
    char *copy = loopmsg__strndup(body, len);
    if (!copy)
        return 0;
    loopmsg_error err;
    /* Only the send calls have a fast decoder, and their results are loopmsg_send_result.
     * It does not look at the status: the engine calls it for a 2xx only, so the full path
     * it is held to is that of a 200. */
    void *fast = NULL;
    if (op->decode_fast && op->decode_fast(&fast, copy, len)) {
        loopmsg_send_result *full = NULL;
        if (send_full_path(op, copy, len, &full, &err) != LOOPMSG_OK ||
            !send_same_result(fast, full))
            abort();
        loopmsg_send_result_free(full);
        loopmsg_send_result_free(fast);
    }
    json_t *root = NULL;
    /* A secret with an escapable character, a non-ASCII one and one outside the BMP, so that
     * every path of the key masking runs on the body. */
    loopmsg_status st = loopmsg__wire_classify_ex(
        op->name, op->method == LOOPMSG__POST, http, copy, len, 0, "k-/\xc3\xa9\xf0\x9f\x98\x80",
        (op->flags & LOOPMSG__OP_HOST_LOOKUP) != 0, &root, &err);
    loopmsg__mask_secret(copy, len, "k\"", 2, true);
    if (st == LOOPMSG_OK && op->decode) {
        void *result = NULL;
        if (op->decode(&result, root, copy, len, &err) == LOOPMSG_OK && op->free_result)
            op->free_result(result);
    }
    json_decref(root);
    loopmsg__free(copy);
    return 0;
}
