#!/usr/bin/env bash
# Installs everything Peerline needs on Debian 12 (as root, or with sudo): the system
# libraries for Tauri and the real-window tests, the Rust tools, and the npm packages.
# Safe to run again: it only installs what is missing.
#
#   bash scripts/setup.sh          what building and running the app needs (scripts/run.sh)
#   bash scripts/setup.sh --test   that, and what every test needs (scripts/test.sh)
#
# After installing it checks that every program the scripts and tests call is there, and
# stops at once naming the missing program and the package that provides it: a missing
# piece should fail in seconds with a clear sentence, not twenty minutes into a run.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=run
case "${1:-}" in
  "") ;;
  --test) mode=test ;;
  *) echo "usage: bash scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Installed by name with --no-install-recommends, so anything a program needs that Debian
# only *recommends* is named here too (xauth for xvfb-run, for one).
DEBIAN_PACKAGES=(
  # Tauri 2 on Linux
  build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev
  librsvg2-dev
  # SQLCipher's crypto on Linux: the system's libcrypto (headers to build, library to run)
  libssl-dev
  # The OS credential store (Secret Service over D-Bus) and its test daemon
  libdbus-1-dev dbus dbus-x11 gnome-keyring libsecret-1-dev
  # A virtual display for a machine without one (the run command and the real-window
  # tests): xvfb-run needs xauth, which xvfb only recommends
  xvfb xauth at-spi2-core
  # Fetching and building
  curl ca-certificates git perl make openssl gzip
)
if [ "$mode" = test ]; then
  DEBIAN_PACKAGES+=(
    # Real-window tests: WebKit's WebDriver
    webkit2gtk-driver
    # Accessibility tests of the built UI: axe-core in headless Chromium
    chromium
    # Fault tests: a private mount namespace with a tiny tmpfs; PostgreSQL run as its user
    util-linux mount
    # The relay's PostgreSQL backend and multi-node tests (a throw-away server per run)
    postgresql
    # The console's WebDriver test moves the relay's weekly counters back two weeks
    sqlite3
  )
fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "==> Installing Rust (stable) with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

if ! command -v node >/dev/null 2>&1; then
  echo "==> Installing Node.js and npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Peerline's UI build (Vite 8) needs Node.js 20.19 or newer; this machine has $(node --version)." >&2
  exit 1
fi

if [ "$mode" = test ]; then
  # cargo install TOOL --locked, when TOOL's program is missing.
  cargo_tool() {
    local program="$1"; shift
    if ! command -v "$program" >/dev/null 2>&1; then
      echo "==> Installing $program"
      cargo install --locked "$@"
    fi
  }
  cargo_tool cargo-nextest cargo-nextest
  cargo_tool tauri-driver tauri-driver --version ^2
  cargo_tool cargo-fuzz cargo-fuzz
  cargo_tool cargo-deny cargo-deny
fi

echo "==> npm packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
if [ "$mode" = test ]; then
  (cd tests/webdriver && npm ci --no-audit --no-fund --loglevel=error)
  (cd tests/a11y && npm ci --no-audit --no-fund --loglevel=error)
  # The relay's Web Push tests: a real push service on 127.0.0.1 (web-push-testing's model)
  (cd tests/push-service && npm ci --no-audit --no-fund --loglevel=error)
fi

# Every program the scripts and tests call, each with where it comes from.
REQUIRED=(
  "cc:build-essential" "pkg-config:pkg-config" "git:git" "curl:curl" "perl:perl"
  "make:make" "openssl:openssl" "gzip:gzip"
  "cargo:rustup (https://rustup.rs)" "rustfmt:rustup component add rustfmt"
  "cargo-clippy:rustup component add clippy" "node:nodejs" "npm:npm"
  "xvfb-run:xvfb" "Xvfb:xvfb" "xauth:xauth"
  "dbus-run-session:dbus" "dbus-daemon:dbus"
)
if [ "$mode" = test ]; then
  REQUIRED+=(
    "gnome-keyring-daemon:gnome-keyring" "WebKitWebDriver:webkit2gtk-driver"
    "chromium:chromium" "sqlite3:sqlite3" "unshare:util-linux" "runuser:util-linux" "mount:mount"
    "cargo-nextest:cargo install cargo-nextest --locked"
    "tauri-driver:cargo install tauri-driver --locked --version ^2"
    "cargo-fuzz:cargo install cargo-fuzz --locked"
    "cargo-deny:cargo install cargo-deny --locked"
  )
fi
absent=()
for entry in "${REQUIRED[@]}"; do
  program="${entry%%:*}"
  command -v "$program" >/dev/null 2>&1 || absent+=("$program (from: ${entry#*:})")
done
if [ "$mode" = test ]; then
  # PostgreSQL's server programs are not on the PATH; scripts/postgres.sh looks here.
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  for program in initdb pg_ctl; do
    [ -n "$pg_bin" ] && [ -x "$pg_bin/$program" ] || absent+=("$program (from: postgresql)")
  done
fi
if [ "${#absent[@]}" -gt 0 ]; then
  echo "Set-up is incomplete: these programs are still missing after installing:" >&2
  printf '  - %s\n' "${absent[@]}" >&2
  echo "Install them (as root) and run this again." >&2
  exit 1
fi
echo "==> Set-up complete: every program the ${mode} command needs is here"
