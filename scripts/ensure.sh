#!/usr/bin/env bash
# Installs what is missing (dependencies, build) and skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_loglevel=error npm_config_fund=false npm_config_audit=false
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "jobgate: installing dependencies (npm install)..." >&2
  npm install --no-audit --no-fund >&2
fi
# tsc --incremental only rebuilds what changed.
npx tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/.tsbuildinfo >&2
# GraphiQL's offline bundle (graphiql, React, Monaco workers): built when missing or older than its sources.
if [ ! -f dist/graphiql/index.html ] || [ -n "$(find package-lock.json scripts/build-graphiql.mjs scripts/graphiql -newer dist/graphiql/index.html 2>/dev/null | head -1)" ]; then
  node scripts/build-graphiql.mjs >&2
fi
# The dashboard (ui/, React + Vite): built when missing or older than its sources.
if [ ! -f dist/ui/index.html ] || [ -n "$(find package-lock.json scripts/build-ui.mjs ui src/model src/client -newer dist/ui/index.html 2>/dev/null | head -1)" ]; then
  node scripts/build-ui.mjs >&2
fi
