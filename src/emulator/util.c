/* SPDX-License-Identifier: MIT */
/*
 * util.c: small helpers for the emulator: ISO-8601 timestamps, random ids, percent-encoding
 * and query lookup, an interruptible sleep. Pure helpers: no sockets, no emulator state. The
 * byte buffer, string copies and clocks are the utility layer's (src/util).
 */
#include "emulator_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void loopmsg__emu_iso8601(char out[LOOPMSG__EMU_TIME_SIZE], int64_t ms, bool millis)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (millis)
        snprintf(out, LOOPMSG__EMU_TIME_SIZE, "%s.%03dZ", base, (int)(ms % 1000));
    else
        snprintf(out, LOOPMSG__EMU_TIME_SIZE, "%sZ", base);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool loopmsg__emu_parse_date(const char *s, int64_t *ms_out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
        !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return false;
    int y = digits_value(s, 4), m = digits_value(s + 5, 2), d = digits_value(s + 8, 2);
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    *ms_out = days_from_civil(y, m, d) * 86400000;
    return true;
}

static void random_bytes(unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            /* No entropy source: fall back to something that is at least unique-ish. */
            static unsigned long counter;
            unsigned long x = (unsigned long)loopmsg__mono_ms() ^ (++counter * 2654435761u);
            for (size_t i = 0; i < n; i++) {
                x = x * 6364136223846793005ul + 1442695040888963407ul;
                p[i] = (unsigned char)(x >> 56);
            }
            return;
        }
        p += got;
        n -= (size_t)got;
    }
}

void loopmsg__emu_uuid(char out[LOOPMSG__EMU_ID_SIZE], bool upper)
{
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

double loopmsg__emu_random01(void)
{
    uint64_t x;
    random_bytes((unsigned char *)&x, sizeof x);
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

char *loopmsg__emu_percent_decode(const char *s, size_t len, bool plus_is_space)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len) {
                free(out);
                return NULL;
            }
            int h = loopmsg__hex_value(s[i + 1]), l = loopmsg__hex_value(s[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return out;
}

char *loopmsg__emu_percent_encode(const char *s)
{
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            char ch = (char)c;
            loopmsg__buf_append(&b, &ch, 1);
        } else {
            loopmsg__buf_printf(&b, "%%%02X", c);
        }
    }
    return loopmsg__buf_detach(&b);
}

char *loopmsg__emu_query_get(const char *query, const char *name)
{
    if (!query)
        return NULL;
    size_t name_len = strlen(name);
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t key_len = eq ? (size_t)(eq - p) : seg;
        char *key = loopmsg__emu_percent_decode(p, key_len, true);
        bool match = key && strlen(key) == name_len && memcmp(key, name, name_len) == 0;
        free(key);
        if (match) {
            if (!eq)
                return loopmsg__libc_strdup("");
            return loopmsg__emu_percent_decode(eq + 1, seg - key_len - 1, true);
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return NULL;
}

bool loopmsg__emu_sleep(pthread_mutex_t *lock, pthread_cond_t *cond, const bool *stop,
                        unsigned int ms)
{
    if (ms == 0)
        return false;
    struct timespec until;
    loopmsg__mono_deadline(&until, ms);
    bool stopped = false;
    pthread_mutex_lock(lock);
    while (!*stop) {
        int rc = pthread_cond_timedwait(cond, lock, &until);
        if (rc == ETIMEDOUT)
            break;
    }
    stopped = *stop;
    pthread_mutex_unlock(lock);
    return stopped;
}

char *loopmsg__emu_json_dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
        return NULL;
    /* jansson may use its own allocator; hand back a libc copy. */
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    char *copy = loopmsg__libc_strdup(s);
    f(s);
    return copy;
}
