#!/usr/bin/env bash
# The core's journey with test modules on SQLite: ABI refusal, configuration validation,
# header checks, batches with row-by-row replay, dry run, reservation, exit statuses.
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: tests/unit/test_core.sh [BUILDDIR]   (prints TAP lines "ok - …" / "not ok - …")
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src}
ts="$build/toolsync"
mods="$build/tests/unit/modules/.libs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "ok - core: $1"; }
nok() { echo "not ok - core: $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { if eval "$2"; then ok "$1"; else nok "$1" "$2"; fi; }

site="$work/site.sqlite"
bash "$src/tests/lib/mksite.sh" sqlite "$site" >/dev/null 2>&1 || { nok "mksite sqlite"; exit 1; }
mkdir -p "$work/sync"
cat > "$work/conf" <<EOF
syncdir = "$work/sync"
modules = {"echo"}
moduledir = "$mods"
batchsize = 3
database {
    type = "sqlite"
    name = "$site"
}
EOF
q() { sqlite3 "$site" "$1"; }
run() { "$ts" -c "$work/conf" -q --no-progress "$@" >"$work/out" 2>"$work/err"; echo $?; }
report() { cat "$work"/sync/reports/*_report_"$1" 2>/dev/null; }

# --- help and loading ------------------------------------------------------------------
"$ts" --help >"$work/help" 2>&1
check "--help exits 0 and documents exit statuses" "grep -q 'Exit status' '$work/help'"

rc=$(run --set modules=badabi modules)
check "a module built for another ABI is refused (exit 3)" "[ $rc = 3 ]"
check "the refusal names the module and both ABIs" "grep -q 'badabi was built for SDK ABI 3.0' '$work/err'"

rc=$(run modules)
check "modules lists the echo handler" "[ $rc = 0 ] && grep -q 'handler echo' '$work/out'"

# --- configuration validation ------------------------------------------------------------
cp "$work/conf" "$work/conf.bad"
printf 'echo {\n    nosuchkey = 1\n}\n' >> "$work/conf.bad"
"$ts" -c "$work/conf.bad" modules >/dev/null 2>"$work/err"; rc=$?
check "an unknown key in a module section is refused (exit 3)" "[ $rc = 3 ]"
check "the message names the file and line of the unknown key" "grep -q 'conf.bad:1[0-9]' '$work/err' && grep -q nosuchkey '$work/err'"
rc=$(run --set echo.mode=z modules)
check "a value outside a choice list is refused" "[ $rc = 3 ] && grep -q \"'z' is not one of a, b\" '$work/err'"
rc=$(run --set nosuch=1 modules)
check "--set of an unknown key is refused" "[ $rc = 3 ]"

# --- a file with good rows and failing rows in one batch ----------------------------------
printf '# a comment line\nkey;value\nk1;v1\nk2;fail-after-write\nk3;v3\nk4;fail\nk5;v5\n' > "$work/sync/echo.csv"
rc=$(run run echo)
check "a file with failed lines exits 1" "[ $rc = 1 ]"
check "good rows of a replayed batch are applied" "[ \"\$(q \"select group_concat(name,',') from (select name from mdl_config_plugins where plugin='toolsync_echo' order by name)\")\" = k1,k3,k5 ]"
check "the row that failed after writing left nothing" "[ \"\$(q \"select count(*) from mdl_config_plugins where name='k2'\")\" = 0 ]"
tb=$(ls "$work"/sync/echo_tryback_*.csv 2>/dev/null | head -1)
check "a tryback file is written next to the input" "[ -n '$tb' ]"
check "the tryback holds the header and the failed lines, no trailing newline" "[ \"\$(cat '$tb'; echo x)\" = \"\$(printf 'key;value\nk2;fail-after-write\nk4;failx')\" ]"
check "the tryback is private (0600)" "[ \"\$(stat -c %a '$tb')\" = 600 ]"
check "the report has one line per data line with its file line number" "report echo.csv | grep -q '^\[3\] OK added' && report echo.csv | grep -q '^\[4\] ERROR refused' && report echo.csv | grep -q '^\[7\] OK added'"
check "the report summary counts the outcomes" "report echo.csv | grep -q 'summary:.*3 OK.*2 ERROR'"
check "the report is private (0600)" "[ \"\$(stat -c %a \"\$(ls '$work'/sync/reports/*_report_echo.csv | head -1)\")\" = 600 ]"
check "the JSON Lines twin exists" "ls '$work'/sync/reports/*_report_echo.csv.jsonl >/dev/null 2>&1"

# --- re-run: nothing changes --------------------------------------------------------------
printf 'key;value\nk1;v1\nk3;v3\n' > "$work/sync/echo.csv"
rm -f "$work"/sync/reports/*
rc=$(run run echo)
check "a re-run of applied lines exits 0 with SKIP only" "[ $rc = 0 ] && report echo.csv | grep -q '^\[2\] SKIP unchanged' && ! report echo.csv | grep -q ' OK '"

# --- dry run --------------------------------------------------------------------------------
printf 'key;value\nd1;x\nd2;fail\n' > "$work/sync/echo.csv"
rm -f "$work"/sync/reports/* "$work"/sync/*tryback*
before=$(q "select count(*) from mdl_config_plugins")
rc=$(run --dry-run run echo)
check "a dry run predicts the outcome (exit 1)" "[ $rc = 1 ]"
check "a dry run changes no row" "[ \"\$(q 'select count(*) from mdl_config_plugins')\" = $before ]"
check "a dry run reports SIMULATION" "report echo.csv | grep -q 'SIMULATION'"
check "a dry run writes a _tryback_sim_ file only" "ls '$work'/sync/echo_tryback_sim_*.csv >/dev/null 2>&1 && ! ls '$work'/sync/echo_tryback_2*.csv >/dev/null 2>&1"

# --- header refusals ----------------------------------------------------------------------
hdr() { printf "$2" > "$work/sync/echo.csv"; rm -f "$work"/sync/reports/*; rc=$(run run echo); check "$1 (exit 2)" "[ $rc = 2 ] && report echo.csv | grep -q '$3'"; }
hdr "a header with another separator is refused" 'key,value\na,b\n' invalidseparatordetected
hdr "an unknown column is refused" 'key;value;foo\na;b;c\n' invalidfieldname
hdr "a duplicate column is refused" 'key;value;key\na;b;c\n' duplicatecolumn
hdr "a missing required column is refused" 'value\nb\n' fieldrequired
hdr "an empty header cell is refused" 'key;value;\na;b;\n' errornullcsvheader
check "the refusal names file, line and column" "report echo.csv | grep -q 'echo.csv:1: column 3'"
printf 'key;value;foo\nn1;v;c\n' > "$work/sync/echo.csv"
rc=$(run --set invalidnamesnocheck=true run echo)
check "invalidnamesnocheck lets unknown columns through" "[ $rc = 0 ] && [ \"\$(q \"select value from mdl_config_plugins where name='n1'\")\" = v ]"
printf 'key;value;extra1;extra22\nn2;v;x;y\n' > "$work/sync/echo.csv"
rc=$(run run echo)
check "indexed columns (extra<N>) are accepted" "[ $rc = 0 ]"

# --- values ---------------------------------------------------------------------------------
printf 'key;value\nc1;v;too;many\nc2\n' > "$work/sync/echo.csv"
rm -f "$work"/sync/reports/* "$work"/sync/*tryback*
rc=$(run run echo)
check "more values than columns: errorbadcount, the others applied" "[ $rc = 1 ] && report echo.csv | grep -q '^\[2\] ERROR errorbadcount' && [ \"\$(q \"select value from mdl_config_plugins where name='c2'\")\" = '' ]"

# --- file selection, reservation, archive ------------------------------------------------
rm -f "$work/sync/echo.csv" "$work"/sync/reports/*
rc=$(run run echo)
check "no file waiting: exit 0 and no report (issue 6 item 12)" "[ $rc = 0 ] && ! ls '$work'/sync/reports/*_report_echo.csv >/dev/null 2>&1"
printf 'key;value\nl1;v\n' > "$work/sync/echo.csv"
mkdir -p "$work/sync/.locks"
( flock -x 9; sleep 3 ) 9>"$work/sync/.locks/echo.lock" &
sleep 0.5
rc=$(run run echo)
check "a second run while the reservation is held: exit 2" "[ $rc = 2 ]"
wait
rc=$(run --set filearchive=true --set filecleanup=true run echo)
check "archive + cleanup move the input to archives/" "[ $rc = 0 ] && [ ! -e '$work/sync/echo.csv' ] && ls '$work'/sync/archives/*_echo.csv >/dev/null 2>&1"
check "the archive is private (0600)" "[ \"\$(stat -c %a \"\$(ls '$work'/sync/archives/*_echo.csv | head -1)\")\" = 600 ]"

# --- an explicit file outside the area --------------------------------------------------
printf 'key;value\ne1;v\n' > "$work/outside.csv"
rc=$(run run echo "$work/outside.csv")
check "an explicit file is processed in place" "[ $rc = 0 ] && [ \"\$(q \"select value from mdl_config_plugins where name='e1'\")\" = v ]"

# --- database failures --------------------------------------------------------------------
printf 'key;value\nz1;v\n' > "$work/sync/echo.csv"
rc=$(run --set database.name=/nonexistent/dir/x.sqlite run echo)
check "an unreachable database: exit 3" "[ $rc = 3 ]"

