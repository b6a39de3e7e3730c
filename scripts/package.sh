#!/usr/bin/env bash
# Builds Peerline's Debian packages into target/packages/ (issue #25):
#   peerline_<version>_amd64.deb        the app as it ships (the `dist` profile, without the
#                                       demo feature), by Tauri's bundler (the pinned CLI in
#                                       ui/package.json)
#   peerline-relay_<version>_amd64.deb  the relay, its hardened systemd unit and settings,
#                                       by cargo-deb (installed here at a pinned version)
#
#   bash scripts/package.sh            both
#   bash scripts/package.sh relay      one of them
#   bash scripts/package.sh app
#
# Then `sudo bash scripts/package-check.sh` installs them into a fresh Debian 12 root.
# On two cores the app's optimised build takes a while (lto, one codegen unit).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
case "$what" in all | app | relay) ;; *) echo "usage: bash scripts/package.sh [app|relay]" >&2; exit 2 ;; esac

CARGO_DEB_VERSION=3.8.0
out=target/packages
mkdir -p "$out"

if [ "$what" != app ]; then
  if [ "$(cargo deb --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DEB_VERSION" ]; then
    echo "==> Installing cargo-deb $CARGO_DEB_VERSION"
    cargo install --locked cargo-deb --version "=$CARGO_DEB_VERSION"
  fi
  echo "==> peerline-relay package"
  rm -f "$out"/peerline-relay_*.deb
  cargo deb --locked -p peerline-relay --output "$out/"
fi

if [ "$what" != relay ]; then
  echo "==> peerline app package"
  [ -x ui/node_modules/.bin/tauri ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  (cd ui && npm run build --silent)
  rm -rf target/dist/bundle/deb
  # The bundler builds the binary itself: cargo's `dist` profile, no demo mode.
  ui/node_modules/.bin/tauri build --ci --bundles deb -- --profile dist --no-default-features --locked
  rm -f "$out"/peerline_*.deb
  for deb in target/dist/bundle/deb/*.deb; do
    # Debian's usual name (lower case), whatever the bundler called it.
    cp "$deb" "$out/$(basename "$deb" | tr '[:upper:]' '[:lower:]')"
  done
fi
echo "==> Packages:"
ls -l "$out"/*.deb
