# Finding, installing and starting PostgreSQL for wfm's scripts (sourced, not run).

# Prints the directory holding initdb/postgres/pg_ctl, or nothing.
pg_bindir() {
    if [[ -n "${WFM_PG_BINDIR:-}" && -x "$WFM_PG_BINDIR/initdb" ]]; then
        echo "$WFM_PG_BINDIR"; return
    fi
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then echo "$dir"; return; fi
    fi
    # The newest installed version that has the server (a newer client alone doesn't count).
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then echo "$dir"; return; fi
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; fi
}

# Installs Debian's postgresql package when no server binaries are found.
ensure_pg_binaries() {
    if [[ -n "$(pg_bindir)" ]]; then return; fi
    echo "==> no PostgreSQL server binaries found: installing Debian's postgresql package"
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: no apt-get here; install PostgreSQL (>= 15) server binaries, or set DATABASE_URL" >&2
        exit 1
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    if [[ -z "$(pg_bindir)" ]]; then
        echo "error: postgresql installed but initdb is still not found" >&2
        exit 1
    fi
}

# Runs a server binary as the postgres user when we are root (PostgreSQL refuses root).
as_pg_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Sets DATABASE_URL to a usable database named wfm, in this order:
#   1. DATABASE_URL as given;
#   2. a server already on 127.0.0.1:5432 that lets user postgres in (database wfm is created);
#   3. a private server in $WFM_DEV_PG_DIR (default .wfm/pg) on port $WFM_DEV_PG_PORT
#      (default 54329), started here and stopped by stop_private_pg.
WFM_PRIVATE_PG=""
ensure_database() {
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "==> using DATABASE_URL"
        return
    fi
    local bindir
    bindir=$(pg_bindir)
    # Reuse only a server that lets postgres in without a password (-w: never
    # prompt; no ~/.pgpass either, as the services would not have it).
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p 5432 2>/dev/null \
        && PGPASSFILE=/dev/null "$bindir/psql" -w -h 127.0.0.1 -U postgres -d postgres \
            -tAc 'SELECT 1' >/dev/null 2>&1; then
        "$bindir/psql" -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE wfm' >/dev/null 2>&1 || true
        export DATABASE_URL="postgres://postgres@127.0.0.1:5432/wfm"
        echo "==> reusing the PostgreSQL on 127.0.0.1:5432 (database wfm)"
        return
    fi
    local port="${WFM_DEV_PG_PORT:-54329}"
    local data="${WFM_DEV_PG_DIR:-$PWD/.wfm/pg}"
    # As root the server runs as postgres, which must be able to reach the folder
    # (a checkout under /root is not reachable): fall back to /var/tmp then.
    if [[ -z "${WFM_DEV_PG_DIR:-}" && $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$PWD"; then
        data="/var/tmp/wfm-dev-pg"
    fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
        echo "==> creating a private PostgreSQL in $data"
        mkdir -p "$data"
        if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$data"; fi
        as_pg_user "$bindir/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale C >/dev/null
    fi
    if ! "$bindir/pg_isready" -q -h "$data" -p "$port"; then
        echo "==> starting the private PostgreSQL on 127.0.0.1:$port"
        as_pg_user "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
            -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null
        WFM_PRIVATE_PG="$data"
    fi
    "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE wfm' >/dev/null 2>&1 || true
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/wfm"
}

# Stops the private server if ensure_database started it.
stop_private_pg() {
    if [[ -n "$WFM_PRIVATE_PG" ]]; then
        echo "==> stopping the private PostgreSQL"
        as_pg_user "$(pg_bindir)/pg_ctl" -D "$WFM_PRIVATE_PG" -m fast stop >/dev/null || true
        WFM_PRIVATE_PG=""
    fi
}
