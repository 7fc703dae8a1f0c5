#!/usr/bin/env bash
# One command on a fresh machine: installs what is missing, then gates examples/.
#   npm run example            check the example services against their baseline
#   npm run example -- update  rewrite examples/.github/image-size-baseline.json
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-docker.sh
exec node dist/cli.js "${1:-check}" --working-directory examples "${@:2}"
