/* SPDX-License-Identifier: MIT */
/*
 * job.c: a send-bulk job shared through Redis (see job.h). One connection per process, used
 * from the CLI's thread only; every command is a Lua script, so that each step is atomic
 * across the processes. Any failure of Redis is returned to the caller, which stops its
 * run: nothing is retried blindly (a claim whose answer was lost would strand its rows).
 */
#include "job.h"
#include "redis_int.h"

#include <hiredis/hiredis.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 5000u

/* KEYS meta, state, pending; ARGV fp, total, rate, create. */
static const char open_script[] =
    "local fp = redis.call('HGET', KEYS[1], 'fp')\n"
    "if fp then\n"
    "  if fp ~= ARGV[1] or redis.call('HGET', KEYS[1], 'total') ~= ARGV[2] then\n"
    "    return {2, fp, redis.call('HGET', KEYS[1], 'total')}\n"
    "  end\n"
    "  if ARGV[4] == '1' and ARGV[3] ~= '0' then redis.call('HSET', KEYS[1], 'rate', ARGV[3]) end\n"
    "  return {0}\n"
    "end\n"
    "if ARGV[4] ~= '1' then return {0} end\n"
    "redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'total', ARGV[2], 'rate', ARGV[3])\n"
    "local n = tonumber(ARGV[2])\n"
    "local i = 0\n"
    "while i < n do\n"
    "  local t = {}\n"
    "  for r = i, math.min(n, i + 4000) - 1 do t[#t + 1] = r end\n"
    "  redis.call('RPUSH', KEYS[3], unpack(t))\n"
    "  i = i + 4000\n"
    "end\n"
    "return {1}\n";

/* KEYS meta, state, pending; ARGV at_start, resend_unknown, token, lease_ms. */
static const char recover_script[] =
    "redis.call('SET', KEYS[1] .. ':lease:' .. ARGV[3], '1', 'PX', ARGV[4])\n"
    "local all = redis.call('HGETALL', KEYS[2])\n"
    "local requeued, busy, unknown = 0, 0, {}\n"
    "local alive = {}\n"
    "for k = 1, #all, 2 do\n"
    "  local row, v = all[k], all[k + 1]\n"
    "  local c = string.sub(v, 1, 1)\n"
    "  local requeue = false\n"
    "  if c == 'c' or c == 's' then\n"
    "    local owner = string.sub(v, 3)\n"
    "    if alive[owner] == nil then\n"
    "      alive[owner] = owner ~= ARGV[3] and\n"
    "                     redis.call('EXISTS', KEYS[1] .. ':lease:' .. owner) == 1\n"
    "    end\n"
    "    if alive[owner] then busy = busy + 1\n"
    "    elseif c == 'c' then requeue = true\n"
    "    else\n"
    "      redis.call('HSET', KEYS[2], row, 'u')\n"
    "      if ARGV[2] == '1' then requeue = true else unknown[#unknown + 1] = row end\n"
    "    end\n"
    "  elseif c == 'f' and ARGV[1] == '1' then requeue = true\n"
    "  elseif c == 'u' and ARGV[1] == '1' then\n"
    "    if ARGV[2] == '1' then requeue = true else unknown[#unknown + 1] = row end\n"
    "  end\n"
    "  if requeue then\n"
    "    redis.call('HSET', KEYS[2], row, 'q')\n"
    "    redis.call('RPUSH', KEYS[3], row)\n"
    "    requeued = requeued + 1\n"
    "  end\n"
    "end\n"
    "return {requeued, busy, unknown}\n";

/* KEYS meta, state, pending; ARGV max, token, lease_ms. */
static const char claim_script[] =
    "redis.call('SET', KEYS[1] .. ':lease:' .. ARGV[2], '1', 'PX', ARGV[3])\n"
    "local out = {}\n"
    "local n = tonumber(ARGV[1])\n"
    "while #out < n do\n"
    "  local row = redis.call('LPOP', KEYS[3])\n"
    "  if not row then break end\n"
    "  local v = redis.call('HGET', KEYS[2], row)\n"
    "  if not v or v == 'q' then\n"
    "    redis.call('HSET', KEYS[2], row, 'c|' .. ARGV[2])\n"
    "    out[#out + 1] = row\n"
    "  end\n"
    "end\n"
    "return out\n";

/* KEYS meta, state; ARGV token, lease_ms, then (row, state) pairs. */
static const char update_script[] =
    "redis.call('SET', KEYS[1] .. ':lease:' .. ARGV[1], '1', 'PX', ARGV[2])\n"
    "local t = redis.call('TIME')\n"
    "local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    "local mine = 'c|' .. ARGV[1]\n"
    "local res = {}\n"
    "local marked, settled = false, false\n"
    "for i = 3, #ARGV, 2 do\n"
    "  local row, st = ARGV[i], ARGV[i + 1]\n"
    "  if st == 's' then\n"
    "    if redis.call('HGET', KEYS[2], row) == mine then\n"
    "      redis.call('HSET', KEYS[2], row, 's|' .. ARGV[1])\n"
    "      res[#res + 1] = 1\n"
    "      marked = true\n"
    "    else res[#res + 1] = 0 end\n"
    "  else\n"
    "    redis.call('HSET', KEYS[2], row, st)\n"
    "    res[#res + 1] = 1\n"
    "    settled = true\n"
    "  end\n"
    "end\n"
    "if marked then redis.call('HSETNX', KEYS[1], 'first_ms', now) end\n"
    "if settled then redis.call('HSET', KEYS[1], 'last_ms', now) end\n"
    "return res\n";

/* KEYS bucket; ARGV rate per second, capacity, want. */
static const char take_script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000\n"
    "local rate, cap, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')\n"
    "local tokens = tonumber(b[1]) or cap\n"
    "local ts = tonumber(b[2]) or now\n"
    "if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate / 1000) end\n"
    "local got = math.min(want, math.floor(tokens))\n"
    "tokens = tokens - got\n"
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))\n"
    "redis.call('PEXPIRE', KEYS[1], 600000)\n"
    "if got > 0 then return {got, 0} end\n"
    "return {0, math.ceil((1 - tokens) * 1000 / rate)}\n";

/* KEYS meta, state; ARGV none. Returns total, accepted, failed, unknown, sending, pending
 * (queued or never claimed), rate, first_ms, last_ms, exists. */
static const char status_script[] =
    "local m = redis.call('HMGET', KEYS[1], 'total', 'rate', 'first_ms', 'last_ms')\n"
    "if not m[1] then return {0, 0, 0, 0, 0, 0, '0', '0', '0', 0} end\n"
    "local all = redis.call('HVALS', KEYS[2])\n"
    "local a, f, u, s = 0, 0, 0, 0\n"
    "local alive = {}\n"
    "for k = 1, #all do\n"
    "  local c = string.sub(all[k], 1, 1)\n"
    "  if c == 'a' then a = a + 1 elseif c == 'f' then f = f + 1 elseif c == 'u' then u = u + 1\n"
    "  elseif c == 'c' or c == 's' then\n"
    "    local owner = string.sub(all[k], 3)\n"
    "    if alive[owner] == nil then\n"
    "      alive[owner] = redis.call('EXISTS', KEYS[1] .. ':lease:' .. owner) == 1\n"
    "    end\n"
    "    if alive[owner] then s = s + 1 elseif c == 's' then u = u + 1 end\n"
    "  end\n"
    "end\n"
    "local total = tonumber(m[1])\n"
    "return {total, a, f, u, s, total - a - f - u - s, m[2] or '0', m[3] or '0', m[4] or '0', 1}\n";

struct loopmsg__redis_job {
    redisContext *c;
    char meta[512], state[520], pending[520], bucket[520];
    char token[128];
    char lease[16];
};

static void job_keys(loopmsg__redis_job *j, const char *name)
{
    snprintf(j->meta, sizeof j->meta, "loopmsg:job:%s", name);
    snprintf(j->state, sizeof j->state, "%s:state", j->meta);
    snprintf(j->pending, sizeof j->pending, "%s:pending", j->meta);
    snprintf(j->bucket, sizeof j->bucket, "%s:bucket", j->meta);
}

static redisContext *connect_url(const char *url, char *msg, size_t msg_len)
{
    loopmsg__redis_url u;
    if (loopmsg__redis_url_parse(&u, url, msg, msg_len) != 0)
        return NULL;
    redisContext *c = loopmsg__redis_connect(&u, TIMEOUT_MS, msg, msg_len);
    loopmsg__redis_url_wipe(&u);
    return c;
}

/* EVAL script with nkeys keys then nargs args. NULL on failure (msg set). */
static redisReply *eval(redisContext *c, const char *script, const char *what, size_t nkeys,
                        const char *const *keys, size_t nargs, const char *const *args,
                        const size_t *arg_lens, char *msg, size_t msg_len)
{
    size_t argc = 3 + nkeys + nargs;
    const char **argv = malloc(argc * sizeof *argv);
    size_t *lens = malloc(argc * sizeof *lens);
    char nk[16];
    if (!argv || !lens) {
        free(argv);
        free(lens);
        snprintf(msg, msg_len, "%s: out of memory", what);
        return NULL;
    }
    snprintf(nk, sizeof nk, "%zu", nkeys);
    argv[0] = "EVAL";
    argv[1] = script;
    argv[2] = nk;
    for (size_t i = 0; i < nkeys; i++)
        argv[3 + i] = keys[i];
    for (size_t i = 0; i < nargs; i++) {
        argv[3 + nkeys + i] = args[i];
        lens[3 + nkeys + i] = arg_lens ? arg_lens[i] : strlen(args[i]);
    }
    for (size_t i = 0; i < 3 + nkeys; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = redisCommandArgv(c, (int)argc, argv, lens);
    free(argv);
    free(lens);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        loopmsg__redis_describe(msg, msg_len, what, c, r);
        if (r)
            freeReplyObject(r);
        return NULL;
    }
    return r;
}

static long long elem_int(const redisReply *r, size_t i)
{
    if (i >= r->elements)
        return 0;
    const redisReply *e = r->element[i];
    if (e->type == REDIS_REPLY_INTEGER)
        return e->integer;
    if (e->type == REDIS_REPLY_STRING)
        return strtoll(e->str, NULL, 10);
    return 0;
}

static double elem_double(const redisReply *r, size_t i)
{
    if (i >= r->elements)
        return 0;
    const redisReply *e = r->element[i];
    if (e->type == REDIS_REPLY_INTEGER)
        return (double)e->integer;
    if (e->type == REDIS_REPLY_STRING)
        return strtod(e->str, NULL);
    return 0;
}

int loopmsg__redis_job_open(loopmsg__redis_job **out, const char *url, const char *name,
                            unsigned long long fp, size_t total, double rate, int create,
                            unsigned int lease_ms, char *msg, size_t msg_len)
{
    *out = NULL;
    if (!name[0] || strlen(name) > 256) {
        snprintf(msg, msg_len, "--job: expected a name of 1 to 256 bytes");
        return -1;
    }
    loopmsg__redis_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(msg, msg_len, "out of memory");
        return -1;
    }
    job_keys(j, name);
    char host[64] = "host";
    (void)gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(j->token, sizeof j->token, "%s:%ld:%lx", host, (long)getpid(),
             (unsigned long)(ts.tv_sec * 1000000000L + ts.tv_nsec));
    snprintf(j->lease, sizeof j->lease, "%u", lease_ms ? lease_ms : 10000u);
    j->c = connect_url(url, msg, msg_len);
    if (!j->c) {
        free(j);
        return -1;
    }
    char fpbuf[32], totbuf[32], ratebuf[32];
    snprintf(fpbuf, sizeof fpbuf, "%016llx", fp);
    snprintf(totbuf, sizeof totbuf, "%zu", total);
    snprintf(ratebuf, sizeof ratebuf, "%g", rate > 0 ? rate : 0);
    const char *keys[3] = {j->meta, j->state, j->pending};
    const char *args[4] = {fpbuf, totbuf, ratebuf, create ? "1" : "0"};
    redisReply *r =
        eval(j->c, open_script, "cannot open the job", 3, keys, 4, args, NULL, msg, msg_len);
    if (!r) {
        loopmsg__redis_job_free(j);
        return -1;
    }
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
        snprintf(msg, msg_len, "cannot open the job: unexpected reply");
        rc = -1;
    } else if (elem_int(r, 0) == 2) {
        snprintf(
            msg, msg_len,
            "job '%s' belongs to another file (fingerprint %s, %s rows; this file: %s, "
            "%zu rows)",
            name,
            r->elements > 1 && r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "?",
            r->elements > 2 && r->element[2]->type == REDIS_REPLY_STRING ? r->element[2]->str : "?",
            fpbuf, total);
        rc = 1;
    }
    freeReplyObject(r);
    if (rc != 0) {
        loopmsg__redis_job_free(j);
        return rc;
    }
    *out = j;
    return 0;
}

void loopmsg__redis_job_free(loopmsg__redis_job *j)
{
    if (!j)
        return;
    if (j->c)
        redisFree(j->c);
    free(j);
}

int loopmsg__redis_job_recover(loopmsg__redis_job *j, int at_start, int resend_unknown,
                               size_t *requeued, size_t *busy, size_t **unknown_rows,
                               size_t *n_unknown, char *msg, size_t msg_len)
{
    *requeued = *busy = *n_unknown = 0;
    if (unknown_rows)
        *unknown_rows = NULL;
    const char *keys[3] = {j->meta, j->state, j->pending};
    const char *args[4] = {at_start ? "1" : "0", resend_unknown ? "1" : "0", j->token, j->lease};
    redisReply *r = eval(j->c, recover_script, "cannot recover the job's rows", 3, keys, 4, args,
                         NULL, msg, msg_len);
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[2]->type != REDIS_REPLY_ARRAY) {
        snprintf(msg, msg_len, "cannot recover the job's rows: unexpected reply");
        freeReplyObject(r);
        return -1;
    }
    *requeued = (size_t)elem_int(r, 0);
    *busy = (size_t)elem_int(r, 1);
    const redisReply *u = r->element[2];
    if (unknown_rows && u->elements) {
        *unknown_rows = malloc(u->elements * sizeof **unknown_rows);
        if (!*unknown_rows) {
            freeReplyObject(r);
            snprintf(msg, msg_len, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < u->elements; i++)
            (*unknown_rows)[i] = (size_t)elem_int(u, i);
        *n_unknown = u->elements;
    }
    freeReplyObject(r);
    return 0;
}

int loopmsg__redis_job_claim(loopmsg__redis_job *j, size_t max, size_t *rows, size_t *n, char *msg,
                             size_t msg_len)
{
    *n = 0;
    char maxbuf[32];
    snprintf(maxbuf, sizeof maxbuf, "%zu", max);
    const char *keys[3] = {j->meta, j->state, j->pending};
    const char *args[3] = {maxbuf, j->token, j->lease};
    redisReply *r = eval(j->c, claim_script, "cannot claim rows of the job", 3, keys, 3, args, NULL,
                         msg, msg_len);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements > max) {
        snprintf(msg, msg_len, "cannot claim rows of the job: unexpected reply");
        rc = -1;
    } else {
        for (size_t i = 0; i < r->elements; i++)
            rows[i] = (size_t)elem_int(r, i);
        *n = r->elements;
    }
    freeReplyObject(r);
    return rc;
}

int loopmsg__redis_job_update(loopmsg__redis_job *j, const loopmsg__redis_job_op *ops, size_t n,
                              unsigned char *ok, char *msg, size_t msg_len)
{
    size_t nargs = 2 + 2 * n;
    const char **args = malloc(nargs * sizeof *args);
    char *bufs = malloc(n * 32 + 1);
    char **states = calloc(n + 1, sizeof *states);
    int rc = -1;
    if (!args || !bufs || !states) {
        snprintf(msg, msg_len, "out of memory");
        goto done;
    }
    args[0] = j->token;
    args[1] = j->lease;
    for (size_t i = 0; i < n; i++) {
        snprintf(bufs + i * 32, 32, "%zu", ops[i].row);
        args[2 + 2 * i] = bufs + i * 32;
        const char *id = ops[i].message_id ? ops[i].message_id : "";
        size_t len = strlen(id) + 3;
        states[i] = malloc(len);
        if (!states[i]) {
            snprintf(msg, msg_len, "out of memory");
            goto done;
        }
        if (ops[i].state == 'a')
            snprintf(states[i], len, "a|%s", id);
        else
            snprintf(states[i], len, "%c", ops[i].state);
        args[3 + 2 * i] = states[i];
    }
    const char *keys[2] = {j->meta, j->state};
    redisReply *r = eval(j->c, update_script, "cannot write to the job", 2, keys, nargs, args, NULL,
                         msg, msg_len);
    if (!r)
        goto done;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        snprintf(msg, msg_len, "cannot write to the job: unexpected reply");
    } else {
        for (size_t i = 0; ok && i < n; i++)
            ok[i] = elem_int(r, i) == 1;
        rc = 0;
    }
    freeReplyObject(r);
done:
    if (states)
        for (size_t i = 0; i < n; i++)
            free(states[i]);
    free(states);
    free(bufs);
    free(args);
    return rc;
}

int loopmsg__redis_job_take(loopmsg__redis_job *j, double rate, size_t want, size_t *got,
                            unsigned int *wait_ms, char *msg, size_t msg_len)
{
    *got = 0;
    *wait_ms = 0;
    /* A tenth of a second's worth: enough to keep the window busy, small enough that the
     * first burst does not show in the rate. */
    double cap = rate / 10 < 1 ? 1 : rate / 10;
    char ratebuf[32], capbuf[32], wantbuf[32];
    snprintf(ratebuf, sizeof ratebuf, "%.6f", rate);
    snprintf(capbuf, sizeof capbuf, "%.6f", cap);
    snprintf(wantbuf, sizeof wantbuf, "%zu", want);
    const char *keys[1] = {j->bucket};
    const char *args[3] = {ratebuf, capbuf, wantbuf};
    redisReply *r = eval(j->c, take_script, "cannot take from the job's rate limiter", 1, keys, 3,
                         args, NULL, msg, msg_len);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        snprintf(msg, msg_len, "cannot take from the job's rate limiter: unexpected reply");
        rc = -1;
    } else {
        *got = (size_t)elem_int(r, 0);
        long long w = elem_int(r, 1);
        *wait_ms = w < 1 ? 1u : w > 1000 ? 1000u : (unsigned int)w;
    }
    freeReplyObject(r);
    return rc;
}

int loopmsg__redis_job_status(const char *url, const char *name, loopmsg__redis_job_counts *out,
                              char *msg, size_t msg_len)
{
    memset(out, 0, sizeof *out);
    loopmsg__redis_job j;
    memset(&j, 0, sizeof j);
    if (!name[0] || strlen(name) > 256) {
        snprintf(msg, msg_len, "expected a job name of 1 to 256 bytes");
        return -1;
    }
    job_keys(&j, name);
    j.c = connect_url(url, msg, msg_len);
    if (!j.c)
        return -1;
    const char *keys[2] = {j.meta, j.state};
    redisReply *r =
        eval(j.c, status_script, "cannot read the job", 2, keys, 0, NULL, NULL, msg, msg_len);
    int rc = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 10) {
        out->total = (size_t)elem_int(r, 0);
        out->accepted = (size_t)elem_int(r, 1);
        out->failed = (size_t)elem_int(r, 2);
        out->unknown = (size_t)elem_int(r, 3);
        out->sending = (size_t)elem_int(r, 4);
        out->pending = (size_t)elem_int(r, 5);
        out->rate = elem_double(r, 6);
        double first = elem_double(r, 7), last = elem_double(r, 8);
        size_t settled = out->accepted + out->failed + out->unknown;
        if (first > 0 && last > first && settled > 1)
            out->observed = (double)(settled - 1) * 1000.0 / (last - first);
        out->exists = elem_int(r, 9) == 1;
        rc = 0;
    } else if (r) {
        snprintf(msg, msg_len, "cannot read the job: unexpected reply");
    }
    if (r)
        freeReplyObject(r);
    redisFree(j.c);
    return rc;
}
