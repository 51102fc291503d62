# Bench of the enrolments module, sourced by tests/bench/bench.sh (see its hook comment).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On a fresh site: TS_BENCH_EUSERS accounts (default 20000, created by the users module)
# and TS_BENCH_COURSES courses (default 2000, each with its context, a manual instance
# and two groups GA and GB, written with SQL); then an enrols.csv of TS_BENCH_ENROLS
# lines (default 200000: each account in TS_BENCH_ENROLS / TS_BENCH_EUSERS courses, each
# line also joining group GA or GB with gadd), run once (writes) and once more (a re-run,
# nothing to do).  On PostgreSQL, the server's floor too (tests/bench/floor.sh).

BENCH_MODULES+=(enrolments)
BENCH_HOOKS+=(bench_enrolments)

EUSERS=${TS_BENCH_EUSERS:-20000}
ECOURSES=${TS_BENCH_COURSES:-2000}
ENROLS=${TS_BENCH_ENROLS:-200000}

# bench_sql BACKEND DB: runs the SQL of standard input on the site (|| concatenates
# everywhere: MariaDB's session gets PIPES_AS_CONCAT).
bench_sql() {
    case $1 in
    sqlite) sqlite3 "$2" ;;
    pgsql) PGPASSWORD=$TS_PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$TS_PG_HOST" \
            -p "$TS_PG_PORT" -U "$TS_PG_USER" -d "$2" ;;
    mariadb*) { echo "SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT');"; cat; } |
            MYSQL_PWD=$TS_MY_PASSWORD mariadb --no-defaults -h "$TS_MY_HOST" -P "$TS_MY_PORT" \
            -u "$TS_MY_USER" "$2" ;;
    esac >/dev/null
}

# The courses, their contexts under category 1, manual instances and groups.
bench_enrol_courses() {
    awk -v n="$ECOURSES" -v q="'" 'BEGIN {
        for (i = 1; i <= n; i += 500) {
            printf "INSERT INTO mdl_course (category, sortorder, fullname, shortname, idnumber, summary, format, lang, calendartype, theme, timecreated, timemodified) VALUES\n"
            for (j = i; j < i + 500 && j <= n; j++)
                printf "%s(1, %d, %sBench %d%s, %sBC%d%s, %sBC%d%s, %s%s, %stopics%s, %s%s, %s%s, %s%s, 1700000000, 1700000000)\n",
                    (j > i ? "," : ""), 20000 + j, q, j, q, q, j, q, q, j, q, q, q, q, q, q, q, q, q, q, q
            print ";"
        }
    }'
    cat <<'EOF'
INSERT INTO mdl_context (contextlevel, instanceid, path, depth, locked)
    SELECT 50, id, NULL, 3, 0 FROM mdl_course WHERE shortname LIKE 'BC%';
UPDATE mdl_context SET path = (SELECT p.path FROM mdl_context p WHERE p.contextlevel = 40
    AND p.instanceid = 1) || '/' || id WHERE contextlevel = 50 AND path IS NULL;
INSERT INTO mdl_enrol (enrol, status, courseid, sortorder, roleid, timecreated, timemodified)
    SELECT 'manual', 0, id, 0, 5, 1700000000, 1700000000 FROM mdl_course WHERE shortname LIKE 'BC%';
INSERT INTO mdl_groups (courseid, idnumber, name, description, descriptionformat, picture,
    timecreated, timemodified)
    SELECT id, '', 'GA', '', 0, 0, 1700000000, 1700000000 FROM mdl_course WHERE shortname LIKE 'BC%';
INSERT INTO mdl_groups (courseid, idnumber, name, description, descriptionformat, picture,
    timecreated, timemodified)
    SELECT id, '', 'GB', '', 0, 0, 1700000000, 1700000000 FROM mdl_course WHERE shortname LIKE 'BC%';
EOF
}

# enrols.csv: line k puts account (k mod users)+1 into a course that spreads the
# enrolments evenly; never twice the same pair.
bench_enrol_file() {
    awk -v n="$ENROLS" -v u="$EUSERS" -v c="$ECOURSES" 'BEGIN {
        print "cmd;cid;uid;rolename;enrol;gcmd;g1"
        per = int(n / u); if (per < 1) per = 1
        step = int(c / per); if (step < 1) step = 1
        for (k = 0; k < n; k++) {
            user = k % u; round = int(k / u)
            course = (user + round * step) % c + 1
            printf "add;BC%d;ebench%d;student;manual;gadd;%s\n", course, user + 1, (user % 2) ? "GB" : "GA"
        }
    }'
}

bench_enrolments() {
    local b=$1 db=$2
    log "enrolments: $EUSERS accounts, $ECOURSES courses on $b"
    [[ -f $T/eusers.csv ]] || bash "$GEN" -n "$EUSERS" -p ebench -a ldap >"$T/eusers.csv"
    [[ -f $T/enrols.csv ]] || bench_enrol_file >"$T/enrols.csv"
    bench_enrol_courses | bench_sql "$b" "$db" || { log "course creation failed on $b"; return 1; }
    "$TOOLSYNC" -c "$T/$b.conf" -q run users "$T/eusers.csv" >/dev/null 2>&1 ||
        { log "accounts not created on $b"; return 1; }
    [[ $b == pgsql ]] && bench_floor_before "$db"
    measure "enrol $ENROLS (+groups)" "$b" "$T/enrols.csv" enrols
    [[ $b == pgsql ]] && bench_floor "$db" "$ENROLS" user_enrolments role_assignments \
        groups_members "user_enrolment_created role_assigned group_member_added"
    measure "re-run enrols (no-op)" "$b" "$T/enrols.csv" enrols
}
