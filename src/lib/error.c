/* SPDX-License-Identifier: MIT */
/*
 * error.c: status names and strings, and the one table that describes and classifies every
 * Loop API error code, with whether the engine resends it. Pure: no I/O.
 */
#include "error_int.h"

#include <stdio.h>
#include <string.h>

/* Every status once: its name is made from the identifier itself, so the two cannot differ.
 * test_error reads the enum in include/loopmsg/error.h and fails on a status missing here. */
#define LOOPMSG__STATUSES(X)                                                                       \
    X(LOOPMSG_OK, "success")                                                                       \
    X(LOOPMSG_E_INVALID_ARG, "invalid argument")                                                   \
    X(LOOPMSG_E_NOMEM, "out of memory")                                                            \
    X(LOOPMSG_E_STATE, "call not allowed in this state")                                           \
    X(LOOPMSG_E_TRANSPORT, "transport error")                                                      \
    X(LOOPMSG_E_TIMEOUT, "timed out")                                                              \
    X(LOOPMSG_E_AUTH, "authentication failed")                                                     \
    X(LOOPMSG_E_RATE_LIMITED, "rate limited")                                                      \
    X(LOOPMSG_E_API, "API error")                                                                  \
    X(LOOPMSG_E_HTTP, "unexpected HTTP status")                                                    \
    X(LOOPMSG_E_PROTOCOL, "malformed response")                                                    \
    X(LOOPMSG_E_WEBHOOK_AUTH, "webhook authorization failed")                                      \
    X(LOOPMSG_E_CANCELLED, "cancelled")                                                            \
    X(LOOPMSG_E_PARTIAL, "some batch items failed")                                                \
    X(LOOPMSG_E_NOT_FOUND, "not found")                                                            \
    X(LOOPMSG_E_TOO_LARGE, "too large")                                                            \
    X(LOOPMSG_E_INTERNAL, "internal error")

static const struct {
    loopmsg_status status;
    const char *name;
    const char *str;
} statuses[] = {
#define STATUS_ROW(status, str) {status, #status, str},
    LOOPMSG__STATUSES(STATUS_ROW)
#undef STATUS_ROW
};

const char *loopmsg_status_str(loopmsg_status status)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].status == status)
            return statuses[i].str;
    return "unknown status";
}

const char *loopmsg_status_name(loopmsg_status status)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].status == status)
            return statuses[i].name;
    return "LOOPMSG_E_UNKNOWN";
}

#define R LOOPMSG_ERRF_RETRYABLE
#define M LOOPMSG_ERRF_MAYBE_DELIVERED
#define F LOOPMSG_ERRF_FATAL

/* The 49 codes of the current API, each with its flags and whether the engine resends it by
 * itself. 1010: not sent, retry after a short delay: resent automatically. 1020:
 * sent, the destination reported it not delivered: RETRYABLE, but Loop asks for a long delay
 * and to stop if it repeats (bounce risk), so only the caller resends it. 1030: sent, no
 * delivery confirmation: it may have been delivered (MAYBE_DELIVERED), never resent by itself.
 * Both are resent only with retry_maybe_delivered, the reference SDK's behaviour. Resend: S the
 * HTTP status decides, A automatically, Q only when asked. */
#define S LOOPMSG__RESEND_BY_STATUS
#define A LOOPMSG__RESEND_AUTO
#define Q LOOPMSG__RESEND_IF_ASKED

static const struct {
    int code;
    unsigned int flags;
    const char *text;
    loopmsg__resend resend;
    bool auth; /* the key was missing or refused: LOOPMSG_E_AUTH whatever the HTTP status */
} api_codes[] = {
    {100, 0, "bad request", S, false},
    {110, F, "credentials are missing from the request", S, true},
    {115, 0, "one or more required parameters are invalid", S, false},
    {120, 0, "one or more required parameters are missing", S, false},
    {125, 0, "one or more parameters are invalid", S, false},
    {130, F, "authorization key is invalid or unknown", S, true},
    {140, 0, "text parameter is missing", S, false},
    {150, 0, "contact parameter is missing", S, false},
    {160, 0, "invalid contact", S, false},
    {165, 0, "invalid group", S, false},
    {170, 0, "invalid contact email address", S, false},
    {180, 0, "invalid contact phone number", S, false},
    {190, 0, "phone number is not a mobile number", S, false},
    {200, 0, "no conversation with the sandbox contact", S, false},
    {210, 0, "could not determine a sender for this contact", S, false},
    {220, 0, "invalid sender name", S, false},
    {230, 0, "internal error while using the given sender name", S, false},
    {240, 0, "sender name is not activated or unpaid", S, false},
    {250, 0, "sender name is suspended", S, false},
    {260, 0, "no active purchased sender name available", S, false},
    {270, 0, "request requires a dedicated sender name", S, false},
    {290, 0, "API request is deprecated or unsupported", S, false},
    {300, F, "account suspended", S, false},
    {310, F, "account blocked", S, false},
    {320, F, "account phone number not verified", S, false},
    {330, F, "account suspended because of debt", S, false},
    {340, 0, "recipient blocks all messages", S, false},
    {500, 0, "contact has opted out of your messages", S, false},
    {510, 0, "no recent conversation with this contact", S, false},
    {520, 0, "cannot message this recipient until they start a conversation with your sender", S,
     false},
    {530, 0, "could not start a conversation with the contact", S, false},
    {540, 0, "limit reached for messaging recipients not contacted for a long time", S, false},
    {550, 0, "pricing-plan limit reached", S, false},
    {580, 0, "invalid effect", S, false},
    {590, 0, "invalid message_id for reply (reply_to_id)", S, false},
    {595, 0, "invalid or non-existent message_id", S, false},
    {600, 0, "invalid reaction", S, false},
    {610, 0, "reaction or message_id invalid or not found", S, false},
    {620, 0, "effect and reaction cannot be used together", S, false},
    {630, 0, "the vCard for this sender name must be set up in the dashboard", S, false},
    {640, 0, "media_url is missing", S, false},
    {1000, 0, "internal error during sending", S, false},
    {1010, R, "send attempt failed; retry after a short delay", A, false},
    {1020, R,
     "sent, but the destination reported it not delivered; retry only after a long "
     "delay and stop if it repeats",
     Q, false},
    {1030, R | M, "sent, but no delivery confirmation came back (it may have been delivered)", Q,
     false},
    {1110, 0, "SMS is not possible to an email address", S, false},
    {1120, 0, "SMS is not possible to a group", S, false},
    {1130, 0, "SMS is not possible with marketing content", S, false},
    {1140, 0, "audio is not possible over SMS", S, false},
};

const char *loopmsg_api_code_description(int api_code)
{
    for (size_t i = 0; i < sizeof api_codes / sizeof api_codes[0]; i++)
        if (api_codes[i].code == api_code)
            return api_codes[i].text;
    return NULL;
}

unsigned int loopmsg_api_code_flags(int api_code)
{
    for (size_t i = 0; i < sizeof api_codes / sizeof api_codes[0]; i++)
        if (api_codes[i].code == api_code)
            return api_codes[i].flags;
    return 0;
}

loopmsg__resend loopmsg__api_code_resend(int api_code)
{
    for (size_t i = 0; i < sizeof api_codes / sizeof api_codes[0]; i++)
        if (api_codes[i].code == api_code)
            return api_codes[i].resend;
    return LOOPMSG__RESEND_BY_STATUS;
}

bool loopmsg__api_code_is_auth(int api_code)
{
    for (size_t i = 0; i < sizeof api_codes / sizeof api_codes[0]; i++)
        if (api_codes[i].code == api_code)
            return api_codes[i].auth;
    return false;
}

/* LoopLookup's codes: the legacy Loop numbering (from a third-party
 * table; the service's own page could not be read). Kept apart from the table above because
 * the same number means something else there (500: opted out vs account suspended). Running
 * out of credits needs a human (buy more), like a suspended account. */
typedef struct lookup_code {
    int code;
    unsigned int flags;
    bool auth;
    const char *text;
} lookup_code;

static const lookup_code lookup_codes[] = {
    {100, 0, false, "bad request"},
    {110, F, true, "credentials are missing from the request"},
    {120, 0, false, "one or more required parameters are missing"},
    {125, F, true, "authorization key is invalid"},
    {130, F, true, "secret key is invalid"},
    {150, 0, false, "recipient is missing"},
    {160, 0, false, "invalid recipient"},
    {170, 0, false, "invalid email address"},
    {180, 0, false, "invalid phone number"},
    {190, 0, false, "phone number is not a mobile number"},
    {400, F, false, "no lookup requests (credits) left"},
    {500, F, false, "account suspended"},
    {510, F, false, "account blocked"},
    {530, F, false, "account suspended because of debt"},
};

static const lookup_code *lookup_row(int code)
{
    for (size_t i = 0; i < sizeof lookup_codes / sizeof lookup_codes[0]; i++)
        if (lookup_codes[i].code == code)
            return &lookup_codes[i];
    return NULL;
}

const char *loopmsg__lookup_code_description(int code)
{
    return lookup_row(code) ? lookup_row(code)->text : NULL;
}

unsigned int loopmsg__lookup_code_flags(int code)
{
    return lookup_row(code) ? lookup_row(code)->flags : 0;
}

bool loopmsg__lookup_code_is_auth(int code)
{
    return lookup_row(code) && lookup_row(code)->auth;
}

bool loopmsg_error_is_retryable(const loopmsg_error *err)
{
    return err && (err->flags & LOOPMSG_ERRF_RETRYABLE);
}

bool loopmsg_error_is_maybe_delivered(const loopmsg_error *err)
{
    return err && (err->flags & LOOPMSG_ERRF_MAYBE_DELIVERED);
}

bool loopmsg_error_is_fatal(const loopmsg_error *err)
{
    return err && (err->flags & LOOPMSG_ERRF_FATAL);
}
