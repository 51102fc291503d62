# Issue 8: courses toolsync creates, deletes, resets and restores, as Moodle sees them.
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run.sh (helpers in lib.sh).

part_courses() {
    local all="MT_C1 MT_C2 MT_C3 MT_C4 MT_TPL MT_MASTER MT_META MT_E1 MT_E2 MT_CO1 MT_CO2"
    # A 3-level category path, topics, self and guest, a teacher, a "/" inside a category name
    input users.csv userimport.csv   # the accounts of every part (mt_u6 teaches MT_C1)
    ts courses 0 run users
    php_check courses courses.php warm
    input courses-create.csv uploadcourses.csv
    ts courses 0 run courses
    php_check courses courses.php categories
    php_check courses courses.php sound $all
    php_check courses courses.php columns
    php_check courses courses.php likemoodle MT_C3
    php_check courses courses.php likemoodle MT_E2

    # Content made by Moodle, then the bridge's restore of a template with content
    php_check courses courses.php content MT_C2 MT_C3 MT_TPL
    input courses-template.csv uploadcourses.csv
    ts courses 0 run courses
    php_check courses courses.php fromtemplate MT_FROMTPL MT_TPL
    php_check courses courses.php sound MT_FROMTPL

    # Deleting a course with content (the bridge) and an empty one (SQL)
    input courses-delete.csv deletecourses.csv
    ts courses 0 run courses-delete
    php_check courses courses.php deleted MT_C2 MT_C4
    php_check courses courses.php sound MT_C1 MT_C3

    # Reset through the bridge
    input courses-reset.csv resetcourses.csv
    ts courses 0 run courses-reset
    php_check courses courses.php reset MT_C3
    # last: Moodle's own category deletion leaves sort orders to its next fix
    php_check courses courses.php deletecategory
}
