#!/usr/bin/env bash
# test_completion.sh: `loopmsg completion bash|zsh|fish`. The bash script is sourced in a
# non-interactive bash and its function driven as bash would (COMP_WORDS / COMP_CWORD, then
# COMPREPLY read back): command words, a command's options, global options, subcommands of
# sandbox and audience, values of --log-format, and the skipping of option values. The zsh
# and fish scripts must parse (zsh -n, fish -n; skipped when the shell is not installed).
# The scripts installed by `make install` are the build's (LOOPMSG_BUILD_DIR/completions).
set -euo pipefail

CLI=${LOOPMSG_CLI:?LOOPMSG_CLI is not set}
BUILD=${LOOPMSG_BUILD_DIR:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

"$CLI" completion bash >"$TMP/loopmsg.bash"
# Output that cannot be written is an error, not a silent exit 0.
if [ -w /dev/full ]; then
    if "$CLI" completion bash >/dev/full 2>"$TMP/full.err"; then
        fail "completion to /dev/full exited 0"
    fi
    grep -q "write error on standard output" "$TMP/full.err" || fail "no write error message"
fi
"$CLI" completion zsh >"$TMP/_loopmsg"
"$CLI" completion fish >"$TMP/loopmsg.fish"
set +e
"$CLI" completion tcsh >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown shell must be a usage error (exit 2)"
set -e

# shellcheck source=/dev/null
source "$TMP/loopmsg.bash"
complete -p loopmsg >/dev/null || fail "the bash script does not register a completion"

# complete WORD... : the words of the line, the last one being completed (may be "").
complete_line() {
    COMP_WORDS=(loopmsg "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _loopmsg loopmsg "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect_has() { # description word line...
    local what=$1 word=$2
    shift 2
    complete_line "$@" | grep -qxF -- "$word" || fail "$what: '$word' not offered for 'loopmsg $*'"
}
expect_not() {
    local what=$1 word=$2
    shift 2
    if complete_line "$@" | grep -qxF -- "$word"; then fail "$what: '$word' offered for 'loopmsg $*'"; fi
}
expect_exactly() { # description "sorted words" line...
    local what=$1 want=$2
    shift 2
    local got
    got=$(complete_line "$@" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || fail "$what: 'loopmsg $*' offered '$got', expected '$want'"
}

# Command words, from every command of `loopmsg --help`.
for cmd in $("$CLI" --help | sed -n 's/^  \([a-z][a-z0-9-]*\)\( .*\)\{0,1\}$/\1/p'); do
    expect_has "command word" "$cmd" ""
done
expect_exactly "command words by prefix" "send send-bulk send-group send-voice senders" "se"
expect_exactly "after a global option and its value" "send send-bulk send-group send-voice senders" --profile work se

# A command's options, and the global ones beside them.
expect_has "send option" --contact send --
expect_has "send option" --text send --t
expect_exactly "send options by prefix" "--contact --contact-file" send --cont
expect_has "send-bulk option" --dry-run send-bulk --
expect_not "send-bulk has no --text" --text send-bulk --
expect_has "global option after the command" --api-key send --
expect_has "global option before the command" --log-format --
expect_has "config option" --show-secrets config get api_key --
expect_exactly "values of --log-format" "json text" --log-format ""

# Subcommands.
expect_exactly "sandbox subcommands" "faults inject requests reset script trigger" sandbox ""
expect_exactly "audience subcommands" "history list opt-ins status unsubscribe" audience ""
expect_exactly "audience subcommand after an option with a value" "list" audience --per-page 5 l
expect_exactly "config subcommands" "get list path set" config ""
expect_exactly "completion shells" "bash fish zsh" completion ""
expect_has "pools: the write side and list" create pools ""
expect_has "pools: the write side and list" list pools ""
expect_not "no subcommand after the subcommand" list audience list ""

# zsh and fish: the scripts parse.
if command -v zsh >/dev/null 2>&1; then
    zsh -n "$TMP/_loopmsg" || fail "zsh -n rejects the zsh script"
    head -1 "$TMP/_loopmsg" | grep -qx '#compdef loopmsg' || fail "the zsh script does not start with #compdef"
else
    echo "SKIP: zsh is not installed; the zsh script is not checked"
fi
if command -v fish >/dev/null 2>&1; then
    fish -n "$TMP/loopmsg.fish" || fail "fish -n rejects the fish script"
    # fish: the commands are offered at the first word.
    fish -c "source $TMP/loopmsg.fish; complete -C 'loopmsg sa'" | grep -q '^sandbox' ||
        fail "fish does not complete 'loopmsg sa' to sandbox"
else
    echo "SKIP: fish is not installed; the fish script is not checked"
fi

# The build's scripts (those `make install` installs) are the CLI's.
if [ -n "$BUILD" ] && [ -d "$BUILD/completions" ]; then
    cmp -s "$BUILD/completions/bash/loopmsg" "$TMP/loopmsg.bash" || fail "build/completions/bash/loopmsg is stale"
    cmp -s "$BUILD/completions/zsh/_loopmsg" "$TMP/_loopmsg" || fail "build/completions/zsh/_loopmsg is stale"
    cmp -s "$BUILD/completions/fish/loopmsg.fish" "$TMP/loopmsg.fish" || fail "build/completions/fish/loopmsg.fish is stale"
fi

if [ "$failures" -ne 0 ]; then
    echo "test_completion: $failures failure(s)" >&2
    exit 1
fi
echo "test_completion: 1 passed, 0 failed"
