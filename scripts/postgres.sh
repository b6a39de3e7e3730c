#!/usr/bin/env bash
# A throw-away PostgreSQL for the relay's tests, on 127.0.0.1 only, with its data in a
# temporary directory (Debian's `postgresql` package; scripts/setup.sh installs it).
#
#   eval "$(bash scripts/postgres.sh start)"   # exports PEERLINE_TEST_POSTGRES{,_DIR,_CA}
#   bash scripts/postgres.sh restart "$PEERLINE_TEST_POSTGRES_DIR" [PAUSE_SECONDS]
#   bash scripts/postgres.sh stop "$PEERLINE_TEST_POSTGRES_DIR"
#
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user the package
# creates. Trust authentication is fine here: nothing but loopback can reach it, and it is
# deleted afterwards.
set -euo pipefail

bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
    echo "PostgreSQL is not installed (expected /usr/lib/postgresql/<version>/bin); run scripts/setup.sh" >&2
    exit 1
  fi
  echo "$d"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /, not the caller's folder: a checkout under root's home (0700) is a folder the
    # postgres user cannot enter, and the server then fails to start (found by
    # scripts/fresh-check.sh, whose clone is in /root).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

ctl() {
  local dir="$1"; shift
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 "$@" >/dev/null
}

case "${1:-}" in
  start)
    BIN="$(bin_dir)"
    DIR="$(mktemp -d /tmp/peerline-pg.XXXXXX)"
    chmod 755 "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    # TLS with a throw-away certificate for 127.0.0.1, so the relay's verify-full path is
    # tested too.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Peerline test CA" \
      -keyout "$DIR/ca.key" -out "$DIR/ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$DIR/data/server.key" -out "$DIR/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$DIR/server.ext"
    openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
      -CAcreateserial -days 2 -extfile "$DIR/server.ext" -out "$DIR/data/server.crt" >/dev/null 2>&1
    rm -f "$DIR/ca.key" "$DIR/server.csr" "$DIR/server.ext" "$DIR/ca.srl"
    chmod 600 "$DIR/data/server.key"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/data/server.key" "$DIR/data/server.crt"
    # Durability is not what these tests measure; fsync off keeps them quick. Enough
    # connections for two relay nodes' pools plus parallel tests.
    cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 400
ssl = on
EOF
    started=""
    for port in $(seq 55432 55452); do
      sed -i "/^port = /d" "$DIR/data/postgresql.conf"
      echo "port = $port" >>"$DIR/data/postgresql.conf"
      if ctl "$DIR" start 2>/dev/null; then started="$port"; break; fi
    done
    if [ -z "$started" ]; then
      echo "PostgreSQL did not start; its log:" >&2
      cat "$DIR/log" >&2 || true
      exit 1
    fi
    echo "export PEERLINE_TEST_POSTGRES='postgres://postgres@127.0.0.1:$started/postgres'"
    echo "export PEERLINE_TEST_POSTGRES_DIR='$DIR'"
    echo "export PEERLINE_TEST_POSTGRES_CA='$DIR/ca.crt'"
    ;;
  restart)
    # An optional pause between stop and start makes a longer outage.
    DIR="${2:?the directory start printed}"
    ctl "$DIR" stop -m fast
    sleep "${3:-0}"
    ctl "$DIR" start
    ;;
  stop)
    DIR="${2:?the directory start printed}"
    ctl "$DIR" stop -m immediate || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start | restart DIR [PAUSE_SECONDS] | stop DIR" >&2
    exit 2
    ;;
esac
