/* SPDX-License-Identifier: MIT */
/*
 * fuzz_response.c: API responses. The first byte picks an endpoint's decoder, the second the
 * HTTP status; the rest is the body: classification (codec.c) then decoding, then free.
 */
#include "lib/codec_int.h"
#include "lib/ops_int.h"

#include <stdint.h>
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
    json_t *root = NULL;
    /* A secret with an escapable character, a non-ASCII one and one outside the BMP, so that
     * every path of the key masking runs on the body. */
    loopmsg_status st = loopmsg__codec_classify_ex(
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
