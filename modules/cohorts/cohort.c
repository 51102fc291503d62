/* add's cohort: created when missing (autocreate), else updated from the line's data
 * columns (spec 50 §3.1 steps 4 and 5, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cohorts.h"

/* The context the line asks for: a category's (ccatcontext id, or ccatcontextidnumber),
 * the system's for ccatcontext 0, or `dflt` when neither column says anything.  An
 * unknown category keeps `dflt` with a WARN (spec: cohortbadcontext).  -1 on error. */
static int64_t wanted_context(cstate *s, ts_row *row, int64_t dflt)
{
    const char *id = given(row, s->ccatcontext), *idn = given(row, s->ccatcontextidnumber);
    if (id && !strcmp(id, "0"))
        return TS_SYSTEM_CONTEXT_ID;
    if (!id && !idn)
        return dflt;
    int64_t cat = R->category(s->run, id ? TS_BY_ID : TS_BY_IDNUMBER, id ? id : idn, 0);
    if (cat == TS_R_ERROR)
        return -1;
    int64_t ctx = cat > 0 ? M->context_id(s->run, TS_CTX_COURSECAT, cat) : 0;
    if (ctx < 0)
        return -1;
    if (ctx == 0) {
        RT->outcome(row, TS_WARN, "cohortbadcontext", id ? "ccatcontext" : "ccatcontextidnumber",
                    "no category with %s '%s': the cohort stays in its context",
                    id ? "id" : "idnumber", id ? id : idn);
        return dflt;
    }
    return ctx;
}

/* Does another cohort than `self` hold that name / idnumber?  1 yes (ERROR recorded),
 * 0 no, -1 database error. */
static int conflict(cstate *s, ts_row *row, ts_by by, const char *value, int64_t self)
{
    if (!value)
        return 0;
    int64_t other = R->cohort(s->run, by, value, 0);
    if (other == TS_R_ERROR)
        return -1;
    if (other == 0 || other == self)
        return 0;
    RT->outcome(row, TS_ERROR, "cohortconflict", by == TS_BY_NAME ? "cname" : "cidnumber",
                "another cohort has %s '%s'", by_name(by), value);
    return 1;
}

static int64_t create(cstate *s, ts_row *row, const char *primary)
{
    if (!s->autocreate) {
        RT->outcome(row, TS_ERROR, "cohortnotfound", s->primary_name,
                    "no cohort with %s '%s' (cohorts.autocreate is off)",
                    by_name(s->cohort_by), primary);
        return TS_ERR;
    }
    /* Engine rule: the name falls back to the identifier's value. */
    const char *name = given(row, s->cname);
    if (!name)
        name = primary;
    const char *idnumber = given(row, s->cidnumber);
    int c = s->cohort_by == TS_BY_NAME ? conflict(s, row, TS_BY_IDNUMBER, idnumber, 0)
                                       : conflict(s, row, TS_BY_NAME, name, 0);
    if (c != 0)
        return TS_ERR;
    int64_t ctx = wanted_context(s, row, TS_SYSTEM_CONTEXT_ID);
    if (ctx < 0)
        return TS_ERR;
    const char *desc = given(row, s->cdescription);
    ts_cohort nc = { TS_COHORT_HEADER, .contextid = ctx, .name = name, .idnumber = idnumber,
                     .description = desc ? desc : "", .component = given(row, s->component),
                     .format_moodle = 1 };
    int64_t id = C->cohort_create(s->run, &nc);
    if (id <= 0)
        return TS_ERR;
    RT->outcome(row, TS_OK, "cohortcreated", s->primary_name, "cohort '%s' created", name);
    return id;
}

/* Engine rule 5: non-empty values change the cohort; the identifier's own column
 * never does (it found the cohort). */
static int64_t update(cstate *s, ts_row *row, int64_t id, const char *primary)
{
    const char *name = s->cohort_by == TS_BY_NAME ? NULL : given(row, s->cname);
    const char *idnumber = s->cohort_by == TS_BY_IDNUMBER ? NULL : given(row, s->cidnumber);
    int c = conflict(s, row, TS_BY_NAME, name, id);
    if (c == 0)
        c = conflict(s, row, TS_BY_IDNUMBER, idnumber, id);
    if (c != 0)
        return TS_ERR;
    int64_t ctx = wanted_context(s, row, 0);
    if (ctx < 0)
        return TS_ERR;
    ts_cohort uc = { TS_COHORT_HEADER, .contextid = ctx, .name = name, .idnumber = idnumber,
                     .description = given(row, s->cdescription) };
    int rc = C->cohort_update(s->run, id, &uc);
    if (rc < 0)
        return TS_ERR;
    if (rc > 0)
        RT->outcome(row, TS_OK, "cohortupdated", s->primary_name, "cohort '%s' updated",
                    primary);
    return id;
}

int64_t cohort_for_add(cstate *s, ts_row *row, int64_t found, const char *primary)
{
    return found > 0 ? update(s, row, found, primary) : create(s, row, primary);
}
