#!/bin/bash
# Throwaway PostgreSQL and MariaDB servers on loopback for the tests.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   dbservers.sh install                        install the server packages if missing
#   dbservers.sh start pgsql|mariadb DIR        new server, data under DIR, 127.0.0.1 on a
#                                               free port; writes DIR/env.sh
#   dbservers.sh stop pgsql|mariadb DIR         stops it (never hangs: escalates to SIGKILL)
#   dbservers.sh createdb pgsql|mariadb DIR NAME   drops then creates an empty database
#   dbservers.sh sql pgsql|mariadb DIR NAME     runs SQL from stdin; prints rows as
#                                               '|'-separated fields, no headers, SQL NULL
#                                               as NULL
#
# env.sh exports TS_PG_HOST TS_PG_PORT TS_PG_USER TS_PG_PASSWORD (pgsql) or TS_MY_HOST
# TS_MY_PORT TS_MY_SOCKET TS_MY_USER TS_MY_PASSWORD (mariadb): a password account that may
# create databases, reachable over TCP on 127.0.0.1.
#
# Running as root (CI), the servers run as the `postgres` / `mysql` users of the Debian
# packages, so DIR is handed over to them and its parent directories must let them in.
# `start` on a DIR that already holds a stopped server starts it again with its data, port
# and password (tests use this to bring a server back after testing a lost connection).
# The servers are tuned for throwaway data: no fsync, no binary log.  With
# TS_DB_DURABLE=1 they run as production servers do instead: every commit flushed to
# disk (PostgreSQL fsync and full page writes, InnoDB flush at each commit, doublewrite).
set -euo pipefail

PROG=${0##*/}
START_TIMEOUT=30
DBUSER=toolsync

die() { echo "$PROG: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

pg_bindir() {
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && best=$d     # glob order: the last one is the newest version
    done
    [ -n "$best" ] || die "PostgreSQL server binaries not found (run: $PROG install)"
    echo "$best"
}

# Runs a command as the service account when we are root, else as ourselves.
as_user() {
    local user=$1; shift
    if is_root; then runuser -u "$user" -- "$@"; else "$@"; fi
}

random_password() {
    local pw
    pw=$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24) || true
    [ ${#pw} -ge 16 ] || die "cannot generate a password"
    echo "ts${pw}"
}

# A port is free when nothing answers on it and (if ss exists) nothing listens on it.
port_free() {
    local p=$1
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 1; fi
    if command -v ss >/dev/null 2>&1; then
        [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] || return 1
    fi
    return 0
}

pick_port() {
    local base p i
    base=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    for ((i = 0; i < 500; i++)); do
        p=$(( base + i ))
        if port_free "$p"; then echo "$p"; return 0; fi
    done
    die "no free TCP port found on 127.0.0.1"
}

# Absolute path, created if needed.
absdir() {
    [ -n "${1:-}" ] || die "missing DIR"
    mkdir -p "$1"
    (cd "$1" && pwd -P)
}

# Unix socket paths are limited to ~107 bytes: use DIR when short enough, else a
# private directory under /tmp (remembered in DIR/sockdir and removed by stop).
socket_dir() {
    local dir=$1 owner=$2 sd
    if [ -f "$dir/sockdir" ]; then
        sd=$(cat "$dir/sockdir")
        mkdir -p "$sd"
    elif [ ${#dir} -le 80 ]; then
        sd=$dir
    else
        sd=$(mktemp -d /tmp/tsdb.XXXXXX)
        echo "$sd" > "$dir/sockdir"
    fi
    if is_root; then chown "$owner" "$sd"; fi
    echo "$sd"
}

remove_socket_dir() {
    local dir=$1 sd
    if [ -f "$dir/sockdir" ]; then
        sd=$(cat "$dir/sockdir")
        case $sd in /tmp/tsdb.*) rm -rf -- "$sd" ;; esac
        rm -f "$dir/sockdir"
    fi
}

# Hands DIR to the service account (root only) and checks that it can write there.
prepare_dir() {
    local dir=$1 user=$2
    if is_root; then
        chown "$user" "$dir"
        chmod 0700 "$dir"
        runuser -u "$user" -- test -w "$dir" \
            || die "$dir is not writable by user $user (are its parent directories searchable?)"
    fi
}

write_env() {   # write_env FILE LINES...
    local f=$1; shift
    ( umask 077; printf '%s\n' "$@" > "$f.tmp" )
    mv -f "$f.tmp" "$f"
}

load_env() {
    local dir=$1
    [ -f "$dir/env.sh" ] || die "no server in $dir (no env.sh): start it first"
    # shellcheck disable=SC1091
    . "$dir/env.sh"
}

# Waits for PID to exit, at most $2 seconds; returns 1 if it still runs.
wait_exit() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

valid_name() {
    [[ ${1:-} =~ ^[A-Za-z0-9_]+$ ]] || die "invalid database name '${1:-}' (letters, digits, _)"
}

# ------------------------------------------------------------------------------------
# install
# ------------------------------------------------------------------------------------
cmd_install() {
    local pkgs=()
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || pkgs+=(postgresql)
    command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
    [ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null 2>&1 || pkgs+=(mariadb-server)
    command -v mariadb >/dev/null 2>&1 || pkgs+=(mariadb-client)
    [ ${#pkgs[@]} -gt 0 ] || return 0
    is_root || die "missing packages (${pkgs[*]}) and not root: cannot install them"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1; then
        apt-get update -q >/dev/null
        apt-get install -y -q "${pkgs[@]}" >/dev/null
    fi
}

# ------------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------------
pg_start() {
    local dir bin sock port pw try log
    dir=$(absdir "$1")
    bin=$(pg_bindir)
    prepare_dir "$dir" postgres
    if [ -f "$dir/data/postmaster.pid" ] && \
       kill -0 "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null; then
        die "a PostgreSQL server already runs on $dir"
    fi
    sock=$(socket_dir "$dir" postgres)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pw=$(random_password)
        rm -rf "$dir/data"
        ( umask 077; echo "$pw" > "$dir/pwfile" )
        is_root && chown postgres "$dir/pwfile"
        if ! as_user postgres "$bin/initdb" -D "$dir/data" -U "$DBUSER" --pwfile="$dir/pwfile" \
                -A scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
            rm -f "$dir/pwfile"
            cat "$dir/initdb.log" >&2
            die "initdb failed in $dir"
        fi
        rm -f "$dir/pwfile"
        port=""
    else
        load_env "$dir"
        pw=$TS_PG_PASSWORD
        port=$TS_PG_PORT
        port_free "$port" || port=""
    fi
    log=$dir/postgres.log
    pg_fsync=off
    [ "${TS_DB_DURABLE:-0}" = 1 ] && pg_fsync=on
    for try in 1 2 3; do
        [ -n "$port" ] || port=$(pick_port)
        # Settings go to a file of their own that postgresql.conf includes last.
        as_user postgres sh -c 'cat > "$1"' sh "$dir/data/toolsync.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 40
# A Moodle dump is loaded in one transaction that locks every one of its ~450 tables
# and their indexes; two loads side by side outrun the default lock table.
max_locks_per_transaction = 1024
fsync = $pg_fsync
full_page_writes = $pg_fsync
EOF
        if ! grep -q "^include_if_exists = 'toolsync.conf'" "$dir/data/postgresql.conf"; then
            as_user postgres sh -c "echo \"include_if_exists = 'toolsync.conf'\" >> \"\$1\"" \
                sh "$dir/data/postgresql.conf"
        fi
        if svc_run postgres $((START_TIMEOUT + 10)) "$bin/pg_ctl" -D "$dir/data" -l "$log" \
               -w -t "$START_TIMEOUT" start >/dev/null 2>&1; then
            break
        fi
        if grep -q 'could not bind\|Address already in use' "$log" 2>/dev/null && [ $try -lt 3 ]; then
            port=""
            continue
        fi
        tail -n 20 "$log" >&2 || true
        pg_stop "$dir" >/dev/null 2>&1 || true
        die "PostgreSQL did not start in $dir (see $log)"
    done
    write_env "$dir/env.sh" \
        "# PostgreSQL test server in $dir (dbservers.sh)" \
        "export TS_PG_HOST=127.0.0.1" \
        "export TS_PG_PORT=$port" \
        "export TS_PG_USER=$DBUSER" \
        "export TS_PG_PASSWORD=$pw"
    # Proves that the account works over TCP before anyone relies on it.
    echo "SELECT 1;" | pg_sql "$dir" postgres >/dev/null \
        || die "PostgreSQL started in $dir but refuses $DBUSER over TCP"
}

# svc_run USER SECONDS cmd...: runs cmd as USER (when root) under a time limit, with
# stdin closed (pg_ctl must not hold our terminal or a harness's pipes).
svc_run() {
    local user=$1 secs=$2; shift 2
    if is_root; then
        runuser -u "$user" -- timeout "$secs" "$@" </dev/null
    else
        timeout "$secs" "$@" </dev/null
    fi
}

pg_stop() {
    local dir pidf pid bin
    [ -d "$1" ] || return 0
    dir=$(absdir "$1")
    pidf=$dir/data/postmaster.pid
    if [ -f "$pidf" ]; then
        pid=$(head -1 "$pidf")
        if kill -0 "$pid" 2>/dev/null; then
            bin=$(pg_bindir)
            svc_run postgres 25 "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 20 \
                stop >/dev/null 2>&1 || true
            if ! wait_exit "$pid" 1; then
                kill -QUIT "$pid" 2>/dev/null || true        # immediate shutdown
                wait_exit "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
                wait_exit "$pid" 5 || die "PostgreSQL (pid $pid) does not die"
            fi
        fi
        rm -f "$pidf"
    fi
    remove_socket_dir "$dir"
}

pg_psql() {   # pg_psql DIR DBNAME psql-args...
    local dir=$1 name=$2; shift 2
    load_env "$dir"
    PGPASSWORD=$TS_PG_PASSWORD PGCONNECT_TIMEOUT=10 psql -X -h "$TS_PG_HOST" -p "$TS_PG_PORT" \
        -U "$TS_PG_USER" -d "$name" -v ON_ERROR_STOP=1 -q "$@"
}

pg_sql() {
    local dir name
    dir=$(absdir "$1"); name=$2
    valid_name "$name"
    pg_psql "$dir" "$name" -A -t -F '|' -P null=NULL -P pager=off -f -
}

pg_createdb() {
    local dir name
    dir=$(absdir "$1"); name=$2
    valid_name "$name"
    PGOPTIONS="-c client_min_messages=warning" pg_psql "$dir" postgres -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$name\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
}

# ------------------------------------------------------------------------------------
# MariaDB
# ------------------------------------------------------------------------------------
my_admin_user() { id -un; }   # unix_socket account made by mariadb-install-db

my_admin() {   # my_admin SOCKET sql...  (as the unix_socket admin account)
    local sock=$1; shift
    timeout 30 mariadb --no-defaults --socket="$sock" -u "$(my_admin_user)" -N -B "$@" </dev/null
}

my_start() {
    local dir sock port pw try log pid i userarg=()
    dir=$(absdir "$1")
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] \
        || die "mariadbd not found (run: $PROG install)"
    local mariadbd
    mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
    prepare_dir "$dir" mysql
    if [ -f "$dir/mariadbd.pid" ] && kill -0 "$(cat "$dir/mariadbd.pid")" 2>/dev/null; then
        die "a MariaDB server already runs on $dir"
    fi
    is_root && userarg=(--user=mysql)
    sock=$(socket_dir "$dir" mysql)/mariadbd.sock
    if [ ! -d "$dir/data/mysql" ]; then
        rm -rf "$dir/data"
        if ! mariadb-install-db --no-defaults "${userarg[@]}" --datadir="$dir/data" \
                --auth-root-authentication-method=socket \
                --auth-root-socket-user="$(my_admin_user)" --skip-test-db \
                >"$dir/install.log" 2>&1; then
            cat "$dir/install.log" >&2
            die "mariadb-install-db failed in $dir"
        fi
        pw=$(random_password)
        port=""
    else
        load_env "$dir"
        pw=$TS_MY_PASSWORD
        port=$TS_MY_PORT
        port_free "$port" || port=""
    fi
    log=$dir/error.log
    my_flush=0
    [ "${TS_DB_DURABLE:-0}" = 1 ] && my_flush=1
    for try in 1 2 3; do
        [ -n "$port" ] || port=$(pick_port)
        rm -f "$dir/mariadbd.pid"
        : > "$log"; is_root && chown mysql "$log"
        setsid "$mariadbd" --no-defaults "${userarg[@]}" --datadir="$dir/data" \
            --socket="$sock" --port="$port" --bind-address=127.0.0.1 \
            --pid-file="$dir/mariadbd.pid" --log-error="$log" --skip-name-resolve \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            --innodb-flush-log-at-trx-commit=$my_flush --innodb-doublewrite=$my_flush --skip-log-bin \
            --innodb-buffer-pool-size=128M --max-connections=40 \
            </dev/null >>"$dir/mariadbd.out" 2>&1 &
        pid=$!
        for ((i = 0; i < START_TIMEOUT * 10; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            if [ -S "$sock" ] && my_admin "$sock" -e "SELECT 1" >/dev/null 2>&1; then
                break
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null && my_admin "$sock" -e "SELECT 1" >/dev/null 2>&1; then
            break
        fi
        if ! kill -0 "$pid" 2>/dev/null && grep -q 'Address already in use\|Bind on TCP' "$log" \
                && [ $try -lt 3 ]; then
            port=""
            continue
        fi
        tail -n 20 "$log" >&2 || true
        kill -KILL "$pid" 2>/dev/null || true
        die "MariaDB did not start in $dir within ${START_TIMEOUT}s (see $log)"
    done
    # The pid file is written by the server itself; keep the one we know if it is late.
    [ -s "$dir/mariadbd.pid" ] || echo "$pid" > "$dir/mariadbd.pid"
    my_admin "$sock" -e "
        CREATE OR REPLACE USER '$DBUSER'@'127.0.0.1' IDENTIFIED BY '$pw';
        GRANT ALL PRIVILEGES ON *.* TO '$DBUSER'@'127.0.0.1' WITH GRANT OPTION;
        CREATE OR REPLACE USER '$DBUSER'@'localhost' IDENTIFIED BY '$pw';
        GRANT ALL PRIVILEGES ON *.* TO '$DBUSER'@'localhost' WITH GRANT OPTION;" \
        || die "cannot create the $DBUSER account in MariaDB ($dir)"
    write_env "$dir/env.sh" \
        "# MariaDB test server in $dir (dbservers.sh)" \
        "export TS_MY_HOST=127.0.0.1" \
        "export TS_MY_PORT=$port" \
        "export TS_MY_SOCKET=$sock" \
        "export TS_MY_USER=$DBUSER" \
        "export TS_MY_PASSWORD=$pw"
    echo "SELECT 1;" | my_sql "$dir" mysql >/dev/null \
        || die "MariaDB started in $dir but refuses $DBUSER over TCP"
}

my_stop() {
    local dir pid
    [ -d "$1" ] || return 0
    dir=$(absdir "$1")
    if [ -f "$dir/mariadbd.pid" ]; then
        pid=$(cat "$dir/mariadbd.pid")
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true      # SIGTERM = normal shutdown
            if ! wait_exit "$pid" 30; then
                kill -KILL "$pid" 2>/dev/null || true
                wait_exit "$pid" 5 || die "MariaDB (pid $pid) does not die"
            fi
        fi
        rm -f "$dir/mariadbd.pid"
    fi
    remove_socket_dir "$dir"
}

my_client() {   # my_client DIR DBNAME args...
    local dir=$1 name=$2; shift 2
    load_env "$dir"
    MYSQL_PWD=$TS_MY_PASSWORD mariadb --no-defaults --protocol=TCP -h "$TS_MY_HOST" \
        -P "$TS_MY_PORT" -u "$TS_MY_USER" --default-character-set=utf8mb4 \
        --connect-timeout=10 "$@" "$name"
}

my_sql() {
    local dir name
    dir=$(absdir "$1"); name=$2
    valid_name "$name"
    my_client "$dir" "$name" -N -B | tr '\t' '|'
}

my_createdb() {
    local dir name
    dir=$(absdir "$1"); name=$2
    valid_name "$name"
    my_client "$dir" mysql -e "DROP DATABASE IF EXISTS \`$name\`;
        CREATE DATABASE \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" </dev/null
}

# ------------------------------------------------------------------------------------
usage() {
    sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
    install) cmd_install ;;
    start|stop|createdb|sql)
        [ $# -ge 2 ] || usage
        kind=$1; shift
        case $kind in
            pgsql|postgres|postgresql) fn=pg ;;
            mariadb|mysql) fn=my ;;
            *) die "unknown server kind '$kind' (pgsql or mariadb)" ;;
        esac
        case $cmd in
            start) "${fn}_start" "$1" ;;
            stop) "${fn}_stop" "$1" ;;
            createdb) [ $# -ge 2 ] || usage; "${fn}_createdb" "$1" "$2" ;;
            sql) [ $# -ge 2 ] || usage; "${fn}_sql" "$1" "$2" ;;
        esac ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
