#!/usr/bin/env bash
# Throughput and memory bench of toolsync (`make bench`); not part of the tests.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   tests/bench/bench.sh [--only sqlite|pgsql|mariadb]... [--module NAME]...
#
# --module keeps the named parts only: `users` (the account runs below) and the entity
# modules' benches (courses, enrolments, cohorts, pictures); default all of them.
# For SQLite, PostgreSQL and MariaDB (throwaway servers from tests/lib/dbservers.sh), on
# a fresh site each: creates then updates TS_BENCH_USERS accounts (default 100000,
# external auth `ldap`, no password); then, on SQLite, a TS_BENCH_PW-user file with
# clear passwords (default 20000, bcrypt at the configured passwordhashcost) and a
# TS_BENCH_BIG-line file (default 1000000) for the peak memory.  Each run uses
# `toolsync --stats`; the table shows lines, seconds, rows/s and peak RSS.
# Every database runs twice: with throwaway settings (no fsync) and with the durable
# settings of a production server (every commit flushed: PostgreSQL fsync, InnoDB
# flush at commit, SQLite's WAL with synchronous=NORMAL as toolsync always opens it);
# TS_BENCH_DURABILITY=fast or durable runs one of them only.
# TS_BUILD: build tree (default the repository).  TS_BENCH_DIR: where to work (default
# a new directory in /tmp, removed at the end unless TS_BENCH_KEEP=1).

set -u
export LC_ALL=C.UTF-8
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${TS_BUILD:-$REPO}
TOOLSYNC=$BUILD/toolsync
MODULEDIR=$BUILD/modules/users/.libs
USERS=${TS_BENCH_USERS:-100000}
PWUSERS=${TS_BENCH_PW:-20000}
BIG=${TS_BENCH_BIG:-1000000}
DBS=$REPO/tests/lib/dbservers.sh
MKSITE=$REPO/tests/lib/mksite.sh
GEN=$REPO/tests/lib/genusers.sh

ONLY=() PARTS=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --only) ONLY+=("$2"); shift 2 ;;
    --module) PARTS+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ ${#ONLY[@]} -eq 0 ]] && ONLY=(sqlite pgsql mariadb)
want() { local b; for b in "${ONLY[@]}"; do [[ $b == "$1" ]] && return 0; done; return 1; }
# part NAME: is that part of the bench asked for?
part() { local p; [[ ${#PARTS[@]} -eq 0 ]] && return 0
    for p in "${PARTS[@]}"; do [[ $p == "$1" ]] && return 0; done; return 1; }

[[ -x $TOOLSYNC ]] || { echo "bench.sh: $TOOLSYNC not built (make first)" >&2; exit 1; }

T=${TS_BENCH_DIR:-$(mktemp -d /tmp/toolsync-bench.XXXXXX)}
mkdir -p "$T"; chmod 755 "$T"
PG_UP=0 MY_UP=0 MODE=fast
cleanup() {
    [[ $PG_UP -eq 1 ]] && "$DBS" stop pgsql "$T/pg-$MODE" >/dev/null 2>&1
    [[ $MY_UP -eq 1 ]] && "$DBS" stop mariadb "$T/my-$MODE" >/dev/null 2>&1
    PG_UP=0 MY_UP=0
    [[ ${TS_BENCH_KEEP:-0} -eq 1 ]] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench %4ds] %s\n' "$SECONDS" "$*" >&2; }

# --- the modules' benches ---------------------------------------------------------------------
# Each tests/bench/bench-<module>.sh, sourced here, appends its module to BENCH_MODULES and
# a function to BENCH_HOOKS; the function gets BACKEND and DBNAME of a fresh site and the
# helpers below (conf has been written, measure LABEL BACKEND FILE HANDLER, site_sql
# BACKEND DBNAME SQL, $T, $GEN).
BENCH_MODULES=(users)
BENCH_HOOKS=()
# shellcheck source=floor.sh
. "$(dirname "$0")/floor.sh"
for f in "$(dirname "$0")"/bench-*.sh; do
    [[ -f $f ]] || continue
    # shellcheck disable=SC1090
    . "$f"
done
# Every module stays loaded (a bench may need another module's handlers, as enrolments
# needs the users module); only the hooks not asked for are dropped.
KEEP=()
for f in "${BENCH_HOOKS[@]}"; do part "${f#bench_}" && KEEP+=("$f"); done
BENCH_HOOKS=("${KEEP[@]}")

# --- input files -------------------------------------------------------------------------
log "generating files in $T"
part users && bash "$GEN" -n "$USERS" -p bench -a ldap >"$T/create.csv"
part users && bash "$GEN" -n "$USERS" -p bench -a ldap -u >"$T/update.csv"
part users && bash "$GEN" -n "$PWUSERS" -p pw -w >"$T/passwords.csv"
want sqlite && part users && bash "$GEN" -n "$BIG" -p big -a ldap >"$T/big.csv"

# --- sites and configurations ---------------------------------------------------------------
# conf BACKEND DBNAME → $T/<backend>.conf
conf() {
    local b=$1 db=$2 f=$T/$1.conf type=${1%-socket}
    mkdir -p "$T/sync-$b"
    {
        echo "syncdir = \"$T/sync-$b\""
        echo "moduledir = \"$MODULEDIR\""
        echo "modules = {$(printf '"%s",' "${BENCH_MODULES[@]}" | sed 's/,$//')}"
        echo "database {"
        echo "    type = \"$type\""
        case $b in
        sqlite) echo "    name = \"$db\"" ;;
        pgsql) printf '    host = "%s"\n    port = %s\n    user = "%s"\n    password = "%s"\n    name = "%s"\n' \
                "$TS_PG_HOST" "$TS_PG_PORT" "$TS_PG_USER" "$TS_PG_PASSWORD" "$db" ;;
        mariadb) printf '    host = "%s"\n    port = %s\n    user = "%s"\n    password = "%s"\n    name = "%s"\n' \
                "$TS_MY_HOST" "$TS_MY_PORT" "$TS_MY_USER" "$TS_MY_PASSWORD" "$db" ;;
        mariadb-socket) printf '    socket = "%s"\n    user = "%s"\n    password = "%s"\n    name = "%s"\n' \
                "$TS_MY_SOCKET" "$TS_MY_USER" "$TS_MY_PASSWORD" "$db" ;;
        esac
        echo "}"
    } >"$f"
}

ROWS=()
# measure LABEL BACKEND FILE [HANDLER]: one toolsync run (handler users by default), one
# row of the table
measure() {
    local label=$1 b=$2 file=$3 handler=${4:-users} t0 t1 st stats lines secs rps rss
    log "$label on $b"
    t0=$(date +%s.%N)
    "$TOOLSYNC" -c "$T/$b.conf" --stats -q run "$handler" "$file" >"$T/out.log" 2>"$T/err.log"
    st=$?
    t1=$(date +%s.%N)
    stats=$(grep -E '^stats:' "$T/err.log" | tail -n1)
    lines=$(sed -nE 's/.*lines=([0-9]+).*/\1/p' <<<"$stats")
    secs=$(sed -nE 's/.*seconds=([0-9.]+).*/\1/p' <<<"$stats")
    rps=$(sed -nE 's/.*rows_per_s=([0-9.]+).*/\1/p' <<<"$stats")
    rss=$(sed -nE 's/.*peak_rss_kb=([0-9]+).*/\1/p' <<<"$stats")
    [[ -n $secs ]] || secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    [[ -n $lines ]] || lines=$(( $(wc -l <"$file") - 1 ))
    [[ -n $rps ]] || rps=$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", s > 0 ? l / s : 0 }')
    [[ -n $rss ]] || rss="?"
    [[ $st -ne 0 ]] && { log "exit $st:"; tail -n 5 "$T/err.log" >&2; }
    ROWS+=("$(printf '| %-30s | %-14s | %-7s | %9s | %8s | %9s | %9s | %4s |' "$label" "$b" "$MODE" "$lines" "$secs" "$rps" "$rss" "$st")")
    rm -f "$T/sync-$b"/reports/* "$T"/*_tryback_* 2>/dev/null
}

# site_sql BACKEND DBNAME SQL: one statement on a bench site (for the benches' fixtures).
site_sql() {
    case $1 in
    sqlite) sqlite3 "$2" "$3" ;;
    pgsql) PGPASSWORD=$TS_PG_PASSWORD psql -X -q -h "$TS_PG_HOST" -p "$TS_PG_PORT" -U "$TS_PG_USER" -d "$2" -c "$3" ;;
    mariadb*) MYSQL_PWD=$TS_MY_PASSWORD mariadb --no-defaults -h "$TS_MY_HOST" -P "$TS_MY_PORT" -u "$TS_MY_USER" "$2" -e "$3" ;;
    esac >/dev/null 2>&1
}

# The accounts use auth ldap: enabled, as on a site that runs it (otherwise every line
# carries a WARN that the plugin is disabled, and the bench measures warnings).
enable_ldap() { site_sql "$1" "$2" "UPDATE mdl_config SET value = 'email,ldap' WHERE name = 'auth'"; }

bench_backend() {
    local b=$1 db
    case $b in
    sqlite) db=$T/bench.sqlite; bash "$MKSITE" sqlite "$db" >"$T/mksite.log" 2>&1 ;;
    pgsql) db=ts_bench; bash "$MKSITE" pgsql "$db" >"$T/mksite.log" 2>&1 ;;
    mariadb) db=ts_bench; bash "$MKSITE" mariadb "$db" >"$T/mksite.log" 2>&1 ;;
    esac || { log "site creation failed on $b"; cat "$T/mksite.log" >&2; return 1; }
    conf "$b" "$db"
    enable_ldap "$b" "$db"
    if part users; then
    measure "create $USERS (ldap)" "$b" "$T/create.csv"
    measure "update $USERS (ldap)" "$b" "$T/update.csv"
    measure "re-run update (no-op)" "$b" "$T/update.csv"
    fi
    if [[ $b == mariadb ]] && part users; then
        # A local MariaDB is usually reached through its socket: measured too.
        bash "$MKSITE" mariadb "$db" >"$T/mksite.log" 2>&1
        conf mariadb-socket "$db"
        enable_ldap mariadb "$db"
        measure "create $USERS (ldap)" mariadb-socket "$T/create.csv"
        measure "update $USERS (ldap)" mariadb-socket "$T/update.csv"
    fi
    # The entity modules' benches (tests/bench/bench-<module>.sh), each on a fresh site.
    local f
    for f in "${BENCH_HOOKS[@]}"; do
        bash "$MKSITE" "$b" "$db" >"$T/mksite.log" 2>&1 || { log "site creation failed"; continue; }
        enable_ldap "$b" "$db"
        "$f" "$b" "$db"
    done
    if [[ $b == sqlite ]] && part users; then
        measure "create $PWUSERS with passwords" "$b" "$T/passwords.csv"
        bash "$MKSITE" sqlite "$db" >"$T/mksite.log" 2>&1
        enable_ldap sqlite "$db"
        measure "create $BIG lines (RSS)" "$b" "$T/big.csv"
    fi
}

bench_all() {
    if want sqlite; then bench_backend sqlite; fi
    if want pgsql; then
        if "$DBS" start pgsql "$T/pg-$MODE" >"$T/pg.log" 2>&1; then
            PG_UP=1; . "$T/pg-$MODE/env.sh"; bench_backend pgsql
            "$DBS" stop pgsql "$T/pg-$MODE" >/dev/null 2>&1; PG_UP=0
        else log "PostgreSQL did not start"; cat "$T/pg.log" >&2; fi
    fi
    if want mariadb; then
        if "$DBS" start mariadb "$T/my-$MODE" >"$T/my.log" 2>&1; then
            MY_UP=1; . "$T/my-$MODE/env.sh"; bench_backend mariadb
            "$DBS" stop mariadb "$T/my-$MODE" >/dev/null 2>&1; MY_UP=0
        else log "MariaDB did not start"; cat "$T/my.log" >&2; fi
    fi
}

DURABILITY=${TS_BENCH_DURABILITY:-both}
if [[ $DURABILITY == both || $DURABILITY == fast ]]; then
    MODE=fast TS_DB_DURABLE=0; export TS_DB_DURABLE; bench_all
fi
if [[ $DURABILITY == both || $DURABILITY == durable ]]; then
    MODE=durable TS_DB_DURABLE=1; export TS_DB_DURABLE; bench_all
fi

hashcost=$(sed -nE 's/^passwordhashcost *= *([0-9]+).*/\1/p' "$REPO/conf/toolsync.conf")
echo
echo "toolsync bench — $(nproc) cores, batchsize default, passwordhashcost ${hashcost:-default}"
printf '| %-30s | %-14s | %-7s | %9s | %8s | %9s | %9s | %4s |\n' run backend server lines seconds rows/s "RSS kB" exit
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..9})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..6})"
printf '%s\n' "${ROWS[@]}"
