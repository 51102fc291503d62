#!/bin/sh
# Prints the DDL and/or the default rows of our Moodle-shaped schema for one database.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: gen-ddl.sh DIALECT PREFIX [ddl|data|all]
#   DIALECT  pgsql | mariadb | sqlite
#   PREFIX   table prefix, e.g. mdl_ (lower case letters, digits, '_')
#   ddl      CREATE TABLE / CREATE INDEX statements (the default)
#   data     the rows of defaults.sql with the prefix applied (+ sequence fix-ups)
#   all      both, DDL first
# Environment: AWK (default awk), TS_SCHEMA and TS_DEFAULTS to use other files,
# TS_MOODLE_VERSION (e.g. 5.0; default 4.2) the Moodle version of the tables and rows.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $0 pgsql|mariadb|sqlite PREFIX [ddl|data|all]" >&2
    exit 2
}

[ $# -ge 2 ] && [ $# -le 3 ] || usage
dialect=$1
prefix=$2
what=${3:-ddl}

case $dialect in pgsql|mariadb|sqlite) ;; *) usage ;; esac
case $what in ddl|data|all) ;; *) usage ;; esac
# A prefix is required: PostgreSQL reserves the word "user", and the default rows
# are written with plain (unquoted) table names.
case $prefix in
    '' | *[!a-z0-9_]*) echo "$0: bad prefix '$prefix' (want e.g. mdl_)" >&2; exit 2 ;;
    [!a-z]*) echo "$0: the prefix must start with a letter" >&2; exit 2 ;;
esac

schema=${TS_SCHEMA:-$here/moodle.schema}
defaults=${TS_DEFAULTS:-$here/defaults.sql}
[ -r "$schema" ] || { echo "$0: cannot read $schema" >&2; exit 1; }
if [ "$what" = ddl ]; then
    set -- "$schema"
else
    [ -r "$defaults" ] || { echo "$0: cannot read $defaults" >&2; exit 1; }
    set -- "$schema" "$defaults"
fi

exec "${AWK:-awk}" -v dialect="$dialect" -v prefix="$prefix" -v what="$what" \
    -v version="${TS_MOODLE_VERSION:-}" \
    -f "$here/gen-ddl.awk" "$@"
