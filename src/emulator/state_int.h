/* SPDX-License-Identifier: MIT */
/*
 * state_int.h: what the emulator's state files share (state.c, the data model and messages;
 * state_page.c, state_audience.c, state_campaign.c, state_sender.c, state_optin.c,
 * state_webhook.c): the model's types and the helpers more than one resource uses. Every
 * function here is called with emu->lock held.
 */
#ifndef LOOPMSG_EMU_STATE_INT_H
#define LOOPMSG_EMU_STATE_INT_H

#include "emulator_int.h"

typedef struct emu_message {
    char id[LOOPMSG__EMU_ID_SIZE];
    int64_t create_ms; /* wall clock */
    int64_t due_ms;    /* wall clock at which the final status applies */
    char *contact;     /* normalised; for a group send the group id's first participant */
    char *group_id;
    char *text;
    char *sender;
    char *channel;
    const char *type; /* "text", "audio", "reaction" */
    bool inbound;
    int error_code; /* final outcome: 0 delivered */
} emu_message;

typedef struct ptr_array {
    void **items;
    size_t count;
    size_t cap;
} ptr_array;

typedef struct emu_contact {
    char id[LOOPMSG__EMU_ID_SIZE];
    char *value;
    bool unsubscribed;
    char create_date[LOOPMSG__EMU_TIME_SIZE];
    ptr_array messages; /* emu_message* (borrowed): its direct messages, oldest first */
} emu_contact;

struct loopmsg__emu_state {
    char *organization_id;
    json_t *senders;    /* array of sender objects (fixture shape, extra keys allowed) */
    json_t *pools;      /* array of pool objects */
    json_t *groups;     /* array of {id, name, participants} */
    json_t *campaigns;  /* array of {id, name, create_date} + "request" */
    json_t *optins;     /* array of {id, code, body, parameters} */
    json_t *tracker;    /* array of tracker items */
    json_t *webhooks;   /* array of webhook history items */
    ptr_array messages; /* emu_message* */
    ptr_array contacts; /* emu_contact* */
    /* Indexes for the lookups that grow with use (keys borrowed from the values). */
    loopmsg__emu_map contact_by_value; /* emu_contact* */
    loopmsg__emu_map contact_by_id;    /* emu_contact* */
    loopmsg__emu_map message_by_id;    /* emu_message* */
    loopmsg__emu_map group_by_id;      /* json_t* in groups */
    loopmsg__emu_map optin_by_code;    /* json_t* in optins */
    /* Linear walks counted like index probes, for the tests. */
    uint64_t lookups, probes;
};

typedef struct loopmsg__emu_page_query {
    long page;
    long per_page;
    bool asc;
    char *from_date;
    char *to_date;
    char *search;
} loopmsg__emu_page_query;

/* Opt-in codes look like "#Ab3d-Xy7Zq": '#' and ten characters (state_optin.c makes them,
 * state.c finds them in inbound texts). */
#define OPTIN_CODE_LEN 11

/* ---- state.c -------------------------------------------------------------------------- */

/* A string member of a JSON object, or NULL. */
const char *loopmsg__emu_jstr(const json_t *obj, const char *key);
/* Loop's description of an API code ("Bad request" for one it does not know). */
const char *loopmsg__emu_code_message(int code);
/* The contact with this (normalised) value, or NULL. */
emu_contact *loopmsg__emu_contact_find(loopmsg__emu_state *st, const char *value);
/* The contact with this (normalised) value, added when new (id NULL: a random one;
 * create_date NULL: now); NULL on ENOMEM. */
emu_contact *loopmsg__emu_contact_add(loopmsg__emu_state *st, const char *value, const char *id,
                                      const char *create_date);
/* The object of a JSON array whose "id" is id, or NULL. */
json_t *loopmsg__emu_find_by_id(json_t *arr, const char *id);
/* The first sender whose status is "active", or NULL. */
json_t *loopmsg__emu_first_active_sender(loopmsg__emu_state *st);

/* ---- state_page.c: one page of a list --------------------------------------------------- */

void loopmsg__emu_page_query_clear(loopmsg__emu_page_query *q);
/* Parse page, per_page, sort_by and (when dates) from_date/to_date/search. On error writes
 * the 400 and returns false. */
bool loopmsg__emu_page_query_parse(loopmsg__emu_page_query *q, const char *query, bool dates,
                                   long max_per_page, loopmsg__emu_response *resp);
/* Whether create_date falls within the query's from_date/to_date. */
bool loopmsg__emu_date_in_range(const loopmsg__emu_page_query *q, const char *create_date);
/* Build the paginated envelope from items (reference stolen; already filtered, insertion
 * order), sorted by create_date per q. */
json_t *loopmsg__emu_paginate(json_t *items, const loopmsg__emu_page_query *q);
/* A copy of obj without its private ("_"-prefixed) keys. */
json_t *loopmsg__emu_public_copy(const json_t *obj);

#endif
