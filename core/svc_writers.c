/* Services "enrol" and "cohorts" (groups: svc_groups.c): the writers of core/moodle for the run's
 * time, with the reason of a failure on the current row and the resolver told of what
 * they create.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A writer's answer once enrol_meta's observers have done their part (the course was
 * the parent of meta links): a failure there fails the row too. */
static int meta_after(ts_run *r, int rc, const char *what)
{
    if (rc >= 0 && moodle_meta_flush(r->e->site, r->now) < 0)
        rc = -1;
    return answer(r, rc, what);
}

static int e_enrol_user(ts_run *r, const ts_enrolment *e)
{
    return meta_after(r, moodle_enrol_user(r->e->site, r->now, e->enrolid, e->userid,
                                           e->roleid, e->timestart, e->timeend, e->status),
                      "enrolment not written");
}

static int e_unenrol_user(ts_run *r, int64_t enrolid, int64_t userid)
{
    return meta_after(r, moodle_unenrol_user(r->e->site, r->now, enrolid, userid),
                      "unenrolment not written");
}

static int e_role_assign(ts_run *r, const ts_role_assignment *a)
{
    return meta_after(r, moodle_role_assign(r->e->site, r->now, a->roleid, a->contextid,
                                            a->userid, a->component ? a->component : "",
                                            a->itemid),
                      "role assignment not written");
}

static int e_role_unassign(ts_run *r, const ts_role_assignment *a)
{
    return meta_after(r, moodle_role_unassign(r->e->site, r->now, a->roleid, a->contextid,
                                              a->userid, a->component ? a->component : "",
                                              a->itemid),
                      "role unassignment not written");
}

/* The resolver's enrol_instance answers (first of a method by sortorder, enabled or
 * any) may change with an instance added, deleted or switched: forget them, the next
 * lookup reads the table again (inside this batch, so it sees the change, and a
 * rollback leaves nothing wrong behind). */
static void instances_changed(ts_run *r, int64_t courseid, const char *method)
{
    resolver_forget(r->res, 'e', courseid, TS_BY_NAME, method);
    resolver_forget(r->res, 'E', courseid, TS_BY_NAME, method);
}

static int64_t e_instance_add(ts_run *r, const ts_enrol_instance *i)
{
    if (!i || i->size < sizeof *i) {
        run_fail(r, "dberror", "enrol instance not added: use TS_ENROL_INSTANCE_HEADER");
        return -1;
    }
    moodle_instance in = { .courseid = i->courseid, .enrol = i->enrol, .status = i->status,
                           .roleid = i->roleid, .customint1 = i->customint1,
                           .customint2 = i->customint2, .name = i->name };
    int64_t id = moodle_instance_add(r->e->site, r->now, &in);
    if (id > 0)
        instances_changed(r, i->courseid, i->enrol);
    return meta_after(r, id < 0 ? -1 : 0, "enrol instance not added") < 0 ? -1 : id;
}

static int e_instance_add_defaults(ts_run *r, int64_t courseid)
{
    int n = moodle_instance_add_defaults(r->e->site, r->now, courseid);
    static const char *const methods[] = { "manual", "self", "guest" };
    for (size_t k = 0; n > 0 && k < sizeof methods / sizeof methods[0]; k++)
        instances_changed(r, courseid, methods[k]);
    return answer(r, n, "default enrol instances not added");
}

static int e_instance_add_defaults_new(ts_run *r, int64_t courseid)
{
    moodle_course_is_new(r->e->site, courseid);
    return e_instance_add_defaults(r, courseid);
}

static int e_instance_set_status(ts_run *r, int64_t enrolid, int status)
{
    char method[24];
    int64_t courseid = moodle_instance_course(r->e->site, enrolid, method, sizeof method);
    int rc = moodle_instance_set_status(r->e->site, r->now, enrolid, status);
    if (rc > 0 && courseid > 0)
        instances_changed(r, courseid, method);
    return meta_after(r, rc, "enrol instance status not written");
}

static int e_instance_delete(ts_run *r, int64_t enrolid)
{
    char method[24];
    int64_t courseid = moodle_instance_course(r->e->site, enrolid, method, sizeof method);
    int rc = moodle_instance_delete(r->e->site, r->now, enrolid);
    if (rc > 0 && courseid > 0)
        instances_changed(r, courseid, method);
    return meta_after(r, rc, "enrol instance not deleted");
}

static int e_enrolment(ts_run *r, int64_t enrolid, int64_t userid, int *status,
                       int64_t *timestart, int64_t *timeend)
{
    return answer(r, moodle_enrolment_get(r->e->site, enrolid, userid, status, timestart,
                                          timeend), "enrolments not read");
}

static int e_is_enrolled(ts_run *r, int64_t courseid, int64_t userid)
{
    return answer(r, moodle_is_enrolled(r->e->site, courseid, userid), "enrolments not read");
}

static int e_course_roles(ts_run *r, int64_t courseid, int64_t userid, int64_t roleid,
                          const char *component, int64_t itemid)
{
    return answer(r, moodle_course_roles(r->e->site, courseid, userid, roleid, component,
                                         itemid), "role assignments not read");
}

static void e_state_changed(ts_run *r)
{
    moodle_enrolment_state_changed(r->e->site);
}

const ts_enrol_api svc_enrol = {
    .api = { sizeof(ts_enrol_api), TS_ENROL_API_VERSION, TS_ENROL_API },
    .enrol_user = e_enrol_user,
    .unenrol_user = e_unenrol_user,
    .role_assign = e_role_assign,
    .role_unassign = e_role_unassign,
    .instance_add = e_instance_add,
    .instance_add_defaults = e_instance_add_defaults,
    .instance_set_status = e_instance_set_status,
    .instance_delete = e_instance_delete,
    .enrolment = e_enrolment,
    .is_enrolled = e_is_enrolled,
    .course_roles = e_course_roles,
    .state_changed = e_state_changed,
    .instance_add_defaults_new = e_instance_add_defaults_new,
};

/* A ts_cohort field the module's header had (version 2 fields read as zero otherwise). */
#define COHORT_HAS(c, f) ((c)->size >= offsetof(ts_cohort, f) + sizeof((c)->f))

static int64_t c_create(ts_run *r, const ts_cohort *c)
{
    int64_t id = moodle_cohort_create(r->e->site, r->now, c->contextid, c->name, c->idnumber,
                                      c->description ? c->description : "");
    if (id < 0)
        return answer(r, -1, "cohort not created");
    const char *component = COHORT_HAS(c, component) ? c->component : NULL;
    int moodlefmt = COHORT_HAS(c, format_moodle) && c->format_moodle;
    if (((component && *component) || moodlefmt) &&
        moodle_cohort_set_owner(r->e->site, id, component, moodlefmt ? 0 : 1) < 0)
        return answer(r, -1, "cohort not created");
    resolver_learn(r->res, 'h', 0, TS_BY_NAME, c->name, id);
    resolver_learn(r->res, 'h', 0, TS_BY_IDNUMBER, c->idnumber, id);
    return id;
}

static int c_add(ts_run *r, int64_t cid, int64_t uid)
{
    return meta_after(r, moodle_cohort_add_member(r->e->site, r->now, cid, uid),
                      "cohort membership not written");
}

static int c_remove(ts_run *r, int64_t cid, int64_t uid)
{
    return meta_after(r, moodle_cohort_remove_member(r->e->site, r->now, cid, uid),
                      "cohort membership not removed");
}

/* The resolver's keys of a cohort (before a rename or a deletion). */
static void c_forget(ts_run *r, const moodle_cohort_row *c, int by_id)
{
    resolver_forget(r->res, 'h', 0, TS_BY_NAME, c->name);
    resolver_forget(r->res, 'h', 0, TS_BY_IDNUMBER, c->idnumber);
    if (by_id) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)c->id);
        resolver_forget(r->res, 'h', 0, TS_BY_ID, id);
    }
}

static int c_update(ts_run *r, int64_t cid, const ts_cohort *c)
{
    moodle_cohort_row old;
    int rc = moodle_cohort_read(r->e->site, cid, &old);
    if (rc <= 0)
        return rc < 0 ? answer(r, -1, "cohort not updated")
                      : (run_fail(r, "cohortnotexists", "cohort %lld does not exist",
                                  (long long)cid), -1);
    rc = moodle_cohort_update(r->e->site, r->now, cid, c->contextid, c->name, c->idnumber,
                              c->description);
    if (rc > 0) {
        c_forget(r, &old, 0);
        resolver_learn(r->res, 'h', 0, TS_BY_NAME, c->name ? c->name : old.name, cid);
        resolver_learn(r->res, 'h', 0, TS_BY_IDNUMBER, c->idnumber ? c->idnumber : old.idnumber,
                       cid);
    }
    moodle_cohort_row_free(&old);
    return answer(r, rc, "cohort not updated");
}

/* enrol_cohort's observer of cohort_deleted, then cohort_delete_cohort(). */
static int c_delete(ts_run *r, int64_t cid)
{
    moodle_cohort_row old;
    int rc = moodle_cohort_read(r->e->site, cid, &old);
    if (rc <= 0)
        return answer(r, rc, "cohort not deleted");
    int64_t *inst;
    size_t n;
    rc = moodle_cohort_instances(r->e->site, cid, &inst, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (svc_enrol.instance_delete(r, inst[i]) < 0)
            rc = -2;   /* reason already on the row */
    free(inst);
    if (rc == 0)
        rc = moodle_cohort_delete(r->e->site, r->now, cid);
    if (rc > 0)
        c_forget(r, &old, 1);
    moodle_cohort_row_free(&old);
    return rc == -2 ? -1 : answer(r, rc, "cohort not deleted");
}

static int64_t c_free(ts_run *r, int64_t cid)
{
    moodle_cohort_row c;
    int found = moodle_cohort_read(r->e->site, cid, &c);
    moodle_cohort_row_free(&c);
    if (found == 0)
        run_fail(r, "cohortnotexists", "cohort %lld does not exist", (long long)cid);
    if (found <= 0)
        return found < 0 ? answer(r, -1, "cohort not emptied") : -1;
    int64_t *users;
    size_t n;
    if (moodle_cohort_members(r->e->site, cid, &users, &n) < 0)
        return answer(r, -1, "cohort not emptied");
    int64_t removed = 0;
    for (size_t i = 0; i < n && removed >= 0; i++) {
        int rc = c_remove(r, cid, users[i]);   /* reason on the row when it fails */
        removed = rc < 0 ? -1 : removed + rc;
    }
    free(users);
    return removed;
}

const ts_cohorts_api svc_cohorts = {
    .api = { sizeof(ts_cohorts_api), TS_COHORTS_API_VERSION, TS_COHORTS_API },
    .cohort_create = c_create,
    .add_member = c_add,
    .remove_member = c_remove,
    .cohort_update = c_update,
    .cohort_delete = c_delete,
    .cohort_free = c_free,
};
