#!/usr/bin/env bash
# Sets up, builds and runs a single-node development chain with RPC on ws://127.0.0.1:9944.
# The chain is kept in ${DDNS_DEV_BASE:-$HOME/.local/share/ddns/dev}; extra arguments go to ddns-node.
# To start from genesis again: ddns-node purge-chain --dev --base-path "$DDNS_DEV_BASE"
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
base="${DDNS_DEV_BASE:-$HOME/.local/share/ddns/dev}"

bash scripts/setup.sh
cargo build --release --locked -p ddns-node
mkdir -p "$base"

# The off-chain resolver daemon (issues 5/6) will be started here, beside the node.
exec "$CARGO_TARGET_DIR/release/ddns-node" \
	--dev \
	--base-path "$base" \
	--rpc-port 9944 \
	--rpc-cors all \
	"$@"
