#!/usr/bin/env bash
# Sets up, builds and runs every test: cargo tests, the Node.js end-to-end tests and the
# zombienet suite.
# Exits non-zero as soon as a stage fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
# The end-to-end tests start this binary.
export DDNS_NODE_BIN="${DDNS_NODE_BIN:-$CARGO_TARGET_DIR/release/ddns-node}"
export DDNS_RESOLVER_BIN="${DDNS_RESOLVER_BIN:-$CARGO_TARGET_DIR/release/ddns-resolver}"
# As root (CI), the NAT tests must run, not skip.
if [ "$(id -u)" -eq 0 ]; then export DDNS_REQUIRE_NETNS="${DDNS_REQUIRE_NETNS:-1}"; fi

started=$SECONDS
stage_started=$SECONDS
stage_name=""

stage() {
	stage_name="$1"
	stage_started=$SECONDS
	printf '\n==> %s\n' "$stage_name"
}

stage_done() {
	printf '==> %s: ok (%ss)\n' "$stage_name" "$((SECONDS - stage_started))"
}

on_exit() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ -n "$stage_name" ]; then
		printf '\n==> %s: FAILED (exit %s) after %ss\n' "$stage_name" "$rc" "$((SECONDS - stage_started))" >&2
	fi
}
trap on_exit EXIT

stage "setup"
bash scripts/setup.sh
stage_done

stage "build ddns-node, ddns-resolver and ddns-verify (release)"
bash scripts/build.sh
stage_done

stage "build the web app (scripts/build-app.sh: the name rule in wasm, then Vite)"
bash scripts/build-app.sh
stage_done

# The try-runtime checker turns on the runtime's `try-runtime` feature, so it is built on its own
# (never together with the node) and natively (no wasm).
stage "build ddns-try-runtime (release, native runtime with try-runtime)"
SKIP_WASM_BUILD=1 cargo build --release --locked -p ddns-try-runtime
stage_done

stage "cargo tests (release, workspace)"
cargo test --release --locked --workspace --exclude ddns-try-runtime
stage_done

# Two files at a time: each starts its own dev node on free ports, and most of their time is
# spent waiting for blocks, so two share the 2 cores without slowing each other much.
stage "end-to-end tests (node --test tests/*.test.js, 2 files at a time)"
node --test --test-concurrency=2 tests/*.test.js
stage_done

stage "zombienet suite (scripts/zombienet.sh)"
DDNS_ZOMBIENET_SKIP_BUILD=1 bash scripts/zombienet.sh
stage_done

stage_name=""
printf '\n==> all stages passed in %ss\n' "$((SECONDS - started))"
