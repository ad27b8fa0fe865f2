#!/usr/bin/env bash
# Each public header must compile alone as strict C99 and as C++ (-Werror), and the shared
# libraries must export only loopmsg_* symbols.
set -euo pipefail
src=${LOOPMSG_SOURCE_DIR:?}
build=${LOOPMSG_BUILD_DIR:?}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for h in "$src"/include/loopmsg.h "$src"/include/loopmsg/*.h; do
    rel=${h#"$src"/include/}
    printf '#include <%s>\nint main(void) { return 0; }\n' "$rel" >"$tmp/t.c"
    if ! "$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror -I"$src/include" -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err"; then
        echo "headers: $rel does not compile alone as C99:"; cat "$tmp/err"; fail=1
    fi
    if command -v c++ >/dev/null; then
        cp "$tmp/t.c" "$tmp/t.cpp"
        if ! c++ -std=c++11 -Wall -Wextra -Werror -I"$src/include" -c "$tmp/t.cpp" -o "$tmp/t.o" 2>"$tmp/err"; then
            echo "headers: $rel does not compile as C++:"; cat "$tmp/err"; fail=1
        fi
    fi
    n=$((n + 1))
done
for lib in "$build"/libloopmsg.so "$build"/libloopmsg_webhook.so "$build"/libloopmsg_redis.so; do
    [ -f "$lib" ] || continue
    bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^loopmsg_' | grep -v '^_' || true)
    if [ -n "$bad" ]; then
        echo "headers: $(basename "$lib") exports symbols outside loopmsg_*:"; echo "$bad"; fail=1
    fi
    internal=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep '^loopmsg__' || true)
    if [ -n "$internal" ]; then
        echo "headers: $(basename "$lib") exports internal symbols:"; echo "$internal"; fail=1
    fi
done
# Every LOOPMSG_<STRUCT>_INIT macro has its callable twin loopmsg_<struct>_init() for bindings.
for m in $(grep -ho '^#define LOOPMSG_[A-Z_]*_INIT\b' "$src"/include/loopmsg/*.h | awk '{print $2}' |
    grep -v '^LOOPMSG_STRUCT_INIT$'); do
    fn=$(echo "${m#LOOPMSG_}" | tr 'A-Z' 'a-z')
    fn="loopmsg_${fn%_init}_init"
    if ! grep -q "\b$fn(" "$src"/include/loopmsg/*.h; then
        echo "headers: $m has no function $fn() for callers without the C preprocessor"; fail=1
    fi
done
# The exports match docs/symbols.txt: a symbol added or removed needs its line there.
for lib in "$build"/libloopmsg.so "$build"/libloopmsg_webhook.so "$build"/libloopmsg_redis.so; do
    [ -f "$lib" ] || continue
    name=$(basename "$lib" .so)
    nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {sub(/@.*/, "", $3); print $3}' |
        grep '^loopmsg_' | sort >"$tmp/have"
    awk -v L="$name" '$1 == L {print $2}' "$src/docs/symbols.txt" | sort >"$tmp/want"
    added=$(comm -23 "$tmp/have" "$tmp/want")
    gone=$(comm -13 "$tmp/have" "$tmp/want")
    if [ -n "$added" ]; then
        echo "headers: $name exports symbols that docs/symbols.txt does not list (add them with the version):"
        echo "$added"; fail=1
    fi
    if [ -n "$gone" ]; then
        echo "headers: docs/symbols.txt lists symbols that $name no longer exports (an ABI break):"
        echo "$gone"; fail=1
    fi
done
# One parameter order in every public function (docs/conventions.md).
python3 "$src/tests/headers/check_param_order.py" "$src" || fail=1
if [ $fail -eq 0 ]; then echo "$n passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
