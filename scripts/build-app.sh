#!/usr/bin/env bash
# Builds the web app (app/) into app/dist, static files to serve as they are:
#  1. the name and record rules (app/name-rule, i.e. ddns-primitives) compiled to wasm;
#  2. Vite bundles the app with it.
# Takes a few seconds once the wasm is built (about a minute cold).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"

cargo build --locked -q -p ddns-name-wasm --target wasm32v1-none --profile app-wasm
mkdir -p app/src/generated
cp "$CARGO_TARGET_DIR/wasm32v1-none/app-wasm/ddns_name_wasm.wasm" app/src/generated/name_rule.wasm
npx --no-install vite build --config app/vite.config.js --logLevel warn
echo "app built: $(du -sh app/dist | cut -f1) in app/dist"
