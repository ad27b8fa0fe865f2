#!/usr/bin/env bash
# test_man.sh: the man pages (docs/man/*.scd, built into $LOOPMSG_BUILD_DIR/man) are
# lint-clean (mandoc -T lint -W warning prints nothing), every command word and every
# global option of `loopmsg --help` is in loopmsg(1), every command has its section (a .SS
# heading starting with its name, or a page loopmsg-CMD of its own) in the page of its group, and every --option printed by
# `loopmsg CMD --help` is in that command's page. A command missing from the table below
# fails the test, so that a new command cannot go undocumented. Skips (exit 0) when scdoc
# or mandoc is not installed.
set -euo pipefail

CLI=${LOOPMSG_CLI:?LOOPMSG_CLI is not set}
BUILD=${LOOPMSG_BUILD_DIR:?LOOPMSG_BUILD_DIR is not set}
MAN="$BUILD/man"

for tool in scdoc mandoc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (Debian package $tool); the man pages are not checked"
        exit 0
    fi
done
if [ ! -f "$MAN/loopmsg.1" ]; then
    echo "FAIL: $MAN/loopmsg.1 is missing: scdoc is installed, so the build must make the pages" >&2
    echo "      (reconfigure with cmake so that it finds scdoc, then build the 'man' target)" >&2
    exit 1
fi

# The page that documents each command.
declare -A PAGE=(
    [send]=loopmsg-send [send-group]=loopmsg-send [send-voice]=loopmsg-send
    [react]=loopmsg-send [typing]=loopmsg-send [mark-read]=loopmsg-send
    [status]=loopmsg-send
    [send-bulk]=loopmsg-send-bulk
    [audience]=loopmsg-audience
    [campaign]=loopmsg-campaign
    [senders]=loopmsg-senders [pools]=loopmsg-senders
    [orgs]=loopmsg-orgs
    [opt-in]=loopmsg-opt-in
    [lookup]=loopmsg-lookup
    [webhooks]=loopmsg-webhooks
    [orgs]=loopmsg-orgs
    [listen]=loopmsg-listen
    [consume]=loopmsg-consume
    [sandbox]=loopmsg-sandbox
    [config]=loopmsg-config
    [completion]=loopmsg-completion
)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# (a) lint: any output at all is a failure.
pages=("$MAN"/*.[0-9])
[ ${#pages[@]} -ge 2 ] || fail "no man pages in $MAN"
if ! mandoc -T lint -W warning "${pages[@]}" >"$TMP/lint" 2>&1 || [ -s "$TMP/lint" ]; then
    fail "mandoc -T lint -W warning:"
    cat "$TMP/lint" >&2
fi

# The text of a page as a reader sees it: rendered, no overstrike, no line wrapping.
text_of() {
    mandoc -T ascii -O width=1000 "$MAN/$1.1" | sed 's/.\x08//g'
}
# The words that open the .SS headings of a page.
headings_of() {
    sed -n 's/^\.SS "\{0,1\}\([^" ]*\).*/\1/p' "$MAN/$1.1" | sed 's/\\-/-/g'
}
has_option() { # page-text-file option
    grep -qE -- "(^|[^a-zA-Z0-9-])$(printf '%s' "$2" | sed 's/[.]/\\./g')([^a-zA-Z0-9-]|$)" "$1"
}

"$CLI" --help >"$TMP/help"
text_of loopmsg >"$TMP/loopmsg.txt"

# (b) commands: the lines of `loopmsg --help` that start with two spaces and a word.
commands=$(sed -n 's/^  \([a-z][a-z0-9-]*\)\( .*\)\{0,1\}$/\1/p' "$TMP/help")
[ -n "$commands" ] || fail "no command found in 'loopmsg --help'"
for cmd in $commands; do
    grep -qw -- "$cmd" "$TMP/loopmsg.txt" || fail "loopmsg(1) does not mention the command '$cmd'"
    page=${PAGE[$cmd]:-}
    if [ -z "$page" ]; then
        fail "command '$cmd' has no page in tests/shell/test_man.sh: write its section in docs/man and add it to the table"
        continue
    fi
    if [ ! -f "$MAN/$page.1" ]; then
        fail "command '$cmd': $MAN/$page.1 does not exist"
        continue
    fi
    # A page of its own (loopmsg-CMD) is the command's section; in a shared page, a heading.
    [ "$page" = "loopmsg-$cmd" ] || headings_of "$page" | grep -qxF -- "$cmd" ||
        fail "command '$cmd' has no section (a heading starting with '$cmd') in $page(1)"
done

# Global options: every --option in the "Global options" block of `loopmsg --help`.
globals=$(sed -n '/^Global options/,/^$/p' "$TMP/help" |
          { grep -oE -- '--[a-z0-9][a-z0-9.-]*' || true; } | sed 's/[.-]*$//' | sort -u)
[ -n "$globals" ] || fail "no global option found in 'loopmsg --help'"
for opt in $globals; do
    has_option "$TMP/loopmsg.txt" "$opt" || fail "loopmsg(1) does not document the global option $opt"
done

# (c) each command's options. When a help text covers several commands (the resource
# commands share one), only the lines about this command count: a line naming
# "loopmsg WORD" starts WORD's lines, indented lines continue them, other lines end them.
options_of() { # cmd help-file
    awk -v cmd="$1" '
        {
            if (match($0, /loopmsg [a-z][a-z0-9-]*/)) {
                w = substr($0, RSTART + 8, RLENGTH - 8)
                cur = w
            } else if ($0 !~ /^[ \t]/) {
                cur = ""
            }
            if (cur == cmd || !shared)
                print
        }' shared="$2" "$3" | { grep -oE -- '--[a-z0-9][a-z0-9.-]*' || true; } | sed 's/[.-]*$//' | sort -u
}
for cmd in $commands; do
    page=${PAGE[$cmd]:-}
    [ -n "$page" ] && [ -f "$MAN/$page.1" ] || continue
    "$CLI" "$cmd" --help >"$TMP/cmd.help" 2>&1 || fail "'loopmsg $cmd --help' exited with $?"
    others=$(grep -oE 'loopmsg [a-z][a-z0-9-]*' "$TMP/cmd.help" | awk '{print $2}' | sort -u |
             grep -vxF -- "$cmd" || true)
    shared=0
    [ -n "$others" ] && shared=1
    text_of "$page" >"$TMP/page.txt"
    opts=$(options_of "$cmd" "$shared" "$TMP/cmd.help")
    [ -n "$opts" ] || [ "$shared" = 1 ] || fail "'loopmsg $cmd --help' lists no option"
    for opt in $opts; do
        has_option "$TMP/page.txt" "$opt" || fail "$page(1) does not document $opt of 'loopmsg $cmd'"
    done
done

if [ "$failures" -ne 0 ]; then
    echo "test_man: $failures failure(s)" >&2
    exit 1
fi
echo "test_man: ${#pages[@]} pages lint-clean; $(echo "$commands" | wc -w) commands and $(echo "$globals" | wc -w) global options documented"
