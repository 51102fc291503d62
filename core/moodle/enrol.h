/* Enrolments, role assignments, groups and cohorts written as Moodle's API writes them.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows, cache flags and events follow spec/moodle-writes.md §1.7-1.15.  Every function
 * returns 1 when it wrote, 0 when the state already held, -1 on error (moodle_error tells).
 * They are shared by every module through the host table (never copied into modules).
 */
#ifndef TS_MOODLE_ENROL_H
#define TS_MOODLE_ENROL_H

#include "moodle/moodle.h"

/* status: 0 active, 1 suspended, -1 = active for a new enrolment and unchanged for an
 * existing one (Moodle's $status = null). */
int moodle_enrol_user(moodle_site *s, int64_t now, int64_t enrolid, int64_t userid,
                      int64_t roleid, int64_t timestart, int64_t timeend, int status);
int moodle_unenrol_user(moodle_site *s, int64_t now, int64_t enrolid, int64_t userid);
int moodle_role_assign(moodle_site *s, int64_t now, int64_t roleid, int64_t contextid,
                       int64_t userid, const char *component, int64_t itemid);
int moodle_role_unassign(moodle_site *s, int64_t now, int64_t roleid, int64_t contextid,
                         int64_t userid, const char *component, int64_t itemid);
/* role_unassign_all(): removes a user's assignments in a context (and, with
 * subcontexts, in every context below it), one event each.  roleid 0 = any role;
 * component NULL = any owner (else component and itemid must match).  Returns the
 * number of assignments removed, or -1. */
int moodle_role_unassign_all(moodle_site *s, int64_t now, int64_t roleid,
                             int64_t contextid, int64_t userid, const char *component,
                             int64_t itemid, int subcontexts);
int64_t moodle_group_create(moodle_site *s, int64_t now, int64_t courseid, const char *name,
                            const char *idnumber, const char *description);
int moodle_group_add_member(moodle_site *s, int64_t now, int64_t groupid, int64_t userid,
                            const char *component, int64_t itemid);
int moodle_group_remove_member(moodle_site *s, int64_t now, int64_t groupid, int64_t userid);
int64_t moodle_cohort_create(moodle_site *s, int64_t now, int64_t contextid, const char *name,
                             const char *idnumber, const char *description);
int moodle_cohort_add_member(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid);
int moodle_cohort_remove_member(moodle_site *s, int64_t now, int64_t cohortid, int64_t userid);

/* cohorts_admin.c: a cohort's row (strings malloc'd, NULL for SQL NULL; free with
 * moodle_cohort_row_free).  moodle_cohort_read: 1 found, 0 not, -1 error. */
typedef struct {
    int64_t id, contextid;
    char *name, *idnumber, *description;
} moodle_cohort_row;
int moodle_cohort_read(moodle_site *s, int64_t cohortid, moodle_cohort_row *out);
void moodle_cohort_row_free(moodle_cohort_row *c);
/* Owner component and descriptionformat of a cohort just created (no event: part of
 * its creation).  0 or -1. */
int moodle_cohort_set_owner(moodle_site *s, int64_t cohortid, const char *component,
                            int descriptionformat);
/* cohort_update_cohort(): fields NULL (contextid 0) are left as they are. */
int moodle_cohort_update(moodle_site *s, int64_t now, int64_t cohortid, int64_t contextid,
                         const char *name, const char *idnumber, const char *description);
/* The cohort enrol instances (customint1) of a cohort; the user ids of its members.
 * Malloc'd arrays the caller frees; 0 or -1. */
int moodle_cohort_instances(moodle_site *s, int64_t cohortid, int64_t **ids, size_t *n);
int moodle_cohort_members(moodle_site *s, int64_t cohortid, int64_t **ids, size_t *n);
/* cohort_delete_cohort() once its enrol instances are gone: members, row, event.
 * 1 deleted, 0 no such cohort, -1 error. */
int moodle_cohort_delete(moodle_site *s, int64_t now, int64_t cohortid);

/* ---- enrol instances (instances.c) and enrol_meta (meta.c) ------------------------ */

/* A new instance: the SDK's ts_enrol_instance without its size (sdk/toolsync/enrol.h
 * says what each field means). */
typedef struct {
    int64_t courseid;
    const char *enrol;
    int status;
    int64_t roleid, customint1, customint2;
    const char *name;
} moodle_instance;

/* add_instance(): the row (manual, self and guest from their plugin's defaults, then
 * the given status, role and name), enrol_instance_created; a cohort instance enrols
 * the cohort's members, a meta instance syncs the parent's users.  Its id, or -1. */
int64_t moodle_instance_add(moodle_site *s, int64_t now, const moodle_instance *in);
/* create_course()'s instances: manual, self, guest when listed in
 * enrol_plugins_enabled (in its order) with their `defaultenrol` on.  The number
 * added, or -1. */
int moodle_instance_add_defaults(moodle_site *s, int64_t now, int64_t courseid);
/* A course inserted by this run has no enrol instance yet: nothing to read for it. */
void moodle_course_is_new(moodle_site *s, int64_t courseid);
/* update_status(): 1 changed, 0 already so, -1. */
int moodle_instance_set_status(moodle_site *s, int64_t now, int64_t enrolid, int status);
/* delete_instance(): 1 deleted, 0 no such instance, -1. */
int moodle_instance_delete(moodle_site *s, int64_t now, int64_t enrolid);

/* The course of an instance and its plugin (method, len bytes): > 0, or 0 when there
 * is no such instance or it cannot be read. */
int64_t moodle_instance_course(moodle_site *s, int64_t enrolid, char *method, size_t len);

/* Questions answered from the run's memory of the courses (enrolstate.c): 1 yes, 0 no,
 * -1 error (s->err).  moodle_enrolment_get fills whichever of status/start/end is not
 * NULL; moodle_course_roles answers a number. */
int moodle_enrolment_get(moodle_site *s, int64_t enrolid, int64_t userid, int *status,
                         int64_t *timestart, int64_t *timeend);
int moodle_is_enrolled(moodle_site *s, int64_t courseid, int64_t userid);
int moodle_course_roles(moodle_site *s, int64_t courseid, int64_t userid, int64_t roleid,
                        const char *component, int64_t itemid);
int moodle_is_group_member(moodle_site *s, int64_t groupid, int64_t userid,
                           const char *component);
/* A module's own SQL wrote enrolments, roles or memberships: forget what was known. */
void moodle_enrolment_state_changed(moodle_site *s);

/* enrol_meta's observers.  The writers note each (course, user) whose enrolments or
 * course roles they changed when the course is the parent of a meta instance (the
 * site's meta instances are read once, then kept up to date); moodle_meta_flush
 * syncs the child courses of what was noted, as the observers would have done at
 * once.  Call it after each writer call (the services do).  0 or -1. */
int moodle_meta_flush(moodle_site *s, int64_t now);
/* Drops the remembered meta instances and pending syncs (moodle_forget calls it). */
void moodle_meta_forget(moodle_site *s);
/* How many times the site's meta instances were read (tests: once per run). */
unsigned moodle_meta_reads(const moodle_site *s);

/* core_course_category::create(): a visible (or hidden) category under parentid (0: at
 * the top), last among its siblings, with its context and event.  Its id, or -1.
 * *contextid (may be NULL) receives the new context's id. */
int64_t moodle_category_create(moodle_site *s, int64_t now, int64_t parentid,
                               const char *name, const char *idnumber, int visible,
                               int64_t *contextid);

/* Caches that need PHP to purge (moodle-writes §2.3): the writers name them
 * ("groupdata", "user_group_groupings", "coursecontacts", "changesincoursecat") to the
 * sink the run sets; without a sink the requests are dropped. */
void moodle_set_purge_sink(moodle_site *s, void (*sink)(void *ctx, const char *what),
                           void *ctx);
void moodle_request_purge(moodle_site *s, const char *what);


#endif
