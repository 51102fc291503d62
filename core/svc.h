/* What the core's service implementations (svc_*.c, resolve/) share: the run's parts
 * and the SQL service's functions under their internal names.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_SVC_H
#define TS_SVC_H

#include <stdarg.h>
#include "toolsync/toolsync.h"
#include "moodle/moodle.h"
#include "db/db.h"

moodle_site *run_site(ts_run *r);
db *run_db(ts_run *r);
int64_t run_now(ts_run *r);
/* Records an ERROR with its reason on the row whose callback runs (logged when none). */
void run_fail(ts_run *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* run_fail with the site's last error (moodle_error) after `what`. */
int run_fail_moodle(ts_run *r, const char *key, const char *what);

/* svc_sql.c */
ts_stmt *sql_prepare(ts_run *r, const char *sql);
int sql_exec(ts_stmt *s, const char *types, ...);
int sql_exec_array(ts_stmt *s, const char *types, const ts_value *values);
int sql_next(ts_stmt *s);
int64_t sql_col_int(ts_stmt *s, int c);
const char *sql_col_text(ts_stmt *s, int c);
int sql_col_null(ts_stmt *s, int c);
int64_t sql_single_id(ts_stmt *s);
void sql_cache_free(ts_run *r);

/* svc_files.c: forgets the run's content pool */
void files_end(ts_run *r);

/* api.c: the service tables by name */
const void *api_get(const char *name, uint32_t version);
extern const ts_sql_api svc_sql;
extern const ts_moodle_api svc_moodle;
extern const ts_enrol_api svc_enrol;
extern const ts_groups_api svc_groups;
extern const ts_cohorts_api svc_cohorts;
extern const ts_bridge_api svc_bridge;
extern const ts_archive_api svc_archive;
extern const ts_files_api svc_files;
extern const ts_util_api svc_util;

#endif
