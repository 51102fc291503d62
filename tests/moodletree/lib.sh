# The helpers of tests/moodletree/run.sh: TAP lines, the site, toolsync runs, PHP checks.
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh, which sets REPO, HERE, PHP, TREE and (before site_install) W.

N=0 FAILED=0 TODOS=0

# Checks known to fail because of toolsync's C code (core/ or modules/), which this test
# does not fix: a glob on the check's name, then why.  Such a failure prints
# "not ok N - … # TODO lead: <why>" and does not fail the run; the lead removes the line
# once the bug is fixed (a check that passes again prints a plain "ok").
declare -A KNOWN_TODO=()

tap_ok() { N=$((N + 1)); echo "ok $N - $1"; }
# tap_fail NAME [DIAGNOSTIC...]
tap_fail() {
    local name=$1 pat; shift
    N=$((N + 1))
    for pat in "${!KNOWN_TODO[@]}"; do
        # shellcheck disable=SC2053
        if [[ $name == $pat ]]; then
            TODOS=$((TODOS + 1))
            echo "not ok $N - $name # TODO lead: ${KNOWN_TODO[$pat]}"
            [[ $# -gt 0 ]] && printf '# %s\n' "$@"
            return 0
        fi
    done
    FAILED=$((FAILED + 1))
    echo "not ok $N - $name"
    [[ $# -gt 0 ]] && printf '# %s\n' "$@"
    return 0
}
# bail REASON: the run cannot go on (one failed check, exit 1)
bail() { tap_fail "moodletree: $1" "${@:2}"; echo "1..$N"; exit 1; }

# relay NAME: reads a PHP check's output, numbers its "ok - …" / "not ok - …" lines and
# turns anything else into a diagnostic.
relay() {
    local prefix=$1 line
    while IFS= read -r line; do
        case $line in
        'ok - '*) tap_ok "$prefix: ${line#ok - }" ;;
        'not ok - '*) tap_fail "$prefix: ${line#not ok - }" ;;
        '#'*) echo "$line" ;;
        '') ;;
        *) echo "# $line" ;;
        esac
    done
}

# php_check NAME SCRIPT [ARGS...]: runs tests/moodletree/php/SCRIPT inside the site.
php_check() {
    local name=$1 script=$2 out st
    shift 2
    out=$("$PHP" "$HERE/php/$script" "$W/code" "$@" 2>&1)
    st=$?
    relay "$name[$KIND]" <<<"$out"
    # 3: the script stopped after reporting its own failed check (t_id)
    if [[ $st -ne 0 && $st -ne 3 ]]; then
        tap_fail "$name[$KIND]: php $script exited with status $st" "$(tail -n 20 <<<"$out")"
    fi
}

# ts NAME EXPECTED-STATUS ARGS...: runs toolsync on the site (toolsync -c CONF ARGS).
ts() {
    local name=$1 want=$2 st report
    shift 2
    "$REPO/toolsync" -c "$W/toolsync.conf" "$@" >"$W/ts.out" 2>"$W/ts.err" </dev/null
    st=$?
    report=$(find "$W/sync/reports" -type f -name '*_report_*' ! -name '*.jsonl' -newer "$W/ts.stamp" \
        2>/dev/null | sort | tail -n 1)
    touch "$W/ts.stamp"
    if [[ $st -eq $want ]]; then
        tap_ok "$name[$KIND]: toolsync $* exits $want"
    else
        tap_fail "$name[$KIND]: toolsync $* exits $want" "exit status $st" \
            "$(tail -n 20 "$W/ts.err")" "$([[ -n $report ]] && tail -n 40 "$report")"
    fi
    LAST_REPORT=$report
}

# input NAME: copies tests/moodletree/data/NAME into the sync area
input() { cp "$HERE/data/$1" "$W/sync/${2:-$1}"; }

# ---- the site ------------------------------------------------------------------------

# write_config_php: the copy's config.php for the throwaway database of $KIND
write_config_php() {
    local setup=lib/setup.php db
    [[ ! -r $W/code/lib/setup.php && -r $W/code/public/lib/setup.php ]] && setup=public/lib/setup.php
    # PHP single-quoted strings: the generated passwords are [A-Za-z0-9] only.
    case $KIND in
    pgsql) db="\$CFG->dbtype = 'pgsql';
\$CFG->dbhost = '$TS_PG_HOST';
\$CFG->dbuser = '$TS_PG_USER';
\$CFG->dbpass = '$TS_PG_PASSWORD';
\$CFG->dboptions = ['dbport' => $TS_PG_PORT];" ;;
    mariadb) db="\$CFG->dbtype = 'mariadb';
\$CFG->dbhost = '$TS_MY_HOST';
\$CFG->dbuser = '$TS_MY_USER';
\$CFG->dbpass = '$TS_MY_PASSWORD';
\$CFG->dboptions = ['dbport' => $TS_MY_PORT, 'dbcollation' => 'utf8mb4_unicode_ci'];" ;;
    esac
    cat >"$W/code/config.php" <<EOF
<?php  // Throwaway site of tests/moodletree/run.sh ($KIND)
unset(\$CFG);
global \$CFG;
\$CFG = new stdClass();
$db
\$CFG->dblibrary = 'native';
\$CFG->dbname    = 'moodle';
\$CFG->prefix    = 'mdl_';
\$CFG->wwwroot   = 'http://localhost/tsmoodletree';
\$CFG->dataroot  = '$W/data';
\$CFG->admin     = 'admin';
\$CFG->directorypermissions = 02777;
\$CFG->noemailever = true;
\$CFG->debug = E_ALL;
\$CFG->debugdisplay = 1;
require_once(__DIR__ . '/$setup');
EOF
}

# dbsql DATABASE SQL: runs SQL on the server of $KIND
dbsql() { tests/lib/dbservers.sh sql "$KIND" "$W/db" "$1" <<<"$2"; }

# keep_site / restore_site: the installed database and dataroot, kept for a rerun with the
# same TS_MOODLETREE_WORK (PostgreSQL: a template database; MariaDB: a dump)
keep_site() {
    case $KIND in
    pgsql) dbsql postgres 'CREATE DATABASE moodle_installed TEMPLATE moodle' >/dev/null ;;
    mariadb) MYSQL_PWD=$TS_MY_PASSWORD mariadb-dump -h "$TS_MY_HOST" -P "$TS_MY_PORT" -u "$TS_MY_USER" \
                 --single-transaction moodle >"$W/moodle.sql" ;;
    esac && tar -cf "$W/data.tar" -C "$W" data && touch "$W/installed"
}
restore_site() {
    case $KIND in
    pgsql) dbsql postgres 'DROP DATABASE IF EXISTS moodle' >/dev/null &&
           dbsql postgres 'CREATE DATABASE moodle TEMPLATE moodle_installed' >/dev/null ;;
    mariadb) tests/lib/dbservers.sh createdb mariadb "$W/db" moodle >/dev/null &&
             tests/lib/dbservers.sh sql mariadb "$W/db" moodle <"$W/moodle.sql" >/dev/null ;;
    esac && rm -rf "$W/data" "$W/sync" && tar -xf "$W/data.tar" -C "$W"
}

# site_install: a site of $KIND installed from the tree in $W, or the kept one restored.
# Sets MOODLE_RELEASE ("4.2.1 (Build: 20230612)") and MOODLE_VERSION (2023042401).
site_install() {
    local t0=$SECONDS install vfile=$TREE/version.php
    [[ -r $vfile ]] || vfile=$TREE/public/version.php
    MOODLE_RELEASE=$(sed -n "s/^\$release *= *'\([^']*\)'.*/\1/p" "$vfile" | head -n 1)
    MOODLE_VERSION=$(sed -n 's/^\$version *= *\([0-9]*\).*/\1/p' "$vfile" | head -n 1)
    mkdir -p "$W"; chmod 755 "$W"   # the server runs as postgres / mysql when we are root
    tests/lib/dbservers.sh start "$KIND" "$W/db" >>"$W/servers.log" 2>&1 ||
        bail "cannot start the $KIND server" "$(tail -n 5 "$W/servers.log")"
    # shellcheck disable=SC1091
    . "$W/db/env.sh"
    if [[ -f $W/installed && -r $W/data.tar ]]; then
        write_config_php
        restore_site || bail "cannot restore the kept site of $W"
        tap_ok "site[$KIND]: the installed site of $W restored ($((SECONDS - t0)) s)"
        return 0
    fi
    rm -rf "$W/code" "$W/data" "$W/sync"
    # Hard links when the file system allows it (fast, no room taken); config.php is
    # written into the copy only (rm first: never through a link into the tree).
    cp -al "$TREE" "$W/code" 2>/dev/null || cp -a "$TREE" "$W/code" || bail "cannot copy $TREE"
    rm -f "$W/code/config.php"
    mkdir -p "$W/data"
    tests/lib/dbservers.sh createdb "$KIND" "$W/db" moodle >>"$W/servers.log" 2>&1 ||
        bail "cannot create the database" "$(tail -n 5 "$W/servers.log")"
    write_config_php
    install=$W/code/admin/cli/install_database.php
    [[ -r $install ]] || install=$W/code/public/admin/cli/install_database.php
    # Moodle 4.x/5.x refuse to install under 5000 max_input_vars (CLI default 1000).
    if ! "$PHP" -d max_input_vars=5000 "$install" --agree-license --fullname="toolsync moodletree" \
            --shortname=tsmoodletree --adminuser=admin --adminpass="Adm1n-$RANDOM-pass" \
            --adminemail=admin@example.invalid >"$W/install.log" 2>&1; then
        bail "install_database.php failed on $KIND" "$(tail -n 15 "$W/install.log")"
    fi
    tap_ok "site[$KIND]: Moodle $MOODLE_RELEASE installed ($((SECONDS - t0)) s)"
    keep_site
}

# write_conf: toolsync.conf for the site, with the bridge and the dataroot
write_conf() {
    local db
    case $KIND in
    pgsql) db="    type = \"pgsql\"
    host = \"$TS_PG_HOST\"
    port = $TS_PG_PORT
    user = \"$TS_PG_USER\"
    password = \"$TS_PG_PASSWORD\"" ;;
    mariadb) db="    type = \"mariadb\"
    socket = \"$TS_MY_SOCKET\"
    user = \"$TS_MY_USER\"
    password = \"$TS_MY_PASSWORD\"" ;;
    esac
    mkdir -p "$W/sync"
    touch "$W/ts.stamp"
    cat >"$W/toolsync.conf" <<EOF
# generated by tests/moodletree/run.sh
syncdir = "$W/sync"
moduledir = "$REPO/modules/users/.libs"
modules = {"users", "courses", "enrolments", "cohorts", "pictures"}
moodle {
    dirroot = "$W/code"
    php = "$(command -v "$PHP")"
    bridgescript = "$REPO/contrib/moodle/toolsync_bridge.php"
    dataroot = "$W/data"
}
database {
$db
    name = "moodle"
    prefix = "mdl_"
}
users {
    primaryidentity = "username"
}
cohorts {
    useridentifier = "username"
    courseidentifier = "shortname"
}
pictures {
    userfield = "username"
}
EOF
    chmod 600 "$W/toolsync.conf"
}
