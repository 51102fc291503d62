/* Unit test of enrol instances (core/moodle/instances.c), enrol_cohort's sync of a new
 * instance (cohortsync.c) and enrol_meta (meta.c): the rows, flags and events.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on a fresh SQLite site made by tests/lib/mksite.sh, then on PostgreSQL and
 * MariaDB when TS_PG_HOST / TS_MY_HOST (or TS_MY_SOCKET) say where a server is.
 */
#include "enroltest.h"



static int64_t ctx_of(int64_t course)
{
    return q_int("SELECT id FROM {context} WHERE contextlevel = 50 AND instanceid = ?", "i",
                 course);
}

static int64_t instance_of(int64_t course, const char *enrol)
{
    return q_int("SELECT id FROM {enrol} WHERE courseid = ? AND enrol = ? ORDER BY id", "is",
                 course, enrol);
}

#define RA(user, role, ctx, comp, item) count_rows( \
    "SELECT COUNT(*) FROM {role_assignments} WHERE userid = ? AND roleid = ? AND " \
    "contextid = ? AND component = ? AND itemid = ?", "iiisi", (int64_t)(user), \
    (int64_t)(role), (int64_t)(ctx), comp, (int64_t)(item))
#define UE_STATUS(enrolid, userid) q_int( \
    "SELECT status FROM {user_enrolments} WHERE enrolid = ? AND userid = ?", "ii", \
    (int64_t)(enrolid), (int64_t)(userid))

/* ---- create_course()'s instances ----------------------------------------------------- */

static void defaults(int64_t course, int64_t cctx)
{
    const char *K = kind_name;
    int64_t mark = log_mark();
    int n = moodle_instance_add_defaults(s, NOW, course);
    TAP_OK(n == 3, "%s: three default instances (%d)", K, n);
    if (n < 0)
        printf("# %s\n", moodle_error(s));
    /* §1.6: manual, guest, self in enrol_plugins_enabled's order. */
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE courseid = ? AND enrol = 'manual' "
                      "AND status = 0 AND sortorder = 0 AND roleid = 5 AND enrolperiod = 0 AND "
                      "expirynotify = 0 AND notifyall = 0 AND expirythreshold = 86400 AND "
                      "enrolstartdate = 0 AND enrolenddate = 0 AND name IS NULL AND "
                      "password IS NULL AND cost IS NULL AND customint1 IS NULL AND "
                      "timecreated = ? AND timemodified = ?", "iii", course, NOW, NOW) == 1,
           "%s: manual default row", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE courseid = ? AND enrol = 'guest' "
                      "AND status = 1 AND sortorder = 1 AND roleid = 0 AND password = '' AND "
                      "name IS NULL AND expirythreshold = 0 AND customint1 IS NULL AND "
                      "timecreated = ?", "ii", course, NOW) == 1, "%s: guest default row", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE courseid = ? AND enrol = 'self' "
                      "AND status = 1 AND sortorder = 2 AND roleid = 5 AND "
                      "expirythreshold = 86400 AND customint1 = 0 AND customint2 = 0 AND "
                      "customint3 = 0 AND customint4 = 1 AND customint5 = 0 AND "
                      "customint6 = 1 AND customint7 IS NULL AND password IS NULL AND "
                      "name IS NULL AND timecreated = ?", "ii", course, NOW) == 1,
           "%s: self default row", K);
    logrow lg[8];
    int k = log_since(mark, lg, 8);
    TAP_OK(k == 3, "%s: three events", K);
    if (k == 3) {
        static const char *const want[] = { "{\"enrol\":\"manual\"}", "{\"enrol\":\"guest\"}",
                                            "{\"enrol\":\"self\"}" };
        for (int i = 0; i < 3; i++) {
            TAP_STREQ(lg[i].other, want[i], "%s: enrol_instance_created %d other", K, i);
            TAP_OK(strcmp(lg[i].name, "enrol_instance_created") == 0 &&
                   strcmp(lg[i].crud, "c") == 0 && strcmp(lg[i].objecttable, "enrol") == 0 &&
                   lg[i].courseid == course && lg[i].contextid == cctx &&
                   lg[i].relateduserid == -1, "%s: enrol_instance_created %d columns", K, i);
        }
        TAP_OK(lg[0].objectid == instance_of(course, "manual") &&
               lg[2].objectid == instance_of(course, "self"), "%s: event objectids", K);
    }
    /* A second manual instance is refused (enrol_manual_plugin::add_instance). */
    moodle_instance m = { .courseid = course, .enrol = "manual" };
    TAP_OK(moodle_instance_add(s, NOW, &m) == -1 && *moodle_error(s),
           "%s: second manual instance refused", K);
    TAP_OK(moodle_instance_add_defaults(s, NOW, 1) == -1, "%s: not on the front page", K);
}

/* ---- add, status, delete ------------------------------------------------------------ */

/* What the parts of the scenario share. */
static int64_t u1, u3, u4, group, cinst, self2;

static void add_cohort(int64_t course, int64_t cctx)
{
    const char *K = kind_name;
    u1 = new_user("i1");
    u3 = new_user("i3");
    u4 = new_user("i4");
    int64_t manual = instance_of(course, "manual");
    TAP_OK(moodle_enrol_user(s, NOW, manual, u1, 5, 0, 0, 0) == 1, "%s: u1 enrolled", K);
    group = moodle_group_create(s, NOW, course, "G", "", NULL);

    /* A cohort with two members before any instance links it. */
    int64_t ch = moodle_cohort_create(s, NOW, 1, "Instances cohort", "IC", NULL);
    TAP_OK(ch > 0 && moodle_cohort_add_member(s, NOW, ch, u3) == 1 &&
           moodle_cohort_add_member(s, NOW, ch, u4) == 1, "%s: cohort members", K);

    int64_t mark = log_mark();
    moodle_instance ci = { .courseid = course, .enrol = "cohort", .roleid = 5,
                           .customint1 = ch, .customint2 = group };
    cinst = moodle_instance_add(s, NOW + 3, &ci);
    TAP_OK(cinst > 0, "%s: cohort instance added", K);
    if (cinst < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE id = ? AND enrol = 'cohort' AND "
                      "status = 0 AND courseid = ? AND sortorder = 3 AND roleid = 5 AND "
                      "customint1 = ? AND customint2 = ? AND name = '' AND "
                      "expirythreshold = 0 AND customint3 IS NULL AND password IS NULL AND "
                      "timecreated = ? AND timemodified = ?", "iiiiii", cinst, course, ch,
                      group, NOW + 3, NOW + 3) == 1, "%s: cohort instance row (§1.15)", K);
    /* enrol_cohort_sync for the course: the members are enrolled at once. */
    TAP_OK(UE_STATUS(cinst, u3) == 0 && UE_STATUS(cinst, u4) == 0,
           "%s: cohort members enrolled", K);
    TAP_OK(RA(u3, 5, cctx, "enrol_cohort", cinst) == 1 &&
           RA(u4, 5, cctx, "enrol_cohort", cinst) == 1, "%s: roles owned by the instance", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {groups_members} WHERE groupid = ? AND "
                      "component = 'enrol_cohort' AND itemid = ?", "ii", group, cinst) == 2,
           "%s: group memberships owned by the instance", K);
    logrow lg[32];
    int n = log_since(mark, lg, 32);
    TAP_OK(n == 7 && strcmp(lg[0].name, "enrol_instance_created") == 0 &&
           strcmp(lg[1].name, "user_enrolment_created") == 0 &&
           strcmp(lg[2].name, "role_assigned") == 0 &&
           strcmp(lg[3].name, "group_member_added") == 0,
           "%s: cohort instance events (%d)", K, n);
    if (n > 0)
        TAP_STREQ(lg[0].other, "{\"enrol\":\"cohort\"}", "%s: cohort created other", K);

    moodle_instance bad = { .courseid = course, .enrol = "cohort", .customint1 = 999999 };
    TAP_OK(moodle_instance_add(s, NOW, &bad) == -1, "%s: unknown cohort refused", K);
}

static void add_self_and_status(int64_t course, int64_t cctx, const char *cpath)
{
    const char *K = kind_name;
    logrow lg[32];

    /* A second self instance: the plugin's defaults, then the given name and status. */
    moodle_instance si = { .courseid = course, .enrol = "self", .name = "With key" };
    self2 = moodle_instance_add(s, NOW, &si);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE id = ? AND status = 0 AND "
                      "sortorder = 4 AND roleid = 5 AND name = 'With key' AND "
                      "customint6 = 1 AND expirythreshold = 86400", "i", self2) == 1,
           "%s: self instance row", K);

    /* update_status(). */
    int64_t mark = log_mark();
    TAP_OK(moodle_instance_set_status(s, NOW + 50, self2, 1) == 1,
           "%s: disable returns 1", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE id = ? AND status = 1 AND "
                      "timemodified = ?", "ii", self2, NOW) == 1,
           "%s: status 1, timemodified kept (update_status)", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {cache_flags} WHERE flagtype = "
                      "'accesslib/dirtycontexts' AND name = ? AND timemodified = ?", "si",
                      cpath, NOW + 50) == 1, "%s: course context marked dirty", K);
    int n = log_since(mark, lg, 32);
    TAP_OK(n == 1 && strcmp(lg[0].name, "enrol_instance_updated") == 0 &&
           strcmp(lg[0].crud, "u") == 0 && lg[0].objectid == self2 &&
           strcmp(lg[0].other, "{\"enrol\":\"self\"}") == 0, "%s: enrol_instance_updated", K);
    TAP_OK(moodle_instance_set_status(s, NOW, self2, 1) == 0, "%s: disable again: 0", K);
    TAP_OK(moodle_instance_set_status(s, NOW, 999999, 1) == -1, "%s: unknown instance", K);

    /* A disabled cohort instance loses the roles it gave (unenrolaction 0). */
    TAP_OK(moodle_instance_set_status(s, NOW, cinst, 1) == 1 &&
           RA(u3, 5, cctx, "enrol_cohort", cinst) == 0 && UE_STATUS(cinst, u3) == 0,
           "%s: cohort instance disabled: roles gone, enrolments kept", K);
    TAP_OK(moodle_instance_set_status(s, NOW, cinst, 0) == 1 &&
           RA(u3, 5, cctx, "enrol_cohort", cinst) == 1, "%s: enabled again: roles back", K);
}

/* delete_instance(): users unenrolled, what the instance owned, the row. */
static void delete_cohort_instance(int64_t course, int64_t cctx)
{
    const char *K = kind_name;
    int64_t manual = instance_of(course, "manual");
    logrow lg[32];
    TAP_OK(exec_sql("INSERT INTO {role_assignments} (roleid, contextid, userid, timemodified, "
                    "modifierid, component, itemid, sortorder) VALUES (4, ?, ?, ?, 2, "
                    "'enrol_cohort', ?, 0)", "iiii", cctx, u1, NOW, cinst) == 0,
           "%s: a stray role of the instance", K);
    int64_t mark = log_mark();
    TAP_OK(moodle_instance_delete(s, NOW + 60, cinst) == 1, "%s: delete returns 1", K);
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE id = ?", "i", cinst) == 0 &&
           count_rows("SELECT COUNT(*) FROM {user_enrolments} WHERE enrolid = ?", "i",
                      cinst) == 0 &&
           count_rows("SELECT COUNT(*) FROM {role_assignments} WHERE component = "
                      "'enrol_cohort' AND itemid = ?", "i", cinst) == 0 &&
           count_rows("SELECT COUNT(*) FROM {groups_members} WHERE itemid = ?", "i",
                      cinst) == 0, "%s: instance and what it owned gone", K);
    TAP_OK(UE_STATUS(manual, u1) == 0 && RA(u1, 5, cctx, "", 0) == 1,
           "%s: other instances untouched", K);
    int n = log_since(mark, lg, 32);
    TAP_OK(n > 1 && strcmp(lg[n - 1].name, "enrol_instance_deleted") == 0 &&
           strcmp(lg[n - 1].crud, "d") == 0 && lg[n - 1].objectid == cinst &&
           strcmp(lg[n - 1].other, "{\"enrol\":\"cohort\"}") == 0,
           "%s: enrol_instance_deleted last", K);
    int deleted = 0;
    for (int i = 0; i < n; i++)
        deleted += strcmp(lg[i].name, "user_enrolment_deleted") == 0;
    TAP_OK(deleted == 2, "%s: both members unenrolled with events", K);
    TAP_OK(moodle_instance_delete(s, NOW, cinst) == 0, "%s: delete again: 0", K);
}

/* ---- enrol_meta -------------------------------------------------------------------- */

static int64_t pctx, cctx2, pman, mlink, m1, m2, m3;

/* A meta mlink to a course with users: they are enrolled in the child with their roles. */
static void meta_link(void)
{
    const char *K = kind_name;
    TAP_OK(moodle_meta_reads(s) == 0, "%s: meta disabled: its instances never read", K);
    TAP_OK(exec_sql("UPDATE {config} SET value = 'manual,guest,self,cohort,meta' "
                    "WHERE name = 'enrol_plugins_enabled'", "") == 0, "%s: meta enabled", K);
    reopen_site();

    char ppath[256], cpath[256];
    int64_t parent = new_course_path("Parent", ppath), child = new_course_path("Child", cpath);
    pctx = ctx_of(parent);
    int64_t cctx = cctx2 = ctx_of(child);
    TAP_OK(moodle_instance_add_defaults(s, NOW, parent) == 3 &&
           moodle_instance_add_defaults(s, NOW, child) == 3, "%s: two courses", K);
    pman = instance_of(parent, "manual");
    m1 = new_user("m1");
    m2 = new_user("m2");
    m3 = new_user("m3");
    TAP_OK(moodle_enrol_user(s, NOW, pman, m1, 5, 0, 0, 0) == 1 &&
           moodle_enrol_user(s, NOW, pman, m2, 3, 0, NOW + 9000, 0) == 1 &&
           moodle_role_assign(s, NOW, 4, pctx, m2, "", 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0, "%s: parent's users", K);
    /* Not a parent yet: one read of the meta instances for the whole run. */
    TAP_OK(moodle_meta_reads(s) == 1, "%s: no meta links: one read (%u)", K,
           moodle_meta_reads(s));

    int64_t mark = log_mark();
    moodle_instance mi = { .courseid = child, .enrol = "meta", .customint1 = parent };
    mlink = moodle_instance_add(s, NOW, &mi);
    TAP_OK(mlink > 0, "%s: meta instance added", K);
    if (mlink < 0)
        printf("# %s\n", moodle_error(s));
    TAP_OK(count_rows("SELECT COUNT(*) FROM {enrol} WHERE id = ? AND sortorder = 3 AND "
                      "customint1 = ? AND customint2 = 0 AND roleid = 0 AND name IS NULL",
                      "ii", mlink, parent) == 1, "%s: meta instance row", K);
    TAP_OK(UE_STATUS(mlink, m1) == 0 && UE_STATUS(mlink, m2) == 0,
           "%s: parent's users enrolled in the child", K);
    TAP_OK(q_int("SELECT timeend FROM {user_enrolments} WHERE enrolid = ? AND userid = ?",
                 "ii", mlink, m2) == NOW + 9000, "%s: the parent's end date", K);
    TAP_OK(RA(m1, 5, cctx, "enrol_meta", mlink) == 1 && RA(m2, 3, cctx, "enrol_meta", mlink) == 1 &&
           RA(m2, 4, cctx, "enrol_meta", mlink) == 1, "%s: with their roles", K);
    logrow lg[32];
    int n = log_since(mark, lg, 32);
    TAP_OK(n == 6 && strcmp(lg[0].name, "enrol_instance_created") == 0,
           "%s: meta add events (%d)", K, n);
    TAP_OK(moodle_meta_flush(s, NOW) == 0, "%s: nothing pending", K);
}

/* The parent's enrol, role_assign, role_unassign, unenrol and instance status reach the
 * child. */
static void meta_propagate(void)
{
    const char *K = kind_name;
    int64_t cctx = cctx2, mark;
    logrow lg[32];
    int n;

    /* The parent's enrol, role_assign, role_unassign, unenrol propagate. */
    TAP_OK(moodle_enrol_user(s, NOW, pman, m3, 5, 0, 0, 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0, "%s: m3 enrolled in the parent", K);
    TAP_OK(UE_STATUS(mlink, m3) == 0 && RA(m3, 5, cctx, "enrol_meta", mlink) == 1,
           "%s: m3 in the child with the role", K);
    TAP_OK(moodle_role_assign(s, NOW, 4, pctx, m3, "", 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0 && RA(m3, 4, cctx, "enrol_meta", mlink) == 1,
           "%s: role assigned in the parent: in the child", K);
    TAP_OK(moodle_role_unassign(s, NOW, 4, pctx, m3, "", 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0 && RA(m3, 4, cctx, "enrol_meta", mlink) == 0,
           "%s: role unassigned in the parent: gone in the child", K);
    mark = log_mark();
    TAP_OK(moodle_unenrol_user(s, NOW, pman, m3) == 1 && moodle_meta_flush(s, NOW) == 0,
           "%s: m3 unenrolled from the parent", K);
    /* unenrolaction 3 (suspend, no roles), the 4.2 default. */
    TAP_OK(UE_STATUS(mlink, m3) == 1 && RA(m3, 5, cctx, "enrol_meta", mlink) == 0,
           "%s: m3 suspended in the child, roles gone", K);
    n = log_since(mark, lg, 32);
    int updated = 0;
    for (int i = 0; i < n; i++)
        updated += strcmp(lg[i].name, "user_enrolment_updated") == 0;
    TAP_OK(updated == 1, "%s: user_enrolment_updated in the child", K);
    TAP_OK(moodle_enrol_user(s, NOW, pman, m3, 5, 0, 0, 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0 && UE_STATUS(mlink, m3) == 0 &&
           RA(m3, 5, cctx, "enrol_meta", mlink) == 1, "%s: back in the parent: active again", K);

    /* A meta enrolment in the child does not propagate back (no loop). */
    TAP_OK(moodle_meta_reads(s) == 2, "%s: instances read again once after the add (%u)", K,
           moodle_meta_reads(s));

    /* Disabling the parent's manual instance suspends the child enrolments
     * (enrol_meta's observer of enrol_instance_updated). */
    TAP_OK(moodle_instance_set_status(s, NOW, pman, 1) == 1 && UE_STATUS(mlink, m1) == 1 &&
           RA(m1, 5, cctx, "enrol_meta", mlink) == 0,
           "%s: parent instance disabled: child suspended", K);
    TAP_OK(moodle_instance_set_status(s, NOW, pman, 0) == 1 && UE_STATUS(mlink, m1) == 0 &&
           RA(m1, 5, cctx, "enrol_meta", mlink) == 1, "%s: enabled again: active", K);
}

/* The settings nosyncroleids and unenrolaction; the mlink deleted. */
static void meta_settings(void)
{
    const char *K = kind_name;
    int64_t cctx = cctx2;

    /* nosyncroleids: a role the setting names is not copied. */
    TAP_OK(exec_sql("UPDATE {config_plugins} SET value = '4' WHERE plugin = 'enrol_meta' "
                    "AND name = 'nosyncroleids'", "") == 0, "%s: nosyncroleids 4", K);
    reopen_site();
    TAP_OK(moodle_role_assign(s, NOW, 4, pctx, m1, "", 0) == 1 &&
           moodle_meta_flush(s, NOW) == 0 && RA(m1, 4, cctx, "enrol_meta", mlink) == 0 &&
           RA(m1, 5, cctx, "enrol_meta", mlink) == 1, "%s: skipped role not copied", K);

    /* unenrolaction 0: the child enrolment goes with the parent's. */
    TAP_OK(exec_sql("UPDATE {config_plugins} SET value = '0' WHERE plugin = 'enrol_meta' "
                    "AND name = 'unenrolaction'", "") == 0, "%s: unenrolaction 0", K);
    reopen_site();
    TAP_OK(moodle_unenrol_user(s, NOW, pman, m1) == 1 && moodle_meta_flush(s, NOW) == 0 &&
           UE_STATUS(mlink, m1) == -1 && RA(m1, 5, cctx, "enrol_meta", mlink) == 0,
           "%s: unenrolled from the child too", K);

    /* Deleting the mlink removes what it gave. */
    TAP_OK(moodle_instance_delete(s, NOW, mlink) == 1 &&
           count_rows("SELECT COUNT(*) FROM {role_assignments} WHERE component = 'enrol_meta'",
                      "") == 0, "%s: meta instance deleted with its roles", K);
}

static void scenario(void)
{
    char cpath[256];
    int64_t course = new_course_path("Instances", cpath);
    TAP_OK(course > 0, "%s: course", kind_name);
    int64_t cctx = ctx_of(course);
    purges_reset();
    defaults(course, cctx);
    add_cohort(course, cctx);
    add_self_and_status(course, cctx, cpath);
    delete_cohort_instance(course, cctx);
    meta_link();
    meta_propagate();
    meta_settings();
}

int main(void)
{
    return run_sites("ts_test_instances", scenario);
}
