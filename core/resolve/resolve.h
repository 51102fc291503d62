/* The resolvers behind the SDK's resolve service: per-batch accounts and per-run ids of
 * courses, categories, roles, enrol instances, groups, groupings and cohorts.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * They are transactional: batch.c tells them where rows and batches begin, fail and
 * commit, and they forget what a failed row or a rolled-back batch taught them.
 */
#ifndef TS_RESOLVE_H
#define TS_RESOLVE_H

#include <stdint.h>
#include "toolsync/toolsync.h"
#include "moodle/moodle.h"
#include "util/util.h"

typedef struct resolver resolver;

/* What the resolvers need from the core, handed over once by resolve_bind(): they reach
 * the database through the SDK's own sql service and create through the writers'
 * services, so that arrows run one way (core -> core/resolve, never back). */
typedef struct {
    resolver *(*of)(ts_run *run);                /* the run's resolvers               */
    moodle_site *(*site)(ts_run *run);
    int64_t (*now)(ts_run *run);
    /* Records why a lookup failed on the row being applied. */
    void (*fail)(ts_run *run, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    const ts_sql_api *sql;
    const ts_groups_api *groups;
    const ts_cohorts_api *cohorts;
    const ts_bridge_api *bridge;
} resolve_host;
void resolve_bind(const resolve_host *h);
extern const resolve_host *RH;   /* resolve/ only */

/* fold: keys compared without case (MariaDB's default collation). */
resolver *resolver_new(int fold);
void resolver_free(resolver *rs);

/* Transaction points, called by batch.c. */
void resolver_batch_begin(resolver *rs);   /* a new batch: accounts start afresh       */
void resolver_row_begin(resolver *rs);
void resolver_row_end(resolver *rs, int failed);   /* failed: undo what the row did   */
void resolver_commit(resolver *rs);
void resolver_rollback(resolver *rs);      /* the batch was rolled back               */

/* Objects created by the core's writers (the writers' services call these). */
void resolver_learn(resolver *rs, char kind, int64_t scope, ts_by by, const char *key,
                    int64_t id);

/* An object whose answer may have changed (an enrol instance added, deleted or
 * switched): the next lookup reads the database again. */
void resolver_forget(resolver *rs, char kind, int64_t scope, ts_by by, const char *key);

/* The service table (api.c hands it out). */
const ts_resolve_api *resolver_api(void);

/* --- users.c ------------------------------------------------------------------------- */
int res_user_column(ts_run *run, const char *name);
int res_user_profile_fields(ts_run *run, const int64_t *fieldids, size_t n);
int res_user_read_columns(ts_run *run, const char *const *names, size_t n);
int res_user_prefetch(ts_run *run, ts_by by, int64_t host, const char *const *keys, size_t n);
int res_user_find(ts_run *run, ts_by by, const char *key, int64_t host, unsigned flags,
                  const ts_user **out);
size_t res_user_find_all(ts_run *run, ts_by by, const char *key, int64_t host,
                         const ts_user **out, size_t max);
int64_t res_user_id(const ts_user *u);
const char *res_user_value(const ts_user *u, int column);
const char *res_user_profile(const ts_user *u, size_t i);
int64_t res_user_contextid(const ts_user *u);
int res_user_is_new(const ts_user *u);
const ts_user *res_user_created(ts_run *run, int64_t id, const char *const *names,
                                const char *const *values, size_t n, int64_t contextid);
void res_user_changed(ts_run *run, const ts_user *u, int column, const char *value);
void res_user_profile_changed(ts_run *run, const ts_user *u, size_t i, const char *value);
void res_user_context_created(ts_run *run, const ts_user *u, int64_t contextid);

/* Internal to the resolvers: the account store and the id cache. */
typedef struct ustore ustore;
ustore *ustore_new(int fold);
void ustore_free(ustore *u);
void ustore_clear(ustore *u);
/* At a batch start: a narrow store small enough is kept (its accounts are no longer
 * new); any other is cleared. */
void ustore_batch_begin(ustore *u);
void ustore_row_begin(ustore *u);
void ustore_row_undo(ustore *u);
typedef struct idcache idcache;
idcache *idcache_new(void);
void idcache_free(idcache *c);
void idcache_row_begin(idcache *c);
void idcache_row_undo(idcache *c);
void idcache_commit(idcache *c);
void idcache_rollback(idcache *c);

struct resolver {
    int fold;
    ustore *users;
    idcache *ids;
};

#endif
