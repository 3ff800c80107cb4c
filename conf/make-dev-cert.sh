#!/usr/bin/env bash
# A self-signed certificate for local TLS testing: conf/dev/cert.pem and key.pem,
# valid for localhost and 127.0.0.1. Never use it outside a development machine.
set -euo pipefail
out=${1:-"$(dirname "$0")/dev"}
mkdir -p "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
chmod 600 "$out/key.pem"
echo "wrote $out/cert.pem and $out/key.pem"
