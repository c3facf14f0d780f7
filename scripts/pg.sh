#!/usr/bin/env bash
# A throwaway PostgreSQL server for the SQL tests.
#   bash scripts/pg.sh start   → prints `export PG_URL=…; export PG_DIR=…` (eval it)
#   bash scripts/pg.sh stop DIR
# Installs Debian's postgresql when missing, initdb's a temporary folder owned
# by the postgres user (the server refuses root), trust auth, a free port on
# 127.0.0.1 and the unix socket in that folder. scripts/test.sh starts it and
# stops it on EXIT.
set -euo pipefail
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
case "${1:-}" in
  start)
    if [ -z "$(bin)" ]; then
      echo "[pg] installing postgresql" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
    fi
    B=$(bin)
    dir=$(mktemp -d /tmp/crm-access-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    as_pg "$B/initdb -D '$dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$B/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -o \"-h 127.0.0.1 -p $port -k '$dir' -c fsync=off -c shared_buffers=32MB\" start >/dev/null" || { cat "$dir/server.log" >&2; exit 1; }
    echo "export PG_URL=postgres://postgres@127.0.0.1:$port/postgres; export PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?usage: pg.sh stop DIR}
    B=$(bin)
    as_pg "$B/pg_ctl -D '$dir/data' -m fast -w stop >/dev/null" || true
    rm -rf "$dir"
    ;;
  *) echo "usage: pg.sh start | stop DIR" >&2; exit 2 ;;
esac
