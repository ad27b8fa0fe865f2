/* SPDX-License-Identifier: MIT */
/*
 * test_webhook_spool.c: the durable event log: what is appended comes back after a reopen
 * until it is marked done; done ids are remembered; a torn or corrupt tail is dropped without
 * touching what precedes it; segments roll over and are deleted once handled; a compaction
 * interrupted before the old segments were removed does not duplicate events; one receiver
 * per directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "webhook_server/spool_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TTL 86400

static char dir[256];

static int setup(void **state)
{
    ts_setup(state);
    snprintf(dir, sizeof dir, "/tmp/loopmsg-spool-unit-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    ts_remove_dir(dir);
    return ts_teardown(state);
}

static loopmsg__spool *open_spool(size_t segment_bytes, loopmsg__spool_recovery *rec)
{
    loopmsg__spool *sp = NULL;
    char msg[256] = "";
    if (loopmsg__spool_open(&sp, dir, TTL, segment_bytes, rec, msg, sizeof msg) != 0)
        fail_msg("spool_open: %s", msg);
    return sp;
}

static uint64_t append(loopmsg__spool *sp, const char *id, const char *body)
{
    uint64_t seq = 0;
    assert_int_equal(loopmsg__spool_append(sp, id, strlen(id), body, strlen(body), &seq), 0);
    return seq;
}

/* The only segment file in dir (asserts there is exactly one). */
static void only_segment(char *path, size_t size)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "seg-", 4) == 0) {
            snprintf(path, size, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    assert_int_equal(n, 1);
}

static void append_raw(const char *path, const char *bytes, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    close(fd);
}

static void test_webhook_spool__appended_events_come_back_in_order(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 0);
    assert_int_equal(rec.seen_count, 0);
    loopmsg__spool_recovery_clear(&rec);
    uint64_t t0 = (uint64_t)time(NULL);
    uint64_t s1 = append(sp, "id-1", "{\"event\":\"a\"}");
    uint64_t s2 = append(sp, "", "{\"event\":\"no id\"}");
    uint64_t s3 = append(sp, "id-3", "{\"event\":\"c\",\"text\":\"line\\nbreak\"}");
    assert_true(s1 < s2 && s2 < s3);
    loopmsg__spool_close(sp);

    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 3);
    assert_int_equal(rec.torn_records, 0);
    assert_string_equal(rec.pending[0].id, "id-1");
    assert_string_equal(rec.pending[0].body, "{\"event\":\"a\"}");
    assert_int_equal(rec.pending[0].body_len, 13);
    assert_string_equal(rec.pending[1].id, "");
    assert_int_equal(rec.pending[1].id_len, 0);
    assert_string_equal(rec.pending[1].body, "{\"event\":\"no id\"}");
    assert_string_equal(rec.pending[2].body, "{\"event\":\"c\",\"text\":\"line\\nbreak\"}");
    assert_true(rec.pending[0].time >= t0 && rec.pending[0].time <= t0 + 5);
    assert_true(rec.pending[0].seq < rec.pending[1].seq && rec.pending[1].seq < rec.pending[2].seq);
    /* Nothing done: the next open hands out the same three. */
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 3);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__done_events_are_not_handed_out_again(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    loopmsg__spool_recovery_clear(&rec);
    uint64_t a = append(sp, "A", "{\"event\":\"a\"}");
    append(sp, "B", "{\"event\":\"b\"}");
    uint64_t c = append(sp, "", "{\"event\":\"c\"}");
    loopmsg__spool_done(sp, a);
    loopmsg__spool_done(sp, c);
    loopmsg__spool_close(sp);

    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 1);
    assert_string_equal(rec.pending[0].id, "B");
    /* Done ids are remembered (ids only; an event without id has nothing to remember). */
    assert_int_equal(rec.seen_count, 1);
    assert_string_equal(rec.seen[0].id, "A");
    assert_null(rec.seen[0].body);
    /* Mark the recovered one done through its new seq. */
    loopmsg__spool_done(sp, rec.pending[0].seq);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);

    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 0);
    assert_int_equal(rec.seen_count, 2);
    assert_string_equal(rec.seen[0].id, "A");
    assert_string_equal(rec.seen[1].id, "B");
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__torn_tail_is_dropped(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    loopmsg__spool_recovery_clear(&rec);
    append(sp, "k1", "{\"event\":\"one\"}");
    append(sp, "k2", "{\"event\":\"two\"}");
    loopmsg__spool_close(sp);
    char path[512];
    only_segment(path, sizeof path);
    /* A write cut short by a crash: header and part of the payload. */
    const char *torn = "E 99 1700000000 2 40 deadbeef\nk3{\"event\":";
    append_raw(path, torn, strlen(torn));

    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 2);
    assert_int_equal(rec.torn_records, 1);
    assert_string_equal(rec.pending[1].id, "k2");
    loopmsg__spool_recovery_clear(&rec);
    /* The compacted log no longer holds the torn record. */
    loopmsg__spool_close(sp);
    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 2);
    assert_int_equal(rec.torn_records, 0);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__corrupt_record_is_dropped(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    loopmsg__spool_recovery_clear(&rec);
    append(sp, "c1", "{\"event\":\"fine\"}");
    append(sp, "c2", "{\"event\":\"flipped\"}");
    loopmsg__spool_close(sp);
    char path[512];
    only_segment(path, sizeof path);
    /* Flip a byte inside the second payload: its CRC no longer matches. */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf, f);
    buf[n] = '\0';
    char *p = strstr(buf, "flipped");
    assert_non_null(p);
    fseek(f, (long)(p - buf), SEEK_SET);
    fputc('F', f);
    fclose(f);
    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 1);
    assert_string_equal(rec.pending[0].id, "c1");
    assert_int_equal(rec.torn_records, 1);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__segments_roll_over_and_are_trimmed(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(512, &rec);
    loopmsg__spool_recovery_clear(&rec);
    uint64_t seqs[20];
    char id[16], body[128];
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "roll-%02d", i);
        snprintf(body, sizeof body, "{\"event\":\"message_inbound\",\"n\":%d,\"pad\":\"%060d\"}", i,
                 0);
        seqs[i] = append(sp, id, body);
    }
    size_t segs = loopmsg__spool_segments(sp);
    assert_true(segs >= 5);
    /* Handling the first half frees the oldest segments; the rest stay. */
    for (int i = 0; i < 10; i++)
        loopmsg__spool_done(sp, seqs[i]);
    size_t after = loopmsg__spool_segments(sp);
    assert_true(after < segs);
    assert_true(after >= 2);
    loopmsg__spool_close(sp);

    sp = open_spool(512, &rec);
    assert_int_equal(rec.pending_count, 10);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "roll-%02d", i + 10);
        assert_string_equal(rec.pending[i].id, id);
    }
    assert_int_equal(loopmsg__spool_segments(sp), 1);
    for (size_t i = 0; i < rec.pending_count; i++)
        loopmsg__spool_done(sp, rec.pending[i].seq);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
    sp = open_spool(512, &rec);
    assert_int_equal(rec.pending_count, 0);
    /* Remembering done ids across restarts is best effort: the ids of the first ten went
     * with the segments deleted while running; the last ten are still known. */
    assert_int_equal(rec.seen_count, 10);
    assert_string_equal(rec.seen[0].id, "roll-10");
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__interrupted_compaction_does_not_duplicate(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    loopmsg__spool_recovery_clear(&rec);
    append(sp, "x1", "{\"event\":\"x1\"}");
    append(sp, "x2", "{\"event\":\"x2\"}");
    loopmsg__spool_close(sp);
    char path[512];
    only_segment(path, sizeof path);
    size_t len;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char old[4096];
    len = fread(old, 1, sizeof old, f);
    fclose(f);

    /* Reopen (compacts into a new segment), then put the old segment back, as if the crash
     * came after the rename and before the old segments were unlinked. */
    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 2);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(old, 1, len, f), len);
    fclose(f);

    sp = open_spool(0, &rec);
    assert_int_equal(rec.pending_count, 2);
    assert_string_equal(rec.pending[0].id, "x1");
    assert_string_equal(rec.pending[1].id, "x2");
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

static void test_webhook_spool__one_receiver_per_directory(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = open_spool(0, &rec);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool *second = NULL;
    char msg[256];
    assert_int_equal(loopmsg__spool_open(&second, dir, TTL, 0, &rec, msg, sizeof msg), -1);
    assert_null(second);
    assert_non_null(strstr(msg, "is in use by another receiver"));
    loopmsg__spool_close(sp);
    loopmsg__spool_close(NULL);
}

static void test_webhook_spool__done_ids_expire_after_the_ttl(void **state)
{
    (void)state;
    loopmsg__spool_recovery rec;
    loopmsg__spool *sp = NULL;
    char msg[256];
    assert_int_equal(loopmsg__spool_open(&sp, dir, 1, 0, &rec, msg, sizeof msg), 0);
    loopmsg__spool_recovery_clear(&rec);
    uint64_t s = append(sp, "short-lived", "{\"event\":\"x\"}");
    loopmsg__spool_done(sp, s);
    loopmsg__spool_close(sp);
    /* Remembered while its TTL lasts (here the default TTL's)... */
    sp = open_spool(0, &rec);
    assert_int_equal(rec.seen_count, 1);
    assert_string_equal(rec.seen[0].id, "short-lived");
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
    /* ...and forgotten once the wall clock (whole seconds, as the spool stamps records) is
     * a TTL of 1 s past the last moment it could have been stamped. */
    time_t stamped_by = time(NULL);
    while (time(NULL) < stamped_by + 1)
        ts_sleep_ms(10);
    assert_int_equal(loopmsg__spool_open(&sp, dir, 1, 0, &rec, msg, sizeof msg), 0);
    assert_int_equal(rec.pending_count, 0);
    assert_int_equal(rec.seen_count, 0);
    loopmsg__spool_recovery_clear(&rec);
    loopmsg__spool_close(sp);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_webhook_spool__appended_events_come_back_in_order),
        T(test_webhook_spool__done_events_are_not_handed_out_again),
        T(test_webhook_spool__torn_tail_is_dropped),
        T(test_webhook_spool__corrupt_record_is_dropped),
        T(test_webhook_spool__segments_roll_over_and_are_trimmed),
        T(test_webhook_spool__interrupted_compaction_does_not_duplicate),
        T(test_webhook_spool__one_receiver_per_directory),
        T(test_webhook_spool__done_ids_expire_after_the_ttl),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
