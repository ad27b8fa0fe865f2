/* SPDX-License-Identifier: MIT */
/*
 * spool_int.h: the durable spool of the receiver. Every accepted event is appended to a log
 * and flushed to disk (fdatasync, shared by concurrent writers: group commit) before the
 * receiver answers 200; a done marker is appended once the callbacks return. On open, the
 * log is read back, every event without a done marker is handed out for delivery, and the
 * log is compacted. A kill -9 at any moment therefore loses no acknowledged event (it may
 * deliver an event twice: one whose callbacks ran but whose done marker was not written).
 *
 * Layout: a directory holding segment files seg-<16 hex digits>.log and a lock file. Records
 * (text headers, raw payloads; a CRC-32 over the payload detects a torn tail):
 *   E <seq> <unix time> <id len> <body len> <crc32 hex>\n<id><body>\n   an accepted event
 *   D <seq>\n                                                          its done marker
 *   S <unix time> <id len> <crc32 hex>\n<id>\n                          a done id kept for
 *                                                                      dedupe across restarts
 *   C <n>\n                  first record of a compacted segment: segments <= n are obsolete
 * Segments roll over at a size limit; a segment is deleted once it and every older one hold
 * no pending event (done markers may live in later segments, so only a prefix may go).
 * Remembering done ids across a restart (for dedupe) is best effort: the ids of events whose
 * segment was deleted while running are forgotten; pending events are never lost.
 */
#ifndef LOOPMSG_WEBHOOK_SPOOL_INT_H
#define LOOPMSG_WEBHOOK_SPOOL_INT_H

#include <stddef.h>
#include <stdint.h>

typedef struct loopmsg__spool loopmsg__spool;

/* One event (or, in seen, one id) read back from the spool. */
typedef struct loopmsg__spool_record {
    uint64_t seq;  /* pending: its sequence number in the compacted log (for _done) */
    uint64_t time; /* Unix seconds when it was accepted */
    char *id;      /* webhook_id ("" when the event had none); NUL-terminated */
    size_t id_len;
    char *body; /* pending only; NUL-terminated */
    size_t body_len;
} loopmsg__spool_record;

typedef struct loopmsg__spool_recovery {
    loopmsg__spool_record *pending; /* acknowledged, not done: deliver again, oldest first */
    size_t pending_count;
    loopmsg__spool_record *seen; /* done ids younger than the TTL, oldest first */
    size_t seen_count;
    size_t torn_records; /* incomplete or corrupt records dropped (never acknowledged ones) */
} loopmsg__spool_recovery;

/* Open (creating it if needed) and recover the spool in dir. segment_bytes 0 = 16 MiB.
 * seen_ttl_s: how long done ids are kept for dedupe. On failure returns -1 with a message in
 * errbuf. The directory is locked against a second receiver. */
int loopmsg__spool_open(loopmsg__spool **out, const char *dir, uint64_t seen_ttl_s,
                        size_t segment_bytes, loopmsg__spool_recovery *rec, char *errbuf,
                        size_t errlen);
void loopmsg__spool_recovery_clear(loopmsg__spool_recovery *rec);

/* Append an event and wait until it is on disk. Returns 0 and its seq, or -1 (I/O error:
 * the event must not be acknowledged). Thread-safe. */
int loopmsg__spool_append(loopmsg__spool *sp, const char *id, size_t id_len, const char *body,
                          size_t body_len, uint64_t *seq_out);

/* Mark an event done (not flushed on its own: the next flush carries it). Thread-safe. */
void loopmsg__spool_done(loopmsg__spool *sp, uint64_t seq);

/* Number of segment files currently in use (for tests). */
size_t loopmsg__spool_segments(loopmsg__spool *sp);

/* Flush and close. NULL ok. */
void loopmsg__spool_close(loopmsg__spool *sp);

#endif
