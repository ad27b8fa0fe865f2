#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# webhook_throughput.sh: requests per second, p99 latency and peak RSS of the webhook
# receiver (libloopmsg_webhook) under wrk: POSTs of a message_inbound payload over
# keep-alive connections. Builds nothing: pass a build directory in which the target
# webhook_bench_server was built (preferably a release build without sanitizers).
#
#   bench/webhook_throughput.sh BUILD_DIR [SECONDS] [CONNECTIONS]
#
# Environment: MODE=unique (default: every request a new webhook_id, the full path:
# auth, parse, dedupe insert, queue, callback) or MODE=repeat (one fixed body: after the
# first, every request is a duplicate); WRK_THREADS (default 1); HTTP_THREADS (2);
# WORKERS (1); EXTRA_ARGS (more receiver options, e.g. "--spool /tmp/spool").
# Targets (issue 4): 60,000 req/s on 2 cores, p99 < 5 ms, peak RSS < 16 MB.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [SECONDS] [CONNECTIONS]}
secs=${2:-10}
conns=${3:-64}
mode=${MODE:-unique}
wrk_threads=${WRK_THREADS:-1}
server=$build/bench/webhook_bench_server
src=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$server" ] || { echo "no $server: build the target webhook_bench_server first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$server" --port 0 --http-threads "${HTTP_THREADS:-2}" --workers "${WORKERS:-1}" \
    --secret bench-secret ${EXTRA_ARGS:-} > "$tmp/port" 2> "$tmp/server.err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(head -1 "$tmp/port")
[ -n "$port" ] || { cat "$tmp/server.err" >&2; exit 1; }

MODE=$mode wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --latency -s "$src/bench/webhook_post.lua" \
    "http://127.0.0.1:$port/webhook" > "$tmp/wrk.out"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
# Let requests wrk left in flight finish, so that they are not answered "503 stopping".
sleep 0.5
kill -TERM "$pid"
wait "$pid" || true
pid=

rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")
p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")
p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk.out")
errors=$(awk '/Socket errors/ {print}' "$tmp/wrk.out")

echo "webhook receiver, MODE=$mode, $conns connections, ${secs}s, $(nproc) cores shared with wrk"
echo "  requests/s   $rps"
echo "  latency p50  $p50"
echo "  latency p99  $p99"
echo "  peak RSS     $(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MiB ($hwm kB VmHWM)"
echo "  non-2xx      ${non2xx:-0}"
[ -n "$errors" ] && echo "  $errors"
sed 's/^/  /' "$tmp/server.err"
echo "  targets: 60000 req/s, p99 < 5 ms, RSS < 16 MB"
