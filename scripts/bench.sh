#!/usr/bin/env bash
# npm run bench: build, then run the benchmark suite (bench/run.ts) against the local
# Redis, Postgres and a Temporal dev server. Arguments go to the suite:
#   --quick (CI smoke, < 2 min), --only=submit,fanout,..., --no-record, --help.
# BENCH_PROFILE=1 writes a V8 CPU profile of the run under bench/profiles/.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_loglevel=error npm_config_fund=false npm_config_audit=false
if [ ! -d node_modules ]; then npm install --no-audit --no-fund >&2; fi
npx tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/.tsbuildinfo >&2
npx tsc -p bench/tsconfig.json >&2
node_args=(--max-old-space-size=4096)
if [ "${BENCH_PROFILE:-}" = 1 ]; then
  mkdir -p bench/profiles
  node_args+=(--cpu-prof --cpu-prof-dir=bench/profiles)
fi
exec node "${node_args[@]}" dist/bench/run.js "$@"
