/* SPDX-License-Identifier: MIT */
/* webhook_receiver.c: the README's receiver: prints every inbound message until Enter. */
#include <loopmsg/webhook_server.h>
#include <stdio.h>

static int on_inbound(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)user_data;
    printf("%s says: %s\n", ev->contact, ev->text ? ev->text : "");
    return 0; /* non-zero marks the event as failed */
}

int main(void)
{
    const char *secrets[] = {"my-webhook-secret"}; /* the header value set in Loop's dashboard */
    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_message_inbound = on_inbound;
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.port = 8080;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = 1;
    o.handlers = &h;
    loopmsg_webhook_server *srv;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&o, &srv, &err) != LOOPMSG_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    getchar();                        /* serve until Enter */
    loopmsg_webhook_server_free(srv); /* finishes the queued events first */
    return 0;
}
