/* The cohort / cohortid columns of the users file (spec 20 §3.7, engine rule): the
 * cohort is found by name, created in the system context when missing, and the user
 * joins it through the core's cohort writer (which also runs the cohort enrolments).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* Cohort id by name: > 0, 0 not found, -1 error, -2 ambiguous. */
static int64_t find_cohort(users_state *s, const char *name)
{
    ts_value a[1] = { { .s = name } };
    return cached_id(s, &s->cache.cohorts, name,
                     "SELECT id FROM {cohort} WHERE name = ? ORDER BY id", "s", a,
                     CACHE_UNIQUE);
}

int cohort_apply(users_state *s, ts_row *row, int64_t userid)
{
    const char *name = H->value_at(row, (size_t)s->c_cohort);
    if (!name || !*name)
        return 0;
    int64_t id = find_cohort(s, name);
    if (id == -2) {
        ob_add(s, TS_ERROR, "ambiguous", "cohort", "several cohorts are named '%s'", name);
        return -1;
    }
    if (id < 0)
        return -1;
    if (id == 0) {
        /* cohort_add_cohort(): idnumber NULL when not given. */
        const char *idn = s->c_cohortid >= 0 ? H->value_at(row, (size_t)s->c_cohortid) : NULL;
        id = H->cohort_create(s->run, 1, name, idn, "");
        if (id <= 0)
            return -1;
        *smap_slot(s->cache.cohorts, name) = box(id);
        ob_add(s, TS_OK, "creatingcohort", "cohort", "cohort '%s' created", name);
    }
    int r = H->cohort_add_member(s->run, id, userid);
    if (r < 0)
        return -1;
    if (r > 0)
        ob_add(s, TS_OK, "cohortmemberadded", "cohort", "member of '%s'", name);
    else
        ob_add(s, TS_SKIP, "cohortalreadymember", "cohort", "already member of '%s'", name);
    return 0;
}
