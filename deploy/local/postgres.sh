#!/usr/bin/env bash
# Local PostgreSQL cluster for development and CI: a private cluster in
# $FP_DATA_DIR/pg, listening on localhost:$FP_PG_PORT only (default 55432, so a
# system PostgreSQL on 5432 does not clash), with database and role
# "fakturaportal".
#
# usage: deploy/local/postgres.sh start|stop|restart|status|psql [PSQL ARGS...]|url|log
#
#   start    initdb on first start, start, wait until ready, ensure role + db
#            (idempotent: if already running, only ensures role + db)
#   stop     fast shutdown (immediate after 30 s); no-op if not running
#   status   exit 0 if running and accepting connections, 3 if not
#   psql     psql as the app role over TCP (extra args are passed to psql);
#            `psql --superuser ...` connects as postgres over the unix socket
#   url      print the connection URL (postgresql://user:pw@localhost:port/db)
#   log      print the last 100 lines of the server log
#
# environment (all optional):
#   FP_DATA_DIR     default $REPO/.data (cluster in pg/data, log in logs/postgres.log)
#   FP_PG_PORT      default 55432
#   FP_PG_DB        default fakturaportal
#   FP_PG_USER      default fakturaportal (LOGIN CREATEDB CREATEROLE; owns FP_PG_DB and creates the services' role)
#   FP_PG_PASSWORD  default fakturaportal -- a LOCAL DEV default only
#   FP_PG_BINDIR    PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#
# Authentication: TCP on localhost uses scram-sha-256 (password above); the
# unix socket (inside the data dir, readable only by the cluster owner) is
# trust. As root the server runs as the OS user "postgres" (PostgreSQL refuses
# to run as root); otherwise as the calling user.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_DIR="${FP_DATA_DIR:-$REPO/.data}"
PORT="${FP_PG_PORT:-55432}"
# Every e2e system holds a pool per service: two side by side (parallel development) need more
# than the default 100; 500 idle connections cost little memory.
MAX_CONNECTIONS="${FP_PG_MAX_CONNECTIONS:-500}"
DB="${FP_PG_DB:-fakturaportal}"
DB_USER="${FP_PG_USER:-fakturaportal}"
DB_PASSWORD="${FP_PG_PASSWORD:-fakturaportal}"

PG_ROOT="$DATA_DIR/pg"
LOG_DIR="$DATA_DIR/logs"
LOG_FILE="$LOG_DIR/postgres.log"

log() { echo "[postgres] $*"; }
err() { echo "[postgres] ERROR: $*" >&2; }
die() { err "$@"; exit 1; }

find_bindir() {
    if [[ -n "${FP_PG_BINDIR:-}" ]]; then
        [[ -x "$FP_PG_BINDIR/postgres" ]] || die "FP_PG_BINDIR=$FP_PG_BINDIR has no postgres binary"
        echo "$FP_PG_BINDIR"
        return
    fi
    # Debian/Ubuntu layout; newest major version first.
    local d
    d="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' -printf '%h\n' 2>/dev/null |
        sort -t/ -k4,4 -rn | head -n1)"
    if [[ -n "$d" ]]; then
        echo "$d"
        return
    fi
    # pg_config may belong to a libpq without a server: check for postgres.
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$d" && -x "$d/postgres" ]]; then
            echo "$d"
            return
        fi
    fi
    if command -v postgres >/dev/null 2>&1; then
        dirname "$(command -v postgres)"
        return
    fi
    die "no PostgreSQL server binaries found; run deploy/local/install-system.sh"
}

BINDIR="$(find_bindir)"

# Who owns and runs the cluster.
if ((EUID == 0)); then
    PG_OS_USER=postgres
    id -u "$PG_OS_USER" >/dev/null 2>&1 ||
        die "OS user 'postgres' does not exist (it comes with the postgresql package); run deploy/local/install-system.sh"
else
    PG_OS_USER="$(id -un)"
fi

as_pg() {
    if ((EUID == 0)); then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# The postgres user must be able to reach $PG_ROOT. When the checkout lives
# somewhere it cannot traverse (e.g. under /root, mode 700), the cluster and
# its server log are kept in /var/tmp/fakturaportal-pg-<hash of the path>
# instead; $DATA_DIR/pg and $DATA_DIR/logs/postgres.log are symlinks to them.
SERVER_LOG="$LOG_FILE"
resolve_pg_root() {
    if [[ -L "$PG_ROOT" ]]; then
        PG_ROOT="$(readlink -f "$PG_ROOT")"
        SERVER_LOG="$PG_ROOT/postgres.log"
        return
    fi
    ((EUID == 0)) || return 0
    [[ -d "$PG_ROOT" ]] && return 0
    mkdir -p "$DATA_DIR"
    if ! runuser -u "$PG_OS_USER" -- test -x "$DATA_DIR"; then
        local alt
        alt="/var/tmp/fakturaportal-pg-$(echo -n "$DATA_DIR" | sha256sum | cut -c1-12)"
        log "user $PG_OS_USER cannot traverse to $DATA_DIR; keeping the cluster in $alt ($PG_ROOT links to it)"
        mkdir -p "$alt"
        ln -sfn "$alt" "$PG_ROOT"
        PG_ROOT="$alt"
        SERVER_LOG="$PG_ROOT/postgres.log"
    fi
}
resolve_pg_root

PGDATA="$PG_ROOT/data"
SOCKET_DIR="$PG_ROOT/run"
# unix socket paths are limited to 107 bytes
if ((${#SOCKET_DIR} > 80)); then
    SOCKET_DIR="/tmp/fp-pg-$(echo -n "$PG_ROOT" | sha256sum | cut -c1-12)"
fi

pg_ctl() { as_pg "$BINDIR/pg_ctl" -D "$PGDATA" "$@"; }

# Is $1 a live (non-zombie) postgres process? Not `pg_ctl status` / kill -0:
# after a kill -9 the postmaster lingers as a zombie until PID 1 reaps it
# (slow in some containers/VMs), and pg_ctl and the server's own lock-file
# checks take a zombie for a live server.
pg_pid_alive() {
    local pid="$1" state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    state="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)"
    [[ -n "$state" && "$state" != Z ]] || return 1
    # the postmaster's command line is ".../postgres -D $PGDATA ..."
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)" == *postgres*" -D $PGDATA "* ]]
}

is_running() {
    pg_pid_alive "$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
}

# Lock files left by a killed server (data dir and unix socket).
remove_stale_lockfiles() {
    local f
    for f in "$PGDATA/postmaster.pid" "$SOCKET_DIR/.s.PGSQL.$PORT.lock"; do
        [[ -f "$f" ]] || continue
        pg_pid_alive "$(head -n1 "$f" 2>/dev/null || true)" && continue
        log "removing stale $(basename "$f") (the server was killed)"
        rm -f "$f"
    done
}

is_ready() {
    "$BINDIR/pg_isready" -q -h "$SOCKET_DIR" -p "$PORT" -d postgres -U postgres 2>/dev/null
}

log_tail() {
    [[ -f "$LOG_FILE" ]] || return 0
    echo "[postgres] ---- last 30 lines of $LOG_FILE ----" >&2
    tail -n 30 "$LOG_FILE" >&2
    echo "[postgres] ----" >&2
}

prepare_dirs() {
    mkdir -p "$PG_ROOT" "$SOCKET_DIR" "$LOG_DIR"
    touch "$SERVER_LOG"
    if [[ "$SERVER_LOG" != "$LOG_FILE" ]]; then
        ln -sfn "$SERVER_LOG" "$LOG_FILE"
    fi
    if ((EUID == 0)); then
        chown "$PG_OS_USER:" "$PG_ROOT" "$SOCKET_DIR" "$SERVER_LOG"
        if [[ -d "$PGDATA" && "$(stat -c %U "$PGDATA")" != "$PG_OS_USER" ]]; then
            chown -R "$PG_OS_USER:" "$PGDATA"
        fi
    fi
    chmod 700 "$PG_ROOT" "$SOCKET_DIR"
}

init_cluster() {
    [[ -f "$PGDATA/PG_VERSION" ]] && return 0
    log "initdb: new cluster in $PGDATA ($("$BINDIR/postgres" --version))"
    local started=$SECONDS
    rm -rf "$PGDATA"
    as_pg "$BINDIR/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$PG_ROOT/initdb.log" 2>&1 || {
        cat "$PG_ROOT/initdb.log" >&2
        die "initdb failed"
    }
    # Settings that do not depend on the environment. Port, socket dir, listen
    # address and max_connections are passed at each start (so FP_PG_PORT can change,
    # and clusters made by older versions of this script get the new limit too).
    as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null <<'EOF'

# ---- fakturaportal local development settings (deploy/local/postgres.sh) ----
password_encryption = scram-sha-256
logging_collector = off
log_min_duration_statement = 1000
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
log_timezone = 'UTC'
EOF
    log "initdb done in $((SECONDS - started)) s"
}

sql_literal() {
    local s="$1"
    printf "'%s'" "${s//\'/\'\'}"
}

# Role and database; idempotent, one psql call. The password is sent on stdin,
# not on a command line.
ensure_role_and_db() {
    as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PORT" -U postgres -d postgres >/dev/null <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB CREATEROLE', $(sql_literal "$DB_USER"))
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = $(sql_literal "$DB_USER")) \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB CREATEROLE PASSWORD %L', $(sql_literal "$DB_USER"), $(sql_literal "$DB_PASSWORD")) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', $(sql_literal "$DB"), $(sql_literal "$DB_USER"))
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = $(sql_literal "$DB")) \gexec
EOF
}

cmd_start() {
    prepare_dirs
    if is_running; then
        ensure_role_and_db
        log "already running (localhost:$PORT, data $PGDATA)"
        return 0
    fi
    init_cluster
    remove_stale_lockfiles
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "port $PORT is already in use by another process; stop it or set FP_PG_PORT"
    fi
    log "starting on localhost:$PORT (data $PGDATA, log $LOG_FILE)"
    local started=$SECONDS
    local attempt
    for attempt in 1 2 3; do
        if pg_ctl -l "$SERVER_LOG" -w -t 60 \
            -o "-p $PORT -k $SOCKET_DIR -c listen_addresses=localhost -c max_connections=$MAX_CONNECTIONS" start >/dev/null 9>&-; then
            break
        fi
        # right after a crash, backends of the killed server may still hold
        # its shared memory for a moment: retry
        if ((attempt == 3)); then
            log_tail
            die "PostgreSQL did not start"
        fi
        log "start failed; retrying in 1 s"
        sleep 1
        remove_stale_lockfiles
    done
    local i
    for ((i = 0; i < 100; i++)); do
        is_ready && break
        sleep 0.1
    done
    is_ready || {
        log_tail
        die "PostgreSQL started but pg_isready fails"
    }
    ensure_role_and_db
    log "ready on localhost:$PORT, database $DB, user $DB_USER (after $((SECONDS - started)) s)"
}

cmd_stop() {
    if ! is_running; then
        log "not running"
        return 0
    fi
    log "stopping ..."
    if ! pg_ctl -m fast -w -t 30 stop >/dev/null; then
        log "fast shutdown did not finish within 30 s; using immediate"
        pg_ctl -m immediate -w -t 30 stop >/dev/null || die "could not stop PostgreSQL"
    fi
    log "stopped"
}

cmd_status() {
    if is_running && is_ready; then
        log "running (localhost:$PORT, data $PGDATA, $("$BINDIR/postgres" --version))"
        return 0
    fi
    if is_running; then
        log "running but not accepting connections (yet)"
        return 3
    fi
    log "not running"
    return 3
}

cmd_psql() {
    if [[ "${1:-}" == "--superuser" ]]; then
        shift
        as_pg "$BINDIR/psql" -X -h "$SOCKET_DIR" -p "$PORT" -U postgres -d "$DB" "$@"
    else
        PGPASSWORD="$DB_PASSWORD" exec "$BINDIR/psql" -h localhost -p "$PORT" -U "$DB_USER" -d "$DB" "$@"
    fi
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# Serialise start/stop of the same data dir. fd 9 is closed for the server.
lock() {
    mkdir -p "$DATA_DIR/run"
    exec 9>"$DATA_DIR/run/postgres.lock"
    flock -w 180 9 || die "could not get $DATA_DIR/run/postgres.lock within 180 s"
}

main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        start | stop | restart) lock ;;
    esac
    case "$cmd" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart) cmd_stop && cmd_start ;;
        status) cmd_status ;;
        psql) cmd_psql "$@" ;;
        url) echo "postgresql://$DB_USER:$DB_PASSWORD@localhost:$PORT/$DB" ;;
        log) tail -n 100 "$LOG_FILE" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
