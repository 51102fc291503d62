#!/usr/bin/env bash
# Issue 6 items 1, 3, 4, 11, 12: outputs are never overwritten, truncated or written
# through a link; a lost output keeps the input and exits 3; a crash is seen under -q.
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

site sqlite "$W/s" || { nok "site"; done_tap; }
in=$SYNC/userimport.csv
nreports() { find "$SYNC/reports" -name '*_report_userimport.csv' 2>/dev/null | wc -l; }

# --- item 1: two runs in the same minute keep both reports and both trybacks ---------
printf 'username;firstname;lastname\nr1.ok;R;One\nr1.bad;;Bad\n' >"$in"
tsrun run users
printf 'username;firstname;lastname\nr2.ok;R;Two\nr2.bad;;Bad\n' >"$in"
tsrun run users
tsrun -n run users
check "item 1: three runs in a row write three reports" [ "$(nreports)" = 3 ]
check "item 1: the first run's failed line is still in a tryback" \
    grep -qx 'r1.bad;;Bad' $(ls "$SYNC"/userimport_tryback_2*.csv)
check "item 1: the second run's failed line too, in another tryback" \
    bash -c "grep -qx 'r2.bad;;Bad' '$SYNC'/userimport_tryback_2*.csv && [ \$(ls '$SYNC'/userimport_tryback_2*.csv | wc -l) = 2 ]"
check "item 1: every report is whole (header, end of report), none truncated by the dry run" \
    bash -c "for f in '$SYNC'/reports/*_report_userimport.csv; do head -c 17 \"\$f\" | grep -q '^toolsync ' && tail -n1 \"\$f\" | grep -qx 'end of report' || exit 1; done"
check "item 1: the real runs' reports are not SIMULATION reports" \
    [ "$(grep -l 'SIMULATION' "$SYNC"/reports/*_report_userimport.csv | wc -l)" = 1 ]
check "item 1: every JSON Lines twin is valid" \
    python3 -c 'import glob,json,sys; [json.loads(l) for f in glob.glob(sys.argv[1]) for l in open(f)]' "$SYNC/reports/*.jsonl"

# two files of one name on one command line
mkdir -p "$W/a" "$W/b"
printf 'username;firstname;lastname\na.bad;;Bad\n' >"$W/a/userimport.csv"
printf 'username;firstname;lastname\nb.bad;;Bad\n' >"$W/b/userimport.csv"
rm -rf "$SYNC/reports"
tsrun run users "$W/a/userimport.csv" "$W/b/userimport.csv"
check "item 1: two files of one name on one command line: two reports" [ "$(nreports)" = 2 ]
check "item 1: each report holds its own file's line" \
    bash -c "grep -l 'ERROR' '$SYNC'/reports/*_report_userimport.csv | wc -l | grep -qx 2 && grep -q '$W/a/userimport.csv' '$SYNC'/reports/* && grep -q '$W/b/userimport.csv' '$SYNC'/reports/*"

# a run refused because the reservation is held touches nothing
printf 'username;firstname;lastname\nbusy.one;B;One\n' >"$in"
mkdir -p "$SYNC/.locks"
# one process holds the lock fd itself, so that killing it by its id frees the lock
bash -c 'exec 9>"$1"; flock 9; exec sleep 30' _ "$SYNC/.locks/users.lock" &
HOLDER=$!
CLEANUPS+=("kill $HOLDER")
sleep 0.3
before=$(find "$SYNC" -path "$SYNC/.locks" -prune -o -type f -printf '%p %s %T@\n' | sort)
tsrun run users
after=$(find "$SYNC" -path "$SYNC/.locks" -prune -o -type f -printf '%p %s %T@\n' | sort)
check "item 1: a refused run exits 2" [ "$RC" = 2 ]
check "item 1: a refused run opens no output at all (area unchanged)" [ "$before" = "$after" ]
kill $HOLDER 2>/dev/null; wait $HOLDER 2>/dev/null

# --- item 3: links planted at output paths are refused, not written through ------------
echo "precious" >"$W/victim"
echo "precious" >"$W/victim2"
now=$(date +%s)
mkdir -p "$SYNC/reports"
for s in 0 1 2 3 4 5; do
    st=$(date -d "@$((now + s))" +%Y%m%d-%H%M%S)
    ln -s "$W/victim" "$SYNC/userimport_tryback_$st.csv" 2>/dev/null
    ln "$W/victim2" "$SYNC/reports/${st}_report_userimport.csv" 2>/dev/null
    # the minute-stamped names older versions used: planted too, so that the check
    # fails wherever a link is written through
    rm -f "$SYNC/userimport_tryback_${st%??}.csv" "$SYNC/reports/${st%??}_report_userimport.csv"
    ln "$W/victim" "$SYNC/userimport_tryback_${st%??}.csv" 2>/dev/null
    ln "$W/victim2" "$SYNC/reports/${st%??}_report_userimport.csv" 2>/dev/null
done
printf 'username;firstname;lastname\nlink.bad;;Bad\n' >"$in"
tsrun run users
check "item 3: a symbolic link at the tryback path is not followed" grep -qx precious "$W/victim"
check "item 3: a hard link at the report path is not written through" grep -qx precious "$W/victim2"
check "item 3: the failed line still reaches a tryback under another name" \
    bash -c "grep -qx 'link.bad;;Bad' '$SYNC'/userimport_tryback_*-2.csv"
check "item 3: exit 1 (the line failed, nothing lost)" [ "$RC" = 1 ]
find "$SYNC" -type l -delete; rm -f "$SYNC"/reports/*-*_report_userimport.csv "$SYNC"/userimport_tryback_*

# --- items 3 and 11: a full disk keeps the input, says what failed, exits 3 -------------
site sqlite "$W/full" || nok "site full"
mkdir -p "$SYNC"
if mount -t tmpfs -o size=160k tmpfs "$SYNC" 2>/dev/null; then
    CLEANUPS+=("umount '$SYNC'")
    printf 'filearchive = true\nfilecleanup = true\n' >>"$CONF"
    { echo "username;firstname;lastname"; for i in $(seq 1 600); do echo "full$i;;Bad"; done; } >"$SYNC/userimport.csv"
    cp "$SYNC/userimport.csv" "$W/full-input"
    # leave about 40 KB: the report (text and JSON) of 600 failed lines does not fit
    avail=$(df -k --output=avail "$SYNC" | tail -n1)
    dd if=/dev/zero of="$SYNC/.filler" bs=1k count=$((avail - 40)) 2>/dev/null
    tsrun run users
    check "item 11: a report lost on a full disk exits 3" [ "$RC" = 3 ]
    check "item 3: the input is kept where it was, unchanged" cmp -s "$SYNC/userimport.csv" "$W/full-input"
    check "item 3: the message says what could not be written" grep -q 'cannot write the' "$W/err"
    rm -f "$SYNC/.filler"
    # everything written but the archive (archives/ is a file): cleanup must not delete
    # the input
    rm -rf "$SYNC/reports" "$SYNC"/*_tryback_*
    echo "not a directory" >"$SYNC/archives"
    tsrun run users
    check "item 3: an archive that cannot be written exits 3" [ "$RC" = 3 ] || diag "exit $RC: $ERR"
    check "item 3: ... and the input is not deleted (filecleanup on)" cmp -s "$SYNC/userimport.csv" "$W/full-input"
    check "item 3: ... and the message names the archive" grep -q 'cannot write the archive' "$W/err"
else
    skip "cannot mount a tmpfs here (not root?)"
fi

# --- item 11: reports/ not a directory ---------------------------------------------------
site sqlite "$W/nodir" || nok "site nodir"
printf 'username;firstname;lastname\nnodir.one;N;One\n' >"$SYNC/userimport.csv"
echo "not a directory" >"$SYNC/reports"
tsrun run users
check "item 11: reports/ not a directory: exit 3" [ "$RC" = 3 ]
check "item 11: nothing applied without a report" [ "$(sql "SELECT count(*) FROM {user} WHERE username = 'nodir.one'")" = 0 ]
check "item 11: the input stays" [ -e "$SYNC/userimport.csv" ]
check "item 11: the error names the reports folder" grep -q 'cannot write the report' "$W/err"

# --- items 4 and 12: crashed runs ----------------------------------------------------------
site sqlite "$W/crash" || nok "site crash"
sh -c 'exit 0' & DEAD=$!; wait $DEAD
crash() { mkdir -p "$SYNC/.locks"; printf 'pid=%s\nstarted=1\nfile=%s' "$DEAD" "$SYNC/userimport.csv" >"$SYNC/.locks/users.state"; }
users 5 first. >"$SYNC/userimport.csv"
crash
tsrun -q run users
check "item 12: a crashed previous run is visible under -q" grep -q 'crashed' "$W/err"
check "item 12: ... and says the file is processed again" grep -q 'processed again' "$W/err"
check "item 12: ... and the file was processed (exit 0, 5 accounts)" \
    [ "$RC:$(sql "SELECT count(*) FROM {user} WHERE username LIKE 'first.%'")" = "0:5" ]
check "item 12: the report says it too" grep -q '^WARN previousruncrashed: .*processed again' "$(ls -t "$SYNC"/reports/*_report_userimport.csv | head -1)"
printf 'discardfileonfailure = true\n' >>"$CONF"
echo "first poisonous" >"$SYNC/userimport.csv"; crash
tsrun -q run users
echo "second poisonous" >"$SYNC/userimport.csv"; crash
tsrun -q run users
check "item 4: the first discarded file is intact" grep -qx 'first poisonous' "$SYNC/userimport-tryback-failed.csv"
check "item 4: the second one took another name" grep -qx 'second poisonous' "$SYNC/userimport-tryback-failed-2.csv"

# --- item 12: no file waiting ---------------------------------------------------------------
site sqlite "$W/none" || nok "site none"
tsrun -q run users
check "item 12: no file waiting under cron: exit 0, silent" [ "$RC:$ERR" = "0:" ]
check "item 12: ... and no report" [ ! -d "$SYNC/reports" ] || [ -z "$(ls "$SYNC/reports")" ]
tsrun -v run users
check "item 12: one line with -v" [ "$(grep -c 'no file waiting' "$W/err")" = 1 ]
done_tap
