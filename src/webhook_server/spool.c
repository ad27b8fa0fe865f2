/* SPDX-License-Identifier: MIT */
/*
 * spool.c: the append-only event log behind the receiver's durable mode (format and
 * guarantees in spool_int.h). Its one promise: when loopmsg__spool_append returns 0 the
 * event is on disk, so the 200 that follows never acknowledges something a crash could lose.
 * Concurrent appends share one fdatasync (group commit): the first writer to find no flush
 * running flushes everything written so far while the others wait for it. Knows nothing of
 * HTTP or JSON.
 */
#include "spool_int.h"
#include "util_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SEGMENT_BYTES ((size_t)16 << 20)
#define HEADER_MAX            128

typedef struct segment {
    uint64_t number;
    uint64_t first_seq; /* events with seq >= first_seq (up to the next segment's) live here */
    size_t pending;     /* events in it without a done marker */
} segment;

struct loopmsg__spool {
    pthread_mutex_t lock;
    pthread_cond_t synced; /* a flush finished */
    char *dir;
    int dir_fd, lock_fd, fd;
    size_t cur_size, segment_bytes;
    segment *segs; /* oldest first; the last one is being appended to */
    size_t nsegs, segs_cap;
    uint64_t next_seq, written_seq, synced_seq;
    int syncing;
    int broken; /* a write or flush failed: nothing more is acknowledged */
};

/* ---- CRC-32 (IEEE 802.3, reflected) ------------------------------------------------------ */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- small file helpers ------------------------------------------------------------------ */

static void set_err(char *errbuf, size_t errlen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A message in errbuf: fmt, then ": strerror(e)" when e is not 0. */
static void set_err(char *errbuf, size_t errlen, int e, const char *fmt, ...)
{
    if (!errbuf || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
    if (e && n >= 0 && (size_t)n < errlen)
        snprintf(errbuf + n, errlen - (size_t)n, ": %s", strerror(e));
}

static void seg_path(const loopmsg__spool *sp, uint64_t number, char *buf, size_t size)
{
    snprintf(buf, size, "%s/seg-%016llx.log", sp->dir, (unsigned long long)number);
}

static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

static int read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    loopmsg__buf b = LOOPMSG__BUF_LIBC;
    int rc = loopmsg__read_fd(fd, SIZE_MAX, &b);
    int saved = errno;
    close(fd);
    *len = b.len;
    *buf = rc == 0 ? loopmsg__buf_detach(&b) : NULL;
    loopmsg__buf_clear(&b);
    if (!*buf) {
        errno = rc == 0 ? ENOMEM : saved;
        return -1;
    }
    return 0;
}

/* ---- reading records --------------------------------------------------------------------- */

/* A number in the given base ending at `term`; advances past the terminator. */
static int parse_num(const char **pp, const char *end, unsigned base, char term, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    int digits = 0;
    while (p < end && *p != term) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else
            return -1;
        if (d >= base || v > (UINT64_MAX - d) / base || ++digits > 20)
            return -1;
        v = v * base + d;
        p++;
    }
    if (p >= end || digits == 0)
        return -1;
    *pp = p + 1;
    *out = v;
    return 0;
}

typedef struct ev_rec {
    uint64_t seq, time;
    const char *id, *body;
    size_t id_len, body_len;
} ev_rec;

typedef struct loaded {
    ev_rec *evs;
    size_t nevs, evs_cap;
    uint64_t *dones;
    size_t ndones, dones_cap;
    ev_rec *seen; /* S records: id and time only */
    size_t nseen, seen_cap;
    uint64_t max_seq;
    size_t torn;
} loaded;

static int grow_array(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

/* Parse one segment's records into ld (pointers into buf). Stops at the first record that
 * is incomplete or corrupt: nothing after a torn write was ever acknowledged. Returns -1 only
 * on allocation failure. */
static int parse_segment(const char *buf, size_t len, loaded *ld)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        if (end - p < 2 || p[1] != ' ')
            goto torn;
        char kind = p[0];
        p += 2;
        if (kind == 'E') {
            uint64_t seq, t, idl, bl, crc;
            if (parse_num(&p, end, 10, ' ', &seq) || parse_num(&p, end, 10, ' ', &t) ||
                parse_num(&p, end, 10, ' ', &idl) || parse_num(&p, end, 10, ' ', &bl) ||
                parse_num(&p, end, 16, '\n', &crc))
                goto torn;
            if (idl > (uint64_t)(end - p) || bl > (uint64_t)(end - p) - idl ||
                (uint64_t)(end - p) - idl - bl < 1 || p[idl + bl] != '\n')
                goto torn;
            uint32_t c = crc_update(crc_update(0, p, (size_t)idl), p + idl, (size_t)bl);
            if (c != crc)
                goto torn;
            if (grow_array((void **)&ld->evs, &ld->evs_cap, ld->nevs, sizeof *ld->evs))
                return -1;
            ev_rec *e = &ld->evs[ld->nevs++];
            e->seq = seq;
            e->time = t;
            e->id = p;
            e->id_len = (size_t)idl;
            e->body = p + idl;
            e->body_len = (size_t)bl;
            if (seq > ld->max_seq)
                ld->max_seq = seq;
            p += idl + bl + 1;
        } else if (kind == 'D') {
            uint64_t seq;
            if (parse_num(&p, end, 10, '\n', &seq))
                goto torn;
            if (grow_array((void **)&ld->dones, &ld->dones_cap, ld->ndones, sizeof *ld->dones))
                return -1;
            ld->dones[ld->ndones++] = seq;
        } else if (kind == 'S') {
            uint64_t t, idl, crc;
            if (parse_num(&p, end, 10, ' ', &t) || parse_num(&p, end, 10, ' ', &idl) ||
                parse_num(&p, end, 16, '\n', &crc))
                goto torn;
            if (idl >= (uint64_t)(end - p) || p[idl] != '\n' ||
                crc_update(0, p, (size_t)idl) != crc)
                goto torn;
            if (grow_array((void **)&ld->seen, &ld->seen_cap, ld->nseen, sizeof *ld->seen))
                return -1;
            ev_rec *e = &ld->seen[ld->nseen++];
            memset(e, 0, sizeof *e);
            e->time = t;
            e->id = p;
            e->id_len = (size_t)idl;
            p += idl + 1;
        } else if (kind == 'C') {
            uint64_t n;
            if (parse_num(&p, end, 10, '\n', &n))
                goto torn;
        } else {
            goto torn;
        }
        continue;
    torn:
        ld->torn++;
        break;
    }
    return 0;
}

/* The value of a leading "C <n>" record, or 0. */
static uint64_t superseded_by(const char *buf, size_t len)
{
    const char *p = buf + 2, *end = buf + len;
    uint64_t n;
    if (len < 4 || buf[0] != 'C' || buf[1] != ' ' || parse_num(&p, end, 10, '\n', &n))
        return 0;
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int is_done(const loaded *ld, uint64_t seq)
{
    return ld->ndones && bsearch(&seq, ld->dones, ld->ndones, sizeof *ld->dones, cmp_u64);
}

/* ---- opening and compaction -------------------------------------------------------------- */

static int list_segments(loopmsg__spool *sp, uint64_t **nums, size_t *n)
{
    DIR *d = opendir(sp->dir);
    if (!d)
        return -1;
    size_t cap = 0;
    *nums = NULL;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strlen(name) != 24 || strncmp(name, "seg-", 4) != 0 || strcmp(name + 20, ".log") != 0)
            continue;
        const char *p = name + 4;
        uint64_t v;
        if (parse_num(&p, name + 21, 16, '.', &v) != 0)
            continue;
        if (grow_array((void **)nums, &cap, *n, sizeof **nums) != 0) {
            closedir(d);
            return -1;
        }
        (*nums)[(*n)++] = v;
    }
    closedir(d);
    if (*n)
        qsort(*nums, *n, sizeof **nums, cmp_u64);
    return 0;
}

static int fill_header_e(char *hdr, uint64_t seq, uint64_t t, size_t idl, const char *id, size_t bl,
                         const char *body)
{
    uint32_t crc = crc_update(crc_update(0, id, idl), body, bl);
    return snprintf(hdr, HEADER_MAX, "E %llu %llu %zu %zu %08x\n", (unsigned long long)seq,
                    (unsigned long long)t, idl, bl, crc);
}

/* Write the compacted segment: pending events (renumbered from first_seq) and the done ids
 * still inside the TTL. */
static int write_compacted(int fd, uint64_t supersedes, const loaded *ld, uint64_t now,
                           uint64_t ttl, uint64_t first_seq, size_t *size_out)
{
    char hdr[HEADER_MAX];
    size_t size = 0;
    int n = snprintf(hdr, sizeof hdr, "C %llu\n", (unsigned long long)supersedes);
    struct iovec iv[4] = {{hdr, (size_t)n}};
    if (write_all(fd, iv, 1))
        return -1;
    size += (size_t)n;
    /* Done ids: first the S records carried over, then the events done since. */
    for (int pass = 0; pass < 2; pass++) {
        size_t count = pass ? ld->nevs : ld->nseen;
        for (size_t i = 0; i < count; i++) {
            const ev_rec *e = pass ? &ld->evs[i] : &ld->seen[i];
            if (pass && !is_done(ld, e->seq))
                continue;
            if (e->id_len == 0 || (now > e->time && now - e->time >= ttl))
                continue;
            n = snprintf(hdr, sizeof hdr, "S %llu %zu %08x\n", (unsigned long long)e->time,
                         e->id_len, crc_update(0, e->id, e->id_len));
            struct iovec v[3] = {{hdr, (size_t)n}, {(void *)e->id, e->id_len}, {"\n", 1}};
            if (write_all(fd, v, 3))
                return -1;
            size += (size_t)n + e->id_len + 1;
        }
    }
    uint64_t seq = first_seq;
    for (size_t i = 0; i < ld->nevs; i++) {
        const ev_rec *e = &ld->evs[i];
        if (is_done(ld, e->seq))
            continue;
        n = fill_header_e(hdr, seq++, e->time, e->id_len, e->id, e->body_len, e->body);
        struct iovec v[4] = {{hdr, (size_t)n},
                             {(void *)e->id, e->id_len},
                             {(void *)e->body, e->body_len},
                             {"\n", 1}};
        if (write_all(fd, v, 4))
            return -1;
        size += (size_t)n + e->id_len + e->body_len + 1;
    }
    *size_out = size;
    return 0;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static int fill_recovery(const loaded *ld, uint64_t now, uint64_t ttl, uint64_t first_seq,
                         loopmsg__spool_recovery *rec)
{
    rec->torn_records = ld->torn;
    size_t np = 0, ns = 0;
    for (size_t i = 0; i < ld->nevs; i++) {
        if (!is_done(ld, ld->evs[i].seq))
            np++;
        else if (ld->evs[i].id_len)
            ns++;
    }
    ns += ld->nseen;
    rec->pending = calloc(np ? np : 1, sizeof *rec->pending);
    rec->seen = calloc(ns ? ns : 1, sizeof *rec->seen);
    if (!rec->pending || !rec->seen)
        return -1;
    uint64_t seq = first_seq;
    for (size_t i = 0; i < ld->nseen; i++) {
        const ev_rec *e = &ld->seen[i];
        if (now > e->time && now - e->time >= ttl)
            continue;
        loopmsg__spool_record *r = &rec->seen[rec->seen_count++];
        r->time = e->time;
        r->id_len = e->id_len;
        if (!(r->id = dup_bytes(e->id, e->id_len)))
            return -1;
    }
    for (size_t i = 0; i < ld->nevs; i++) {
        const ev_rec *e = &ld->evs[i];
        if (is_done(ld, e->seq)) {
            if (!e->id_len || (now > e->time && now - e->time >= ttl))
                continue;
            loopmsg__spool_record *r = &rec->seen[rec->seen_count++];
            r->time = e->time;
            r->id_len = e->id_len;
            if (!(r->id = dup_bytes(e->id, e->id_len)))
                return -1;
            continue;
        }
        loopmsg__spool_record *r = &rec->pending[rec->pending_count++];
        r->seq = seq++;
        r->time = e->time;
        r->id_len = e->id_len;
        r->body_len = e->body_len;
        if (!(r->id = dup_bytes(e->id, e->id_len)) || !(r->body = dup_bytes(e->body, e->body_len)))
            return -1;
    }
    return 0;
}

void loopmsg__spool_recovery_clear(loopmsg__spool_recovery *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; i < rec->pending_count; i++) {
        free(rec->pending[i].id);
        free(rec->pending[i].body);
    }
    for (size_t i = 0; i < rec->seen_count; i++)
        free(rec->seen[i].id);
    free(rec->pending);
    free(rec->seen);
    memset(rec, 0, sizeof *rec);
}

static void spool_free(loopmsg__spool *sp)
{
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->lock_fd >= 0)
        close(sp->lock_fd); /* releases the flock */
    if (sp->dir_fd >= 0)
        close(sp->dir_fd);
    pthread_mutex_destroy(&sp->lock);
    pthread_cond_destroy(&sp->synced);
    free(sp->segs);
    free(sp->dir);
    free(sp);
}

int loopmsg__spool_open(loopmsg__spool **out, const char *dir, uint64_t seen_ttl_s,
                        size_t segment_bytes, loopmsg__spool_recovery *rec, char *errbuf,
                        size_t errlen)
{
    *out = NULL;
    memset(rec, 0, sizeof *rec);
    pthread_once(&crc_once, crc_init);
    loopmsg__spool *sp = calloc(1, sizeof *sp);
    if (!sp || !(sp->dir = strdup(dir))) {
        free(sp);
        set_err(errbuf, errlen, 0, "out of memory opening spool %s", dir);
        return -1;
    }
    sp->dir_fd = sp->lock_fd = sp->fd = -1;
    sp->segment_bytes = segment_bytes ? segment_bytes : DEFAULT_SEGMENT_BYTES;
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->synced, NULL);

    char path[4096];
    uint64_t *nums = NULL;
    size_t nnums = 0;
    char **bufs = NULL;
    size_t *lens = NULL;
    loaded ld;
    memset(&ld, 0, sizeof ld);
    int rc = -1;
    uint64_t now = (uint64_t)time(NULL);

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        set_err(errbuf, errlen, errno, "cannot create spool directory %s", dir);
        goto out;
    }
    sp->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->dir_fd < 0) {
        set_err(errbuf, errlen, errno, "cannot open spool directory %s", dir);
        goto out;
    }
    snprintf(path, sizeof path, "%s/lock", dir);
    sp->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->lock_fd < 0) {
        set_err(errbuf, errlen, errno, "cannot create %s", path);
        goto out;
    }
    if (flock(sp->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        set_err(errbuf, errlen, errno == EWOULDBLOCK ? 0 : errno,
                "spool directory %s is in use by another receiver", dir);
        goto out;
    }
    snprintf(path, sizeof path, "%s/compact.tmp", dir);
    unlink(path); /* a compaction that died half-way; its segments are still there */

    if (list_segments(sp, &nums, &nnums) != 0) {
        set_err(errbuf, errlen, errno, "cannot list spool directory %s", dir);
        goto out;
    }
    bufs = calloc(nnums ? nnums : 1, sizeof *bufs);
    lens = calloc(nnums ? nnums : 1, sizeof *lens);
    if (!bufs || !lens) {
        set_err(errbuf, errlen, 0, "out of memory reading spool %s", dir);
        goto out;
    }
    uint64_t obsolete = 0;
    for (size_t i = 0; i < nnums; i++) {
        seg_path(sp, nums[i], path, sizeof path);
        if (read_file(path, &bufs[i], &lens[i]) != 0) {
            set_err(errbuf, errlen, errno, "cannot read %s", path);
            goto out;
        }
        uint64_t s = superseded_by(bufs[i], lens[i]);
        if (s > obsolete)
            obsolete = s;
    }
    for (size_t i = 0; i < nnums; i++) {
        if (nums[i] <= obsolete)
            continue;
        if (parse_segment(bufs[i], lens[i], &ld) != 0) {
            set_err(errbuf, errlen, 0, "out of memory reading spool %s", dir);
            goto out;
        }
    }
    if (ld.ndones)
        qsort(ld.dones, ld.ndones, sizeof *ld.dones, cmp_u64);

    /* Compact into a new segment: write it aside, flush, rename into place, then drop the
     * old ones. A crash in between leaves either the old segments alone or the new one
     * whose C record makes the old ones obsolete. */
    uint64_t last = nnums ? nums[nnums - 1] : 0;
    uint64_t number = last + 1;
    uint64_t first_seq = ld.max_seq + 1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/compact.tmp", dir);
    int tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tfd < 0) {
        set_err(errbuf, errlen, errno, "cannot create %s", tmp);
        goto out;
    }
    size_t size = 0;
    if (write_compacted(tfd, last, &ld, now, seen_ttl_s, first_seq, &size) != 0 ||
        fsync(tfd) != 0) {
        set_err(errbuf, errlen, errno, "cannot write %s", tmp);
        close(tfd);
        unlink(tmp);
        goto out;
    }
    close(tfd);
    seg_path(sp, number, path, sizeof path);
    if (rename(tmp, path) != 0 || fsync(sp->dir_fd) != 0) {
        set_err(errbuf, errlen, errno, "cannot install compacted segment in %s", dir);
        goto out;
    }
    for (size_t i = 0; i < nnums; i++) {
        char old[4096];
        seg_path(sp, nums[i], old, sizeof old);
        unlink(old);
    }
    fsync(sp->dir_fd);

    sp->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (sp->fd < 0) {
        set_err(errbuf, errlen, errno, "cannot open %s", path);
        goto out;
    }
    if (fill_recovery(&ld, now, seen_ttl_s, first_seq, rec) != 0) {
        set_err(errbuf, errlen, 0, "out of memory reading spool %s", dir);
        goto out;
    }
    sp->segs = malloc(4 * sizeof *sp->segs);
    if (!sp->segs) {
        set_err(errbuf, errlen, 0, "out of memory opening spool %s", dir);
        goto out;
    }
    sp->segs_cap = 4;
    sp->nsegs = 1;
    sp->segs[0].number = number;
    sp->segs[0].first_seq = first_seq;
    sp->segs[0].pending = rec->pending_count;
    sp->cur_size = size;
    sp->next_seq = first_seq + rec->pending_count;
    sp->written_seq = sp->synced_seq = sp->next_seq - 1;
    rc = 0;
out:
    for (size_t i = 0; bufs && i < nnums; i++)
        free(bufs[i]);
    free(bufs);
    free(lens);
    free(nums);
    free(ld.evs);
    free(ld.dones);
    free(ld.seen);
    if (rc != 0) {
        loopmsg__spool_recovery_clear(rec);
        spool_free(sp);
        return -1;
    }
    *out = sp;
    return 0;
}

/* ---- appending --------------------------------------------------------------------------- */

/* Wait until seq is on disk, flushing ourselves when no flush is running. Lock held. */
static int wait_synced(loopmsg__spool *sp, uint64_t seq)
{
    while (sp->synced_seq < seq) {
        if (sp->broken)
            return -1;
        if (sp->syncing) {
            pthread_cond_wait(&sp->synced, &sp->lock);
            continue;
        }
        sp->syncing = 1;
        uint64_t target = sp->written_seq;
        int fd = sp->fd;
        pthread_mutex_unlock(&sp->lock);
        int r = fdatasync(fd);
        pthread_mutex_lock(&sp->lock);
        sp->syncing = 0;
        /* After a failed fdatasync the kernel may have dropped the dirty pages: nothing
         * written since the last good flush can be trusted, so stop acknowledging. */
        if (r != 0)
            sp->broken = 1;
        else if (target > sp->synced_seq)
            sp->synced_seq = target;
        pthread_cond_broadcast(&sp->synced);
    }
    return 0;
}

static void trim_segments(loopmsg__spool *sp)
{
    /* Only a prefix may go: a later segment can hold done markers for an older one. */
    size_t k = 0;
    while (k + 1 < sp->nsegs && sp->segs[k].pending == 0) {
        char path[4096];
        seg_path(sp, sp->segs[k].number, path, sizeof path);
        unlink(path);
        k++;
    }
    if (k) {
        memmove(sp->segs, sp->segs + k, (sp->nsegs - k) * sizeof *sp->segs);
        sp->nsegs -= k;
    }
}

/* Start a new segment once the current one is full. Lock held. */
static int rollover(loopmsg__spool *sp, size_t rec_len)
{
    while (sp->syncing)
        pthread_cond_wait(&sp->synced, &sp->lock);
    if (sp->cur_size == 0 || sp->cur_size + rec_len <= sp->segment_bytes)
        return 0; /* another writer rolled over while we waited */
    if (sp->broken || fdatasync(sp->fd) != 0) {
        sp->broken = 1;
        return -1;
    }
    sp->synced_seq = sp->written_seq;
    if (sp->nsegs == sp->segs_cap) {
        segment *s = realloc(sp->segs, 2 * sp->segs_cap * sizeof *s);
        if (!s)
            return -1;
        sp->segs = s;
        sp->segs_cap *= 2;
    }
    uint64_t number = sp->segs[sp->nsegs - 1].number + 1;
    char path[4096];
    seg_path(sp, number, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    fsync(sp->dir_fd);
    close(sp->fd);
    sp->fd = fd;
    sp->cur_size = 0;
    sp->segs[sp->nsegs].number = number;
    sp->segs[sp->nsegs].first_seq = sp->next_seq;
    sp->segs[sp->nsegs].pending = 0;
    sp->nsegs++;
    trim_segments(sp);
    return 0;
}

static segment *segment_of(loopmsg__spool *sp, uint64_t seq)
{
    for (size_t i = sp->nsegs; i-- > 0;)
        if (sp->segs[i].first_seq <= seq)
            return &sp->segs[i];
    return NULL;
}

static void done_locked(loopmsg__spool *sp, uint64_t seq)
{
    char rec[48];
    int n = snprintf(rec, sizeof rec, "D %llu\n", (unsigned long long)seq);
    struct iovec v[1] = {{rec, (size_t)n}};
    if (write_all(sp->fd, v, 1) == 0) {
        sp->cur_size += (size_t)n;
    } else if (ftruncate(sp->fd, (off_t)sp->cur_size) != 0) {
        /* A torn marker in the middle would hide every later record. */
        sp->broken = 1;
    }
    segment *s = segment_of(sp, seq);
    if (s && s->pending)
        s->pending--;
    trim_segments(sp);
}

int loopmsg__spool_append(loopmsg__spool *sp, const char *id, size_t id_len, const char *body,
                          size_t body_len, uint64_t *seq_out)
{
    char hdr[HEADER_MAX];
    uint64_t now = (uint64_t)time(NULL);
    pthread_mutex_lock(&sp->lock);
    if (sp->broken)
        goto fail;
    size_t rec_len = HEADER_MAX + id_len + body_len + 1;
    if (sp->cur_size > 0 && sp->cur_size + rec_len > sp->segment_bytes &&
        rollover(sp, rec_len) != 0)
        goto fail;
    uint64_t seq = sp->next_seq++;
    int n = fill_header_e(hdr, seq, now, id_len, id, body_len, body);
    struct iovec v[4] = {
        {hdr, (size_t)n}, {(void *)id, id_len}, {(void *)body, body_len}, {"\n", 1}};
    if (write_all(sp->fd, v, 4) != 0) {
        if (ftruncate(sp->fd, (off_t)sp->cur_size) != 0)
            sp->broken = 1;
        goto fail;
    }
    sp->cur_size += (size_t)n + id_len + body_len + 1;
    sp->segs[sp->nsegs - 1].pending++;
    sp->written_seq = seq;
    if (wait_synced(sp, seq) != 0) {
        /* Not acknowledged, so the sender will retry: make sure a restart does not also
         * deliver this copy. */
        done_locked(sp, seq);
        goto fail;
    }
    pthread_mutex_unlock(&sp->lock);
    *seq_out = seq;
    return 0;
fail:
    pthread_mutex_unlock(&sp->lock);
    return -1;
}

void loopmsg__spool_done(loopmsg__spool *sp, uint64_t seq)
{
    pthread_mutex_lock(&sp->lock);
    done_locked(sp, seq);
    pthread_mutex_unlock(&sp->lock);
}

size_t loopmsg__spool_segments(loopmsg__spool *sp)
{
    pthread_mutex_lock(&sp->lock);
    size_t n = sp->nsegs;
    pthread_mutex_unlock(&sp->lock);
    return n;
}

void loopmsg__spool_close(loopmsg__spool *sp)
{
    if (!sp)
        return;
    pthread_mutex_lock(&sp->lock);
    while (sp->syncing)
        pthread_cond_wait(&sp->synced, &sp->lock);
    if (sp->fd >= 0)
        fdatasync(sp->fd);
    pthread_mutex_unlock(&sp->lock);
    spool_free(sp);
}
