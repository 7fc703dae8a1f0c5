#!/usr/bin/env bash
# The test command: installs what is missing, starts both engines (Docker 20.10 classic, Docker 26
# with the containerd store and buildx), imports the shared Debian base
# image and a local registry, then runs every test (unit and integration) and ends with a one-line count.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# Engine A first (its docker.io brings runc and iptables); starting engine B can delete A's
# bridge, which ensure-engine26.sh then puts back.
bash scripts/ensure-docker.sh
bash scripts/ensure-engine26.sh
bash scripts/ensure-test-base.sh /var/run/docker.sock /run/image-size-gate-engine26.sock
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
