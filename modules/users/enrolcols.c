/* The enrolment sets of the users file: course<N>, role<N>, enrol<N>, group<N>,
 * start<N>, end<N>, wwwroot<N> (spec 20 §3.8, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A set that cannot be applied (unknown course, role, enrolment instance, remote
 * wwwroot...) makes the whole line an ERROR: the line is undone and goes to the tryback,
 * and re-running it once fixed is idempotent.  Courses, roles, enrolment instances and
 * groups come from the core's resolver (cached for the run, right after rollbacks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* --- header ----------------------------------------------------------------------------- */

static long index_of(users_state *s, const char *base, long n)
{
    char name[64];
    snprintf(name, sizeof name, "%s%ld", base, n);
    size_t nc = RT->ncolumns(s->run);
    for (size_t i = 0; i < nc; i++)
        if (strcmp(RT->column_name(s->run, i), name) == 0)
            return (long)i;
    return -1;
}

static int cmp_set(const void *a, const void *b)
{
    long x = ((const cset *)a)->n, y = ((const cset *)b)->n;
    return (x > y) - (x < y);
}

int enrolcols_begin(users_state *s)
{
    size_t nc = RT->ncolumns(s->run);
    for (size_t i = 0; i < nc; i++) {
        const char *name = RT->column_name(s->run, i);
        if (strncmp(name, "course", 6) != 0 || !name[6] ||
            strspn(name + 6, "0123456789") != strlen(name + 6))
            continue;
        long n = strtol(name + 6, NULL, 10);
        s->csets = realloc(s->csets, (s->ncsets + 1) * sizeof *s->csets);
        cset *c = &s->csets[s->ncsets++];
        c->n = n;
        c->course = (long)i;
        c->role = index_of(s, "role", n);
        c->enrol = index_of(s, "enrol", n);
        c->group = index_of(s, "group", n);
        c->start = index_of(s, "start", n);
        c->end = index_of(s, "end", n);
        c->wwwroot = index_of(s, "wwwroot", n);
    }
    if (s->ncsets > 1)
        qsort(s->csets, s->ncsets, sizeof *s->csets, cmp_set);
    return 0;
}

/* --- lookups ----------------------------------------------------------------------------- */

static const char *cell(ts_row *row, long col)
{
    const char *v = col >= 0 ? RT->value_at(row, (size_t)col) : NULL;
    return v ? v : "";
}

static ts_by course_by(const users_state *s)
{
    return s->courseident == CI_ID ? TS_BY_ID : s->courseident == CI_IDNUMBER ? TS_BY_IDNUMBER
                                                                             : TS_BY_SHORTNAME;
}

/* The courses of the batch's course<N> columns, in one query per hundred. */
int enrolcols_prefetch(users_state *s, ts_row *const *rows, size_t n)
{
    if (s->ncsets == 0 || s->courseident == CI_ID)
        return 0;
    const char **keys = malloc((n * s->ncsets + 1) * sizeof *keys);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < s->ncsets; c++) {
            const char *v = cell(rows[i], s->csets[c].course);
            if (*v)
                keys[m++] = v;
        }
    int rc = R->course_prefetch(s->run, course_by(s), keys, m);
    free(keys);
    return rc;
}

/* Current timestart of an enrolment, so that an empty start<N> does not move it on
 * every run: 1 found, 0 none, -1 error. */
static int current_start(users_state *s, int64_t enrolid, int64_t userid, int64_t *start)
{
    ts_stmt *st = Q(s, "SELECT timestart FROM {user_enrolments} WHERE enrolid = ? AND userid = ?");
    if (!st || SQL->exec(st, "ii", enrolid, userid) != 0)
        return -1;
    int rc = SQL->next(st);
    if (rc > 0) {
        *start = SQL->col_int(st, 0);
        while (SQL->next(st) > 0)
            ;
    }
    return rc;
}

/* --- one set -------------------------------------------------------------------------------- */

static int apply_set(users_state *s, ts_row *row, const cset *c, int64_t uid, int isnew)
{
    char col[64];
    const char *course = cell(row, c->course);
    if (!*course)
        return 0;
    snprintf(col, sizeof col, "course%ld", c->n);
    const char *www = cell(row, c->wwwroot);
    if (*www) {
        say(s, TS_ERROR, "errorunsupported", NULL,
               "wwwroot%ld: remote enrolment on %s is not supported", c->n, www);
        return -1;
    }
    int64_t now = RT->now(s->run), start = now, end = 0;
    const char *sv = cell(row, c->start), *ev = cell(row, c->end);
    if (*sv && U->parse_date(sv, &start) != 0) {
        snprintf(col, sizeof col, "start%ld", c->n);
        say(s, TS_ERROR, "invalidvalue", col, "invalid date '%s'", sv);
        return -1;
    }
    if (*ev && U->parse_date(ev, &end) != 0) {
        snprintf(col, sizeof col, "end%ld", c->n);
        say(s, TS_ERROR, "invalidvalue", col, "invalid date '%s'", ev);
        return -1;
    }

    int64_t courseid = R->course(s->run, course_by(s), course), coursectx = 0;
    if (courseid == TS_R_ERROR)
        return -1;
    if (courseid == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "ambiguous", col, "several courses match '%s'", course);
        return -1;
    }
    if (courseid == 0) {
        say(s, TS_ERROR, "unknowncourse", col, "unknown course '%s'", course);
        return -1;
    }

    const char *plugin = cell(row, c->enrol), *rolename = cell(row, c->role);
    int64_t enrolid = 0, roleid = 0;
    if (*plugin) {
        enrolid = R->enrol_instance(s->run, courseid, plugin, 0);
        if (enrolid < 0)
            return -1;
        if (enrolid == 0) {
            snprintf(col, sizeof col, "enrol%ld", c->n);
            say(s, TS_ERROR, "errornomanualenrol", col,
                   "no enabled '%s' enrolment instance in course '%s'", plugin, course);
            return -1;
        }
    }
    if (*rolename || enrolid) {
        const char *rn = *rolename ? rolename : "student";
        roleid = R->role(s->run, TS_BY_SHORTNAME, rn);
        if (roleid < 0)
            return -1;
        if (roleid == 0) {
            snprintf(col, sizeof col, "role%ld", c->n);
            say(s, TS_ERROR, "errornorole", col, "unknown role '%s'", rn);
            return -1;
        }
    }

    int r;
    if (enrolid) {
        if (!*sv && !isnew) {
            int64_t cur;
            int found = current_start(s, enrolid, uid, &cur);
            if (found < 0)
                return -1;
            if (found)
                start = cur;
        }
        ts_enrolment e = { TS_ENROLMENT_HEADER, .enrolid = enrolid, .userid = uid,
                           .roleid = roleid, .timestart = start, .timeend = end,
                           .status = TS_ENROLMENT_ACTIVE };
        r = E->enrol_user(s->run, &e);
        if (r < 0) {
            say(s, TS_ERROR, "errorenrol", col, "enrolment in '%s' failed", course);
            return -1;
        }
        say(s, r ? TS_OK : TS_SKIP, "enrolled", col, r ? "enrolled in %s" : "already enrolled in %s",
               course);
    } else if (roleid) {
        coursectx = M->context_id(s->run, TS_CTX_COURSE, courseid);
        if (coursectx <= 0)
            return -1;
        ts_role_assignment a = { TS_ROLE_ASSIGNMENT_HEADER, .roleid = roleid,
                                 .contextid = coursectx, .userid = uid, .component = "" };
        r = E->role_assign(s->run, &a);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "roleadded", col,
               r ? "role %s in %s (context %lld)" : "already role %s in %s (context %lld)",
               rolename, course, (long long)coursectx);
    } else {
        say(s, TS_ERROR, "enrollednot", col,
               "enrol and role data not consistent: neither enrol%ld nor role%ld given",
               c->n, c->n);
        return -1;
    }

    const char *group = cell(row, c->group);
    if (*group) {
        snprintf(col, sizeof col, "group%ld", c->n);
        int64_t gid = R->group(s->run, courseid, TS_BY_NAME, group, TS_R_CREATE);
        if (gid == TS_R_AMBIGUOUS) {
            say(s, TS_ERROR, "ambiguous", col, "several groups named '%s' in %s", group,
                course);
            return -1;
        }
        if (gid <= 0) {
            say(s, TS_ERROR, "groupnotaddederror", col, "group '%s' not created in %s",
                group, course);
            return -1;
        }
        r = G->add_member(s->run, gid, uid, "", 0);
        if (r < 0) {
            say(s, TS_ERROR, "addedtogroupnot", col, "not added to group '%s'", group);
            return -1;
        }
        say(s, r ? TS_OK : TS_SKIP, "addedtogroup", col,
               r ? "added to group %s" : "already in group %s", group);
    }
    return 0;
}

int enrolcols_apply(users_state *s, ts_row *row, int64_t userid, int isnew)
{
    for (size_t i = 0; i < s->ncsets; i++)
        if (apply_set(s, row, &s->csets[i], userid, isnew) != 0)
            return -1;
    return 0;
}
