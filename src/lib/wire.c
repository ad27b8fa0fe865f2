/* SPDX-License-Identifier: MIT */
/*
 * wire.c: what every endpoint module needs to speak Loop's wire format, kept in one place:
 * response classification (status + body -> JSON or a classified error, with the Loop code
 * table of error.c), Retry-After, the JSON field readers and decode helpers for results, URL
 * escaping, UTF-8 checks and the masking of the API key in quoted excerpts. Each endpoint's
 * own encoding and decoding stay in its module. Must not include curl and must not do I/O:
 * it is unit-tested and fuzzed directly.
 */
#include "wire_int.h"
#include "error_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

bool loopmsg__utf8_valid(const char *s, size_t len, size_t *chars_out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            chars++;
            /* Mostly ASCII text: eight bytes at a time while none has its high bit set. */
            uint64_t w;
            while (len - i >= sizeof w &&
                   (memcpy(&w, p + i, sizeof w), !(w & 0x8080808080808080u))) {
                i += sizeof w;
                chars += sizeof w;
            }
            continue;
        }
        size_t n = loopmsg__utf8_seq_len(s + i, len - i);
        if (!n)
            return false;
        i += n;
        chars++;
    }
    if (chars_out)
        *chars_out = chars;
    return true;
}

/* ---- masking a secret (the API key) in untrusted text ------------------------------------- */

enum { M_NO, M_YES, M_END }; /* no match; a match; the text ended inside a possible match */

/* Compare text s (len bytes) with lit: exactly, or ignoring the case of letters (hex digits
 * of a \u escape). */
static int match_lit(const char *s, size_t len, const char *lit, size_t litn, bool any_case,
                     size_t *used)
{
    size_t n = len < litn ? len : litn;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = lit[i];
        if (any_case && a >= 'a' && a <= 'f')
            a = (char)(a - 'a' + 'A');
        if (a != b)
            return M_NO;
    }
    if (len < litn)
        return M_END;
    *used = litn;
    return M_YES;
}

/* One character of the secret (its raw bytes, code point cp or UINT32_MAX when not valid
 * UTF-8) at s, as it is or spelled as a JSON escape (\uXXXX in any case, a surrogate pair,
 * or a short escape such as \/). */
static int match_char(const char *s, size_t len, const char *raw, size_t rn, uint32_t cp,
                      size_t *used)
{
    int best = match_lit(s, len, raw, rn, false, used);
    /* Every escaped spelling starts with a backslash: no need to spell them out otherwise. */
    if (best == M_YES || cp == UINT32_MAX || (len > 0 && s[0] != '\\'))
        return best;
    char lit[16];
    int m;
    if (cp <= 0xFFFF)
        snprintf(lit, sizeof lit, "\\u%04X", (unsigned int)cp);
    else
        snprintf(lit, sizeof lit, "\\u%04X\\u%04X", 0xD800u + ((unsigned int)(cp - 0x10000) >> 10),
                 0xDC00u + ((unsigned int)(cp - 0x10000) & 0x3FFu));
    if ((m = match_lit(s, len, lit, strlen(lit), true, used)) == M_YES)
        return M_YES;
    if (m == M_END)
        best = M_END;
    static const char shorts[] = "\"\"\\\\//\bb\ff\nn\rr\tt";
    for (size_t i = 0; i + 1 < sizeof shorts; i += 2) {
        if (cp != (unsigned char)shorts[i])
            continue;
        char esc[2] = {'\\', shorts[i + 1]};
        if ((m = match_lit(s, len, esc, 2, false, used)) == M_YES)
            return M_YES;
        if (m == M_END)
            best = M_END;
    }
    return best;
}

/* The length of the spelling of secret that starts at s, or 0. */
static size_t match_secret(const char *s, size_t len, const char *secret, size_t secret_len,
                           bool cut)
{
    size_t i = 0, k = 0;
    while (k < secret_len) {
        size_t rn = 1, chars;
        unsigned char c = (unsigned char)secret[k];
        if (c >= 0x80)
            rn = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        uint32_t cp = c;
        if (c >= 0x80) {
            if (k + rn <= secret_len && loopmsg__utf8_valid(secret + k, rn, &chars)) {
                cp = c & (rn == 2 ? 0x1Fu : rn == 3 ? 0x0Fu : 0x07u);
                for (size_t j = 1; j < rn; j++)
                    cp = (cp << 6) | ((unsigned char)secret[k + j] & 0x3Fu);
            } else {
                rn = 1;
                cp = UINT32_MAX;
            }
        }
        size_t used = 0;
        int m = match_char(s + i, len - i, secret + k, rn, cp, &used);
        if (m == M_NO)
            return 0;
        if (m == M_END)
            return cut ? len : 0; /* what is left of the text may be the start of the secret */
        i += used;
        k += rn;
    }
    return i;
}

void loopmsg__mask_secret(char *s, size_t len, const char *secret, size_t secret_len, bool cut)
{
    if (!s || !secret || secret_len == 0)
        return;
    for (size_t i = 0; i < len;) {
        if (s[i] == secret[0] || s[i] == '\\') {
            size_t n = match_secret(s + i, len - i, secret, secret_len, cut);
            if (n) {
                memset(s + i, '*', n);
                i += n;
                continue;
            }
        }
        i++;
    }
}

/* loopmsg__sanitize_excerpt of text that may echo the secret: every spelling of it is
 * masked on a copy of the whole text first, so that the cut can never leave part of it. */
static void excerpt_masked(char *dst, size_t dst_size, const char *src, size_t len, size_t max,
                           const char *secret)
{
    if (!secret || !secret[0]) {
        loopmsg__sanitize_excerpt(dst, dst_size, src, len, max);
        return;
    }
    char *copy = loopmsg__malloc(len + 1);
    if (!copy) {
        if (dst_size)
            dst[0] = '\0'; /* nothing shown rather than the unmasked text */
        return;
    }
    memcpy(copy, src, len);
    loopmsg__mask_secret(copy, len, secret, strlen(secret), false);
    loopmsg__sanitize_excerpt(dst, dst_size, copy, len, max);
    loopmsg__free(copy);
}

void loopmsg__sanitize_excerpt(char *dst, size_t dst_size, const char *src, size_t len, size_t max)
{
    size_t o = 0, shown = 0, i = 0;
    if (dst_size == 0)
        return;
    /* Collapse runs of white space so an HTML error page reads as one line. */
    int last_space = 1;
    while (i < len && o + 4 < dst_size) {
        unsigned char c = (unsigned char)src[i];
        if (shown >= max) {
            break;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
            if (!last_space) {
                dst[o++] = ' ';
                shown++;
                last_space = 1;
            }
            continue;
        }
        last_space = 0;
        if (c < 0x20 || c == 0x7F) {
            dst[o++] = '?';
            i++;
            shown++;
            continue;
        }
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        size_t chars;
        if (i + n > len || !loopmsg__utf8_valid(src + i, n, &chars) || o + n + 4 >= dst_size) {
            dst[o++] = '?';
            i++;
            shown++;
            continue;
        }
        memcpy(dst + o, src + i, n);
        o += n;
        i += n;
        shown++;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    if (i < len && o + 3 < dst_size) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

void loopmsg__url_escape(loopmsg__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            loopmsg__buf_putc(b, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            loopmsg__buf_append(b, esc, 3);
        }
    }
}

char *loopmsg__path_with_segment(const char *prefix, const char *segment)
{
    loopmsg__buf b = {0};
    loopmsg__buf_puts(&b, prefix);
    loopmsg__url_escape(&b, segment);
    loopmsg__buf_putc(&b, '/');
    return loopmsg__buf_detach(&b);
}

unsigned int loopmsg__wire_retry_after(const char *value, long long now_epoch_s)
{
    const unsigned int cap = 24u * 3600u * 1000u;
    if (!value)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        unsigned long long secs = 0;
        for (; *value >= '0' && *value <= '9'; value++) {
            secs = secs * 10 + (unsigned)(*value - '0');
            if (secs > cap / 1000u)
                return cap;
        }
        while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
            value++;
        return *value ? 0 : (unsigned int)(secs * 1000u);
    }
    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char wd[4], mon[4], tz[4];
    int day, year, hh, mm, ss;
    if (sscanf(value, "%3s, %d %3s %d %d:%d:%d %3s", wd, &day, mon, &year, &hh, &mm, &ss, tz) !=
            8 ||
        strcmp(tz, "GMT") != 0)
        return 0;
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *m = strstr(months, mon);
    if (!m || (m - months) % 3 != 0 || day < 1 || day > 31 || year < 1970 || year > 9999 ||
        hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
        return 0;
    tm.tm_mday = day;
    tm.tm_mon = (int)((m - months) / 3);
    tm.tm_year = year - 1900;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    long long when = (long long)timegm(&tm);
    if (when <= now_epoch_s)
        return 0;
    long long ms = (when - now_epoch_s) * 1000;
    return ms > cap ? cap : (unsigned int)ms;
}

const char loopmsg__json_nomem[] = "(out of memory)";

const char *loopmsg__json_str(void *arena_root, json_t *obj, const char *key,
                              const char **type_error)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        if (type_error && !*type_error)
            *type_error = key;
        return NULL;
    }
    const char *s = loopmsg__arena_strndup(arena_root, json_string_value(v), json_string_length(v));
    if (!s && type_error)
        *type_error = loopmsg__json_nomem;
    return s;
}

int loopmsg__json_int(json_t *obj, const char *key, int fallback, const char **type_error)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return fallback;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i >= INT_MIN && i <= INT_MAX)
            return (int)i;
    } else if (json_is_string(v)) {
        /* Some error bodies quote the code; accept "140" but nothing fancier. */
        const char *s = json_string_value(v);
        long n = 0;
        size_t i = 0;
        for (; s[i] >= '0' && s[i] <= '9' && i < 9; i++)
            n = n * 10 + (s[i] - '0');
        if (i > 0 && s[i] == '\0')
            return (int)n;
    }
    if (type_error && !*type_error)
        *type_error = key;
    return fallback;
}

loopmsg_status loopmsg__decode_fail(loopmsg_error *err, const char *op, const char *what)
{
    return loopmsg__error_set(err, LOOPMSG_E_PROTOCOL, "%s: malformed response: %s", op, what);
}

loopmsg_status loopmsg__decode_bad(loopmsg_error *err, const char *op, const char *bad,
                                   const char *what)
{
    if (bad == loopmsg__json_nomem)
        return loopmsg__error_nomem(err);
    return loopmsg__decode_fail(err, op, what);
}

loopmsg_status loopmsg__decode_check(loopmsg_error *err, const char *op, const char *raw_copy,
                                     const char *bad, const char *id)
{
    if (!raw_copy)
        return loopmsg__error_nomem(err);
    if (bad)
        return loopmsg__decode_bad(err, op, bad, "a field has the wrong type");
    if (!id)
        return loopmsg__decode_fail(err, op, "id is missing");
    return LOOPMSG_OK;
}

static json_t *parse_body(const char *body, size_t len)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len || (body[i] != '{' && body[i] != '['))
        return NULL;
    /* Duplicate keys are not refused here (the webhook parser refuses them): an API answer
     * is not hostile input, and the check costs a hash lookup per key on every response. */
    return json_loadb(body, len, 0, NULL);
}

static bool body_is_blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
            return false;
    return true;
}

/* Read the Loop error code: `code`, else `error_code`; 0 when neither is there. */
static int api_code_of(json_t *root)
{
    if (!json_is_object(root))
        return 0;
    int code = loopmsg__json_int(root, "code", 0, NULL);
    if (code == 0)
        code = loopmsg__json_int(root, "error_code", 0, NULL);
    return code > 0 ? code : 0;
}

loopmsg_status loopmsg__wire_classify(const char *op_name, bool is_post, int http_status,
                                      const char *body, size_t len, unsigned int retry_after_ms,
                                      const char *secret, json_t **json_out, loopmsg_error *err)
{
    return loopmsg__wire_classify_ex(op_name, is_post, http_status, body, len, retry_after_ms,
                                     secret, false, json_out, err);
}

loopmsg_status loopmsg__wire_classify_ex(const char *op_name, bool is_post, int http_status,
                                         const char *body, size_t len, unsigned int retry_after_ms,
                                         const char *secret, bool lookup, json_t **json_out,
                                         loopmsg_error *err)
{
    *json_out = NULL;
    json_t *root = len ? parse_body(body, len) : NULL;
    bool blank = body_is_blank(body, len);

    if (http_status >= 200 && http_status < 300) {
        if (blank) {
            loopmsg__error_ok(err);
            json_decref(root);
            return LOOPMSG_OK;
        }
        if (!json_is_object(root)) {
            char excerpt[96];
            excerpt_masked(excerpt, sizeof excerpt, body, len, 60, secret);
            loopmsg__error_set(err, LOOPMSG_E_PROTOCOL,
                               "%s: malformed response (HTTP %d): expected a JSON object, got "
                               "\"%s\"",
                               op_name, http_status, excerpt);
            if (err) {
                err->http_status = http_status;
                /* The server answered 2xx: it accepted the request. */
                err->flags = LOOPMSG_ERRF_SENT | (is_post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
            }
            json_decref(root);
            return LOOPMSG_E_PROTOCOL;
        }
        json_t *success = json_object_get(root, "success");
        if (!json_is_false(success)) {
            loopmsg__error_ok(err);
            *json_out = root;
            return LOOPMSG_OK;
        }
        /* A 2xx that says success:false is an error, not a success. Fall through. */
    }

    int code = api_code_of(root);
    const char *server_msg = NULL;
    size_t server_msg_len = 0;
    if (json_is_object(root)) {
        json_t *m = json_object_get(root, "message");
        if (json_is_string(m)) {
            server_msg = json_string_value(m);
            server_msg_len = json_string_length(m);
        }
    } else if (!blank) {
        server_msg = body; /* not JSON: quote a short, sanitised excerpt */
        server_msg_len = len;
    }

    loopmsg_status st;
    /* LoopLookup numbers its codes as the legacy Loop API did: the
     * same number may mean something else, so it has a table of its own. */
    unsigned int flags =
        (lookup ? loopmsg__lookup_code_flags(code) : loopmsg_api_code_flags(code)) |
        LOOPMSG_ERRF_SENT;
    bool auth_code = lookup ? loopmsg__lookup_code_is_auth(code) : loopmsg__api_code_is_auth(code);
    if (http_status == 401 || http_status == 403 || auth_code) {
        st = LOOPMSG_E_AUTH;
        flags |= LOOPMSG_ERRF_FATAL;
    } else if (http_status == 429) {
        st = LOOPMSG_E_RATE_LIMITED;
        flags |= LOOPMSG_ERRF_RETRYABLE;
    } else if (http_status == 404) {
        st = LOOPMSG_E_NOT_FOUND;
    } else if (code != 0) {
        st = LOOPMSG_E_API;
    } else {
        st = http_status >= 200 && http_status < 300 ? LOOPMSG_E_API : LOOPMSG_E_HTTP;
    }
    if (http_status == 503)
        flags |= LOOPMSG_ERRF_RETRYABLE; /* not processed: safe for any method */
    if (http_status == 502 || http_status == 504)
        flags |= LOOPMSG_ERRF_RETRYABLE | (is_post ? LOOPMSG_ERRF_MAYBE_DELIVERED : 0u);
    else if (is_post && http_status >= 500 && http_status != 503)
        flags |= LOOPMSG_ERRF_MAYBE_DELIVERED; /* a server error after it read the request */

    char excerpt[120] = "";
    if (server_msg)
        excerpt_masked(excerpt, sizeof excerpt, server_msg, server_msg_len, 100, secret);
    const char *desc = !code    ? NULL
                       : lookup ? loopmsg__lookup_code_description(code)
                                : loopmsg_api_code_description(code);
    char codepart[160] = "";
    if (code)
        snprintf(codepart, sizeof codepart, ", API code %d (%s)", code,
                 desc ? desc : "undocumented code");
    if (excerpt[0])
        loopmsg__error_set(err, st, "%s: HTTP %d%s: \"%s\"", op_name, http_status, codepart,
                           excerpt);
    else
        loopmsg__error_set(err, st, "%s: HTTP %d%s", op_name, http_status, codepart);
    if (err) {
        err->http_status = http_status;
        err->api_code = code;
        err->flags = flags;
        err->retry_after_ms = retry_after_ms;
    }
    json_decref(root);
    return st;
}
