/* The object resolvers: courses, roles, enrol instances, groups, groupings, cohorts
 * (categories: category.c), each cached for the run in the id cache.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Misses are remembered only for roles (reference data no run creates); any other
 * object may be created by a later line, and the writers that create it tell the cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resolve/idcache.h"
#include "resolve/objects.h"

static int fold(ts_run *run) { return RH->of(run)->fold; }

/* The first column of the first row (several rows are normal: the first wins). */
static int64_t first_id(ts_stmt *st)
{
    int64_t id = 0;
    int rc = RH->sql->next(st);
    if (rc > 0)
        id = RH->sql->col_int(st, 0);
    while (rc > 0)
        rc = RH->sql->next(st);
    return rc < 0 ? TS_R_ERROR : id;
}

int64_t res_lookup(ts_run *run, char kind, int64_t scope, ts_by by, const char *key,
                   const char *sql, const char *types, const ts_value *args, unsigned mode)
{
    resolver *rs = RH->of(run);
    if (!key || !*key)
        return TS_R_NOTFOUND;
    char *k = idcache_key(kind, scope, by, key, fold(run));
    int64_t id;
    if (idcache_get(rs->ids, k, &id)) {
        free(k);
        return id;
    }
    ts_stmt *st = RH->sql->prepare(run, sql);
    id = !st || RH->sql->exec_array(st, types, args) != 0 ? TS_R_ERROR
       : (mode & RES_FIRST) ? first_id(st) : RH->sql->single_id(st);
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
    char *k = idcache_key(kind, scope, by, key, rs->fold);
    idcache_put(rs->ids, k, id);
    free(k);
}

void resolver_forget(resolver *rs, char kind, int64_t scope, ts_by by, const char *key)
{
    if (!key || !*key)
        return;
    char *k = idcache_key(kind, scope, by, key, rs->fold);
    idcache_forget(rs->ids, k);
    free(k);
}

/* An id given as text: the object must exist; anything else is not found. */
static int id_arg(const char *key, ts_value *v)
{
    return value_int(key, &v->i) == 0 && v->i > 0 ? 0 : -1;
}

/* An object of a site-wide table by id or by one of its text columns (idnumber,
 * shortname, name): the shape courses, cohorts and categories share. */
static int64_t in_table(ts_run *run, char kind, const char *table, ts_by by, const char *key)
{
    char sql[160];
    ts_value a[1] = { { .s = key } };
    const char *col = by == TS_BY_ID ? "id" : by == TS_BY_IDNUMBER ? "idnumber"
                    : by == TS_BY_SHORTNAME ? "shortname" : by == TS_BY_NAME ? "name" : NULL;
    if (!col || (by == TS_BY_ID && id_arg(key, a) != 0))
        return TS_R_NOTFOUND;
    snprintf(sql, sizeof sql, "SELECT id FROM {%s} WHERE %s = ? ORDER BY id", table, col);
    return res_lookup(run, kind, 0, by, key, sql, by == TS_BY_ID ? "i" : "s", a, 0);
}

int64_t res_course(ts_run *run, ts_by by, const char *key)
{
    if (by != TS_BY_ID && by != TS_BY_IDNUMBER && by != TS_BY_SHORTNAME)
        return TS_R_NOTFOUND;
    return in_table(run, 'c', "course", by, key);
}

#define PREFETCH_CHUNK 100

/* Reads the keys of one chunk and caches those held by exactly one row. */
static int prefetch_chunk(ts_run *run, char kind, ts_by by, ts_stmt *st,
                          const char *const *keys, size_t k)
{
    ts_value a[PREFETCH_CHUNK];
    char types[PREFETCH_CHUNK + 1];
    for (size_t i = 0; i < PREFETCH_CHUNK; i++) {
        types[i] = i < k ? 's' : 'n';   /* NULL matches nothing: one statement for all */
        a[i].s = i < k ? keys[i] : NULL;
    }
    types[PREFETCH_CHUNK] = '\0';
    if (RH->sql->exec_array(st, types, a) != 0)
        return -1;
    ts_map *seen = map_new();
    int rc;
    while ((rc = RH->sql->next(st)) > 0) {
        const char *key = RH->sql->col_text(st, 1);
        char *k2 = idcache_key(kind, 0, by, key ? key : "", fold(run));
        void **slot = map_slot(seen, k2);
        int64_t id = RH->sql->col_int(st, 0);
        *slot = *slot ? (void *)(intptr_t)-2 : (void *)(intptr_t)id;
        free(k2);
    }
    /* Keys held once are learnt; several rows stay for the lookup to call ambiguous. */
    for (size_t i = 0; i < k; i++) {
        char *k2 = idcache_key(kind, 0, by, keys[i], fold(run));
        intptr_t id = (intptr_t)map_get(seen, k2);
        if (id > 0)
            idcache_put(RH->of(run)->ids, k2, (int64_t)id);
        free(k2);
    }
    map_free(seen, NULL);
    return rc < 0 ? -1 : 0;
}

/* Courses of a batch by idnumber or shortname in one query per hundred keys; ids need
 * no query to be known (a lookup by id is one indexed read, cached). */
int res_course_prefetch(ts_run *run, ts_by by, const char *const *keys, size_t n)
{
    const char *col = by == TS_BY_IDNUMBER ? "idnumber" : by == TS_BY_SHORTNAME ? "shortname"
                    : NULL;
    if (!col)
        return 0;
    char sql[1024];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT id, %s FROM {course} WHERE %s IN (",
                                col, col);
    for (int i = 0; i < PREFETCH_CHUNK; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
    snprintf(sql + o, sizeof sql - o, ") ORDER BY id");
    ts_stmt *st = RH->sql->prepare(run, sql);
    if (!st)
        return -1;
    /* Only the keys not known yet, each once. */
    const char **todo = malloc((n ? n : 1) * sizeof *todo);
    ts_map *dup = map_new();
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id;
        if (!keys[i] || !*keys[i])
            continue;
        char *k = idcache_key('c', 0, by, keys[i], fold(run));
        void **slot = map_slot(dup, k);
        if (!*slot && !idcache_get(RH->of(run)->ids, k, &id))
            todo[m++] = keys[i];
        *slot = (void *)1;
        free(k);
    }
    map_free(dup, NULL);
    int rc = 0;
    for (size_t at = 0; at < m && rc == 0; at += PREFETCH_CHUNK)
        rc = prefetch_chunk(run, 'c', by, st, todo + at,
                            m - at < PREFETCH_CHUNK ? m - at : PREFETCH_CHUNK);
    free(todo);
    return rc;
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
    return RH->groups->group_create(run, &g);
}

int64_t res_grouping(ts_run *run, int64_t courseid, ts_by by, const char *key,
                     unsigned flags)
{
    int64_t id = in_course(run, 'G', "groupings", courseid, by, key);
    if (id != 0 || !(flags & TS_R_CREATE))
        return id;
    RH->fail(run, "errorunsupported", "grouping '%s' not found (toolsync does not create "
             "groupings yet)", key);
    return TS_R_ERROR;
}

int64_t res_cohort(ts_run *run, ts_by by, const char *key, unsigned flags)
{
    if (by != TS_BY_ID && by != TS_BY_IDNUMBER && by != TS_BY_NAME)
        return TS_R_NOTFOUND;
    int64_t id = in_table(run, 'h', "cohort", by, key);
    if (id != 0 || by != TS_BY_NAME || !(flags & TS_R_CREATE))
        return id;
    ts_cohort c = { TS_COHORT_HEADER, .contextid = TS_SYSTEM_CONTEXT_ID, .name = key,
                    .description = "" };
    return RH->cohorts->cohort_create(run, &c);
}
