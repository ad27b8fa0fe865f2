/* SPDX-License-Identifier: MIT */
/*
 * cmd_bulk.c: `loopmsg send-bulk`: many sends in flight over the asynchronous API, paced by
 * the client's rate limit, with a journal that makes a rerun safe: each row's "sending" mark
 * is written from the client's wire callback, when its request is about to leave (not when
 * it is handed to the engine), and its outcome as soon as it is known, so a rerun skips
 * accepted rows and resends rows of unknown outcome only when told to. The journal is
 * locked for the whole run, and a file that is not a journal is never written to.
 */
#include "cli.h"
#include "rows.h"
#include "util_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <search.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { B_FILE = 256, B_CONCURRENCY, B_RATE, B_JOURNAL, B_RESEND_UNKNOWN, B_DRY_RUN };

static const char *const columns[] = {"contact",     "text",        "subject", "effect",
                                      "attachments", "passthrough", "sender",  NULL};
static const char *const required[] = {"contact", "text", NULL};
enum { C_CONTACT, C_TEXT, C_SUBJECT, C_EFFECT, C_ATTACHMENTS, C_PASSTHROUGH, C_SENDER };

typedef enum { J_NONE = 0, J_SENDING, J_ACCEPTED, J_FAILED, J_UNKNOWN } jstate;

static const char *const jnames[] = {"none", "sending", "accepted", "failed", "unknown"};

typedef struct bulk {
    cli_globals *g;
    const char *file, *journal_path;
    long concurrency;
    double rate;
    int resend_unknown, dry_run;
    cli_rows rows;
    loopmsg_send_params *params;
    jstate *state;
    char **prev_id; /* message ids from the journal */
    int jfd;
    int aborted; /* a local failure (journal, memory) stopped the run: exit 1, not 130 */
    void *by_id; /* tsearch tree of the slots handed to the engine, by request id */
    /* Every row ends in exactly one of accepted, failed, unknown (this run or an earlier one
     * not resent), skipped (accepted earlier), or none of them (never started). */
    size_t done, accepted, failed, unknown, skipped, not_sent, in_flight;
    uint64_t started_ms;
    int tty;
} bulk;

static volatile sig_atomic_t interrupted;

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
    default:
        return 1;
    }
}

#define now_ms loopmsg__mono_ms /* the utility layer's monotonic clock */

/* FNV-1a over the rows' content: the journal remembers which file it belongs to. */
static unsigned long long fingerprint(const cli_rows *rows)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < rows->count; i++) {
        for (size_t c = 0; c < rows->column_count; c++) {
            const char *v = rows->rows[i].values[c];
            for (; v && *v; v++)
                h = (h ^ (unsigned char)*v) * 1099511628211ULL;
            h = (h ^ 0x1f) * 1099511628211ULL;
        }
        for (size_t a = 0; a < rows->rows[i].attachment_count; a++)
            for (const char *v = rows->rows[i].attachments[a]; *v; v++)
                h = (h ^ (unsigned char)*v) * 1099511628211ULL;
        h = (h ^ 0x1e) * 1099511628211ULL;
    }
    return h;
}

/* Append one line to the journal with a single write(2): a kill -9 leaves either the whole
 * line or a partial last line, which the reader ignores. */
static int journal_write(bulk *b, json_t *o)
{
    if (b->jfd < 0)
        return 0;
    char *line = json_dumps(o, JSON_COMPACT);
    if (!line)
        return -1;
    size_t n = strlen(line);
    line[n] = '\n';
    ssize_t w = write(b->jfd, line, n + 1);
    free(line);
    return w == (ssize_t)(n + 1) ? 0 : -1;
}

/* api_code: the Loop code of a failed or unknown outcome (1020, 1030, ...); 0 for none. */
static int journal_row_code(bulk *b, size_t row, jstate st, const char *message_id, int api_code)
{
    json_t *o = json_pack("{s:I, s:s}", "row", (json_int_t)(row + 1), "state", jnames[st]);
    if (o && message_id)
        json_object_set_new(o, "message_id", json_string(message_id));
    if (o && api_code)
        json_object_set_new(o, "api_code", json_integer(api_code));
    int rc = o ? journal_write(b, o) : -1;
    json_decref(o);
    return rc;
}

static int journal_row(bulk *b, size_t row, jstate st, const char *message_id)
{
    return journal_row_code(b, row, st, message_id, 0);
}

/* The first line of every journal carries this: nothing else is ever truncated or appended
 * to. Journals written before it existed start with the same object without it. */
#define JOURNAL_MAGIC "loopmsg send-bulk journal"

static int is_journal_header(json_t *h)
{
    const char *magic = json_string_value(json_object_get(h, "journal"));
    if (magic)
        return strcmp(magic, JOURNAL_MAGIC) == 0;
    return json_is_string(json_object_get(h, "fingerprint")) &&
           json_is_string(json_object_get(h, "file")) &&
           json_is_integer(json_object_get(h, "rows"));
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

/* The whole journal, read through the locked fd. */
static int read_all(int fd, char **out, size_t *len_out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return -1;
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    *out = buf;
    *len_out = len;
    return 0;
}

/* Apply the journal's row lines: the last state of each row wins. A line that is not JSON
 * (a torn line that a later run repaired around) is ignored. */
static void journal_apply(bulk *b, char *line, size_t n)
{
    json_t *o = json_loadb(line, n, 0, NULL);
    json_int_t row = json_integer_value(json_object_get(o, "row"));
    const char *st = json_string_value(json_object_get(o, "state"));
    const char *id = json_string_value(json_object_get(o, "message_id"));
    if (row >= 1 && (size_t)row <= b->rows.count && st) {
        for (int k = 1; k <= J_UNKNOWN; k++)
            if (strcmp(st, jnames[k]) == 0)
                b->state[row - 1] = (jstate)k;
        if (id) {
            free(b->prev_id[row - 1]);
            b->prev_id[row - 1] = strdup(id);
        }
    }
    json_decref(o);
}

/* Open, lock and read the journal; create it (header line) when new or empty. A file that
 * is not recognisably a journal is refused before anything is written to it. Returns 0, or
 * an exit code. */
static int journal_open(bulk *b, unsigned long long fp)
{
    b->jfd = -1;
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
    char *buf = NULL;
    size_t len = 0;
    if (read_all(b->jfd, &buf, &len) != 0) {
        fprintf(stderr, "loopmsg send-bulk: cannot read journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    char fpbuf[32];
    snprintf(fpbuf, sizeof fpbuf, "%016llx", fp);
    size_t whole = 0; /* bytes up to the end of the last complete line */
    if (len > 0) {
        char *nl = memchr(buf, '\n', len);
        json_t *h = nl ? json_loadb(buf, (size_t)(nl - buf), 0, NULL) : NULL;
        int ours = h && is_journal_header(h);
        const char *jfp = json_string_value(json_object_get(h, "fingerprint"));
        int same = ours && jfp && strcmp(jfp, fpbuf) == 0;
        json_decref(h);
        if (!ours || !same) {
            free(buf);
            return cli_usage_error("send-bulk", "--journal %s %s", b->journal_path,
                                   !ours ? "is not a send-bulk journal (its first line is not a "
                                           "journal header); it was left as it was"
                                         : "belongs to a different file (or the file changed); "
                                           "use a new journal");
        }
        whole = (size_t)(nl - buf) + 1;
        while (whole < len && (nl = memchr(buf + whole, '\n', len - whole)) != NULL) {
            journal_apply(b, buf + whole, (size_t)(nl - (buf + whole)));
            whole = (size_t)(nl - buf) + 1;
        }
    }
    free(buf);
    if (b->dry_run) {
        close(b->jfd);
        b->jfd = -1;
        return 0;
    }
    /* Cut a torn last line (a run killed in the middle of a write): the next line appended
     * to it would be unreadable too. Only ever done to a file whose header is ours. */
    if (whole < len && ftruncate(b->jfd, (off_t)whole) != 0) {
        fprintf(stderr, "loopmsg send-bulk: cannot repair journal %s: %s\n", b->journal_path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (len == 0) {
        json_t *h = json_pack("{s:s, s:s, s:s, s:I}", "journal", JOURNAL_MAGIC, "fingerprint",
                              fpbuf, "file", b->file, "rows", (json_int_t)b->rows.count);
        rc = h ? journal_write(b, h) : -1;
        json_decref(h);
        if (rc != 0) {
            fprintf(stderr, "loopmsg send-bulk: journal write failed: %s\n", strerror(errno));
            return CLI_EXIT_ERROR;
        }
    }
    return 0;
}

static void print_row(bulk *b, size_t i, const char *message_id, const loopmsg_error *err,
                      const char *skipped)
{
    json_t *o = json_pack("{s:I, s:I, s:s}", "row", (json_int_t)(i + 1), "line",
                          (json_int_t)b->rows.rows[i].line, "contact", b->params[i].contact);
    if (!o)
        return;
    if (message_id)
        json_object_set_new(o, "message_id", json_string(message_id));
    if (skipped)
        json_object_set_new(o, "skipped", json_string(skipped));
    if (err && err->status != LOOPMSG_OK)
        json_object_set_new(o, "error",
                            json_pack("{s:s, s:i, s:i, s:s, s:b, s:b, s:b}", "status",
                                      loopmsg_status_name(err->status), "http_status",
                                      err->http_status, "api_code", err->api_code, "message",
                                      err->message, "retryable", loopmsg_error_is_retryable(err),
                                      "maybe_delivered", loopmsg_error_is_maybe_delivered(err),
                                      "fatal", loopmsg_error_is_fatal(err)));
    if (b->dry_run)
        json_object_set_new(o, "dry_run", json_true());
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(o);
}

static void progress(bulk *b, int final)
{
    if (!b->tty)
        return;
    size_t total = b->rows.count;
    size_t handled = b->accepted + b->failed + b->unknown + b->skipped;
    double secs = (double)(now_ms() - b->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)b->done / secs : 0;
    size_t left = total - handled;
    int width = 24, filled = total ? (int)(handled * (size_t)width / total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu done, %zu failed, %.1f/s, ETA %.0fs   ", bar, handled, total,
            b->failed + b->unknown, rate, rate > 0 ? (double)left / rate : 0.0);
    if (final)
        fputc('\n', stderr);
}

typedef struct slot {
    bulk *b;
    size_t row;
    loopmsg_request_id id;
    int marked; /* its "sending" mark is in the journal */
} slot;

static int by_id(const void *x, const void *y)
{
    loopmsg_request_id a = ((const slot *)x)->id, c = ((const slot *)y)->id;
    return a < c ? -1 : a > c;
}

/* The client's wire callback: the request of a row is about to leave. Its "sending" mark is
 * written to the journal first (one write(2): it survives a kill -9 of this process, not a
 * power cut); if that fails, or the run is stopping, the request is refused and nothing of
 * it leaves. A retry of the row finds its mark already written. */
static int on_wire(loopmsg_client *c, loopmsg_request_id id, unsigned int attempt, void *ud)
{
    (void)c;
    (void)attempt;
    bulk *b = ud;
    slot key = {.id = id};
    slot **found = tfind(&key, &b->by_id, by_id);
    if (!found || b->aborted || interrupted)
        return 1;
    slot *s = *found;
    if (s->marked)
        return 0;
    if (journal_row(b, s->row, J_SENDING, NULL) != 0) {
        fprintf(stderr, "loopmsg send-bulk: journal write failed: %s\n", strerror(errno));
        b->aborted = 1;
        return 1;
    }
    s->marked = 1;
    return 0;
}

static void on_sent(loopmsg_client *c, loopmsg_request_id id, const loopmsg_send_result *r,
                    const loopmsg_error *err, void *ud)
{
    (void)c;
    (void)id;
    slot *s = ud;
    bulk *b = s->b;
    jstate st;
    if (r) {
        st = J_ACCEPTED;
        b->accepted++;
    } else if (err->flags & LOOPMSG_ERRF_MAYBE_DELIVERED) {
        /* e.g. 1030 (no delivery confirmation): resent only with --resend-unknown. A 1020
         * (the destination reported it not delivered) is a failure, journaled with its code. */
        st = J_UNKNOWN;
        b->unknown++;
    } else {
        st = J_FAILED;
        b->failed++;
        if (!(err->flags & LOOPMSG_ERRF_SENT) &&
            (err->status == LOOPMSG_E_TRANSPORT || err->status == LOOPMSG_E_TIMEOUT))
            b->not_sent++;
    }
    journal_row_code(b, s->row, st, r ? r->message_id : NULL, r ? 0 : err->api_code);
    b->state[s->row] = st;
    print_row(b, s->row, r ? r->message_id : NULL, err, NULL);
    b->done++;
    b->in_flight--;
    tdelete(s, &b->by_id, by_id);
    free(s);
}

static int run(bulk *b)
{
    int rc;
    /* The globals decide key, URL, timeouts; send-bulk adds concurrency and pacing. */
    loopmsg_client_options tuning = LOOPMSG_CLIENT_OPTIONS_INIT;
    tuning.max_concurrent = (unsigned int)b->concurrency;
    tuning.rate_limit_per_second = b->rate;
    tuning.wire_cb = on_wire;
    tuning.wire_user_data = b;
    loopmsg_client *c = cli_client_new_ex(b->g, &tuning, &rc);
    if (!c)
        return rc;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    b->started_ms = now_ms();
    size_t window = (size_t)b->concurrency * 2;
    size_t next = 0;
    loopmsg_error err;
    while (!interrupted && !b->aborted && (next < b->rows.count || b->in_flight)) {
        while (!interrupted && !b->aborted && next < b->rows.count && b->in_flight < window) {
            size_t i = next++;
            jstate prev = b->state[i];
            if (prev == J_ACCEPTED) {
                b->skipped++;
                print_row(b, i, b->prev_id[i], NULL, "accepted in an earlier run");
                continue;
            }
            if ((prev == J_SENDING || prev == J_UNKNOWN) && !b->resend_unknown) {
                b->unknown++; /* counted once: unknown, not also skipped */
                print_row(b, i, NULL, NULL,
                          "outcome unknown in an earlier run; not resent (see --resend-unknown)");
                continue;
            }
            /* Its "sending" mark is written by on_wire, when the request is about to leave:
             * a row waiting in the engine's queue has not reached anyone yet. */
            slot *s = calloc(1, sizeof *s);
            if (!s) {
                b->aborted = 1;
                break;
            }
            s->b = b;
            s->row = i;
            loopmsg_status st =
                loopmsg_message_send_async(c, &b->params[i], on_sent, s, &s->id, &err);
            if (st != LOOPMSG_OK) {
                free(s);
                journal_row(b, i, J_FAILED, NULL);
                print_row(b, i, NULL, &err, NULL);
                b->failed++;
                b->done++;
                continue;
            }
            /* Before the next poll, where on_wire may look for it. */
            if (!tsearch(s, &b->by_id, by_id))
                b->aborted = 1; /* on_wire refuses what it cannot find */
            b->in_flight++;
        }
        if (b->in_flight && loopmsg_client_poll(c, 100) < 0)
            break;
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
    progress(b, 1);
    loopmsg_client_free(c);
    /* Rows never started (Ctrl-C, a local failure) are named too: the counts add up. */
    size_t untouched = b->rows.count - b->accepted - b->failed - b->unknown - b->skipped;
    char rest[64] = "";
    if (untouched)
        snprintf(rest, sizeof rest, ", %zu not sent", untouched);
    fprintf(stderr,
            "loopmsg send-bulk: %zu accepted, %zu failed, %zu unknown, %zu skipped%s of %zu "
            "row(s)%s\n",
            b->accepted, b->failed, b->unknown, b->skipped, rest, b->rows.count,
            interrupted ? " (interrupted)" : "");
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

static const char usage[] =
    "usage: loopmsg send-bulk --file F [--concurrency N] [--rate PER_SECOND] [--journal J]\n"
    "                         [--resend-unknown] [--dry-run]\n"
    "F: CSV with a header (contact,text plus optional subject,effect,attachments,passthrough,\n"
    "sender; attachments separated by spaces) or JSON lines; '-' reads JSON lines from stdin.\n"
    "Every row is validated before the first send. One JSON line per row on stdout.\n"
    "With --journal, a rerun skips rows already accepted; rows whose outcome is unknown are\n"
    "resent only with --resend-unknown. Ctrl-C finishes the requests in flight and exits 130.\n"
    "A journal is locked for the run; a file that is not a send-bulk journal is refused.\n";

int cli_cmd_send_bulk(cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, B_FILE},
        {"concurrency", required_argument, NULL, B_CONCURRENCY},
        {"rate", required_argument, NULL, B_RATE},
        {"journal", required_argument, NULL, B_JOURNAL},
        {"resend-unknown", no_argument, NULL, B_RESEND_UNKNOWN},
        {"dry-run", no_argument, NULL, B_DRY_RUN},
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
    char why[256];
    if (cli_rows_read(b.file, columns, required, &b.rows, why, sizeof why) != 0)
        return cli_usage_error("send-bulk", "%s: %s", b.file, why);
    int rc = CLI_EXIT_OK;
    size_t n = b.rows.count;
    b.params = calloc(n, sizeof *b.params);
    b.state = calloc(n, sizeof *b.state);
    b.prev_id = calloc(n, sizeof *b.prev_id);
    if (!b.params || !b.state || !b.prev_id) {
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    /* Every row is checked before the first send: a bad row stops the run, nothing sent. */
    for (size_t i = 0; i < n; i++) {
        cli_row *r = &b.rows.rows[i];
        loopmsg_send_params *p = &b.params[i];
        p->version = LOOPMSG_SEND_PARAMS_VERSION;
        p->contact = r->values[C_CONTACT];
        p->text = r->values[C_TEXT];
        p->subject = r->values[C_SUBJECT];
        p->passthrough = r->values[C_PASSTHROUGH];
        p->sender = r->values[C_SENDER];
        p->attachments = (const char *const *)r->attachments;
        p->attachment_count = r->attachment_count;
        if (r->values[C_EFFECT] &&
            loopmsg_effect_parse(&p->effect, r->values[C_EFFECT]) != LOOPMSG_OK) {
            rc = cli_usage_error("send-bulk", "%s: line %zu: unknown effect '%s'", b.file, r->line,
                                 r->values[C_EFFECT]);
            goto out;
        }
        loopmsg_error err;
        if (loopmsg_send_params_validate(p, &err) != LOOPMSG_OK) {
            rc = cli_usage_error("send-bulk", "%s: line %zu: %s", b.file, r->line, err.message);
            goto out;
        }
    }
    rc = journal_open(&b, fingerprint(&b.rows));
    if (rc)
        goto out;
    if (b.dry_run) {
        for (size_t i = 0; i < n; i++)
            print_row(&b, i, b.state[i] == J_ACCEPTED ? b.prev_id[i] : NULL, NULL,
                      b.state[i] == J_ACCEPTED ? "accepted in an earlier run" : NULL);
        fprintf(stderr, "loopmsg send-bulk: %zu row(s) valid; nothing sent (--dry-run)\n", n);
        goto out;
    }
    b.tty = isatty(fileno(stderr));
    rc = run(&b);
out:
    if (b.jfd >= 0)
        close(b.jfd);
    if (b.prev_id)
        for (size_t i = 0; i < n; i++)
            free(b.prev_id[i]);
    free(b.prev_id);
    free(b.state);
    free(b.params);
    cli_rows_free(&b.rows);
    return rc;
}
