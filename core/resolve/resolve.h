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
#include "toolsync/resolve.h"
#include "moodle/moodle.h"
#include "util/util.h"

typedef struct resolver resolver;

/* What the resolvers need from the run: the site, and where to record a failure. */
typedef struct {
    moodle_site *site;
    db *d;
    void (*fail)(void *ctx, const char *key, const char *text);  /* on the current row */
    void *ctx;
} resolver_env;

resolver *resolver_new(const resolver_env *env);
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

/* The service table (api.c fills it with these). */
const ts_resolve_api *resolver_api(void);
/* The resolver of a run (runtime.c). */
resolver *run_resolver(ts_run *run);

/* --- users.c ------------------------------------------------------------------------- */
int res_user_column(ts_run *run, const char *name);
int res_user_profile_fields(ts_run *run, const int64_t *fieldids, size_t n);
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
    resolver_env env;
    ustore *users;
    idcache *ids;
};

#endif
