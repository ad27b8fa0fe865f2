#!/usr/bin/env bash
# test_sandbox_cli.sh: `loopmsg sandbox` end to end. The server starts on a free port and
# prints it, stops with exit 0 on SIGTERM and SIGINT; the subcommands (inject, trigger,
# faults, script, requests, reset) drive it over its control endpoints; with --tls-cert and
# --tls-key it serves HTTPS, trusted through LOOP_CA_BUNDLE / LOOP_CA_PATH (a wrong or unknown
# CA exits 4 and nothing is recorded); fault injection
# and scripted answers reach `loopmsg send` as API errors (exit 3); usage errors exit 2 and
# an unreachable sandbox exits 4. Webhooks are received by examples/echo_bot. 127.0.0.1 only;
# every command runs under `timeout` so that nothing can hang.
set -euo pipefail

CLI=${LOOPMSG_CLI:?LOOPMSG_CLI is not set}
BUILD=${LOOPMSG_BUILD_DIR:?LOOPMSG_BUILD_DIR is not set}
BOT="$BUILD/examples/echo_bot"
unset LOOP_SENDER_ID LOOP_JSON LOOP_VERBOSE LOOP_TIMEOUT_MS LOOP_RETRIES LOOP_RETRY_DELAY_MS
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export LOOP_API_KEY=sandbox-test-key
unset LOOP_BASE_URL

TMP=$(mktemp -d)
PIDS=()
# PIDS are `timeout --foreground` processes: a signal sent to one is passed on to its command
# alone (without --foreground timeout(1) also signals its process group, possibly late under
# load, which can hang LeakSanitizer's exit-time check in sanitizer builds), and -k 15 sends
# SIGKILL 15 s later if the command is still there. SIGKILL to `timeout` itself would leave
# the command behind.
cleanup() {
    exec 3>&- 2>/dev/null || true
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

CASE=""
fail() {
    echo "FAIL [$CASE]: $*" >&2
    for f in "$TMP"/*.out "$TMP"/*.err "$TMP"/*.log; do
        [ -s "$f" ] && { echo "---- $(basename "$f")" >&2; tail -n 30 "$f" >&2; }
    done
    exit 1
}

# lm EXPECTED_RC ARGS...: run the CLI; stdout in $TMP/cmd.out, stderr in $TMP/cmd.err.
lm() {
    local want=$1 rc=0
    shift
    timeout -k 5 30 "$CLI" "$@" >"$TMP/cmd.out" 2>"$TMP/cmd.err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "loopmsg $* exited with $rc, expected $want"
}
out_has() { grep -E -q -- "$1" "$TMP/cmd.out" || fail "stdout lacks /$1/"; }
err_has() { grep -E -q -- "$1" "$TMP/cmd.err" || fail "stderr lacks /$1/"; }

wait_for() { # FILE REGEX: up to 10 s
    for _ in $(seq 200); do
        grep -E -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "timed out waiting for /$2/ in $(basename "$1")"
}

# start_sandbox NAME ARGS...: background sandbox with --json; sets SB_PID and SB_URL.
start_sandbox() {
    local name=$1
    shift
    timeout --foreground -k 15 120 "$CLI" sandbox --json "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SB_PID=$!
    PIDS+=("$SB_PID")
    wait_for "$TMP/$name.out" '"url"'
    SB_URL=$(sed -E 's|.*"url": ?"([^"]+)".*|\1|' "$TMP/$name.out")
    [[ $SB_URL =~ ^https?://127\.0\.0\.1:[0-9]+$ ]] || fail "bad url in $(cat "$TMP/$name.out")"
}

# stop_pid PID SIGNAL: the process must exit with 0 within 20 s (generous: sanitizer builds
# under a parallel ctest are slow to exit).
stop_pid() {
    local pid=$1 sig=$2 rc=0
    kill -"$sig" "$pid"
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "pid $pid still running 20 s after SIG$sig"
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "exit $rc after SIG$sig, expected 0"
}

uuid='[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'

# ---------------------------------------------------------------------------------------
CASE="server starts on a free port"
start_sandbox a --api-key "$LOOP_API_KEY" --delivery-delay 100
PORT=$(sed -E 's|.*"port": ?([0-9]+).*|\1|' "$TMP/a.out")
[ "$SB_URL" = "http://127.0.0.1:$PORT" ] || fail "url $SB_URL and port $PORT disagree"
grep -q "^loopmsg sandbox: listening on $SB_URL (api key: $LOOP_API_KEY)$" "$TMP/a.log" ||
    fail "no listening line on stderr"
A_PID=$SB_PID
A_URL=$SB_URL
export LOOP_BASE_URL=$A_URL

CASE="the API works and requests are logged on stderr"
lm 0 send --contact +15555550123 --text "hello sandbox"
out_has "^$uuid$"
SENT_ID=$(cat "$TMP/cmd.out")
wait_for "$TMP/a.log" "POST /api/v1/message/send/ -> 200"
lm 0 status "$SENT_ID" --wait --wait-timeout 10
out_has "delivered"

if [ -x "$BUILD/examples/send" ]; then
    CASE="examples/send (the README's quick start)"
    rc=0
    timeout -k 5 30 "$BUILD/examples/send" +15555550123 "quick start" >"$TMP/cmd.out" \
        2>"$TMP/cmd.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "examples/send exited with $rc"
    out_has "^sent: $uuid$"
    out_has "^status: (processing|delivered)$"
    rc=0
    timeout -k 5 30 "$BUILD/examples/send" +1555 "bad contact" >"$TMP/cmd.out" \
        2>"$TMP/cmd.err" || rc=$?
    [ "$rc" -eq 1 ] || fail "examples/send with a bad contact exited with $rc"
    err_has "^send failed: .*\(HTTP 400, code 180\)$"
fi

CASE="the key given with --api-key is the one accepted"
lm 3 send --api-key wrong-key --contact +15555550123 --text "hello"

CASE="inject"
lm 0 sandbox inject --contact +15555550199 --text "hi from the contact"
out_has "^$uuid$"
err_has "inbound message from \+15555550199"
lm 0 audience history +15555550199
out_has "inbound.*hi from the contact"
lm 0 --json sandbox inject --contact +15555550199 --text "again" --group grp-1
out_has '"success": ?true'
out_has "\"message_id\": ?\"$uuid\""
lm 2 sandbox inject --contact +15555550199
err_has "--contact and --text are required"
lm 3 sandbox inject --contact "not a contact!" --text "x"
err_has "HTTP 400"

CASE="trigger without a webhook URL is refused by the sandbox"
lm 3 sandbox trigger message_reaction
err_has "no webhook_url"
lm 3 --json sandbox trigger message_reaction
out_has '"http_status": ?409'
lm 2 sandbox trigger
err_has "EVENT is required"

CASE="faults: show, set, error through loopmsg send, clear"
lm 0 sandbox faults
out_has "^faults: none$"
lm 0 sandbox faults --error-rate 1 --error-status 400 --error-code 1020
out_has "error rate 1 \(HTTP 400, code 1020\)"
lm 0 --json sandbox faults
out_has '"error_rate": ?1'
out_has '"error_code": ?1020'
lm 3 send --contact +15555550123 --text "this one fails"
err_has "1020"
lm 3 --json send --contact +15555550123 --text "this one fails"
out_has '"api_code": ?1020'
out_has '"http_status": ?400'
lm 0 sandbox faults --clear
out_has "^faults: none$"
lm 0 send --contact +15555550123 --text "works again"

CASE="faults: latency"
lm 0 sandbox faults --latency 400
t0=$(date +%s%N)
lm 0 send --contact +15555550123 --text "slow"
dt=$((($(date +%s%N) - t0) / 1000000))
[ "$dt" -ge 400 ] || fail "send took $dt ms with 400 ms latency"
lm 0 sandbox faults --clear

CASE="faults: bad values are usage errors"
lm 2 sandbox faults --error-rate 2
lm 2 sandbox faults --clear --latency 5

CASE="requests"
lm 0 sandbox requests
out_has "POST /api/v1/message/send/ -> 400  \{\"text\":\"this one fails\""
out_has "GET /v1/message/status/$SENT_ID/ -> 200"
lm 0 --json sandbox requests
out_has '"count": ?[1-9]'
out_has '"answered_status": ?400'
grep -q "$LOOP_API_KEY" "$TMP/cmd.out" && fail "the request log shows the API key"

CASE="script: the next API request gets the scripted answer"
lm 0 sandbox script --status 400 --body '{"success":false,"code":130,"message":"scripted answer"}'
out_has "queued"
lm 3 send --retries 0 --contact +15555550123 --text "scripted"
err_has "scripted answer"
lm 0 send --contact +15555550123 --text "back to normal"
lm 0 sandbox script --drop after_body
lm 5 send --retries 0 --contact +15555550123 --text "dropped"
lm 2 sandbox script --drop sideways

CASE="reset"
lm 0 sandbox reset
out_has "cleared"
lm 0 sandbox requests
# (Checked by content rather than by "no requests recorded": on a shared machine a stranger's
# client may hit a port it believes closed, which this sandbox has just been given.)
grep -E -q "this one fails|back to normal|/v1/message/status/" "$TMP/cmd.out" &&
    fail "requests from before the reset are still listed"
lm 0 audience status +15555550199
out_has "active"
lm 0 sandbox reset --state
out_has "state reloaded"
lm 0 audience status +15555550199
out_has "unknown"

CASE="usage errors"
lm 2 sandbox bogus
err_has "unknown subcommand 'bogus'"
lm 2 sandbox inject --port 5 --contact +15555550123 --text x
err_has "does not apply"
lm 2 sandbox requests extra
lm 2 sandbox --contact +15555550123
lm 2 sandbox --max-buffered-mib 0
err_has "max-buffered-mib: expected MiB"
lm 2 sandbox inject --max-buffered-mib 8 --contact +15555550123 --text x
err_has "does not apply"
(
    unset LOOP_BASE_URL
    lm 2 sandbox requests
    err_has "which sandbox"
)
lm 0 sandbox --help
out_has "^usage: loopmsg sandbox"
out_has "--max-buffered-mib N"

CASE="SIGTERM stops the server with exit 0"
stop_pid "$A_PID" TERM
grep -q "stopping" "$TMP/a.log" || fail "no stopping line"

CASE="a stopped sandbox is unreachable: exit 4"
lm 4 --base-url "$A_URL" sandbox requests
err_has "could not reach the sandbox"

CASE="a port in use is refused"
start_sandbox b --quiet
B_PID=$SB_PID
B_PORT=${SB_URL##*:}
lm 4 sandbox --port "$B_PORT"
stop_pid "$B_PID" INT

# ---------------------------------------------------------------------------------------
if [ -x "$BOT" ]; then
    CASE="webhooks reach a receiver: delivery, inject, trigger (echo_bot)"
    # The bot learns the sandbox URL on its stdin once the sandbox is up (as in the demo).
    mkfifo "$TMP/bot.in"
    exec 3<>"$TMP/bot.in"
    LOOP_WEBHOOK_SECRET=hook-secret timeout --foreground -k 15 120 "$BOT" 0 --base-url - \
        <"$TMP/bot.in" >"$TMP/bot.log" 2>&1 &
    BOT_PID=$!
    PIDS+=("$BOT_PID")
    wait_for "$TMP/bot.log" "listening on http://127.0.0.1:[0-9]+/webhook"
    BOT_URL=$(sed -n -E 's|.*(http://127\.0\.0\.1:[0-9]+/webhook).*|\1|p' "$TMP/bot.log")
    start_sandbox c --api-key "$LOOP_API_KEY" --webhook-url "$BOT_URL" \
        --webhook-header hook-secret --time-scale 0.1
    C_PID=$SB_PID
    export LOOP_BASE_URL=$SB_URL
    echo "$SB_URL" >&3
    wait_for "$TMP/bot.log" "replying through $SB_URL"
    lm 0 send --contact +15555550123 --text "to be delivered"
    SENT_ID=$(cat "$TMP/cmd.out")
    wait_for "$TMP/bot.log" "delivered  message $SENT_ID to \+15555550123"
    lm 0 send --contact +15555550000 --text "to fail (contacts ending 0000)"
    FAIL_ID=$(cat "$TMP/cmd.out")
    wait_for "$TMP/bot.log" "failed     message $FAIL_ID to \+15555550000: error 1020"
    lm 0 sandbox trigger message_reaction --contact +15555550123 --message-id "$SENT_ID" \
        --field reaction=love
    out_has "^$uuid$"
    wait_for "$TMP/bot.log" "event      message_reaction from \+15555550123"
    lm 0 sandbox trigger message_failed --contact +15555550177 --message-id MSG-1 \
        --field error_code:=1030
    wait_for "$TMP/bot.log" "failed     message MSG-1 to \+15555550177: error 1030"
    lm 2 sandbox trigger message_failed --field error_code:=nope
    err_has "not JSON"
    lm 0 sandbox inject --contact +15555550123 --text "ping"
    IN_ID=$(cat "$TMP/cmd.out")
    wait_for "$TMP/bot.log" "received   message $IN_ID from \+15555550123: \"ping\""
    wait_for "$TMP/bot.log" "typing     shown on message $IN_ID"
    wait_for "$TMP/bot.log" "replied    message $uuid to \+15555550123: \"You said: ping\""
    wait_for "$TMP/c.log" "WEBHOOK message_inbound attempt 1 -> 200"
    lm 0 --json sandbox requests
    out_has "\"path\": ?\"/api/v1/message/show-typing/\""
    out_has "You said: ping"

    CASE="duplicate webhooks are sent twice with one webhook_id (the receiver drops one)"
    stop_pid "$C_PID" TERM
    start_sandbox d --webhook-url "$BOT_URL" --webhook-header hook-secret \
        --duplicate-webhooks --time-scale 0.1 --max-buffered-mib 8
    D_PID=$SB_PID
    export LOOP_BASE_URL=$SB_URL
    lm 0 sandbox trigger custom_event --contact +15555550166
    wait_for "$TMP/d.log" "WEBHOOK custom_event attempt 1 -> 200.*"
    sleep 0.3
    n=$(grep -E -c "event      custom_event from \+15555550166" "$TMP/bot.log" || true)
    [ "$n" -eq 1 ] || fail "the receiver ran the callback $n times"
    stop_pid "$D_PID" TERM
    stop_pid "$BOT_PID" TERM
    grep -q "echo_bot: stopped after" "$TMP/bot.log" || fail "the bot did not stop cleanly"
    exec 3>&-
fi

if command -v openssl >/dev/null 2>&1; then
    unset LOOP_CA_BUNDLE LOOP_CA_PATH
    CASE="certificates"
    ca() {
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$TMP/$1.key" -out "$TMP/$1.pem" -days 2 -subj "/CN=$2" \
            -addext 'basicConstraints=critical,CA:TRUE' \
            -addext 'keyUsage=critical,keyCertSign,cRLSign' >/dev/null 2>&1 || fail "openssl req"
    }
    ca ca "loopmsg sandbox test CA"
    ca other "unrelated CA"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TMP/server.key" \
        -out "$TMP/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1 || fail "server csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$TMP/ext"
    openssl x509 -req -in "$TMP/server.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
        -CAcreateserial -out "$TMP/server.pem" -days 2 -extfile "$TMP/ext" >/dev/null 2>&1 ||
        fail "server cert"
    mkdir "$TMP/cadir"
    cp "$TMP/ca.pem" "$TMP/cadir/"
    openssl rehash "$TMP/cadir" >/dev/null 2>&1 || fail "openssl rehash"

    CASE="sandbox serves https"
    start_sandbox tls --api-key "$LOOP_API_KEY" --tls-cert "$TMP/server.pem" \
        --tls-key "$TMP/server.key"
    TLS_PID=$SB_PID
    [[ $SB_URL =~ ^https:// ]] || fail "not https: $SB_URL"
    export LOOP_BASE_URL=$SB_URL

    CASE="send trusting the CA bundle (LOOP_CA_BUNDLE)"
    LOOP_CA_BUNDLE=$TMP/ca.pem lm 0 send --contact +15555550123 --text "over https"
    out_has '^[0-9A-Fa-f-]{36}$'

    CASE="send trusting a hashed CA directory (LOOP_CA_PATH)"
    LOOP_CA_PATH=$TMP/cadir lm 0 send --contact +15555550123 --text "ca path"

    CASE="a wrong CA is refused before anything is sent"
    LOOP_CA_BUNDLE=$TMP/other.pem lm 4 send --contact +15555550123 --text "never"
    err_has "certificate"

    CASE="the system trust does not know the test CA"
    lm 4 send --contact +15555550123 --text "never either"
    err_has "certificate"

    CASE="the control plane over https, and only the two trusted sends arrived"
    LOOP_CA_BUNDLE=$TMP/ca.pem lm 0 --json sandbox requests
    out_has '"count": ?2'

    CASE="--tls-cert without --tls-key"
    lm 2 sandbox --tls-cert "$TMP/server.pem" --port 0
    err_has "tls_key_file"
    stop_pid "$TLS_PID" TERM
    unset LOOP_BASE_URL

fi

echo "PASS"
