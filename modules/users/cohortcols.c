/* The cohort / cohortid columns of the users file (spec 20 §3.7, engine rule): the
 * cohort is found by name, created in the system context when missing, and the user
 * joins it through the core's cohort writer (which also runs the cohort enrolments).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

int cohort_apply(users_state *s, ts_row *row, int64_t userid)
{
    const char *name = RT->value_at(row, (size_t)s->c_cohort);
    if (!name || !*name)
        return 0;
    int64_t id = R->cohort(s->run, TS_BY_NAME, name, 0);
    if (id == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "ambiguous", "cohort", "several cohorts are named '%s'", name);
        return -1;
    }
    if (id < 0)
        return -1;
    if (id == 0) {
        /* cohort_add_cohort(): idnumber NULL when not given. */
        const char *idn = s->c_cohortid >= 0 ? RT->value_at(row, (size_t)s->c_cohortid) : NULL;
        ts_cohort c = { TS_COHORT_HEADER, .contextid = TS_SYSTEM_CONTEXT_ID, .name = name,
                        .idnumber = idn, .description = "" };
        id = C->cohort_create(s->run, &c);
        if (id <= 0)
            return -1;
        say(s, TS_OK, "creatingcohort", "cohort", "cohort '%s' created", name);
    }
    int r = C->add_member(s->run, id, userid);
    if (r < 0)
        return -1;
    if (r > 0)
        say(s, TS_OK, "cohortmemberadded", "cohort", "member of '%s'", name);
    else
        say(s, TS_SKIP, "cohortalreadymember", "cohort", "already member of '%s'", name);
    return 0;
}
