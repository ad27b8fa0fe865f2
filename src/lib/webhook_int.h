/* SPDX-License-Identifier: MIT */
/*
 * webhook_int.h: what the two webhook parsers share. webhook.c parses every body with
 * jansson (the reference: every shape, every error message); webhook_fast.c reads the
 * common shapes with yajl's event parser, straight into the event, and declines anything
 * else, which webhook.c then parses. Both build the event the same way (these helpers).
 */
#ifndef LOOPMSG_WEBHOOK_INT_H
#define LOOPMSG_WEBHOOK_INT_H

#include "loopmsg/webhook.h"

#include <stddef.h>

/* A decoded string of n bytes as a C string in the event's arena: each NUL byte (a \u0000 in
 * the body) becomes U+FFFD. NULL when out of memory. */
char *loopmsg__webhook_str(loopmsg_webhook_event *ev, const char *v, size_t n);

/* The event type of an `event` name; LOOPMSG_EVENT_UNKNOWN for any other. */
loopmsg_event_type loopmsg__webhook_event_type(const char *name);

/* The event root of a body of len bytes (len > 0) with its raw copy and room reserved for
 * the strings decoded from it; NULL when out of memory. */
loopmsg_webhook_event *loopmsg__webhook_event_new(const char *body, size_t len);

/* The fast path: the event, or NULL when this body is not one of the shapes it reads (or is
 * not valid JSON, or memory ran out): the caller then parses it with
 * loopmsg__webhook_parse_dom(). Whatever it returns, the jansson parser returns the same
 * event for the same bytes (fuzz_webhook_parse checks this on every input). */
loopmsg_webhook_event *loopmsg__webhook_parse_fast(const char *body, size_t len);

/* The jansson parser alone (len > 0, within the limits already checked). */
loopmsg_status loopmsg__webhook_parse_dom(loopmsg_webhook_event **out, const char *body, size_t len,
                                          loopmsg_error *err);

#endif
