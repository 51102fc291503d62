/* Unit test of what core/moodle remembers during a run (enrolstate.c, known.c,
 * knowncohorts.c): the answers stay true through writes, rollbacks and outside SQL,
 * and lines after the first of a course or cohort ask the database nothing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on a fresh SQLite site made by tests/lib/mksite.sh, then on PostgreSQL and
 * MariaDB when TS_PG_HOST / TS_MY_HOST (or TS_MY_SOCKET) say where a server is.
 */
#include "enroltest.h"
#include "moodle/enrolstate.h"



/* Ten users enrolled, with their role and a group: the first costs the reads of the
 * course, the nine others none.  `warm`: the users' dirty flags were set by an earlier
 * course of this run (MariaDB reads before inserting a user's first flag: its UPDATE
 * counts rows changed, not rows matched), so that only the course's reads are counted. */
static void enrol_many(int64_t course, int64_t inst, int64_t group, int64_t *users, int warm)
{
    const char *K = kind_name;
    int ok = 1;
    uint64_t reads = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 1)
            reads = db_read_count(d);
        ok &= moodle_enrol_user(s, NOW, inst, users[i], 5, 0, 0, 0) == 1 &&
              moodle_group_add_member(s, NOW, group, users[i], "", 0) == 1;
    }
    ok &= moodle_flush(s) == 0;
    TAP_OK(ok, "%s: ten enrolments with role and group written", K);
    if (!ok)
        printf("# %s\n", moodle_error(s));
    if (warm)
        TAP_OK(db_read_count(d) == reads, "%s: nine more lines of the course: no read (%llu)",
               K, (unsigned long long)(db_read_count(d) - reads));
    TAP_OK(count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ?", "i", inst) == 10
           && count_rows("SELECT COUNT(*) FROM {groups_members} WHERE groupid = ?", "i",
                         group) == 10, "%s: ten user_enrolments and ten memberships", K);

    /* The same again: nothing to write, nothing to read. */
    reads = db_read_count(d);
    int again = moodle_enrol_user(s, NOW, inst, users[3], 5, 0, 0, 0);
    int member = moodle_group_add_member(s, NOW, group, users[3], "", 0);
    TAP_OK(again == 0 && member == 0 && db_read_count(d) == reads,
           "%s: a re-run line writes nothing and reads nothing", K);
    int status = -1;
    int64_t start = -1, end = -1;
    TAP_OK(moodle_enrolment_get(s, inst, users[3], &status, &start, &end) == 1 &&
           status == 0 && start == 0 && end == 0 &&
           moodle_is_enrolled(s, course, users[3]) == 1 &&
           moodle_course_roles(s, course, users[3], 5, "", 0) == 1 &&
           moodle_is_group_member(s, group, users[3], NULL) == 1,
           "%s: the questions answer what was written", K);
}

/* A rolled-back enrolment is forgotten with the transaction (moodle_forget). */
static void rollback_forgets(int64_t course, int64_t inst, int64_t user)
{
    const char *K = kind_name;
    int ok = db_begin(d) == 0 && moodle_enrol_user(s, NOW, inst, user, 5, 0, 0, 0) == 1 &&
             moodle_is_enrolled(s, course, user) == 1;
    ok &= moodle_flush(s) == 0 && db_rollback(d) == 0;
    moodle_forget(s);
    TAP_OK(ok, "%s: an enrolment written in a transaction", K);
    TAP_OK(moodle_is_enrolled(s, course, user) == 0 &&
           moodle_enrolment_get(s, inst, user, NULL, NULL, NULL) == 0 &&
           moodle_course_roles(s, course, user, 0, NULL, 0) == 0,
           "%s: rolled back, it is no longer answered", K);
}

/* Writes the writers did not see: a module's own SQL, then state_changed. */
static void outside_sql(int64_t course, int64_t inst, int64_t group, int64_t user)
{
    const char *K = kind_name;
    exec_sql("DELETE FROM {user_enrolments} WHERE userid = ?", "i", user);
    exec_sql("DELETE FROM {groups_members} WHERE userid = ?", "i", user);
    moodle_enrolment_state_changed(s);
    TAP_OK(moodle_is_enrolled(s, course, user) == 0 &&
           moodle_is_group_member(s, group, user, NULL) == 0,
           "%s: after outside SQL and state_changed, the database answers", K);
    TAP_OK(moodle_enrol_user(s, NOW, inst, user, 0, 0, 0, 0) == 1 && moodle_flush(s) == 0 &&
           count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ? AND "
                      "userid = ?", "ii", inst, user) == 1,
           "%s: enrolled again: one row, not a duplicate", K);
}

/* Unenrolment and group removal keep the answers true without reading. */
static void removals(int64_t course, int64_t inst, int64_t group, int64_t user)
{
    const char *K = kind_name;
    TAP_OK(moodle_group_remove_member(s, NOW, group, user) == 1 &&
           moodle_is_group_member(s, group, user, NULL) == 0,
           "%s: a membership removed is no longer answered", K);
    TAP_OK(moodle_unenrol_user(s, NOW, inst, user) == 1 && moodle_flush(s) == 0 &&
           moodle_is_enrolled(s, course, user) == 0 &&
           moodle_course_roles(s, course, user, 0, NULL, 0) == 0,
           "%s: an unenrolment: not enrolled, no role", K);
    TAP_OK(moodle_enrol_user(s, NOW, inst, user, 5, 0, 0, 1) == 1 && moodle_flush(s) == 0 &&
           count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ? AND "
                      "userid = ? AND status = 1", "ii", inst, user) == 1,
           "%s: enrolled again (suspended): the row is written", K);
}

/* Cohort members: the cohort, its instances and its members read once. */
static void cohort_members(int64_t course, int64_t *users)
{
    const char *K = kind_name;
    int64_t cohort = moodle_cohort_create(s, NOW, 1, "State cohort", "STATEC", "");
    moodle_instance in = { .courseid = course, .enrol = "cohort", .roleid = 5,
                           .customint1 = cohort };
    int64_t cinst = cohort > 0 ? moodle_instance_add(s, NOW, &in) : -1;
    int ok = cinst > 0;
    uint64_t reads = 0;
    for (int i = 0; i < 10 && ok; i++) {
        if (i == 1)
            reads = db_read_count(d);
        ok &= moodle_cohort_add_member(s, NOW, cohort, users[i]) == 1;
    }
    ok &= moodle_flush(s) == 0;
    TAP_OK(ok, "%s: ten cohort members added through a bound cohort", K);
    if (!ok)
        printf("# %s\n", moodle_error(s));
    TAP_OK(db_read_count(d) == reads, "%s: nine more members: no read (%llu)", K,
           (unsigned long long)(db_read_count(d) - reads));
    TAP_OK(count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ?", "i",
                      cinst) == 10, "%s: each member enrolled through the cohort instance", K);
    TAP_OK(moodle_cohort_add_member(s, NOW, cohort, users[2]) == 0 &&
           moodle_cohort_remove_member(s, NOW, cohort, users[2]) == 1 &&
           moodle_cohort_add_member(s, NOW, cohort, users[2]) == 1 && moodle_flush(s) == 0 &&
           count_rows("SELECT COUNT(*) FROM {cohort_members} WHERE cohortid = ?", "i",
                      cohort) == 10,
           "%s: a member, removed and added again: the answers follow", K);
}

/* The memory full: a new course is answered by the database, rightly, line by line. */
static void memory_full(int64_t *users)
{
    const char *K = kind_name;
    int64_t course = new_course("STATEFULL");
    moodle_instance in = { .courseid = course, .enrol = "manual" };
    int64_t inst = course > 0 ? moodle_instance_add(s, NOW, &in) : -1;
    int64_t group = inst > 0 ? moodle_group_create(s, NOW, course, "Full group", "", "") : -1;
    int64_t cohort = group > 0 ? moodle_cohort_create(s, NOW, 1, "Full cohort", "FULL1", "")
                               : -1;
    int ok = cohort > 0 && moodle_state_limit(s, 0) == 0;
    for (int i = 0; i < 3 && ok; i++)
        ok = moodle_enrol_user(s, NOW, inst, users[i], 5, 0, 0, 0) == 1 &&
             moodle_group_add_member(s, NOW, group, users[i], "", 0) == 1 &&
             moodle_cohort_add_member(s, NOW, cohort, users[i]) == 1 && moodle_flush(s) == 0;
    TAP_OK(ok, "%s: memory full: three enrolments, memberships and cohort members written", K);
    if (!ok)
        printf("# %s\n", moodle_error(s));
    uint64_t reads = db_read_count(d);
    int st = -1;
    int64_t a = -1, b = -1;
    TAP_OK(moodle_enrolment_get(s, inst, users[1], &st, &a, &b) == 1 && st == 0 &&
           moodle_is_enrolled(s, course, users[1]) == 1 &&
           moodle_is_enrolled(s, course, users[6]) == 0 &&
           moodle_course_roles(s, course, users[1], 5, "", 0) == 1 &&
           moodle_is_group_member(s, group, users[1], NULL) == 1 &&
           moodle_is_group_member(s, group, users[6], NULL) == 0 &&
           moodle_state_cm(s, cohort, users[2]) == 1 &&
           moodle_state_cm(s, cohort, users[6]) == 0,
           "%s: memory full: the database answers each question rightly", K);
    TAP_OK(db_read_count(d) - reads >= 8, "%s: memory full: one read per question (%llu)", K,
           (unsigned long long)(db_read_count(d) - reads));
    TAP_OK(moodle_enrol_user(s, NOW, inst, users[1], 5, 0, 0, 0) == 0 &&
           moodle_cohort_add_member(s, NOW, cohort, users[1]) == 0 && moodle_flush(s) == 0 &&
           count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ?", "i", inst) == 3,
           "%s: memory full: a line again writes nothing", K);
    moodle_state_limit(s, 750000);
}

static void scenario(void)
{
    int64_t course = new_course("STATE1");
    moodle_instance in = { .courseid = course, .enrol = "manual" };
    int64_t inst = course > 0 ? moodle_instance_add(s, NOW, &in) : -1;
    int64_t group = inst > 0 ? moodle_group_create(s, NOW, course, "State group", "", "") : -1;
    int64_t users[12];
    char name[32];
    int ok = group > 0;
    for (int i = 0; i < 12 && ok; i++) {
        snprintf(name, sizeof name, "state%d", i);
        ok &= (users[i] = new_user(name)) > 0;
    }
    TAP_OK(ok, "%s: a course, its manual instance, a group, twelve users", kind_name);
    if (!ok) {
        printf("# %s\n", moodle_error(s));
        return;
    }
    /* A first course sets the users' flags; the second is the one counted. */
    int64_t first = new_course("STATE0");
    moodle_instance in0 = { .courseid = first, .enrol = "manual" };
    int64_t inst0 = first > 0 ? moodle_instance_add(s, NOW, &in0) : -1;
    int64_t group0 = inst0 > 0 ? moodle_group_create(s, NOW, first, "Group 0", "", "") : -1;
    enrol_many(first, inst0, group0, users, 0);
    enrol_many(course, inst, group, users, 1);
    rollback_forgets(course, inst, users[10]);
    outside_sql(course, inst, group, users[4]);
    removals(course, inst, group, users[5]);
    cohort_members(course, users);
    memory_full(users);
}

int main(void)
{
    return run_sites("ts_test_enrolstate", scenario);
}
