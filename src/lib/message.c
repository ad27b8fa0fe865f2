/* SPDX-License-Identifier: MIT */
/*
 * message.c: the messages endpoints (send to a contact or a group, voice, reactions,
 * typing/read, status): validation before any I/O, the JSON body (unset fields omitted,
 * the client's default sender filled in), the decoders of the typed results, and the _async
 * forms. Never includes curl: requests go through loopmsg__call / loopmsg__call_async.
 */
#include "loopmsg/message.h"
#include "async_int.h"
#include "client_int.h"
#include "ops_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "message_int.h"
#include "validate_int.h"

#include <string.h>

/* ---- enums ----------------------------------------------------------------------------- */

static const char *const effect_names[] = {
    NULL,       "slam",     "loud", "gentle", "invisibleInk", "echo",         "spotlight",
    "balloons", "confetti", "love", "lasers", "fireworks",    "shootingStar", "celebration"};
static const char *const reaction_names[] = {NULL,    "love",      "like",     "dislike",
                                             "laugh", "emphasize", "question", "unknown"};
static const char *const channel_names[] = {NULL, "imessage", "sms", "rcs", "whatsapp"};
static const char *const delivery_names[] = {NULL, "processing", "delivered", "failed", "unknown"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
    return v > 0 && (size_t)v < n ? names[v] : NULL;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *loopmsg_effect_name(loopmsg_effect effect)
{
    return name_of(effect_names, COUNT(effect_names), (int)effect);
}

loopmsg_status loopmsg_effect_parse(const char *name, loopmsg_effect *out)
{
    int i = index_of(effect_names, COUNT(effect_names), name);
    if (i < 0)
        return LOOPMSG_E_INVALID_ARG;
    if (out)
        *out = (loopmsg_effect)i;
    return LOOPMSG_OK;
}

const char *loopmsg_reaction_name(loopmsg_reaction reaction)
{
    return name_of(reaction_names, COUNT(reaction_names), (int)reaction);
}

loopmsg_status loopmsg_reaction_parse(const char *name, loopmsg_reaction *out, bool *remove_out)
{
    bool remove = name && name[0] == '-';
    int i = index_of(reaction_names, COUNT(reaction_names) - 1, remove ? name + 1 : name);
    if (i < 0)
        return LOOPMSG_E_INVALID_ARG;
    if (out)
        *out = (loopmsg_reaction)i;
    if (remove_out)
        *remove_out = remove;
    return LOOPMSG_OK;
}

const char *loopmsg_channel_name(loopmsg_channel channel)
{
    return name_of(channel_names, COUNT(channel_names), (int)channel);
}

loopmsg_status loopmsg_channel_parse(const char *name, loopmsg_channel *out)
{
    int i = index_of(channel_names, COUNT(channel_names), name);
    if (i < 0)
        return LOOPMSG_E_INVALID_ARG;
    if (out)
        *out = (loopmsg_channel)i;
    return LOOPMSG_OK;
}

const char *loopmsg_delivery_status_name(loopmsg_delivery_status status)
{
    return name_of(delivery_names, COUNT(delivery_names), (int)status);
}

loopmsg_delivery_status loopmsg__delivery_status_parse(const char *s)
{
    int i = index_of(delivery_names, COUNT(delivery_names), s);
    return i < 0 ? LOOPMSG_DELIVERY_OTHER : (loopmsg_delivery_status)i;
}

/* ---- validation ------------------------------------------------------------------------ */

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        loopmsg_status st_ = (expr);                                                               \
        if (st_ != LOOPMSG_OK)                                                                     \
            return st_;                                                                            \
    } while (0)

static loopmsg_status check_effect(const char *op, loopmsg_effect effect, loopmsg_error *err)
{
    if ((int)effect < 0 || (size_t)effect >= COUNT(effect_names))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: effect: unknown value %d", op,
                                  (int)effect);
    return LOOPMSG_OK;
}

static loopmsg_status check_channel(const char *op, loopmsg_channel ch, loopmsg_error *err)
{
    if ((int)ch < 0 || (size_t)ch >= COUNT(channel_names))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: channel: unknown value %d", op,
                                  (int)ch);
    return LOOPMSG_OK;
}

/* The fields a text send to a contact and to a group share. */
static loopmsg_status check_common(const char *op, const char *text, const char *subject,
                                   const char *sender, const char *const *attachments,
                                   size_t attachment_count, loopmsg_effect effect,
                                   const char *reply_to_id, const char *passthrough,
                                   loopmsg_error *err)
{
    TRY(loopmsg__v_required(op, "text", text, LOOPMSG_MAX_TEXT_CHARS, err));
    TRY(loopmsg__v_optional(op, "subject", subject, 0, err));
    TRY(loopmsg__v_id(op, "sender", sender, false, err));
    TRY(loopmsg__v_attachments(op, attachments, attachment_count, LOOPMSG_MAX_ATTACHMENTS, err));
    TRY(check_effect(op, effect, err));
    TRY(loopmsg__v_id(op, "reply_to_id", reply_to_id, false, err));
    TRY(loopmsg__v_optional(op, "passthrough", passthrough, LOOPMSG_MAX_PASSTHROUGH_CHARS, err));
    return LOOPMSG_OK;
}

static loopmsg_status check_params(const void *params, const char *op, unsigned int version,
                                   unsigned int current, const char *type, const char *init,
                                   loopmsg_error *err)
{
    if (!params)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: params is NULL", op);
    return loopmsg__check_version(version, current, type, init, err);
}

loopmsg_status loopmsg_send_params_validate(const loopmsg_send_params *p, loopmsg_error *err)
{
    const char *op = "send";
    TRY(check_params(p, op, p ? p->version : 0, LOOPMSG_SEND_PARAMS_VERSION, "loopmsg_send_params",
                     "LOOPMSG_SEND_PARAMS_INIT", err));
    TRY(loopmsg__v_id(op, "contact", p->contact, true, err));
    TRY(check_common(op, p->text, p->subject, p->sender, p->attachments, p->attachment_count,
                     p->effect, p->reply_to_id, p->passthrough, err));
    TRY(check_channel(op, p->channel, err));
    if (p->channel == LOOPMSG_CHANNEL_SMS) {
        if (loopmsg__set(p->subject))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "send: subject: not supported over SMS");
        if (p->effect != LOOPMSG_EFFECT_NONE)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "send: effect: not supported over SMS");
        if (loopmsg__set(p->reply_to_id))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "send: reply_to_id: not supported over SMS");
    }
    loopmsg__error_ok(err);
    return LOOPMSG_OK;
}

static loopmsg_status validate_group(const loopmsg_group_send_params *p, loopmsg_error *err)
{
    const char *op = "send_group";
    TRY(check_params(p, op, p ? p->version : 0, LOOPMSG_GROUP_SEND_PARAMS_VERSION,
                     "loopmsg_group_send_params", "LOOPMSG_GROUP_SEND_PARAMS_INIT", err));
    TRY(loopmsg__v_id(op, "group", p->group, true, err));
    return check_common(op, p->text, p->subject, p->sender, p->attachments, p->attachment_count,
                        p->effect, p->reply_to_id, p->passthrough, err);
}

static bool has_audio_extension(const char *url)
{
    static const char *const exts[] = {".mp3", ".wav", ".m4a", ".caf", ".aac"};
    size_t end = strcspn(url, "?#"); /* a query string or fragment may follow */
    for (size_t i = 0; i < COUNT(exts); i++)
        if (end >= 4 && strncasecmp(url + end - 4, exts[i], 4) == 0)
            return true;
    return false;
}

static const char *voice_group(const loopmsg_voice_params *p)
{
    return p->version >= 2 ? p->group : NULL;
}

static loopmsg_status validate_voice(const loopmsg_voice_params *p, loopmsg_error *err)
{
    const char *op = "send_voice";
    TRY(check_params(p, op, p ? p->version : 0, LOOPMSG_VOICE_PARAMS_VERSION,
                     "loopmsg_voice_params", "LOOPMSG_VOICE_PARAMS_INIT", err));
    /* `group` exists from version 2 on: a version-1 struct ends before it. */
    const char *group = voice_group(p);
    if (loopmsg__set(group) && loopmsg__set(p->contact))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_voice: group: set either contact or group, not both");
    if (loopmsg__set(group)) {
        TRY(loopmsg__v_id(op, "group", group, true, err));
        if (p->channel != LOOPMSG_CHANNEL_AUTO && p->channel != LOOPMSG_CHANNEL_IMESSAGE)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "send_voice: channel: groups are iMessage only");
    } else if (!p->contact) {
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_voice: contact: is required (or group, for an iMessage "
                                  "group)");
    } else {
        TRY(loopmsg__v_id(op, "contact", p->contact, true, err));
    }
    TRY(loopmsg__v_https_url(op, "media_url", (size_t)-1, p->media_url, err));
    if (!has_audio_extension(p->media_url))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_voice: media_url: must be an audio file ending in .mp3, "
                                  ".wav, .m4a, .caf or .aac");
    TRY(loopmsg__v_id(op, "sender", p->sender, false, err));
    TRY(loopmsg__v_optional(op, "passthrough", p->passthrough, LOOPMSG_MAX_PASSTHROUGH_CHARS, err));
    TRY(check_channel(op, p->channel, err));
    if (p->channel == LOOPMSG_CHANNEL_SMS)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_voice: channel: voice messages cannot be sent over SMS");
    return LOOPMSG_OK;
}

static loopmsg_status validate_reaction(const loopmsg_reaction_params *p, loopmsg_error *err)
{
    const char *op = "send_reaction";
    TRY(check_params(p, op, p ? p->version : 0, LOOPMSG_REACTION_PARAMS_VERSION,
                     "loopmsg_reaction_params", "LOOPMSG_REACTION_PARAMS_INIT", err));
    TRY(loopmsg__v_id(op, "contact", p->contact, true, err));
    TRY(loopmsg__v_id(op, "message_id", p->message_id, true, err));
    if (p->reaction <= LOOPMSG_REACTION_NONE || p->reaction >= LOOPMSG_REACTION_UNKNOWN)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "send_reaction: reaction: must be one of love, like, dislike, "
                                  "laugh, emphasize, question");
    return LOOPMSG_OK;
}

static loopmsg_status validate_typing(const char *op, const loopmsg_typing_params *p,
                                      const char *sender, loopmsg_error *err)
{
    TRY(check_params(p, op, p ? p->version : 0, LOOPMSG_TYPING_PARAMS_VERSION,
                     "loopmsg_typing_params", "LOOPMSG_TYPING_PARAMS_INIT", err));
    bool by_id = loopmsg__set(p->message_id), by_contact = loopmsg__set(p->contact);
    if (by_id && (by_contact || loopmsg__set(p->sender)))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: give message_id, or contact and sender, not both", op);
    if (!by_id && !by_contact)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: message_id or contact (with sender) is required", op);
    if (by_id) {
        TRY(loopmsg__v_id(op, "message_id", p->message_id, true, err));
    } else {
        TRY(loopmsg__v_id(op, "contact", p->contact, true, err));
        if (!loopmsg__set(sender))
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: sender: is required when using contact (or set a "
                                      "default sender on the client)",
                                      op);
        TRY(loopmsg__v_id(op, "sender", sender, true, err));
    }
    if (p->typing_seconds > LOOPMSG_MAX_TYPING_SECONDS)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: typing: must be between 1 and %d seconds, got %u", op,
                                  LOOPMSG_MAX_TYPING_SECONDS, p->typing_seconds);
    return LOOPMSG_OK;
}

/* ---- encoding -------------------------------------------------------------------------- */

/* Set key to a string when set; returns -1 on allocation failure. */
int loopmsg__json_put(json_t *o, const char *key, const char *value)
{
    if (!loopmsg__set(value))
        return 0;
    return json_object_set_new(o, key, json_string(value));
}

int loopmsg__json_put_list(json_t *o, const char *key, const char *const *values, size_t n)
{
    if (n == 0)
        return 0;
    json_t *a = json_array();
    if (!a)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(a, json_string(values[i])) != 0) {
            json_decref(a);
            return -1;
        }
    return json_object_set_new(o, key, a);
}

static const char *sender_or_default(loopmsg_client *c, const char *sender)
{
    return loopmsg__set(sender) ? sender : c ? c->default_sender : NULL;
}

static json_t *encode_common(loopmsg_client *c, const char *text, const char *subject,
                             const char *sender, const char *const *attachments, size_t count,
                             loopmsg_effect effect, const char *reply_to_id,
                             const char *passthrough)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= loopmsg__json_put(o, "text", text);
    bad |= loopmsg__json_put(o, "subject", subject);
    bad |= loopmsg__json_put(o, "sender", sender_or_default(c, sender));
    bad |= loopmsg__json_put_list(o, "attachments", attachments, count);
    bad |= loopmsg__json_put(o, "effect", loopmsg_effect_name(effect));
    bad |= loopmsg__json_put(o, "reply_to_id", reply_to_id);
    bad |= loopmsg__json_put(o, "passthrough", passthrough);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *loopmsg__encode_send(loopmsg_client *c, const loopmsg_send_params *p)
{
    json_t *o = encode_common(c, p->text, p->subject, p->sender, p->attachments,
                              p->attachment_count, p->effect, p->reply_to_id, p->passthrough);
    if (!o)
        return NULL;
    int bad = loopmsg__json_put(o, "contact", p->contact);
    bad |= loopmsg__json_put(o, "channel", loopmsg_channel_name(p->channel));
    if (p->contact_file)
        bad |= json_object_set_new(o, "contact_file", json_true());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Append one member's `"key":`, with a comma before it when *more (then set). */
static void put_key(loopmsg__buf *b, bool *more, const char *key, size_t key_len)
{
    char *o = loopmsg__buf_reserve(b, key_len + 4);
    if (!o)
        return;
    size_t n = 0;
    if (*more)
        o[n++] = ',';
    *more = true;
    o[n++] = '"';
    memcpy(o + n, key, key_len);
    n += key_len;
    o[n++] = '"';
    o[n++] = ':';
    loopmsg__buf_commit(b, n);
}

int loopmsg__encode_send_bytes(loopmsg__buf *out, loopmsg_client *c, const loopmsg_send_params *p)
{
    /* The members of loopmsg__encode_send, in its order: a string member is written when
     * loopmsg__set (as loopmsg__json_put), attachments (slot 3) when there are any. */
    enum { ATTACHMENTS = 3, MEMBERS = 9 };
    static const char *const keys[MEMBERS] = {"text",        "subject", "sender",
                                              "attachments", "effect",  "reply_to_id",
                                              "passthrough", "contact", "channel"};
    const char *values[MEMBERS] = {p->text,
                                   p->subject,
                                   sender_or_default(c, p->sender),
                                   NULL,
                                   loopmsg_effect_name(p->effect),
                                   p->reply_to_id,
                                   p->passthrough,
                                   p->contact,
                                   loopmsg_channel_name(p->channel)};
    size_t lens[MEMBERS] = {0};
    /* Room for the body without escapes, so that the common case allocates once. */
    size_t need = sizeof "{,\"contact_file\":true}";
    for (size_t i = 0; i < MEMBERS; i++) {
        if (i == ATTACHMENTS) {
            if (p->attachment_count == 0)
                continue;
            /* jansson refuses a NULL string: the fallback path reports it as it always has. */
            if (!p->attachments)
                return 1;
            for (size_t j = 0; j < p->attachment_count; j++) {
                if (!p->attachments[j])
                    return 1;
                need += strlen(p->attachments[j]) + 3;
            }
        } else if (loopmsg__set(values[i])) {
            lens[i] = strlen(values[i]);
            need += lens[i] + 2;
        } else {
            continue;
        }
        need += strlen(keys[i]) + 6;
    }
    if (!loopmsg__buf_reserve(out, need))
        return -1;
    size_t bad = 0;
    bool more = false;
    loopmsg__buf_putc(out, '{');
    for (size_t i = 0; i < MEMBERS; i++) {
        if (i == ATTACHMENTS) {
            if (p->attachment_count == 0)
                continue;
            put_key(out, &more, keys[i], strlen(keys[i]));
            loopmsg__buf_putc(out, '[');
            for (size_t j = 0; j < p->attachment_count; j++) {
                if (j)
                    loopmsg__buf_putc(out, ',');
                const char *a = p->attachments[j];
                bad += loopmsg__buf_json_quote(out, a, strlen(a));
            }
            loopmsg__buf_putc(out, ']');
        } else if (loopmsg__set(values[i])) {
            put_key(out, &more, keys[i], strlen(keys[i]));
            bad += loopmsg__buf_json_quote(out, values[i], lens[i]);
        }
    }
    if (p->contact_file) {
        put_key(out, &more, "contact_file", sizeof "contact_file" - 1);
        loopmsg__buf_append(out, "true", 4);
    }
    loopmsg__buf_putc(out, '}');
    if (!loopmsg__buf_ok(out))
        return -1;
    return bad ? 1 : 0;
}

static json_t *encode_group(loopmsg_client *c, const loopmsg_group_send_params *p)
{
    json_t *o = encode_common(c, p->text, p->subject, p->sender, p->attachments,
                              p->attachment_count, p->effect, p->reply_to_id, p->passthrough);
    if (o && loopmsg__json_put(o, "group", p->group) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *encode_voice(loopmsg_client *c, const loopmsg_voice_params *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = loopmsg__set(voice_group(p)) ? loopmsg__json_put(o, "group", voice_group(p))
                                           : loopmsg__json_put(o, "contact", p->contact);
    bad |= loopmsg__json_put(o, "media_url", p->media_url);
    bad |= loopmsg__json_put(o, "sender", sender_or_default(c, p->sender));
    bad |= loopmsg__json_put(o, "passthrough", p->passthrough);
    bad |= loopmsg__json_put(o, "channel", loopmsg_channel_name(p->channel));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *encode_reaction(const loopmsg_reaction_params *p)
{
    char reaction[16];
    snprintf(reaction, sizeof reaction, "%s%s", p->remove ? "-" : "",
             loopmsg_reaction_name(p->reaction));
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = loopmsg__json_put(o, "contact", p->contact);
    bad |= loopmsg__json_put(o, "message_id", p->message_id);
    bad |= loopmsg__json_put(o, "reaction", reaction);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *encode_typing(const loopmsg_typing_params *p, const char *sender, bool read)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    if (loopmsg__set(p->message_id)) {
        bad |= loopmsg__json_put(o, "message_id", p->message_id);
    } else {
        bad |= loopmsg__json_put(o, "contact", p->contact);
        bad |= loopmsg__json_put(o, "sender", sender);
    }
    if (p->typing_seconds)
        bad |= json_object_set_new(o, "typing", json_integer(p->typing_seconds));
    if (read)
        bad |= json_object_set_new(o, "read", json_true());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- decoding -------------------------------------------------------------------------- */

static loopmsg_status decode_group(loopmsg_send_result *r, json_t *g, const char *op,
                                   loopmsg_error *err)
{
    const char *bad = NULL;
    loopmsg_group *group = loopmsg__arena_alloc(r, sizeof *group);
    if (!group)
        return loopmsg__error_nomem(err);
    group->id = loopmsg__json_str(r, g, "id", &bad);
    if (!group->id)
        group->id = loopmsg__json_str(r, g, "group_id", &bad); /* the docs' legacy key */
    group->name = loopmsg__json_str(r, g, "name", &bad);
    json_t *parts = json_object_get(g, "participants");
    if (json_is_array(parts)) {
        size_t n = json_array_size(parts);
        const char **list = loopmsg__arena_alloc(r, (n ? n : 1) * sizeof *list);
        if (!list)
            return loopmsg__error_nomem(err);
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(parts, i);
            if (!json_is_string(v))
                return loopmsg__decode_fail(err, op, "group.participants holds a non-string");
            list[i] = loopmsg__arena_strdup(r, json_string_value(v));
            if (!list[i])
                return loopmsg__error_nomem(err);
        }
        group->participants = list;
        group->participant_count = n;
    } else if (parts && !json_is_null(parts)) {
        bad = "participants";
    }
    if (bad)
        return loopmsg__decode_bad(err, op, bad, "a group field has the wrong type");
    r->group = group;
    return LOOPMSG_OK;
}

static loopmsg_status decode_send_common(void **out, json_t *root, const char *raw, size_t raw_len,
                                         bool require_id, const char *op, loopmsg_error *err)
{
    loopmsg_send_result *r = loopmsg__arena_new(sizeof *r);
    if (!r)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    r->raw = loopmsg__arena_strndup(r, raw, raw_len);
    r->raw_len = raw_len;
    r->message_id = loopmsg__json_str(r, root, "message_id", &bad);
    r->contact = loopmsg__json_str(r, root, "contact", &bad);
    if (!r->contact)
        r->contact = loopmsg__json_str(r, root, "recipient", &bad);
    r->text = loopmsg__json_str(r, root, "text", &bad);
    loopmsg_status st = LOOPMSG_OK;
    json_t *g = json_object_get(root, "group");
    if (!r->raw)
        st = loopmsg__error_nomem(err);
    else if (bad)
        st = loopmsg__decode_bad(err, op, bad, "a field has the wrong type");
    else if (require_id && !r->message_id)
        st = loopmsg__decode_fail(err, op, "message_id is missing");
    else if (json_is_object(g))
        st = decode_group(r, g, op, err);
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(r);
        return st;
    }
    *out = r;
    return LOOPMSG_OK;
}

static loopmsg_status decode_send(void **out, json_t *root, const char *raw, size_t raw_len,
                                  loopmsg_error *err)
{
    return decode_send_common(out, root, raw, raw_len, true, "send", err);
}

static loopmsg_status decode_reaction(void **out, json_t *root, const char *raw, size_t raw_len,
                                      loopmsg_error *err)
{
    return decode_send_common(out, root, raw, raw_len, false, "send_reaction", err);
}

static bool decode_send_fast(void **out, const char *raw, size_t raw_len)
{
    return loopmsg__send_decode_fast(out, raw, raw_len, true);
}

static bool decode_reaction_fast(void **out, const char *raw, size_t raw_len)
{
    return loopmsg__send_decode_fast(out, raw, raw_len, false);
}

static loopmsg_status decode_status(void **out, json_t *root, const char *raw, size_t raw_len,
                                    loopmsg_error *err)
{
    loopmsg_message_status *s = loopmsg__arena_new(sizeof *s);
    if (!s)
        return loopmsg__error_nomem(err);
    const char *bad = NULL;
    s->raw = loopmsg__arena_strndup(s, raw, raw_len);
    s->raw_len = raw_len;
    s->message_id = loopmsg__json_str(s, root, "message_id", &bad);
    s->status_name = loopmsg__json_str(s, root, "status", &bad);
    s->status = loopmsg__delivery_status_parse(s->status_name);
    s->contact = loopmsg__json_str(s, root, "contact", &bad);
    s->text = loopmsg__json_str(s, root, "text", &bad);
    s->api_code = loopmsg__json_int(root, "error_code", 0, &bad);
    s->last_update = loopmsg__json_str(s, root, "last_update", &bad);
    loopmsg_status st = LOOPMSG_OK;
    if (!s->raw)
        st = loopmsg__error_nomem(err);
    else if (bad)
        st = loopmsg__decode_bad(err, "status", bad, "a field has the wrong type");
    else if (!root || !s->status_name)
        st = loopmsg__decode_fail(err, "status", "status is missing");
    if (st != LOOPMSG_OK) {
        loopmsg__arena_free(s);
        return st;
    }
    *out = s;
    return LOOPMSG_OK;
}

static void free_send_result(void *p)
{
    loopmsg__arena_free(p);
}

void loopmsg_send_result_free(loopmsg_send_result *result)
{
    loopmsg__arena_free(result);
}

void loopmsg_message_status_free(loopmsg_message_status *status)
{
    loopmsg__arena_free(status);
}

const loopmsg__op loopmsg__op_send = {.name = "send",
                                      .method = LOOPMSG__POST,
                                      .decode = decode_send,
                                      .free_result = free_send_result,
                                      .decode_fast = decode_send_fast};
const loopmsg__op loopmsg__op_send_group = {.name = "send_group",
                                            .method = LOOPMSG__POST,
                                            .decode = decode_send,
                                            .free_result = free_send_result,
                                            .decode_fast = decode_send_fast};
const loopmsg__op loopmsg__op_send_voice = {.name = "send_voice",
                                            .method = LOOPMSG__POST,
                                            .decode = decode_send,
                                            .free_result = free_send_result,
                                            .decode_fast = decode_send_fast};
const loopmsg__op loopmsg__op_send_reaction = {.name = "send_reaction",
                                               .method = LOOPMSG__POST,
                                               .decode = decode_reaction,
                                               .free_result = free_send_result,
                                               .decode_fast = decode_reaction_fast};
const loopmsg__op loopmsg__op_typing = {.name = "show_typing", .method = LOOPMSG__POST};
const loopmsg__op loopmsg__op_status = {.name = "status",
                                        .method = LOOPMSG__GET,
                                        .decode = decode_status,
                                        .free_result = free_send_result};

/* ---- calls ----------------------------------------------------------------------------- */

#define SEND_PATH   "/api/v1/message/send/"
#define TYPING_PATH "/api/v1/message/show-typing/"
#define STATUS_PATH "/v1/message/status/" /* no /api prefix: the API's one exception */

loopmsg_status loopmsg__message_prepare(loopmsg__message_kind kind, loopmsg_client *c,
                                        const void *params, const loopmsg__op **op_out,
                                        char **path_out, loopmsg__body *body_out,
                                        loopmsg_error *err)
{
    *path_out = NULL;
    *body_out = (loopmsg__body){0};
    const char *path = SEND_PATH;
    loopmsg__body body = {0};
    loopmsg_status st;
    switch (kind) {
    case LOOPMSG__MSG_SEND: {
        TRY(loopmsg_send_params_validate(params, err));
        *op_out = &loopmsg__op_send;
        /* The hottest call skips jansson; the value path is kept for what the direct
         * writer leaves to it (a string jansson refuses), so that it fails as before. */
        loopmsg__buf b = {0};
        int rc = loopmsg__encode_send_bytes(&b, c, params);
        if (rc == 0) {
            body.len = b.len;
            body.bytes = loopmsg__buf_detach(&b);
        } else {
            loopmsg__buf_clear(&b);
            if (rc > 0)
                body.json = loopmsg__encode_send(c, params);
        }
        break;
    }
    case LOOPMSG__MSG_GROUP:
        TRY(validate_group(params, err));
        *op_out = &loopmsg__op_send_group;
        body.json = encode_group(c, params);
        break;
    case LOOPMSG__MSG_VOICE:
        TRY(validate_voice(params, err));
        *op_out = &loopmsg__op_send_voice;
        body.json = encode_voice(c, params);
        break;
    case LOOPMSG__MSG_REACTION:
        TRY(validate_reaction(params, err));
        *op_out = &loopmsg__op_send_reaction;
        body.json = encode_reaction(params);
        break;
    case LOOPMSG__MSG_TYPING:
    case LOOPMSG__MSG_READ: {
        const loopmsg_typing_params *tp = params;
        const char *op = kind == LOOPMSG__MSG_READ ? "mark_read" : "show_typing";
        const char *sender =
            tp && !loopmsg__set(tp->message_id) ? sender_or_default(c, tp->sender) : NULL;
        TRY(validate_typing(op, tp, sender, err));
        *op_out = &loopmsg__op_typing;
        path = TYPING_PATH;
        body.json = encode_typing(tp, sender, kind == LOOPMSG__MSG_READ || tp->read);
        break;
    }
    case LOOPMSG__MSG_STATUS: {
        const char *id = params;
        TRY(loopmsg__v_id("status", "message_id", id, true, err));
        *op_out = &loopmsg__op_status;
        *path_out = loopmsg__path_with_segment(STATUS_PATH, id);
        if (!*path_out)
            return loopmsg__error_nomem(err);
        loopmsg__error_ok(err);
        return LOOPMSG_OK;
    }
    }
    st = body.json || body.bytes ? LOOPMSG_OK : loopmsg__error_nomem(err);
    if (st == LOOPMSG_OK) {
        *path_out = loopmsg__strdup(path);
        if (!*path_out) {
            loopmsg__body_clear(&body);
            return loopmsg__error_nomem(err);
        }
        *body_out = body;
    }
    return st;
}

/* The client check and loopmsg__message_prepare, for both forms of every call. */
static loopmsg_status prepare(loopmsg__message_kind kind, loopmsg_client *c, const void *params,
                              const loopmsg__op **op, char **path, loopmsg__body *body,
                              loopmsg_error *err)
{
    if (!c)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "client is NULL");
    return loopmsg__message_prepare(kind, c, params, op, path, body, err);
}

static loopmsg_status run(loopmsg__message_kind kind, loopmsg_client *c, const void *params,
                          void **out, loopmsg_error *err)
{
    if (out)
        *out = NULL;
    const loopmsg__op *op = NULL;
    char *path;
    loopmsg__body body;
    loopmsg_status st = prepare(kind, c, params, &op, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_body(c, op, path, body, out, err);
}

static void tramp_status(loopmsg_client *c, uint64_t id, void *result, const loopmsg_error *err,
                         loopmsg__fn fn, void *ud)
{
    if (fn)
        ((loopmsg_status_cb)fn)(c, id, result, err, ud);
}

static loopmsg_status submit(loopmsg__message_kind kind, loopmsg_client *c, const void *params,
                             loopmsg__done_cb tramp, loopmsg__fn fn, void *ud,
                             loopmsg_request_id *id_out, loopmsg_error *err)
{
    if (id_out)
        *id_out = 0;
    const loopmsg__op *op = NULL;
    char *path;
    loopmsg__body body;
    loopmsg_status st = prepare(kind, c, params, &op, &path, &body, err);
    if (st != LOOPMSG_OK)
        return st;
    return loopmsg__call_async_body(c, op, path, body, tramp, fn, ud, id_out, err);
}

/* ---- the public calls, as declared in message.h: one line each -------------------------- */

/* The _async form of a call: submit() with the callback's trampoline. */
#define ASYNC_FORM(name, kind, param_t, cb_t, tramp)                                               \
    loopmsg_status loopmsg_message_##name##_async(loopmsg_client *client, const param_t *params,   \
                                                  cb_t cb, void *user_data,                        \
                                                  loopmsg_request_id *id_out, loopmsg_error *err)  \
    {                                                                                              \
        return submit(kind, client, params, tramp, (loopmsg__fn)cb, user_data, id_out, err);       \
    }

/* A call with a result (result_t **result_out): the blocking form and its _async form. */
#define CALL_WITH_RESULT(name, kind, param_t, result_t, cb_t, tramp)                               \
    loopmsg_status loopmsg_message_##name(loopmsg_client *client, const param_t *params,           \
                                          result_t **result_out, loopmsg_error *err)               \
    {                                                                                              \
        return run(kind, client, params, (void **)result_out, err);                                \
    }                                                                                              \
    ASYNC_FORM(name, kind, param_t, cb_t, tramp)

/* A call without a result: the blocking form and its _async form (a loopmsg_done_cb). */
#define CALL_WITHOUT_RESULT(name, kind, param_t)                                                   \
    loopmsg_status loopmsg_message_##name(loopmsg_client *client, const param_t *params,           \
                                          loopmsg_error *err)                                      \
    {                                                                                              \
        return run(kind, client, params, NULL, err);                                               \
    }                                                                                              \
    ASYNC_FORM(name, kind, param_t, loopmsg_done_cb, loopmsg__tramp_done)

/* clang-format off */
CALL_WITH_RESULT(send, LOOPMSG__MSG_SEND, loopmsg_send_params, loopmsg_send_result,
                 loopmsg_send_cb, loopmsg__tramp_send)
CALL_WITH_RESULT(send_group, LOOPMSG__MSG_GROUP, loopmsg_group_send_params, loopmsg_send_result,
                 loopmsg_send_cb, loopmsg__tramp_send)
CALL_WITH_RESULT(send_voice, LOOPMSG__MSG_VOICE, loopmsg_voice_params, loopmsg_send_result,
                 loopmsg_send_cb, loopmsg__tramp_send)
CALL_WITH_RESULT(send_reaction, LOOPMSG__MSG_REACTION, loopmsg_reaction_params,
                 loopmsg_send_result, loopmsg_send_cb, loopmsg__tramp_send)
CALL_WITH_RESULT(status_get, LOOPMSG__MSG_STATUS, char /* message_id */, loopmsg_message_status,
                 loopmsg_status_cb, tramp_status)
CALL_WITHOUT_RESULT(show_typing, LOOPMSG__MSG_TYPING, loopmsg_typing_params)
CALL_WITHOUT_RESULT(mark_read, LOOPMSG__MSG_READ, loopmsg_typing_params)
/* clang-format on */
