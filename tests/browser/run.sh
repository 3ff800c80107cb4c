#!/usr/bin/env bash
# ctest browser.widget: tests/browser/run.sh BUILD_DIR GATEWAY_BIN SANDBOX_BIN
#
# Installs the pinned playwright-core (package-lock.json) into BUILD_DIR/browser-deps
# with `npm ci` when it is not installed yet or the lockfile changed (so node_modules
# never lands in the source tree), then runs widget_e2e.mjs against Debian's Chromium.
# Needs node >= 20 with npm, and chromium (`make deps` installs it).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 BUILD_DIR GATEWAY_BIN SANDBOX_BIN" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build_dir=$1 gateway_bin=$2 sandbox_bin=$3
chromium_bin=${TG_CHROMIUM:-/usr/bin/chromium}

fail() { echo "browser.widget: $*" >&2; exit 1; }

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "'$tool' not found: install Node.js >= 20 with npm (make deps installs Debian's nodejs and npm when npm is missing)"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "node $(node --version) is too old: playwright-core needs Node.js >= 20"
[ -x "$chromium_bin" ] || fail "$chromium_bin not found: run 'make deps' (Debian package chromium) or set TG_CHROMIUM"
[ -x "$gateway_bin" ] || fail "no gateway binary at $gateway_bin"
[ -x "$sandbox_bin" ] || fail "no sandbox binary at $sandbox_bin"

deps=$build_dir/browser-deps
stamp=$deps/.installed-package-lock.json   # written only after a successful npm ci
if ! cmp -s "$here/package-lock.json" "$stamp" ||
   [ ! -f "$deps/node_modules/playwright-core/package.json" ]; then
  echo "browser.widget: npm ci into $deps"
  mkdir -p "$deps"
  rm -f "$stamp"
  cp "$here/package.json" "$here/package-lock.json" "$deps/"
  npm ci --prefix "$deps" --no-audit --no-fund --ignore-scripts --loglevel=error || fail "npm ci failed"
  cp "$here/package-lock.json" "$stamp"
fi

exec node "$here/widget_e2e.mjs" --deps "$deps" --gateway "$gateway_bin" --sandbox "$sandbox_bin" \
  --chromium "$chromium_bin"
