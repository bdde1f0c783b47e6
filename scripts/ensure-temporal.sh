#!/usr/bin/env bash
# Builds the Temporal CLI (which contains the dev server) into .tools/bin when it is missing.
# The first build downloads and compiles the Go module: about 4 minutes; with Go's module and
# build caches warm, well under one. Go's own output goes to .tools/temporal-build.log and is
# shown (its tail) only when the build fails.
# Exits 3 when Go is missing, 1 when the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
BIN="$PWD/.tools/bin/temporal"
LOG="$PWD/.tools/temporal-build.log"
if [ -x "$BIN" ]; then
  exit 0
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [ ! -x "$GO" ]; then
  cat >&2 <<EOF
jobgate: the Temporal dev server is not running and its CLI ($BIN) is missing;
building it needs Go, which is not installed. Either:
  - install Go (https://go.dev/doc/install) and run this again: the CLI is built once, about 4 minutes;
  - point TEMPORAL_ADDRESS at a Temporal server that runs (host:port);
  - or run with TEMPORAL_ENABLED=false for the BullMQ lane alone.
EOF
  exit 3
fi
mkdir -p .tools/bin
echo "jobgate: building the Temporal dev server once, about 4 minutes (Temporal CLI $VERSION into .tools/bin; Go's output in .tools/temporal-build.log)" >&2
# Built beside the target and moved into place, so an interrupted build leaves no half binary.
STAGE=$(mktemp -d "$PWD/.tools/build.XXXXXX")
ticker=
cleanup() {
  if [ -n "$ticker" ]; then kill "$ticker" 2>/dev/null || true; fi
  rm -rf "$STAGE"
}
trap cleanup EXIT
start=$(date +%s)
if [ -t 2 ]; then
  # On a terminal, one line that counts the seconds.
  (while sleep 5; do printf '\rjobgate: building the Temporal dev server: %d s' $(($(date +%s) - start)) >&2; done) &
  ticker=$!
fi
status=0
GOBIN="$STAGE" "$GO" install "github.com/temporalio/cli/cmd/temporal@$VERSION" >"$LOG" 2>&1 || status=$?
if [ -n "$ticker" ]; then
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  ticker=
  printf '\r\033[K' >&2
fi
elapsed=$(($(date +%s) - start))
if [ "$status" -ne 0 ] || [ ! -x "$STAGE/temporal" ]; then
  echo "jobgate: building the Temporal CLI failed after $elapsed s (go install exited $status); the end of $LOG:" >&2
  tail -n 30 "$LOG" | sed 's/^/  /' >&2
  exit 1
fi
mv -f "$STAGE/temporal" "$BIN"
echo "jobgate: built the Temporal dev server in $elapsed s: $("$BIN" --version)" >&2
