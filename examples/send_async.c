/* SPDX-License-Identifier: MIT */
/*
 * send_async.c: many sends in flight with the asynchronous API, and the same with the batch
 * helper. Usage: LOOP_API_KEY=... LOOP_BASE_URL=... ./send_async CONTACT
 */
#include <loopmsg.h>
#include <stdio.h>

static void on_sent(loopmsg_client *client, loopmsg_request_id id,
                    const loopmsg_send_result *result, const loopmsg_error *err, void *user_data)
{
    (void)client;
    int *failures = user_data;
    if (result) {
        printf("request %llu: sent as %s\n", (unsigned long long)id, result->message_id);
    } else {
        printf("request %llu: %s\n", (unsigned long long)id, err->message);
        (*failures)++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fprintf(stderr, "usage: send_async CONTACT\n"), 2;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.max_concurrent = 8;         /* at most 8 requests in flight */
    o.rate_limit_per_second = 20; /* and no more than 20 a second */
    loopmsg_client *client;
    loopmsg_error err;
    if (loopmsg_client_new(&o, &client, &err) != LOOPMSG_OK)
        return fprintf(stderr, "%s\n", err.message), 1;

    /* Asynchronous: submit, then drive the engine; callbacks run from loopmsg_client_run. */
    int failures = 0;
    static const char *const texts[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = argv[1];
        p.text = texts[i];
        if (loopmsg_message_send_async(client, &p, on_sent, &failures, NULL, &err) != LOOPMSG_OK)
            fprintf(stderr, "not submitted: %s\n", err.message); /* no callback will come */
    }
    if (loopmsg_client_run(client, &err) != LOOPMSG_OK)
        fprintf(stderr, "run: %s\n", err.message);

    /* Batch: the same in one blocking call, results in input order. */
    loopmsg_send_params batch[3];
    loopmsg_batch_item items[3];
    for (int i = 0; i < 3; i++) {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = argv[1];
        p.text = texts[i];
        batch[i] = p;
    }
    loopmsg_status st = loopmsg_message_send_batch(client, batch, 3, items, &err);
    for (int i = 0; i < 3; i++)
        printf("batch item %d: %s\n", i,
               items[i].result ? items[i].result->message_id : items[i].error.message);
    loopmsg_batch_items_clear(items, 3);
    loopmsg_client_free(client);
    return st == LOOPMSG_OK && failures == 0 ? 0 : 1;
}
