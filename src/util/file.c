/* SPDX-License-Identifier: MIT */
/*
 * file.c: reading a whole descriptor (a certificate, standard input, a spool record) into
 * the growable buffer, with a size cap.
 */
#include "util_int.h"

#include <errno.h>
#include <unistd.h>

int loopmsg__read_fd(int fd, size_t max, loopmsg__buf *out)
{
    size_t start = out->len;
    for (;;) {
        char *at = loopmsg__buf_reserve(out, 8192);
        if (!at) {
            errno = ENOMEM;
            return -1;
        }
        ssize_t n = read(fd, at, 8192);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        loopmsg__buf_commit(out, (size_t)n);
        if (out->len - start > max) {
            out->failed = 1;
            errno = EFBIG;
            return -1;
        }
    }
}
