#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL server for shell tests and benchmarks.
#
#   . "$(dirname "$0")/lib.sh"                      # tests/e2e/lib.sh first (optional)
#   . "$SLUICE_SOURCE_DIR/tests/lib/pg.sh"
#   pg_require                # server binaries present? else skip or fail, see below
#   pg_start                  # initdb + start; exports PGHOST PGPORT PGUSER PGDATABASE
#   pg_sql "SELECT count(*) FROM orders"   # prints rows, columns separated by |
#   pg_restart                # fast stop, then start again: same data, same socket
#   pg_stop [MODE]            # stop: fast (default), smart or immediate (a crash)
#   pg_start                  # after pg_stop: starts the same cluster again
#
# Interface (kept stable: tests/e2e/test_postgres*.sh, test_crash_postgres.sh
# and bench/pg.sh use it):
#
#   pg_require
#       Finds initdb, pg_ctl, postgres and psql: $PG_BIN if set, else the
#       newest /usr/lib/postgresql/*/bin, else the folder of `pg_config
#       --bindir`. When they are missing it prints "SKIPPED: ..." and exits
#       with status 77 (ctest shows the test as skipped: tests/lib/pg.cmake
#       sets SKIP_RETURN_CODE 77 on the postgres tests); with CI=true it
#       prints "FAIL - ..." and exits 1 instead, so CI never passes without
#       having run them. Install the server with: apt-get install postgresql
#   pg_start [--tcp] [--durable] [-c NAME=VALUE]...
#       Creates a cluster in a fresh folder (mktemp -d under $TMPDIR or
#       /tmp; as root, owned by and run as the `postgres` system user),
#       initdb -U sluice -E UTF8 --locale=C, starts it and waits until it
#       accepts connections, then creates the database "sluice". The server
#       listens on a unix socket in $PG_SOCKDIR only (listen_addresses=''),
#       or with --tcp on 127.0.0.1 at a free port, never elsewhere.
#       Settings for speed unless --durable: fsync=off, full_page_writes=off
#       (a killed server, sluice or test loses nothing; only an OS crash
#       would). -c passes further server settings.
#       Authentication (pg_hba.conf): the superuser "sluice" is trusted;
#       every other role needs its password (scram-sha-256), so a test can
#       `pg_sql "CREATE ROLE loader LOGIN PASSWORD 'x'"` and connect with a
#       conninfo holding password=x. No password is ever exported.
#       Exports PGHOST (the socket folder, or 127.0.0.1), PGPORT, PGUSER=sluice,
#       PGDATABASE=sluice, so libpq clients (psql, the postgres sink with an
#       empty conninfo) reach it without arguments.
#       Sets PG_DIR (everything of the server), PG_DATA, PG_SOCKDIR, PG_LOG
#       (the server's log file), PG_BIN.
#   pg_sql SQL [PSQL ARGS...]
#       Runs SQL with psql -X -A -t -q -v ON_ERROR_STOP=1 as the superuser;
#       prints the rows one per line, columns separated by |. Returns psql's
#       status (non-zero on an SQL error, with the message on stderr).
#   pg_stop [fast|smart|immediate]
#       Stops the server and waits until it is gone. immediate = a crash:
#       the next start runs crash recovery.
#   pg_restart [fast|smart|immediate]
#       pg_stop MODE, then starts the same cluster again and waits for it.
#   pg_cleanup
#       Stops the server (immediate) and removes $PG_DIR. Runs by itself at
#       exit: pg.sh chains it in front of any EXIT trap already set (lib.sh's
#       summary), and turns SIGINT/SIGTERM into an exit so it runs then too.
#
# Environment: PG_BIN (folder of the server binaries), TMPDIR, CI,
# SLUICE_KEEP_TMP=1 (keep $PG_DIR, e.g. to read $PG_LOG).

PG_BIN=${PG_BIN:-}
PG_DIR=
PG_DATA=
PG_SOCKDIR=
PG_LOG=
_PG_TCP=0
_PG_OPTS=()

_pg_say() { echo "pg.sh: $*" >&2; }

# Prints the folder holding the server binaries, or nothing.
_pg_find_bin() {
    local d
    if [ -n "$PG_BIN" ]; then
        [ -x "$PG_BIN/initdb" ] && echo "$PG_BIN"
        return 0
    fi
    # Newest major version first (sort -V: 15 after 9.6).
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    if command -v pg_config >/dev/null; then
        d=$(pg_config --bindir 2>/dev/null)
        [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
    fi
    return 0
}

pg_require() {
    local why=""
    PG_BIN=$(_pg_find_bin)
    if [ -z "$PG_BIN" ]; then
        why="PostgreSQL server binaries (initdb, pg_ctl) not found in \$PG_BIN or /usr/lib/postgresql/*/bin; install them with: apt-get install postgresql"
    elif [ ! -x "$PG_BIN/psql" ] && ! command -v psql >/dev/null; then
        why="psql not found; install it with: apt-get install postgresql-client"
    elif [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        why="running as root but there is no 'postgres' system user to run the server as"
    fi
    [ -z "$why" ] && return 0
    if [ "${CI:-}" = true ]; then
        echo "FAIL - $why (CI=true: PostgreSQL tests must run)"
        exit 1
    fi
    echo "SKIPPED: $why"
    # Not a failure outside CI: leave without lib.sh's "no checks ran".
    trap - EXIT
    [ -n "${TMP:-}" ] && [ -d "$TMP" ] && rm -rf "$TMP"
    exit 77
}

# Runs a server binary as the owner of the cluster.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_psql() {
    local psql=$PG_BIN/psql
    [ -x "$psql" ] || psql=psql
    "$psql" "$@"
}

# A TCP port on 127.0.0.1 nobody listens on (a race with other programs
# is possible; the start fails loudly then).
_pg_free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

_pg_write_hba() {
    cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# written by tests/lib/pg.sh: the superuser "sluice" is trusted, every other
# role needs its password
local   all  sluice                trust
host    all  sluice  127.0.0.1/32  trust
local   all  all                   scram-sha-256
host    all  all     127.0.0.1/32  scram-sha-256
EOF
}

# Starts the cluster in $PG_DATA and waits until it accepts connections.
_pg_launch() {
    local listen="''" opts
    [ "$_PG_TCP" = 1 ] && listen=127.0.0.1
    opts="-c listen_addresses=$listen -k $PG_SOCKDIR -p $PGPORT ${_PG_OPTS[*]}"
    if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$opts" -w -t 60 start >/dev/null; then
        _pg_say "the server did not start; last lines of $PG_LOG:"
        tail -n 20 "$PG_LOG" >&2
        return 1
    fi
    local i
    for i in $(seq 1 100); do
        "$PG_BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null && return 0
        sleep 0.1
    done
    _pg_say "the server started but does not accept connections; see $PG_LOG"
    return 1
}

pg_start() {
    local durable=0
    while [ $# -gt 0 ]; do
        case $1 in
        --tcp) _PG_TCP=1 ;;
        --durable) durable=1 ;;
        -c) [ $# -ge 2 ] || { _pg_say "pg_start: -c needs NAME=VALUE"; return 2; }
            _PG_OPTS+=("-c" "$2"); shift ;;
        *) _pg_say "pg_start: unknown argument $1"; return 2 ;;
        esac
        shift
    done
    [ -n "$PG_BIN" ] || pg_require
    if [ -n "$PG_DIR" ] && [ -d "$PG_DATA" ]; then
        _pg_launch # the cluster exists: start it again
        return
    fi
    [ "$durable" = 1 ] || _PG_OPTS+=("-c" "fsync=off" "-c" "full_page_writes=off")
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pg.XXXXXX") || return 1
    PG_DATA=$PG_DIR/data
    PG_SOCKDIR=$PG_DIR/sock
    PG_LOG=$PG_DIR/server.log
    mkdir -p "$PG_SOCKDIR"
    : >"$PG_LOG"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$PG_DIR"
        chmod 755 "$PG_DIR"
    fi
    if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U sluice -A trust -E UTF8 --locale=C -N \
        >"$PG_DIR/initdb.log" 2>&1; then
        _pg_say "initdb failed:"
        cat "$PG_DIR/initdb.log" >&2
        return 1
    fi
    _pg_write_hba
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DATA/pg_hba.conf"
    if [ "$_PG_TCP" = 1 ]; then
        PGHOST=127.0.0.1
        PGPORT=$(_pg_free_port) || { _pg_say "no free TCP port found"; return 1; }
    else
        PGHOST=$PG_SOCKDIR
        PGPORT=5432 # the socket folder is ours alone, so the port cannot clash
    fi
    PGUSER=sluice
    PGDATABASE=postgres
    export PGHOST PGPORT PGUSER PGDATABASE
    _pg_launch || return 1
    pg_sql "CREATE DATABASE sluice" || return 1
    PGDATABASE=sluice
    export PGDATABASE
}

pg_sql() {
    local sql=$1
    shift
    _pg_psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U sluice -d "$PGDATABASE" \
        -c "$sql" "$@"
}

pg_stop() {
    local mode=${1:-fast}
    [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$mode" -w -t 60 stop >/dev/null
}

pg_restart() {
    pg_stop "${1:-fast}" && _pg_launch
}

pg_cleanup() {
    [ -n "$PG_DIR" ] || return 0
    pg_stop immediate 2>/dev/null
    if [ "${SLUICE_KEEP_TMP:-0}" = 1 ]; then
        echo "kept $PG_DIR"
    else
        rm -rf "$PG_DIR"
    fi
    PG_DIR=
}

# Chain pg_cleanup in front of the EXIT trap already set (lib.sh's summary
# reads $? first, so it is handed on).
_pg_prev_trap() {
    local t
    t=$(trap -p EXIT)
    [ -n "$t" ] || return 0
    eval "set -- $t"
    printf '%s' "$3"
}
_PG_PREV_EXIT_TRAP=$(_pg_prev_trap)
_pg_on_exit() {
    local rc=$?
    pg_cleanup
    if [ -n "$_PG_PREV_EXIT_TRAP" ]; then
        (exit "$rc")
        eval "$_PG_PREV_EXIT_TRAP"
    fi
    exit "$rc"
}
trap _pg_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
