/* SPDX-License-Identifier: MIT */
/* text.c: small character helpers shared by the parsers of URLs and query strings. Pure. */
#include "util_int.h"

int loopmsg__hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
