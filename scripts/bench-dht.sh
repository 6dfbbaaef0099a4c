#!/usr/bin/env bash
# Runs the DHT benchmark (resolver/src/bin/ddns-bench-dht.rs): 100 ddns-resolver daemons on
# loopback TCP in one process; prints lookup latency p50/p99, lookup success, and how fast a
# node-key rotation propagates, next to their targets; then the same lookups with 20 daemons
# frozen, and with them killed. Takes about 3 min.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"

# 100 daemons that all know each other hold about 10,000 sockets.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The same build as scripts/test.sh and scripts/dev.sh (nothing to do after either of them).
bash scripts/build.sh
"$CARGO_TARGET_DIR/release/ddns-bench-dht"
