#!/usr/bin/env bash
# Installs everything Peerline needs on Debian 12 (as root, or with sudo): the system
# libraries for Tauri and the real-window tests, the Rust tools, and the npm packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DEBIAN_PACKAGES=(
  # Tauri 2 on Linux
  build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev
  librsvg2-dev
  # SQLCipher's crypto on Linux: the system's libcrypto (headers to build, library to run)
  libssl-dev
  # The OS credential store (Secret Service over D-Bus) and its test daemon
  libdbus-1-dev dbus dbus-x11 gnome-keyring libsecret-1-dev
  # Real-window tests: a virtual display and WebKit's WebDriver
  xvfb webkit2gtk-driver at-spi2-core
  # Accessibility tests of the built UI: axe-core in headless Chromium
  chromium
  # Fault tests: a private mount namespace with a tiny tmpfs
  util-linux
  # The relay's PostgreSQL backend and multi-node tests (a throw-away server per run)
  postgresql
  # Fetching and building
  curl ca-certificates git perl make openssl
)

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

echo "==> npm packages"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)
