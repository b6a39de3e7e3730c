#!/usr/bin/env bash
# Measures the app's budgets (BENCHMARKS.md, "App budgets"): release binary size, UI bundle
# size, start to first screen, and memory after a full flow in the real window. Builds the
# size-tuned `dist` profile first; needs what scripts/test.sh installs (Xvfb, tauri-driver, a keyring).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm run build --silent)
cargo build --profile dist -p peerline-app
echo "==> UI bundle (gzip)"
for f in ui/dist/assets/*; do
  printf '%s: %s bytes, %s gzipped\n' "$f" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
echo "==> Release binary"
ls -l target/dist/peerline-app
echo "==> Start time and memory (real window under Xvfb)"
(cd tests/webdriver && npm ci --no-audit --no-fund --loglevel=error && dbus-run-session -- sh -c '
  printf peerline-budget | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  PEERLINE_APP_BINARY="$PWD/../../target/dist/peerline-app" \
    xvfb-run -a -s "-screen 0 1280x1024x24" node budgets.mjs
')
