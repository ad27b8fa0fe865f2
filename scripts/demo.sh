#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: libloopmsg end to end, on this machine only (127.0.0.1, no
# network, no account). It starts the example bot (examples/echo_bot.c) and `loopmsg sandbox`
# (a local Loop Message API that sends webhooks to the bot), sends a message, lets a contact
# write in, and shows the bot's typing indicator and reply. `make demo` runs it.
set -euo pipefail

BUILD=${1:-build}
LOOPMSG="$BUILD/loopmsg"
BOT="$BUILD/examples/echo_bot"
for exe in "$LOOPMSG" "$BOT"; do
    if [ ! -x "$exe" ]; then
        echo "demo: $exe not found; build first ('make', or 'make demo')" >&2
        exit 1
    fi
done

# Only what this script sets: no settings from the caller's environment leak in.
unset LOOP_SENDER_ID LOOP_JSON LOOP_VERBOSE LOOP_TIMEOUT_MS LOOP_RETRIES LOOP_RETRY_DELAY_MS
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
API_KEY=demo-key
SECRET=demo-webhook-secret
CONTACT=+15555550123
START=$SECONDS

TMP=$(mktemp -d "${TMPDIR:-/tmp}/loopmsg-demo.XXXXXX")
BOT_PID=""
SANDBOX_PID=""

# Stop a background process: SIGTERM, up to 5 s to finish, then SIGKILL. Sets STOP_RC to its
# exit code.
stop() {
    local pid=$1
    STOP_RC=0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || STOP_RC=$?
}

cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -z "$BOT_PID" ] || stop "$BOT_PID"
    [ -z "$SANDBOX_PID" ] || stop "$SANDBOX_PID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
# Show a command (on the terminal, even when its output is captured), then run it.
exec 4>&1
run() {
    local arg line='   $ loopmsg'
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_+@:/.,=-]+$ ]]; then
            line+=" $arg"
        else
            line+=" '$arg'" # (the demo's arguments contain no single quote)
        fi
    done
    printf '%s\n' "$line" >&4
    "$LOOPMSG" "$@"
}
# Wait until FILE contains a line matching REGEX (at most 10 s); print that line.
wait_for() {
    local file=$1 regex=$2
    for _ in $(seq 200); do
        if grep -E -m1 -- "$regex" "$file" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "demo: timed out waiting for /$regex/ in $(basename "$file"):" >&2
    sed 's/^/   | /' "$file" >&2 || true
    exit 1
}
# The bot's output from line $1 on, indented.
bot_lines_from() { tail -n "+$1" "$TMP/bot.log" | sed 's/^/   bot | /'; }

printf 'libloopmsg demo: a bot that echoes iMessages, against a local Loop Message sandbox\n'

step "1. Start the echo bot (examples/echo_bot.c): it receives webhooks"
# Port 0: the system picks a free port and the bot prints it. The bot learns the API URL on
# its standard input (a pipe we keep open) once the sandbox is up, because each side needs
# the other's port.
mkfifo "$TMP/bot.in"
exec 3<>"$TMP/bot.in"
LOOP_API_KEY=$API_KEY LOOP_WEBHOOK_SECRET=$SECRET \
    "$BOT" 0 --base-url - <"$TMP/bot.in" >"$TMP/bot.log" 2>&1 &
BOT_PID=$!
line=$(wait_for "$TMP/bot.log" 'listening on http://127\.0\.0\.1:[0-9]+')
BOT_URL=$(printf '%s\n' "$line" | sed -E 's|.*(http://127\.0\.0\.1:[0-9]+/webhook).*|\1|')
note "bot: $line"

step "2. Start the sandbox: a local Loop Message API that posts webhooks to the bot"
# --json prints {"url": ..., "port": ...} once it listens; its request log goes to sandbox.log.
"$LOOPMSG" sandbox --json --api-key "$API_KEY" --webhook-url "$BOT_URL" \
    --webhook-header "$SECRET" --delivery-delay 300 \
    >"$TMP/sandbox.json" 2>"$TMP/sandbox.log" 3>&- &
SANDBOX_PID=$!
wait_for "$TMP/sandbox.json" '"url"' >/dev/null
SANDBOX_URL=$(sed -E 's|.*"url": ?"([^"]+)".*|\1|' "$TMP/sandbox.json")
note "$(grep -m1 'listening on' "$TMP/sandbox.log")"
note "webhooks go to $BOT_URL, signed with the header \"$SECRET\""
echo "$SANDBOX_URL" >&3 # now the bot can answer through the sandbox
wait_for "$TMP/bot.log" 'replying through' >/dev/null

export LOOP_BASE_URL=$SANDBOX_URL LOOP_API_KEY=$API_KEY
note "for the commands below: LOOP_BASE_URL=$SANDBOX_URL LOOP_API_KEY=$API_KEY"

step "3. Send a message with 'loopmsg send'"
mark=$(($(wc -l <"$TMP/bot.log") + 1))
MESSAGE_ID=$(run send --contact "$CONTACT" --text "Hi! This is the libloopmsg demo." 2>/dev/null)
note "message id: $MESSAGE_ID"

step "4. Loop reports the delivery with a webhook; the bot prints it"
wait_for "$TMP/bot.log" "delivered +message $MESSAGE_ID" >/dev/null
bot_lines_from "$mark"

step "5. The contact answers: 'loopmsg sandbox inject' plays an inbound iMessage"
mark=$(($(wc -l <"$TMP/bot.log") + 1))
INBOUND_ID=$(run sandbox inject --contact "$CONTACT" --text "What can you do?" 2>/dev/null)
note "inbound message id: $INBOUND_ID"

step "6. The bot gets a message_inbound webhook, shows typing and replies"
reply=$(wait_for "$TMP/bot.log" 'replied +message')
REPLY_ID=$(printf '%s\n' "$reply" | awk '{print $3}')
wait_for "$TMP/bot.log" "delivered +message $REPLY_ID" >/dev/null
bot_lines_from "$mark"
echo
note "what the sandbox received (its request log):"
run sandbox requests | sed 's/^/     /'

step "7. The conversation, from the API: 'loopmsg audience history' (oldest first)"
run audience history "$CONTACT" --sort asc 2>&1 | sed 's/^/     /'

step "8. Stop the bot and the sandbox (SIGTERM: both stop cleanly)"
exec 3>&-
stop "$BOT_PID"
bot_rc=$STOP_RC
BOT_PID=""
stop "$SANDBOX_PID"
sandbox_rc=$STOP_RC
SANDBOX_PID=""
tail -n 1 "$TMP/bot.log" | sed 's/^/   bot | /'
note "echo_bot exited with $bot_rc, loopmsg sandbox exited with $sandbox_rc"
if [ "$bot_rc" != 0 ] || [ "$sandbox_rc" != 0 ]; then
    echo "demo: a process did not stop cleanly" >&2
    exit 1
fi

printf '\nDemo finished in %d s. Next: docs/sandbox.md (testing your own code against the\n' \
    $((SECONDS - START))
printf 'sandbox) and examples/echo_bot.c (the bot you just saw).\n'
