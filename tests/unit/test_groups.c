/* Unit test of the groups writers of core/moodle/groups.h: group updates, groupings and
 * their groups, deletions and the empty groups and groupings of a course.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on a fresh SQLite site made by tests/lib/mksite.sh, then on PostgreSQL and
 * MariaDB when TS_PG_HOST / TS_MY_HOST (or TS_MY_SOCKET) say where a server is.
 */
#include "enroltest.h"
#include "moodle/groups.h"

#define K kind_name


static void updates(int64_t course)
{
    moodle_group_fields f = { course, "G one", "G1", NULL, 2, -1 };
    int64_t g1 = moodle_group_create_fields(s, NOW, &f);
    TAP_OK(g1 > 0 && q_int("SELECT participation FROM {groups} WHERE id = ?", "i", g1) == 0 &&
           q_int("SELECT visibility FROM {groups} WHERE id = ?", "i", g1) == 2,
           "%s: visibility 2 turns participation off", K);
    moodle_group_fields same = { course, "G one", NULL, NULL, -1, -1 };
    TAP_OK(moodle_group_update(s, NOW, g1, &same) == 0, "%s: unchanged group: 0", K);
    moodle_group_fields ren = { course, " G renamed ", NULL, "desc", -1, -1 };
    int64_t mark = log_mark();
    TAP_OK(moodle_group_update(s, NOW + 5, g1, &ren) == 1 &&
           strcmp(q_text("SELECT name FROM {groups} WHERE id = ?", "i", g1), "G renamed") == 0 &&
           strcmp(q_text("SELECT idnumber FROM {groups} WHERE id = ?", "i", g1), "G1") == 0 &&
           q_int("SELECT timemodified FROM {groups} WHERE id = ?", "i", g1) == NOW + 5,
           "%s: group renamed, idnumber kept, timemodified", K);
    logrow lg[4];
    TAP_OK(log_since(mark, lg, 4) == 1 && strcmp(lg[0].name, "group_updated") == 0,
           "%s: group_updated logged", K);
    moodle_group_fields g2f = { course, "G two", "G2", NULL, -1, -1 };
    int64_t g2 = moodle_group_create_fields(s, NOW, &g2f);
    moodle_group_fields steal = { course, NULL, "G1", NULL, -1, -1 };
    TAP_OK(g2 > 0 && moodle_group_update(s, NOW, g2, &steal) == -1,
           "%s: idnumber of another group refused", K);
}

static void groupings(int64_t course)
{
    moodle_group_fields f = { course, "Grouping A", "GA", "about", -1, -1 };
    int64_t ga = moodle_grouping_create(s, NOW, &f);
    TAP_OK(ga > 0 && strcmp(q_text("SELECT description FROM {groupings} WHERE id = ?", "i",
                                   ga), "about") == 0, "%s: grouping created", K);
    TAP_OK(moodle_grouping_create(s, NOW, &f) == -1, "%s: grouping idnumber taken", K);
    int64_t g = q_int("SELECT id FROM {groups} WHERE courseid = ? AND idnumber = 'G2'", "i",
                      course);
    TAP_OK(moodle_grouping_add_group(s, NOW, ga, g) == 1 &&
           moodle_grouping_add_group(s, NOW, ga, g) == 0 &&
           count_rows("SELECT COUNT(*) FROM {groupings_groups} WHERE groupingid = ?", "i", ga)
           == 1, "%s: group put into the grouping once", K);
    moodle_group_fields upd = { course, NULL, NULL, "changed", -1, -1 };
    TAP_OK(moodle_grouping_update(s, NOW, ga, &upd) == 1 &&
           strcmp(q_text("SELECT name FROM {groupings} WHERE id = ?", "i", ga), "Grouping A")
           == 0, "%s: grouping description updated, name kept", K);
    int64_t other = new_course("Other course");
    moodle_group_fields of = { other, "Elsewhere", "", NULL, -1, -1 };
    int64_t go = moodle_group_create_fields(s, NOW, &of);
    TAP_OK(moodle_grouping_add_group(s, NOW, ga, go) == -1,
           "%s: a group of another course refused", K);
    TAP_OK(moodle_grouping_remove_group(s, NOW, ga, g) == 1 &&
           moodle_grouping_remove_group(s, NOW, ga, g) == 0, "%s: group removed once", K);
}

static void deletions(int64_t course)
{
    int64_t ids[8];
    long n = moodle_groups_empty(s, course, ids, 8);
    TAP_OK(n == 2, "%s: two empty groups (got %ld)", K, n);
    int64_t g2 = q_int("SELECT id FROM {groups} WHERE courseid = ? AND idnumber = 'G2'", "i",
                       course);
    int64_t ga = q_int("SELECT id FROM {groupings} WHERE courseid = ?", "i", course);
    TAP_OK(moodle_grouping_add_group(s, NOW, ga, g2) == 1, "%s: G2 back in the grouping", K);
    TAP_OK(moodle_groupings_empty(s, course, ids, 8) == 0, "%s: no empty grouping", K);
    TAP_OK(moodle_group_delete(s, NOW, g2) == 1 &&
           count_rows("SELECT COUNT(*) FROM {groupings_groups} WHERE groupid = ?", "i", g2) == 0
           && q_int("SELECT id FROM {groups} WHERE id = ?", "i", g2) == -1,
           "%s: group deleted with its grouping link", K);
    TAP_OK(moodle_group_delete(s, NOW, g2) == 0, "%s: deleting it again: 0", K);
    TAP_OK(moodle_groupings_empty(s, course, ids, 8) == 1 && ids[0] == ga,
           "%s: the grouping is empty now", K);
    TAP_OK(exec_sql("UPDATE {course} SET defaultgroupingid = ? WHERE id = ?", "ii", ga,
                    course) == 0 && moodle_grouping_delete(s, NOW, ga) == 1 &&
           q_int("SELECT defaultgroupingid FROM {course} WHERE id = ?", "i", course) == 0,
           "%s: grouping deleted, the course default reset", K);
    TAP_OK(has_purge("groupdata") && has_purge("user_group_groupings"),
           "%s: groups caches purge requested", K);
}

static void scenario(void)
{
    int64_t course = new_course("Groups");
    TAP_OK(course > 0, "%s: course", kind_name);
    purges_reset();
    updates(course);
    groupings(course);
    deletions(course);
}

int main(void)
{
    return run_sites("ts_test_groups", scenario);
}
