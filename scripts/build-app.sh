#!/usr/bin/env bash
# Builds the UI and the Tauri app binary (debug) that embeds it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> UI"
(cd ui && npm run build --silent)
echo "==> App"
cargo build -p peerline-app
