#!/usr/bin/env bash
# Sets everything up and runs Peerline on this machine.
#   PEERLINE_DATA_DIR  where the vault lives (default: the platform's app data directory)
#   PEERLINE_DEMO      1 (default) runs an embedded relay on 127.0.0.1 with a demo team
#                      whose demo peers answer; 0 turns it off
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-app.sh
export PATH="$HOME/.cargo/bin:$PATH"

app=(target/debug/peerline-app)
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  # A headless box has no session bus, so no credential store: Peerline asks for a passcode
  # to protect the vault (the designed fallback). Say so plainly to the D-Bus library too,
  # rather than let a keyring daemon wait on a password prompt no one can see.
  export DBUS_SESSION_BUS_ADDRESS="disabled:"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "==> No display found: running Peerline on a virtual display (Xvfb)."
  echo "    Use a desktop session to see the window; 'bash scripts/test.sh' drives it headless."
  app=(xvfb-run -a -s "-screen 0 1280x1024x24" "${app[@]}")
fi
echo "==> Starting Peerline"
export PEERLINE_DEMO="${PEERLINE_DEMO:-1}"
exec "${app[@]}"
