#!/usr/bin/env bash
# The test command: installs what is missing, starts every engine (Docker 20.10 classic; Docker 26
# with the containerd store and buildx 0.13; Docker 28 with buildx 0.29 twice, on the classic and
# on the containerd store), imports the shared Debian base image into each and starts a local
# registry, then runs every test (unit and integration) and ends with a one-line count.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# Engine A first (its docker.io brings runc and iptables); starting another engine can delete
# A's bridge, which ensure-engine.sh then puts back. The modern engines start side by side.
bash scripts/ensure-docker.sh
pids=()
for engine in 26 28 28c; do
  bash scripts/ensure-engine.sh "$engine" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
bash scripts/ensure-test-base.sh /var/run/docker.sock /run/image-size-gate-engine{26,28,28c}.sock
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
