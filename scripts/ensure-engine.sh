#!/usr/bin/env bash
# Starts one of the modern engines beside the Docker 20.10 one, each from Debian packages
# unpacked apart (nothing of the system's apt configuration or of engine A is replaced), on its
# own socket, data root, exec root and bridge. Safe to run again.
#
#   ensure-engine.sh 26    Docker 26.1 (trixie), containerd image store, buildx 0.13.1
#   ensure-engine.sh 28    Docker 28.5 (sid), classic overlay2 store, buildx 0.29.1
#                          (what GitHub's hosted runners use by default)
#   ensure-engine.sh 28c   Docker 28.5 (sid), containerd image store, buildx 0.29.1
#
# The two Docker 28 engines share one unpacked copy of the packages and run side by side. The
# tests find an engine through scripts/engine<NAME>.env (written here), which names its socket,
# its docker client's folder and the DOCKER_CONFIG that holds its buildx plugin.
set -euo pipefail

NAME=${1:?usage: ensure-engine.sh 26|28|28c}
case "$NAME" in
  26) SUITE=trixie; PACKAGES=engine26; CONTAINERD_STORE=true; BRIDGE=br26; SUBNET=172.18 ;;
  28) SUITE=sid; PACKAGES=engine28; CONTAINERD_STORE=false; BRIDGE=br28; SUBNET=172.19 ;;
  28c) SUITE=sid; PACKAGES=engine28; CONTAINERD_STORE=true; BRIDGE=br28c; SUBNET=172.20 ;;
  *) echo "ensure-engine.sh: unknown engine \"$NAME\" (26, 28 or 28c)" >&2; exit 2 ;;
esac
STORE_LABEL=$([ "$CONTAINERD_STORE" = true ] && echo "containerd image store" || echo "classic overlay2 store")
# One unpacked copy per suite: engines 28 and 28c run the same binaries.
ROOT=/opt/image-size-gate-$PACKAGES
SOCKET=/run/image-size-gate-engine$NAME.sock
EXEC_ROOT=/run/image-size-gate-engine$NAME
DATA_ROOT=/var/lib/image-size-gate-engine$NAME
PIDFILE=/run/image-size-gate-engine$NAME.pid
LOG=/tmp/image-size-gate-engine$NAME.log
BRIDGE_CIDR=$SUBNET.0.1/16
BRIDGE_NET=$SUBNET.0.0/16
ENV_FILE="$(cd "$(dirname "$0")" && pwd)/engine$NAME.env"
DOCKER_CONFIG_DIR=$ROOT/docker-config

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
# Written by scripts/ensure-engine.sh $NAME: how the tests reach this engine ($STORE_LABEL).
ENGINE_HOST=unix://$SOCKET
ENGINE_BIN=$ROOT/usr/bin
ENGINE_DOCKER_CONFIG=$DOCKER_CONFIG_DIR
ENGINE_CONTAINERD_STORE=$CONTAINERD_STORE
ENV
}

if [ "$(id -u)" != 0 ]; then
  echo "Engine $NAME needs root to install and start; its tests skip (and fail in CI)." >&2
  exit 0
fi
if ! grep -qi debian /etc/os-release 2>/dev/null; then
  echo "Engine $NAME comes from Debian packages; this is not Debian, so its tests skip (and fail in CI)." >&2
  exit 0
fi

if engine_answers; then
  write_env_file
  exit 0
fi

# What the unpacked packages cannot bring: the suites' runc needs a newer glibc (2.38) than
# bookworm has (2.36), so the system's runc runs the containers; iptables for the bridge's NAT
# rule. Engine A's docker.io depends on both; on a fresh machine this script may run first.
if ! command -v iptables >/dev/null 2>&1 || [ ! -x /usr/sbin/runc ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iptables runc >/dev/null
fi

# Several engines may be started at once (the test command starts them in parallel). The
# daemons started below must not inherit the lock files, or they would hold them for good.
exec 9>"/run/image-size-gate-$PACKAGES.lock"
flock 9
if [ ! -x "$ROOT/usr/sbin/dockerd" ] || [ ! -x "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
  # The same Debian archive the machine already uses, with apt state of our own.
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
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $SUITE main" >"$apt_dir/sources.list"
  apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq
  )
  echo "Downloading Docker, its CLI, buildx and containerd from Debian $SUITE..." >&2
  apt-get "${apt_options[@]}" update
  (cd "$apt_dir/debs" && apt-get "${apt_options[@]}" download docker.io docker-cli docker-buildx containerd)
  rm -rf "$ROOT.partial"
  mkdir -p "$ROOT.partial"
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$ROOT.partial"; done
  # Not downloaded, and removed should a package bring it: the suite's runc (see above).
  rm -f "$ROOT.partial/usr/sbin/runc" "$ROOT.partial/usr/bin/runc"
  rm -rf "$ROOT"
  mv "$ROOT.partial" "$ROOT"
fi
mkdir -p "$DOCKER_CONFIG_DIR/cli-plugins" "$ROOT/etc"
ln -sf "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
[ -f "$DOCKER_CONFIG_DIR/config.json" ] || echo '{}' >"$DOCKER_CONFIG_DIR/config.json"

# Bridges and iptables rules are shared state: one engine's set-up at a time.
exec 8>/run/image-size-gate-bridges.lock
flock 8
DAEMON_JSON=$ROOT/etc/daemon-$NAME.json
echo "{ \"features\": { \"containerd-snapshotter\": $CONTAINERD_STORE } }" >"$DAEMON_JSON"

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
echo "Starting Docker engine $NAME from $SUITE with the $STORE_LABEL (log: $LOG)..." >&2
# When the system's containerd socket exists, dockerd would share it: give it one of its own.
containerd_args=()
if [ -S /run/containerd/containerd.sock ]; then
  mkdir -p "$EXEC_ROOT/containerd-state" "$DATA_ROOT/containerd"
  PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" nohup containerd \
    --address "$EXEC_ROOT/containerd.sock" --root "$DATA_ROOT/containerd" \
    --state "$EXEC_ROOT/containerd-state" >>"$LOG.containerd" 2>&1 8>&- 9>&- &
  containerd_args=(--containerd "$EXEC_ROOT/containerd.sock")
fi
PATH="$ROOT/usr/bin:$ROOT/usr/sbin:$PATH" nohup "$ROOT/usr/sbin/dockerd" \
  --config-file "$DAEMON_JSON" \
  --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
  -H "unix://$SOCKET" --bridge="$BRIDGE" --iptables=false --ip6tables=false \
  "${containerd_args[@]}" >"$LOG" 2>&1 8>&- 9>&- &

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
  echo "Docker engine $NAME did not start within 60 seconds; its log:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
fi
write_env_file
echo "Docker engine $NAME ($SUITE, $STORE_LABEL) answers on unix://$SOCKET." >&2
