/* The object resolvers: courses, roles, enrol instances, groups, groupings, cohorts
 * (categories: category.c), each cached for the run in the id cache.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Misses are remembered only for roles (reference data no run creates); any other
 * object may be created by a later line, and the writers that create it tell the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svc.h"
#include "resolve/idcache.h"
#include "resolve/objects.h"

static int fold(ts_run *run) { return db_kind(run_db(run)) == TS_DB_MARIADB; }

/* The first column of the first row (several rows are normal: the first wins). */
static int64_t first_id(ts_stmt *st)
{
    int64_t id = 0;
    int rc = sql_next(st);
    if (rc > 0)
        id = sql_col_int(st, 0);
    while (rc > 0)
        rc = sql_next(st);
    return rc < 0 ? TS_R_ERROR : id;
}

int64_t res_lookup(ts_run *run, char kind, int64_t scope, ts_by by, const char *key,
                   const char *sql, const char *types, const ts_value *args, unsigned mode)
{
    resolver *rs = run_resolver(run);
    if (!key || !*key)
        return TS_R_NOTFOUND;
    char *k = idcache_key(kind, scope, by, key, fold(run));
    int64_t id;
    if (idcache_get(rs->ids, k, &id)) {
        free(k);
        return id;
    }
    ts_stmt *st = sql_prepare(run, sql);
    id = !st || sql_exec_array(st, types, args) != 0 ? TS_R_ERROR
       : (mode & RES_FIRST) ? first_id(st) : sql_single_id(st);
    if (id > 0 || (id == 0 && (mode & RES_CACHE_MISS)))
        idcache_put(rs->ids, k, id);
    free(k);
    return id;
}

void resolver_learn(resolver *rs, char kind, int64_t scope, ts_by by, const char *key,
                    int64_t id)
{
    if (!key || !*key || id <= 0)
        return;
    char *k = idcache_key(kind, scope, by, key, db_kind(rs->env.d) == TS_DB_MARIADB);
    idcache_put(rs->ids, k, id);
    free(k);
}

/* An id given as text: the object must exist; anything else is not found. */
static int id_arg(const char *key, ts_value *v)
{
    return value_int(key, &v->i) == 0 && v->i > 0 ? 0 : -1;
}

int64_t res_course(ts_run *run, ts_by by, const char *key)
{
    ts_value a[1] = { { .s = key } };
    switch (by) {
    case TS_BY_ID:
        if (id_arg(key, a) != 0)
            return TS_R_NOTFOUND;
        return res_lookup(run, 'c', 0, by, key, "SELECT id FROM {course} WHERE id = ?", "i",
                          a, 0);
    case TS_BY_IDNUMBER:
        return res_lookup(run, 'c', 0, by, key,
                          "SELECT id FROM {course} WHERE idnumber = ? ORDER BY id", "s", a, 0);
    case TS_BY_SHORTNAME:
        return res_lookup(run, 'c', 0, by, key,
                          "SELECT id FROM {course} WHERE shortname = ? ORDER BY id", "s", a, 0);
    default:
        return TS_R_NOTFOUND;
    }
}

int res_course_prefetch(ts_run *run, ts_by by, const char *const *keys, size_t n)
{
    /* Courses are few and cached for the run: one query per new key is cheap enough,
     * and keeps one statement per key kind. */
    for (size_t i = 0; i < n; i++)
        if (res_course(run, by, keys[i]) == TS_R_ERROR)
            return -1;
    return 0;
}

int64_t res_role(ts_run *run, ts_by by, const char *key)
{
    ts_value a[1] = { { .s = key } };
    if (by == TS_BY_ID) {
        if (id_arg(key, a) != 0)
            return TS_R_NOTFOUND;
        return res_lookup(run, 'r', 0, by, key, "SELECT id FROM {role} WHERE id = ?", "i", a,
                          RES_CACHE_MISS);
    }
    if (by != TS_BY_SHORTNAME)
        return TS_R_NOTFOUND;
    return res_lookup(run, 'r', 0, by, key, "SELECT id FROM {role} WHERE shortname = ?", "s",
                      a, RES_CACHE_MISS);
}

/* The first instance by sortorder (enrol_get_instances() order): several instances of
 * one method are normal (two self enrolments). */
int64_t res_enrol_instance(ts_run *run, int64_t courseid, const char *method, int any_status)
{
    ts_value a[2] = { { .i = courseid }, { .s = method } };
    const char *sql = any_status
        ? "SELECT id FROM {enrol} WHERE courseid = ? AND enrol = ? ORDER BY sortorder, id"
        : "SELECT id FROM {enrol} WHERE courseid = ? AND enrol = ? AND status = 0 "
          "ORDER BY sortorder, id";
    return res_lookup(run, any_status ? 'E' : 'e', courseid, TS_BY_NAME, method, sql, "is", a,
                      RES_FIRST);
}

/* Groups and groupings share their shape: by id, idnumber or name inside a course. */
static int64_t in_course(ts_run *run, char kind, const char *table, int64_t courseid,
                         ts_by by, const char *key)
{
    char sql[160];
    ts_value a[2] = { { .i = courseid }, { .s = key } };
    const char *col = by == TS_BY_ID ? "id" : by == TS_BY_IDNUMBER ? "idnumber"
                    : by == TS_BY_NAME ? "name" : NULL;
    if (!col)
        return TS_R_NOTFOUND;
    if (by == TS_BY_ID && id_arg(key, &a[1]) != 0)
        return TS_R_NOTFOUND;
    snprintf(sql, sizeof sql, "SELECT id FROM {%s} WHERE courseid = ? AND %s = ? ORDER BY id",
             table, col);
    return res_lookup(run, kind, courseid, by, key, sql, by == TS_BY_ID ? "ii" : "is", a, 0);
}

int64_t res_group(ts_run *run, int64_t courseid, ts_by by, const char *key, unsigned flags)
{
    int64_t id = in_course(run, 'g', "groups", courseid, by, key);
    if (id != 0 || !(flags & TS_R_CREATE) || (by != TS_BY_NAME && by != TS_BY_IDNUMBER))
        return id;
    ts_group g = { TS_GROUP_HEADER, .courseid = courseid, .name = key,
                   .idnumber = by == TS_BY_IDNUMBER ? key : NULL };
    return svc_groups.group_create(run, &g);
}

int64_t res_grouping(ts_run *run, int64_t courseid, ts_by by, const char *key,
                     unsigned flags)
{
    int64_t id = in_course(run, 'G', "groupings", courseid, by, key);
    if (id != 0 || !(flags & TS_R_CREATE))
        return id;
    run_fail(run, "errorunsupported", "grouping '%s' not found (toolsync does not create "
             "groupings yet)", key);
    return TS_R_ERROR;
}

int64_t res_cohort(ts_run *run, ts_by by, const char *key, unsigned flags)
{
    ts_value a[1] = { { .s = key } };
    int64_t id;
    switch (by) {
    case TS_BY_ID:
        if (id_arg(key, a) != 0)
            return TS_R_NOTFOUND;
        return res_lookup(run, 'h', 0, by, key, "SELECT id FROM {cohort} WHERE id = ?", "i",
                          a, 0);
    case TS_BY_IDNUMBER:
        return res_lookup(run, 'h', 0, by, key,
                          "SELECT id FROM {cohort} WHERE idnumber = ? ORDER BY id", "s", a, 0);
    case TS_BY_NAME:
        id = res_lookup(run, 'h', 0, by, key,
                        "SELECT id FROM {cohort} WHERE name = ? ORDER BY id", "s", a, 0);
        break;
    default:
        return TS_R_NOTFOUND;
    }
    if (id != 0 || !(flags & TS_R_CREATE))
        return id;
    ts_cohort c = { TS_COHORT_HEADER, .contextid = TS_SYSTEM_CONTEXT_ID, .name = key,
                    .description = "" };
    return svc_cohorts.cohort_create(run, &c);
}
