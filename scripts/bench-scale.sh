#!/usr/bin/env bash
# The chain at the size of a real registry: genesis, disk, memory, resolve RPC against
# state_getStorage, DNS against NSD, the lifecycle's expiry spike and sync, on a 100-name and a
# 1,000,000-name chain side by side (scripts/bench-scale.mjs says what each figure is).
#
#   scripts/bench-scale.sh                          # 100 and 1,000,000 names: about 40 min here
#   SCALE_SIZES="100 100000" scripts/bench-scale.sh
#
# Starts in seconds after scripts/test.sh or scripts/dev.sh (the same build, scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
export DDNS_NODE_BIN="${DDNS_NODE_BIN:-$CARGO_TARGET_DIR/release/ddns-node}"
export DDNS_RESOLVER_BIN="${DDNS_RESOLVER_BIN:-$CARGO_TARGET_DIR/release/ddns-resolver}"
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/bench-scale.mjs
