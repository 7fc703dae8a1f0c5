#!/usr/bin/env bash
# Starts Debian's docker-registry on 127.0.0.1:5000 (no auth, storage in /tmp) so integration
# tests can push an image and read the sizes a registry really receives. Safe to run again.
set -euo pipefail
ADDR=127.0.0.1:5000

registry_answers() {
  node -e "
    require('node:http').get('http://${ADDR}/v2/', (res) => process.exit(res.statusCode === 200 ? 0 : 1))
      .on('error', () => process.exit(1));
  " 2>/dev/null
}

if registry_answers; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "No registry on $ADDR; run this script as root to start Debian's docker-registry." >&2
  exit 0
fi
if ! command -v docker-registry >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
fi
config=/tmp/image-size-gate-registry.yml
cat >"$config" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: /tmp/image-size-gate-registry
  delete:
    enabled: true
http:
  addr: ${ADDR}
YAML
nohup docker-registry serve "$config" >/tmp/image-size-gate-registry.log 2>&1 &
for _ in $(seq 1 30); do
  if registry_answers; then exit 0; fi
  sleep 1
done
echo "docker-registry did not start; its log:" >&2
tail -n 20 /tmp/image-size-gate-registry.log >&2
exit 1
