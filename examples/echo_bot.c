/* SPDX-License-Identifier: MIT */
/*
 * echo_bot.c: a complete bot. It receives Loop Message webhooks with the ready-made receiver
 * (libloopmsg_webhook), and answers every inbound message: it shows the typing indicator on
 * that message, then replies "You said: <text>" to the contact (or to the group). It also
 * prints the delivery reports of what it sent. Only the public headers are used.
 *
 *   usage: echo_bot [PORT] [--base-url URL|-]
 *
 * PORT: where webhooks are received (http://127.0.0.1:PORT/webhook); 0 or absent = a free
 * port, printed at start. Settings come from the environment: LOOP_API_KEY (required),
 * LOOP_BASE_URL (the API; `loopmsg sandbox` prints one for local tests), LOOP_SENDER_ID
 * (optional) and LOOP_WEBHOOK_SECRET (the Authorization value webhooks must carry, as set in
 * Loop's dashboard; without it anyone who can connect may post). `--base-url -` reads the
 * API URL from the first line of standard input, for scripts that start the API after the
 * bot (scripts/demo.sh). Stops cleanly on Ctrl-C or SIGTERM.
 *
 * Threads: the callbacks run on the receiver's worker threads, possibly two at once, and a
 * loopmsg_client may be used by one thread at a time, so the one client is behind a mutex.
 */
#include <loopmsg.h>
#include <loopmsg/webhook_server.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct bot {
    pthread_mutex_t lock; /* guards client */
    loopmsg_client *client;
} bot;

/* Each step is one line on stdout, flushed at once so that a log follows it live. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stdout);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    funlockfile(stdout);
    va_end(ap);
}

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

/* Show typing on the inbound message, then send the reply. Called with b->lock held. */
static int answer(loopmsg_client *client, const loopmsg_webhook_event *ev, const char *reply)
{
    loopmsg_error err;
    loopmsg_typing_params t = LOOPMSG_TYPING_PARAMS_INIT;
    t.message_id = ev->message_id;
    t.typing_seconds = 2;
    t.read = true;
    if (loopmsg_message_show_typing(client, &t, &err) == LOOPMSG_OK)
        say("typing     shown on message %s (and marked read)", or_dash(ev->message_id));
    else /* not fatal: the reply matters more */
        say("typing     failed: %s", err.message);

    loopmsg_send_result *sent = NULL;
    loopmsg_status st;
    if (ev->group) {
        loopmsg_group_send_params p = LOOPMSG_GROUP_SEND_PARAMS_INIT;
        p.group = ev->group->id;
        p.text = reply;
        st = loopmsg_message_send_group(client, &p, &sent, &err);
    } else {
        loopmsg_send_params p = LOOPMSG_SEND_PARAMS_INIT;
        p.contact = ev->contact;
        p.text = reply;
        p.reply_to_id = ev->message_id; /* threaded under the message it answers */
        st = loopmsg_message_send(client, &p, &sent, &err);
    }
    if (st != LOOPMSG_OK) {
        say("error      could not reply to %s: %s", or_dash(ev->contact), err.message);
        return -1;
    }
    say("replied    message %s to %s%s: \"%s\"", or_dash(sent->message_id),
        ev->group ? "group " : "", ev->group ? or_dash(ev->group->id) : or_dash(ev->contact),
        reply);
    loopmsg_send_result_free(sent);
    return 0;
}

static int on_inbound(const loopmsg_webhook_event *ev, void *user_data)
{
    bot *b = user_data;
    const char *text = ev->text ? ev->text : "";
    say("received   message %s from %s%s%s: \"%s\"", or_dash(ev->message_id), or_dash(ev->contact),
        ev->group ? " in group " : "", ev->group ? or_dash(ev->group->id) : "", text);

    size_t len = strlen("You said: ") + strlen(text) + 1;
    char *reply = malloc(len);
    if (!reply)
        return -1;
    snprintf(reply, len, "You said: %s", text);

    pthread_mutex_lock(&b->lock);
    int rc = b->client ? answer(b->client, ev, reply) : -1;
    if (!b->client)
        say("error      not connected to the API yet: message %s ignored", or_dash(ev->message_id));
    pthread_mutex_unlock(&b->lock);
    free(reply);
    return rc;
}

static int on_delivered(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)user_data;
    say("delivered  message %s to %s", or_dash(ev->message_id), or_dash(ev->contact));
    return 0;
}

static int on_failed(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)user_data;
    const char *why = loopmsg_api_code_description(ev->api_code);
    say("failed     message %s to %s: error %d (%s)", or_dash(ev->message_id), or_dash(ev->contact),
        ev->api_code, why ? why : "undocumented code");
    return 0;
}

static int on_other(const loopmsg_webhook_event *ev, void *user_data)
{
    (void)user_data;
    say("event      %s from %s (webhook %s)", ev->event, or_dash(ev->contact),
        or_dash(ev->webhook_id));
    return 0;
}

static loopmsg_client *make_client(const char *base_url)
{
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.base_url = base_url; /* NULL = LOOP_BASE_URL, then the production API */
    o.user_agent_suffix = "echo_bot";
    loopmsg_client *c = NULL;
    loopmsg_error err;
    if (loopmsg_client_new(&o, &c, &err) != LOOPMSG_OK) {
        fprintf(stderr, "echo_bot: %s\n", err.message);
        return NULL;
    }
    say("echo_bot: replying through %s", loopmsg_client_base_url(c));
    return c;
}

/* `--base-url -`: the first line of standard input, without its newline. Returns 0, -1 when
 * none came, or 1 when a stop signal arrived first (so that Ctrl-C works while waiting). */
static int read_base_url(char *buf, size_t size, const sigset_t *stop)
{
    const struct timespec now = {0, 0};
    struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};
    while (poll(&in, 1, 100) == 0)
        if (sigtimedwait(stop, NULL, &now) > 0)
            return 1;
    if (!fgets(buf, (int)size, stdin))
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned long port = 0;
    const char *base_url = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--base-url") == 0 && i + 1 < argc) {
            base_url = argv[++i];
            continue;
        }
        char *end;
        port = strtoul(argv[i], &end, 10);
        if (argv[i][0] < '0' || argv[i][0] > '9' || *end != '\0' || port > 65535) {
            fprintf(stderr, "usage: echo_bot [PORT] [--base-url URL|-]\n");
            return 2;
        }
    }

    /* Block the stop signals before any thread starts: every thread inherits the mask and
     * the signal waits for sigwait() below instead of killing the process mid-reply. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    bot b = {.client = NULL};
    pthread_mutex_init(&b.lock, NULL);
    int from_stdin = base_url && strcmp(base_url, "-") == 0;
    if (!from_stdin && !(b.client = make_client(base_url)))
        return 1;

    loopmsg_webhook_handlers h = LOOPMSG_WEBHOOK_HANDLERS_INIT;
    h.on_message_inbound = on_inbound;
    h.on_message_delivered = on_delivered;
    h.on_message_failed = on_failed;
    h.on_message_reaction = on_other;
    h.on_opt_in = on_other;
    h.on_inbound_call = on_other;
    h.on_unknown = on_other;

    const char *secret = getenv("LOOP_WEBHOOK_SECRET");
    const char *secrets[1] = {secret};
    loopmsg_webhook_server_options o = LOOPMSG_WEBHOOK_SERVER_OPTIONS_INIT;
    o.bind_address = "127.0.0.1";
    o.port = (uint16_t)port;
    o.path = "/webhook";
    o.secrets = secrets;
    o.secret_count = secret && *secret ? 1 : 0;
    o.handlers = &h;
    o.user_data = &b;

    loopmsg_webhook_server *srv = NULL;
    loopmsg_error err;
    if (loopmsg_webhook_server_start(&o, &srv, &err) != LOOPMSG_OK) {
        fprintf(stderr, "echo_bot: cannot receive webhooks: %s\n", err.message);
        loopmsg_client_free(b.client);
        return 1;
    }
    say("echo_bot: listening on http://127.0.0.1:%u/webhook (%s)",
        (unsigned int)loopmsg_webhook_server_port(srv),
        o.secret_count ? "webhooks must carry LOOP_WEBHOOK_SECRET"
                       : "no secret: not for production");

    int rc = 0, stopped = 0;
    if (from_stdin) {
        char url[512];
        int got = read_base_url(url, sizeof url, &stop);
        loopmsg_client *c = got == 0 ? make_client(url) : NULL;
        if (got == 1) {
            stopped = 1;
        } else if (!c) {
            fprintf(stderr, "echo_bot: no usable API URL on standard input\n");
            rc = 1;
        }
        pthread_mutex_lock(&b.lock);
        b.client = c;
        pthread_mutex_unlock(&b.lock);
    }
    if (rc == 0 && !stopped) {
        int sig = 0;
        while (sigwait(&stop, &sig) != 0)
            ;
    }
    if (rc == 0)
        say("echo_bot: stopping");
    /* Waits for callbacks that are running, and handles what is already queued. */
    loopmsg_webhook_server_stats stats = LOOPMSG_WEBHOOK_SERVER_STATS_INIT;
    loopmsg_webhook_server_stop(srv);
    if (loopmsg_webhook_server_stats_get(srv, &stats) == LOOPMSG_OK)
        say("echo_bot: stopped after %llu event(s), %llu duplicate(s) ignored",
            (unsigned long long)(stats.handled + stats.failed),
            (unsigned long long)stats.duplicates);
    loopmsg_webhook_server_free(srv);
    loopmsg_client_free(b.client);
    pthread_mutex_destroy(&b.lock);
    return rc;
}
