#!/usr/bin/env bash
# ctest browser.*: tests/browser/run.sh BUILD_DIR GATEWAY_BIN SANDBOX_BIN [SCRIPT]
#
# Installs the pinned playwright-core (package-lock.json) into BUILD_DIR/browser-deps
# with `npm ci` when it is not installed yet or the lockfile changed (so node_modules
# never lands in the source tree), then runs SCRIPT (a file in this directory, default
# widget_e2e.mjs: browser.widget; dxtrade_e2e.mjs: browser.dxtrade) against Debian's
# Chromium. The install runs under a lock, so browser tests may start in parallel.
# Needs node >= 20 with npm, and chromium (`make deps` installs it).
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUILD_DIR GATEWAY_BIN SANDBOX_BIN [SCRIPT]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build_dir=$1 gateway_bin=$2 sandbox_bin=$3 script=${4:-widget_e2e.mjs}
chromium_bin=${TG_CHROMIUM:-/usr/bin/chromium}
name=browser

fail() { echo "$name: $*" >&2; exit 1; }

case $script in
  */* | *[!A-Za-z0-9_.-]* | '') fail "SCRIPT must be a file name in $here, not '$script'" ;;
esac
name=browser.${script%_e2e.mjs}
[ -f "$here/$script" ] || fail "no test script $here/$script"

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
installed() {
  cmp -s "$here/package-lock.json" "$stamp" && [ -f "$deps/node_modules/playwright-core/package.json" ]
}
if ! installed; then
  mkdir -p "$deps"
  # One npm ci at a time (ctest -j): wait up to 120 s for another run's install, then re-check.
  exec 9>"$deps/.install.lock"
  command -v flock >/dev/null 2>&1 && { flock -w 120 9 || fail "timed out waiting for $deps/.install.lock"; }
  if ! installed; then
    echo "$name: npm ci into $deps"
    rm -f "$stamp"
    cp "$here/package.json" "$here/package-lock.json" "$deps/"
    npm ci --prefix "$deps" --no-audit --no-fund --ignore-scripts --loglevel=error || fail "npm ci failed"
    cp "$here/package-lock.json" "$stamp"
  fi
  exec 9>&-
fi

exec node "$here/$script" --deps "$deps" --gateway "$gateway_bin" --sandbox "$sandbox_bin" \
  --chromium "$chromium_bin"
