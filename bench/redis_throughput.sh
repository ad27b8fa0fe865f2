#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# redis_throughput.sh: the webhook receiver with Redis (loopmsg listen --redis: one Lua step,
# SET NX EX + XADD, before each 200) against the same receiver without Redis (loopmsg listen,
# in-memory dedupe, events printed to /dev/null), in one run on one machine, so the ratio is
# what Redis costs; then 1 and 3 Redis receivers behind one redis-server, each driven by its
# own wrk; then how fast libloopmsg_redis consumers (1 and 2, a no-op callback) drain a
# stream. Every request is the same message_inbound body with a new webhook_id
# (bench/webhook_post.lua, as webhook_throughput.sh). Builds nothing: pass a build directory
# with the targets loopmsg_cli and redis_consumer (preferably a Release build).
#
#   bench/redis_throughput.sh BUILD_DIR [SECONDS] [CONNECTIONS]
#
# Environment: EVENTS (entries drained by the consumers, default 20000); FSYNC (Redis's
# appendfsync: always, the setting under which no acknowledged webhook is lost, or everysec;
# default always). Redis runs with appendonly yes in a temporary directory.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR [SECONDS] [CONNECTIONS]}
secs=${2:-10}
conns=${3:-64}
events=${EVENTS:-20000}
fsync=${FSYNC:-always}
src=$(cd "$(dirname "$0")/.." && pwd)
cli=$build/loopmsg
consumer=$build/bench/redis_consumer
[ -x "$cli" ] || { echo "no $cli: build the target loopmsg_cli first" >&2; exit 2; }
[ -x "$consumer" ] || { echo "no $consumer: build the target redis_consumer first" >&2; exit 2; }
for tool in wrk redis-server redis-cli; do
    command -v $tool >/dev/null || { echo "$tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d)
pids=()
redis_pid=
cleanup() {
    for p in "${pids[@]}" $redis_pid; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Redis on a free port (a random one, tried until it starts).
for _ in 1 2 3 4 5 6 7 8; do
    rport=$((20000 + RANDOM % 40000))
    redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp" --appendonly yes \
        --appendfsync "$fsync" --save '' --daemonize no --logfile "$tmp/redis.log" &
    redis_pid=$!
    for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$rport" ping >/dev/null 2>&1 && break
    kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=
done
[ -n "$redis_pid" ] || { echo "redis-server did not start" >&2; exit 1; }
url=redis://127.0.0.1:$rport

# Start `loopmsg listen ARGS...` (its stderr in $tmp/recvN.err); sets $port.
start_listen() {
    local n=$1; shift
    "$cli" listen --port 0 --secret bench-secret "$@" >/dev/null 2>"$tmp/recv$n.err" &
    pids+=($!)
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's#^listening on http://127.0.0.1:\([0-9]*\)/webhook$#\1#p' "$tmp/recv$n.err")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { cat "$tmp/recv$n.err" >&2; exit 1; }
}

stop_receivers() {
    sleep 0.5 # let what wrk left in flight finish
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
}

# wrk against each port at once (CONNECTIONS shared out); prints "req/s p99-max non-2xx 2xx"
# (summed over the wrk processes; p99 the worst of them, in ms).
drive() {
    local i=0 each=$((conns / $#)) wpids=()
    # Ids new in every run (a repeat would be a duplicate: 200, not appended).
    local run
    run=$(date +%s%N)
    [ "$each" -ge 1 ] || each=1
    for p in "$@"; do
        PREFIX="$run-$i" MODE=unique wrk -t1 -c"$each" -d"${secs}s" --latency \
            -s "$src/bench/webhook_post.lua" "http://127.0.0.1:$p/webhook" >"$tmp/wrk$i.out" &
        wpids+=($!)
        i=$((i + 1))
    done
    wait "${wpids[@]}"
    cat "$tmp"/wrk*.out | awk '
        /^Requests\/sec/ { rps += $2 }
        $1 == "99%" { v = $2; ms = v + 0; if (v ~ /us$/) ms /= 1000; else if (v ~ /[^m]s$/) ms *= 1000;
                      if (ms > p99) p99 = ms }
        /Non-2xx/ { bad += $NF }
        / requests in / { req += $1 }
        END { printf "%.0f %.2f %d %d\n", rps, p99, bad, req - bad }'
    rm -f "$tmp"/wrk*.out
}

echo "webhook receivers and consumers with Redis (appendfsync $fsync), $conns connections," \
     "${secs}s each, $(nproc) cores shared by wrk, the receivers and redis-server"

start_listen 0
read -r base_rps base_p99 base_bad _ < <(drive "$port")
stop_receivers
echo "  receiver without Redis        $base_rps req/s   p99 ${base_p99} ms   non-2xx $base_bad"

start_listen 0 --redis "$url" --stream bench:hooks
read -r one_rps one_p99 one_bad one_ok < <(drive "$port")
stop_receivers
echo "  1 receiver with Redis         $one_rps req/s   p99 ${one_p99} ms   non-2xx $one_bad" \
     "  ratio $(awk -v a="$one_rps" -v b="$base_rps" 'BEGIN { printf "%.2f", a / b }')"

ports=()
for n in 0 1 2; do start_listen "$n" --redis "$url" --stream bench:hooks; ports+=("$port"); done
read -r three_rps three_p99 three_bad three_ok < <(drive "${ports[@]}")
stop_receivers
echo "  3 receivers with Redis        $three_rps req/s   p99 ${three_p99} ms   non-2xx $three_bad" \
     "  ratio $(awk -v a="$three_rps" -v b="$base_rps" 'BEGIN { printf "%.2f", a / b }')"
echo "  stream entries                $(redis-cli -p "$rport" xlen bench:hooks) for" \
     "$((one_ok + three_ok)) answers 2xx counted by wrk (more entries: requests wrk left in" \
     "flight at its end)"

for c in 1 2; do
    echo "  consumers: $("$consumer" "$rport" "$events" "$c")"
done
