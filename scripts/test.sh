#!/usr/bin/env bash
# Sets everything up and runs every test: formatting, lints, Rust unit and integration
# tests (vault faults with a real Secret Service, no store, a full tmpfs), every bench once
# in smoke mode, the UI's unit tests, the generated-types check, accessibility checks of the
# built UI (axe-core in headless Chromium), and WebDriver tests of the real app window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# Incremental caches only speed up a developer's next build; on a one-off CI run they
# would add gigabytes to target/ for nothing.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

# A full disk once stopped CI in the middle of a build; print what is left at each
# step so a log says how close a run came.
disk() {
  echo "    disk: $(df -h --output=avail . | tail -n 1 | tr -d ' ') free; target/ $(du -sh target 2>/dev/null | cut -f1 || echo 0)"
}
disk

echo "==> Formatting"
cargo fmt --all --check

echo "==> UI type check and unit tests"
(cd ui && npm run typecheck --silent && npx vitest run)

# The Tauri crate embeds ui/dist at compile time, so build the UI before clippy sees it.
bash scripts/build-app.sh

disk
echo "==> Accessibility of the built UI (axe-core in headless Chromium, IPC mocked)"
(cd tests/a11y && npm test --silent)

disk
echo "==> Clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Advisories need the RustSec database from GitHub, which these machines cannot reach
# (SECURITY.md); licences, bans and sources are checked offline.
echo "==> Dependencies: licences, bans, sources (cargo deny)"
# cargo deny reads metadata for every platform; the builds above fetched only Linux's crates.
cargo fetch --locked
cargo deny --offline check licenses bans sources

# A throw-away PostgreSQL on 127.0.0.1 for the relay's multi-node tests, stopped and
# deleted on the way out whatever happens.
echo "==> Starting a throw-away PostgreSQL on 127.0.0.1"
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop "$PEERLINE_TEST_POSTGRES_DIR"' EXIT

disk
echo "==> Rust tests (unit, integration, end-to-end; includes the IPC bindings freshness check)"
cargo nextest run --workspace --locked --no-fail-fast \
  -E 'not (package(peerline-relay) and binary(load))'

disk
echo "==> The relay's test suite again, on PostgreSQL"
PEERLINE_TEST_BACKEND=postgres cargo nextest run -p peerline-relay --locked --no-fail-fast \
  --test api --test cli --test malformed --test push --test sync_box --test messages --test figures --test conformance \
  --test durability
echo "==> The coordinator's console end to end, on PostgreSQL"
PEERLINE_TEST_BACKEND=postgres cargo nextest run -p peerline-e2e --locked --no-fail-fast --test console

disk
# Alone, and on optimised binaries: 1,000 peers, two relay processes and PostgreSQL on two
# cores is what is measured, not a debug build's overhead.
echo "==> Relay load and fault test: two nodes, 1,000 peers, 50 requests/s for 60 s, a node SIGKILLed, PostgreSQL restarted"
# 1,000 WebSockets at each end need more than the common default of 1,024 descriptors.
(ulimit -Sn "$(ulimit -Hn)" && cargo nextest run --cargo-profile release -p peerline-relay \
  --locked --no-fail-fast --test load --no-capture)

disk
# Every bench's main, small (PEERLINE_BENCH_SMOKE: a few iterations over small data, no figure
# asserted) in the test profile, relay benches on the debug relay binary; the cluster bench
# starts PostgreSQL servers of its own. `--bench '*'`, not `--benches`: that would run the
# libraries' unit tests again. Built first, then run bounded (about a minute on 2 cores).
echo "==> Benches, smoke mode (a bench that breaks fails here; figures come from cargo bench)"
PEERLINE_BENCH_SMOKE=1 cargo test --locked --no-run --bench '*' \
  -p peerline-core -p peerline-relay -p peerline-e2e
PEERLINE_BENCH_SMOKE=1 timeout 600 cargo test --locked --bench '*' \
  -p peerline-core -p peerline-relay -p peerline-e2e

disk
# Stable has no sanitizers, so this is libFuzzer with coverage only; the longer nightly runs
# under AddressSanitizer are in BENCHMARKS.md ("Fuzzing").
echo "==> Fuzz smoke: every target for 15 s (fuzz/, libFuzzer)"
(cd fuzz && for t in invite wire signed_documents backup; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  if ! cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- -max_total_time=15 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $t failed; the input that broke it is under fuzz/artifacts/$t" >&2
    exit 1
  fi
  echo "$t: $(grep -E '^Done' "$log")"
  rm -f "$log"
done)

disk
# The console's WebDriver test runs a relay of its own (the debug binary).
cargo build --locked -p peerline-relay
echo "==> WebDriver tests of the real window (Xvfb, tauri-driver, WebKitWebDriver), light then dark"
(cd tests/webdriver && dbus-run-session -- sh -c '
  printf peerline-wd | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  set -e
  xvfb-run -a -s "-screen 0 1280x1024x24" npm test --silent
  xvfb-run -a -s "-screen 0 1280x1024x24" npm run test:dark --silent
')

disk
echo "==> All tests passed"
