# Issue 9: enrolments, roles and groups toolsync wrote, as Moodle sees them.
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh (helpers in lib.sh); the courses part made MT_E1, MT_E2, MT_MASTER,
# MT_META and the accounts mt_u1..mt_u6.

part_enrolments() {
    php_check enrolments enrolments.php enablemeta
    input metacourses.csv
    ts enrolments 0 run courses-metas
    php_check enrolments enrolments.php warmcache
    input enrols.csv
    ts enrolments 0 run enrols
    input groups.csv
    ts enrolments 0 run groups
    input groupmembers.csv
    ts enrolments 0 run groupmembers
    php_check enrolments enrolments.php expect enrolments-expect.csv
    php_check enrolments enrolments.php groupings
    php_check enrolments enrolments.php metasync
    # an enrolment disabled, then the meta link disabled and enabled again
    input enrols-2.csv enrols.csv
    ts enrolments 0 run enrols
    input metacourses-del.csv metacourses.csv
    ts enrolments 0 run courses-metas
    php_check enrolments enrolments.php expect enrolments-expect-2.csv
    php_check enrolments enrolments.php metasync
    input metacourses-add.csv metacourses.csv
    ts enrolments 0 run courses-metas
    php_check enrolments enrolments.php expect enrolments-expect-3.csv
    php_check enrolments enrolments.php metasync
}
