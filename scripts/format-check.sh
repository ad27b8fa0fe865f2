#!/usr/bin/env bash
# Fails when any tracked C file differs from what clang-format makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
    echo "format-check: clang-format not installed, skipping" >&2
    exit 0
fi
bad=0
for f in $(git ls-files '*.c' '*.h'); do
    [ -f "$f" ] || continue
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f is not clang-format clean (run 'make format')" >&2
        bad=1
    fi
done
exit $bad
