#!/usr/bin/env bash
# Runs the unit tests, the integration tests and the fuzz corpora of a non-sanitizer build
# under valgrind: any leak or memory error fails.
set -uo pipefail
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v valgrind >/dev/null; then
    echo "valgrind not installed: skipping" >&2
    exit 0
fi
export LOOPMSG_TEST_DATA="$src/tests/data" LOOPMSG_SOURCE_DIR="$src"
export LOOPMSG_CLI="$build/loopmsg" LOOP_API_KEY= LOOP_BASE_URL= LOOP_SENDER_ID=
# Everything runs 20-50 times slower under valgrind: give the test clients more time.
export LOOPMSG_TEST_TIMEOUT_MS=30000 LOOPMSG_TEST_SLOW=1
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
failed=0 passed=0
for t in "$build"/tests/test_*; do
    name=$(basename "$t")
    [ -x "$t" ] || continue
    [ -f "$src/tests/unit/$name.c" ] || [ -f "$src/tests/integration/$name.c" ] || continue
    # Timing-heavy suites are covered by ASan; valgrind's slowdown would only add noise.
    case " ${LOOPMSG_VALGRIND_SKIP:-test_webhook_server_load} " in *" $name "*) continue ;; esac
    "${vg[@]}" "$t" >"$build/valgrind-$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
    elif [ $rc -eq 77 ]; then
        echo "valgrind: $name skipped (what it needs is not installed)" >&2
    else
        echo "valgrind: $name FAILED (see $build/valgrind-$name.log)" >&2
        tail -40 "$build/valgrind-$name.log" >&2
        failed=$((failed + 1))
    fi
done
for f in "$build"/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    short=$(basename "$f"); short=${short#fuzz_}
    if "${vg[@]}" "$f" "$src/fuzz/corpus/$short" >"$build/valgrind-fuzz-$short.log" 2>&1; then
        passed=$((passed + 1))
    else
        echo "valgrind: fuzz corpus $short FAILED" >&2
        tail -40 "$build/valgrind-fuzz-$short.log" >&2
        failed=$((failed + 1))
    fi
done
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
