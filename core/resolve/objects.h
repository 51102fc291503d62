/* The object resolvers (objects.c, category.c).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_RESOLVE_OBJECTS_H
#define TS_RESOLVE_OBJECTS_H

#include "resolve/resolve.h"

/* One cached lookup: the id of the only row `sql` answers (> 0), 0 none, -1 error,
 * -2 several; with RES_FIRST the first row's.  Misses are remembered only with
 * RES_CACHE_MISS. */
#define RES_CACHE_MISS 0x1u
#define RES_FIRST      0x2u
int64_t res_lookup(ts_run *run, char kind, int64_t scope, ts_by by, const char *key,
                   const char *sql, const char *types, const ts_value *args, unsigned mode);

int64_t res_course(ts_run *run, ts_by by, const char *key);
int res_course_prefetch(ts_run *run, ts_by by, const char *const *keys, size_t n);
int64_t res_category(ts_run *run, ts_by by, const char *key, unsigned flags);
int64_t res_role(ts_run *run, ts_by by, const char *key);
int64_t res_enrol_instance(ts_run *run, int64_t courseid, const char *method, int any_status);
int64_t res_group(ts_run *run, int64_t courseid, ts_by by, const char *key, unsigned flags);
int64_t res_grouping(ts_run *run, int64_t courseid, ts_by by, const char *key,
                     unsigned flags);
int64_t res_cohort(ts_run *run, ts_by by, const char *key, unsigned flags);

#endif
