# The courses module's bench, sourced by bench.sh: TS_BENCH_COURSES (default 10000) course
# creations into a 3-level category tree (5 faculties x 4 departments x 3 years, created
# by the run), each course with its context, sections, format options and default enrol
# instances.
# SPDX-License-Identifier: GPL-3.0-or-later
BENCH_MODULES+=(courses)
BENCH_HOOKS+=(bench_courses)
COURSES=${TS_BENCH_COURSES:-10000}

bench_courses() {
    local b=$1 f=$T/courses.csv
    [[ -f $f ]] || awk -v n="$COURSES" 'BEGIN {
        print "shortname;fullname;idnumber;category"
        for (i = 1; i <= n; i++)
            printf "BC%06d;Bench course %d;BCID%06d;Faculty %d/Department %d/Year %d\n",
                   i, i, i, i % 5, int(i / 5) % 4, int(i / 20) % 3
    }' >"$f"
    measure "create $COURSES courses (3 levels)" "$b" "$f" courses
}
