#!/usr/bin/env bash
# Regenerates pallets/registry/src/weights.rs by running the registry's benchmarks on this
# machine. Builds ddns-node with `--features runtime-benchmarks` (a separate, slower build that
# the default one never compiles), then runs `ddns-node benchmark pallet`.
#
#   scripts/bench-weights.sh            # 50 steps, 20 repeats
#   STEPS=10 REPEAT=5 scripts/bench-weights.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

bash scripts/setup.sh
cargo build --release --locked -p ddns-node --features runtime-benchmarks
"$CARGO_TARGET_DIR/release/ddns-node" benchmark pallet \
	--chain dev \
	--pallet pallet_ddns_registry \
	--extrinsic '*' \
	--steps "$STEPS" \
	--repeat "$REPEAT" \
	--wasm-execution compiled \
	--header scripts/weights-header.txt \
	--template scripts/weights-template.hbs \
	--output pallets/registry/src/weights.rs
echo "wrote pallets/registry/src/weights.rs"
