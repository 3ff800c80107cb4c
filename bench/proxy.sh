#!/usr/bin/env bash
# bench/proxy.sh [BUILD_DIR] -- `make bench`.
#
# Compares the gateway with nginx and HAProxy as reverse proxies in front of one fast
# upstream (nginx returning a 1 KiB body) on 127.0.0.1 only: throughput ceiling and
# latency with wrk (plain HTTP and TLS termination), and RSS per idle keep-alive client
# connection. See bench/README.md. Writes bench/results/proxy.md and proxy.png.
#
# Environment (defaults in brackets):
#   BENCH_DURATION [10]  seconds per measured wrk run (after a BENCH_WARMUP [2] s run)
#   BENCH_CONNECTIONS [64]  wrk connections;  BENCH_THREADS [2]  wrk threads
#   BENCH_REPEATS [3]  rounds; every figure is the median over the rounds
#   BENCH_IDLE_CONNECTIONS [10000]  idle keep-alive connections for the RSS figure
#   BENCH_IDLE_TLS_CONNECTIONS [2000]  the same over TLS (each costs a handshake)
#   BENCH_WORKERS ["1 2 2p"]  worker counts to test; "Np": N workers, each pinned to a
#                   CPU by the proxy's own setting (gateway "worker_cpu_affinity": "auto",
#                   nginx `worker_cpu_affinity auto`, HAProxy `cpu-map`); no idle-memory run
#   BENCH_OUT [bench/results]  where proxy.md, proxy.png and proxy-raw.tsv go
#   GATEWAY_BIN [BUILD_DIR/gateway/trading-gateway]
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)

BUILD_DIR=${1:-build}
if [[ ! -d $BUILD_DIR && -d $REPO_DIR/$BUILD_DIR ]]; then BUILD_DIR=$REPO_DIR/$BUILD_DIR; fi
GATEWAY_BIN=${GATEWAY_BIN:-$BUILD_DIR/gateway/trading-gateway}

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
REPEATS=${BENCH_REPEATS:-3}
IDLE=${BENCH_IDLE_CONNECTIONS:-10000}
IDLE_TLS=${BENCH_IDLE_TLS_CONNECTIONS:-2000}
WORKERS_LIST=${BENCH_WORKERS:-"1 2 2p"}
OUT_DIR=${BENCH_OUT:-$BENCH_DIR/results}
PROXIES=(gateway nginx haproxy)
MODES=(plain tls)
PACKAGES=(wrk nginx haproxy gnuplot-nox python3 openssl curl procps iproute2)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

check_settings() {
  local name value
  for name in DURATION WARMUP CONNECTIONS THREADS REPEATS IDLE IDLE_TLS; do
    value=${!name}
    [[ $value =~ ^[0-9]+$ && $value -gt 0 ]] || die "$name must be a positive integer, got '$value'"
  done
  for value in $WORKERS_LIST; do
    [[ $value =~ ^[0-9]+p?$ && ${value%p} -gt 0 ]] || die "BENCH_WORKERS: '$value' is not a positive integer, with an optional p (pinned)"
  done
  ((CONNECTIONS >= THREADS)) || die "BENCH_CONNECTIONS must be at least BENCH_THREADS"
  [[ -x $GATEWAY_BIN ]] || die "no gateway binary at $GATEWAY_BIN (run 'make build' or set GATEWAY_BIN)"
}

# --- packages -------------------------------------------------------------------------

ensure_packages() {
  local p missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian may start the packaged services; the bench runs its own instances.
  for p in nginx haproxy; do
    if [[ " ${missing[*]} " == *" $p "* ]]; then
      "${sudo[@]}" service "$p" stop >/dev/null 2>&1 || true
      "${sudo[@]}" systemctl disable --now "$p" >/dev/null 2>&1 || true
    fi
  done
}

# --- processes ------------------------------------------------------------------------

PIDS=()
TMP=""

descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

alive() { kill -0 "$1" 2>/dev/null; }

# TERM the process, wait up to 5 s, then KILL it and whatever it forked.
stop_pid() {
  local pid=$1 kids i
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

cleanup() {
  local rc=$? p
  set +e
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  [[ -n $TMP && -d $TMP ]] && rm -rf "$TMP"
  exit "$rc"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sum of VmRSS (KiB) over the process and its descendants.
rss_kib() {
  local total=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# utime + stime (clock ticks) of the process and its descendants; threads included.
cpu_ticks() {
  local total=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# Busy clock ticks of the whole machine (all CPUs: user nice system irq softirq).
machine_busy_ticks() {
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat
}

# CPU ticks of this shell's children that it has waited for (cutime + cstime): wrk's,
# through `timeout`, when read right before and after run_wrk.
waited_children_ticks() {
  sed 's/.*) //' "/proc/$$/stat" | awk '{print $14 + $15}'
}

show_log_and_die() { # name logfile message
  log "error: $1: $3; its log ($2):"
  [[ -f $2 ]] && tail -n 50 "$2" >&2
  exit 1
}

wait_port() { # name pid port logfile
  local i
  for ((i = 0; i < 100; i++)); do
    alive "$2" || show_log_and_die "$1" "$4" "exited during start-up"
    if (: <"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  show_log_and_die "$1" "$4" "port $3 not accepting connections after 10 s"
}

check_response() { # name url logfile
  local got
  got=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' "$2" || true)
  [[ $got == "200 1024" ]] || show_log_and_die "$1" "$3" "GET $2 gave '$got', expected '200 1024'"
}

# Commands are logged once each (with the temp dir and ports made generic) for the report.
record_cmd() {
  local line
  line=$(printf '%q ' "$@")
  line=${line% }
  line=${line//$TMP/\$BENCH_TMP}
  line=$(sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:$PORT/g; s/--port [0-9]+/--port $PORT/g' <<<"$line")
  grep -qxF -- "$line" "$TMP/commands.log" 2>/dev/null || echo "$line" >>"$TMP/commands.log"
}

# --- configs --------------------------------------------------------------------------

BODY=$(head -c 1024 /dev/zero | tr '\0' 'x')

write_upstream_conf() { # dir port
  cat >"$1/nginx.conf" <<EOF
# Fast upstream: 1 KiB text body from memory.
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    server {
        listen 127.0.0.1:$2;
        default_type text/plain;
        location / { return 200 "$BODY"; }
    }
}
EOF
}

# The worker count of a BENCH_WORKERS entry, and the pinning line when it ends in p.
worker_count() { echo "${1%p}"; }
pinned() { [[ $1 == *p ]]; }

write_gateway_conf() { # dir port mode workers
  local tls="" affinity=""
  [[ $3 == tls ]] && tls=", \"tls\": {\"cert_file\": \"$TMP/cert.pem\", \"key_file\": \"$TMP/key.pem\"}"
  pinned "$4" && affinity='"worker_cpu_affinity": "auto", '
  cat >"$1/gateway.json" <<EOF
// trading-gateway, $3, $4 worker(s)
{"workers": $(worker_count "$4"), $affinity
 "listeners": [{"name": "public", "address": "127.0.0.1", "port": $2$tls}],
 "limits": {"idle_timeout_ms": 300000},
 "upstreams": {"app": {"servers": ["http://127.0.0.1:$UPSTREAM_PORT"], "pool_size": 1024}},
 "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]}
EOF
}

write_nginx_conf() { # dir port mode workers
  local ssl="" tls_lines="" affinity=""
  pinned "$4" && affinity="worker_cpu_affinity auto;"
  if [[ $3 == tls ]]; then
    ssl=" ssl"
    tls_lines="ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;"
  fi
  cat >"$1/nginx.conf" <<EOF
# nginx reverse proxy, $3, $4 worker(s). Same per-request work as the gateway:
# HTTP/1.1 keep-alive pool to the upstream, X-Forwarded-*, a request id echoed back.
worker_processes $(worker_count "$4");
$affinity
worker_rlimit_nofile $NOFILE;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections $PROXY_MAXCONN; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    upstream app {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive 1024;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$2$ssl reuseport;
        $tls_lines
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_set_header X-Request-Id \$request_id;
            add_header X-Request-Id \$request_id always;
        }
    }
}
EOF
}

write_haproxy_conf() { # dir port mode workers
  local ssl="" proto=http affinity="" n
  n=$(worker_count "$4")
  pinned "$4" && affinity="cpu-map auto:1/1-$n 0-$((n - 1))"
  [[ $3 == tls ]] && ssl=" ssl crt $TMP/combined.pem alpn http/1.1" proto=https
  cat >"$1/haproxy.cfg" <<EOF
# HAProxy reverse proxy, $3, $4 thread(s). Same per-request work as the gateway:
# reused upstream connections, X-Forwarded-*, a request id echoed back. No logging.
global
    nbthread $n
    $affinity
    maxconn $PROXY_MAXCONN
    # The open-file hard limit may be below the 2 x maxconn HAProxy asks for; the
    # idle test needs only one descriptor per client connection.
    no strict-limits
    ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
    mode http
    option http-keep-alive
    timeout connect 3s
    timeout client 300s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 300s
frontend public
    bind 127.0.0.1:$2$ssl
    option forwardfor
    http-request set-header X-Forwarded-Proto $proto
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    unique-id-format %[uuid()]
    http-request set-header X-Request-Id %[unique-id]
    http-response set-header X-Request-Id %[unique-id]
    default_backend app
backend app
    http-reuse always
    server app1 127.0.0.1:$UPSTREAM_PORT
EOF
}

make_cert() {
  local cmd=(openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem")
  record_cmd "${cmd[@]}"
  "${cmd[@]}" >/dev/null 2>&1 || die "openssl req failed"
  cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/combined.pem"
}

# --- peers ----------------------------------------------------------------------------

start_upstream() {
  local dir=$TMP/upstream
  mkdir -p "$dir"
  UPSTREAM_PORT=$(free_port)
  write_upstream_conf "$dir" "$UPSTREAM_PORT"
  local cmd=(nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;')
  record_cmd "${cmd[@]}"
  "${cmd[@]}" >"$dir/stdout.log" 2>&1 &
  UPSTREAM_PID=$!
  PIDS+=("$UPSTREAM_PID")
  wait_port upstream "$UPSTREAM_PID" "$UPSTREAM_PORT" "$dir/error.log"
  check_response upstream "http://127.0.0.1:$UPSTREAM_PORT/" "$dir/error.log"
  log "upstream nginx on 127.0.0.1:$UPSTREAM_PORT (pid $UPSTREAM_PID)"
}

# Sets PEER_PID, PEER_PORT, PEER_LOG, PEER_URL.
start_peer() { # proxy mode workers
  local proxy=$1 mode=$2 workers=$3 dir cmd
  dir=$TMP/$proxy-$mode-${workers}w
  rm -rf "$dir"
  mkdir -p "$dir"
  PEER_PORT=$(free_port)
  case $proxy in
    gateway)
      write_gateway_conf "$dir" "$PEER_PORT" "$mode" "$workers"
      cmd=("$GATEWAY_BIN" --config "$dir/gateway.json")
      PEER_LOG=$dir/gateway.log ;;
    nginx)
      write_nginx_conf "$dir" "$PEER_PORT" "$mode" "$workers"
      cmd=(nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;')
      PEER_LOG=$dir/error.log ;;
    haproxy)
      write_haproxy_conf "$dir" "$PEER_PORT" "$mode" "$workers"
      cmd=(haproxy -db -f "$dir/haproxy.cfg")
      PEER_LOG=$dir/haproxy.log ;;
  esac
  record_cmd "${cmd[@]}"
  "${cmd[@]}" >>"$PEER_LOG" 2>&1 &
  PEER_PID=$!
  PIDS+=("$PEER_PID")
  wait_port "$proxy" "$PEER_PID" "$PEER_PORT" "$PEER_LOG"
  local scheme=http
  [[ $mode == tls ]] && scheme=https
  PEER_URL=$scheme://127.0.0.1:$PEER_PORT/
  check_response "$proxy" "$PEER_URL" "$PEER_LOG"
}

stop_peer() {
  stop_pid "$PEER_PID"
  forget_pid "$PEER_PID"
}

# --- measurements ---------------------------------------------------------------------

record() { # round mode workers proxy metric value
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}

# Runs wrk; leaves the "BENCH k=v ..." line in WRK_LINE.
run_wrk() { # url seconds
  local cmd=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --timeout 10s -s "$BENCH_DIR/lib/latency.lua" "$1")
  record_cmd "${cmd[@]}"
  if ! timeout $(($2 + 60)) "${cmd[@]}" >"$TMP/wrk.out" 2>&1; then
    cat "$TMP/wrk.out" >&2
    die "wrk failed: ${cmd[*]}"
  fi
  WRK_LINE=$(grep '^BENCH ' "$TMP/wrk.out" || true)
  [[ -n $WRK_LINE ]] || { cat "$TMP/wrk.out" >&2; die "wrk printed no BENCH line"; }
}

measure_load() { # round mode workers proxy
  local kv key errors=0 p0 p1 u0 u1 b0 b1 w0 w1 t0 t1
  run_wrk "$PEER_URL" "$WARMUP"
  p0=$(cpu_ticks "$PEER_PID") u0=$(cpu_ticks "$UPSTREAM_PID") b0=$(machine_busy_ticks)
  t0=$(date +%s.%N) w0=$(waited_children_ticks)
  run_wrk "$PEER_URL" "$DURATION"
  w1=$(waited_children_ticks) t1=$(date +%s.%N)
  p1=$(cpu_ticks "$PEER_PID") u1=$(cpu_ticks "$UPSTREAM_PID") b1=$(machine_busy_ticks)
  for kv in ${WRK_LINE#BENCH }; do
    key=${kv%%=*}
    record "$@" "$key" "${kv#*=}"
    [[ $key == err_* ]] && errors=$((errors + ${kv#*=}))
  done
  local requests=${WRK_LINE#*requests=}
  requests=${requests%% *}
  # CPU in cores over the measured run: the proxy, the upstream, wrk, and everything else
  # on the machine ("other": other users' jobs; it should be near 0 for a clean run).
  awk -v p=$((p1 - p0)) -v u=$((u1 - u0)) -v w=$((w1 - w0)) -v b=$((b1 - b0)) -v hz="$CLK_TCK" \
    -v t0="$t0" -v t1="$t1" -v n="$requests" 'BEGIN {
      s = t1 - t0
      other = (b - p - u - w) / hz / s
      if (other < 0) other = 0
      printf "proxy_cpu_cores\t%.3f\ncpu_us_per_req\t%.2f\nupstream_cpu_cores\t%.3f\n", p / hz / s, (n > 0 ? p / hz * 1e6 / n : 0), u / hz / s
      printf "wrk_cpu_cores\t%.3f\nother_cpu_cores\t%.3f\n", w / hz / s, other }' >"$TMP/cpu.tsv"
  while IFS=$'\t' read -r key kv; do record "$@" "$key" "$kv"; done <"$TMP/cpu.tsv"
  LAST_CPU=$(awk -F'\t' '{v[$1] = $2} END {printf "proxy %.2f / upstream %.2f / wrk %.2f / other %.2f cores", v["proxy_cpu_cores"], v["upstream_cpu_cores"], v["wrk_cpu_cores"], v["other_cpu_cores"]}' "$TMP/cpu.tsv")
  ((errors == 0)) || log "warning: $4 $2 $3w: wrk counted $errors errors: $WRK_LINE"
  LAST_RPS=$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$WRK_LINE")
  LAST_P99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$WRK_LINE")
}

# RSS of the proxy before and while IDLE (over TLS: IDLE_TLS) keep-alive connections are
# held open.
measure_idle() { # round mode workers proxy
  local before with ready="" ok failed established i ipid wfd count=$IDLE tls=()
  local fifo=$TMP/idle.in out=$TMP/idle.out err=$TMP/idle.err
  if [[ $2 == tls ]]; then count=$IDLE_TLS tls=(--tls); fi
  sleep 0.5
  before=$(rss_kib "$PEER_PID")
  rm -f "$fifo" "$out" "$err"
  mkfifo "$fifo"
  local cmd=(python3 "$BENCH_DIR/idle_connections.py" --port "$PEER_PORT" --connections "$count"
    --concurrency "$CONNECTIONS" --max-seconds 600 "${tls[@]}")
  record_cmd "${cmd[@]}"
  "${cmd[@]}" <"$fifo" >"$out" 2>"$err" &
  ipid=$!
  PIDS+=("$ipid")
  exec {wfd}>"$fifo" # the script holds its connections until this is closed
  for ((i = 0; i < 1800; i++)); do # at most 180 s to set them up
    ready=$(grep '^ready ' "$out" 2>/dev/null || true)
    [[ -n $ready ]] && break
    alive "$ipid" || break
    sleep 0.1
  done
  if [[ -z $ready ]]; then
    exec {wfd}>&-
    cat "$err" >&2
    show_log_and_die "$4" "$PEER_LOG" "idle connections were not set up"
  fi
  read -r _ ok failed <<<"$ready"
  sleep 1
  with=$(rss_kib "$PEER_PID")
  established=$(ss -Htn state established "( sport = :$PEER_PORT )" 2>/dev/null | wc -l)
  exec {wfd}>&-
  for ((i = 0; i < 300; i++)); do alive "$ipid" || break; sleep 0.1; done
  stop_pid "$ipid"
  forget_pid "$ipid"
  rm -f "$fifo"
  if ((failed > 0)); then
    log "warning: $4 $2 $3w: $failed of $count idle connections failed: $(head -c 300 "$err")"
  fi
  ((ok > 0)) || show_log_and_die "$4" "$PEER_LOG" "no idle connection could be set up"
  record "$@" rss_before_kib "$before"
  record "$@" rss_idle_kib "$with"
  record "$@" idle_ok "$ok"
  record "$@" idle_established "$established"
  record "$@" kib_per_idle_conn "$(awk -v a="$with" -v b="$before" -v n="$ok" 'BEGIN {printf "%.3f", (a - b) / n}')"
  LAST_IDLE="$(awk -v a="$with" -v b="$before" -v n="$ok" 'BEGIN {printf "%.2f", (a - b) / n}') KiB/conn (${before} -> ${with} KiB, $established held)"
  sleep 1 # let the proxy see the closes before the load test
}

tls_info() { # proxy: negotiated protocol and cipher, once per proxy
  local line
  line=$(timeout 5 openssl s_client -connect "127.0.0.1:$PEER_PORT" -alpn http/1.1 </dev/null 2>/dev/null |
    grep -m1 -E '^New, ' || true)
  echo "- $1: ${line:-unknown}" >>"$TMP/tls.txt"
}

run_one() { # round mode workers proxy
  local round=$1 mode=$2 workers=$3 proxy=$4
  start_peer "$proxy" "$mode" "$workers"
  LAST_IDLE=""
  pinned "$workers" || measure_idle "$@" # pinning does not change what an idle connection costs
  if [[ $mode == tls && $round == 1 && $workers == "${WORKERS_LIST%% *}" ]]; then tls_info "$proxy"; fi
  measure_load "$@"
  if [[ $proxy == gateway ]] && grep -qiE '\b(error|warn)' "$PEER_LOG"; then
    log "note: the gateway logged warnings or errors: $(grep -iE '\b(error|warn)' "$PEER_LOG" | head -n 3)"
  fi
  stop_peer
  log "round $round $mode ${workers}w $(printf '%-8s' "$proxy") $LAST_RPS req/s, p99 ${LAST_P99} us; $LAST_CPU${LAST_IDLE:+; $LAST_IDLE}"
}

# --- report ---------------------------------------------------------------------------

write_environment() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run took $((SECONDS / 60)) min $((SECONDS % 60)) s)"
    echo "- machine: nproc $(nproc), CPU ${cpu:-unknown}, kernel $(uname -r), memory $mem"
    echo "- load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- open-file limit: $NOFILE (nginx worker_connections and HAProxy maxconn: $PROXY_MAXCONN)"
    echo "- versions: $(nginx -v 2>&1 | head -n1); $(haproxy -v | head -n1); $(wrk -v 2>&1 | head -n1 || true)"
    echo "- gateway: $("$GATEWAY_BIN" --version 2>&1 | head -n1) at \`$GATEWAY_BIN\`; repo HEAD at report time $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO_DIR" status --porcelain -- gateway 2>/dev/null | grep -q . && echo ' with uncommitted changes in gateway/' || true)"
    echo "- settings: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP} s warm-up then ${DURATION} s measured; $IDLE idle connections ($IDLE_TLS over TLS); workers: $WORKERS_LIST; $REPEATS round(s), median of each figure"
  } >"$TMP/environment.md"
}

write_report() {
  mkdir -p "$OUT_DIR"
  cp "$RAW" "$OUT_DIR/proxy-raw.tsv"
  write_environment
  python3 "$BENCH_DIR/lib/report.py" --raw "$RAW" --idle "$IDLE" --idle-tls "$IDLE_TLS" --plot-data "$TMP/plot.dat" \
    >"$TMP/table.md"
  {
    echo "# Reverse-proxy benchmark: trading-gateway vs nginx vs HAProxy"
    echo
    echo "Generated by \`bench/proxy.sh\` (\`make bench\`); see bench/README.md for how to read it."
    echo
    cat "$TMP/environment.md"
    echo
    cat "$TMP/table.md"
    echo
    echo "TLS negotiated with each proxy (openssl s_client, same OpenSSL 3 defaults as wrk; self-signed RSA 2048 certificate):"
    echo
    cat "$TMP/tls.txt" 2>/dev/null || echo "- (no TLS run)"
    echo
    echo "Per-round figures: \`proxy-raw.tsv\` beside this file. Plot: \`proxy.png\`."
    echo
    echo "## Commands"
    echo
    echo "Ports are picked free at run time (\`\$PORT\`); \`\$BENCH_TMP\` is the run's temp dir."
    echo
    echo '```sh'
    cat "$TMP/commands.log"
    echo '```'
    echo
    local last=${WORKERS_LIST##* }
    echo "## Configurations (TLS, $(worker_count "$last") worker(s)$(pinned "$last" && echo ", pinned"); the plain ones differ only in the listener$(pinned "$last" && echo ", the unpinned ones of the same count only in the pinning line"))"
    local f lang
    for f in upstream/nginx.conf "gateway-tls-${WORKERS_LIST##* }w/gateway.json" \
      "nginx-tls-${WORKERS_LIST##* }w/nginx.conf" "haproxy-tls-${WORKERS_LIST##* }w/haproxy.cfg"; do
      [[ -f $TMP/$f ]] || continue
      lang=""
      [[ $f == *.json ]] && lang=jsonc
      [[ $f == *nginx.conf ]] && lang=nginx
      [[ $f == *.cfg ]] && lang=haproxy
      echo
      echo "<details><summary>${f}</summary>"
      echo
      echo "\`\`\`$lang"
      sed "s#$TMP#\$BENCH_TMP#g; s/\"$BODY\"/\"x...x (1024 bytes)\"/" "$TMP/$f"
      echo '```'
      echo
      echo "</details>"
    done
    # What profiling found and what was changed (kept by hand, not measured by this run).
    if [ -f "$BENCH_DIR/profile.md" ]; then
      echo
      cat "$BENCH_DIR/profile.md"
    fi
  } >"$OUT_DIR/proxy.md"
  gnuplot -e "datafile='$TMP/plot.dat'; outfile='$OUT_DIR/proxy.png'" "$BENCH_DIR/lib/plot.gp" ||
    die "gnuplot failed"
  echo
  cat "$TMP/table.md"
  echo
  log "wrote $OUT_DIR/proxy.md, $OUT_DIR/proxy.png, $OUT_DIR/proxy-raw.tsv"
}

# --- main -----------------------------------------------------------------------------

main() {
  check_settings
  ensure_packages
  # One descriptor per idle client connection in each proxy and in the idle script.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) > 65536)); then ulimit -n 65536; fi
  NOFILE=$(ulimit -n)
  CLK_TCK=$(getconf CLK_TCK)
  local most_idle=$((IDLE > IDLE_TLS ? IDLE : IDLE_TLS))
  PROXY_MAXCONN=$((most_idle + 1024))
  ((PROXY_MAXCONN < NOFILE - 64)) || PROXY_MAXCONN=$((NOFILE - 64))
  ((most_idle + 256 <= NOFILE)) || die "$most_idle idle connections need an open-file limit above $((most_idle + 256)); it is $NOFILE"

  TMP=$(mktemp -d /tmp/bench-proxy.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  RAW=$TMP/raw.tsv
  printf 'round\tmode\tworkers\tproxy\tmetric\tvalue\n' >"$RAW"
  : >"$TMP/commands.log"
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

  make_cert
  start_upstream
  local round mode workers proxy
  for ((round = 1; round <= REPEATS; round++)); do
    for mode in "${MODES[@]}"; do
      for workers in $WORKERS_LIST; do
        for proxy in "${PROXIES[@]}"; do
          run_one "$round" "$mode" "$workers" "$proxy"
        done
      done
    done
  done
  write_report
}

main "$@"
