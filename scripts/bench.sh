#!/usr/bin/env bash
# Runs the benchmarks against a `loopmsg sandbox` started here on a free port.
# usage: scripts/bench.sh BUILD_DIR [N]
set -euo pipefail
build=${1:-build}
n=${2:-20000}
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp)
"$build/loopmsg" sandbox --quiet --json >"$out" 2>/dev/null &
sb=$!
trap 'kill $sb 2>/dev/null; wait $sb 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q '"url"' "$out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$out")
[ -n "$url" ] || { echo "bench: the sandbox did not start" >&2; exit 1; }
echo "== send_throughput ($n sequential sends)"
"$build/bench/send_throughput" "$url" "$n"
echo
echo "== send_concurrent ($n sends, 64 in flight)"
"$build/bench/send_concurrent" "$url" "$n" 64
echo
echo "== send_concurrent latency run (server adds 50 ms)"
"$build/bench/send_concurrent" "$url" 5000 64 --latency-ms 50
echo
echo "== emu_contacts (5000 new contacts: fresh sandbox vs one holding 40000)"
"$build/bench/emu_contacts" 5000 40000
if [ -x "$src/bench/webhook_throughput.sh" ] && command -v wrk >/dev/null; then
    echo
    echo "== webhook_throughput"
    "$src/bench/webhook_throughput.sh" "$build"
fi
if command -v wrk >/dev/null && command -v redis-server >/dev/null &&
    [ -x "$build/bench/redis_consumer" ]; then
    echo
    echo "== redis_throughput (receivers and consumers with Redis)"
    "$src/bench/redis_throughput.sh" "$build"
fi
echo
echo "== HTTPS (scripts/bench_tls.sh)"
"$src/scripts/bench_tls.sh" "$build" "$n"
