#!/usr/bin/env bash
# `make run`: the sandbox demo portal on 127.0.0.1:9000 and the gateway in front of it
# on 127.0.0.1:8080. Ctrl-C stops both.
set -euo pipefail
build_dir=${1:-build}
cd "$(dirname "$0")/.."

sandbox_pid="" gateway_pid=""
secret_dir=$(mktemp -d)
cleanup() { kill $sandbox_pid $gateway_pid 2>/dev/null || true; rm -rf "$secret_dir"; }
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

"$build_dir/gateway/trading-gateway" --check conf/trading-gateway.json
echo
echo "  open http://127.0.0.1:8080/   (demo users: alice/alice, bob/bob, carol/carol)"
echo "  DXtrade: sign in as alice or bob, then 'Open DXtrade'; sign out ends the DXtrade session"
echo "  admin: http://127.0.0.1:9901/healthz  /readyz  /metrics  /admin/dxtrade/sessions    stop: Ctrl-C (drains first)"
echo
"$build_dir/gateway/trading-gateway" --config conf/trading-gateway.json &
gateway_pid=$!
wait "$gateway_pid"
