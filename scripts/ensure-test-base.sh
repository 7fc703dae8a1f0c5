#!/usr/bin/env bash
# Imports the one Debian base image the integration tests share (no registry is needed): a
# minbase bookworm root filesystem made by mmdebstrap. Skipped when the image is already there.
set -euo pipefail
IMAGE=image-size-gate-test/debian:bookworm

if node -e "
  const http = require('node:http');
  http.get({ socketPath: '/var/run/docker.sock', path: '/images/${IMAGE}/json' },
    (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1));
" 2>/dev/null; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "The test base image $IMAGE is missing; run this script as root to build it with mmdebstrap." >&2
  exit 0
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Building $IMAGE with mmdebstrap (about 20 seconds)..." >&2
mmdebstrap --quiet --variant=minbase bookworm "$work/rootfs.tar"
docker_api_import() {
  node -e "
    const http = require('node:http');
    const fs = require('node:fs');
    const req = http.request({ socketPath: '/var/run/docker.sock', method: 'POST',
      path: '/images/create?fromSrc=-&repo=' + encodeURIComponent('${IMAGE%%:*}') + '&tag=${IMAGE##*:}',
      headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        res.resume();
        res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
      });
    req.on('error', (e) => { console.error(e.message); process.exit(1); });
    fs.createReadStream(process.argv[1]).pipe(req);
  " "$1"
}
docker_api_import "$work/rootfs.tar"
echo "Imported $IMAGE." >&2
