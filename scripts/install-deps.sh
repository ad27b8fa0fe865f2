#!/usr/bin/env bash
# Installs the Debian packages libloopmsg needs to build and test, and only those missing.
# Usage: scripts/install-deps.sh [--with-bench]   (sudo is used when not root)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev libyajl-dev libhiredis-dev
      libmicrohttpd-dev libcmocka-dev libinih-dev curl openssl)
# `make test` also runs valgrind, a clang -Werror build and the format check; scdoc builds
# the man pages and mandoc lints them (tests/shell/test_man.sh); doxygen builds the API
# reference (`make docs`, tests/shell/test_docs.sh). redis-server: the Redis tests start their
# own (listen --redis, consume; tests/support/redis_support.c).
if [ "${1:-}" != "--minimal" ]; then
    pkgs+=(valgrind clang clang-format scdoc mandoc doxygen redis-server)
fi
if [ "${1:-}" = "--with-bench" ]; then
    # nginx: the HTTPS + HTTP/2 server of the bench (TLS runs fall back to the emulator);
    # its echo module adds latency with a timer (echo_sleep) in the 50 ms runs.
    pkgs+=(wrk nginx libnginx-mod-http-echo)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
