# The server's floor, sourced by tests/bench/bench.sh (PostgreSQL only): how long the
# server alone takes to store the rows a run wrote, loaded with COPY into a copy of the
# site as it was before the run, with no client work at all.  No toolsync run can beat
# it on the same server; the bench prints it beside the run.
# SPDX-License-Identifier: GPL-3.0-or-later

FLOOR_PSQL() { PGPASSWORD=$TS_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$TS_PG_HOST" \
    -p "$TS_PG_PORT" -U "$TS_PG_USER" "$@" >/dev/null; }

# bench_floor_before DB: the copy of the site before the run (ts_floor).
bench_floor_before() {
    FLOOR_PSQL -d postgres -c "DROP DATABASE IF EXISTS ts_floor" \
        -c "CREATE DATABASE ts_floor TEMPLATE $1"
}

# bench_floor DB LINES TABLE... "EVENT...": the rows of TABLEs that ts_floor lacks and
# the log rows of those events, exported from DB then timed into ts_floor; one row of
# the table.
bench_floor() {
    local db=$1 lines=$2 t tables=() events t0 t1 secs
    shift 2
    while [[ $# -gt 1 ]]; do tables+=("$1"); shift; done
    events=""
    for t in $1; do events+="'\\core\\event\\$t',"; done
    {
        for t in "${tables[@]}"; do
            echo "\\copy (SELECT * FROM mdl_$t WHERE id > $(floor_max "$t")) TO '$T/floor-$t.copy'"
        done
        echo "\\copy (SELECT * FROM mdl_logstore_standard_log WHERE eventname IN (${events%,})) TO '$T/floor-log.copy'"
    } | FLOOR_PSQL -d "$db" || { log "floor: export failed"; return 1; }
    t0=$(date +%s.%N)
    {
        for t in "${tables[@]}"; do echo "\\copy mdl_$t FROM '$T/floor-$t.copy'"; done
        echo "\\copy mdl_logstore_standard_log FROM '$T/floor-log.copy'"
    } | FLOOR_PSQL -d ts_floor || { log "floor: load failed"; return 1; }
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    ROWS+=("$(printf '| %-30s | %-14s | %-7s | %9s | %8s | %9s | %9s | %4s |' \
        "  server floor (COPY, no client)" pgsql "$MODE" "$lines" "$secs" \
        "$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", l / s }')" - 0)")
    rm -f "$T"/floor-*.copy
    FLOOR_PSQL -d postgres -c "DROP DATABASE ts_floor"
}

# floor_max TABLE: the highest id of TABLE in ts_floor (0 when empty).
floor_max() {
    PGPASSWORD=$TS_PG_PASSWORD psql -X -q -At -h "$TS_PG_HOST" -p "$TS_PG_PORT" \
        -U "$TS_PG_USER" -d ts_floor -c "SELECT COALESCE(MAX(id), 0) FROM mdl_$1"
}
