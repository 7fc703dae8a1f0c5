#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket: installs Debian's docker.io and
# starts dockerd when run as root on a machine without one. Safe to run again.
set -euo pipefail

engine_answers() {
  node -e "
    const http = require('node:http');
    const req = http.get({ socketPath: process.env.DOCKER_SOCKET || '/var/run/docker.sock', path: '/_ping', timeout: 2000 },
      (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on('error', () => process.exit(1));
    req.on('timeout', () => { req.destroy(); process.exit(1); });
  " 2>/dev/null
}

if [ -n "${DOCKER_HOST:-}" ] || engine_answers; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "No Docker engine answers on /var/run/docker.sock. Start Docker (or set DOCKER_HOST) and try again." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "Installing Debian's docker.io (Docker Engine with its built-in BuildKit)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

echo "Starting dockerd (log: /tmp/image-size-gate-dockerd.log)..." >&2
nohup dockerd >/tmp/image-size-gate-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if engine_answers; then
    exit 0
  fi
  sleep 1
done
echo "dockerd did not start within 60 seconds; its log:" >&2
tail -n 40 /tmp/image-size-gate-dockerd.log >&2
exit 1
