#!/usr/bin/env bash
# test_demo.sh: scripts/demo.sh (what `make demo` runs) works against the build under test:
# exit 0 in under 20 s, every step visible in its output, no process left behind.
set -euo pipefail

BUILD=${LOOPMSG_BUILD_DIR:?LOOPMSG_BUILD_DIR is not set}
SRC=${LOOPMSG_SOURCE_DIR:?LOOPMSG_SOURCE_DIR is not set}
BUILD=$(cd "$BUILD" && pwd)
if [ ! -x "$BUILD/examples/echo_bot" ]; then
    echo "SKIP: examples/echo_bot not built"
    exit 0
fi

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
fail() {
    echo "FAIL: $*" >&2
    echo "---- demo output ----" >&2
    cat "$OUT" >&2
    exit 1
}

start=$(date +%s%N)
rc=0
timeout -k 5 60 "$SRC/scripts/demo.sh" "$BUILD" >"$OUT" 2>&1 || rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))

[ "$rc" -eq 0 ] || fail "demo.sh exited with $rc"
[ "$elapsed_ms" -lt 20000 ] || fail "demo.sh took ${elapsed_ms} ms (limit 20000)"

expect() {
    grep -E -q -- "$1" "$OUT" || fail "output lacks /$1/"
}
uuid='[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'
for n in 1 2 3 4 5 6 7 8; do
    expect "^== $n\. "
done
expect "echo_bot: listening on http://127\.0\.0\.1:[0-9]+/webhook"
expect "loopmsg sandbox: listening on http://127\.0\.0\.1:[0-9]+ \(api key: demo-key\)"
expect "\\$ loopmsg send --contact \+15555550123"
expect "message id: $uuid"
expect "bot \| delivered  message $uuid to \+15555550123"
expect "\\$ loopmsg sandbox inject"
expect "bot \| received   message $uuid from \+15555550123: \"What can you do\?\""
expect "bot \| typing     shown on message $uuid"
expect "bot \| replied    message $uuid to \+15555550123: \"You said: What can you do\?\""
expect "POST /api/v1/message/show-typing/ -> 200"
expect "3 item\(s\) in all; contact status: active"
expect "inbound	text	What can you do\?"
expect "outbound	text	You said: What can you do\?"
expect "echo_bot exited with 0, loopmsg sandbox exited with 0"
expect "^Demo finished in [0-9]+ s"

# The bot's delivery report for the message sent in step 3 appears before step 5.
sent_id=$(sed -n -E "s/.*message id: ($uuid).*/\1/p" "$OUT" | head -n 1)
awk -v id="$sent_id" '/^== 5\./ { exit 1 } index($0, "delivered  message " id) { found = 1; exit 0 }
    END { exit found ? 0 : 1 }' "$OUT" || fail "no delivery report for $sent_id before step 5"

# Nothing left running (other tests may run a bot or a sandbox meanwhile: look for this
# demo's ones by their URLs). The sandbox's command line names the bot's URL; the bot's does
# not name anything unique, but nothing may listen on its port any more.
bot_url=$(sed -n -E 's|.*listening on (http://127\.0\.0\.1:[0-9]+/webhook).*|\1|p' "$OUT" | head -n 1)
sandbox_port=$(sed -n -E 's|.*sandbox: listening on http://127\.0\.0\.1:([0-9]+) .*|\1|p' "$OUT" |
    head -n 1)
if [ -z "$bot_url" ] || [ -z "$sandbox_port" ]; then
    fail "cannot find the demo's URLs"
fi
left=$(pgrep -a -f -- "loopmsg sandbox .*--webhook-url $bot_url" || true)
[ -z "$left" ] || fail "the demo's sandbox is still running: $left"
bot_port=${bot_url##*:}
bot_port=${bot_port%/webhook}
for port in "$bot_port" "$sandbox_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "something still listens on the demo's port $port"
    fi
done

echo "PASS: demo in ${elapsed_ms} ms"
