#!/usr/bin/env bash
# Builds the Temporal CLI (which contains the dev server) into .tools/bin when it is missing.
# The first build downloads and compiles the Go module: several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
BIN="$PWD/.tools/bin/temporal"
if [ -x "$BIN" ]; then
  exit 0
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [ ! -x "$GO" ]; then
  echo "ensure-temporal: Go is needed to build the Temporal CLI ($BIN); install Go or put a temporal binary there" >&2
  exit 1
fi
mkdir -p .tools/bin
echo "ensure-temporal: building temporal CLI $VERSION into .tools/bin (first time takes minutes)" >&2
start=$(date +%s)
GOBIN="$PWD/.tools/bin" "$GO" install "github.com/temporalio/cli/cmd/temporal@$VERSION"
echo "ensure-temporal: built in $(( $(date +%s) - start )) s: $("$BIN" --version)" >&2
