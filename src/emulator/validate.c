/* SPDX-License-Identifier: MIT */
/*
 * validate.c: the emulator's pure request checks: contact normalisation (E.164 phones,
 * lowercase emails), the effect / reaction / channel vocabularies, attachment URL rules and
 * UTF-8 character counting. No state, no I/O; the router turns failures into Loop codes.
 */
#include "emulator_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const effects[] = {
    "slam",     "loud", "gentle", "invisibleInk", "echo",         "spotlight",  "balloons",
    "confetti", "love", "lasers", "fireworks",    "shootingStar", "celebration"};

static const char *const reactions[] = {"love",      "like",     "dislike",    "laugh",
                                        "emphasize", "question", "-love",      "-like",
                                        "-dislike",  "-laugh",   "-emphasize", "-question"};

static const char *const channels[] = {"imessage", "sms", "rcs", "whatsapp"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

bool loopmsg__emu_effect_valid(const char *effect)
{
    return in_list(effect, effects, sizeof effects / sizeof effects[0]);
}

bool loopmsg__emu_reaction_valid(const char *reaction)
{
    return in_list(reaction, reactions, sizeof reactions / sizeof reactions[0]);
}

bool loopmsg__emu_channel_valid(const char *channel)
{
    return in_list(channel, channels, sizeof channels / sizeof channels[0]);
}

static bool is_phone_char(char c)
{
    return (c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '-' || c == '(' || c == ')' ||
           c == '.';
}

static char *normalize_phone(const char *s, int *code_out)
{
    size_t n = strlen(s);
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0, digits = 0;
    out[o++] = '+';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            /* Only one leading plus, before any digit. */
            if (digits > 0 || i != strspn(s, " ")) {
                *code_out = 180;
                free(out);
                return NULL;
            }
        } else if (c >= '0' && c <= '9') {
            out[o++] = c;
            digits++;
        }
    }
    out[o] = '\0';
    if (digits < 8 || digits > 15 || out[1] == '0') {
        *code_out = 180;
        free(out);
        return NULL;
    }
    return out;
}

static char *normalize_email(const char *s, int *code_out)
{
    const char *at = strchr(s, '@');
    *code_out = 170;
    if (!at || at == s || strchr(at + 1, '@'))
        return NULL;
    const char *domain = at + 1;
    const char *dot = strrchr(domain, '.');
    if (!dot || dot == domain || strlen(dot + 1) < 2 || strstr(domain, ".."))
        return NULL;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7f || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"')
            return NULL;
    }
    char *out = loopmsg__libc_strdup(s);
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    *code_out = 0;
    return out;
}

char *loopmsg__emu_normalize_contact(const char *contact, loopmsg__emu_contact_kind *kind_out,
                                     int *code_out)
{
    *code_out = 0;
    *kind_out = LOOPMSG__EMU_CONTACT_INVALID;
    if (!contact || !*contact) {
        *code_out = 150;
        return NULL;
    }
    if (strchr(contact, '@')) {
        *kind_out = LOOPMSG__EMU_CONTACT_EMAIL;
        return normalize_email(contact, code_out);
    }
    bool phone_like = true, any_digit = false;
    for (const char *p = contact; *p; p++) {
        if (!is_phone_char(*p))
            phone_like = false;
        if (*p >= '0' && *p <= '9')
            any_digit = true;
    }
    if (phone_like && any_digit) {
        *kind_out = LOOPMSG__EMU_CONTACT_PHONE;
        return normalize_phone(contact, code_out);
    }
    *kind_out = LOOPMSG__EMU_CONTACT_OTHER;
    *code_out = 160;
    return NULL;
}

int loopmsg__emu_check_urls(const json_t *arr, size_t max, const char **message_out)
{
    if (!json_is_array(arr)) {
        *message_out = "attachments must be an array of URLs";
        return 125;
    }
    if (json_array_size(arr) > max) {
        *message_out = "Too many attachments";
        return 125;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *u = json_string_value(v);
        if (!u || strncmp(u, "https://", 8) != 0) {
            *message_out = "Attachment URLs must start with https://";
            return 125;
        }
        if (loopmsg__emu_utf8_len(u) > 256) {
            *message_out = "Attachment URL longer than 256 characters";
            return 125;
        }
    }
    return 0;
}

size_t loopmsg__emu_utf8_len(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        size_t extra;
        if (c < 0x80)
            extra = 0;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            extra = 1;
        else if ((c & 0xf0) == 0xe0)
            extra = 2;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            extra = 3;
        else
            return SIZE_MAX;
        p++;
        for (size_t i = 0; i < extra; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return SIZE_MAX;
        n++;
    }
    return n;
}

size_t loopmsg__emu_utf8_prefix(const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    while (*p && chars < max_chars) {
        p++;
        while ((*p & 0xc0) == 0x80)
            p++;
        chars++;
    }
    return (size_t)((const char *)p - s);
}
