/* Cohorts and cohort members as cohort/lib.php writes them, with enrol_cohort's observer.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * spec/moodle-writes.md §1.13-1.15.  Moodle's enrol_cohort plugin listens to
 * cohort_member_added/removed and (un)enrols the user at once in every course linked to
 * the cohort; a direct writer skips observers, so we do its work here (otherwise only
 * the hourly enrol_cohort_sync task would catch up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/knowncohorts.h"
#include "moodle/enrolstate.h"

static const char SQL_COHORT_INSERT_ID[] =
    "INSERT INTO {cohort} (id, contextid, name, idnumber, description, descriptionformat, "
    "visible, component, timecreated, timemodified, theme) "
    "VALUES (?, ?, ?, ?, ?, 1, 1, '', ?, ?, '')";
static const char SQL_COHORT_INSERT[] =
    "INSERT INTO {cohort} (contextid, name, idnumber, description, descriptionformat, "
    "visible, component, timecreated, timemodified, theme) "
    "VALUES (?, ?, ?, ?, 1, 1, '', ?, ?, '')";

int64_t moodle_cohort_create(moodle_site *s, int64_t now, int64_t contextid, const char *name,
                             const char *idnumber, const char *description)
{
    s->err[0] = '\0';
    if (!name)
        return moodle_fail(s, "a cohort needs a name");
    moodle_ctx ctx;
    int r = moodle_ctx_get(s, contextid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "context %lld does not exist", (long long)contextid);

    /* cohort_add_cohort() defaults: idnumber NULL, description '', format HTML (1),
     * visible, no owner component, no theme ($CFG->allowcohortthemes off or unset). */
    int64_t id = moodle_reserve_id(s, "cohort");
    if (id < 0)
        return -1;
    id = moodle_insert(s, SQL_COHORT_INSERT_ID, SQL_COHORT_INSERT, "iisssii", id, contextid,
                      name, idnumber, description ? description : "", now, now);
    if (id < 0)
        return -1;
    if (moodle_core_event(s, now, "cohort_created", "c", "cohort", id, &ctx, 0, "null") < 0)
        return -1;
    return id;
}

static const char SQL_CM_INSERT_ID[] =
    "INSERT INTO {cohort_members} (id, cohortid, userid, timeadded) VALUES (?, ?, ?, ?)";
static const char SQL_CM_INSERT[] =
    "INSERT INTO {cohort_members} (cohortid, userid, timeadded) VALUES (?, ?, ?)";
static const char SQL_CM_DELETE[] =
    "DELETE FROM {cohort_members} WHERE cohortid = ? AND userid = ?";

/* The cohort's context, and whether the user is a member (1/0).  -1 on error, and
 * when the cohort does not exist. */
static int cohort_state(moodle_site *s, int64_t cohortid, int64_t userid, moodle_ctx *ctx)
{
    moodle_cohort_row c;
    int r = moodle_cohort_read(s, cohortid, &c);
    if (r < 0)
        return -1;
    if (r == 0)
        return moodle_fail(s, "cohort %lld does not exist", (long long)cohortid);
    int64_t contextid = c.contextid;
    moodle_cohort_row_free(&c);
    r = moodle_ctx_get(s, contextid, ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "context %lld of cohort %lld does not exist",
                           (long long)contextid, (long long)cohortid);
    return moodle_state_cm(s, cohortid, userid);
}

/* Is `item` one of the comma-separated names of `list`? */
static int in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list ? list : ""; *p; ) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0)
            return 1;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static const char SQL_LINKS_ENABLED[] =
    "SELECT e.id, e.courseid, e.roleid, e.customint2, r.id FROM {enrol} e "
    "LEFT JOIN {role} r ON r.id = e.roleid "
    "WHERE e.customint1 = ? AND e.enrol = 'cohort' AND e.status = 0 ORDER BY e.id";
static const char SQL_LINKS_ALL[] =
    "SELECT e.id, e.courseid, e.roleid, e.customint2, e.id FROM {enrol} e "
    "WHERE e.customint1 = ? AND e.enrol = 'cohort' ORDER BY e.id";

static int read_links(moodle_site *s, const char *sql, int64_t cohortid, cohort_link **out,
                      size_t *n)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    if (db_exec(st, "i", cohortid) != 0)
        return moodle_fail_db(s, "cannot read cohort enrol instances");
    size_t cap = 0;
    int r;
    *out = NULL;
    *n = 0;
    while ((r = db_next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            cohort_link *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                free(*out);
                *out = NULL;
                return moodle_fail(s, "out of memory");
            }
            *out = p;
        }
        cohort_link *l = &(*out)[(*n)++];
        l->id = db_col_int(st, 0);
        l->courseid = db_col_int(st, 1);
        l->roleid = db_col_null(st, 2) ? 0 : db_col_int(st, 2);
        l->groupid = db_col_null(st, 3) ? 0 : db_col_int(st, 3);
        l->role_exists = !db_col_null(st, 4);
    }
    if (r < 0) {
        free(*out);
        *out = NULL;
        return moodle_fail_db(s, "cannot read cohort enrol instances");
    }
    return 0;
}

static const char SQL_GROUP_IN_COURSE[] =
    "SELECT id FROM {groups} WHERE id = ? AND courseid = ?";


int moodle_cohort_enrol_link(moodle_site *s, int64_t now, int64_t enrolid, int64_t courseid,
                             int64_t roleid, int64_t groupid, int64_t userid)
{
    if (moodle_enrol_user(s, now, enrolid, userid, roleid, 0, 0, 0) < 0)
        return -1;
    if (!groupid)
        return 0;
    int r = moodle_group_course_known(s, groupid) == courseid ? 1
          : moodle_row_exists(s, SQL_GROUP_IN_COURSE, groupid, courseid);
    if (r <= 0)
        return r;
    moodle_group_course_learn(s, groupid, courseid);
    r = moodle_state_gm(s, courseid, groupid, userid, NULL);
    if (r != 0)
        return r < 0 ? -1 : 0;
    return moodle_group_add_member(s, now, groupid, userid, "enrol_cohort", enrolid) < 0 ? -1
                                                                                         : 0;
}

/* enrol_cohort_handler::member_added(). */
static int observer_added(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid)
{
    if (!in_list(moodle_config(s, "enrol_plugins_enabled"), "cohort"))
        return 0;
    const cohort_links *known = moodle_cohort_links_known(s, cohortid);
    cohort_link *links = NULL;
    size_t n;
    if (known) {
        n = known->n;
        links = n ? malloc(n * sizeof *links) : NULL;
        if (n && !links)
            return moodle_fail(s, "out of memory");
        if (n)
            memcpy(links, known->v, n * sizeof *links);   /* writes below may drop it */
    } else {
        if (read_links(s, SQL_LINKS_ENABLED, cohortid, &links, &n) < 0)
            return -1;
        moodle_cohort_links_learn(s, cohortid, links, n);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cohort_link *l = &links[i];
        /* A role that no longer exists: enrol without it, as Moodle does. */
        int64_t roleid = l->roleid && l->role_exists ? l->roleid : 0;
        rc = moodle_cohort_enrol_link(s, now, l->id, l->courseid, roleid, l->groupid, userid);
    }
    free(links);
    return rc;
}

int moodle_cohort_add_member(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid)
{
    s->err[0] = '\0';
    if (userid <= 0)
        return moodle_fail(s, "cohort member: no user");
    moodle_ctx ctx;
    int r = cohort_state(s, cohortid, userid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return 0;
    int64_t id = moodle_reserve_id(s, "cohort_members");
    if (id < 0)
        return -1;
    id = moodle_insert_later(s, SQL_CM_INSERT_ID, SQL_CM_INSERT, "iiii", id, cohortid, userid, now);
    if (id < 0)
        return -1;
    moodle_state_cm_set(s, cohortid, userid, 1);
    if (moodle_core_event(s, now, "cohort_member_added", "c", "cohort", cohortid, &ctx, userid,
                    "null") < 0)
        return -1;
    if (observer_added(s, now, cohortid, userid) < 0)
        return -1;
    return 1;
}

static const char SQL_UE_STATE[] =
    "SELECT status, timestart, timeend FROM {user_enrolments} WHERE enrolid = ? AND userid = ?";

/* enrol_cohort_handler::member_removed(): every cohort instance of the cohort, enabled
 * or not, whatever enrol_plugins_enabled says. */
static int observer_removed(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid)
{
    /* unenrolaction: 0 unenrol (default), 1 keep, 2 suspend, 3 suspend and drop roles.
     * Like Moodle's handler, anything but 0 suspends, and anything but 2 drops roles. */
    const char *a = moodle_plugin_config(s, "enrol_cohort", "unenrolaction");
    int action = a && *a ? atoi(a) : 0;
    cohort_link *links;
    size_t n;
    if (read_links(s, SQL_LINKS_ALL, cohortid, &links, &n) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cohort_link *l = &links[i];
        db_stmt *st = moodle_prepared(s, SQL_UE_STATE);
        if (!st) {
            rc = -1;
            break;
        }
        if (db_exec(st, "ii", l->id, userid) != 0) {
            rc = moodle_fail_db(s, "cannot read user enrolments");
            break;
        }
        int r = db_next(st);
        if (r < 0) {
            rc = moodle_fail_db(s, "cannot read user enrolments");
            break;
        }
        if (r == 0)
            continue;
        int status = (int)db_col_int(st, 0);
        int64_t timestart = db_col_int(st, 1), timeend = db_col_int(st, 2);
        moodle_drain(st);

        if (action == 0) {
            if (moodle_unenrol_user(s, now, l->id, userid) < 0)
                rc = -1;
        } else if (status != 1) {
            /* update_user_enrol($instance, $userid, ENROL_USER_SUSPENDED) */
            if (moodle_enrol_user(s, now, l->id, userid, 0, timestart, timeend, 1) < 0) {
                rc = -1;
            } else if (action != 2) {
                moodle_ctx cctx;
                r = moodle_course_ctx(s, l->courseid, &cctx);
                if (r < 0 || (r == 0 && moodle_role_unassign_all(s, now, 0, cctx.id, userid,
                                                                "enrol_cohort", l->id, 0) < 0))
                    rc = -1;
            }
        }
    }
    free(links);
    return rc;
}

int moodle_cohort_remove_member(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    int r = cohort_state(s, cohortid, userid, &ctx);
    if (r <= 0)
        return r;   /* not a member: nothing to remove (Moodle would still log the event) */
    if (moodle_exec(s, SQL_CM_DELETE, "cannot delete a cohort membership", "ii", cohortid,
                   userid) < 0)
        return -1;
    moodle_state_cm_set(s, cohortid, userid, 0);
    if (moodle_core_event(s, now, "cohort_member_removed", "d", "cohort", cohortid, &ctx, userid,
                    "null") < 0)
        return -1;
    if (observer_removed(s, now, cohortid, userid) < 0)
        return -1;
    return 1;
}
