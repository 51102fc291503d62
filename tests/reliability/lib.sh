# Shared helpers of the reliability suite (sourced): a fresh site, a configuration,
# toolsync runs and TAP output.  Each script tries to break one promise of the README.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Environment: TS_BUILD (build tree, default the repository), TS_PG_* (a PostgreSQL
# server from tests/lib/dbservers.sh; without it the PostgreSQL cases are skipped).
set -u
export LC_ALL=C.UTF-8
umask 022          # "created 0600" must be toolsync's doing

REL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$REL_HERE/../.." && pwd)
BUILD=${TS_BUILD:-$REPO}
TS=$BUILD/toolsync
MODULEDIR=$BUILD/modules/users/.libs
SUITE=${SUITE:-$(basename "$0" .sh)}
W=$(mktemp -d "${TMPDIR:-/tmp}/ts-rel.XXXXXX")
chmod 755 "$W"
trap 'rel_cleanup' EXIT
CLEANUPS=()
rel_cleanup() {
    local c
    for c in "${CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1; done
    [[ ${KEEP:-0} -eq 1 ]] || rm -rf "$W"
}

FAILS=0
ok() { echo "ok - $SUITE: $1"; }
nok() { echo "not ok - $SUITE: $1"; shift; local l; for l in "$@"; do printf '# %s\n' "$l"; done; FAILS=$((FAILS + 1)); }
# check NAME COMMAND...: passes when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name" "failed: $*"; fi; }
diag() { local l; for l in "$@"; do printf "# %s\n" "$l"; done; }
skip() { echo "# skip $SUITE: $1"; }

# site KIND DIR: a fresh site (sqlite or pgsql) and DIR/conf naming DIR/sync.
# Sets CONF, SYNC, SITE_KIND, DBNAME.  Returns 77 when the backend is not here.
site() {
    SITE_KIND=$1
    local dir=$2
    mkdir -p "$dir/sync"
    SYNC=$dir/sync CONF=$dir/conf
    case $1 in
    sqlite)
        DBNAME=$dir/site.sqlite
        bash "$REPO/tests/lib/mksite.sh" sqlite "$DBNAME" >"$dir/mksite.log" 2>&1 || return 1
        printf 'database {\n    type = "sqlite"\n    name = "%s"\n}\n' "$DBNAME" >"$dir/db.conf" ;;
    pgsql)
        [[ -n ${TS_PG_HOST:-} ]] || return 77
        DBNAME=rel_$(basename "$dir" | tr -c 'a-zA-Z0-9\n' _)
        bash "$REPO/tests/lib/mksite.sh" pgsql "$DBNAME" >"$dir/mksite.log" 2>&1 || return 1
        printf 'database {\n    type = "pgsql"\n    host = "%s"\n    port = %s\n    name = "%s"\n    user = "%s"\n    password = "%s"\n}\n' \
            "$TS_PG_HOST" "${TS_PG_PORT:-5432}" "$DBNAME" "$TS_PG_USER" "${TS_PG_PASSWORD:-}" >"$dir/db.conf" ;;
    esac
    {
        echo "syncdir = \"$SYNC\""
        echo "moduledir = \"$MODULEDIR\""
        echo 'modules = {"users"}'
        echo 'users {'
        echo '    primaryidentity = "username"'
        echo '}'
        cat "$dir/db.conf"
    } >"$CONF"
    chmod 600 "$CONF"
}

# sql QUERY: runs it on the current site ({name} = mdl_name); rows on stdout, '|' between
sql() {
    local q=${1//\{/mdl_}; q=${q//\}/}
    case $SITE_KIND in
    sqlite) sqlite3 "$DBNAME" "$q" ;;
    pgsql) PGPASSWORD=${TS_PG_PASSWORD:-} psql -X -qAt -h "$TS_PG_HOST" -p "${TS_PG_PORT:-5432}" \
               -U "$TS_PG_USER" -d "$DBNAME" -c "$q" ;;
    esac
}

# tsrun ARGS...: toolsync -c CONF --no-progress ARGS; RC, OUT, ERR set
tsrun() {
    "$TS" -c "$CONF" --no-progress "$@" >"$W/out" 2>"$W/err"
    RC=$?
    OUT=$(cat "$W/out") ERR=$(cat "$W/err")
}

# users N PREFIX: a users file header + N lines
users() {
    echo "username;firstname;lastname;email"
    local i
    for ((i = 1; i <= $1; i++)); do echo "$2$i;F$i;L$i;$2$i@example.org"; done
}

done_tap() { exit $((FAILS > 0)); }
