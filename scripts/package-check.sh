#!/usr/bin/env bash
# Installs the packages `bash scripts/package.sh` made into a fresh Debian 12 root and
# checks what an operator and an officer would see (issue #25):
#   relay  apt-get install ./peerline-relay_*.deb; the unit, its sandbox score
#          (systemd-analyze security, offline), the admin token made once; the service's
#          command started as systemd would (own user, state directory, credential), a team
#          created against it with the CLI; an upgrade keeps the database, the token and
#          the settings; purging says where the database stays.
#   app    apt-get install ./peerline_*.deb; every library it links is there; the desktop
#          entry registers peerline:// links; started under Xvfb until its first screen;
#          an upgrade and a removal leave the vault in the home directory.
#
#   sudo bash scripts/package-check.sh            root kept in /var/tmp/peerline-packages
#   PEERLINE_PACKAGE_ROOT=/srv/x bash scripts/package-check.sh
#
# The upgrade installs this build relabelled as an older version first (dpkg-deb), so it
# exercises the package scripts' upgrade path; migrations themselves are the storage
# tests' subject. Without systemd running in a chroot, the service's command line and
# environment are read from the installed unit and run by hand.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "package-check.sh makes a chroot and mounts into it: run it as root." >&2
  exit 1
fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="${PEERLINE_PACKAGE_ROOT:-/var/tmp/peerline-packages}"
started=$(date +%s)
say() { echo "==> [package-check $(( $(date +%s) - started )) s] $*"; }
fail() { echo "package-check: $*" >&2; exit 1; }

relay_deb="$(ls "$repo"/target/packages/peerline-relay_*.deb 2>/dev/null | head -n 1)"
app_deb="$(ls "$repo"/target/packages/peerline_*.deb 2>/dev/null | head -n 1)"
[ -n "$relay_deb" ] && [ -n "$app_deb" ] || fail "no packages in target/packages: run bash scripts/package.sh first"

# shellcheck source=lib/debian-root.sh
. "$repo/scripts/lib/debian-root.sh"
# Stops the processes inside the root whose command line matches $1 (never the host's).
kill_inside() {
  local p
  for p in $(pgrep -f "$1" || true); do
    [ "$(readlink -f "/proc/$p/root" 2>/dev/null)" = "$ROOT" ] && kill -"${2:-TERM}" "$p" 2>/dev/null || true
  done
}
cleanup() {
  # Whatever was started inside goes with the root's mounts.
  kill_inside . KILL
  debian_root_unmount "$ROOT"
}
trap cleanup EXIT

say "debootstrap bookworm (minbase) into $ROOT"
debian_root_create "$ROOT"
debian_root_mount "$ROOT"
inside() { debian_root_run "$ROOT" "$@"; }
mkdir -p "$ROOT/tmp/pkgs"
cp "$relay_deb" "$app_deb" "$ROOT/tmp/pkgs/"
relay="/tmp/pkgs/$(basename "$relay_deb")"
app="/tmp/pkgs/$(basename "$app_deb")"
inside apt-get update -qq

# An older version of a package: the same contents relabelled, for the upgrade path.
older() {
  local deb="$1" out="$2" dir
  dir="$(mktemp -d)"
  dpkg-deb -R "$deb" "$dir"
  sed -i 's/^Version: .*/Version: 0.0.1/' "$dir/DEBIAN/control"
  dpkg-deb -b "$dir" "$out" >/dev/null
  rm -rf "$dir"
}

##### The relay #####
say "relay: installing an older version, then upgrading to $(basename "$relay_deb")"
older "$relay_deb" "$ROOT/tmp/pkgs/peerline-relay_old.deb"
inside apt-get install -y -qq /tmp/pkgs/peerline-relay_old.deb >/dev/null
token_before="$(cat "$ROOT/etc/peerline-relay/admin-token")"
[ "$(stat -c %a "$ROOT/etc/peerline-relay/admin-token")" = 600 ] || fail "the admin token is readable by others"
[ "$(stat -c %a "$ROOT/etc/peerline-relay/relay.env")" = 600 ] || fail "the settings (maybe a database password) are readable by others"
echo "# the operator's own line" >>"$ROOT/etc/peerline-relay/relay.env"

# The service as systemd would run it: its own user (systemd makes one; here `nobody`), the
# state directory, the token as a credential, the settings from the environment file.
unit="$ROOT/lib/systemd/system/peerline-relay.service"
[ -f "$unit" ] || fail "the unit is not installed"
inside systemctl is-enabled peerline-relay >/dev/null || fail "the service is not enabled"
serve() {
  mkdir -p "$ROOT/var/lib/peerline-relay" "$ROOT/run/credentials/peerline-relay.service"
  cp "$ROOT/etc/peerline-relay/admin-token" "$ROOT/run/credentials/peerline-relay.service/admin-token"
  inside chown -R nobody:nogroup /var/lib/peerline-relay /run/credentials/peerline-relay.service
  # systemd reads the settings as root (the file is root-only), then runs the relay as the
  # service's user with them in its environment.
  inside bash -c 'set -a; . /etc/peerline-relay/relay.env; set +a;
    PEERLINE_RELAY_ADMIN_TOKEN_FILE=/run/credentials/peerline-relay.service/admin-token
    export PEERLINE_RELAY_ADMIN_TOKEN_FILE; cd /var/lib/peerline-relay;
    exec runuser -u nobody -- /usr/bin/peerline-relay serve' >"$ROOT/tmp/relay.log" 2>&1 &
  for _ in $(seq 1 100); do
    inside bash -c 'exec 3<>/dev/tcp/127.0.0.1/8787' 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$ROOT/tmp/relay.log"
  fail "the relay did not start"
}
running_inside() {
  local p
  for p in $(pgrep -f "$1" || true); do
    [ "$(readlink -f "/proc/$p/root" 2>/dev/null)" = "$ROOT" ] && return 0
  done
  return 1
}
stop_relay() {
  # SIGTERM, as systemd stops it: the relay finishes what is in flight and exits.
  kill_inside "/usr/bin/peerline-relay serve"
  for _ in $(seq 1 50); do
    running_inside "/usr/bin/peerline-relay serve" || return 0
    sleep 0.2
  done
  fail "the relay did not stop on SIGTERM"
}
serve
say "relay: listening on 127.0.0.1:8787 only (the default settings)"
# 8787 is 0x2253; a socket listening (state 0A) on 127.0.0.1 (0100007F) and on no other address.
grep -q ' 0100007F:2253 00000000:0000 0A ' /proc/net/tcp || fail "the relay is not on 127.0.0.1:8787"
! grep -q ' 00000000:2253 00000000:0000 0A ' /proc/net/tcp || fail "the relay listens on every address"
grep -q '^PEERLINE_RELAY_LISTEN=127.0.0.1:' "$ROOT/etc/peerline-relay/relay.env" || fail "the default is not loopback"
say "relay: a team created with the CLI against it"
inside peerline-relay team create --relay http://127.0.0.1:8787 \
  --admin-token-file /etc/peerline-relay/admin-token --key-file /root/team.key
inside peerline-relay team status --key-file /root/team.key
stop_relay

say "relay: upgrading"
inside apt-get install -y -qq "$relay" >/dev/null
[ "$(cat "$ROOT/etc/peerline-relay/admin-token")" = "$token_before" ] || fail "the upgrade changed the admin token"
grep -q "the operator's own line" "$ROOT/etc/peerline-relay/relay.env" || fail "the upgrade replaced the operator's settings"
serve
inside peerline-relay team status --key-file /root/team.key ||
  fail "the team is gone after the upgrade"
stop_relay

say "relay: the sandbox (systemd-analyze security, offline)"
inside systemd-analyze security --offline=true /lib/systemd/system/peerline-relay.service | tail -n 1

say "relay: purging"
inside apt-get purge -y -qq peerline-relay | grep "peerline-relay: the relay's database is kept" ||
  fail "purging did not say where the database stays"
[ ! -e "$ROOT/etc/peerline-relay/admin-token" ] || fail "purging left the admin token"
[ -e "$ROOT/var/lib/peerline-relay/relay.db" ] || fail "purging deleted the database (or it was never where relay.env says)"

##### The app #####
say "app: installing an older version, then upgrading to $(basename "$app_deb")"
older "$app_deb" "$ROOT/tmp/pkgs/peerline_old.deb"
inside apt-get install -y -qq /tmp/pkgs/peerline_old.deb >/dev/null
# Paths as the archive lists them (with or without a leading "./"), made absolute.
in_package() { dpkg-deb -c "$app_deb" | awk '{print $6}' | sed -E 's|^\.?/?|/|' | grep -E "$1" | head -n 1; }
bin="$(in_package '^/usr/bin/[^/]+$')"
[ -n "$bin" ] || fail "the app package has no program in /usr/bin"
missing="$(inside ldd "$bin" | grep 'not found' || true)"
[ -z "$missing" ] || fail "libraries the package does not bring: $missing"
desktop="$(in_package '\.desktop$')"
grep -q '^MimeType=x-scheme-handler/peerline;' "$ROOT$desktop" || fail "peerline:// links are not registered"
grep -q '^Exec=.* %u$' "$ROOT$desktop" || fail "the desktop entry does not pass the link on"

# The first screen, under Xvfb with a session bus and a keyring, as on a desktop.
inside apt-get install -y -qq --no-install-recommends xvfb xauth dbus dbus-x11 gnome-keyring >/dev/null
first_screen() {
  rm -f "$ROOT/tmp/app.log"
  inside dbus-run-session -- sh -c "printf x | gnome-keyring-daemon --unlock --components=secrets >/dev/null;
    RUST_LOG=info NO_COLOR=1 timeout 120 xvfb-run -a $bin" >"$ROOT/tmp/app.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    if grep -q "first screen shown" "$ROOT/tmp/app.log"; then
      kill_inside "$bin"
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 1
  done
  tail -n 40 "$ROOT/tmp/app.log"
  fail "the app did not show its first screen"
}
first_screen
say "app: first screen shown; the vault folder is in the home directory"
vault_dir="$ROOT/root/.local/share/app.peerline"
[ -d "$vault_dir" ] || fail "the app made no data folder in the home directory"
echo "marker" >"$vault_dir/kept-by-the-test"

say "app: upgrading"
inside apt-get install -y -qq "$app" >/dev/null
[ -f "$vault_dir/kept-by-the-test" ] || fail "the upgrade touched the vault folder"
first_screen

say "app: removing, then purging"
inside apt-get remove -y -qq peerline >/dev/null
[ -f "$vault_dir/kept-by-the-test" ] || fail "removing the app touched the vault folder"
inside apt-get purge -y -qq peerline | grep "Peerline:" || fail "purging did not say where the vault is"
[ -f "$vault_dir/kept-by-the-test" ] || fail "purging the app deleted the vault folder"

say "Packages checked in a fresh Debian 12 root in $(( $(date +%s) - started )) s"
