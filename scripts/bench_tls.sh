#!/usr/bin/env bash
# HTTPS benchmarks (issue 9). A throwaway CA signs a certificate for 127.0.0.1. With nginx
# installed (scripts/install-deps.sh --with-bench) the server is nginx with TLS 1.3 and
# HTTP/2: a fixed JSON answer for the throughput runs, and a front proxying to a plain
# `loopmsg sandbox` (50 ms latency fault) for the latency run. Without nginx, a sandbox
# serving TLS itself (HTTP/1.1) takes both roles.
#
# "System-like" trust: the system bundle plus the test CA (bundle.pem, ~140 certificates,
# what a default CAINFO costs) and a hashed copy of /etc/ssl/certs plus the test CA (cadir,
# what a default CAPATH costs). The system store itself is never modified.
#
# The 50 ms runs (1,000 in flight; HTTP/1.1 against HTTP/2) put the raw libcurl multi loop
# at the same concurrency beside the library, against two servers that add the latency: nginx
# itself with the echo module's echo_sleep (a timer per request, no thread: what the server
# side costs least on these shared cores), and nginx in front of `loopmsg sandbox` with its
# latency fault (a thread per upstream connection sleeping).
#
# usage: scripts/bench_tls.sh BUILD_DIR [N]
# BENCH_TLS_ONLY="oneshot 64 latency versions variants" runs only the parts named (default:
# all). "variants": raw libcurl alone at 1,000 in flight + 50 ms in the other setups tried
# (send_concurrent --raw-variants).
set -euo pipefail
build=${1:-build}
n=${2:-20000}
command -v openssl >/dev/null || { echo "bench_tls: openssl missing: skipped"; exit 0; }
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- certificates and trust ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/ca.key" \
    -out "$tmp/ca.pem" -days 2 -subj "/CN=loopmsg bench CA" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign' \
    >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/server.key" \
    -out "$tmp/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -out "$tmp/server.pem" -days 2 -extfile "$tmp/ext" >/dev/null 2>&1
sysbundle=/etc/ssl/certs/ca-certificates.crt
cat "$sysbundle" "$tmp/ca.pem" >"$tmp/bundle.pem" 2>/dev/null || cp "$tmp/ca.pem" "$tmp/bundle.pem"
mkdir "$tmp/cadir"
cp -P /etc/ssl/certs/* "$tmp/cadir/" 2>/dev/null || true
cp "$tmp/ca.pem" "$tmp/cadir/loopmsg-bench-ca.pem"
openssl rehash "$tmp/cadir" >/dev/null 2>&1
echo "trust: bundle.pem $(grep -c 'BEGIN CERT' "$tmp/bundle.pem") certificates; cadir hashed"

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start_sandbox OUTFILE ARGS...: sets sandbox_url. Not called in $(...): the pid must reach
# this shell's pids for the cleanup (a subshell's would leave the sandbox running).
start_sandbox() {
    local out=$1
    shift
    "$build/loopmsg" sandbox --quiet --json "$@" >"$out" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do grep -q '"url"' "$out" 2>/dev/null && break; sleep 0.1; done
    sandbox_url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$out")
}

only=${BENCH_TLS_ONLY:-oneshot 64 latency versions variants}
part() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }
echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
echo_url=

if command -v nginx >/dev/null; then
    server="nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), TLS 1.3, HTTP/2"
    start_sandbox "$tmp/back.json"
    back=$sandbox_url
    p1=$(free_port)
    p2=$(free_port)
    p3=$(free_port)
    load= sleep_server=
    if [ -f "$echo_mod" ]; then
        load="load_module $echo_mod;"
        # A 50 ms timer per request (echo_sleep), then the fixed answer: latency without a
        # thread or an upstream connection per request.
        sleep_server="server {
        listen 127.0.0.1:$p3 ssl http2;
        location / {
            default_type application/json;
            echo_sleep 0.05;
            echo -n '{\"success\":true,\"message_id\":\"5e4c6a9e-0000-4000-8000-000000000001\",\"contact\":\"+13231112233\",\"text\":\"benchmark message\"}';
        }
    }"
        echo_url="https://127.0.0.1:$p3"
    fi
    mkdir -p "$tmp/nginx/logs"
    cat >"$tmp/nginx/nginx.conf" <<CONF
$load
worker_processes 1;
error_log $tmp/nginx/logs/error.log;
pid $tmp/nginx/nginx.pid;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    ssl_certificate $tmp/server.pem;
    ssl_certificate_key $tmp/server.key;
    ssl_protocols TLSv1.3;
    http2_max_concurrent_streams 1024;
    keepalive_requests 1000000;
    upstream sandbox { server ${back#http://}; keepalive 1024; }
    server {
        listen 127.0.0.1:$p1 ssl http2;
        location / {
            default_type application/json;
            return 200 '{"success":true,"message_id":"5e4c6a9e-0000-4000-8000-000000000001","contact":"+13231112233","text":"benchmark message"}';
        }
    }
    server {
        listen 127.0.0.1:$p2 ssl http2;
        location / {
            proxy_pass http://sandbox;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
    $sleep_server
}
CONF
    nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
    pids+=($!)
    url="https://127.0.0.1:$p1"
    lat_url="https://127.0.0.1:$p2"
    control="$back"
    for _ in $(seq 50); do
        curl -s -o /dev/null --cacert "$tmp/ca.pem" "$url/" && break
        sleep 0.1
    done
else
    server="loopmsg sandbox with TLS (HTTP/1.1; install nginx for HTTP/2)"
    start_sandbox "$tmp/tls.json" --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key"
    url=$sandbox_url
    lat_url=$url
    control=$url
    export BENCH_CONTROL_CA=$tmp/ca.pem
fi
echo "server: $server at $url"

# ---- one-shot: whole process, median of 9 ----
median_ms() { # CMD...: wall time of 9 runs, median in ms
    local t=()
    for _ in $(seq 9); do
        local a b
        a=$(date +%s%N)
        "$@" >/dev/null 2>&1 || { echo "FAILED"; return; }
        b=$(date +%s%N)
        t+=($(((b - a) / 1000)))
    done
    printf '%s\n' "${t[@]}" | sort -n | sed -n 5p | awk '{printf "%.1f", $1 / 1000}'
}
body='{"contact":"+13231112233","text":"benchmark message"}'
export LOOP_API_KEY=test-key LOOP_BASE_URL=$url
unset LOOP_CA_BUNDLE LOOP_CA_PATH
if part oneshot; then
echo
echo "== one-shot send over HTTPS, whole process, median of 9 (ms)"
c1=$(median_ms curl -sS --fail -o /dev/null --cacert "$tmp/bundle.pem" -H "Authorization: test-key" \
    -H "Content-Type: application/json" -d "$body" "$url/api/v1/message/send/")
c2=$(median_ms curl -sS --fail -o /dev/null --capath "$tmp/cadir" -H "Authorization: test-key" \
    -H "Content-Type: application/json" -d "$body" "$url/api/v1/message/send/")
l1=$(median_ms "$build/loopmsg" --ca-path "$tmp/cadir" send --contact +13231112233 \
    --text "benchmark message")
l2=$(median_ms "$build/loopmsg" --ca-bundle "$tmp/bundle.pem" send --contact +13231112233 \
    --text "benchmark message")
printf '%-44s %8s ms\n' "curl, default-style trust (--cacert bundle)" "$c1" \
    "curl --capath (hashed dir)" "$c2" \
    "loopmsg send, hashed dir (the default)" "$l1" \
    "loopmsg send --ca-bundle (bundle)" "$l2"
echo "target: loopmsg (default) <= 15 ms and <= the fastest curl"
rss=$( { /usr/bin/time -f '%M' "$build/loopmsg" --ca-path "$tmp/cadir" send \
    --contact +13231112233 --text x >/dev/null; } 2>&1 | tail -1) || rss="?"
echo "peak RSS of one loopmsg send: ${rss} KB"
fi

if part 64; then
    echo
    echo "== $n sends, 64 in flight, hashed dir (the default trust)"
    "$build/bench/send_concurrent" "$url" "$n" 64 --capath "$tmp/cadir" --control "$control"
    echo
    echo "== $n sends, 64 in flight, full bundle"
    "$build/bench/send_concurrent" "$url" "$n" 64 --ca-bundle "$tmp/bundle.pem" --control "$control"
fi

# latency_run URL CONTROL C [ARGS...]: raw libcurl and the library at C in flight, 50 ms
# added; N sends at 1,000 in flight (ideal N / 20,000 s), N / 4 at 64 (ideal N / 5,120 s)
latency_run() {
    local u=$1 ctl=$2 c=$3 count=$n
    shift 3
    [ "$c" -ge 1000 ] || count=$((n / 4))
    "$build/bench/send_concurrent" "$u" "$count" "$c" --latency-ms 50 --capath "$tmp/cadir" \
        --control "$ctl" "$@"
}
if part latency; then
    if [ -n "$echo_url" ]; then
        echo
        echo "== 1,000 in flight, nginx adds 50 ms (echo_sleep), HTTP/2 (auto)"
        latency_run "$echo_url" none 1000
    fi
    echo
    echo "== 1,000 in flight, the emulator adds 50 ms ($([ "$lat_url" = "$url" ] && echo "sandbox with TLS" || echo "behind nginx"))"
    latency_run "$lat_url" "$control" 1000
fi
if part versions; then
    # Which default: the same runs over HTTP/1.1 (a connection per request in flight) and
    # HTTP/2 (multiplexed), with the latency and without.
    for v in auto --http1.1; do
        args=()
        [ "$v" = auto ] || args=("$v")
        name=$([ "$v" = auto ] && echo "HTTP/2 (auto)" || echo "HTTP/1.1")
        echo
        echo "== $name: $n sends, 64 in flight, no added latency"
        "$build/bench/send_concurrent" "$url" "$n" 64 --capath "$tmp/cadir" --control "$control" \
            "${args[@]}"
        if [ -n "$echo_url" ]; then
            for c in 64 1000; do
                echo
                echo "== $name: $c in flight, nginx adds 50 ms"
                latency_run "$echo_url" none "$c" "${args[@]}"
            done
        fi
        echo
        echo "== $name: 64 in flight, the emulator adds 50 ms"
        latency_run "$lat_url" "$control" 64 "${args[@]}"
    done
fi
if part variants && [ -n "$echo_url" ]; then
    echo
    echo "== raw libcurl setups, 1,000 in flight, nginx adds 50 ms"
    latency_run "$echo_url" none 1000 --raw-variants
fi
