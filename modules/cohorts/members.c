/* The cohort file's lines: add (cohort created or updated, member added), del (member
 * removed, or the cohort deleted), free (every member removed).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec 50 §3 with its engine rules: every refused line is an ERROR (tryback), and a
 * userid that names no account never deletes the cohort (the plugin does: dangerous).
 * Membership changes go through the cohorts service, which enrols and unenrols in the
 * courses bound to the cohort as enrol_cohort's observers do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cohorts.h"

/* One query per batch for the accounts of the userid column. */
int members_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n)
{
    cstate *s = st;
    if (s->userid < 0 || n == 0)
        return TS_DONE;
    const char **keys = malloc(n * sizeof *keys);
    if (!keys)
        return TS_ERR;
    for (size_t i = 0; i < n; i++)
        keys[i] = given(rows[i], s->userid);
    int rc = R->user_prefetch(run, s->user_by, TS_ANY_HOST, keys, n);
    free(keys);
    if (rc != 0)
        touch_prefetch_failed(s, rows, n);
    return rc == 0 ? TS_DONE : TS_ERR;
}

/* The live account the userid designates: its id (> 0), or TS_ERR (reason recorded). */
static int64_t member(cstate *s, ts_row *row, const char *key)
{
    const ts_user *u;
    int rc = R->user_find(s->run, s->user_by, key, TS_ANY_HOST, 0, &u);
    if (rc > 0)
        return R->user_id(u);
    if (rc == TS_R_NOTFOUND)
        RT->outcome(row, TS_ERROR, "cohortmissinguser", "userid", "no account with %s '%s'",
                    by_name(s->user_by), key);
    else if (rc == TS_R_AMBIGUOUS)
        RT->outcome(row, TS_ERROR, "cohortmissinguser", "userid",
                    "several accounts have %s '%s'", by_name(s->user_by), key);
    return TS_ERR;
}

static int do_add(cstate *s, ts_row *row, int64_t cohortid, const char *primary,
                  int64_t userid, const char *ukey)
{
    /* Creating a cohort does not touch it for syncdelete: spec 50 §3.6 deletes cohorts
     * that *became* empty, and "add a cohort without a member" is a documented use. */
    cohortid = cohort_for_add(s, row, cohortid, primary);
    if (cohortid <= 0)
        return TS_ERR;
    if (userid > 0) {
        int rc = C->add_member(s->run, cohortid, userid);
        if (rc < 0)
            return TS_ERR;
        if (rc > 0) {
            s->touch = cohortid;
            RT->outcome(row, TS_OK, "cohortmemberadded", "userid", "%s added to cohort '%s'",
                        ukey, primary);
        } else {
            RT->outcome(row, TS_SKIP, "cohortalreadymember", "userid",
                        "%s already member of cohort '%s'", ukey, primary);
        }
    }
    if (RT->row_status(row) < 0)
        RT->outcome(row, TS_SKIP, "cohortuptodate", s->primary_name, "cohort '%s' up to date",
                    primary);
    return TS_DONE;
}

static int do_del(cstate *s, ts_row *row, int64_t cohortid, const char *primary,
                  int64_t userid, const char *ukey)
{
    if (cohortid == 0) {
        RT->outcome(row, TS_ERROR, "cohortnotexists", s->primary_name, "no cohort with %s '%s'",
                    by_name(s->cohort_by), primary);
        return TS_ERR;
    }
    if (userid > 0) {
        int rc = C->remove_member(s->run, cohortid, userid);
        if (rc < 0)
            return TS_ERR;
        if (rc > 0) {
            s->touch = cohortid;
            RT->outcome(row, TS_OK, "cohortmemberremoved", "userid",
                        "%s removed from cohort '%s'", ukey, primary);
        } else {
            RT->outcome(row, TS_SKIP, "cohortnotmember", "userid",
                        "%s is not a member of cohort '%s'", ukey, primary);
        }
        return TS_DONE;
    }
    /* No userid on the line: the cohort itself goes, with its course bindings. */
    int rc = C->cohort_delete(s->run, cohortid);
    if (rc < 0)
        return TS_ERR;
    RT->outcome(row, TS_OK, "cohortdeleted", s->primary_name, "cohort '%s' deleted", primary);
    return TS_DONE;
}

static int do_free(cstate *s, ts_row *row, int64_t cohortid, const char *primary)
{
    if (cohortid == 0) {
        RT->outcome(row, TS_ERROR, "cohortnotexists", s->primary_name, "no cohort with %s '%s'",
                    by_name(s->cohort_by), primary);
        return TS_ERR;
    }
    int64_t n = C->cohort_free(s->run, cohortid);
    if (n < 0)
        return TS_ERR;
    if (n > 0) {
        s->touch = cohortid;
        RT->outcome(row, TS_OK, "cohortfreed", s->primary_name,
                    "cohort '%s' freed (%lld members removed)", primary, (long long)n);
    } else {
        RT->outcome(row, TS_SKIP, "cohortfreed", s->primary_name, "cohort '%s' has no member",
                    primary);
    }
    return TS_DONE;
}

static int apply_line(ts_run *run, cstate *s, ts_row *row)
{
    const char *cmd = given(row, s->cmd);
    if (!cmd)
        cmd = "add";
    int add = !strcmp(cmd, "add"), del = !strcmp(cmd, "del"), fre = !strcmp(cmd, "free");
    if (!add && !del && !fre) {
        RT->outcome(row, TS_ERROR, "errorbadcmd", "cmd", "unknown command '%s' (add, del, free)",
                    cmd);
        return TS_ERR;
    }
    const char *primary = given(row, s->primary);
    if (!primary) {
        RT->outcome(row, TS_ERROR, "cohortprimaryidentifiermissing", s->primary_name,
                    "empty cohort %s", by_name(s->cohort_by));
        return TS_ERR;
    }
    /* The member first: an unknown account refuses the line before anything is
     * written (and, in del, before the cohort could be taken for the target). */
    const char *ukey = fre ? NULL : given(row, s->userid);
    int64_t userid = 0;
    if (ukey && (userid = member(s, row, ukey)) <= 0)
        return TS_ERR;
    int64_t cohortid = R->cohort(run, s->cohort_by, primary, 0);
    if (cohortid < 0)
        return lookup_failed(row, cohortid, "cohortambiguous", s->primary_name, "cohort",
                             primary);
    if (add)
        return do_add(s, row, cohortid, primary, userid, ukey);
    if (del)
        return do_del(s, row, cohortid, primary, userid, ukey);
    return do_free(s, row, cohortid, primary);
}

/* A line, and what it touched for cohorts.syncdelete: only a line that stays applied
 * counts (a refused one wrote nothing; an undone one is forgotten by rollback). */
int members_row(ts_run *run, void *st, ts_row *row)
{
    cstate *s = st;
    s->touch = 0;
    s->last_line = RT->line(row);
    int rc = apply_line(run, s, row);
    if (s->syncdelete && s->touch > 0 && rc == TS_DONE && RT->row_status(row) != TS_ERROR)
        touch_record(s, s->touch, s->last_line);
    return rc;
}
