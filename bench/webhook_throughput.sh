#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# webhook_throughput.sh: the webhook receiver (libloopmsg_webhook) against the floor of its
# HTTP layer, in one run. wrk POSTs a message_inbound payload over keep-alive connections to
#  - the floor: bench/webhook_floor_server, a libmicrohttpd hello-world that reads the body
#    and answers 200 with no work at all;
#  - ours: bench/webhook_bench_server, a receiver whose callback only counts (the full path:
#    auth, parse, dedupe, queue, callback);
#  - with --durable, ours again with a spool (fdatasync before every 200).
# The servers run alternately (floor, ours[, durable], floor, ours...) ROUNDS times and each
# keeps its best requests/s, so that load from elsewhere on the machine hits them alike; the
# ratio ours / floor is the figure to compare across machines. Each server's CPU time per
# request (user + system, from /proc) is printed too: when other work loads the machine,
# requests/s of both sides sink towards what the scheduler gives them, while CPU per
# request still shows what each request costs, and sleeps per request (voluntary context
# switches of all its threads) the handoffs between threads. Builds nothing: pass a build
# directory in which both servers were built (a release build without sanitizers).
#
#   bench/webhook_throughput.sh BUILD_DIR [SECONDS] [CONNECTIONS] [--durable]
#
# Environment: MODE=unique (default: every request a new webhook_id) or MODE=repeat (one
# fixed body: after the first, every request is a duplicate); ROUNDS (3); WRK_THREADS (1);
# HTTP_MODE (poll, epoll or per-connection) and HTTP_THREADS for the receiver (default: the
# library's defaults); FLOOR_MODE (poll) and FLOOR_THREADS (1) for the floor; WORKERS (the
# library's default); EXTRA_ARGS (more receiver options); OURS (another receiver binary,
# e.g. one built from another branch, in place of BUILD_DIR's).
# Targets (issue 15): ours >= 0.85 x the floor, p99 < 3 ms at 64 connections, RSS < 16 MB.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [SECONDS] [CONNECTIONS] [--durable]}
secs=${2:-8}
conns=${3:-64}
durable=0
[ "${4:-}" = --durable ] && durable=1
mode=${MODE:-unique}
rounds=${ROUNDS:-3}
wrk_threads=${WRK_THREADS:-1}
ours=${OURS:-$build/bench/webhook_bench_server}
src=$(cd "$(dirname "$0")/.." && pwd)
floor=$build/bench/webhook_floor_server
for b in "$ours" "$floor"; do
    [ -x "$b" ] || { echo "no $b: build the bench targets first" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# run NAME CMD...: start the server, drive it with wrk, print one line
# "NAME rps p50 p99 hwm_kB non2xx cpu_us_per_request" and keep the server's stderr in $tmp/NAME.err.
run=0
run_one() {
    local name=$1
    shift
    run=$((run + 1))
    "$@" > "$tmp/port" 2> "$tmp/$name.err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    local port
    port=$(head -1 "$tmp/port")
    [ -n "$port" ] || { cat "$tmp/$name.err" >&2; exit 1; }
    PREFIX=$run MODE=$mode wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --latency \
        -s "$src/bench/webhook_post.lua" "http://127.0.0.1:$port/webhook" > "$tmp/wrk.out"
    local hwm ticks
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
    # The server's CPU time (user + system, in clock ticks) over the run: per request, the
    # figure that load from elsewhere on the machine disturbs least.
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    # Times its threads went to sleep (voluntary context switches, all threads): the
    # handoffs between threads, per request below.
    local sleeps
    sleeps=$(cat /proc/"$pid"/task/*/status 2>/dev/null |
        awk '/^voluntary_ctxt_switches/ {n += $2} END {print n + 0}')
    # Let requests wrk left in flight finish, so that they are not answered "503 stopping".
    sleep 0.3
    kill -TERM "$pid"
    wait "$pid" || true
    pid=
    : > "$tmp/port"
    awk -v name="$name" -v hwm="$hwm" -v ticks="$ticks" -v hz="$(getconf CLK_TCK)" \
        -v sleeps="$sleeps" '
        /^Requests\/sec/ {rps = $2}
        / requests in / {n = $1}
        $1 == "50%" {p50 = $2}
        $1 == "99%" {p99 = $2}
        /Non-2xx/ {bad = $NF}
        END {printf "%s %s %s %s %s %s %.2f %.3f\n", name, rps, p50, p99, hwm, bad ? bad : 0,
                    n ? ticks / hz * 1e6 / n : 0, n ? sleeps / n : 0}' "$tmp/wrk.out"
}

ours_args=(--port 0 --secret bench-secret)
[ -n "${HTTP_MODE:-}" ] && ours_args+=(--mode "$HTTP_MODE")
[ -n "${HTTP_THREADS:-}" ] && ours_args+=(--http-threads "$HTTP_THREADS")
[ -n "${WORKERS:-}" ] && ours_args+=(--workers "$WORKERS")
# shellcheck disable=SC2206
[ -n "${EXTRA_ARGS:-}" ] && ours_args+=($EXTRA_ARGS)
floor_args=(--port 0 --mode "${FLOOR_MODE:-poll}" --http-threads "${FLOOR_THREADS:-1}")

echo "webhook receiver vs libmicrohttpd floor: MODE=$mode, $conns connections, ${secs}s x" \
    "$rounds rounds, $(nproc) cores shared with wrk"
# Not in a pipeline: run_one must run in this shell, so that cleanup sees the server's pid.
show() { tail -1 "$tmp/results" | sed 's/^/  run: /'; }
for _ in $(seq "$rounds"); do
    run_one floor "$floor" "${floor_args[@]}" >> "$tmp/results" && show
    run_one ours "$ours" "${ours_args[@]}" >> "$tmp/results" && show
    if [ "$durable" = 1 ]; then
        rm -rf "$tmp/spool"
        run_one durable "$ours" "${ours_args[@]}" --spool "$tmp/spool" >> "$tmp/results" && show
    fi
done

# The best run of each side (by requests/s) with its latency, the lowest CPU per request and
# the peak RSS over its runs.
best() {
    awk -v name="$1" '$1 == name {
            if ($2 + 0 > best + 0) {best = $2; p50 = $3; p99 = $4; bad = $6}
            if ($5 + 0 > hwm + 0) hwm = $5
            if (cpu == "" || $7 + 0 < cpu + 0) cpu = $7
            if (sw == "" || $8 + 0 < sw + 0) sw = $8
        }
        END {printf "%s %s %s %s %s %s %s\n", best, p50, p99, hwm, bad, cpu, sw}' "$tmp/results"
}
line() { # name rps p50 p99 hwm bad cpu sleeps
    printf '  %-8s %12s %9s %9s %9.1fM %8s %10s %12s\n' "$1" "$2" "$3" "$4" \
        "$(awk -v k="$5" 'BEGIN {print k / 1024}')" "$6" "$7" "$8"
}
read -r f_rps f_p50 f_p99 f_hwm f_bad f_cpu f_sw < <(best floor)
read -r o_rps o_p50 o_p99 o_hwm o_bad o_cpu o_sw < <(best ours)
printf '  %-8s %12s %9s %9s %10s %8s %10s %12s\n' "" "requests/s" "p50" "p99" "peak RSS" \
    "non-2xx" "CPU us/req" "sleeps/req"
line floor "$f_rps" "$f_p50" "$f_p99" "$f_hwm" "$f_bad" "$f_cpu" "$f_sw"
line ours "$o_rps" "$o_p50" "$o_p99" "$o_hwm" "$o_bad" "$o_cpu" "$o_sw"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a / b : 0}'; }
echo "  ratio ours / floor: $(ratio "$o_rps" "$f_rps") in requests/s;" \
    "$(ratio "$f_cpu" "$o_cpu") in CPU per request (floor's / ours)"
if [ "$durable" = 1 ]; then
    read -r d_rps d_p50 d_p99 d_hwm d_bad d_cpu d_sw < <(best durable)
    line durable "$d_rps" "$d_p50" "$d_p99" "$d_hwm" "$d_bad" "$d_cpu" "$d_sw"
    echo "  ratio durable / ours: $(ratio "$d_rps" "$o_rps") in requests/s"
fi
sed 's/^/  /' "$tmp/ours.err"
echo "  targets: ours >= 0.85 x floor, p99 < 3 ms, RSS < 16 MB"
