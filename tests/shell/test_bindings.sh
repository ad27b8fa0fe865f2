#!/usr/bin/env bash
# test_bindings.sh: the shared library driven from Python's ctypes (standard library only,
# no C compiler) against a `loopmsg sandbox` on 127.0.0.1: tests/bindings/ctypes_smoke.py.
set -euo pipefail

CLI=${LOOPMSG_CLI:?LOOPMSG_CLI is not set}
BUILD=${LOOPMSG_BUILD_DIR:?LOOPMSG_BUILD_DIR is not set}
SRC=${LOOPMSG_SOURCE_DIR:?LOOPMSG_SOURCE_DIR is not set}
if ! command -v python3 >/dev/null; then
    echo "python3 not installed: skipping"
    exit 0
fi
lib="$BUILD/libloopmsg.so"
[ -f "$lib" ] || { echo "FAIL: $lib not built" >&2; exit 1; }

TMP=$(mktemp -d)
SB_PID=
cleanup() {
    [ -n "$SB_PID" ] && kill -TERM "$SB_PID" 2>/dev/null && wait "$SB_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 LOOP_API_KEY=bindings-test-key
timeout --foreground -k 15 120 "$CLI" sandbox --json --api-key "$LOOP_API_KEY" \
    >"$TMP/sb.out" 2>"$TMP/sb.log" &
SB_PID=$!
for _ in $(seq 200); do
    grep -q '"url"' "$TMP/sb.out" 2>/dev/null && break
    sleep 0.05
done
LOOP_BASE_URL=$(sed -E 's|.*"url": ?"([^"]+)".*|\1|' "$TMP/sb.out")
[[ $LOOP_BASE_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || { echo "FAIL: no sandbox" >&2; cat "$TMP/sb.log" >&2; exit 1; }
export LOOP_BASE_URL
# A sanitizer build's shared library needs its runtime loaded first.
preload=
if [[ $(nm -D "$lib" 2>/dev/null) == *" U __asan_init"* ]]; then
    preload=$(${CC:-cc} -print-file-name=libasan.so)
    # Python and its launcher are not built for LeakSanitizer: their own allocations would be
    # reported. The library's leaks are the business of the C tests.
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
LD_PRELOAD=$preload python3 "$SRC/tests/bindings/ctypes_smoke.py" "$lib"
