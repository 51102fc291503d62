/* enrol_cohort_sync() for one cohort instance: what add_instance() and update_status()
 * of enrol_cohort run for the course (enrol/cohort/locallib.php, Moodle 4.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An enabled instance enrols every current member (rows of §1.15: component
 * enrol_cohort, itemid = the instance), one member at a time through the observer's
 * code (cohorts.c); a disabled one loses the roles it gave, unless unenrolaction keeps
 * them.  Members who left the cohort are the observer's business (cohort writes go
 * through it), so they are not looked for here.
 */
#include <stdlib.h>
#include "moodle/writer.h"

static const char SQL_INSTANCE[] =
    "SELECT e.courseid, e.status, e.roleid, e.customint1, e.customint2, r.id FROM {enrol} e "
    "LEFT JOIN {role} r ON r.id = e.roleid WHERE e.id = ? AND e.enrol = 'cohort'";
static const char SQL_MEMBERS[] =
    "SELECT cm.userid FROM {cohort_members} cm JOIN {user} u ON u.id = cm.userid "
    "AND u.deleted = 0 WHERE cm.cohortid = ? ORDER BY cm.id";
static const char SQL_ROLE_HOLDERS[] =
    "SELECT DISTINCT userid FROM {role_assignments} WHERE component = 'enrol_cohort' "
    "AND itemid = ? ORDER BY userid";

/* The first column of every row of a statement already run. */
static int read_ids(moodle_site *s, db_stmt *st, int64_t **ids, size_t *n)
{
    size_t cap = 0;
    int r;
    *ids = NULL;
    *n = 0;
    while ((r = db_next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(*ids, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                return moodle_fail(s, "out of memory");
            }
            *ids = p;
        }
        (*ids)[(*n)++] = db_col_int(st, 0);
    }
    return r < 0 ? moodle_fail_db(s, "cannot read rows") : 0;
}

int moodle_cohort_sync_instance(moodle_site *s, int64_t now, int64_t enrolid)
{
    /* Disabled plugin: Moodle's sync drops every enrol_cohort role of the site and
     * stops; that is for its cron, not a side effect of one line. */
    if (!moodle_list_has(moodle_config(s, "enrol_plugins_enabled"), "cohort"))
        return 0;
    int found;
    db_stmt *st = moodle_read_row(s, SQL_INSTANCE, "a cohort instance", &found, enrolid);
    if (found <= 0)
        return found;
    int64_t courseid = db_col_int(st, 0);
    int enabled = db_col_int(st, 1) == 0;
    int64_t roleid = db_col_null(st, 5) ? 0 : db_col_int(st, 2);
    int64_t cohortid = db_col_null(st, 3) ? 0 : db_col_int(st, 3);
    int64_t groupid = db_col_null(st, 4) ? 0 : db_col_int(st, 4);
    moodle_drain(st);

    const char *a = moodle_plugin_config(s, "enrol_cohort", "unenrolaction");
    if (!enabled && a && atoi(a) == 2)
        return 0;   /* ENROL_EXT_REMOVED_SUSPEND keeps the roles */
    st = moodle_prepared(s, enabled ? SQL_MEMBERS : SQL_ROLE_HOLDERS);
    if (!st)
        return -1;
    if (db_exec(st, "i", enabled ? cohortid : enrolid) != 0)
        return moodle_fail_db(s, "cannot read cohort members");
    int64_t *users;
    size_t n;
    if (read_ids(s, st, &users, &n) < 0) {
        free(users);
        return -1;
    }
    moodle_ctx ctx;
    int rc = enabled ? 0 : moodle_course_ctx(s, courseid, &ctx) == 0 ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = enabled ? moodle_cohort_enrol_link(s, now, enrolid, courseid, roleid, groupid,
                                                users[i])
                     : moodle_role_unassign_all(s, now, 0, ctx.id, users[i], "enrol_cohort",
                                                enrolid, 0) < 0 ? -1 : 0;
    free(users);
    return rc;
}
