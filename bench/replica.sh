#!/usr/bin/env bash
# A PostgreSQL primary and its hot standby (streaming replication), both our own, in one directory:
# for tests/test_replica.py and to try DATABASE_REPLICA_URL by hand. The machine's own cluster is
# left alone (its pg_hba.conf takes no replication connections, and it is not ours to change).
#
#   bench/replica.sh start DIR [PORT]   primary on PORT (default 55432), standby on PORT + 1
#   bench/replica.sh stop DIR           stop both, remove DIR
#
# Both listen only on a Unix socket in DIR, so two pairs never fight over a TCP port. Run as root,
# the servers run as the postgres user (PostgreSQL refuses root). Settings favour speed over safety
# (fsync off): this pair holds test data, never anything to keep. Connect with, for example,
#   DATABASE_URL=postgres://postgres@%2Ftmp%2Fpair:55432/sipas DATABASE_REPLICA_URL=postgres://postgres@%2Ftmp%2Fpair:55433/sipas
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
command=${1:-}
dir=${2:-}
port=${3:-55432}

usage() {
  echo "usage: $0 start DIR [PORT] | $0 stop DIR" >&2
  exit 2
}

# PostgreSQL will not run as root: hand it to the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || { echo "$dir is not empty" >&2; exit 1; }
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_owner "$BIN/initdb" -D "$dir/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  # initdb's pg_hba.conf already lets local connections replicate (trust).
  cat >>"$dir/primary/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
max_connections = 40
shared_buffers = 32MB
fsync = off
full_page_writes = off
jit = off
EOF
  as_owner "$BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
  as_owner "$BIN/pg_basebackup" -h "$dir" -p "$port" -U postgres -D "$dir/standby" -R -X stream --checkpoint=fast
  # -R wrote standby.signal and primary_conninfo; the copied postgresql.conf names the primary's port.
  echo "port = $((port + 1))" >>"$dir/standby/postgresql.conf"
  as_owner "$BIN/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
  echo "primary: host=$dir port=$port"
  echo "standby: host=$dir port=$((port + 1))"
}

stop() {
  [ -d "$dir" ] || return 0
  for server in standby primary; do
    if [ -f "$dir/$server/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$dir/$server" -m immediate -w stop >/dev/null || true
    fi
  done
  rm -rf "$dir"
}

[ -n "$dir" ] || usage
case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
