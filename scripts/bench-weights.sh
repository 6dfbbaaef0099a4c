#!/usr/bin/env bash
# Regenerates the weights of our pallets by running their benchmarks on this machine. Builds
# ddns-node with `--features runtime-benchmarks` (a separate, slower build that the default one
# never compiles), then runs `ddns-node benchmark pallet` for each pallet.
#
#   scripts/bench-weights.sh                    # both pallets, 50 steps, 20 repeats
#   scripts/bench-weights.sh validators         # one pallet: registry or validators
#   STEPS=10 REPEAT=5 scripts/bench-weights.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
pallets=("${@:-registry validators}")
read -ra pallets <<<"${pallets[*]}"

bash scripts/setup.sh
cargo build --release --locked -p ddns-node --features runtime-benchmarks
# The benchmarking build replaces release/ddns-node; keep a copy so a later default build
# does not change the binary under us.
bench_bin="$(mktemp -d)/ddns-node-bench"
cp "$CARGO_TARGET_DIR/release/ddns-node" "$bench_bin"
for pallet in "${pallets[@]}"; do
	case "$pallet" in
		registry | validators) ;;
		*) echo "unknown pallet $pallet (registry or validators)" >&2; exit 2 ;;
	esac
	header="$(mktemp)"
	printf '// Weights of the ddns %s pallet, measured on this project'"'"'s machines (2 cores).\n// Regenerate with `scripts/bench-weights.sh %s`; the exact command is below.\n' \
		"$pallet" "$pallet" >"$header"
	"$bench_bin" benchmark pallet \
		--chain dev \
		--pallet "pallet_ddns_$pallet" \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--wasm-execution compiled \
		--header "$header" \
		--template scripts/weights-template.hbs \
		--output "pallets/$pallet/src/weights.rs"
	rm -f "$header"
	echo "wrote pallets/$pallet/src/weights.rs"
done
# The default build again, so release/ddns-node is the binary the tests expect.
cargo build --release --locked -p ddns-node
