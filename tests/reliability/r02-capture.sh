#!/usr/bin/env bash
# Issue 6 items 2 and 7: capture never replaces a file being processed or left
# unfinished by a crash, and takes only files a feeder has finished writing.
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

site sqlite "$W/s" || { nok "site"; done_tap; }
DROP=$W/drop
mkdir -p "$DROP"
printf 'dropdir = "%s"\ncapturesettle = 0\nfilecleanup = true\nfilearchive = true\n' "$DROP" >>"$CONF"
count() { sql "SELECT count(*) FROM {user} WHERE username LIKE '$1%'"; }
DEAD=$(sh -c 'echo $$')

# --- item 2: a live run holds the file ---------------------------------------------------
users 20 wait. >"$SYNC/userimport.csv"
mkdir -p "$SYNC/.locks"
bash -c 'exec 9>"$1"; flock 9; printf "pid=%s\nstarted=1\nfile=%s" $$ "$2" >"$3"; exec sleep 30' _ \
    "$SYNC/.locks/users.lock" "$SYNC/userimport.csv" "$SYNC/.locks/users.state" &
HOLDER=$!
CLEANUPS+=("kill $HOLDER")
sleep 0.3
users 300 drop. >"$DROP/userimport.csv"
tsrun capture
check "item 2: capture during a run leaves the dropped file waiting" [ -e "$DROP/userimport.csv" ]
check "item 2: ... and the file being processed is untouched" grep -q '^wait.20;' "$SYNC/userimport.csv"
check "item 2: ... and says why" grep -q 'held back.*reserved' "$W/err"
# the holder's run ends as a run with filecleanup does: its file consumed, state cleared
kill $HOLDER; wait $HOLDER 2>/dev/null
rm -f "$SYNC/.locks/users.state" "$SYNC/userimport.csv"
tsrun run users
check "item 2: then the dropped one: nothing lost" [ "$RC:$(count drop.)" = "0:300" ]

# a real run going on while a file of the same name is dropped and captured
users 20000 long. >"$SYNC/userimport.csv"
"$TS" -c "$CONF" --no-progress -q run users >/dev/null 2>"$W/long.err" &
RUNNER=$!
for _ in $(seq 1 100); do grep -q "file=$SYNC/userimport.csv" "$SYNC/.locks/users.state" 2>/dev/null && break; sleep 0.05; done
users 300 late. >"$DROP/userimport.csv"
tsrun capture
wait $RUNNER
check "item 2: a file dropped during a real run waits in the drop directory" [ -e "$DROP/userimport.csv" ]
tsrun run users
check "item 2: all lines of both files applied (20000 + 300)" [ "$(count long.):$(count late.)" = "20000:300" ]

# --- item 2: after a crash, the unfinished file is not replaced; -q still tells ------------
users 12 crashed. >"$SYNC/userimport.csv"
printf 'pid=%s\nstarted=1\nfile=%s' "$DEAD" "$SYNC/userimport.csv" >"$SYNC/.locks/users.state"
users 50 after. >"$DROP/userimport.csv"
tsrun -q run users
check "item 2: after a crash the unfinished file is processed, not replaced" [ "$(count crashed.)" = 12 ]
check "item 2: the dropped file waited" [ -e "$DROP/userimport.csv" ] 
check "item 2: the crash is visible under -q" grep -q 'crashed' "$W/err"
check "item 7: the report says a file was held back" \
    grep -q 'WARN captureheldback: capture: .*held back' "$(ls -t "$SYNC"/reports/*_report_userimport.csv | head -1)"
tsrun run users
check "item 2: then the dropped file is captured and applied" [ "$RC:$(count after.)" = "0:50" ]

# --- item 7: a slow feeder without alock.txt ------------------------------------------------
# the settle time must exceed the feeder's longest pause (0.6 s), with room for a loaded
# machine: a pause longer than it at a line end is a finished file, by definition
sed -i 's/^capturesettle = 0/capturesettle = 3/' "$CONF"
N=40
(
    echo "username;firstname;lastname;email" >"$DROP/userimport.csv"
    for i in $(seq 1 $N); do
        printf 'slow%d;Sl' "$i" >>"$DROP/userimport.csv"
        [[ $((i % 10)) = 0 ]] && sleep 0.6       # a pause in the middle of a line
        printf 'ow;F%d;slow%d@example.org\n' "$i" "$i" >>"$DROP/userimport.csv"
        sleep 0.05
    done
) &
FEEDER=$!
CLEANUPS+=("kill $FEEDER")
while kill -0 $FEEDER 2>/dev/null; do tsrun -q run users; sleep 0.2; done
wait $FEEDER
for _ in $(seq 1 20); do [[ -e $DROP/userimport.csv ]] || break; sleep 0.5; tsrun -q run users; done
check "item 7: every line of the slow feeder applied once" [ "$(count slow)" = $N ]
check "item 7: no half-written line was applied (every first name complete)" \
    [ "$(sql "SELECT count(*) FROM {user} WHERE username LIKE 'slow%' AND firstname <> 'Slow'")" = 0 ]
check "item 7: nothing left behind" [ ! -e "$DROP/userimport.csv" ]
done_tap
