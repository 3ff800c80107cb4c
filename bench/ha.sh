#!/usr/bin/env bash
# bench/ha.sh [BUILD_DIR] -- `make bench-ha`.
#
# The DXtrade keepalive shared by three gateway replicas on one Redis: BENCH_HA_SESSIONS
# sessions seeded into Redis in the shared store's layout, pinged at about 3,000 pings/s
# (interval = sessions / 3,000) into a loopback sink that tells the replicas apart. Reports
# Redis memory per session, gateway memory per session, ping lag p50/p99, CPU per ping
# (gateway and Redis) and the failover: from `kill -9` of one replica until another has
# pinged every session it held. Writes bench/results/ha.md. See bench/README.md, "HA bench".
# About 13 minutes with the defaults: an interval until every session was pinged once,
# then up to lease_ttl + interval for the failover.
#
# Environment (defaults in brackets):
#   BENCH_HA_SESSIONS [1000000]   BENCH_HA_USERS [100000]   BENCH_HA_DURATION [60] s measured
#   BENCH_HA_LEASE_TTL_MS [15000]  BENCH_OUT [bench/results]  BENCH_HA_KEEP [] (set: keep the logs)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=${1:-build}
if [[ ! -d $BUILD_DIR && -d $REPO_DIR/$BUILD_DIR ]]; then BUILD_DIR=$REPO_DIR/$BUILD_DIR; fi
GATEWAY=$BUILD_DIR/gateway/trading-gateway
HA_BENCH=$BUILD_DIR/bench/ha-bench

SESSIONS=${BENCH_HA_SESSIONS:-1000000}
USERS=${BENCH_HA_USERS:-100000}
DURATION=${BENCH_HA_DURATION:-60}
LEASE_TTL_MS=${BENCH_HA_LEASE_TTL_MS:-15000}
OUT_DIR=${BENCH_OUT:-$BENCH_DIR/results}
REPLICAS=3
SHARDS=64
INTERVAL_MS=$((SESSIONS / 3))  # 3,000 pings/s in all
((INTERVAL_MS >= 1000)) || INTERVAL_MS=1000
LOAD_LIMIT=600      # s to wait for the replicas to load every session
FAILOVER_LIMIT=$(((LEASE_TTL_MS + INTERVAL_MS) / 1000 + 120))

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for bin in "$GATEWAY" "$HA_BENCH"; do [[ -x $bin ]] || die "$bin is missing (make bench-ha builds it)"; done
for tool in redis-server redis-cli curl; do command -v $tool >/dev/null || die "$tool is needed"; done

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n ${BENCH_HA_KEEP:-} ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {  # a loopback port nothing listens on
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free port"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
metric_sum() {  # metric_sum NAME_REGEX [EXACT]: the sum over the replicas still running
  local total=0 value
  for i in "${!ADMIN_PORTS[@]}"; do
    [[ -n ${ALIVE[$i]} ]] || continue
    value=$(curl -s --max-time 5 "http://127.0.0.1:${ADMIN_PORTS[$i]}/metrics" |
            awk -v re="$1" -v exact="${2:-}" '(exact != "" && $1 == exact) || (exact == "" && $1 ~ re) {s += $2} END {printf "%d", s}')
    total=$((total + ${value%.*}))
  done
  echo "$total"
}

# --- Redis, seeded ----------------------------------------------------------------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!; PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
used_memory() { redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ {print $2+0}'; }
openssl rand -hex 32 >"$TMP/store-key"
openssl rand -hex 16 >"$TMP/dx-password"
MEMORY_BEFORE=$(used_memory)
log "seeding $SESSIONS sessions of $USERS users into Redis on 127.0.0.1:$REDIS_PORT"
SEED_START=$(date +%s)
"$HA_BENCH" --seed "$SESSIONS" --users "$USERS" --shards "$SHARDS" --key-file "$TMP/store-key" --key-prefix "tg:" \
  | redis-cli -p "$REDIS_PORT" --pipe >"$TMP/pipe.log" 2>&1 || { cat "$TMP/pipe.log" >&2; die "seeding failed"; }
SEED_S=$(($(date +%s) - SEED_START))
MEMORY_AFTER=$(used_memory)
REDIS_BYTES_PER_SESSION=$(((MEMORY_AFTER - MEMORY_BEFORE) / SESSIONS))
log "Redis: $REDIS_BYTES_PER_SESSION bytes per session (seeded in $SEED_S s)"

# --- the sink and the replicas ------------------------------------------------------------
"$HA_BENCH" --sink-ports "$REPLICAS" --port-file "$TMP/sink-ports" --max-seconds 3600 2>"$TMP/sink.log" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $TMP/sink-ports ]] && break; sleep 0.1; done
mapfile -t SINK_PORTS <"$TMP/sink-ports"
((${#SINK_PORTS[@]} == REPLICAS)) || die "the sink did not start"

ADMIN_PORTS=(); GATEWAY_PIDS=(); ALIVE=()
for i in $(seq 0 $((REPLICAS - 1))); do
  public=$(free_port); admin=$(free_port)
  cat >"$TMP/replica-$i.json" <<JSON
{
  "workers": 1,
  "listeners": [{"name": "public", "address": "127.0.0.1", "port": $public},
                {"name": "admin", "address": "127.0.0.1", "port": $admin, "admin": true}],
  "secrets": {"dx_password": {"file": "dx-password"}, "store_key": {"file": "store-key"}},
  "shared_state": {"backend": "redis", "redis": {"urls": ["redis://127.0.0.1:$REDIS_PORT"], "key_prefix": "tg:"}},
  "upstreams": {"dxweb": {"servers": ["http://127.0.0.1:${SINK_PORTS[$i]}"]},
                "portal": {"servers": ["http://127.0.0.1:1"]}},
  "partner_session": {"introspect": {"upstream": "portal", "path": "/api/session", "cookies": ["portal_session"]}},
  "dxtrade": {
    "upstream": "dxweb",
    "auth": {"mode": "basic", "username": "sso-service", "domain": "default", "password": "dx_password"},
    "terminal_login_url": "http://127.0.0.1:1/form-with-token",
    "keepalive": {"interval_ms": $INTERVAL_MS, "jitter": 0.1, "max_in_flight": 64},
    "session_store": {"kind": "shared", "key": "store_key", "shards": $SHARDS, "lease_ttl_ms": $LEASE_TTL_MS,
                      "replica_name": "replica-$i"}
  },
  "routes": [{"match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"}]
}
JSON
  "$GATEWAY" --check "$TMP/replica-$i.json" >/dev/null || die "replica-$i's config: $("$GATEWAY" --check "$TMP/replica-$i.json" 2>&1)"
  "$GATEWAY" --config "$TMP/replica-$i.json" >"$TMP/replica-$i.log" 2>&1 &
  GATEWAY_PIDS+=($!); PIDS+=($!); ADMIN_PORTS+=("$admin"); ALIVE+=(yes)
done
log "replicas started (interval $INTERVAL_MS ms, lease_ttl $LEASE_TTL_MS ms); waiting until they ping every session"
LOAD_START=$(date +%s)
until (($(metric_sum '^tg_dxtrade_sessions_active$') >= SESSIONS)); do
  (($(date +%s) - LOAD_START < LOAD_LIMIT)) || die "the replicas hold $(metric_sum '^tg_dxtrade_sessions_active$') of $SESSIONS sessions after $LOAD_LIMIT s"
  sleep 1
done
LOAD_S=$(($(date +%s) - LOAD_START))
log "all $SESSIONS sessions held after $LOAD_S s; measuring $DURATION s"

# --- steady state ------------------------------------------------------------------------
snapshot() {  # pings, lag buckets (<=10,50,100,250,500,1000,5000,+Inf ms), gateway ticks, redis ticks
  local pings buckets ticks=0
  pings=$(metric_sum '^tg_dxtrade_pings_total')
  buckets=""
  for le in 0.01 0.05 0.1 0.25 0.5 1 5 +Inf; do
    buckets+="$(metric_sum - "tg_dxtrade_ping_lag_seconds_bucket{le=\"$le\"}") "
  done
  for pid in "${GATEWAY_PIDS[@]}"; do ticks=$((ticks + $(cpu_ticks "$pid"))); done
  echo "$pings|$buckets|$ticks|$(cpu_ticks "$REDIS_PID")"
}
BEFORE=$(snapshot); T0=$(date +%s.%N)
sleep "$DURATION"
AFTER=$(snapshot); T1=$(date +%s.%N)
RSS_KIB=0; for pid in "${GATEWAY_PIDS[@]}"; do RSS_KIB=$((RSS_KIB + $(rss_kib "$pid"))); done
HZ=$(getconf CLK_TCK)
read -r PINGS LAG GW_US REDIS_US P50 P99 < <(awk -v b="$BEFORE" -v a="$AFTER" -v t0="$T0" -v t1="$T1" -v hz="$HZ" 'BEGIN {
  split(b, B, "|"); split(a, A, "|"); split(B[2], bb, " "); split(A[2], ab, " ")
  pings = A[1] - B[1]; secs = t1 - t0
  split("10 50 100 250 500 1000 5000 inf", bound, " ")
  total = ab[8] - bb[8]; p50 = "n/a"; p99 = "n/a"
  for (i = 1; i <= 8; i++) { c = ab[i] - bb[i]; if (p50 == "n/a" && c >= 0.5 * total && total > 0) p50 = bound[i]; if (p99 == "n/a" && c >= 0.99 * total && total > 0) p99 = bound[i] }
  gw = (A[3] - B[3]) / hz * 1e6 / (pings > 0 ? pings : 1); rd = (A[4] - B[4]) / hz * 1e6 / (pings > 0 ? pings : 1)
  printf "%d %.0f %.1f %.1f %s %s\n", pings, pings / secs, gw, rd, p50, p99 }')
GW_BYTES_PER_SESSION=$((RSS_KIB * 1024 / SESSIONS))
log "steady: $LAG pings/s, lag p50 <= $P50 ms, p99 <= $P99 ms, CPU/ping gateway $GW_US us, Redis $REDIS_US us"

# --- failover -------------------------------------------------------------------------------
# Every session pinged once first: the sink then knows which replica pings each one, so
# the failover watches all of replica-0's sessions, not only those it had reached.
log "waiting until every session has been pinged once (about one interval)"
while :; do
  seen=$(curl -s "http://127.0.0.1:${SINK_PORTS[0]}/__report" | sed 's/.*"sessions":\([0-9]*\).*/\1/')
  ((seen >= SESSIONS)) && break
  (($(date +%s) - LOAD_START < LOAD_LIMIT + INTERVAL_MS / 1000 + 60)) || die "only $seen sessions pinged after one interval"
  sleep 2
done
curl -s -X POST "http://127.0.0.1:${SINK_PORTS[0]}/__mark?replica=0" >/dev/null
kill -9 "${GATEWAY_PIDS[0]}"; ALIVE[0]=""
KILLED_AT=$(date +%s)
log "killed replica-0; waiting for another replica to ping each of its sessions (at most $FAILOVER_LIMIT s)"
REPORT=""
while (($(date +%s) - KILLED_AT < FAILOVER_LIMIT)); do
  REPORT=$(curl -s "http://127.0.0.1:${SINK_PORTS[1]}/__report")
  watched=$(sed 's/.*"watched":\([0-9]*\).*/\1/' <<<"$REPORT")
  pinged=$(sed 's/.*"watchedPinged":\([0-9]*\).*/\1/' <<<"$REPORT")
  ((watched > 0 && pinged >= watched)) && break
  sleep 2
done
FAILOVER_MS=$(sed 's/.*"failoverMs":\(-\{0,1\}[0-9]*\).*/\1/' <<<"$REPORT")
log "failover: $REPORT"

# --- the report ---------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
TARGET_FAILOVER_MS=$((LEASE_TTL_MS + INTERVAL_MS + 1000))
verdict() { if [[ $1 == yes ]]; then echo "**met**"; else echo "**missed**"; fi; }
lag_ok=no; [[ $P99 != inf && $P99 != n/a ]] && ((P99 < 100)) && lag_ok=yes
{
  echo "# HA bench: the DXtrade keepalive over $REPLICAS replicas on one Redis"
  echo
  echo "Generated by \`bench/ha.sh\` (\`make bench-ha\`); see bench/README.md, \"HA bench\". Every figure was measured by that run."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- repo HEAD $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown); Redis $(redis-server --version | awk '{print $3}')"
  echo "- $SESSIONS sessions of $USERS users, $SHARDS shards, interval $INTERVAL_MS ms (jitter 0.1), lease_ttl $LEASE_TTL_MS ms, one worker per replica, all on this machine with the sink"
  echo
  echo "| measure | value | target |"
  echo "|---|--:|---|"
  echo "| Redis memory per session (used_memory after seeding, minus before) | $REDIS_BYTES_PER_SESSION B | < 400 B: $(verdict $( ((REDIS_BYTES_PER_SESSION < 400)) && echo yes || echo no)) |"
  echo "| gateway memory per session (RSS of the 3 replicas / sessions, fixed cost included) | $GW_BYTES_PER_SESSION B | |"
  echo "| pings/s over $DURATION s | $LAG | about 3,000 |"
  echo "| ping lag p50 / p99 (histogram bucket bounds) | ≤ $P50 ms / ≤ $P99 ms | p99 < 100 ms: $(verdict $lag_ok) |"
  echo "| CPU per ping, gateway (3 replicas) | $GW_US µs | |"
  echo "| CPU per ping, Redis | $REDIS_US µs | |"
  echo "| load: replicas held every session after | $LOAD_S s | |"
  echo "| failover: kill -9 of replica-0 until another pinged each of its sessions | $FAILOVER_MS ms | < lease_ttl + interval + 1 s = $TARGET_FAILOVER_MS ms: $(verdict $( ((FAILOVER_MS >= 0 && FAILOVER_MS < TARGET_FAILOVER_MS)) && echo yes || echo no)) |"
  echo
  echo "Sink report after the failover: \`$REPORT\` (\`watched\`: the sessions replica-0 pinged last)."
} >"$OUT_DIR/ha.md"
log "wrote $OUT_DIR/ha.md"
cat "$OUT_DIR/ha.md"
