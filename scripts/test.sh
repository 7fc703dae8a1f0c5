#!/usr/bin/env bash
# The test command: installs what is missing, starts the engine, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-docker.sh
exec npx vitest run "$@"
