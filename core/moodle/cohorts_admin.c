/* Cohorts read, updated, emptied and deleted as cohort/lib.php does (cohort_update_cohort,
 * cohort_delete_cohort); creation and membership live in cohorts.c.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * enrol_cohort's observer of cohort_deleted removes the cohort's enrol instances; that
 * part needs the enrol instance writer, so the service (svc_writers.c) runs it first
 * with the instance ids listed here, then calls moodle_cohort_delete().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/knowncohorts.h"
#include "moodle/enrolstate.h"

static const char SQL_COHORT_READ[] =
    "SELECT contextid, name, idnumber, description FROM {cohort} WHERE id = ?";

static char *dup_or_null(const char *v)
{
    return v ? strdup(v) : NULL;
}

void moodle_cohort_row_free(moodle_cohort_row *c)
{
    free(c->name);
    free(c->idnumber);
    free(c->description);
    memset(c, 0, sizeof *c);
}

int moodle_cohort_read(moodle_site *s, int64_t cohortid, moodle_cohort_row *out)
{
    memset(out, 0, sizeof *out);
    if (moodle_cohort_known(s, cohortid, out))
        return 1;
    int found;
    db_stmt *st = moodle_read_row(s, SQL_COHORT_READ, "a cohort", &found, cohortid);
    if (found <= 0)
        return found;
    out->id = cohortid;
    out->contextid = db_col_int(st, 0);
    out->name = dup_or_null(db_col_text(st, 1));
    out->idnumber = dup_or_null(db_col_text(st, 2));
    out->description = dup_or_null(db_col_text(st, 3));
    moodle_drain(st);
    moodle_cohort_learn(s, out);
    return 1;
}

static const char SQL_COHORT_OWNER[] =
    "UPDATE {cohort} SET component = ?, descriptionformat = ? WHERE id = ?";

int moodle_cohort_set_owner(moodle_site *s, int64_t cohortid, const char *component,
                            int descriptionformat)
{
    return moodle_exec(s, SQL_COHORT_OWNER, "cannot update a cohort", "sii",
                       component ? component : "", (int64_t)descriptionformat, cohortid);
}

/* Is the value of a text field about to change?  NULL wanted: left as is. */
static int differs(const char *wanted, const char *have)
{
    return wanted && strcmp(wanted, have ? have : "") != 0;
}

static const char SQL_COHORT_UPDATE[] =
    "UPDATE {cohort} SET contextid = ?, name = ?, idnumber = ?, description = ?, "
    "timemodified = ? WHERE id = ?";

int moodle_cohort_update(moodle_site *s, int64_t now, int64_t cohortid, int64_t contextid,
                         const char *name, const char *idnumber, const char *description)
{
    s->err[0] = '\0';
    moodle_cohort_row c;
    int r = moodle_cohort_read(s, cohortid, &c);
    if (r <= 0)
        return r < 0 ? -1 : moodle_fail(s, "cohort %lld does not exist", (long long)cohortid);
    int change = (contextid > 0 && contextid != c.contextid) || differs(name, c.name) ||
                 differs(idnumber, c.idnumber) || differs(description, c.description);
    int rc = 0;
    if (change) {
        moodle_cohort_forget_one(s, cohortid);   /* read again, as written, when asked */
        int64_t ctxid = contextid > 0 ? contextid : c.contextid;
        moodle_ctx ctx;
        r = moodle_ctx_get(s, ctxid, &ctx);
        if (r != 0)
            rc = r < 0 ? -1 : moodle_fail(s, "context %lld does not exist", (long long)ctxid);
        else if (moodle_exec(s, SQL_COHORT_UPDATE, "cannot update a cohort", "isssii", ctxid,
                             name ? name : c.name, idnumber ? idnumber : c.idnumber,
                             description ? description : c.description, now, cohortid) < 0 ||
                 moodle_core_event(s, now, "cohort_updated", "u", "cohort", cohortid, &ctx, 0,
                                   "null") < 0)
            rc = -1;
        else
            rc = 1;
    }
    moodle_cohort_row_free(&c);
    return rc;
}

/* The ids the statement (one integer parameter) returns, in a malloc'd array. */
static int read_ids(moodle_site *s, const char *sql, int64_t arg, const char *what,
                    int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    if (db_exec(st, "i", arg) != 0)
        return moodle_fail_db(s, what);
    return moodle_read_ids(s, st, ids, n);
}

int moodle_cohort_instances(moodle_site *s, int64_t cohortid, int64_t **ids, size_t *n)
{
    return read_ids(s, "SELECT id FROM {enrol} WHERE enrol = 'cohort' AND customint1 = ? "
                       "ORDER BY id", cohortid, "cannot read cohort enrol instances", ids, n);
}

int moodle_cohort_members(moodle_site *s, int64_t cohortid, int64_t **ids, size_t *n)
{
    return read_ids(s, "SELECT userid FROM {cohort_members} WHERE cohortid = ? "
                       "ORDER BY userid", cohortid, "cannot read cohort members", ids, n);
}

static const char SQL_CM_DELETE_ALL[] = "DELETE FROM {cohort_members} WHERE cohortid = ?";
static const char SQL_COHORT_DELETE[] = "DELETE FROM {cohort} WHERE id = ?";

int moodle_cohort_delete(moodle_site *s, int64_t now, int64_t cohortid)
{
    s->err[0] = '\0';
    moodle_cohort_row c;
    int r = moodle_cohort_read(s, cohortid, &c);
    if (r <= 0)
        return r;
    moodle_ctx ctx;
    r = moodle_ctx_get(s, c.contextid, &ctx);
    int64_t contextid = c.contextid;
    moodle_cohort_row_free(&c);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "context %lld of cohort %lld does not exist",
                                        (long long)contextid, (long long)cohortid);
    /* cohort_delete_cohort(): the members go without an event each, then the row. */
    moodle_cohort_forget_one(s, cohortid);
    moodle_state_forget(s);   /* its members go with it */
    if (moodle_exec(s, SQL_CM_DELETE_ALL, "cannot delete cohort members", "i", cohortid) < 0 ||
        moodle_exec(s, SQL_COHORT_DELETE, "cannot delete a cohort", "i", cohortid) < 0 ||
        moodle_core_event(s, now, "cohort_deleted", "d", "cohort", cohortid, &ctx, 0,
                          "null") < 0)
        return -1;
    return 1;
}
