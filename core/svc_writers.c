/* Services "enrol" and "cohorts" (groups: svc_groups.c): the writers of core/moodle for the run's
 * time, with the reason of a failure on the current row and the resolver told of what
 * they create.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include "run.h"
#include "svc.h"
#include "moodle/enrol.h"
#include "resolve/resolve.h"

/* 1 wrote, 0 already so; -1 with the site's reason on the row. */
static int answer(ts_run *r, int rc, const char *what)
{
    if (rc < 0)
        run_fail_moodle(r, "dberror", what);
    return rc;
}

static int e_enrol_user(ts_run *r, const ts_enrolment *e)
{
    return answer(r, moodle_enrol_user(r->e->site, r->now, e->enrolid, e->userid, e->roleid,
                                       e->timestart, e->timeend, e->status),
                  "enrolment not written");
}

static int e_unenrol_user(ts_run *r, int64_t enrolid, int64_t userid)
{
    return answer(r, moodle_unenrol_user(r->e->site, r->now, enrolid, userid),
                  "unenrolment not written");
}

static int e_role_assign(ts_run *r, const ts_role_assignment *a)
{
    return answer(r, moodle_role_assign(r->e->site, r->now, a->roleid, a->contextid,
                                        a->userid, a->component ? a->component : "",
                                        a->itemid),
                  "role assignment not written");
}

static int e_role_unassign(ts_run *r, const ts_role_assignment *a)
{
    return answer(r, moodle_role_unassign(r->e->site, r->now, a->roleid, a->contextid,
                                          a->userid, a->component ? a->component : "",
                                          a->itemid),
                  "role unassignment not written");
}

const ts_enrol_api svc_enrol = {
    .api = { sizeof(ts_enrol_api), TS_ENROL_API_VERSION, TS_ENROL_API },
    .enrol_user = e_enrol_user,
    .unenrol_user = e_unenrol_user,
    .role_assign = e_role_assign,
    .role_unassign = e_role_unassign,
};

static int64_t c_create(ts_run *r, const ts_cohort *c)
{
    int64_t id = moodle_cohort_create(r->e->site, r->now, c->contextid, c->name, c->idnumber,
                                      c->description ? c->description : "");
    if (id < 0)
        return answer(r, -1, "cohort not created");
    resolver_learn(r->res, 'h', 0, TS_BY_NAME, c->name, id);
    resolver_learn(r->res, 'h', 0, TS_BY_IDNUMBER, c->idnumber, id);
    return id;
}

static int c_add(ts_run *r, int64_t cid, int64_t uid)
{
    return answer(r, moodle_cohort_add_member(r->e->site, r->now, cid, uid),
                  "cohort membership not written");
}

static int c_remove(ts_run *r, int64_t cid, int64_t uid)
{
    return answer(r, moodle_cohort_remove_member(r->e->site, r->now, cid, uid),
                  "cohort membership not removed");
}

const ts_cohorts_api svc_cohorts = {
    .api = { sizeof(ts_cohorts_api), TS_COHORTS_API_VERSION, TS_COHORTS_API },
    .cohort_create = c_create,
    .add_member = c_add,
    .remove_member = c_remove,
};
