/* SPDX-License-Identifier: MIT */
/*
 * cmd_bulk.c: `loopmsg send-bulk`: many sends in flight over the asynchronous API, paced by
 * the client's rate limit, with a journal that makes a rerun safe.
 *
 * Memory does not grow with the rows: the file is read twice by the streaming reader, a
 * first pass that validates every row (and fingerprints the file) before anything is sent,
 * and a second pass that sends through a window of slots (standard input is spooled to an
 * unlinked temporary file first, so that it can be read twice). A rerun keeps one state
 * byte per row from the journal (and, for the output lines of rows accepted earlier, the
 * offset of their journal line, read back when the row comes up).
 *
 * Journal writes are grouped: a row's "sending" mark is written from the client's wire
 * callback, when the first request of a group is about to leave, together with the marks
 * of every other request handed to the engine and not marked yet (with a journal, the
 * window is --concurrency, so those are at most the requests the engine may start now) and
 * the outcomes waiting to be written: one write(2), and with --durable one fdatasync,
 * before the request goes. With a journal, rows are handed to the engine a batch at a time
 * (when a quarter of the window is free), so that a group holds a batch of marks and the
 * outcomes of the batch before it, however the answers trickle in. Outcomes are otherwise
 * written with the next group, after 100 ms, or at 64 kB. The
 * journal is locked for the whole run, and a file that is not a journal is never written
 * to.
 */
#include "cli.h"
#include "journal.h"
#include "jsonw.h"
#include "rows.h"
#include "util_int.h"

#ifdef LOOPMSG_CLI_WITH_REDIS
#include "job.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    B_FILE = 256,
    B_CONCURRENCY,
    B_RATE,
    B_JOURNAL,
    B_RESEND_UNKNOWN,
    B_DRY_RUN,
    B_DURABLE,
    B_QUIET,
    B_REDIS,
    B_JOB
};

static const char *const columns[] = {"contact",     "text",        "subject", "effect",
                                      "attachments", "passthrough", "sender",  NULL};
static const char *const required[] = {"contact", "text", NULL};
enum { C_CONTACT, C_TEXT, C_SUBJECT, C_EFFECT, C_ATTACHMENTS, C_PASSTHROUGH, C_SENDER };

/* Outcomes wait at most this long for the next group before they are written alone. */
#define OUTCOME_DELAY_MS  100u
#define OUTCOME_MAX_BYTES 65536u

struct bulk;

/* A row handed to the engine: the row's values stay here until its callback. */
typedef struct slot {
    struct bulk *b;
    size_t row; /* 0-based */
    loopmsg_request_id id;
    int active;
    int marked;  /* its "sending" mark is in the journal (or the job) */
    int refused; /* --redis: the job gave the row to another process; it never leaves */
    cli_row r;
    loopmsg_send_params p;
    struct slot *next_free;
} slot;

typedef struct bulk {
    cli_globals *g;
    const char *file, *journal_path;
    long concurrency;
    double rate;
    int resend_unknown, dry_run, durable, quiet;
    FILE *in; /* the rows: the file, or standard input spooled to a temporary file */
    struct stat in_st;
    cli_rows_reader *reader;
    size_t ncols;
    size_t count;         /* rows, from the validation pass */
    unsigned char *state; /* one cli_jstate per row, from the journal */
    uint32_t *off32;      /* journal offset of the line that accepted each row, when */
    uint64_t *off64;      /* per-row output lines need its message id (32 bits if it fits) */
    int jfd;
    cli_jw jbuf;         /* journal bytes not written yet (outcomes) */
    uint64_t jbuf_since; /* when the oldest of them was added */
    cli_jw out;          /* one output line */
    slot *slots, *free_slots;
    size_t window, nfree;
    size_t batch; /* with a journal, rows are handed to the engine this many at a time */
    int aborted;  /* a local failure (journal, memory) stopped the run: exit 1, not 130 */
    /* Every row ends in exactly one of accepted, failed, unknown (this run or an earlier one
     * not resent), skipped (accepted earlier), or none of them (never started). */
    size_t done, accepted, failed, unknown, skipped, not_sent, in_flight;
    size_t groups, marks; /* journal groups written, marks in them */
    uint64_t started_ms, progress_ms;
    int tty;
    /* --redis: the rows are shared with other processes through a job in Redis. */
    const char *redis_url, *job_name;
    struct loopmsg__redis_job *job;
    size_t *claimed; /* rows claimed and not handed to the engine yet: claimed[claimed_at..] */
    size_t nclaimed, claimed_at;
    size_t pos;    /* the row the reader returns next */
    size_t tokens; /* taken from the job's rate limiter and not used yet */
    unsigned int wait_ms;
    struct job_outcome *outcomes; /* outcomes not written yet */
    size_t noutcomes, outcomes_cap;
    uint64_t outcomes_since, renewed_ms;
    unsigned int lease_ms;
    size_t lost; /* rows the job gave to another process before they could leave */
} bulk;

typedef struct job_outcome {
    size_t row;
    char state;
    char *message_id;
} job_outcome;

static volatile sig_atomic_t interrupted;

/* --redis (below, with the rest of the job's code). */
static int job_on_wire(bulk *b, slot *s);
static void job_add_outcome(bulk *b, size_t row, char state, const char *message_id);

static void on_signal(int sig)
{
    (void)sig;
    /* A second Ctrl-C does not wait for the requests in flight: their rows keep their
     * "sending" mark, which a rerun reports as unknown, so the journal stays safe. */
    if (interrupted)
        _exit(CLI_EXIT_INTERRUPTED);
    interrupted = 1;
}

static int on_opt(int id, const char *arg, void *ud)
{
    bulk *b = ud;
    switch (id) {
    case B_FILE:
        b->file = arg;
        return 0;
    case B_CONCURRENCY:
        if (cli_parse_long(arg, 1, 1024, &b->concurrency) != 0)
            return cli_usage_error("send-bulk", "--concurrency: expected 1..1024");
        return 0;
    case B_RATE: {
        char *end = NULL;
        errno = 0;
        b->rate = strtod(arg, &end);
        if (errno || !end || *end || b->rate <= 0 || b->rate > 1e6)
            return cli_usage_error("send-bulk", "--rate: expected a positive number per second");
        return 0;
    }
    case B_JOURNAL:
        b->journal_path = arg;
        return 0;
    case B_RESEND_UNKNOWN:
        b->resend_unknown = 1;
        return 0;
    case B_DRY_RUN:
        b->dry_run = 1;
        return 0;
    case B_DURABLE:
        b->durable = 1;
        return 0;
    case B_QUIET:
        b->quiet = 1;
        return 0;
    case B_REDIS:
        b->redis_url = arg;
        return 0;
    case B_JOB:
        b->job_name = arg;
        return 0;
    default:
        return 1;
    }
}

/* FNV-1a over the rows' content, a row at a time: the journal remembers which file it
 * belongs to (the same value as when the rows were kept in memory). */
static unsigned long long fingerprint_row(unsigned long long h, const cli_row *r, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        for (const char *v = r->values[c]; v && *v; v++)
            h = (h ^ (unsigned char)*v) * 1099511628211ULL;
        h = (h ^ 0x1f) * 1099511628211ULL;
    }
    for (size_t a = 0; a < r->attachment_count; a++)
        for (const char *v = r->attachments[a]; *v; v++)
            h = (h ^ (unsigned char)*v) * 1099511628211ULL;
    return (h ^ 0x1e) * 1099511628211ULL;
}

/* A row's send parameters (borrowing the row's strings). -1: an unknown effect. */
static int row_params(const cli_row *r, loopmsg_send_params *p)
{
    memset(p, 0, sizeof *p);
    p->version = LOOPMSG_SEND_PARAMS_VERSION;
    p->contact = r->values[C_CONTACT];
    p->text = r->values[C_TEXT];
    p->subject = r->values[C_SUBJECT];
    p->passthrough = r->values[C_PASSTHROUGH];
    p->sender = r->values[C_SENDER];
    p->attachments = (const char *const *)r->attachments;
    p->attachment_count = r->attachment_count;
    if (r->values[C_EFFECT] && loopmsg_effect_parse(r->values[C_EFFECT], &p->effect) != LOOPMSG_OK)
        return -1;
    return 0;
}

/* Standard input is read twice too: copied first to an unlinked temporary file. */
static FILE *spool_stdin(void)
{
    FILE *t = tmpfile();
    if (!t)
        return NULL;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, n, t) != n)
            break;
    if (ferror(stdin) || ferror(t) || fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
        fclose(t);
        return NULL;
    }
    return t;
}

/* The first pass: every row is checked before the first send (a bad row stops the run,
 * nothing sent), counted and fingerprinted. Returns 0 or an exit code. */
static int validate_all(bulk *b, unsigned long long *fp)
{
    char why[256];
    int stdin_rows = strcmp(b->file, "-") == 0;
    b->in = stdin_rows ? spool_stdin() : fopen(b->file, "rb");
    if (!b->in)
        return cli_usage_error("send-bulk", "%s: %s", b->file,
                               stdin_rows ? "cannot spool standard input to a temporary file"
                                          : "cannot open");
    if (fstat(fileno(b->in), &b->in_st) != 0 ||
        cli_rows_reader_new(&b->reader, b->in, 0, cli_rows_format_of(b->file), columns, required,
                            why, sizeof why) != 0)
        return cli_usage_error("send-bulk", "%s: %s", b->file, why);
    b->ncols = cli_rows_reader_columns(b->reader);
    unsigned long long h = 1469598103934665603ULL;
    cli_row r;
    int rc;
    while ((rc = cli_rows_reader_next(b->reader, &r, why, sizeof why)) == 1) {
        loopmsg_send_params p;
        loopmsg_error err;
        if (row_params(&r, &p) != 0) {
            rc = cli_usage_error("send-bulk", "%s: line %zu: unknown effect '%s'", b->file, r.line,
                                 r.values[C_EFFECT]);
            cli_row_clear(&r, b->ncols);
            return rc;
        }
        if (loopmsg_send_params_validate(&p, &err) != LOOPMSG_OK) {
            rc = cli_usage_error("send-bulk", "%s: line %zu: %s", b->file, r.line, err.message);
            cli_row_clear(&r, b->ncols);
            return rc;
        }
        h = fingerprint_row(h, &r, b->ncols);
        b->count++;
        cli_row_clear(&r, b->ncols);
    }
    if (rc < 0)
        return cli_usage_error("send-bulk", "%s: %s", b->file, why);
    *fp = h;
    return 0;
}

/* The second pass starts over the same open file, which must not have changed since. */
static int rewind_rows(bulk *b)
{
    char why[256];
    struct stat st;
    if (fstat(fileno(b->in), &st) != 0 || st.st_size != b->in_st.st_size ||
        st.st_mtim.tv_sec != b->in_st.st_mtim.tv_sec ||
        st.st_mtim.tv_nsec != b->in_st.st_mtim.tv_nsec) {
        fprintf(stderr, "loopmsg send-bulk: %s changed while it was being validated\n", b->file);
        return -1;
    }
    if (cli_rows_reader_rewind(b->reader, why, sizeof why) != 0) {
        fprintf(stderr, "loopmsg send-bulk: %s: %s\n", b->file, why);
        return -1;
    }
    return 0;
}

/* The next row of the second pass, with its parameters: 1, 0 at the end, -1 (the file
 * changed under us: a row the first pass did not see). */
static int next_row(bulk *b, cli_row *r, loopmsg_send_params *p)
{
    char why[256];
    int rc = cli_rows_reader_next(b->reader, r, why, sizeof why);
    if (rc == 1 && row_params(r, p) != 0) {
        cli_row_clear(r, b->ncols);
        rc = -1;
        snprintf(why, sizeof why, "an unknown effect");
    }
    if (rc < 0)
        fprintf(stderr, "loopmsg send-bulk: %s changed while it was being sent: %s\n", b->file,
                why);
    return rc;
}

/* ---- the journal ------------------------------------------------------------------------ */

/* Write all of buf; with --durable, on disk before returning. */
static int write_all(bulk *b, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(b->jfd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    if (b->durable && fdatasync(b->jfd) != 0)
        return -1;
    return 0;
}

/* A row line, appended to the pending bytes. api_code: the Loop code of a failed or unknown
 * outcome (1020, 1030, ...); 0 for none. */
static void journal_add(bulk *b, size_t row, cli_jstate st, const char *message_id, int api_code)
{
    if (b->jbuf.out.len == 0)
        b->jbuf_since = loopmsg__mono_ms();
    cli_jw *w = &b->jbuf;
    w->depth = 0;
    w->nested = 0;
    cli_jw_begin(w, NULL);
    cli_jw_int(w, "row", (long long)row + 1);
    cli_jw_str(w, "state", cli_jstate_names[st]);
    cli_jw_str(w, "message_id", message_id);
    if (api_code)
        cli_jw_int(w, "api_code", api_code);
    cli_jw_end(w);
    cli_jw_raw(w, "\n", 1);
}

/* Write the pending bytes: one write(2) (and one fdatasync with --durable). */
static int journal_flush(bulk *b)
{
    /* A failed buffer is flushed too: it reports the lost outcomes instead of every later
     * one being dropped silently. */
    if (b->jfd < 0 || (b->jbuf.out.len == 0 && loopmsg__buf_ok(&b->jbuf.out)))
        return 0;
    int rc = !loopmsg__buf_ok(&b->jbuf.out) ? -1 : write_all(b, b->jbuf.out.ptr, b->jbuf.out.len);
    if (!loopmsg__buf_ok(&b->jbuf.out))
        errno = ENOMEM;
    cli_jw_reset(&b->jbuf);
    b->groups++;
    if (rc != 0 && !b->aborted) {
        fprintf(stderr, "loopmsg send-bulk: journal write failed: %s\n", strerror(errno));
        b->aborted = 1;
    }
    return rc;
}

/* Errors of open(2) that are about the path given, not the machine: usage errors. */
static int path_errno(int e)
{
    return e == ENOENT || e == ENOTDIR || e == EISDIR || e == EACCES || e == EPERM || e == EROFS ||
           e == ELOOP || e == ENAMETOOLONG;
}

/* Take the journal's lock for the whole run: an fcntl record lock, released by the kernel
 * when the process ends however it ends, and whose holder F_GETLK names. The fd it is held
 * through stays open until the end, and no other fd of the file is ever opened and closed
 * (closing one would drop the lock). Returns 0, or an exit code. */
static int journal_lock(bulk *b)
{
    struct flock l;
    memset(&l, 0, sizeof l);
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    if (fcntl(b->jfd, F_SETLK, &l) == 0)
        return 0;
    if (errno != EACCES && errno != EAGAIN) {
        fprintf(stderr, "loopmsg send-bulk: cannot lock journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    memset(&l, 0, sizeof l);
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    if (fcntl(b->jfd, F_GETLK, &l) == 0 && l.l_type != F_UNLCK)
        return cli_usage_error("send-bulk",
                               "--journal %s is in use by another send-bulk run (pid %ld)",
                               b->journal_path, (long)l.l_pid);
    return cli_usage_error("send-bulk",
                           "--journal %s is in use by another send-bulk run (which has just "
                           "ended; run again)",
                           b->journal_path);
}

/* Apply one row line: the last state of each row wins; an accepted row remembers where its
 * line is (for its message id). Lines that are not row lines are ignored (a torn line that
 * a later run repaired around). */
static void journal_apply(bulk *b, const char *line, size_t n, uint64_t off)
{
    cli_jentry e;
    if (!cli_journal_line(line, n, &e, 1) || e.row > b->count)
        return;
    b->state[e.row - 1] = (unsigned char)e.state;
    if (e.state == CLI_J_ACCEPTED && b->off32)
        b->off32[e.row - 1] = (uint32_t)off;
    else if (e.state == CLI_J_ACCEPTED && b->off64)
        b->off64[e.row - 1] = off;
}

/* Read the journal a chunk at a time. *whole: the bytes up to the end of its last complete
 * line. Returns 0, 1 (not ours / another file: message printed), -1 (read error). */
static int journal_read(bulk *b, unsigned long long fp, uint64_t *whole)
{
    size_t cap = 1u << 20, len = 0;
    char *buf = malloc(cap);
    uint64_t base = 0; /* file offset of buf[0] */
    int header = 0, rc = 0;
    *whole = 0;
    if (!buf)
        return -1;
    for (;;) {
        if (len == cap) { /* one line longer than the buffer */
            char *nb = cap >= (64u << 20) ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                rc = -1;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(b->jfd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        size_t at = 0;
        char *nl;
        while ((nl = memchr(buf + at, '\n', len - at)) != NULL) {
            size_t ll = (size_t)(nl - (buf + at));
            if (!header) {
                char jfp[32], want[32];
                snprintf(want, sizeof want, "%016llx", fp);
                int ours = cli_journal_header(buf + at, ll, jfp, sizeof jfp);
                if (!ours || strcmp(jfp, want) != 0) {
                    free(buf);
                    return cli_usage_error(
                               "send-bulk", "--journal %s %s", b->journal_path,
                               !ours ? "is not a send-bulk journal (its first line is not a "
                                       "journal header); it was left as it was"
                                     : "belongs to a different file (or the file changed); use "
                                       "a new journal"),
                           1;
                }
                header = 1;
            } else {
                journal_apply(b, buf + at, ll, base + at);
            }
            at += ll + 1;
            *whole = base + at;
        }
        memmove(buf, buf + at, len - at);
        len -= at;
        base += at;
    }
    free(buf);
    if (rc == 0 && !header && base + len > 0) {
        /* Bytes but no complete first line: nothing we wrote looks like that. */
        cli_usage_error("send-bulk",
                        "--journal %s is not a send-bulk journal (its first line is not a "
                        "journal header); it was left as it was",
                        b->journal_path);
        return 1;
    }
    return rc;
}

/* Open, lock and read the journal; create it (header line) when new or empty. A file that
 * is not recognisably a journal is refused before anything is written to it. Returns 0, or
 * an exit code. */
static int journal_open(bulk *b, unsigned long long fp)
{
    b->jfd = -1;
    b->state = calloc(b->count, 1);
    if (!b->state)
        return CLI_EXIT_ERROR;
    if (!b->journal_path)
        return 0;
    int flags = b->dry_run ? O_RDONLY : O_RDWR | O_APPEND | O_CREAT;
    b->jfd = open(b->journal_path, flags | O_CLOEXEC, 0644);
    if (b->jfd < 0 && b->dry_run && errno == ENOENT)
        return 0; /* a dry run creates nothing */
    if (b->jfd < 0) {
        int e = errno;
        fprintf(stderr, "loopmsg send-bulk: cannot open journal %s: %s%s\n", b->journal_path,
                strerror(e), e == ENOENT ? " (does its directory exist?)" : "");
        return path_errno(e) ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
    }
    struct stat sb;
    if (fstat(b->jfd, &sb) != 0) {
        fprintf(stderr, "loopmsg send-bulk: cannot stat journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    /* A directory opens read-only (dry run); a FIFO or a device is no journal either. */
    if (!S_ISREG(sb.st_mode))
        return cli_usage_error("send-bulk", "--journal %s: %s", b->journal_path,
                               S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
    int rc = b->dry_run ? 0 : journal_lock(b);
    if (rc)
        return rc;
    /* Output lines of rows accepted earlier carry their message id: where to find it. */
    if (!b->quiet && sb.st_size > 0) {
        if ((uint64_t)sb.st_size < UINT32_MAX)
            b->off32 = calloc(b->count, sizeof *b->off32);
        else
            b->off64 = calloc(b->count, sizeof *b->off64);
        if (!b->off32 && !b->off64)
            return CLI_EXIT_ERROR;
    }
    uint64_t whole;
    rc = journal_read(b, fp, &whole);
    if (rc == 1)
        return CLI_EXIT_USAGE;
    if (rc != 0) {
        fprintf(stderr, "loopmsg send-bulk: cannot read journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (b->dry_run)
        return 0;
    /* Cut a torn last line (a run killed in the middle of a write): the next line appended
     * to it would be unreadable too. Only ever done to a file whose header is ours. */
    if (whole < (uint64_t)sb.st_size && ftruncate(b->jfd, (off_t)whole) != 0) {
        fprintf(stderr, "loopmsg send-bulk: cannot repair journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (sb.st_size == 0) {
        char fpbuf[32];
        snprintf(fpbuf, sizeof fpbuf, "%016llx", fp);
        cli_jw *w = &b->jbuf;
        cli_jw_begin(w, NULL);
        cli_jw_str(w, "journal", CLI_JOURNAL_MAGIC);
        cli_jw_str(w, "fingerprint", fpbuf);
        cli_jw_str(w, "file", b->file);
        cli_jw_int(w, "rows", (long long)b->count);
        cli_jw_end(w);
        cli_jw_raw(w, "\n", 1);
        if (journal_flush(b) != 0)
            return CLI_EXIT_ERROR;
        b->groups = 0;
        if (b->durable) {
            /* The new file's name must survive a power cut too. */
            char dir[4096];
            const char *slash = strrchr(b->journal_path, '/');
            size_t dl = slash ? (size_t)(slash - b->journal_path) : 0;
            snprintf(dir, sizeof dir, "%.*s", (int)(dl ? dl : 1), slash ? b->journal_path : ".");
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd);
                close(dfd);
            }
        }
    }
    return 0;
}

/* The message id an earlier run journaled for an accepted row, read back from its line. */
static void earlier_id(bulk *b, size_t row, char *id, size_t id_size)
{
    id[0] = '\0';
    if (b->jfd < 0 || (!b->off32 && !b->off64))
        return;
    uint64_t off = b->off32 ? b->off32[row] : b->off64[row];
    char line[512];
    ssize_t n = pread(b->jfd, line, sizeof line, (off_t)off);
    if (n <= 0)
        return;
    char *nl = memchr(line, '\n', (size_t)n);
    cli_jentry e;
    if (nl && cli_journal_line(line, (size_t)(nl - line), &e, 1) && e.row == row + 1 &&
        strlen(e.message_id) < id_size)
        memcpy(id, e.message_id, strlen(e.message_id) + 1);
}

/* ---- output ----------------------------------------------------------------------------- */

static void print_row(bulk *b, size_t i, const cli_row *r, const loopmsg_send_params *p,
                      const char *message_id, const loopmsg_error *err, const char *skipped)
{
    if (b->quiet)
        return;
    cli_jw *w = &b->out;
    cli_jw_reset(w);
    cli_jw_begin(w, NULL);
    cli_jw_int(w, "row", (long long)i + 1);
    cli_jw_int(w, "line", (long long)r->line);
    cli_jw_str(w, "contact", p->contact);
    cli_jw_str(w, "message_id", message_id);
    cli_jw_str(w, "skipped", skipped);
    if (err && err->status != LOOPMSG_OK) {
        cli_jw_begin(w, "error");
        cli_jw_str(w, "status", loopmsg_status_name(err->status));
        cli_jw_int(w, "http_status", err->http_status);
        cli_jw_int(w, "api_code", err->api_code);
        cli_jw_str(w, "message", err->message);
        cli_jw_bool(w, "retryable", loopmsg_error_is_retryable(err));
        cli_jw_bool(w, "maybe_delivered", loopmsg_error_is_maybe_delivered(err));
        cli_jw_bool(w, "fatal", loopmsg_error_is_fatal(err));
        cli_jw_end(w);
    }
    if (b->dry_run)
        cli_jw_bool(w, "dry_run", 1);
    cli_jw_end(w);
    cli_jw_raw(w, "\n", 1);
    if (loopmsg__buf_ok(&w->out))
        fwrite(w->out.ptr, 1, w->out.len, stdout);
}

/* "1h02m03s", "4m05s", "7s". */
static void duration(char *buf, size_t size, double secs)
{
    unsigned long s = secs > 0 && secs < 1e9 ? (unsigned long)(secs + 0.5) : 0;
    if (s >= 3600)
        snprintf(buf, size, "%luh%02lum%02lus", s / 3600, s / 60 % 60, s % 60);
    else if (s >= 60)
        snprintf(buf, size, "%lum%02lus", s / 60, s % 60);
    else
        snprintf(buf, size, "%lus", s);
}

/* On a terminal: rows handled of all, rows per second of this run, and the time left at
 * that speed; at most four times a second. */
static void progress(bulk *b, int final)
{
    if (!b->tty)
        return;
    uint64_t now = loopmsg__mono_ms();
    if (!final && now - b->progress_ms < 250)
        return;
    b->progress_ms = now;
    size_t total = b->count;
    size_t handled = b->accepted + b->failed + b->unknown + b->skipped;
    double secs = (double)(now - b->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)b->done / secs : 0;
    size_t left = total - handled;
    int width = 24, filled = total ? (int)(handled * (size_t)width / total) : width;
    char bar[32], eta[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    if (rate > 0)
        duration(eta, sizeof eta, (double)left / rate);
    else
        snprintf(eta, sizeof eta, "?");
    fprintf(stderr, "\r[%s] %zu/%zu rows, %zu failed, %.0f rows/s, ETA %s   ", bar, handled, total,
            b->failed + b->unknown, rate, final ? "0s" : eta);
    if (final)
        fputc('\n', stderr);
}

/* ---- sending ---------------------------------------------------------------------------- */

static slot *slot_of(bulk *b, loopmsg_request_id id)
{
    for (size_t k = 0; k < b->window; k++)
        if (b->slots[k].active && b->slots[k].id == id)
            return &b->slots[k];
    return NULL;
}

static void slot_release(bulk *b, slot *s)
{
    cli_row_clear(&s->r, b->ncols);
    s->active = 0;
    s->marked = 0;
    s->refused = 0;
    s->next_free = b->free_slots;
    b->free_slots = s;
    b->nfree++;
}

/* The client's wire callback: the request of a row is about to leave. Unless its mark is
 * written already, a group is written now (one write(2); with --durable one fdatasync):
 * the outcomes waiting, this row's mark, and the marks of the other rows handed to the
 * engine and not marked yet. With a journal the window is --concurrency, so those are the
 * requests the engine has started or may start at once (waiting at most for a connection or
 * for --rate): the rows marked "sending" are never more than --concurrency, and are all
 * requests in flight as soon as the group's other requests leave, which happens within the
 * same turn of the engine unless --rate holds them. If the write fails, or the run is
 * stopping, the request is refused and nothing of it leaves. */
static int on_wire(loopmsg_client *c, loopmsg_request_id id, unsigned int attempt, void *ud)
{
    (void)c;
    (void)attempt;
    bulk *b = ud;
    slot *s = slot_of(b, id);
    if (!s || b->aborted || interrupted)
        return 1;
    if (b->job)
        return job_on_wire(b, s);
    if (s->marked || b->jfd < 0)
        return 0;
    size_t n = 0;
    for (size_t k = 0; k < b->window; k++) {
        slot *t = &b->slots[k];
        if (t->active && !t->marked) {
            journal_add(b, t->row, CLI_J_SENDING, NULL, 0);
            n++;
        }
    }
    if (journal_flush(b) != 0)
        return 1;
    for (size_t k = 0; k < b->window; k++)
        if (b->slots[k].active)
            b->slots[k].marked = 1;
    b->marks += n;
    return 0;
}

static void on_sent(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                    const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    slot *s = ud;
    bulk *b = s->b;
    if (s->refused) {
        /* Not this process's row any more: it never left, and its outcome is not ours to
         * write. */
        b->lost++;
        b->in_flight--;
        slot_release(b, s);
        return;
    }
    cli_jstate st;
    if (r) {
        st = CLI_J_ACCEPTED;
        b->accepted++;
    } else if (err->flags & LOOPMSG_ERRF_MAYBE_DELIVERED) {
        /* e.g. 1030 (no delivery confirmation): resent only with --resend-unknown. A 1020
         * (the destination reported it not delivered) is a failure, journaled with its code. */
        st = CLI_J_UNKNOWN;
        b->unknown++;
    } else {
        st = CLI_J_FAILED;
        b->failed++;
        if (!(err->flags & LOOPMSG_ERRF_SENT) &&
            (err->status == LOOPMSG_E_TRANSPORT || err->status == LOOPMSG_E_TIMEOUT))
            b->not_sent++;
    }
    /* Written with the next group, or within OUTCOME_DELAY_MS: lost only by a crash, which
     * leaves the row "sending" (unknown), never sent again unasked. */
    if (b->job)
        job_add_outcome(b, s->row,
                        st == CLI_J_ACCEPTED  ? 'a'
                        : st == CLI_J_UNKNOWN ? 'u'
                                              : 'f',
                        r ? r->message_id : NULL);
    else if (b->jfd >= 0)
        journal_add(b, s->row, st, r ? r->message_id : NULL, r ? 0 : err->api_code);
    print_row(b, s->row, &s->r, &s->p, r ? r->message_id : NULL, err, NULL);
    b->done++;
    b->in_flight--;
    slot_release(b, s);
}

/* A row that is not sent this run: reported (and counted) from the journal's state. Returns
 * 1 when handled, 0 when the row is to be sent. */
static int settled_earlier(bulk *b, size_t i, const cli_row *r, const loopmsg_send_params *p)
{
    cli_jstate prev = (cli_jstate)b->state[i];
    if (prev == CLI_J_ACCEPTED) {
        b->skipped++;
        if (!b->quiet) {
            char id[256];
            earlier_id(b, i, id, sizeof id);
            print_row(b, i, r, p, id[0] ? id : NULL, NULL, "accepted in an earlier run");
        }
        return 1;
    }
    if ((prev == CLI_J_SENDING || prev == CLI_J_UNKNOWN) && !b->resend_unknown) {
        b->unknown++; /* counted once: unknown, not also skipped */
        print_row(b, i, r, p, NULL, NULL,
                  "outcome unknown in an earlier run; not resent (see --resend-unknown)");
        return 1;
    }
    return 0;
}

/* ---- --redis: a job shared by several processes ------------------------------------------ */

#ifdef LOOPMSG_CLI_WITH_REDIS

static void job_failed(bulk *b, const char *msg)
{
    if (!b->aborted)
        fprintf(stderr, "loopmsg send-bulk: job %s: %s\n", b->job_name, msg);
    b->aborted = 1;
}

/* Write ops (marks, if any, first) and the outcomes waiting, in one script: one round trip
 * to Redis, complete before this returns. ok: one byte per mark. Returns 0 or -1. */
static int job_write(bulk *b, const size_t *marks, size_t nmarks, unsigned char *ok)
{
    size_t n = nmarks + b->noutcomes;
    loopmsg__redis_job_op *ops = malloc((n ? n : 1) * sizeof *ops);
    unsigned char *res = malloc(n ? n : 1);
    char msg[512];
    int rc = -1;
    if (!ops || !res) {
        job_failed(b, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nmarks; i++) {
        ops[i].row = marks[i];
        ops[i].state = 's';
        ops[i].message_id = NULL;
    }
    for (size_t i = 0; i < b->noutcomes; i++) {
        ops[nmarks + i].row = b->outcomes[i].row;
        ops[nmarks + i].state = b->outcomes[i].state;
        ops[nmarks + i].message_id = b->outcomes[i].message_id;
    }
    if (loopmsg__redis_job_update(b->job, ops, n, res, msg, sizeof msg) != 0) {
        job_failed(b, msg);
        goto done;
    }
    if (ok)
        memcpy(ok, res, nmarks);
    for (size_t i = 0; i < b->noutcomes; i++)
        free(b->outcomes[i].message_id);
    b->noutcomes = 0;
    b->groups++;
    b->renewed_ms = loopmsg__mono_ms();
    rc = 0;
done:
    free(ops);
    free(res);
    return rc;
}

static void job_add_outcome(bulk *b, size_t row, char state, const char *message_id)
{
    if (b->noutcomes == b->outcomes_cap) {
        size_t cap = b->outcomes_cap ? b->outcomes_cap * 2 : 64;
        job_outcome *o = realloc(b->outcomes, cap * sizeof *o);
        if (!o) {
            job_failed(b, "out of memory");
            return;
        }
        b->outcomes = o;
        b->outcomes_cap = cap;
    }
    if (b->noutcomes == 0)
        b->outcomes_since = loopmsg__mono_ms();
    job_outcome *o = &b->outcomes[b->noutcomes++];
    o->row = row;
    o->state = state;
    o->message_id = message_id ? strdup(message_id) : NULL;
    if (message_id && !o->message_id)
        job_failed(b, "out of memory");
}

/* on_wire for a job: the marks of every row handed to the engine and not marked yet, with
 * the outcomes waiting, in one script that returns only when Redis has them. A row the job
 * no longer gives to this process (its lease ran out and another took it) is refused. */
static int job_on_wire(bulk *b, slot *s)
{
    if (s->marked)
        return 0;
    if (s->refused)
        return 1;
    size_t *marks = malloc(b->window * sizeof *marks);
    unsigned char *ok = malloc(b->window);
    slot **who = malloc(b->window * sizeof *who);
    size_t n = 0;
    if (!marks || !ok || !who) {
        free(marks);
        free(ok);
        free(who);
        job_failed(b, "out of memory");
        return 1;
    }
    for (size_t k = 0; k < b->window; k++) {
        slot *t = &b->slots[k];
        if (t->active && !t->marked && !t->refused) {
            who[n] = t;
            marks[n++] = t->row;
        }
    }
    int rc = job_write(b, marks, n, ok);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (ok[i])
            who[i]->marked = 1;
        else
            who[i]->refused = 1;
    }
    if (rc == 0)
        b->marks += n;
    free(marks);
    free(ok);
    free(who);
    return s->marked ? 0 : 1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Row i of the file into r and p: read on from where the reader is, or from the start
 * again when i is behind it (rows queued again come after the others). 1, or -1. */
static int job_read_row(bulk *b, size_t i, cli_row *r, loopmsg_send_params *p)
{
    if (i >= b->count)
        return -1;
    if (i < b->pos) {
        if (rewind_rows(b) != 0)
            return -1;
        b->pos = 0;
    }
    while (b->pos < i) {
        cli_row skip;
        loopmsg_send_params sp;
        if (next_row(b, &skip, &sp) != 1)
            return -1;
        cli_row_clear(&skip, b->ncols);
        b->pos++;
    }
    if (next_row(b, r, p) != 1)
        return -1;
    b->pos++;
    return 1;
}

/* The rows the job says are of unknown outcome (and not resent): reported, as a rerun with
 * a journal reports them. */
static void job_report_unknown(bulk *b, const size_t *rows, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        b->unknown++;
        cli_jw *w = &b->out;
        cli_jw_reset(w);
        cli_jw_begin(w, NULL);
        cli_jw_int(w, "row", (long long)rows[k] + 1);
        cli_jw_str(w, "skipped",
                   "outcome unknown in an earlier run; not resent (see --resend-unknown)");
        cli_jw_end(w);
        cli_jw_raw(w, "\n", 1);
        if (loopmsg__buf_ok(&w->out))
            fwrite(w->out.ptr, 1, w->out.len, stdout);
    }
}

/* Nothing left to claim and nothing in flight: rows of processes that died are taken back
 * (claimed and never sent: queued again; marked "sending": unknown, queued again only with
 * --resend-unknown). Returns 1 when there may be rows to claim again, 0 when the job has
 * none left for anyone (this process is done). */
static int job_more(bulk *b)
{
    char msg[512];
    if (b->noutcomes && job_write(b, NULL, 0, NULL) != 0)
        return 0;
    size_t requeued, busy, nunknown, *unknown = NULL;
    if (loopmsg__redis_job_recover(b->job, 0, b->resend_unknown, &requeued, &busy, &unknown,
                                   &nunknown, msg, sizeof msg) != 0) {
        job_failed(b, msg);
        return 0;
    }
    job_report_unknown(b, unknown, nunknown);
    free(unknown);
    if (requeued)
        return 1;
    if (!busy)
        return 0;
    /* Other processes still have rows: wait for them to finish them, or for their lease to
     * run out (then their rows are taken back here). */
    loopmsg__sleep_ms(200);
    b->renewed_ms = loopmsg__mono_ms();
    return 1;
}

/* Hand claimed rows to the engine while slots are free: claim a batch when none is left,
 * take tokens of the job's limiter with --rate. *more is cleared when the job has nothing
 * left to claim now. */
static void job_refill(bulk *b, loopmsg_client *c, int *more)
{
    char msg[512];
    loopmsg_error err;
    b->wait_ms = 0;
    while (!interrupted && !b->aborted && b->free_slots) {
        if (b->claimed_at == b->nclaimed) {
            if (!*more)
                return;
            size_t n;
            if (loopmsg__redis_job_claim(b->job, b->nfree, b->claimed, &n, msg, sizeof msg) != 0) {
                job_failed(b, msg);
                return;
            }
            b->renewed_ms = loopmsg__mono_ms();
            if (n == 0) {
                *more = 0;
                return;
            }
            qsort(b->claimed, n, sizeof *b->claimed, cmp_size);
            b->nclaimed = n;
            b->claimed_at = 0;
        }
        if (b->rate > 0 && b->tokens == 0) {
            unsigned int wait;
            if (loopmsg__redis_job_take(b->job, b->rate, b->nclaimed - b->claimed_at, &b->tokens,
                                        &wait, msg, sizeof msg) != 0) {
                job_failed(b, msg);
                return;
            }
            if (b->tokens == 0) {
                b->wait_ms = wait;
                return;
            }
        }
        slot *s = b->free_slots;
        size_t i = b->claimed[b->claimed_at++];
        if (b->rate > 0)
            b->tokens--;
        if (job_read_row(b, i, &s->r, &s->p) != 1) {
            b->aborted = 1;
            return;
        }
        b->free_slots = s->next_free;
        b->nfree--;
        s->b = b;
        s->row = i;
        s->active = 1;
        s->refused = 0;
        loopmsg_status st = loopmsg_message_send_async(c, &s->p, on_sent, s, &s->id, &err);
        if (st != LOOPMSG_OK) {
            job_add_outcome(b, i, 'f', NULL);
            print_row(b, i, &s->r, &s->p, NULL, &err, NULL);
            b->failed++;
            b->done++;
            slot_release(b, s);
            continue;
        }
        b->in_flight++;
    }
}

/* The sending loop of a job. */
static void job_loop(bulk *b, loopmsg_client *c)
{
    int more = 1;
    while (!interrupted && !b->aborted) {
        if (b->nfree >= b->batch || b->in_flight == 0)
            job_refill(b, c, &more);
        if (b->aborted || interrupted)
            break;
        if (!more && !b->in_flight && b->claimed_at == b->nclaimed) {
            if (!job_more(b))
                break;
            more = 1;
            continue;
        }
        int timeout = b->wait_ms ? (int)b->wait_ms : 100;
        if (b->in_flight) {
            if (loopmsg_client_poll(c, timeout) < 0)
                break;
        } else if (b->wait_ms) {
            loopmsg__sleep_ms(b->wait_ms);
        }
        uint64_t now = loopmsg__mono_ms();
        if ((b->noutcomes &&
             (b->noutcomes >= 4096 || now - b->outcomes_since >= OUTCOME_DELAY_MS)) ||
            now - b->renewed_ms >= b->lease_ms / 4)
            job_write(b, NULL, 0, NULL);
        fflush(stdout);
        progress(b, 0);
    }
}

/* Open the job (create it, or check that it is this file's) and, before anything is sent,
 * take back the rows of earlier runs: failed rows are queued again, rows of unknown outcome
 * reported (or queued again with --resend-unknown). Returns 0 or an exit code. */
static int job_open(bulk *b, unsigned long long fp)
{
    char msg[512];
    const char *lease = getenv("LOOPMSG_JOB_LEASE_MS");
    b->lease_ms = lease && atoi(lease) >= 200 ? (unsigned int)atoi(lease) : 10000u;
    int rc = loopmsg__redis_job_open(&b->job, b->redis_url, b->job_name, fp, b->count, b->rate,
                                     !b->dry_run, b->lease_ms, msg, sizeof msg);
    if (rc == 1)
        return cli_usage_error("send-bulk", "%s", msg);
    if (rc != 0) {
        fprintf(stderr, "loopmsg send-bulk: %s\n", msg);
        return CLI_EXIT_ERROR;
    }
    if (b->dry_run)
        return 0;
    size_t requeued, busy, nunknown, *unknown = NULL;
    if (loopmsg__redis_job_recover(b->job, 1, b->resend_unknown, &requeued, &busy, &unknown,
                                   &nunknown, msg, sizeof msg) != 0) {
        fprintf(stderr, "loopmsg send-bulk: job %s: %s\n", b->job_name, msg);
        return CLI_EXIT_ERROR;
    }
    job_report_unknown(b, unknown, nunknown);
    free(unknown);
    b->renewed_ms = loopmsg__mono_ms();
    return 0;
}

static void job_close(bulk *b)
{
    for (size_t i = 0; i < b->noutcomes; i++)
        free(b->outcomes[i].message_id);
    free(b->outcomes);
    free(b->claimed);
    loopmsg__redis_job_free(b->job);
}

/* The job's counts after this process's part, on standard error. */
static void job_summary(bulk *b)
{
    loopmsg__redis_job_counts n;
    char msg[512];
    if (loopmsg__redis_job_status(b->redis_url, b->job_name, &n, msg, sizeof msg) != 0) {
        fprintf(stderr, "loopmsg send-bulk: job %s: %s\n", b->job_name, msg);
        return;
    }
    fprintf(stderr,
            "loopmsg send-bulk: job %s: %zu accepted, %zu failed, %zu unknown, %zu sending, %zu "
            "pending of %zu row(s)\n",
            b->job_name, n.accepted, n.failed, n.unknown, n.sending, n.pending, n.total);
}

#else

static int job_on_wire(bulk *b, slot *s)
{
    (void)b;
    (void)s;
    return 1;
}
static void job_add_outcome(bulk *b, size_t row, char state, const char *message_id)
{
    (void)b;
    (void)row;
    (void)state;
    (void)message_id;
}
static int job_write(bulk *b, const size_t *marks, size_t nmarks, unsigned char *ok)
{
    (void)b;
    (void)marks;
    (void)nmarks;
    (void)ok;
    return -1;
}
static void job_loop(bulk *b, loopmsg_client *c)
{
    (void)c;
    b->aborted = 1;
}
static int job_open(bulk *b, unsigned long long fp)
{
    (void)b;
    (void)fp;
    return cli_usage_error("send-bulk", "--redis is not available in this build (hiredis was "
                                        "not found when it was built)");
}
static void job_close(bulk *b)
{
    (void)b;
}
static void job_summary(bulk *b)
{
    (void)b;
}

#endif

static int run(bulk *b)
{
    int rc;
    /* The globals decide key, URL, timeouts; send-bulk adds concurrency and pacing. */
    loopmsg_client_options tuning = LOOPMSG_CLIENT_OPTIONS_INIT;
    tuning.max_concurrent = (unsigned int)b->concurrency;
    /* With a job, --rate is the job's, across every process: its limiter is in Redis. */
    tuning.rate_limit_per_second = b->job ? 0 : b->rate;
    tuning.wire_cb = on_wire;
    tuning.wire_user_data = b;
    loopmsg_client *c = cli_client_new_ex(b->g, &tuning, &rc);
    if (!c)
        return rc;
    /* With a journal, no more rows are handed to the engine than it may start at once, so
     * that a group of marks (on_wire) is never ahead of the requests it covers by more than
     * --concurrency. Without one, a second window keeps the engine's queue full. */
    int marks = b->jfd >= 0 || b->job;
    b->window = (size_t)b->concurrency * (marks ? 1 : 2);
    b->slots = calloc(b->window, sizeof *b->slots);
    if (!b->slots) {
        loopmsg_client_free(c);
        return CLI_EXIT_ERROR;
    }
    for (size_t k = b->window; k-- > 0;)
        slot_release(b, &b->slots[k]);
    b->batch = marks ? (b->window + 3) / 4 : 1;
    if (b->job && !(b->claimed = malloc(b->window * sizeof *b->claimed))) {
        loopmsg_client_free(c);
        return CLI_EXIT_ERROR;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    b->started_ms = loopmsg__mono_ms();
    size_t next = 0;
    int more = rewind_rows(b) == 0;
    if (!more)
        b->aborted = 1;
    loopmsg_error err;
    if (b->job && more) {
        job_loop(b, c);
        more = 0;
    }
    while (!b->job && !interrupted && !b->aborted && (more || b->in_flight)) {
        /* Refilled a batch at a time: the rows handed together leave together, and their
         * marks go out in one group (one write, one fdatasync with --durable), not one group
         * per answer as answers trickle in. */
        int refill = b->nfree >= b->batch || b->in_flight == 0;
        while (refill && !interrupted && !b->aborted && more && b->free_slots) {
            slot *s = b->free_slots;
            int got = next < b->count ? next_row(b, &s->r, &s->p) : 0;
            if (got <= 0) {
                if (got < 0 || next < b->count)
                    b->aborted = 1;
                more = 0;
                break;
            }
            size_t i = next++;
            if (settled_earlier(b, i, &s->r, &s->p)) {
                cli_row_clear(&s->r, b->ncols);
                continue;
            }
            b->free_slots = s->next_free;
            b->nfree--;
            s->b = b;
            s->row = i;
            s->active = 1;
            /* Its "sending" mark is written by on_wire, when the request is about to leave:
             * a row waiting in the engine's queue has not reached anyone yet. */
            loopmsg_status st = loopmsg_message_send_async(c, &s->p, on_sent, s, &s->id, &err);
            if (st != LOOPMSG_OK) {
                if (b->jfd >= 0)
                    journal_add(b, i, CLI_J_FAILED, NULL, 0);
                print_row(b, i, &s->r, &s->p, NULL, &err, NULL);
                b->failed++;
                b->done++;
                slot_release(b, s);
                continue;
            }
            b->in_flight++;
        }
        if (b->in_flight && loopmsg_client_poll(c, 100) < 0)
            break;
        if (!loopmsg__buf_ok(&b->jbuf.out) ||
            (b->jbuf.out.len && (b->jbuf.out.len >= OUTCOME_MAX_BYTES ||
                                 loopmsg__mono_ms() - b->jbuf_since >= OUTCOME_DELAY_MS)))
            journal_flush(b);
        fflush(stdout);
        progress(b, 0);
    }
    /* On Ctrl-C: no new rows; rows handed to the engine that have not left yet are
     * cancelled (journaled as failed, so a rerun sends them), and every request in flight
     * finishes and is journaled. */
    if (interrupted || b->aborted)
        loopmsg_client_cancel_unsent(c);
    while (b->in_flight)
        if (loopmsg_client_poll(c, 100) < 0)
            break;
    journal_flush(b);
    if (b->job && b->noutcomes)
        job_write(b, NULL, 0, NULL);
    fflush(stdout);
    progress(b, 1);
    loopmsg_client_free(c);
    if (b->job) {
        fprintf(stderr,
                "loopmsg send-bulk: %zu accepted, %zu failed, %zu unknown by this process%s\n",
                b->accepted, b->failed, b->unknown, interrupted ? " (interrupted)" : "");
        job_summary(b);
        if (getenv("LOOPMSG_BULK_STATS"))
            fprintf(stderr, "loopmsg send-bulk: %zu job write(s), %zu mark(s), %zu lost\n",
                    b->groups, b->marks, b->lost);
        goto exit_code;
    }
    /* Rows never started (Ctrl-C, a local failure) are named too: the counts add up. */
    size_t untouched = b->count - b->accepted - b->failed - b->unknown - b->skipped;
    char rest[64] = "";
    if (untouched)
        snprintf(rest, sizeof rest, ", %zu not sent", untouched);
    fprintf(stderr,
            "loopmsg send-bulk: %zu accepted, %zu failed, %zu unknown, %zu skipped%s of %zu "
            "row(s)%s\n",
            b->accepted, b->failed, b->unknown, b->skipped, rest, b->count,
            interrupted ? " (interrupted)" : "");
    if (getenv("LOOPMSG_BULK_STATS"))
        fprintf(stderr, "loopmsg send-bulk: %zu journal write(s), %zu mark(s) in groups\n",
                b->groups, b->marks);
exit_code:
    if (interrupted)
        return CLI_EXIT_INTERRUPTED;
    if (b->aborted)
        return CLI_EXIT_ERROR;
    if (b->unknown)
        return CLI_EXIT_UNKNOWN;
    if (b->failed)
        return b->failed == b->not_sent ? CLI_EXIT_TRANSPORT : CLI_EXIT_API;
    return CLI_EXIT_OK;
}

/* --dry-run: every row as it would be sent (rows accepted earlier named). */
static int dry_run(bulk *b)
{
    if (rewind_rows(b) != 0)
        return CLI_EXIT_ERROR;
    cli_row r;
    loopmsg_send_params p;
    for (size_t i = 0; i < b->count; i++) {
        if (next_row(b, &r, &p) != 1)
            return CLI_EXIT_ERROR;
        int earlier = b->state[i] == CLI_J_ACCEPTED;
        char id[256] = "";
        if (earlier && !b->quiet)
            earlier_id(b, i, id, sizeof id);
        print_row(b, i, &r, &p, id[0] ? id : NULL, NULL,
                  earlier ? "accepted in an earlier run" : NULL);
        cli_row_clear(&r, b->ncols);
    }
    fflush(stdout);
    fprintf(stderr, "loopmsg send-bulk: %zu row(s) valid; nothing sent (--dry-run)\n", b->count);
    return CLI_EXIT_OK;
}

static const char usage[] =
    "usage: loopmsg send-bulk --file F [--concurrency N] [--rate PER_SECOND] [--journal J]\n"
    "                         [--durable] [--resend-unknown] [--quiet] [--dry-run]\n"
    "       loopmsg send-bulk --file F --redis URL --job NAME [--concurrency N]\n"
    "                         [--rate PER_SECOND] [--resend-unknown] [--quiet] [--dry-run]\n"
    "F: CSV with a header (contact,text plus optional subject,effect,attachments,passthrough,\n"
    "sender; attachments separated by spaces) or JSON lines; '-' reads JSON lines from stdin.\n"
    "Every row is validated before the first send (the file is read twice; stdin is spooled\n"
    "to a temporary file). One JSON line per row on stdout; --quiet prints only the summary.\n"
    "With --journal, a rerun skips rows already accepted; rows whose outcome is unknown are\n"
    "resent only with --resend-unknown. --durable syncs the journal to disk before each group\n"
    "of requests leaves. Ctrl-C finishes the requests in flight and exits 130.\n"
    "A journal is locked for the run; a file that is not a send-bulk journal is refused.\n"
    "With --redis and --job (URL also from LOOP_REDIS_URL), any number of processes share the\n"
    "rows of the job NAME in Redis, each row sent by one of them, with the semantics of\n"
    "--journal; --rate is then the rate of the whole job. See `loopmsg job status`.\n";

int cli_cmd_send_bulk(cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, B_FILE},
        {"concurrency", required_argument, NULL, B_CONCURRENCY},
        {"rate", required_argument, NULL, B_RATE},
        {"journal", required_argument, NULL, B_JOURNAL},
        {"resend-unknown", no_argument, NULL, B_RESEND_UNKNOWN},
        {"dry-run", no_argument, NULL, B_DRY_RUN},
        {"durable", no_argument, NULL, B_DURABLE},
        {"quiet", no_argument, NULL, B_QUIET},
        {"redis", required_argument, NULL, B_REDIS},
        {"job", required_argument, NULL, B_JOB},
        {NULL, 0, NULL, 0},
    };
    bulk b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.concurrency = 16;
    b.jfd = -1;
    int first = cli_parse(g, argc, argv, opts, on_opt, &b, usage);
    if (first == -2)
        return CLI_EXIT_OK;
    if (first < 0)
        return CLI_EXIT_USAGE;
    if (first < argc)
        return cli_usage_error("send-bulk", "unexpected argument '%s'", argv[first]);
    if (!b.file)
        return cli_usage_error("send-bulk", "--file is required");
    if (b.durable && !b.journal_path)
        return cli_usage_error("send-bulk", "--durable needs --journal");
    if (b.job_name && !b.redis_url && getenv("LOOP_REDIS_URL") && getenv("LOOP_REDIS_URL")[0])
        b.redis_url = getenv("LOOP_REDIS_URL");
    if (b.redis_url && !b.job_name)
        return cli_usage_error("send-bulk", "--redis needs --job NAME");
    if (b.job_name && !b.redis_url)
        return cli_usage_error("send-bulk", "--job needs --redis URL (or LOOP_REDIS_URL)");
    if (b.job_name && b.journal_path)
        return cli_usage_error("send-bulk", "--journal and --job cannot be used together");
#ifndef LOOPMSG_CLI_WITH_REDIS
    if (b.job_name)
        return job_open(&b, 0);
#endif
    unsigned long long fp = 0;
    int rc = validate_all(&b, &fp);
    if (rc == 0)
        rc = journal_open(&b, fp);
    if (rc == 0 && b.job_name)
        rc = job_open(&b, fp);
    if (rc == 0 && b.dry_run) {
        rc = dry_run(&b);
    } else if (rc == 0) {
        b.tty = isatty(fileno(stderr));
        rc = run(&b);
    }
    if (b.jfd >= 0)
        close(b.jfd);
    cli_rows_reader_free(b.reader);
    if (b.in)
        fclose(b.in);
    if (b.slots)
        for (size_t k = 0; k < b.window; k++)
            cli_row_clear(&b.slots[k].r, b.ncols);
    free(b.slots);
    free(b.state);
    free(b.off32);
    free(b.off64);
    cli_jw_clear(&b.jbuf);
    cli_jw_clear(&b.out);
    job_close(&b);
    return rc;
}
