/* SPDX-License-Identifier: MIT */
/*
 * canned_server.h: a minimal HTTP/1.1 server on 127.0.0.1 for tests that send more requests
 * than the emulator can answer quickly (a million-row send-bulk under ASan): every request
 * gets the same 200 answer with a message id; a body with "text":"r<N>" counts row N.
 */
#ifndef LOOPMSG_TS_CANNED_SERVER_H
#define LOOPMSG_TS_CANNED_SERVER_H

#include <stddef.h>

typedef struct ts_canned ts_canned;

/* Start on an ephemeral port, counting rows 0..rows-1. */
ts_canned *ts_canned_start(size_t rows);
/* "http://127.0.0.1:PORT". */
const char *ts_canned_url(const ts_canned *s);
/* Requests answered so far (complete requests read). */
size_t ts_canned_requests(ts_canned *s);
/* SIGKILL process pid as soon as the request count reaches n, with that request read and
 * not answered. Returns 1 when the count had reached n already (the caller kills). */
int ts_canned_kill_at(ts_canned *s, size_t n, int pid);
/* When the first and the last request were read (CLOCK_MONOTONIC, microseconds; 0 before
 * the first). */
void ts_canned_span(ts_canned *s, unsigned long long *first_us, unsigned long long *last_us);
/* How many requests carried row N (saturates at 255). */
unsigned int ts_canned_count(ts_canned *s, size_t row);
void ts_canned_stop(ts_canned *s);

#endif
