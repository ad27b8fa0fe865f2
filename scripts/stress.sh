#!/usr/bin/env bash
# Runs the given ctest regexes N times under the TSan build and then the ASan build, and stops
# at the first failure (its output is shown; the run's number says how far it got). For
# flaky tests: a suite is called stable here after N clean runs under both sanitizers.
#
#   scripts/stress.sh [-n N] [REGEX...]
#
# N defaults to 50 (or $STRESS_RUNS). Without a regex, the webhook receiver's suites run.
# The builds are build-tsan and build-asan (configured and built here when missing).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
runs=${STRESS_RUNS:-50}
if [ "${1:-}" = "-n" ]; then
    runs=$2
    shift 2
fi
if [ $# -eq 0 ]; then
    set -- 'test_webhook_server$' 'test_webhook_server_durable$' 'test_webhook_server_cli$' \
        'test_webhook_server_flood$'
fi
regex=$(IFS='|'; echo "$*")
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

configure() { # build dir, cmake options...
    local dir=$1
    shift
    cmake -S "$src" -B "$src/$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null &&
        cmake --build "$src/$dir" -j"$jobs" >/dev/null
}
configure build-tsan -DLOOPMSG_TSAN=ON || { echo "stress: TSan build failed" >&2; exit 2; }
configure build-asan -DLOOPMSG_SANITIZE=ON || { echo "stress: ASan build failed" >&2; exit 2; }

run() { # build dir, run number
    local dir=$1 n=$2 log
    log=$(mktemp)
    if (cd "$src/$dir" &&
        TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --timeout 600 -R "$regex") >"$log" 2>&1; then
        rm -f "$log"
        return 0
    fi
    cat "$log"
    rm -f "$log"
    echo "stress: run $n of $runs failed in $dir (regex '$regex')" >&2
    return 1
}

for ((i = 1; i <= runs; i++)); do
    run build-tsan "$i" || exit 1
    run build-asan "$i" || exit 1
    echo "stress: run $i of $runs passed (TSan and ASan)"
done
echo "stress: '$regex' passed $runs times under TSan and ASan"
