#!/usr/bin/env bash
# The SDK as a module author meets it: every header compiles alone, the installed SDK
# builds the example module out of tree through pkg-config, and that module resolves
# users and courses and enrols through the services; a module built for an older ABI
# minor loads and runs; a headerless file goes end to end; a module's structures are
# read no further than it built them.
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: tests/unit/test_sdk.sh [BUILDDIR]   (prints TAP lines "ok - ..." / "not ok - ...")
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src}
ts="$build/toolsync"
mods="$build/tests/unit/modules/.libs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - sdk: $1"; }
nok() { echo "not ok - sdk: $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { if eval "$2"; then ok "$1"; else nok "$1" "$2"; fi; }

# --- each header reads alone -------------------------------------------------------------
for h in "$src"/sdk/toolsync/*.h; do
    name=${h##*/}
    printf '#include <toolsync/%s>\nint main(void) { return 0; }\n' "$name" > "$work/alone.c"
    if cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$src/sdk" "$work/alone.c" \
          2>"$work/err"; then
        ok "$name compiles alone (C11, -pedantic)"
    else
        nok "$name compiles alone" "$(head -3 "$work/err")"
    fi
done

# --- a site, a course with a manual instance ------------------------------------------------
site="$work/site.sqlite"
bash "$src/tests/lib/mksite.sh" sqlite "$site" >/dev/null 2>&1 || { nok "mksite sqlite"; exit 1; }
q() { sqlite3 "$site" "$1"; }
q "INSERT INTO mdl_course (category, sortorder, fullname, shortname, idnumber, summary, format,
     lang, calendartype, theme, timecreated, timemodified)
   VALUES (1, 10001, 'Course A', 'CA', 'CA', '', 'topics', '', '', '', 1700000000, 1700000000);
   INSERT INTO mdl_context (contextlevel, instanceid, path, depth, locked)
     SELECT 50, id, NULL, 3, 0 FROM mdl_course WHERE shortname = 'CA';
   UPDATE mdl_context SET path = (SELECT path FROM mdl_context WHERE contextlevel = 40
     AND instanceid = 1) || '/' || id WHERE contextlevel = 50 AND path IS NULL;
   INSERT INTO mdl_enrol (enrol, status, courseid, sortorder, roleid, timecreated, timemodified)
     SELECT 'manual', 0, id, 0, 5, 1700000000, 1700000000 FROM mdl_course WHERE shortname = 'CA';"
mkdir -p "$work/sync"
cat > "$work/conf" <<CONF
syncdir = "$work/sync"
modules = {"echo", "echo20"}
moduledir = "$mods"
database {
    type = "sqlite"
    name = "$site"
}
CONF
run() { "$ts" -c "$work/conf" -q --no-progress "$@" >"$work/out" 2>"$work/err"; echo $?; }
report() { cat "$work"/sync/reports/*_report_"$1" 2>/dev/null; }

# --- an ABI 2.0 module on this core ---------------------------------------------------------
rc=$(run -v modules)
check "a module built for ABI 2.0 loads beside a 2.2 one" \
    "[ $rc = 0 ] && grep -q 'handler echo20' '$work/out' && grep -q 'handler echo ' '$work/out'"
check "the 2.1 handler's appended field is read (its description is shown)" \
    "grep -q 'ABI 2.1 handler' '$work/out'"
check "nothing is read past the 2.0 handler (no description for echo20)" \
    "[ \$(grep -c 'ABI 2.1 handler' '$work/out') = 1 ]"
printf 'key;value\nold1;v1\nold2;fail\n' > "$work/sync/echo20.csv"
rc=$(run run echo20)
check "the ABI 2.0 module runs a file (one line applied, one in the tryback)" \
    "[ $rc = 1 ] && [ \"\$(q \"select value from mdl_config_plugins where name = 'old1'\")\" = v1 ] \
     && grep -q '^old2;fail' $work/sync/echo20_tryback_*.csv"

# --- a module's own command (ABI 2.2) ---------------------------------------------------------
cmd() { "$ts" -c "$work/conf" --no-progress "$@" >"$work/out" 2>"$work/err"; echo $?; }
rc=$(cmd modules)
check "modules lists the 2.2 module's command, and none for the 2.0 one" \
    "[ $rc = 0 ] && [ \$(grep -c '^  command ' '$work/out') = 1 ] && grep -q '^  command echo-set .*test command (arguments: KEY VALUE...)' '$work/out'"
rc=$(cmd --help)
check "--help lists the modules' commands" \
    "[ $rc = 0 ] && grep -q '^  echo-set KEY VALUE\.\.\. .*test command (module echo)' '$work/out'"
rc=$(cmd echo-set ka 1 kb 2)
check "a command runs with its arguments, the module's configuration and the sql service" \
    "[ $rc = 0 ] && grep -qx 'OK set: ka = 1 (mode a)' '$work/out' \
     && [ \"\$(q \"select group_concat(name || '=' || value) from (select name, value from mdl_config_plugins where plugin = 'toolsync_cmd' order by name)\")\" = ka=1,kb=2 ]"
rc=$(cmd -n echo-set kc 3)
check "a command's dry run writes nothing" \
    "[ $rc = 0 ] && grep -q 'kc = 3 (mode a, dry run)' '$work/out' && [ \$(q \"select count(*) from mdl_config_plugins where name = 'kc'\") = 0 ]"
rc=$(cmd echo-set kd 4 ke fail)
check "an ERROR of a command: exit 1, its other writes kept" \
    "[ $rc = 1 ] && grep -qx 'ERROR refused: ke refused' '$work/out' && [ \$(q \"select count(*) from mdl_config_plugins where name = 'kd'\") = 1 ]"
rc=$(cmd echo-set kf 6 abort x)
check "a command failing as a whole: exit 3, its writes undone" \
    "[ $rc = 3 ] && [ \$(q \"select count(*) from mdl_config_plugins where name = 'kf'\") = 0 ]"
rc=$(cmd -q echo-set kg 7)
check "-q: a command's OK lines are not printed" "[ $rc = 0 ] && [ ! -s '$work/out' ]"
rc=$(cmd echo-nothing)
check "an unknown command word: exit 3" "[ $rc = 3 ] && grep -q \"unknown command 'echo-nothing'\" '$work/err'"

# --- a headerless file end to end -----------------------------------------------------------
printf 'l1\nfail\nl3\n' > "$work/sync/echolist.txt"
rc=$(run run echolist)
check "a headerless file: every line is a value (l1, l3 applied)" \
    "[ $rc = 1 ] && [ \"\$(q \"select group_concat(name) from (select name from mdl_config_plugins where value = 'listed' order by name)\")\" = l1,l3 ]"
check "a headerless file: the report numbers its lines from 1" \
    "report echolist.txt | grep -q '^\[2\] ERROR refused' && report echolist.txt | grep -q '^\[3\] OK listed'"
check "a headerless file: the tryback holds the failed line and no header" \
    "[ \"\$(cat $work/sync/echolist_tryback_*.txt)\" = fail ]"

# --- the installed SDK, and a module built out of tree with pkg-config ------------------------
inst="$work/inst"
if make -C "$build" -s install DESTDIR="$inst" >"$work/install.log" 2>&1; then
    pc=$(find "$inst" -name toolsync-sdk.pc | head -1)
    export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$inst
    check "make install puts every SDK header in place" \
        "[ \$(ls \$(pkg-config --variable=includedir toolsync-sdk)/toolsync/*.h | wc -l) = $(ls "$src"/sdk/toolsync/*.h | wc -l) ]"
    mkdir -p "$work/ext"
    if cc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC $(pkg-config --cflags toolsync-sdk) \
          -o "$work/ext/hello.so" "$src/contrib/example-module/hello.c" 2>"$work/err"; then
        ok "the example module builds out of tree against the installed SDK, without warnings"
        printf 'username;course\nadmin;CA\nadmin;CA\nnobody;CA\nadmin;NOPE\n' > "$work/hello.csv"
        rc=$(run --set modules=hello --set moduledir="$work/ext" run hello "$work/hello.csv")
        check "the example module enrols through the services (rows written)" \
            "[ \"\$(q \"select count(*) from mdl_user_enrolments ue join mdl_user u on u.id = ue.userid where u.username = 'admin'\")\" = 1 ] \
             && [ \"\$(q \"select count(*) from mdl_role_assignments ra join mdl_user u on u.id = ra.userid where u.username = 'admin' and ra.roleid = 5\")\" = 1 ]"
        check "the example module: enrolled, then already enrolled, unknown user and course refused" \
            "[ $rc = 1 ] && report hello.csv | grep -q '^\[2\] OK enrolled' && report hello.csv | grep -q '^\[3\] SKIP enrolled' \
             && report hello.csv | grep -q '^\[4\] ERROR usernotfound' && report hello.csv | grep -q '^\[5\] ERROR errornocourse'"
    else
        nok "the example module builds out of tree against the installed SDK" "$(head -3 "$work/err")"
    fi
else
    nok "make install into a staging directory" "$(tail -3 "$work/install.log")"
fi
