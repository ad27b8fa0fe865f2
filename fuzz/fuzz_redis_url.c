/* SPDX-License-Identifier: MIT */
/*
 * fuzz_redis_url.c: the Redis URL parser of libloopmsg_redis (a URL comes from the command
 * line or a configuration file) and its redaction for log lines. Any bytes: it must not
 * crash, read out of bounds or leave an unterminated field; a URL with a password is
 * redacted with the mask.
 */
#include "redis/redis_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    loopmsg__redis_url u;
    char msg[128];
    if (loopmsg__redis_url_parse(&u, s, msg, sizeof msg) == 0) {
        if (strlen(u.host) >= sizeof u.host || strlen(u.path) >= sizeof u.path ||
            strlen(u.password) >= sizeof u.password || u.port < 1 || u.port > 65535)
            abort();
    } else if (strlen(msg) >= sizeof msg) {
        abort();
    }
    char red[64];
    loopmsg_status st = loopmsg_redis_url_redact(s, red, sizeof red);
    if ((st != LOOPMSG_OK && st != LOOPMSG_E_TOO_LARGE) || strlen(red) >= sizeof red)
        abort();
    if (st == LOOPMSG_OK && u.has_password && !strstr(red, "***@"))
        abort();
    loopmsg__redis_url_wipe(&u);
    free(s);
    return 0;
}
