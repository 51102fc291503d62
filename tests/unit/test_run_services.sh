#!/usr/bin/env bash
# The services a run gives modules, end to end with the echo test module on SQLite:
# the Moodle bridge (operations run after the batch committed, failures on their line
# and in the tryback, a bridge missing or simulated, the run's cache purges) with a
# stand-in playing php, and zip inputs entry by entry (unsafe entries refused, the
# tryback a zip of the failed entries).
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: tests/unit/test_run_services.sh [BUILDDIR]   (TAP lines "ok - ..." / "not ok - ...")
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src}
ts="$build/toolsync"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - services: $1"; }
nok() { echo "not ok - services: $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { if eval "$2"; then ok "$1"; else nok "$1" "$2"; fi; }

site="$work/site.sqlite"
bash "$src/tests/lib/mksite.sh" sqlite "$site" >/dev/null 2>&1 || { nok "mksite sqlite"; exit 1; }
q() { sqlite3 "$site" "$1"; }
mkdir -p "$work/sync" "$work/moodle"
touch "$work/moodle/config.php"

# A stand-in for php: logs each request, answers check_row by looking for the row in the
# site (so it sees only what is committed), fails a value "bridgefail", answers the rest.
cat > "$work/php" <<STANDIN
#!/bin/sh
while IFS= read -r line; do
    printf '%s\n' "\$line" >> "$work/bridge.log"
    id=\${line#'{"id":'}; id=\${id%%,*}
    case \$line in
    *'"check_row"'*'"value":"bridgefail"'*)
        printf '{"id":%s,"status":"error","key":"checkfailed","message":"refused by Moodle"}\n' "\$id" ;;
    *'"check_row"'*)
        key=\$(printf '%s' "\$line" | sed 's/.*"key":"\([^"]*\)".*/\1/')
        n=\$(sqlite3 "$site" "select count(*) from mdl_config_plugins where name = '\$key'")
        if [ "\$n" = 1 ]; then st=ok; else st=error; fi
        printf '{"id":%s,"status":"%s","key":"seen%s","message":"row %s seen %s time(s)"}\n' "\$id" "\$st" "\$n" "\$key" "\$n" ;;
    *)  printf '{"id":%s,"status":"ok","key":"bridgedone","message":"done","result":{}}\n' "\$id" ;;
    esac
done
STANDIN
chmod +x "$work/php"

cat > "$work/conf" <<CONF
syncdir = "$work/sync"
modules = {"echo"}
moduledir = "$build/tests/unit/modules/.libs"
batchsize = 2
database {
    type = "sqlite"
    name = "$site"
}
moodle {
    dirroot = "$work/moodle"
    php = "$work/php"
    bridgescript = "$src/contrib/moodle/toolsync_bridge.php"
    bridgetimeout = 20
}
CONF
run() { "$ts" -c "$work/conf" -q --no-progress "$@" >"$work/out" 2>"$work/err"; echo $?; }
report() { cat "$work"/sync/reports/*_report_"$1" 2>/dev/null; }
fresh() { rm -rf "$work"/sync/* "$work/bridge.log"; mkdir -p "$work/sync"; }

# --- the bridge ---------------------------------------------------------------------------
printf 'key;value\nb1;bridge\nb2;bridgefail\nb3;plain\nb4;bridge\n' > "$work/sync/echo.csv"
rc=$(run run echo)
check "an operation runs after its batch committed (the stand-in sees the row)" \
    "report echo.csv | grep -q '^\[2\] OK added' && report echo.csv | grep -q '^\[5\] OK added' && ! grep -q 'seen0' '$work/bridge.log' 2>/dev/null && [ \$(grep -c check_row '$work/bridge.log') = 3 ]"
check "each queued operation is sent once (three ops over two batches)" \
    "[ \$(grep -c '\"op\":\"check_row\"' '$work/bridge.log') = 3 ]"
check "a failed operation is an ERROR of its line, with the bridge's key, and exit 1" \
    "[ $rc = 1 ] && report echo.csv | grep -q '^\[3\] ERROR checkfailed: refused by Moodle'"
check "the failed line goes to the tryback" \
    "grep -qx 'b2;bridgefail' '$work'/sync/echo_tryback_*.csv"

fresh
printf 'key;value\np1;purge\np2;x\n' > "$work/sync/echo.csv"
rc=$(run run echo)
check "the run's cache purges go in one call at its end (definitions)" \
    "[ $rc = 0 ] && grep -q '\"op\":\"purge_caches\".*core/groupdata' '$work/bridge.log' && report echo.csv | grep -q 'OK cachepurged'"

fresh
printf 'key;value\nd1;bridge\nd2;purge\n' > "$work/sync/echo.csv"
rc=$(run --dry-run run echo)
check "a dry run runs nothing through the bridge and says what it would do" \
    "[ $rc = 0 ] && [ ! -s '$work/bridge.log' ] && report echo.csv | grep -q 'bridgesimulated'"

fresh
printf 'key;value\nn1;bridge\nn2;plain\nn3;purge\n' > "$work/sync/echo.csv"
rc=$(run --set moodle.dirroot= run echo)
check "without a bridge: the line that needs it fails with a clear reason, the others run" \
    "[ $rc = 1 ] && report echo.csv | grep -q '^\[2\] ERROR bridgenotconfigured' && report echo.csv | grep -q '^\[3\] OK added'"
check "without a bridge: the report lists the caches to purge" \
    "report echo.csv | grep -q 'WARN cachepurgeneeded.*core/groupdata'"

fresh
printf 'key;value\nh1;bridge\n' > "$work/sync/echo.csv"
printf '#!/bin/sh\nexec sleep 30\n' > "$work/php-hang"; chmod +x "$work/php-hang"
rc=$(run --set moodle.php="$work/php-hang" --set moodle.bridgetimeout=1 run echo)
check "a bridge that hangs: the line fails (timeout), the run ends" \
    "[ $rc = 1 ] && report echo.csv | grep -q '^\[2\] ERROR bridgetimeout'"

# --- a failed line reports why, not what it had done before the rollback -------------------
fresh
printf 'key;value\nf1;ok-then-fail\nf2;plain\n' > "$work/sync/echo.csv"
rc=$(run --set moodle.dirroot= run echo)
check "a failed line's earlier OK outcomes are dropped (no id of a rolled-back row)" \
    "[ $rc = 1 ] && report echo.csv | grep -q '^\[2\] ERROR refused' && ! report echo.csv | grep -q '4242' \
     && [ -z \"\$(q \"select name from mdl_config_plugins where name = 'f1'\")\" ]"

# --- zip inputs -----------------------------------------------------------------------------
make -C "$build" -s tests/unit/mkzip >/dev/null 2>&1
mkzip="$build/tests/unit/mkzip"
if [ -x "$mkzip" ]; then
    fresh
    "$mkzip" "$work/sync/echo_1.zip" a.txt=hello b.txt=fail ../evil.txt=x dir/c.txt=world \
        big.bin=@200000000
    rc=$(run --set archivemaxratio=50 run echozip)
    check "each entry is a row with its own outcome, numbered as in the archive" \
        "report echo_1.zip | grep -q '^\[1\] OK stored: a.txt: 5 bytes' && report echo_1.zip | grep -q '^\[4\] OK stored: dir/c.txt'"
    check "entries are applied: a.txt and dir/c.txt stored" \
        "[ \"\$(q \"select group_concat(name || '=' || value) from (select name, value from mdl_config_plugins where plugin = 'toolsync_zip' order by name)\")\" = 'a.txt=hello,dir/c.txt=world' ]"
    check "an entry that climbs out is refused before the module sees it" \
        "report echo_1.zip | grep -q '^\[3\] ERROR unsafepath'"
    check "a zip bomb is refused" "report echo_1.zip | grep -q '^\[5\] ERROR \(zipbomb\|toolarge\)'"
    tb=$(ls "$work"/sync/echo_1_tryback_*.zip 2>/dev/null | head -1)
    check "the tryback is a zip holding the failed entries only, private" \
        "[ -n '$tb' ] && [ \"\$(stat -c %a '$tb')\" = 600 ] && [ \"\$('$mkzip' -l '$tb' | sort | tr '\n' ' ')\" = '../evil.txt b.txt big.bin ' ]"
    check "a partly failed archive exits 1" "[ $rc = 1 ]"
    printf 'not a zip' > "$work/notzip.zip"
    rc=$(run run echozip "$work/notzip.zip")
    check "a file that is not a zip is rejected whole (exit 2)" \
        "[ $rc = 2 ] && report notzip.zip | grep -q 'ERROR notzip'"
else
    nok "mkzip helper builds" "make tests/unit/mkzip failed"
fi
