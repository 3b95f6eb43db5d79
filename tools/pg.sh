#!/usr/bin/env bash
# Embedded PostgreSQL cluster for `make demo` / `make test`.
# usage: tools/pg.sh start|stop|status|datadir
# Loopback only, its own port, trust auth for the local role "odoo".
# PostgreSQL refuses to run as root: when started by root, the cluster runs as
# the `postgres` system user, so its data folder must be reachable by that user.
set -euo pipefail

port=${HSB_PG_PORT:-55432}
bindir=$(pg_config --bindir)
here=$(cd "$(dirname "$0")/.." && pwd)

run_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

data_dir() {
    local dir=${HSB_PG_DIR:-$here/.pg}
    if [ "$(id -u)" = 0 ] && [ -z "${HSB_PG_DIR:-}" ] \
        && ! runuser -u postgres -- test -x "$here"; then
        # A clone under a private home: the postgres user cannot reach it.
        dir=/var/tmp/helpdesk_session_billing-pg-$(printf '%s' "$here" | cksum | cut -d' ' -f1)
    fi
    printf '%s\n' "$dir"
}

start() {
    local dir; dir=$(data_dir)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        run_as_owner "$bindir/initdb" -D "$dir/data" -U odoo --auth=trust \
            --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if run_as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        return 0
    fi
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        echo "Port $port is taken by another PostgreSQL server: set HSB_PG_PORT to a free port, or PGHOST/PGPORT to use that server." >&2
        exit 1
    fi
    run_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir/data' -c max_connections=200" \
        start >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "PostgreSQL cluster running on 127.0.0.1:$port (data in $dir/data)"
}

stop() {
    local dir; dir=$(data_dir)
    if [ -f "$dir/data/PG_VERSION" ]; then
        run_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop || true
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) run_as_owner "$bindir/pg_ctl" -D "$(data_dir)/data" status ;;
    datadir) data_dir ;;
    *) echo "usage: $0 start|stop|status|datadir" >&2; exit 2 ;;
esac
