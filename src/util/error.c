/* SPDX-License-Identifier: MIT */
/*
 * error.c: filling a caller's loopmsg_error, and formatting a log line for a loopmsg_log_cb.
 * Pure: no I/O. The status names and the table of Loop API codes are the core's
 * (src/lib/error.c).
 */
#include "util_int.h"

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

size_t loopmsg__log_format(char line[LOOPMSG__LOG_LINE_SIZE], bool *cut, const char *fmt,
                           va_list ap)
{
    int r = vsnprintf(line, LOOPMSG__LOG_LINE_SIZE, fmt, ap);
    if (r < 0)
        line[0] = '\0';
    *cut = r < 0 || r >= LOOPMSG__LOG_LINE_SIZE;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return n;
}

void loopmsg__log_vline(loopmsg_log_cb cb, void *user_data, loopmsg_log_level level,
                        const char *fmt, va_list ap)
{
    if (!cb)
        return;
    char line[LOOPMSG__LOG_LINE_SIZE];
    bool cut;
    loopmsg__log_format(line, &cut, fmt, ap);
    cb(level, line, user_data);
}

void loopmsg__log_line(loopmsg_log_cb cb, void *user_data, loopmsg_log_level level, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    loopmsg__log_vline(cb, user_data, level, fmt, ap);
    va_end(ap);
}
