# Issue 10: cohorts, members and cohort enrolments toolsync wrote, as Moodle sees them.
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh (helpers in lib.sh); the courses part made MT_CO1 and MT_CO2, the
# enrolments part the accounts mt_u1..mt_u6.

part_cohorts() {
    input cohorts.csv
    ts cohorts 0 run cohorts
    input cohortscourses.csv
    ts cohorts 0 run cohorts-courses
    # members who join and leave a bound cohort: enrolled and unenrolled at once
    input cohorts-after.csv cohorts.csv
    ts cohorts 0 run cohorts
    php_check cohorts cohorts.php members cohorts-expect.csv
    php_check cohorts cohorts.php expect cohorts-enrol-expect.csv
    php_check cohorts cohorts.php sync
    # a bound cohort emptied
    input cohorts-free.csv cohorts.csv
    ts cohorts 0 run cohorts
    php_check cohorts cohorts.php members cohorts-expect-2.csv
    php_check cohorts cohorts.php expect cohorts-enrol-expect-2.csv
    php_check cohorts cohorts.php sync
}
