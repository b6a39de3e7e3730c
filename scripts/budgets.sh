#!/usr/bin/env bash
# Measures the app's budgets (BENCHMARKS.md, "App budgets"): release binary size, UI bundle
# size, start to first screen, and memory after a full flow in the real window. Builds the
# size-tuned `dist` profile first; needs what scripts/test.sh installs (Xvfb, tauri-driver, a keyring).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm run build --silent)
# What ships: no demo mode, so no relay server code in the app.
cargo build --profile dist -p peerline-app --no-default-features
# The demo team (relay + answering peers) in a process of its own, so the full flow can run
# against the shipped build and the app's memory is the app's alone.
cargo build -p peerline-app --example demo_team
echo "==> UI bundle (gzip)"
for f in ui/dist/assets/*; do
  printf '%s: %s bytes, %s gzipped\n' "$f" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
echo "==> Release binary"
ls -l target/dist/peerline-app
echo "==> Start time and memory (real window under Xvfb)"
fifo="$(mktemp -u)"; mkfifo "$fifo"
# Its standard input is the fifo: when this script ends, the writer closes and it stops.
target/debug/examples/demo_team <"$fifo" >"$fifo.out" 2>"$fifo.err" &
exec 9>"$fifo"
for _ in $(seq 1 100); do [ -s "$fifo.out" ] && break; sleep 0.2; done
PEERLINE_BUDGET_INVITE="$(head -n 1 "$fifo.out")"
[ -n "$PEERLINE_BUDGET_INVITE" ] || { cat "$fifo.err" >&2; echo "the demo team did not start" >&2; exit 1; }
export PEERLINE_BUDGET_INVITE
(cd tests/webdriver && npm ci --no-audit --no-fund --loglevel=error && dbus-run-session -- sh -c '
  printf peerline-budget | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  PEERLINE_APP_BINARY="$PWD/../../target/dist/peerline-app" \
    xvfb-run -a -s "-screen 0 1280x1024x24" node budgets.mjs
')
exec 9>&-
rm -f "$fifo" "$fifo.out" "$fifo.err"
