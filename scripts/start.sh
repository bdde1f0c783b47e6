#!/usr/bin/env bash
# npm start: install what is missing, build, then run the whole local stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure.sh
exec node dist/src/cli/index.js start "$@"
