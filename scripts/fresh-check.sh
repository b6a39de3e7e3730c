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

# shellcheck source=lib/debian-root.sh
. "$repo/scripts/lib/debian-root.sh"
unmount_all() { debian_root_unmount "$ROOT"; }
trap unmount_all EXIT

say "debootstrap bookworm (minbase) into $ROOT"
debian_root_create "$ROOT"

say "Copying in what a new machine has"
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

say "Cloning HEAD of $repo (a clean clone: committed work only)"
git clone -q --no-hardlinks "$repo" "$ROOT/root/peerline"
echo "    commit $(git -C "$ROOT/root/peerline" rev-parse --short HEAD)"

debian_root_mount "$ROOT"

inside() { debian_root_run "$ROOT" "$@"; }

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
