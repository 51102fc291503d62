#!/usr/bin/env bash
# Issue 6 items 5, 8, 10, 15, 16: hostile input reaches the tryback byte for byte,
# quoted values are kept, memory stays flat, and the messages a new administrator meets.
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

site sqlite "$W/s" || { nok "site"; done_tap; }
in=$SYNC/userimport.csv
tb() { ls -t "$SYNC"/userimport_tryback_*.csv 2>/dev/null | head -1; }
rep() { ls -t "$SYNC"/reports/*_report_userimport.csv 2>/dev/null | head -1; }

# --- item 5: an unterminated quote with megabytes after it --------------------------------
{
    printf 'username;firstname;lastname\nuq.ok;U;Ok\nuq.bad;"never closed\n'
    head -c 2500000 /dev/urandom | base64 -w 100
} >"$in"
off=$(($(head -n 2 "$in" | wc -c) + 1))
tsrun run users
check "item 5: the line before the quote is applied" [ "$(sql "SELECT count(*) FROM {user} WHERE username = 'uq.ok'")" = 1 ]
check "item 5: the whole rest of the file is in the tryback, byte for byte" \
    cmp -s <(tail -c +"$off" "$in") <(tail -n +2 "$(tb)")
check "item 5: exit 2 (the file could not be read to its end)" [ "$RC" = 2 ]
rm -f "$SYNC"/userimport_tryback_*

# --- item 8: NUL bytes ---------------------------------------------------------------------
printf 'username;firstname;lastname\nnul.ok;N;Ok\nnul.bad;Jo\0hn;Doe\n' >"$in"
tsrun run users
check "item 8: a NUL byte is an ERROR naming line and column" grep -q '^\[3\] ERROR nulbyte: .*line 3, column 11' "$(rep)"
check "item 8: nothing stored for that line (no cut value)" [ "$(sql "SELECT count(*) FROM {user} WHERE username = 'nul.bad'")" = 0 ]
check "item 8: the raw line is in the tryback byte for byte" \
    cmp -s <(printf 'username;firstname;lastname\nnul.bad;Jo\0hn;Doe') "$(tb)"
check "item 8: the other line is applied" [ "$(sql "SELECT count(*) FROM {user} WHERE username = 'nul.ok'")" = 1 ]
rm -f "$SYNC"/userimport_tryback_*

# --- item 10: quotes and &#59 ------------------------------------------------------------------
printf 'username;firstname;lastname\nq.one;"""Quoted""";"Semi&#59colon"\nq.two;Plain&#59semi;Mc"Tail"\n' >"$in"
tsrun run users
check "item 10: a quoted value keeps the quotes it contains" \
    [ "$(sql "SELECT firstname || '|' || lastname FROM {user} WHERE username = 'q.one'")" = '"Quoted"|Semi&#59colon' ]
check "item 10: unquoted (tool_sync style): &#59 decoded, one stray quote stripped" \
    [ "$(sql "SELECT firstname || '|' || lastname FROM {user} WHERE username = 'q.two'")" = 'Plain;semi|Mc"Tail' ]

# --- item 15: 100 lines of 1 MB do not all sit in memory ----------------------------------------
python3 - "$in" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("username;firstname;lastname;description\n")
    for i in range(100):
        f.write("mem%d;M;Mem;%s\n" % (i, "x" * 1000000))
PY
"$TS" -c "$CONF" --no-progress -q --stats run users >/dev/null 2>"$W/stats"
peak=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$W/stats")
check "item 15: 100 lines of 1 MB: peak memory under 80 MB (got ${peak:-?} kB)" [ "${peak:-999999}" -lt 80000 ]

# --- item 16: what a new administrator meets ------------------------------------------------------
printf 'username;firstname;lastname\nhd.one;H;One\n' >"$in"
tsrun run users
check "item 16: the report header names the input by its full path" \
    grep -q "^toolsync .* report: handler users, file $SYNC/userimport.csv, started" "$(rep)"
printf 'username;firstname;lastname\nlat.one;Ren\xe9e;One\n' >"$in"
tsrun run users
check "item 16: invalid UTF-8 suggests setting encoding" grep -q 'set encoding' "$(rep)"
cp "$CONF" "$W/conf.typo"
sed -i "s|name = \"$DBNAME\"|name = \"$W/typo.sqlite\"|" "$W/conf.typo"
"$TS" -c "$W/conf.typo" check >"$W/out" 2>"$W/err"; RC=$?
check "item 16: check on a mistyped SQLite path fails (exit 3)" [ "$RC" = 3 ]
check "item 16: ... without creating the file" [ ! -e "$W/typo.sqlite" ]
check "item 16: ... and says the file does not exist" grep -q 'does not exist' "$W/err"
tsrun --set csvseparator=x check
check "item 16: a bad --set value is blamed on --set" grep -q -- '--set csvseparator' "$W/err"
check "item 16: ... not on a line of the configuration file" bash -c "! grep -q '$CONF:[0-9]' '$W/err'"
sed -i 's/^    type = "sqlite"/    type = "sqlite"\n    password = "secret"/' "$CONF"
chmod 644 "$CONF"
tsrun check
check "item 16: a world-readable file holding the database password is warned about" \
    grep -q 'readable by other users' "$W/err"
check "item 16: ... without printing the password" bash -c "! grep -q secret '$W/err'"
chmod 600 "$CONF"
tsrun check
check "item 16: no warning once it is private" bash -c "! grep -q 'readable by other' '$W/err'"
done_tap
