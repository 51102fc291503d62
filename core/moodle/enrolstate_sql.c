/* The enrolment state's questions asked of the database directly: for the courses and
 * cohorts the run's memory no longer takes once it is full (enrolstate.c).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Holding the whole site's enrolments would let memory grow with the site; past its
 * bound the memory keeps the courses it has and answers the others from here, one
 * query per question, as toolsync did before it remembered anything.
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/enrolstate.h"

static const char SQL_UE[] =
    "SELECT id, status, timestart, timeend FROM {user_enrolments} "
    "WHERE enrolid = ? AND userid = ?";
static const char SQL_ENROLLED[] =
    "SELECT ue.id FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid "
    "WHERE e.courseid = ? AND ue.userid = ?";
static const char SQL_RA[] =
    "SELECT id, roleid, component, itemid FROM {role_assignments} "
    "WHERE contextid = ? AND userid = ? ORDER BY id";
static const char SQL_GM[] =
    "SELECT id, component, itemid FROM {groups_members} WHERE groupid = ? AND userid = ?";
static const char SQL_CM[] =
    "SELECT id FROM {cohort_members} WHERE cohortid = ? AND userid = ?";

/* Runs a two-integer query: the statement on its first row (1), 0 none, -1 error. */
static db_stmt *first_row(moodle_site *s, const char *sql, int64_t a, int64_t b, int *r)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st) {
        *r = -1;
        return NULL;
    }
    if (db_exec(st, "ii", a, b) != 0 || (*r = db_next(st)) < 0) {
        *r = moodle_fail_db(s, "cannot read enrolments");
        return NULL;
    }
    return st;
}

int moodle_direct_ue(moodle_site *s, int64_t enrolid, int64_t userid, ks_ue *out)
{
    int r;
    db_stmt *st = first_row(s, SQL_UE, enrolid, userid, &r);
    if (r > 0) {
        if (out)
            *out = (ks_ue){ db_col_int(st, 0), (int)db_col_int(st, 1), db_col_int(st, 2),
                            db_col_int(st, 3) };
        moodle_drain(st);
    }
    return r;
}

int moodle_direct_enrolled(moodle_site *s, int64_t courseid, int64_t userid)
{
    return moodle_row_exists(s, SQL_ENROLLED, courseid, userid);
}

int moodle_direct_ra_count(moodle_site *s, int64_t contextid, int64_t userid, int64_t roleid,
                           const char *component, int64_t itemid, int64_t *first)
{
    int r;
    db_stmt *st = first_row(s, SQL_RA, contextid, userid, &r);
    int n = 0;
    while (r > 0) {
        const char *c = db_col_text(st, 2);
        if ((roleid <= 0 || db_col_int(st, 1) == roleid) &&
            (!component || (strcmp(c ? c : "", component) == 0 &&
                            db_col_int(st, 3) == itemid))) {
            if (!n++ && first)
                *first = db_col_int(st, 0);
        }
        r = db_next(st);
    }
    return r < 0 ? moodle_fail_db(s, "cannot read role assignments") : n;
}

int moodle_direct_gm(moodle_site *s, int64_t groupid, int64_t userid, ks_gm *out)
{
    int r;
    db_stmt *st = first_row(s, SQL_GM, groupid, userid, &r);
    if (r > 0) {
        if (out) {
            const char *c = db_col_text(st, 1);
            out->id = db_col_int(st, 0);
            out->component = moodle_state_name(s, c);
            out->itemid = db_col_int(st, 2);
        }
        moodle_drain(st);
    }
    return r;
}

int moodle_direct_cm(moodle_site *s, int64_t cohortid, int64_t userid)
{
    return moodle_row_exists(s, SQL_CM, cohortid, userid);
}
