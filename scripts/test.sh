#!/usr/bin/env bash
# The test command: installs what is missing, starts the engine, imports the shared Debian base
# image and a local registry, then runs every test (unit and integration) and ends with a one-line count.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-docker.sh
bash scripts/ensure-test-base.sh
bash scripts/ensure-test-registry.sh
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@" || status=$?
node -e "
  const r = JSON.parse(require('node:fs').readFileSync('.tmp/vitest.json', 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(r.numPassedTests + ' passed, ' + r.numFailedTests + ' failed' + (skipped ? ', ' + skipped + ' skipped' : ''));
" || true
exit "$status"
