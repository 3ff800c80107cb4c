#!/usr/bin/env bash
# `make run`: the sandbox demo portal on 127.0.0.1:9000 and the gateway in front of it
# on 127.0.0.1:8080. Ctrl-C stops both.
# `make run-ha` (second argument "ha"): a redis-server on 127.0.0.1:6390 and two gateway
# replicas sharing it, public 8080 and 8081, admin 9901 and 9902 (README §9.7).
set -euo pipefail
build_dir=${1:-build}
mode=${2:-single}
cd "$(dirname "$0")/.."

sandbox_pid="" gateway_pid="" replica_pid="" redis_pid=""
secret_dir=$(mktemp -d)
cleanup() {
  # The gateways first: they drain and hand their DXtrade shards over while Redis is up.
  kill $gateway_pid $replica_pid 2>/dev/null || true
  wait $gateway_pid $replica_pid 2>/dev/null || true
  kill $sandbox_pid $redis_pid 2>/dev/null || true
  rm -rf "$secret_dir"
}
trap cleanup EXIT INT TERM

# A fresh 6MM apiSecret and dxWeb password for this run, known only to the gateway and
# the stand-ins.
export SIXMM_API_SECRET=$(openssl rand -hex 32)
export DXWEB_PASSWORD=$(openssl rand -hex 24)
(umask 077; printf '%s\n' "$SIXMM_API_SECRET" > "$secret_dir/sixmm-api-secret";
 printf '%s\n' "$DXWEB_PASSWORD" > "$secret_dir/dxweb-password")
# The DXtrade session store's key stays with the store in var/ (development only: in
# production it comes from your secret store), so sessions survive a restart.
mkdir -p var
[ -s var/dxtrade-store-key ] || (umask 077; openssl rand -hex 32 > var/dxtrade-store-key)
export DXTRADE_STORE_KEY=$(cat var/dxtrade-store-key)

"$build_dir/sandbox/trading-sandbox" --portal 127.0.0.1:9000 \
  --sixmm 127.0.0.1:9100 --sixmm-api-secret-file "$secret_dir/sixmm-api-secret" \
  --dxweb 127.0.0.1:9200 --dxterminal 127.0.0.1:9300 --dxweb-password-file "$secret_dir/dxweb-password" &
sandbox_pid=$!

if [ "$mode" = ha ]; then
  redis-server --bind 127.0.0.1 --port 6390 --save '' --appendonly no --logfile "$secret_dir/redis.log" &
  redis_pid=$!
  # Each replica's config is the default one with its own ports, Redis for the shared
  # state and the "shared" DXtrade session store.
  for n in 1 2; do
    sed -e "s/\"port\": 8080/\"port\": 808$((n - 1))/" -e "s/\"port\": 9901/\"port\": 990$n/" \
        -e 's|"shared_state": {.*}|"shared_state": {"backend": "redis", "redis": {"urls": ["redis://127.0.0.1:6390"], "key_prefix": "tg-ha:"}}|' \
        -e "s|\"session_store\": {.*}|\"session_store\": {\"kind\": \"shared\", \"key\": \"dxtrade_store_key\", \"lease_ttl_ms\": 6000, \"replica_name\": \"replica-$n\"}|" \
        conf/trading-gateway.json > "$secret_dir/replica-$n.json"
    "$build_dir/gateway/trading-gateway" --check "$secret_dir/replica-$n.json"
  done
  echo
  echo "  open http://127.0.0.1:8080/   (the other replica: http://127.0.0.1:8081/; demo users alice/alice, bob/bob)"
  echo "  try: open DXtrade on 8080, sign out on 8081; or kill one replica and watch the other keep the session alive"
  echo "  admin: http://127.0.0.1:9901/metrics and http://127.0.0.1:9902/metrics (tg_dxtrade_shards_held)    stop: Ctrl-C"
  echo
  "$build_dir/gateway/trading-gateway" --config "$secret_dir/replica-1.json" &
  gateway_pid=$!
  "$build_dir/gateway/trading-gateway" --config "$secret_dir/replica-2.json" &
  replica_pid=$!
  wait -n "$gateway_pid" "$replica_pid" || true
  # One replica ended (killed to watch the fail-over?): keep serving with the other.
  wait
  exit 0
fi

"$build_dir/gateway/trading-gateway" --check conf/trading-gateway.json
echo
echo "  open http://127.0.0.1:8080/   (demo users: alice/alice, bob/bob, carol/carol)"
echo "  DXtrade: sign in as alice or bob, then 'Open DXtrade'; sign out ends the DXtrade session"
echo "  admin: http://127.0.0.1:9901/healthz  /readyz  /metrics  /admin/dxtrade/sessions    stop: Ctrl-C (drains first)"
echo
"$build_dir/gateway/trading-gateway" --config conf/trading-gateway.json &
gateway_pid=$!
wait "$gateway_pid"
