#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 60) from a copy of its corpus.
# New crashes land in build-fuzz/crashes/; add them to fuzz/corpus/<target>/ once fixed.
# usage: scripts/fuzz.sh BUILD_DIR
set -euo pipefail
build=${1:-build-fuzz}
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
mkdir -p "$build/crashes"
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); short=${name#fuzz_}
    work="$build/corpus-work/$short"
    mkdir -p "$work"
    cp -n "$src/fuzz/corpus/$short/"* "$work/" 2>/dev/null || true
    echo "== $name for ${secs}s"
    "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$build/crashes/$short-" \
        "$work" 2>&1 | tail -3
done
