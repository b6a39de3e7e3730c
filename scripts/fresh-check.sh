#!/usr/bin/env bash
# Proves the README's two commands on a fresh Debian 12 machine (issue #23): makes a new
# Debian 12 root with debootstrap (minbase), puts in only what a new machine of our kind
# has, clones this repository's HEAD into it, and runs there, as root:
#   1. the test command, `bash scripts/test.sh`, with CI=true and no input;
#   2. the run command, `bash scripts/run.sh`, until the app's first screen is painted.
#
#   sudo bash scripts/fresh-check.sh            # root kept in /var/tmp/peerline-fresh
#   PEERLINE_FRESH_ROOT=/srv/x bash scripts/fresh-check.sh
#   bash scripts/fresh-check.sh --run-only      # skip the test command (quick check of run.sh)
#
# What a new machine has, copied in from this one: the Rust toolchain (rustup with the
# default toolchain only, no tools a session installed), cargo-nextest, Node + npm, the
# CA certificates and the package clients' configuration (APT sources, npm and pip
# settings). Nothing else: every other package must come from scripts/setup.sh.
#
# Run it again whenever scripts/ changes, or a dependency that needs a system package.
# Needs about 15 GB free and, on two cores, about 45 minutes.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check.sh makes a chroot and mounts into it: run it as root." >&2
  exit 1
fi
run_only=0
case "${1:-}" in
  "") ;;
  --run-only) run_only=1 ;;
  *) echo "usage: bash scripts/fresh-check.sh [--run-only]" >&2; exit 2 ;;
esac

repo="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="${PEERLINE_FRESH_ROOT:-/var/tmp/peerline-fresh}"
started=$(date +%s)
say() { echo "==> [fresh-check $(( $(date +%s) - started )) s] $*"; }

unmount_all() {
  # Deepest first; a lazy unmount so a process still finishing cannot keep it busy.
  if [ -d "$ROOT" ]; then
    # No mount left is no match for grep, not a failure.
    { findmnt -rn -o TARGET | grep -E "^${ROOT}(/|$)" || true; } | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
  fi
}
trap unmount_all EXIT

if ! command -v debootstrap >/dev/null 2>&1; then
  say "Installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi

# The Debian mirror this machine's APT is configured for (the same registry the new root
# will use through the copied configuration).
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror="$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
fi
[ -n "$mirror" ] || { echo "no Debian mirror found in this machine's APT sources" >&2; exit 1; }

unmount_all
rm -rf "$ROOT"
mkdir -p "$ROOT"
say "debootstrap bookworm (minbase) into $ROOT"
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  bookworm "$ROOT" "$mirror" >"$ROOT.debootstrap.log" 2>&1 ||
  { tail -n 40 "$ROOT.debootstrap.log"; echo "debootstrap failed" >&2; exit 1; }

say "Copying in what a new machine has"
# Package clients' configuration: APT sources and settings, npm, pip.
rm -f "$ROOT/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && install -D -m 0644 "$f" "$ROOT$f"
done
for f in /etc/apt/apt.conf.d/*; do
  # Only the settings for reaching the registry; the host's hooks name programs the new
  # root does not have.
  if [ -f "$f" ] && [ ! -e "$ROOT$f" ] && grep -q '^Acquire::' "$f"; then
    install -m 0644 "$f" "$ROOT$f"
  fi
done
for f in /etc/npmrc /usr/etc/npmrc /root/.npmrc /etc/pip.conf; do
  [ -f "$f" ] && install -D -m 0644 "$f" "$ROOT$f"
done
# CA certificates: the host's bundle as it is, and its local CAs so that installing
# Debian's ca-certificates later rebuilds the same bundle.
mkdir -p "$ROOT/etc/ssl/certs" "$ROOT/usr/local/share/ca-certificates"
cp -a /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
cp -a /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
# Rust: rustup, its proxies and the default toolchain only.
toolchain="$(rustup default | awk '{print $1}')"
mkdir -p "$ROOT/root/.cargo/bin" "$ROOT/root/.rustup/toolchains"
for p in cargo cargo-clippy cargo-fmt clippy-driver rustc rustdoc rustfmt rustup rust-gdb rust-lldb; do
  [ -e "/root/.cargo/bin/$p" ] && cp -a "/root/.cargo/bin/$p" "$ROOT/root/.cargo/bin/"
done
cp -a /root/.rustup/settings.toml "$ROOT/root/.rustup/"
cp -a "/root/.rustup/toolchains/$toolchain" "$ROOT/root/.rustup/toolchains/"
[ -d /root/.rustup/update-hashes ] && cp -a /root/.rustup/update-hashes "$ROOT/root/.rustup/"
install -m 0755 "$(command -v cargo-nextest)" "$ROOT/usr/local/bin/cargo-nextest"
# Node and npm as this machine has them.
node_bin="$(readlink -f "$(command -v node)")"
install -m 0755 "$node_bin" "$ROOT/usr/bin/node"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
mkdir -p "$ROOT/usr/lib/node_modules"
cp -a "$npm_dir" "$ROOT/usr/lib/node_modules/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/bin/npx"

# As in a container: package scripts must not start services inside the chroot (the tests
# start their own PostgreSQL on a port of their choosing).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"

say "Cloning HEAD of $repo (a clean clone: committed work only)"
git clone -q --no-hardlinks "$repo" "$ROOT/root/peerline"
echo "    commit $(git -C "$ROOT/root/peerline" rev-parse --short HEAD)"

# The root must be a mount point inside the chroot (tests unshare a mount namespace with
# private propagation), and the usual kernel file systems must be there.
mount --bind "$ROOT" "$ROOT"
mount --make-private "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
mount -t tmpfs -o size=2g tmpfs "$ROOT/dev/shm"

inside() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUSTUP_AUTO_INSTALL=0 CI=true "$@" </dev/null
}

if [ "$run_only" -eq 0 ]; then
  say "The test command: bash scripts/test.sh"
  t0=$(date +%s)
  inside bash -c 'cd /root/peerline && bash scripts/test.sh'
  say "The test command passed in $(( $(date +%s) - t0 )) s"
fi

say "The run command: bash scripts/run.sh, until the first screen is painted"
t0=$(date +%s)
log="$ROOT/tmp/run.log"
inside bash -c 'cd /root/peerline && PEERLINE_DATA_DIR=/tmp/run-vault RUST_LOG=info NO_COLOR=1 \
  exec bash scripts/run.sh' >"$log" 2>&1 &
run_pid=$!
shown=0
# Bounded: a first build of the app can take many minutes on two cores.
for _ in $(seq 1 3600); do
  if grep -q "first screen shown" "$log"; then shown=1; break; fi
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 1
done
# The app runs until closed; stop it and its virtual display.
for p in $(ps -eo pid=,args= | awk '/peerline-app|Xvfb/ {print $1}'); do
  [ "$(readlink -f "/proc/$p/root" 2>/dev/null)" = "$ROOT" ] && kill -TERM "$p" 2>/dev/null || true
done
wait "$run_pid" 2>/dev/null || true
if [ "$shown" -ne 1 ]; then
  tail -n 60 "$log"
  echo "the run command did not bring up the app's first screen" >&2
  exit 1
fi
say "The run command brought the window up (first screen painted) after $(( $(date +%s) - t0 )) s"
say "Fresh Debian 12 check passed in $(( $(date +%s) - started )) s"
