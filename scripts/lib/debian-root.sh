# A fresh Debian 12 root made with debootstrap, for checks that must start from nothing
# (sourced by scripts/fresh-check.sh and scripts/package-check.sh; run as root).
#   debian_root_create ROOT   debootstrap (minbase), this machine's APT and npm/pip settings,
#                             its CA certificates, and no service starts (as in a container)
#   debian_root_mount ROOT    proc, sys, dev, devpts and shm, the root itself a mount point
#   debian_root_unmount ROOT  every mount under ROOT, deepest first
#   debian_root_run ROOT CMD  CMD inside, with a clean environment

debian_root_unmount() {
  local root="$1"
  if [ -d "$root" ]; then
    # No mount left is no match for grep, not a failure.
    { findmnt -rn -o TARGET | grep -E "^${root}(/|$)" || true; } | sort -r | while read -r m; do
      # Lazy, so a process still finishing cannot keep it busy.
      umount -l "$m" 2>/dev/null || true
    done
  fi
}

debian_root_create() {
  local root="$1"
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "==> Installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  fi
  # The Debian mirror this machine's APT is configured for (the same registry the new root
  # will use through the copied configuration).
  local mirror=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror="$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
  fi
  [ -n "$mirror" ] || { echo "no Debian mirror found in this machine's APT sources" >&2; return 1; }

  debian_root_unmount "$root"
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -n 40 "$root.debootstrap.log"; echo "debootstrap failed" >&2; return 1; }

  # Package clients' configuration: APT sources and settings, npm, pip.
  rm -f "$root/etc/apt/sources.list"
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && install -D -m 0644 "$f" "$root$f"
  done
  for f in /etc/apt/apt.conf.d/*; do
    # Only the settings for reaching the registry; the host's hooks name programs the new
    # root does not have.
    if [ -f "$f" ] && [ ! -e "$root$f" ] && grep -q '^Acquire::' "$f"; then
      install -m 0644 "$f" "$root$f"
    fi
  done
  for f in /etc/npmrc /usr/etc/npmrc /root/.npmrc /etc/pip.conf; do
    [ -f "$f" ] && install -D -m 0644 "$f" "$root$f"
  done
  # CA certificates: the host's bundle as it is, and its local CAs so that installing
  # Debian's ca-certificates later rebuilds the same bundle.
  mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
  cp -a /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  # As in a container: package scripts must not start services inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
}

debian_root_mount() {
  local root="$1"
  # The root must be a mount point inside the chroot (tests unshare a mount namespace with
  # private propagation), and the usual kernel file systems must be there.
  mount --bind "$root" "$root"
  mount --make-private "$root"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
  mount -t tmpfs -o size=2g tmpfs "$root/dev/shm"
}

debian_root_run() {
  local root="$1"; shift
  chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUSTUP_AUTO_INSTALL=0 CI=true DEBIAN_FRONTEND=noninteractive "$@" </dev/null
}
