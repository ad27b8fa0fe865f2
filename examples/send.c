/* SPDX-License-Identifier: MIT */
/*
 * send.c: the quick start. Sends one iMessage, reads its status back and shows how errors
 * are reported. Usage: LOOP_API_KEY=... ./send +15555550100 "Hello"
 */
#include <loopmsg.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: send CONTACT TEXT   (LOOP_API_KEY, LOOP_BASE_URL from the env)\n");
        return 2;
    }
    loopmsg_client *client;
    loopmsg_error err;
    /* NULL options: the key and the URL come from LOOP_API_KEY and LOOP_BASE_URL. */
    if (loopmsg_client_new(NULL, &client, &err) != LOOPMSG_OK) {
        fprintf(stderr, "cannot create the client: %s\n", err.message);
        return 1;
    }
    loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
    p.contact = argv[1];
    p.text = argv[2];
    loopmsg_send_result *sent;
    if (loopmsg_message_send(client, &p, &sent, &err) != LOOPMSG_OK) {
        /* http_status and api_code say what the API answered; the flags say what to do. */
        fprintf(stderr, "send failed: %s (HTTP %d, code %d)%s\n", err.message, err.http_status,
                err.api_code,
                loopmsg_error_is_maybe_delivered(&err) ? "; it may have been delivered" : "");
        loopmsg_client_free(client);
        return 1;
    }
    printf("sent: %s\n", sent->message_id);
    loopmsg_message_status *status;
    if (loopmsg_message_status_get(client, sent->message_id, &status, &err) == LOOPMSG_OK) {
        printf("status: %s\n", status->status_name ? status->status_name : "?");
        loopmsg_message_status_free(status);
    } else {
        fprintf(stderr, "status failed: %s\n", err.message);
    }
    loopmsg_send_result_free(sent);
    loopmsg_client_free(client);
    return 0;
}
