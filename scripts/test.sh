#!/usr/bin/env bash
# npm test: install what is missing, build, then run every suite against the real
# Redis, Postgres and Temporal. The fault drills stop and kill shared services, so
# they run after the rest, one at a time.
# JEST_JSON_DIR=<dir> writes each pass's `jest --json` report there (CI reads them).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh || exit 1
bash scripts/ensure-temporal.sh || exit 1
json() { [ -n "${JEST_JSON_DIR:-}" ] && echo "--json --outputFile=$JEST_JSON_DIR/$1.json"; }
# shellcheck disable=SC2046
npx jest --forceExit --testPathIgnorePatterns "/test/faults/" $(json main) "$@"
main=$?
if [ -d test/faults ] && [ "$*" = "" ]; then
  # shellcheck disable=SC2046
  # The soak runs for 20 s here (losses and errors judged); `npm run bench` runs it for 3 minutes.
  npx jest --forceExit --runInBand test/faults $(json faults)
  faults=$?
else
  faults=0
fi
[ "$main" -eq 0 ] && [ "$faults" -eq 0 ]
