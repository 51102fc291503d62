#!/usr/bin/env bash
# Issue 6 item 1: runs racing on the same output names: started together (one holds the
# reservation, the others must touch nothing) and back to back within one second
# (each must get its own report and tryback).
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

site sqlite "$W/s" || { nok "site"; done_tap; }
ROUNDS=4 BURST=6
printf 'username;firstname;lastname\nrace.ok;R;Ok\nrace.bad;;Bad\n' >"$SYNC/same.csv"

# started together: the handlers share the 'users' reservation
for ((r = 1; r <= ROUNDS; r++)); do
    pids=()
    for h in users users-suspend users-delete; do
        "$TS" -c "$CONF" --no-progress -q run "$h" "$SYNC/same.csv" >/dev/null 2>>"$W/race.err" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
done
n=$(ls "$SYNC"/reports/*_report_same.csv | wc -l)
busy=$(grep -c 'holds the .users. reservation' "$W/race.err")
check "together: every run either ran (report) or was refused ($n + $busy = $((3 * ROUNDS)))" \
    [ $((n + busy)) = $((3 * ROUNDS)) ]
check "together: every report is whole" bash -c "
    for f in '$SYNC'/reports/*_report_same.csv; do
        head -n1 \"\$f\" | grep -q '^toolsync .* report: handler users' &&
        tail -n1 \"\$f\" | grep -qx 'end of report' || exit 1
    done"

# back to back, many in one second
rm -rf "$SYNC/reports" "$SYNC"/same_tryback_*
for ((i = 1; i <= BURST; i++)); do
    "$TS" -c "$CONF" --no-progress -q run users "$SYNC/same.csv" >/dev/null 2>>"$W/burst.err"
done
check "back to back: $BURST reports" [ "$(ls "$SYNC"/reports/*_report_same.csv | wc -l)" = $BURST ]
check "back to back: $BURST trybacks, each with the failed line" bash -c "
    [ \$(ls '$SYNC'/same_tryback_*.csv | wc -l) = $BURST ] &&
    for f in '$SYNC'/same_tryback_*.csv; do
        [ \"\$(cat \"\$f\")\" = \"\$(printf 'username;firstname;lastname\nrace.bad;;Bad')\" ] || exit 1
    done"
check "back to back: every report says its line 3 failed" \
    [ "$(grep -l '^\[3\] ERROR' "$SYNC"/reports/*_report_same.csv | wc -l)" = $BURST ]
check "every JSON twin is valid" \
    python3 -c 'import glob,json,sys; [json.loads(l) for f in glob.glob(sys.argv[1]) for l in open(f)]' "$SYNC/reports/*.jsonl"
done_tap
