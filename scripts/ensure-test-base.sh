#!/usr/bin/env bash
# Imports the one Debian base image the integration tests share (no registry is needed) into
# each engine: a minbase bookworm root filesystem made once by mmdebstrap and kept in
# /var/cache/image-size-gate, so both engines get the same bytes. Skipped where already there.
#   ensure-test-base.sh [SOCKET...]   default: /var/run/docker.sock
set -euo pipefail
IMAGE=image-size-gate-test/debian:bookworm
ROOTFS=/var/cache/image-size-gate/debian-bookworm-minbase.tar
sockets=("$@")
[ ${#sockets[@]} -gt 0 ] || sockets=(/var/run/docker.sock)

has_image() {
  node -e "
    const http = require('node:http');
    http.get({ socketPath: process.argv[1], path: '/images/${IMAGE}/json' },
      (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1));
  " "$1" 2>/dev/null
}

import_into() {
  node -e "
    const http = require('node:http');
    const fs = require('node:fs');
    const req = http.request({ socketPath: process.argv[2], method: 'POST',
      path: '/images/create?fromSrc=-&repo=' + encodeURIComponent('${IMAGE%%:*}') + '&tag=${IMAGE##*:}',
      headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        res.resume();
        res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
      });
    req.on('error', (e) => { console.error(e.message); process.exit(1); });
    fs.createReadStream(process.argv[1]).pipe(req);
  " "$ROOTFS" "$1"
}

missing=()
for socket in "${sockets[@]}"; do
  [ -S "$socket" ] || continue
  has_image "$socket" || missing+=("$socket")
done
[ ${#missing[@]} -gt 0 ] || exit 0
if [ ! -f "$ROOTFS" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The test base image $IMAGE is missing; run this script as root to build it with mmdebstrap." >&2
    exit 0
  fi
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  fi
  mkdir -p "$(dirname "$ROOTFS")"
  echo "Building $IMAGE with mmdebstrap (about 20 seconds)..." >&2
  # mmdebstrap picks the output format from the name: keep the .tar ending.
  mmdebstrap --quiet --variant=minbase bookworm "${ROOTFS%.tar}.partial.tar"
  mv "${ROOTFS%.tar}.partial.tar" "$ROOTFS"
fi
# Every engine unpacks the same file at once: each import is mostly one engine's disk work.
pids=()
for socket in "${missing[@]}"; do
  (import_into "$socket" && echo "Imported $IMAGE into $socket." >&2) &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit "$status"
