#!/usr/bin/env bash
# The enrol service's instances in a real run (test module instmod on SQLite): the rows
# of a course's default instances, and the resolver's enrol_instance answers following
# instances switched, deleted, added, and added by a line that was rolled back.
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: tests/unit/test_instances_run.sh [BUILDDIR]   (TAP lines "ok - ..." / "not ok - ...")
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src}
ts="$build/toolsync"
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

ok() { echo "ok - instances run: $1"; }
nok() { echo "not ok - instances run: $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { if eval "$2"; then ok "$1"; else nok "$1" "$2"; fi; }

site="$work/site.sqlite"
bash "$src/tests/lib/mksite.sh" sqlite "$site" >/dev/null 2>&1 || { nok "mksite sqlite"; exit 1; }
q() { sqlite3 "$site" "$1"; }
mkdir -p "$work/sync"
cat > "$work/conf" <<CONF
syncdir = "$work/sync"
modules = {"instmod"}
moduledir = "$build/tests/unit/modules/.libs"
batchsize = 50
database {
    type = "sqlite"
    name = "$site"
}
CONF
# A course in category 1 (context /1/3) with its context.
q "INSERT INTO mdl_course (category, sortorder, fullname, shortname, idnumber, summary,
   format, lang, calendartype, theme, timecreated, timemodified, cacherev)
   VALUES (1, 10001, 'Run course', 'RC', 'RC', '', 'topics', '', '', '', 1, 1, 1);
   INSERT INTO mdl_context (contextlevel, instanceid, path, depth, locked)
   VALUES (50, (SELECT id FROM mdl_course WHERE shortname = 'RC'), NULL, 3, 0);
   UPDATE mdl_context SET path = '/1/3/' || id WHERE path IS NULL;"
report() { cat "$work"/sync/reports/*_report_instances.csv 2>/dev/null; }
line() { report | grep "^\[$1\] "; }

cat > "$work/sync/instances.csv" <<CSV
course;action;method;fail
RC;defaults;;
RC;lookup;manual;
RC;disable;manual;
RC;lookup;manual;
RC;enable;manual;
RC;lookup;manual;
RC;delete;self;
RC;lookupany;self;
RC;add;self;yes
RC;lookupany;self;
RC;add;self;
RC;lookupany;self;
RC;add;manual;
CSV
"$ts" -c "$work/conf" -q --no-progress run instances >"$work/out" 2>"$work/err"
rc=$?
manual=$(q "SELECT id FROM mdl_enrol WHERE enrol = 'manual'")
self=$(q "SELECT id FROM mdl_enrol WHERE enrol = 'self'")

check "default instances manual, guest, self; a self deleted and added again last (exit 1: two lines fail)" \
    "[ $rc = 1 ] && [ \"\$(q \"SELECT enrol || sortorder || status FROM mdl_enrol ORDER BY id\" | tr '\n' ' ')\" = 'manual00 guest11 self20 ' ] && line 2 | grep -q 'OK found: defaults 3: found $manual'"
check "the enabled manual instance is found" "line 3 | grep -q 'found $manual'"
check "disabled, it is no longer found among the enabled ones (the answer was forgotten)" \
    "line 5 | grep -q 'OK none'"
check "enabled again, it is found" "line 7 | grep -q 'found $manual'"
check "a deleted instance is not found" "line 9 | grep -q 'OK none'"
check "an instance added by a line that failed is not found (rolled back)" \
    "line 10 | grep -q 'ERROR refused' && line 11 | grep -q 'OK none'"
check "an added instance is found in the same run" \
    "[ -n '$self' ] && line 12 | grep -q 'found $self' && line 13 | grep -q 'found $self'"
check "a second manual instance is refused with the reason" \
    "line 14 | grep -q 'ERROR.*already has a manual instance'"
check "events: one enrol_instance_created per instance kept, deleted and updated logged" \
    "[ \$(q \"SELECT COUNT(*) FROM mdl_logstore_standard_log WHERE eventname LIKE '%enrol_instance_created'\") = 4 ] && [ \$(q \"SELECT COUNT(*) FROM mdl_logstore_standard_log WHERE eventname LIKE '%enrol_instance_updated'\") = 2 ] && [ \$(q \"SELECT COUNT(*) FROM mdl_logstore_standard_log WHERE eventname LIKE '%enrol_instance_deleted'\") = 1 ]"
