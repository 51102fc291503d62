#!/usr/bin/env bash
# kill -9 at random moments, again and again, then a run to the end: every input line
# must be applied exactly once or be in a tryback file (on SQLite and PostgreSQL).
# SPDX-License-Identifier: GPL-3.0-or-later
. "$(dirname "$0")/lib.sh"

N=${REL_KILL_LINES:-20000}
ROUNDS=${REL_KILL_ROUNDS:-15}

kill_loop() {
    local kind=$1 dir=$W/$1
    site "$kind" "$dir"
    local st=$?
    if [[ $st -eq 77 ]]; then skip "kill loop on $kind: no server"; return; fi
    [[ $st -eq 0 ]] || { nok "kill loop on $kind: site"; return; }
    printf 'filecleanup = true\nfilearchive = true\nbatchsize = 200\n' >>"$CONF"
    # every 97th line fails (empty first name): it must end in a tryback
    {
        echo "username;firstname;lastname;email"
        for ((i = 1; i <= N; i++)); do
            if ((i % 97 == 0)); then echo "k$i;;L$i;k$i@example.org"
            else echo "k$i;F$i;L$i;k$i@example.org"; fi
        done
    } >"$W/input-$kind.csv"
    cp "$W/input-$kind.csv" "$SYNC/userimport.csv"
    local killed=0 r
    for ((r = 1; r <= ROUNDS; r++)); do
        [[ -e $SYNC/userimport.csv ]] || break
        "$TS" -c "$CONF" --no-progress -q run users >/dev/null 2>>"$W/kill-$kind.err" &
        local pid=$!
        sleep "0.$(printf '%03d' $((RANDOM % 900 + 30)))"
        if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
        wait "$pid" 2>/dev/null
    done
    local final=0
    for r in 1 2 3 4 5; do
        [[ -e $SYNC/userimport.csv ]] || break
        tsrun -q run users
        final=$RC
    done
    ok "kill loop on $kind: $killed runs killed with SIGKILL, last exit $final"
    check "kill loop on $kind: the input was finally consumed (archived, then deleted)" \
        bash -c "[ ! -e '$SYNC/userimport.csv' ] && ls '$SYNC'/archives/*_userimport.csv >/dev/null"
    local good=$((N - N / 97))
    check "kill loop on $kind: every good line applied exactly once ($good accounts)" \
        [ "$(sql "SELECT count(*), count(DISTINCT username) FROM {user} WHERE username LIKE 'k%'")" = "$good|$good" ]
    check "kill loop on $kind: each account has exactly one user context" \
        [ "$(sql "SELECT count(*) FROM {user} u WHERE u.username LIKE 'k%' AND (SELECT count(*) FROM {context} c WHERE c.contextlevel = 30 AND c.instanceid = u.id) <> 1")" = 0 ]
    check "kill loop on $kind: no failed line was applied" \
        [ "$(sql "SELECT count(*) FROM {user} WHERE username LIKE 'k%' AND firstname = ''")" = 0 ]
    # every failed line is in a tryback (the last complete run wrote them all)
    local missing
    missing=$(grep ';;' "$W/input-$kind.csv" | while IFS= read -r l; do
        grep -qxF -- "$l" "$SYNC"/userimport_tryback_*.csv || echo "$l"; done | head -3)
    check "kill loop on $kind: every failed line is in a tryback file" [ -z "$missing" ]
}

kill_loop sqlite
kill_loop pgsql
done_tap
