#!/usr/bin/env bash
# Lints the served OpenAPI document with Redocly's CLI (pinned), installed
# from the npm registry into the build folder on first use. Exits 77 (ctest:
# skipped) only when this machine has no npm at all.
set -euo pipefail
bin=${1:?migtrain binary}; cache=${2:?cache folder}
command -v npm >/dev/null || { echo "npm not installed: skipped"; exit 77; }
if [ ! -x "$cache/node_modules/.bin/redocly" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --silent @redocly/cli@2.77.0 >/dev/null
fi
"$bin" openapi > "$cache/openapi.json"
"$cache/node_modules/.bin/redocly" lint --format=stylish "$cache/openapi.json"
