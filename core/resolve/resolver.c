/* The resolvers' life in a run and their service table.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include "resolve/objects.h"

const resolve_host *RH;

void resolve_bind(const resolve_host *h) { RH = h; }

resolver *resolver_new(int fold)
{
    resolver *rs = calloc(1, sizeof *rs);
    rs->fold = fold;
    rs->users = ustore_new(fold);
    rs->ids = idcache_new();
    return rs;
}

void resolver_free(resolver *rs)
{
    if (!rs)
        return;
    ustore_free(rs->users);
    idcache_free(rs->ids);
    free(rs);
}

void resolver_batch_begin(resolver *rs) { ustore_batch_begin(rs->users); }

void resolver_row_begin(resolver *rs)
{
    ustore_row_begin(rs->users);
    idcache_row_begin(rs->ids);
}

void resolver_row_end(resolver *rs, int failed)
{
    if (failed) {
        ustore_row_undo(rs->users);
        idcache_row_undo(rs->ids);
    }
    ustore_row_begin(rs->users);
    idcache_row_begin(rs->ids);
}

void resolver_commit(resolver *rs) { idcache_commit(rs->ids); }

void resolver_rollback(resolver *rs)
{
    ustore_clear(rs->users);
    idcache_rollback(rs->ids);
}

static const ts_resolve_api api = {
    .api = { sizeof(ts_resolve_api), TS_RESOLVE_API_VERSION, TS_RESOLVE_API },
    .user_column = res_user_column,
    .user_profile_fields = res_user_profile_fields,
    .user_prefetch = res_user_prefetch,
    .user_find = res_user_find,
    .user_find_all = res_user_find_all,
    .user_id = res_user_id,
    .user_value = res_user_value,
    .user_profile = res_user_profile,
    .user_contextid = res_user_contextid,
    .user_is_new = res_user_is_new,
    .user_created = res_user_created,
    .user_changed = res_user_changed,
    .user_profile_changed = res_user_profile_changed,
    .user_context_created = res_user_context_created,
    .user_read_columns = res_user_read_columns,
    .course = res_course,
    .course_prefetch = res_course_prefetch,
    .category = res_category,
    .role = res_role,
    .enrol_instance = res_enrol_instance,
    .group = res_group,
    .grouping = res_grouping,
    .cohort = res_cohort,
};

const ts_resolve_api *resolver_api(void) { return &api; }
