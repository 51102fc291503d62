#!/usr/bin/env bash
# The PHP side of the Moodle bridge: contrib/moodle/toolsync_bridge.php.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Always (when php is installed): `php -l` on the script.
# With TS_MOODLE_TREE naming a Moodle code tree (4.1 to 5.x, e.g. a checkout of
# moodle/moodle at a release tag): installs a throwaway site from it (the tree is copied
# with hard links into a new directory under /tmp, a config.php written there, a
# PostgreSQL server started by tests/lib/dbservers.sh, admin/cli/install_database.php
# run), then drives the real script through the C bridge (tests/unit/test_bridge --real)
# and checks that a purge really empties a MUC cache.  Needs php-cli with the pgsql, xml,
# mbstring, curl, zip, gd, intl and soap extensions; takes a few minutes.  TS_KEEP=1
# keeps the site.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
SCRIPT=$PWD/contrib/moodle/toolsync_bridge.php

if command -v php >/dev/null 2>&1; then
    if out=$(php -l "$SCRIPT" 2>&1); then echo "ok - php -l toolsync_bridge.php"
    else echo "not ok - php -l toolsync_bridge.php"; printf '# %s\n' "$out"; fi
else
    echo "# skip php -l toolsync_bridge.php: php not installed (apt-get install php-cli)"
fi

if [[ -z ${TS_MOODLE_TREE:-} ]]; then
    echo "# skip bridge against a real Moodle: TS_MOODLE_TREE not set"
    exit 0
fi

fail() { echo "not ok - real Moodle: $1"; shift; printf '# %s\n' "$@"; exit 1; }
[[ -r $TS_MOODLE_TREE/version.php || -r $TS_MOODLE_TREE/public/version.php ]] ||
    fail "TS_MOODLE_TREE=$TS_MOODLE_TREE holds no Moodle (no version.php)"
command -v php >/dev/null 2>&1 || fail "php is not installed"
[[ -x tests/unit/test_bridge ]] || fail "tests/unit/test_bridge is not built (make check TESTS=)"

W=$(mktemp -d /tmp/ts-bridge-moodle.XXXXXX) || exit 1
chmod 755 "$W"
cleanup() {
    tests/lib/dbservers.sh stop pgsql "$W/pg" >/dev/null 2>&1
    if [[ ${TS_KEEP:-0} == 1 ]]; then echo "# site kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# The code, with hard links when the file system allows it (fast, no room taken); a
# config.php is written into the copy only.
cp -al "$TS_MOODLE_TREE" "$W/code" 2>/dev/null || cp -a "$TS_MOODLE_TREE" "$W/code" ||
    fail "cannot copy $TS_MOODLE_TREE"
rm -f "$W/code/config.php"
mkdir -p "$W/data"

tests/lib/dbservers.sh start pgsql "$W/pg" >"$W/servers.log" 2>&1 ||
    fail "cannot start PostgreSQL" "$(tail -n 5 "$W/servers.log")"
# shellcheck disable=SC1091
. "$W/pg/env.sh"
tests/lib/dbservers.sh createdb pgsql "$W/pg" moodle >>"$W/servers.log" 2>&1 ||
    fail "cannot create the database" "$(tail -n 5 "$W/servers.log")"

# PHP single-quoted strings: the generated password is [A-Za-z0-9] only.
cat >"$W/code/config.php" <<EOF
<?php  // Throwaway site of tests/unit/test_bridge_php.sh
unset(\$CFG);
global \$CFG;
\$CFG = new stdClass();
\$CFG->dbtype    = 'pgsql';
\$CFG->dblibrary = 'native';
\$CFG->dbhost    = '$TS_PG_HOST';
\$CFG->dbname    = 'moodle';
\$CFG->dbuser    = '$TS_PG_USER';
\$CFG->dbpass    = '$TS_PG_PASSWORD';
\$CFG->prefix    = 'mdl_';
\$CFG->dboptions = ['dbport' => $TS_PG_PORT];
\$CFG->wwwroot   = 'http://localhost/tsbridge';
\$CFG->dataroot  = '$W/data';
\$CFG->admin     = 'admin';
\$CFG->directorypermissions = 02777;
require_once(__DIR__ . '/lib/setup.php');
EOF
if [[ ! -r $W/code/lib/setup.php && -r $W/code/public/lib/setup.php ]]; then   # 5.1+ layout
    sed -i "s|__DIR__ . '/lib/setup.php'|__DIR__ . '/public/lib/setup.php'|" "$W/code/config.php"
fi
INSTALL=$W/code/admin/cli/install_database.php
[[ -r $INSTALL ]] || INSTALL=$W/code/public/admin/cli/install_database.php

t0=$SECONDS
# Moodle 4.x refuses to install under 5000 max_input_vars (a web setting; CLI default 1000).
if php -d max_input_vars=5000 "$INSTALL" --agree-license --fullname="toolsync bridge test" --shortname=tsbridge \
        --adminuser=admin --adminpass="Adm1n-$RANDOM-pass" --adminemail=admin@example.invalid \
        >"$W/install.log" 2>&1; then
    echo "ok - real Moodle: site installed ($((SECONDS - t0)) s)"
else
    fail "install_database.php failed" "$(tail -n 15 "$W/install.log")"
fi

# A value in the core/groupdata application cache, seen again by a new process, must be
# gone once the bridge has purged that definition.
cat >"$W/seed.php" <<'EOF'
<?php
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
$cache = cache::make('core', 'groupdata');
if ($argv[2] === 'set') {
    $cache->set(424242, 'seeded');
}
echo $cache->get(424242) === 'seeded' ? "present\n" : "absent\n";
EOF
seed() {
    local got
    got=$(php "$W/seed.php" "$W/code" "$1" 2>&1)
    if [[ $got == "$2" ]]; then echo "ok - real Moodle: $3"; else echo "not ok - real Moodle: $3"; echo "# got: $got"; fi
}
st=0
seed set present "a groupdata entry is cached"
seed get present "the entry is seen by the next process"
tests/unit/test_bridge --real-purge "$(command -v php)" "$SCRIPT" "$W/code" || st=1
seed get absent "the bridge's definition purge emptied core/groupdata"
seed set present "a groupdata entry is cached again"
tests/unit/test_bridge --real "$(command -v php)" "$SCRIPT" "$W/code" || st=1
seed get absent "purge all emptied core/groupdata"

# What Moodle prints (here: a config.php that echoes and warns) must not reach stdout.
cp "$W/code/config.php" "$W/config.php.orig"
sed -i 's|^unset(\$CFG);|echo "stray output\\n"; trigger_error("stray warning", E_USER_WARNING);\nunset($CFG);|' \
    "$W/code/config.php"
out=$(echo '{"id":1,"op":"ping","args":{}}' | php "$SCRIPT" --dirroot="$W/code" 2>"$W/stray.err")
cp "$W/config.php.orig" "$W/code/config.php"
if [[ $out == '{"id":1,"status":"ok",'* && $(wc -l <<<"$out") -eq 1 ]] && grep -q "stray output" "$W/stray.err" &&
   grep -q "stray warning" "$W/stray.err"; then
    echo "ok - real Moodle: stray output and warnings go to stderr, stdout carries answers only"
else
    echo "not ok - real Moodle: stray output and warnings go to stderr, stdout carries answers only"
    printf '# stdout: %s\n' "$out"; sed 's/^/# stderr: /' "$W/stray.err"; st=1
fi
exit $st
