#!/bin/sh
# Copies what the bridge needs at run time into $1 (the container's /app): the root manifest and
# licence, the production node_modules (hoisted, plus a package's own where npm nested one), and
# the compiled contracts and server (with its assets: the console's style sheet). Run after `npm run build` and
# `npm ci --omit=dev --workspace=@mosip-bridge/server`.
set -eu
out="$1"
mkdir -p "$out"
cp -a package.json LICENSE node_modules "$out/"
for pkg in contracts server; do
  mkdir -p "$out/packages/$pkg"
  cp -a "packages/$pkg/package.json" "packages/$pkg/dist" "$out/packages/$pkg/"
  if [ -d "packages/$pkg/node_modules" ]; then
    cp -a "packages/$pkg/node_modules" "$out/packages/$pkg/"
  fi
done
cp -a packages/server/bin packages/server/assets "$out/packages/server/"
