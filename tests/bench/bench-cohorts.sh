# Bench of the cohorts module, sourced by tests/bench/bench.sh (see its hook comment).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On a fresh site: 10,000 accounts, 500 courses (SQL fixture), 1,000 cohorts
# (cohorts.csv), each bound to one course (cohortscourses.csv: two cohorts per course),
# then TS_BENCH_COHORT_LINES membership lines (default 100,000: each account joins ten
# cohorts, each cohort gets 100 members), each enrolling its user in the cohort's course
# (user_enrolments and a role assignment owned by enrol_cohort), then the same file
# again (nothing to do); last, with cohorts.syncdelete on, a file freeing the 1,000
# cohorts, which its end deletes with their enrol instances.

BENCH_MODULES+=(cohorts)
BENCH_HOOKS+=(bench_cohorts)

COHORT_LINES=${TS_BENCH_COHORT_LINES:-100000}

# cohorts_sql BACKEND DBNAME < statements
cohorts_sql() {
    case $1 in
    sqlite) sqlite3 "$2" ;;
    pgsql) PGPASSWORD=$TS_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$TS_PG_HOST" \
               -p "$TS_PG_PORT" -U "$TS_PG_USER" -d "$2" ;;
    mariadb*) MYSQL_PWD=$TS_MY_PASSWORD mariadb --no-defaults -h "$TS_MY_HOST" \
               -P "$TS_MY_PORT" -u "$TS_MY_USER" "$2" ;;
    esac >/dev/null
}

bench_cohorts() {
    local b=$1 db=$2 d=$T/cohorts
    mkdir -p "$d"
    bash "$GEN" -n 10000 -p cm -a ldap >"$d/users.csv"
    "$TOOLSYNC" -c "$T/$b.conf" -q --set users.primaryidentity=username run users \
        "$d/users.csv" >/dev/null 2>&1 || { log "cohorts bench: users not created"; return 1; }
    # 500 courses in category 1, each with its context.
    {
        awk 'BEGIN { for (i = 1; i <= 500; i++)
            printf "INSERT INTO mdl_course (category, sortorder, fullname, shortname, idnumber, summary, format, lang, calendartype, theme, timecreated, timemodified) VALUES (1, %d, %s, %s, %s, %s, %s, %s, %s, %s, 1700000000, 1700000000);\n",
                   20000 + i, "'\''Bench " i "'\''", "'\''BC" i "'\''", "'\''BC" i "'\''",
                   "'\'''\''", "'\''topics'\''", "'\'''\''", "'\'''\''", "'\'''\''" }'
        echo "INSERT INTO mdl_context (contextlevel, instanceid, path, depth, locked) SELECT 50, id, NULL, 3, 0 FROM mdl_course WHERE shortname LIKE 'BC%';"
        echo "UPDATE mdl_context SET path = (SELECT c.path FROM mdl_context c WHERE c.contextlevel = 40 AND c.instanceid = 1) || '/' || id WHERE contextlevel = 50 AND path IS NULL;"
    } | { [[ $b == mariadb* ]] && { echo "SET sql_mode = 'PIPES_AS_CONCAT';"; cat; } || cat; } |
        cohorts_sql "$b" "$db" || { log "cohorts bench: courses not created"; return 1; }
    awk 'BEGIN { print "cidnumber;cname"; for (k = 1; k <= 1000; k++) print "BH" k ";Bench cohort " k }' \
        >"$d/cohorts.csv"
    awk 'BEGIN { print "course;cohort;role"; for (k = 1; k <= 1000; k++) print "BC" (k % 500 + 1) ";BH" k ";student" }' \
        >"$d/cohortscourses.csv"
    awk -v n="$COHORT_LINES" 'BEGIN { print "cidnumber;userid"
        for (j = 0; j < n; j++) {
            u = int(j / 10) % 10000
            print "BH" ((j % 10) * 100 + u % 100 + 1) ";CM" (u + 1) } }' \
        >"$d/members.csv"
    # The module's defaults fit: users and courses (idnumber = shortname) by idnumber.
    measure "cohorts create 1000" "$b" "$d/cohorts.csv" cohorts
    measure "cohorts bind 1000 (500 crs)" "$b" "$d/cohortscourses.csv" cohorts-courses
    [[ $b == pgsql ]] && bench_floor_before "$db"
    measure "cohorts $COHORT_LINES members" "$b" "$d/members.csv" cohorts
    [[ $b == pgsql ]] && bench_floor "$db" "$COHORT_LINES" cohort_members user_enrolments \
        role_assignments "cohort_member_added user_enrolment_created role_assigned"
    measure "cohorts members re-run" "$b" "$d/members.csv" cohorts
    # cohorts.syncdelete: every cohort freed (100 members each, unenrolled), so that the
    # end of the file deletes the 1,000 with their enrol instances (TS_BENCH_COHORT_FREE=0
    # skips it: one unenrolment per member, several minutes on a server).
    [[ ${TS_BENCH_COHORT_FREE:-1} == 0 ]] && return 0
    awk 'BEGIN { print "cmd;cidnumber"; for (k = 1; k <= 1000; k++) print "free;BH" k }' \
        >"$d/free.csv"
    cp "$T/$b.conf" "$d/$b.conf"
    printf 'cohorts {\n    syncdelete = true\n}\n' >>"$T/$b.conf"
    measure "cohorts free 1000 + syncdelete" "$b" "$d/free.csv" cohorts
    cp "$d/$b.conf" "$T/$b.conf"
}
