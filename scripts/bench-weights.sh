#!/usr/bin/env bash
# Regenerates the weights of our pallets by running their benchmarks on this machine. Builds
# ddns-node with `--features runtime-benchmarks` (a separate, slower build that the default one
# never compiles), then runs `ddns-node benchmark pallet` for each pallet.
#
#   scripts/bench-weights.sh                    # every pallet below, 50 steps, 20 repeats
#   scripts/bench-weights.sh validators         # one pallet
#   STEPS=10 REPEAT=5 scripts/bench-weights.sh
#
# Our pallets (registry, validators) write pallets/<name>/src/weights.rs; the polkadot-sdk
# pallets whose default weights would be costed for RocksDB (frame_system, pallet_timestamp)
# write runtime/src/weights/<name>.rs, measured here against ParityDB costs. pallet_grandpa's
# benchmarks do not match its WeightInfo: `scripts/bench-weights.sh pallet_grandpa` writes
# the measurements to target/pallet_grandpa.rs, and runtime/src/weights/pallet_grandpa.rs maps
# them by hand.
# BENCH_SKIP_REBUILD=1 skips the final default build (when CARGO_TARGET_DIR is a separate,
# benchmark-only directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
pallets=("${@:-registry validators operators frame_system pallet_timestamp}")
read -ra pallets <<<"${pallets[*]}"

bash scripts/setup.sh
cargo build --release --locked -p ddns-node --features runtime-benchmarks
# The benchmarking build replaces release/ddns-node; keep a copy so a later default build
# does not change the binary under us.
bench_bin="$(mktemp -d)/ddns-node-bench"
cp "$CARGO_TARGET_DIR/release/ddns-node" "$bench_bin"
for pallet in "${pallets[@]}"; do
	case "$pallet" in
		registry | validators | operators)
			bench_name="pallet_ddns_$pallet"
			output="pallets/$pallet/src/weights.rs"
			template=(--template scripts/weights-template.hbs)
			;;
		frame_system | pallet_timestamp)
			bench_name="$pallet"
			output="runtime/src/weights/$pallet.rs"
			template=()
			;;
		pallet_grandpa)
			bench_name="$pallet"
			output="$CARGO_TARGET_DIR/$pallet.rs"
			template=()
			;;
		*)
			echo "unknown pallet $pallet (registry, validators, operators, frame_system, pallet_timestamp, pallet_grandpa)" >&2
			exit 2
			;;
	esac
	mkdir -p "$(dirname "$output")"
	header="$(mktemp)"
	printf '// Weights of the ddns %s pallet, measured on this project'"'"'s machines (2 cores).\n// Regenerate with `scripts/bench-weights.sh %s`; the exact command is below.\n' \
		"$pallet" "$pallet" >"$header"
	"$bench_bin" benchmark pallet \
		--chain dev \
		--pallet "$bench_name" \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--wasm-execution compiled \
		--header "$header" \
		"${template[@]}" \
		--output "$output"
	rm -f "$header"
	echo "wrote $output"
done
# The default build again, so release/ddns-node is the binary the tests expect.
if [ -z "${BENCH_SKIP_REBUILD:-}" ]; then
	bash scripts/build.sh
fi
