/* SPDX-License-Identifier: MIT */
/*
 * error.c: status names and strings, and the one table that describes and classifies every
 * Loop API error code (spec §6.3, decision 8). Pure: no I/O.
 */
#include "error_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void loopmsg__error_ok(loopmsg_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

loopmsg_status loopmsg__error_set(loopmsg_error *err, loopmsg_status status, const char *fmt, ...)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

loopmsg_status loopmsg__error_nomem(loopmsg_error *err)
{
    return loopmsg__error_set(err, LOOPMSG_E_NOMEM, "out of memory");
}

loopmsg_status loopmsg__check_version(unsigned int version, unsigned int current,
                                      const char *type_name, const char *init_macro,
                                      loopmsg_error *err)
{
    if (version == 0)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s.version not set; use %s",
                                  type_name, init_macro);
    if (version > current)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s.version %u is newer than this library supports (%u)",
                                  type_name, version, current);
    return LOOPMSG_OK;
}

static const struct {
    loopmsg_status status;
    const char *name;
    const char *str;
} statuses[] = {
    {LOOPMSG_OK, "LOOPMSG_OK", "success"},
    {LOOPMSG_E_INVALID_ARG, "LOOPMSG_E_INVALID_ARG", "invalid argument"},
    {LOOPMSG_E_NOMEM, "LOOPMSG_E_NOMEM", "out of memory"},
    {LOOPMSG_E_STATE, "LOOPMSG_E_STATE", "call not allowed in this state"},
    {LOOPMSG_E_TRANSPORT, "LOOPMSG_E_TRANSPORT", "transport error"},
    {LOOPMSG_E_TIMEOUT, "LOOPMSG_E_TIMEOUT", "timed out"},
    {LOOPMSG_E_AUTH, "LOOPMSG_E_AUTH", "authentication failed"},
    {LOOPMSG_E_RATE_LIMITED, "LOOPMSG_E_RATE_LIMITED", "rate limited"},
    {LOOPMSG_E_API, "LOOPMSG_E_API", "API error"},
    {LOOPMSG_E_HTTP, "LOOPMSG_E_HTTP", "unexpected HTTP status"},
    {LOOPMSG_E_PROTOCOL, "LOOPMSG_E_PROTOCOL", "malformed response"},
    {LOOPMSG_E_WEBHOOK_AUTH, "LOOPMSG_E_WEBHOOK_AUTH", "webhook authorization failed"},
    {LOOPMSG_E_CANCELLED, "LOOPMSG_E_CANCELLED", "cancelled"},
    {LOOPMSG_E_PARTIAL, "LOOPMSG_E_PARTIAL", "some batch items failed"},
    {LOOPMSG_E_NOT_FOUND, "LOOPMSG_E_NOT_FOUND", "not found"},
    {LOOPMSG_E_TOO_LARGE, "LOOPMSG_E_TOO_LARGE", "too large"},
    {LOOPMSG_E_INTERNAL, "LOOPMSG_E_INTERNAL", "internal error"},
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

/* The 49 codes of the current API. Flags: 1010 failed before sending (safe to retry); 1020
 * was sent and bounced (retry only much later); 1030 may have been delivered. */
static const struct {
    int code;
    unsigned int flags;
    const char *text;
} api_codes[] = {
    {100, 0, "bad request"},
    {110, F, "credentials are missing from the request"},
    {115, 0, "one or more required parameters are invalid"},
    {120, 0, "one or more required parameters are missing"},
    {125, 0, "one or more parameters are invalid"},
    {130, F, "authorization key is invalid or unknown"},
    {140, 0, "text parameter is missing"},
    {150, 0, "contact parameter is missing"},
    {160, 0, "invalid contact"},
    {165, 0, "invalid group"},
    {170, 0, "invalid contact email address"},
    {180, 0, "invalid contact phone number"},
    {190, 0, "phone number is not a mobile number"},
    {200, 0, "no conversation with the sandbox contact"},
    {210, 0, "could not determine a sender for this contact"},
    {220, 0, "invalid sender name"},
    {230, 0, "internal error while using the given sender name"},
    {240, 0, "sender name is not activated or unpaid"},
    {250, 0, "sender name is suspended"},
    {260, 0, "no active purchased sender name available"},
    {270, 0, "request requires a dedicated sender name"},
    {290, 0, "API request is deprecated or unsupported"},
    {300, F, "account suspended"},
    {310, F, "account blocked"},
    {320, F, "account phone number not verified"},
    {330, F, "account suspended because of debt"},
    {340, 0, "recipient blocks all messages"},
    {500, 0, "contact has opted out of your messages"},
    {510, 0, "no recent conversation with this contact"},
    {520, 0, "cannot message this recipient until they start a conversation with your sender"},
    {530, 0, "could not start a conversation with the contact"},
    {540, 0, "limit reached for messaging recipients not contacted for a long time"},
    {550, 0, "pricing-plan limit reached"},
    {580, 0, "invalid effect"},
    {590, 0, "invalid message_id for reply (reply_to_id)"},
    {595, 0, "invalid or non-existent message_id"},
    {600, 0, "invalid reaction"},
    {610, 0, "reaction or message_id invalid or not found"},
    {620, 0, "effect and reaction cannot be used together"},
    {630, 0, "the vCard for this sender name must be set up in the dashboard"},
    {640, 0, "media_url is missing"},
    {1000, 0, "internal error during sending"},
    {1010, R, "send attempt failed; retry after a short delay"},
    {1020, R,
     "sent, but the destination reported it not delivered; retry only after a long "
     "delay and stop if it repeats"},
    {1030, R | M, "sent, but no delivery confirmation came back (it may have been delivered)"},
    {1110, 0, "SMS is not possible to an email address"},
    {1120, 0, "SMS is not possible to a group"},
    {1130, 0, "SMS is not possible with marketing content"},
    {1140, 0, "audio is not possible over SMS"},
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
