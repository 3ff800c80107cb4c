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

# A fresh 6MM apiSecret for this run, known only to the gateway and the stand-in.
export SIXMM_API_SECRET=$(openssl rand -hex 32)
(umask 077; printf '%s\n' "$SIXMM_API_SECRET" > "$secret_dir/sixmm-api-secret")

"$build_dir/sandbox/trading-sandbox" --portal 127.0.0.1:9000 \
  --sixmm 127.0.0.1:9100 --sixmm-api-secret-file "$secret_dir/sixmm-api-secret" &
sandbox_pid=$!

"$build_dir/gateway/trading-gateway" --check conf/trading-gateway.json
echo
echo "  open http://127.0.0.1:8080/   (demo users: alice/alice, bob/bob, carol/carol)"
echo "  admin: http://127.0.0.1:9901/healthz  /readyz  /metrics    stop: Ctrl-C (drains first)"
echo
"$build_dir/gateway/trading-gateway" --config conf/trading-gateway.json &
gateway_pid=$!
wait "$gateway_pid"
