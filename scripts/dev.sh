#!/usr/bin/env bash
# Sets up, builds and runs a single-node development chain with its resolver daemon:
#   ddns-node --dev        JSON-RPC on ws://127.0.0.1:9944
#   ddns-resolver          HTTP on http://127.0.0.1:8053, DNS on 127.0.0.1:5353 (UDP and TCP),
#                          libp2p on 127.0.0.1:30433 (TCP and QUIC)
#   the web app            http://127.0.0.1:8080/ (DDNS_APP_PORT), built into app/dist
# The chain and the daemon's node key are kept in ${DDNS_DEV_BASE:-$HOME/.local/share/ddns/dev}.
# DDNS_SERVE="a.ddns,b.ddns" makes the daemon publish endpoint records for those names (set each
# name's node key on chain to the key printed at start). Extra arguments go to ddns-node.
# To start from genesis again: ddns-node purge-chain --dev --base-path "$DDNS_DEV_BASE"
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
base="${DDNS_DEV_BASE:-$HOME/.local/share/ddns/dev}"
bin="$CARGO_TARGET_DIR/release"

bash scripts/setup.sh
bash scripts/build.sh
bash scripts/build-app.sh
mkdir -p "$base/resolver"

"$bin/ddns-node" \
	--dev \
	--base-path "$base" \
	--rpc-port 9944 \
	--rpc-cors all \
	"$@" &
node_pid=$!
resolver_pid=
node scripts/serve-app.mjs "${DDNS_APP_PORT:-8080}" &
app_pid=$!
stop() {
	trap - INT TERM EXIT
	kill $resolver_pid $app_pid $node_pid 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop INT TERM EXIT

serve=()
IFS=',' read -ra names <<<"${DDNS_SERVE:-}"
for name in "${names[@]}"; do
	[ -n "$name" ] && serve+=(--serve "$name")
done
key="$base/resolver/node.key"
echo "resolver node key (put it on chain with registry.setNodeKey):"
"$bin/ddns-resolver" --print-key --key-file "$key"

# The daemon waits for the node itself and reconnects if the node restarts.
"$bin/ddns-resolver" \
	--chain-rpc ws://127.0.0.1:9944 \
	--key-file "$key" \
	--http 127.0.0.1:8053 \
	--dns 127.0.0.1:5353 \
	--allow-private-addrs --no-upnp \
	${serve[@]+"${serve[@]}"} &
resolver_pid=$!

echo "web app: http://127.0.0.1:${DDNS_APP_PORT:-8080}/ (node ws://127.0.0.1:9944)"

# Stop all when one ends.
wait -n $node_pid $resolver_pid $app_pid
