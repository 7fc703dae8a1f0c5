#!/usr/bin/env bash
# Fails when the committed dist/ differs from a fresh build of src/.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if ! git diff --quiet --exit-code -- dist || [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ does not match src/: run 'npm run build' and commit dist/." >&2
  git status --short -- dist >&2
  exit 1
fi
echo "dist/ matches src/."
