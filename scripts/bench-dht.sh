#!/usr/bin/env bash
# Runs the DHT benchmark (resolver/benches/dht.rs): 100 ddns-resolver daemons on
# loopback TCP in one process; prints lookup latency p50/p99, lookup success, and how fast a
# node-key rotation propagates, next to their targets. Takes about 90 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"

# 100 daemons that all know each other hold about 10,000 sockets.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cargo bench --locked -p ddns-resolver --bench dht
