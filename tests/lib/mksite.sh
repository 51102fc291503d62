#!/bin/sh
# Creates a fresh Moodle-shaped site database for tests and the quick start.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   mksite.sh sqlite  FILE   [PREFIX]   our schema + default rows in a new SQLite file
#   mksite.sh pgsql   DBNAME [PREFIX]   same in PostgreSQL (database dropped and created)
#   mksite.sh mariadb DBNAME [PREFIX]   same in MariaDB (database dropped and created)
#   mksite.sh pgsql-dump   DBNAME       the real fresh Moodle 4.2 dump instead (prefix mdl_)
#   mksite.sh mariadb-dump DBNAME       idem for MariaDB
#
# TS_MOODLE_VERSION (4.1 ... 5.3; unset: 4.2, today's site) chooses the Moodle version of
# the site: our schema's tables and config rows of that version, or the dump of that
# version (4.2 and 5.0 exist; another exits 77).  PREFIX defaults to mdl_.  Schema and rows come from tests/schema (see its README.md);
# the dumps from ${TS_SHARED:-<repo>/../shared}/moodle/ (exit 77 = skip when absent).
# PostgreSQL: TS_PG_HOST TS_PG_PORT TS_PG_USER TS_PG_PASSWORD.
# MariaDB:    TS_MY_HOST TS_MY_PORT TS_MY_USER TS_MY_PASSWORD, or TS_MY_SOCKET without
#             TS_MY_HOST.  The account must be allowed to drop and create databases.
set -eu

PROG=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schema=$root/tests/schema

die() { echo "$PROG: $*" >&2; exit 1; }
usage() { sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] && [ $# -le 3 ] || usage
kind=$1
target=$2
prefix=${3:-mdl_}

case $kind in
    *-dump) [ "$prefix" = mdl_ ] || die "the Moodle dumps use the prefix mdl_ only" ;;
esac
case $kind in
    pgsql|mariadb|pgsql-dump|mariadb-dump)
        case $target in
            '' | *[!A-Za-z0-9_]*) die "invalid database name '$target' (letters, digits, _)" ;;
        esac ;;
    sqlite) [ -n "$target" ] || usage ;;
    *) usage ;;
esac

tmp=$(mktemp "${TMPDIR:-/tmp}/mksite.XXXXXX")
trap 'rm -f "$tmp"' EXIT
trap 'exit 130' INT TERM

# The SQL is written to a file first: a failing generator must not leave a half site.
gen() { "$schema/gen-ddl.sh" "$1" "$prefix" all > "$tmp"; }

dump_file() {   # dump_file pgsql|mariadb -> path of the gzipped dump, or exit 77
    shared=${TS_SHARED:-$root/../shared}
    v=$(echo "${TS_MOODLE_VERSION:-4.2}" | tr -d .)
    f=$shared/moodle/moodle$v-fresh-$1.sql.gz
    if [ ! -r "$f" ]; then
        echo "$PROG: $f not found: skipped" >&2
        exit 77
    fi
    echo "$f"
}

# --- PostgreSQL -------------------------------------------------------------------
pg() {   # pg DBNAME psql-args...
    db=$1; shift
    : "${TS_PG_HOST:?set TS_PG_HOST}" "${TS_PG_PORT:=5432}" "${TS_PG_USER:?set TS_PG_USER}"
    PGPASSWORD=${TS_PG_PASSWORD:-} PGCONNECT_TIMEOUT=10 \
    PGOPTIONS="-c client_min_messages=warning" \
        psql -X -h "$TS_PG_HOST" -p "$TS_PG_PORT" -U "$TS_PG_USER" -d "$db" \
        -v ON_ERROR_STOP=1 -q "$@"
}

pg_fresh_db() {
    pg postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
        -c "CREATE DATABASE \"$1\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
}

pg_load() {   # pg_load DBNAME  (SQL in $tmp; its query results are not wanted)
    pg "$1" --single-transaction -f "$tmp" >/dev/null
}

# --- MariaDB ----------------------------------------------------------------------
my() {   # my DBNAME mariadb-args...
    db=$1; shift
    : "${TS_MY_USER:?set TS_MY_USER}"
    if [ -n "${TS_MY_HOST:-}" ]; then
        set -- --protocol=TCP -h "$TS_MY_HOST" -P "${TS_MY_PORT:-3306}" "$@"
    elif [ -n "${TS_MY_SOCKET:-}" ]; then
        set -- --protocol=SOCKET --socket="$TS_MY_SOCKET" "$@"
    else
        die "set TS_MY_HOST (and TS_MY_PORT) or TS_MY_SOCKET"
    fi
    MYSQL_PWD=${TS_MY_PASSWORD:-} mariadb --no-defaults -u "$TS_MY_USER" \
        --default-character-set=utf8mb4 --connect-timeout=10 "$@" "$db"
}

my_fresh_db() {
    my mysql -e "DROP DATABASE IF EXISTS \`$1\`;
        CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;" </dev/null
}

# ----------------------------------------------------------------------------------
case $kind in
    sqlite)
        command -v sqlite3 >/dev/null 2>&1 || die "the sqlite3 command-line tool is missing"
        gen sqlite
        rm -f "$target" "$target-journal" "$target-wal" "$target-shm"
        { echo "BEGIN;"; cat "$tmp"; echo "COMMIT;"; } | sqlite3 -bail "$target" \
            || { rm -f "$target"; die "loading the schema into $target failed"; }
        ;;
    pgsql)
        gen pgsql
        pg_fresh_db "$target"
        pg_load "$target" || die "loading the schema into PostgreSQL database $target failed"
        ;;
    mariadb)
        gen mariadb
        my_fresh_db "$target"
        my "$target" < "$tmp" || die "loading the schema into MariaDB database $target failed"
        ;;
    pgsql-dump)
        f=$(dump_file postgres) || exit $?
        # \restrict / \unrestrict (psql >= 15.14) are dropped so that older clients
        # read the dump too; it is our own reference file.
        gunzip -c "$f" | sed -e '/^\\restrict /d' -e '/^\\unrestrict /d' > "$tmp"
        pg_fresh_db "$target"
        pg_load "$target" || die "loading $f into PostgreSQL database $target failed"
        ;;
    mariadb-dump)
        f=$(dump_file mariadb) || exit $?
        # The first line switches newer mariadb clients to sandbox mode; older ones
        # do not know the command.
        gunzip -c "$f" | sed -e '1{/enable the sandbox mode/d;}' > "$tmp"
        my_fresh_db "$target"
        my "$target" < "$tmp" || die "loading $f into MariaDB database $target failed"
        ;;
esac
