/* SPDX-License-Identifier: MIT */
/*
 * validate.c: field rules shared by every endpoint. Lengths count Unicode characters, not
 * bytes; input that is not valid UTF-8 is refused. Pure: no I/O.
 */
#include "validate_int.h"
#include "wire_int.h"
#include "error_int.h"
#include "loopmsg/message.h"

#include <stdio.h>
#include <string.h>

static loopmsg_status check_text(const char *op, const char *field, const char *value,
                                 size_t max_chars, loopmsg_error *err)
{
    size_t chars = 0;
    if (!loopmsg__utf8_valid(value, strlen(value), &chars))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: is not valid UTF-8", op,
                                  field);
    if (max_chars && chars > max_chars)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: %s: at most %zu characters allowed, got %zu", op, field,
                                  max_chars, chars);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__v_required(const char *op, const char *field, const char *value,
                                   size_t max_chars, loopmsg_error *err)
{
    if (!value)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: is required", op, field);
    if (!*value)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: must not be empty", op,
                                  field);
    return check_text(op, field, value, max_chars, err);
}

loopmsg_status loopmsg__v_optional(const char *op, const char *field, const char *value,
                                   size_t max_chars, loopmsg_error *err)
{
    if (!loopmsg__set(value))
        return LOOPMSG_OK;
    return check_text(op, field, value, max_chars, err);
}

loopmsg_status loopmsg__v_id(const char *op, const char *field, const char *value, bool required,
                             loopmsg_error *err)
{
    loopmsg_status st = required ? loopmsg__v_required(op, field, value, 0, err)
                                 : loopmsg__v_optional(op, field, value, 0, err);
    if (st != LOOPMSG_OK || !value)
        return st;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: must not contain control characters", op, field);
    if (strlen(value) > 512)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: longer than 512 bytes", op,
                                  field);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__v_https_url(const char *op, const char *field, size_t index,
                                    const char *url, loopmsg_error *err)
{
    char name[64];
    if (index == (size_t)-1)
        snprintf(name, sizeof name, "%s", field);
    else
        snprintf(name, sizeof name, "%s[%zu]", field, index);
    if (!url || !*url)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: is required", op, name);
    size_t chars = 0;
    if (!loopmsg__utf8_valid(url, strlen(url), &chars))
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG, "%s: %s: is not valid UTF-8", op,
                                  name);
    if (strncmp(url, "https://", 8) != 0) {
        char excerpt[64];
        loopmsg__sanitize_excerpt(excerpt, sizeof excerpt, url, strlen(url), 50);
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: %s: URL must start with https:// (got \"%s\")", op, name,
                                  excerpt);
    }
    if (chars > LOOPMSG_MAX_URL_CHARS)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: %s: URL must be at most %d characters, got %zu", op, name,
                                  LOOPMSG_MAX_URL_CHARS, chars);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                      "%s: %s: URL must not contain spaces or control characters",
                                      op, name);
    return LOOPMSG_OK;
}

loopmsg_status loopmsg__v_attachments(const char *op, const char *const *urls, size_t count,
                                      size_t max, loopmsg_error *err)
{
    if (count == 0)
        return LOOPMSG_OK;
    if (!urls)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: attachments: is NULL but attachment_count is %zu", op,
                                  count);
    if (count > max)
        return loopmsg__error_set(err, LOOPMSG_E_INVALID_ARG,
                                  "%s: attachments: at most %zu URLs allowed, got %zu", op, max,
                                  count);
    for (size_t i = 0; i < count; i++) {
        loopmsg_status st = loopmsg__v_https_url(op, "attachments", i, urls[i], err);
        if (st != LOOPMSG_OK)
            return st;
    }
    return LOOPMSG_OK;
}
