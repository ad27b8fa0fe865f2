#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds two consumers against it: one with
# CMake's find_package(loopmsg) and one with pkg-config.
set -euo pipefail
build=${LOOPMSG_BUILD_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/include/loopmsg.h"
test -x "$tmp/prefix/bin/loopmsg"
# The emulator library is not installed, so neither is its header.
test ! -e "$tmp/prefix/include/loopmsg/emulator.h" || { echo "emulator.h installed without its library" >&2; exit 1; }
ls "$tmp"/prefix/lib*/libloopmsg.so* >/dev/null
ls "$tmp"/prefix/lib*/pkgconfig/loopmsg.pc >/dev/null

# A sanitizer build installs instrumented libraries: the consumers need the same runtime.
san=""
grep -q '^LOOPMSG_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=address,undefined"
grep -q '^LOOPMSG_TSAN:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=thread"
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0

mkdir -p "$tmp/app"
cat >"$tmp/app/main.c" <<'C'
#include <loopmsg.h>
#include <loopmsg/webhook_server.h>
#include <stdio.h>
int main(void)
{
    loopmsg_error err;
    loopmsg_client *c = NULL;
    loopmsg_client_options o = LOOPMSG_CLIENT_OPTIONS_INIT;
    o.api_key = "k";
    o.base_url = "http://127.0.0.1:9";
    if (loopmsg_client_new(&o, &c, &err) != LOOPMSG_OK)
        return 1;
    loopmsg_client_free(c);
    printf("%s\n", loopmsg_version_string());
    return loopmsg_version_num() == LOOPMSG_VERSION_NUM ? 0 : 1;
}
C
cat >"$tmp/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package(loopmsg REQUIRED)
add_executable(app main.c)
target_link_libraries(app PRIVATE loopmsg::loopmsg loopmsg::webhook)
CM
cmake -S "$tmp/app" -B "$tmp/app/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/app/build" >/dev/null
LD_LIBRARY_PATH=$(dirname "$(ls "$tmp"/prefix/lib*/libloopmsg.so | head -1)") "$tmp/app/build/app"

pcdir=$(dirname "$(ls "$tmp"/prefix/lib*/pkgconfig/loopmsg.pc)")
export PKG_CONFIG_PATH="$pcdir"
# The .pc files carry the configure-time prefix; point pkg-config at this one.
flags=$(pkg-config --define-variable=prefix="$tmp/prefix" --cflags --libs loopmsg_webhook)
cc $san "$tmp/app/main.c" $flags -o "$tmp/app/app_pc"
LD_LIBRARY_PATH=$(dirname "$(ls "$tmp"/prefix/lib*/libloopmsg.so | head -1)") "$tmp/app/app_pc"
echo "1 passed, 0 failed"
