# Rows toolsync wrote against the rows Moodle's own writers make for the same thing
# (categories, groups, enrolments, cohorts, enrol instances, accounts, pictures).  Last: it adds
# and removes rows of its own on the site the other parts left.
# SPDX-License-Identifier: GPL-3.0-or-later

part_like() {
    local what
    for what in category groups enrolment cohort cohortinstance meta user picture; do
        php_check like like.php "$what"
    done
}
