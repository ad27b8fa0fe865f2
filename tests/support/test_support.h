/* SPDX-License-Identifier: MIT */
/*
 * test_support.h: what every test executable shares: the counting allocator that makes a
 * leaking test fail, an in-process emulator fixture on 127.0.0.1, assertion helpers that
 * print status names and messages, and small utilities.
 */
#ifndef LOOPMSG_TEST_SUPPORT_H
#define LOOPMSG_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <loopmsg.h>
#include <loopmsg/emulator.h>

/* Install the counting allocator (loopmsg_global_init) once per process. */
void ts_alloc_install(void);
/* Outstanding allocations made through the SDK's allocator. */
long ts_alloc_outstanding(void);
/* Make the n-th allocation from now fail (0 = never). */
void ts_alloc_fail_at(long n);

/* cmocka group setup/teardown that install the allocator and check for leaks per test. */
int ts_setup(void **state);    /* records the outstanding count */
int ts_teardown(void **state); /* fails the test when allocations leaked */

/* The fixture of integration tests: an emulator on an ephemeral port and a client. */
typedef struct ts_env {
    loopmsg_emulator *emu;
    loopmsg_client *client;
    char url[128];
    long alloc_mark;
} ts_env;

#define TS_KEY "test-key"

/* Setup: start an emulator (key TS_KEY) and a client with small delays (retry_delay 10 ms,
 * timeout 2000 ms). *state becomes a ts_env. */
int ts_emu_setup(void **state);
/* ts_emu_setup with another delivery delay (the time a send, or a lookup, stays pending). */
int ts_emu_setup_delay(void **state, unsigned int delivery_delay_ms);
int ts_emu_teardown(void **state);
/* Setup for suites that talk to a bare emulator (no client, no ts_env): start one with o
 * (quiet is set) and make *state the loopmsg_emulator; on failure print why and return -1.
 * Free it with ts_emu_bare_teardown. */
int ts_emu_bare_setup(void **state, loopmsg_emulator_options *o);
int ts_emu_bare_teardown(void **state);

/* A new client for env with options tweaked by the caller (version/api_key/base_url are
 * filled in when zero). Asserts success. */
loopmsg_client *ts_client(ts_env *env, loopmsg_client_options *opts);

/* Submit n async sends of `text` to +13231112233 at once and run the client until every one
 * has answered; asserts that each callback fired once. Returns how many were accepted with a
 * message id. */
int ts_send_burst(loopmsg_client *c, int n, const char *text);

/* A message the emulator knows (replies, reactions and status need one), sent to contact with
 * env->client (asserts success); its id into id (size bytes). The recorded requests are then
 * forgotten, the state kept. */
void ts_seed_message(ts_env *env, const char *contact, char *id, size_t size);

/* Assert what the index-th recorded request carried: method, path, query (NULL: not checked),
 * Authorization TS_KEY, Content-Type application/json, a User-Agent starting "libloopmsg/",
 * and the JSON body (NULL: an empty body). */
void ts_assert_request(ts_env *env, size_t index, const char *method, const char *path,
                       const char *query, const char *json_body);
/* ts_assert_request with another Authorization value. */
void ts_assert_request_auth(ts_env *env, size_t index, const char *method, const char *path,
                            const char *query, const char *auth, const char *json_body);

/* Queue a scripted answer. */
void ts_script(ts_env *env, int status, const char *body);
void ts_script_full(ts_env *env, const loopmsg_emulator_answer *a);

/* The index-th recorded request (assert it exists); free with loopmsg_emulator_request_free. */
loopmsg_emulator_request *ts_request(ts_env *env, size_t index);
size_t ts_request_count(ts_env *env);

/* Assert that the JSON text `actual` equals the JSON text `expected` (object key order does
 * not matter). */
void ts_assert_json_eq(const char *expected, const char *actual);

/* Assert status with a readable failure (status names and err->message). */
#define ts_assert_status(expected, actual, err)                                                    \
    ts_assert_status_impl((expected), (actual), (err), __FILE__, __LINE__)
void ts_assert_status_impl(loopmsg_status expected, loopmsg_status actual, const loopmsg_error *err,
                           const char *file, int line);

/* Short names for the error flags in assertions. */
#define F_R LOOPMSG_ERRF_RETRYABLE
#define F_M LOOPMSG_ERRF_MAYBE_DELIVERED
#define F_F LOOPMSG_ERRF_FATAL
#define F_S LOOPMSG_ERRF_SENT

/* Assert an error field by field: status, http_status, api_code, flags (exactly), attempts. */
#define assert_err(e, st, http, code, flags, attempts)                                             \
    ts_assert_err_impl((e), (st), (http), (code), (flags), (attempts), __FILE__, __LINE__)
void ts_assert_err_impl(const loopmsg_error *e, loopmsg_status st, int http, int code,
                        unsigned int flags, unsigned int attempts, const char *file, int line);

/* Assert that haystack contains needle. */
#define ts_assert_contains(haystack, needle)                                                       \
    ts_assert_contains_impl((haystack), (needle), __FILE__, __LINE__)
void ts_assert_contains_impl(const char *haystack, const char *needle, const char *file, int line);

/* Read a whole file (NUL-terminated; caller frees). NULL if it cannot be read. */
char *ts_read_file(const char *path, size_t *len_out);

/* Remove the files directly inside dir, then dir itself (not recursive; errors ignored). */
void ts_remove_dir(const char *dir);

/* Path under $LOOPMSG_TEST_DATA (static buffer). */
const char *ts_data_path(const char *rel);

/* Monotonic clock in milliseconds. */
uint64_t ts_now_ms(void);
/* Sleep for ms milliseconds. */
void ts_sleep_ms(unsigned int ms);

/* Wait (at most timeout_ms) until process pid has taken signal sig, sent by kill(2): it is
 * no longer pending (/proc/PID/status), so its handler has run or is running and a second
 * one sent now is not merged into the first. True when taken. Linux only. */
int ts_signal_taken(int pid, int sig, int timeout_ms);

/* Wait (at most timeout_ms) until the emulator has no webhook delivery queued or in flight.
 * A delivery is queued when the request that causes it is answered, and leaves the count
 * only after its attempt is in the webhook history; so once this returns true every webhook
 * caused so far has been posted and recorded, and no more will come. Fails the test on
 * timeout (ten times longer under valgrind: ts_slow). */
void ts_emu_wait_idle(loopmsg_emulator *emu, unsigned int timeout_ms);

/* A 127.0.0.1 port bound by the returned socket and never listened on: connections to it are
 * refused while the socket is open, and nobody else can take it (close it at the end). */
int ts_bound_port(uint16_t *port_out);
/* ts_bound_port, with url set to http://127.0.0.1:PORT. */
int ts_refusing_url(char *url, size_t size);
/* A free 127.0.0.1 port (bound and released at once: another process could take it). */
uint16_t ts_free_port(void);

/* The log lines of a client: log_cb = ts_capture_log, log_user_data = a ts_log_capture
 * (large: allocate it). Lines beyond TS_LOG_LINES are dropped. */
#define TS_LOG_LINES 512
typedef struct ts_log_capture {
    size_t count;
    int level[TS_LOG_LINES];
    char line[TS_LOG_LINES][1100];
} ts_log_capture;
void ts_capture_log(loopmsg_log_level level, const char *line, void *user_data);
/* How many captured lines contain needle. */
size_t ts_log_lines_containing(const ts_log_capture *c, const char *needle);

/* True under a slow runner (valgrind sets LOOPMSG_TEST_SLOW): timing upper bounds are skipped
 * there; lower bounds always hold. */
int ts_slow(void);

/* The loopmsg CLI as a child process: argv is the CLI's arguments (NULL-terminated, without
 * the program name); the environment is PATH, ASAN_OPTIONS, LOOP_API_KEY=TS_KEY and
 * LOOP_BASE_URL=env->url (no other LOOP_* variable) plus `extra_env`. stdout and stderr go to
 * files read back by ts_cli_wait. */
typedef struct ts_cli {
    int pid;
    char out_path[64];
    char err_path[64];
    char in_path[64]; /* a temporary file holding stdin_data, if any */
    char *out;        /* filled by ts_cli_wait, never NULL after it */
    char *err;
    int exit_code; /* 128 + signal when killed by a signal */
    int signal;    /* the signal that ended it, or 0 */
    int timed_out; /* ts_cli_wait had to kill it */
    uint64_t started_ms;
    uint64_t elapsed_ms; /* start to exit, filled by ts_cli_wait */
    long maxrss_kb;      /* the child's peak RSS (getrusage through wait4), by ts_cli_wait */
} ts_cli;

/* How to start it; every field may be zero. */
typedef struct ts_cli_opts {
    const char *const *extra_env; /* NULL-terminated "K=V" list */
    const char *stdin_path;       /* stdin from this file; NULL = stdin_data or /dev/null */
    const char *stdin_data;       /* stdin holds exactly this text */
    const char *base_url;         /* LOOP_BASE_URL; NULL = the emulator of env */
    int no_key;                   /* leave LOOP_API_KEY out */
    int drop_root; /* under root, run the CLI as nobody (65534) so file permissions apply */
} ts_cli_opts;

void ts_cli_start_ex(ts_cli *cli, ts_env *env, const char *const *argv, const ts_cli_opts *opts);
void ts_cli_start(ts_cli *cli, ts_env *env, const char *const *argv, const char *const *extra_env,
                  const char *stdin_path);
/* Wait (at most timeout_ms, then SIGKILL) and read the outputs. Returns the exit code. */
int ts_cli_wait(ts_cli *cli, int timeout_ms);
void ts_cli_free(ts_cli *cli);
/* Start and wait in one go. */
int ts_cli_run(ts_cli *cli, ts_env *env, const char *const *argv, const char *stdin_path);

#endif
