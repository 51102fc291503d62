/* Unit test of the enrolment, role, group and cohort writers (core/moodle/enrol.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on a fresh SQLite site made by tests/lib/mksite.sh, then on PostgreSQL and
 * MariaDB when TS_PG_HOST / TS_MY_HOST (or TS_MY_SOCKET) say where a server is.
 */
#include "enroltest.h"

/* ---- the scenario -------------------------------------------------------------------- */

static void scenario(void)
{
    const char *K = kind_name;
    purges_reset();

    /* A course in category 1 with its context, a manual instance, two users. */
    int64_t course = insert_sql(
        "INSERT INTO {course} (category, sortorder, fullname, shortname, idnumber, summary, "
        "format, lang, calendartype, theme, timecreated, timemodified, cacherev) "
        "VALUES (1, 10001, 'Test course', 'TC1', 'TC1', '', 'topics', '', '', '', ?, ?, ?)",
        "iii", NOW, NOW, NOW);
    TAP_OK(course > 1, "%s: course row", K);
    char cpath[256];
    int64_t cctx = moodle_context_create(s, NOW, 50, course, "/1/3", cpath);
    TAP_OK(cctx > 0, "%s: course context", K);
    int64_t manual = insert_sql(
        "INSERT INTO {enrol} (enrol, status, courseid, sortorder, roleid, timecreated, "
        "timemodified) VALUES ('manual', 0, ?, 0, 5, ?, ?)", "iii", course, NOW, NOW);
    TAP_OK(manual > 0, "%s: manual instance", K);
    int64_t u1 = insert_sql(
        "INSERT INTO {user} (auth, confirmed, mnethostid, username, password, timecreated, "
        "timemodified) VALUES ('manual', 1, 1, 'u1', 'x', ?, ?)", "ii", NOW, NOW);
    int64_t u2 = insert_sql(
        "INSERT INTO {user} (auth, confirmed, mnethostid, username, password, timecreated, "
        "timemodified) VALUES ('manual', 1, 1, 'u2', 'x', ?, ?)", "ii", NOW, NOW);
    TAP_OK(u1 > 2 && u2 > u1, "%s: users", K);

    logrow lg[32];
    int n;

    /* --- enrol -------------------------------------------------------------------- */
    int64_t mark = log_mark();
    int r = moodle_enrol_user(s, NOW, manual, u1, 5, 0, 0, 0);
    TAP_OK(r == 1, "%s: enrol returns 1", K);
    if (r < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(UE_COUNT(manual, u1) == 1, "%s: one user_enrolments row", K);
    TAP_OK(q_int("SELECT modifierid FROM {user_enrolments} WHERE enrolid = ? AND userid = ? "
                 "AND status = 0 AND timestart = 0 AND timeend = 0 AND timecreated = ? "
                 "AND timemodified = ?", "iiii", manual, u1, NOW, NOW) == 2,
           "%s: user_enrolments columns", K);
    int64_t ra1 = q_int("SELECT id FROM {role_assignments} WHERE userid = ? AND roleid = 5 "
                        "AND contextid = ? AND component = '' AND itemid = 0 AND "
                        "modifierid = 2 AND timemodified = ? AND sortorder = 0",
                        "iii", u1, cctx, NOW);
    TAP_OK(ra1 > 0 && RA_COUNT(u1) == 1, "%s: one manual role assignment", K);
    char uname[24];
    snprintf(uname, sizeof uname, "%lld", (long long)u1);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {cache_flags} WHERE flagtype = "
                      "'accesslib/dirtyusers' AND name = ? AND value = '1' AND expiry > ?",
                      "si", uname, NOW) == 1, "%s: dirtyusers flag", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 2, "%s: two log rows", K);
    if (n == 2) {
        int64_t ueid = q_int("SELECT id FROM {user_enrolments} WHERE enrolid = ? AND "
                             "userid = ?", "ii", manual, u1);
        char want[128];
        TAP_STREQ(lg[0].name, "user_enrolment_created", "%s: first event", K);
        TAP_STREQ(lg[0].other, "{\"enrol\":\"manual\"}", "%s: user_enrolment_created other", K);
        TAP_OK(lg[0].objectid == ueid && lg[0].courseid == course &&
               lg[0].relateduserid == u1 && lg[0].contextid == cctx &&
               strcmp(lg[0].crud, "c") == 0 && strcmp(lg[0].objecttable, "user_enrolments") == 0,
               "%s: user_enrolment_created columns", K);
        TAP_STREQ(lg[1].name, "role_assigned", "%s: second event", K);
        snprintf(want, sizeof want, "{\"id\":%lld,\"component\":\"\",\"itemid\":0}",
                 (long long)ra1);
        TAP_STREQ(lg[1].other, want, "%s: role_assigned other", K);
        TAP_OK(lg[1].objectid == 5 && lg[1].courseid == course && lg[1].relateduserid == u1 &&
               strcmp(lg[1].objecttable, "role") == 0, "%s: role_assigned columns", K);
    }

    int64_t logs = LOG_COUNT();
    TAP_OK(moodle_enrol_user(s, NOW + 5, manual, u1, 5, 0, 0, 0) == 0,
           "%s: enrol again returns 0", K);
    TAP_OK(UE_COUNT(manual, u1) == 1 && RA_COUNT(u1) == 1 && LOG_COUNT() == logs,
           "%s: enrol again writes nothing", K);

    mark = log_mark();
    TAP_OK(moodle_enrol_user(s, NOW, manual, u1, 5, 0, NOW + 1000, -1) == 1,
           "%s: changed end date updates", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "user_enrolment_updated") == 0 &&
           strcmp(lg[0].crud, "u") == 0, "%s: user_enrolment_updated logged", K);
    TAP_OK(moodle_enrol_user(s, NOW, manual, u1, 5, 0, NOW + 1000, -1) == 0,
           "%s: same end date: nothing", K);
    TAP_OK(moodle_enrol_user(s, NOW, manual, u1, 5, 0, 0, 0) == 1 &&
           q_int("SELECT timeend FROM {user_enrolments} WHERE enrolid = ? AND userid = ?",
                 "ii", manual, u1) == 0, "%s: end date back to 0", K);

    /* --- groups ------------------------------------------------------------------- */
    mark = log_mark();
    int64_t g1 = moodle_group_create(s, NOW, course, "  Group A ", "GA", "<p>A</p>");
    TAP_OK(g1 > 0, "%s: group created", K);
    TAP_STREQ(q_text("SELECT name FROM {groups} WHERE id = ?", "i", g1), "Group A",
              "%s: group name trimmed", K);
    TAP_OK(q_int("SELECT courseid FROM {groups} WHERE id = ? AND idnumber = 'GA' AND "
                 "descriptionformat = 0 AND enrolmentkey IS NULL AND picture = 0 AND "
                 "visibility = 0 AND participation = 1 AND timecreated = ? AND "
                 "timemodified = ?", "iii", g1, NOW, NOW) == course, "%s: group columns", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "group_created") == 0 && lg[0].objectid == g1 &&
           lg[0].courseid == course && lg[0].relateduserid == -1 &&
           strcmp(lg[0].other, "null") == 0, "%s: group_created logged", K);
    TAP_OK(has_purge("groupdata"), "%s: groupdata purge requested", K);
    TAP_OK(moodle_group_create(s, NOW, course, "Other", "GA", NULL) == -1,
           "%s: duplicate group idnumber refused", K);
    int64_t g2 = moodle_group_create(s, NOW, course, "Group B", "", NULL);
    TAP_OK(g2 > 0, "%s: second group", K);

    mark = log_mark();
    r = moodle_group_add_member(s, NOW + 7, g1, u1, NULL, 0);
    TAP_OK(r == 1, "%s: member added", K);
    if (r < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(q_int("SELECT timeadded FROM {groups_members} WHERE groupid = ? AND userid = ? "
                 "AND component = '' AND itemid = 0", "ii", g1, u1) == NOW + 7,
           "%s: groups_members row", K);
    TAP_OK(q_int("SELECT timemodified FROM {groups} WHERE id = ?", "i", g1) == NOW + 7,
           "%s: group timemodified bumped", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "group_member_added") == 0 &&
           lg[0].relateduserid == u1 && lg[0].objectid == g1,
           "%s: group_member_added logged", K);
    if (n == 1)
        TAP_STREQ(lg[0].other, "{\"component\":\"\",\"itemid\":0}",
                  "%s: group_member_added other", K);
    logs = LOG_COUNT();
    TAP_OK(moodle_group_add_member(s, NOW, g1, u1, NULL, 0) == 0 && GM_COUNT(g1, u1) == 1 &&
           LOG_COUNT() == logs, "%s: add member again: nothing", K);
    TAP_OK(moodle_group_add_member(s, NOW, g1, u2, NULL, 0) == -1 && GM_COUNT(g1, u2) == 0,
           "%s: user not enrolled: refused", K);
    TAP_OK(has_purge("user_group_groupings"), "%s: user_group_groupings purge requested", K);

    /* --- cohorts ------------------------------------------------------------------ */
    mark = log_mark();
    int64_t ch = moodle_cohort_create(s, NOW, 1, "Cohort A", "CA", NULL);
    TAP_OK(ch > 0, "%s: cohort created", K);
    TAP_OK(q_int("SELECT contextid FROM {cohort} WHERE id = ? AND name = 'Cohort A' AND "
                 "idnumber = 'CA' AND description = '' AND descriptionformat = 1 AND "
                 "visible = 1 AND component = '' AND theme = '' AND timecreated = ? AND "
                 "timemodified = ?", "iii", ch, NOW, NOW) == 1, "%s: cohort columns", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "cohort_created") == 0 && lg[0].contextid == 1 &&
           lg[0].courseid == 0 && lg[0].objectid == ch, "%s: cohort_created logged", K);

    int64_t cinst = insert_sql(
        "INSERT INTO {enrol} (enrol, status, courseid, sortorder, name, roleid, customint1, "
        "customint2, expirythreshold, timecreated, timemodified) "
        "VALUES ('cohort', 0, ?, 3, '', 5, ?, ?, 0, ?, ?)", "iiiii", course, ch, g2, NOW, NOW);
    TAP_OK(cinst > 0, "%s: cohort instance", K);

    mark = log_mark();
    r = moodle_cohort_add_member(s, NOW, ch, u2);
    TAP_OK(r == 1, "%s: cohort member added", K);
    if (r < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(count_rows("SELECT COUNT(*) FROM {cohort_members} WHERE cohortid = ? AND "
                      "userid = ? AND timeadded = ?", "iii", ch, u2, NOW) == 1,
           "%s: cohort_members row", K);
    TAP_OK(UE_COUNT(cinst, u2) == 1, "%s: observer enrolled the member", K);
    int64_t ra2 = q_int("SELECT id FROM {role_assignments} WHERE userid = ? AND roleid = 5 "
                        "AND contextid = ? AND component = 'enrol_cohort' AND itemid = ?",
                        "iii", u2, cctx, cinst);
    TAP_OK(ra2 > 0, "%s: role owned by enrol_cohort", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {groups_members} WHERE groupid = ? AND "
                      "userid = ? AND component = 'enrol_cohort' AND itemid = ?", "iii",
                      g2, u2, cinst) == 1, "%s: group membership owned by enrol_cohort", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 4, "%s: four events", K);
    if (n == 4) {
        TAP_OK(strcmp(lg[0].name, "cohort_member_added") == 0 &&
               strcmp(lg[1].name, "user_enrolment_created") == 0 &&
               strcmp(lg[2].name, "role_assigned") == 0 &&
               strcmp(lg[3].name, "group_member_added") == 0, "%s: event order", K);
        char want[160];
        TAP_STREQ(lg[1].other, "{\"enrol\":\"cohort\"}", "%s: cohort enrol other", K);
        snprintf(want, sizeof want, "{\"id\":%lld,\"component\":\"enrol_cohort\","
                 "\"itemid\":\"%lld\"}", (long long)ra2, (long long)cinst);
        TAP_STREQ(lg[2].other, want, "%s: cohort role_assigned other", K);
        snprintf(want, sizeof want, "{\"component\":\"enrol_cohort\",\"itemid\":\"%lld\"}",
                 (long long)cinst);
        TAP_STREQ(lg[3].other, want, "%s: cohort group_member_added other", K);
    }
    logs = LOG_COUNT();
    TAP_OK(moodle_cohort_add_member(s, NOW, ch, u2) == 0 && LOG_COUNT() == logs,
           "%s: cohort member again: nothing", K);

    /* u1, enrolled manually, joins the cohort too, then leaves it: only what the cohort
     * instance owns goes. */
    TAP_OK(moodle_cohort_add_member(s, NOW, ch, u1) == 1 && UE_COUNT(cinst, u1) == 1 &&
           RA_COUNT(u1) == 2 && GM_COUNT(g2, u1) == 1, "%s: u1 in the cohort", K);
    mark = log_mark();
    TAP_OK(moodle_cohort_remove_member(s, NOW, ch, u1) == 1, "%s: u1 leaves the cohort", K);
    TAP_OK(UE_COUNT(cinst, u1) == 0 && UE_COUNT(manual, u1) == 1,
           "%s: cohort enrolment gone, manual kept", K);
    TAP_OK(RA_COUNT(u1) == 1 && q_int("SELECT id FROM {role_assignments} WHERE userid = ?",
                                      "i", u1) == ra1, "%s: manual role kept", K);
    TAP_OK(GM_COUNT(g2, u1) == 0 && GM_COUNT(g1, u1) == 1,
           "%s: cohort group membership gone, manual one kept", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 4 && strcmp(lg[0].name, "cohort_member_removed") == 0 &&
           strcmp(lg[1].name, "group_member_removed") == 0 &&
           strcmp(lg[2].name, "role_unassigned") == 0 &&
           strcmp(lg[3].name, "user_enrolment_deleted") == 0,
           "%s: cohort removal events", K);
    if (n == 4)
        TAP_OK(strstr(lg[3].other, "\"lastenrol\":false") != NULL,
               "%s: not the last enrolment", K);

    TAP_OK(moodle_cohort_remove_member(s, NOW, ch, u2) == 1, "%s: u2 leaves the cohort", K);
    TAP_OK(UE_COUNT(cinst, u2) == 0 && RA_COUNT(u2) == 0 && GM_COUNT(g2, u2) == 0 &&
           count_rows("SELECT COUNT(*) FROM {cohort_members} WHERE cohortid = ? AND userid = ?",
                      "ii", ch, u2) == 0, "%s: u2 fully unenrolled", K);
    TAP_OK(moodle_cohort_remove_member(s, NOW, ch, u2) == 0, "%s: remove again: nothing", K);

    /* --- roles ---------------------------------------------------------------------- */
    purges_reset();
    TAP_OK(moodle_role_assign(s, NOW, 3, cctx, u1, "", 0) == 1, "%s: role assign", K);
    TAP_OK(has_purge("coursecontacts"), "%s: course contact role: purge requested", K);
    TAP_OK(moodle_role_assign(s, NOW, 3, cctx, u1, "", 0) == 0, "%s: role assign again", K);
    mark = log_mark();
    TAP_OK(moodle_role_unassign(s, NOW, 3, cctx, u1, NULL, 0) == 1, "%s: role unassign", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "role_unassigned") == 0 && lg[0].objectid == 3 &&
           strcmp(lg[0].crud, "d") == 0, "%s: role_unassigned logged", K);
    if (n == 1)
        TAP_OK(strstr(lg[0].other, "\"component\":\"\",\"itemid\":\"0\"}") != NULL &&
               strncmp(lg[0].other, "{\"id\":\"", 7) == 0,
               "%s: role_unassigned other holds strings", K);
    TAP_OK(moodle_role_unassign(s, NOW, 3, cctx, u1, NULL, 0) == 0,
           "%s: role unassign again", K);

    /* --- unenrol (last enrolment) ------------------------------------------------- */
    char mpath[256];
    int64_t mctx = moodle_context_create(s, NOW, 70, 4242, cpath, mpath);
    TAP_OK(mctx > 0 && moodle_role_assign(s, NOW, 4, mctx, u1, "", 0) == 1,
           "%s: role in a module context", K);
    TAP_OK(exec_sql("INSERT INTO {user_lastaccess} (userid, courseid, timeaccess) "
                    "VALUES (?, ?, ?)", "iii", u1, course, NOW) == 0, "%s: last access", K);
    int64_t ueid = q_int("SELECT id FROM {user_enrolments} WHERE enrolid = ? AND userid = ?",
                         "ii", manual, u1);
    mark = log_mark();
    r = moodle_unenrol_user(s, NOW + 9, manual, u1);
    TAP_OK(r == 1, "%s: unenrol returns 1", K);
    if (r < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(UE_COUNT(manual, u1) == 0, "%s: user_enrolments row gone", K);
    TAP_OK(RA_COUNT(u1) == 0, "%s: roles in the course and below gone", K);
    TAP_OK(GM_COUNT(g1, u1) == 0 && q_int("SELECT timemodified FROM {groups} WHERE id = ?",
                                          "i", g1) == NOW + 9, "%s: group membership gone", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {user_lastaccess} WHERE userid = ?", "i", u1) == 0,
           "%s: last access gone", K);
    n = log_since(mark, lg, 32);
    TAP_OK(n == 4, "%s: four events", K);
    if (n == 4) {
        TAP_OK(strcmp(lg[0].name, "role_unassigned") == 0 && lg[0].contextid == cctx &&
               strcmp(lg[1].name, "role_unassigned") == 0 && lg[1].contextid == mctx &&
               lg[1].courseid == course &&
               strcmp(lg[2].name, "group_member_removed") == 0 &&
               strcmp(lg[2].other, "null") == 0 &&
               strcmp(lg[3].name, "user_enrolment_deleted") == 0 && lg[3].objectid == ueid,
               "%s: unenrol events in Moodle's order", K);
        char want[512];
        snprintf(want, sizeof want,
                 "{\"userenrolment\":{\"id\":\"%lld\",\"status\":\"0\",\"enrolid\":\"%lld\","
                 "\"userid\":\"%lld\",\"timestart\":\"0\",\"timeend\":\"0\","
                 "\"modifierid\":\"2\",\"timecreated\":\"%lld\",\"timemodified\":\"%lld\","
                 "\"courseid\":\"%lld\",\"enrol\":\"manual\",\"lastenrol\":true},"
                 "\"enrol\":\"manual\"}", (long long)ueid, (long long)manual, (long long)u1,
                 (long long)NOW, (long long)NOW, (long long)course);
        TAP_STREQ(lg[3].other, want, "%s: user_enrolment_deleted other", K);
    }
    TAP_OK(moodle_unenrol_user(s, NOW, manual, u1) == 0, "%s: unenrol again returns 0", K);

    TAP_OK(has_purge("coursecontacts"), "%s: purge list", K);
    purges_reset();
    TAP_STREQ(purges, "", "%s: purges reset", K);

    TAP_OK(moodle_enrol_user(s, NOW, 999999, u1, 5, 0, 0, 0) == -1 && *moodle_error(s),
           "%s: unknown instance refused with a message", K);
}

int main(void)
{
    return run_sites("ts_test_enrol", scenario);
}
