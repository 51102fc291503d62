/* The enrolment sets of the users file: course<N>, role<N>, enrol<N>, group<N>,
 * start<N>, end<N>, wwwroot<N> (spec 20 §3.8, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A set that cannot be applied (unknown course, role, enrolment instance, remote
 * wwwroot...) makes the whole line an ERROR: the line is undone and goes to the tryback,
 * and re-running it once fixed is idempotent.  Courses, roles and enrolment instances
 * are cached for the run (read only); groups the run may create are cached until a
 * rollback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

typedef struct {
    int64_t id, ctx;    /* id 0: not found, -2: ambiguous */
} course_info;

void cache_drop_created(ucache *c)
{
    smap_free(c->groups, free);
    smap_free(c->cohorts, free);
    c->groups = c->cohorts = NULL;
}

void cache_free(ucache *c)
{
    cache_drop_created(c);
    smap_free(c->courses, free);
    smap_free(c->roles, free);
    smap_free(c->enrols, free);
    memset(c, 0, sizeof *c);
}

/* --- header ----------------------------------------------------------------------------- */

static long index_of(users_state *s, const char *base, long n)
{
    char name[64];
    snprintf(name, sizeof name, "%s%ld", base, n);
    size_t nc = H->ncolumns(s->run);
    for (size_t i = 0; i < nc; i++)
        if (strcmp(H->column_name(s->run, i), name) == 0)
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
    size_t nc = H->ncolumns(s->run);
    for (size_t i = 0; i < nc; i++) {
        const char *name = H->column_name(s->run, i);
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
    const char *v = col >= 0 ? H->value_at(row, (size_t)col) : NULL;
    return v ? v : "";
}

/* 0 found/not found (*out), -1 error */
static int find_course(users_state *s, const char *ident, course_info *out)
{
    if (!s->cache.courses)
        s->cache.courses = smap_new();
    course_info *hit = smap_get(s->cache.courses, ident);
    if (hit) {
        *out = *hit;
        return 0;
    }
    course_info ci = { 0, 0 };
    const char *sql = s->courseident == CI_ID ? "SELECT id FROM {course} WHERE id = ?"
                    : s->courseident == CI_IDNUMBER ? "SELECT id FROM {course} WHERE idnumber = ?"
                    : "SELECT id FROM {course} WHERE shortname = ?";
    ts_stmt *st = Q(s, sql);
    int rc;
    if (!st)
        return -1;
    if (s->courseident == CI_ID) {
        int64_t id;
        if (parse_int(ident, &id) != 0) {
            *out = ci;
            return 0;
        }
        rc = H->exec(st, "i", id);
    } else {
        rc = H->exec(st, "s", ident);
    }
    if (rc != 0)
        return -1;
    int n = 0;
    while ((rc = H->next(st)) > 0) {
        if (!n)
            ci.id = H->col_int(st, 0);
        n++;
    }
    if (rc < 0)
        return -1;
    if (n > 1)
        ci.id = -2;
    if (ci.id > 0 && H->context_path(s->run, 50, ci.id, &ci.ctx, NULL) != 0)
        return -1;
    course_info *box_ = malloc(sizeof *box_);
    *box_ = ci;
    *smap_slot(s->cache.courses, ident) = box_;
    *out = ci;
    return 0;
}

static int64_t find_role(users_state *s, const char *shortname)
{
    ts_value a[1] = { { .s = shortname } };
    return cached_id(s, &s->cache.roles, shortname,
                     "SELECT id FROM {role} WHERE shortname = ?", "s", a, CACHE_FIRST);
}

/* The first enabled instance of the plugin in the course, by sortorder. */
static int64_t find_instance(users_state *s, int64_t courseid, const char *plugin)
{
    char key[160];
    snprintf(key, sizeof key, "%lld:%s", (long long)courseid, plugin);
    ts_value a[2] = { { .i = courseid }, { .s = plugin } };
    return cached_id(s, &s->cache.enrols, key,
                     "SELECT id FROM {enrol} WHERE courseid = ? AND enrol = ? AND status = 0 "
                     "ORDER BY sortorder, id", "is", a, CACHE_FIRST);
}

/* Group by exact name in the course: > 0, 0 none, -1 error, -2 ambiguous. */
static int64_t find_group(users_state *s, int64_t courseid, const char *name)
{
    char key[600];
    snprintf(key, sizeof key, "%lld\x1f%s", (long long)courseid, name);
    ts_value a[2] = { { .i = courseid }, { .s = name } };
    return cached_id(s, &s->cache.groups, key,
                     "SELECT id FROM {groups} WHERE courseid = ? AND name = ? ORDER BY id",
                     "is", a, CACHE_UNIQUE);
}

/* Current timestart of an enrolment, so that an empty start<N> does not move it on
 * every run: 1 found, 0 none, -1 error. */
static int current_start(users_state *s, int64_t enrolid, int64_t userid, int64_t *start)
{
    ts_stmt *st = Q(s, "SELECT timestart FROM {user_enrolments} WHERE enrolid = ? AND userid = ?");
    if (!st || H->exec(st, "ii", enrolid, userid) != 0)
        return -1;
    int rc = H->next(st);
    if (rc > 0) {
        *start = H->col_int(st, 0);
        while (H->next(st) > 0)
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
        ob_add(s, TS_ERROR, "errorunsupported", NULL,
               "wwwroot%ld: remote enrolment on %s is not supported", c->n, www);
        return -1;
    }
    int64_t now = H->now(s->run), start = now, end = 0;
    const char *sv = cell(row, c->start), *ev = cell(row, c->end);
    if (*sv && parse_date(sv, &start) != 0) {
        snprintf(col, sizeof col, "start%ld", c->n);
        ob_add(s, TS_ERROR, "invalidvalue", col, "invalid date '%s'", sv);
        return -1;
    }
    if (*ev && parse_date(ev, &end) != 0) {
        snprintf(col, sizeof col, "end%ld", c->n);
        ob_add(s, TS_ERROR, "invalidvalue", col, "invalid date '%s'", ev);
        return -1;
    }

    course_info ci;
    if (find_course(s, course, &ci) != 0)
        return -1;
    if (ci.id == -2) {
        ob_add(s, TS_ERROR, "ambiguous", col, "several courses match '%s'", course);
        return -1;
    }
    if (ci.id <= 0) {
        ob_add(s, TS_ERROR, "unknowncourse", col, "unknown course '%s'", course);
        return -1;
    }

    const char *plugin = cell(row, c->enrol), *rolename = cell(row, c->role);
    int64_t enrolid = 0, roleid = 0;
    if (*plugin) {
        enrolid = find_instance(s, ci.id, plugin);
        if (enrolid < 0)
            return -1;
        if (enrolid == 0) {
            snprintf(col, sizeof col, "enrol%ld", c->n);
            ob_add(s, TS_ERROR, "errornomanualenrol", col,
                   "no enabled '%s' enrolment instance in course '%s'", plugin, course);
            return -1;
        }
    }
    if (*rolename || enrolid) {
        const char *rn = *rolename ? rolename : "student";
        roleid = find_role(s, rn);
        if (roleid < 0)
            return -1;
        if (roleid == 0) {
            snprintf(col, sizeof col, "role%ld", c->n);
            ob_add(s, TS_ERROR, "errornorole", col, "unknown role '%s'", rn);
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
        r = H->enrol_user(s->run, enrolid, uid, roleid, start, end, 0);
        if (r < 0) {
            ob_add(s, TS_ERROR, "errorenrol", col, "enrolment in '%s' failed", course);
            return -1;
        }
        ob_add(s, r ? TS_OK : TS_SKIP, "enrolled", col, r ? "enrolled in %s" : "already enrolled in %s",
               course);
    } else if (roleid) {
        r = H->role_assign(s->run, roleid, ci.ctx, uid, "", 0);
        if (r < 0)
            return -1;
        ob_add(s, r ? TS_OK : TS_SKIP, "roleadded", col,
               r ? "role %s in %s (context %lld)" : "already role %s in %s (context %lld)",
               rolename, course, (long long)ci.ctx);
    } else {
        ob_add(s, TS_ERROR, "enrollednot", col,
               "enrol and role data not consistent: neither enrol%ld nor role%ld given",
               c->n, c->n);
        return -1;
    }

    const char *group = cell(row, c->group);
    if (*group) {
        snprintf(col, sizeof col, "group%ld", c->n);
        int64_t gid = find_group(s, ci.id, group);
        if (gid == -2) {
            ob_add(s, TS_ERROR, "ambiguous", col, "several groups named '%s' in %s", group,
                   course);
            return -1;
        }
        if (gid < 0)
            return -1;
        if (gid == 0) {
            gid = H->group_create(s->run, ci.id, group, "", NULL);
            if (gid <= 0) {
                ob_add(s, TS_ERROR, "groupnotaddederror", col, "group '%s' not created in %s",
                       group, course);
                return -1;
            }
            char key[600];
            snprintf(key, sizeof key, "%lld\x1f%s", (long long)ci.id, group);
            *smap_slot(s->cache.groups, key) = box(gid);
        }
        r = H->group_add_member(s->run, gid, uid, "", 0);
        if (r < 0) {
            ob_add(s, TS_ERROR, "addedtogroupnot", col, "not added to group '%s'", group);
            return -1;
        }
        ob_add(s, r ? TS_OK : TS_SKIP, "addedtogroup", col,
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
