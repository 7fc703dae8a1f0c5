#!/usr/bin/env bash
# Starts the second, modern engine beside the Docker 20.10 one: Debian trixie's Docker 26.1 with
# the containerd image store, its docker CLI and the buildx 0.13.1 plugin, on its own socket,
# data root, exec root and bridge. Nothing of the system's apt configuration or of engine A is
# replaced: the packages are unpacked under $ENGINE26_ROOT. Safe to run again.
#
# Prints nothing on success but the lines below; the tests find the engine through
# scripts/engine26.env (written here), which names the socket, the client and DOCKER_CONFIG.
set -euo pipefail

ROOT=${ENGINE26_ROOT:-/opt/image-size-gate-engine26}
SOCKET=/run/image-size-gate-engine26.sock
EXEC_ROOT=/run/image-size-gate-engine26
DATA_ROOT=/var/lib/image-size-gate-engine26
PIDFILE=/run/image-size-gate-engine26.pid
LOG=/tmp/image-size-gate-engine26.log
BRIDGE=br26
BRIDGE_CIDR=172.18.0.1/16
BRIDGE_NET=172.18.0.0/16
ENV_FILE="$(cd "$(dirname "$0")" && pwd)/engine26.env"

engine_answers() {
  node -e "
    const http = require('node:http');
    const req = http.get({ socketPath: '$SOCKET', path: '/_ping', timeout: 2000 },
      (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on('error', () => process.exit(1));
    req.on('timeout', () => { req.destroy(); process.exit(1); });
  " 2>/dev/null
}

write_env_file() {
  cat >"$ENV_FILE" <<ENV
# Written by scripts/ensure-engine26.sh: how the tests reach engine B (Docker 26, containerd store).
ENGINE26_HOST=unix://$SOCKET
ENGINE26_BIN=$ROOT/usr/bin
ENGINE26_DOCKER_CONFIG=$ROOT/docker-config
ENV
}

if [ "$(id -u)" != 0 ]; then
  echo "Engine 26 needs root to install and start; its tests skip (and fail in CI)." >&2
  exit 0
fi
if ! grep -qi debian /etc/os-release 2>/dev/null; then
  echo "Engine 26 comes from Debian packages; this is not Debian, so its tests skip (and fail in CI)." >&2
  exit 0
fi

if engine_answers; then
  write_env_file
  exit 0
fi

# What the trixie packages do not bring: bookworm's runc (trixie's needs a newer glibc) and
# iptables for the bridge's NAT rule. Engine A's docker.io depends on both; on a fresh machine
# this script may run first.
if ! command -v iptables >/dev/null 2>&1 || [ ! -x /usr/sbin/runc ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iptables runc >/dev/null
fi

if [ ! -x "$ROOT/usr/sbin/dockerd" ] || [ ! -x "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
  # The same Debian archive the machine already uses, trixie suite, with apt state of our own.
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  fi
  if [ -z "$uri" ]; then
    echo "Cannot find the Debian archive URI in the apt sources." >&2
    exit 1
  fi
  apt_dir=$(mktemp -d)
  trap 'rm -rf "$apt_dir"' EXIT
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$apt_dir/sources.list"
  apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq
  )
  echo "Downloading Docker 26 and buildx from Debian trixie..." >&2
  apt-get "${apt_options[@]}" update
  (cd "$apt_dir/debs" && apt-get "${apt_options[@]}" download docker.io docker-cli docker-buildx containerd)
  rm -rf "$ROOT.partial"
  mkdir -p "$ROOT.partial"
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$ROOT.partial"; done
  # trixie's runc needs a newer glibc than bookworm has: the system's runc (from engine A's
  # docker.io) runs the containers instead.
  rm -f "$ROOT.partial/usr/sbin/runc" "$ROOT.partial/usr/bin/runc"
  rm -rf "$ROOT"
  mv "$ROOT.partial" "$ROOT"
fi

mkdir -p "$ROOT/docker-config/cli-plugins" "$ROOT/etc"
ln -sf "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$ROOT/docker-config/cli-plugins/docker-buildx"
[ -f "$ROOT/docker-config/config.json" ] || echo '{}' >"$ROOT/docker-config/config.json"
cat >"$ROOT/etc/daemon.json" <<JSON
{ "features": { "containerd-snapshotter": true } }
JSON

# Its own bridge, NATed, so RUN steps reach Debian's mirror without touching docker0.
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
fi
ip link set "$BRIDGE" up
iptables -t nat -C POSTROUTING -s "$BRIDGE_NET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null ||
  iptables -t nat -A POSTROUTING -s "$BRIDGE_NET" ! -o "$BRIDGE" -j MASQUERADE
iptables -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$BRIDGE" -j ACCEPT
iptables -C FORWARD -o "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -o "$BRIDGE" -j ACCEPT

# Remember engine A's bridge: starting a dockerd with another --bridge deletes docker0.
docker0_address=$(ip -4 -o addr show docker0 2>/dev/null | awk '{ print $4; exit }' || true)

mkdir -p "$EXEC_ROOT" "$DATA_ROOT"
echo "Starting Docker 26 with the containerd image store (log: $LOG)..." >&2
# When the system's containerd socket exists, dockerd would share it: give it one of its own.
containerd_args=()
if [ -S /run/containerd/containerd.sock ]; then
  mkdir -p "$EXEC_ROOT/containerd-state" "$DATA_ROOT/containerd"
  PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" nohup containerd \
    --address "$EXEC_ROOT/containerd.sock" --root "$DATA_ROOT/containerd" \
    --state "$EXEC_ROOT/containerd-state" >>"$LOG.containerd" 2>&1 &
  containerd_args=(--containerd "$EXEC_ROOT/containerd.sock")
fi
PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" nohup "$ROOT/usr/sbin/dockerd" \
  --config-file "$ROOT/etc/daemon.json" \
  --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
  -H "unix://$SOCKET" --bridge="$BRIDGE" --iptables=false --ip6tables=false \
  "${containerd_args[@]}" >"$LOG" 2>&1 &

up=false
for _ in $(seq 1 60); do
  if engine_answers; then
    up=true
    break
  fi
  sleep 1
done

if [ -n "$docker0_address" ] && ! ip link show docker0 >/dev/null 2>&1; then
  ip link add docker0 type bridge
  ip addr add "$docker0_address" dev docker0
  ip link set docker0 up
fi

if [ "$up" != true ]; then
  echo "Docker 26 did not start within 60 seconds; its log:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
fi
write_env_file
echo "Docker 26 (containerd store) answers on unix://$SOCKET." >&2
