#!/usr/bin/env bash
# The one release build every script shares (test.sh, dev.sh, zombienet.sh and the benchmarks):
# ddns-node, ddns-resolver (with its benchmark binaries) and ddns-verify, always as one cargo
# invocation. Cargo unifies dependency features over the packages it builds, so a different set
# of packages would compile a different variant of half the tree; with this one, whichever script
# ran first, the others find nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
cargo build --release --locked -p ddns-node -p ddns-resolver -p ddns-verify
