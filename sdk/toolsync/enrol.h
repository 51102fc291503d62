/* toolsync SDK, service "enrol": enrolments and role assignments as Moodle's API writes
 * them (moodle-writes.md §1.7-1.9, §1.12).
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_enrol_api *E = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
 *
 * Writers answer 1 when they wrote, 0 when the state already held (nothing written:
 * report SKIP), -1 on error with the reason recorded on the current row.  They write the
 * rows, the cache flags (the user marked dirty so that a logged-in user sees the change
 * at once) and the events; caches only PHP can purge are queued on the bridge.
 */
#ifndef TOOLSYNC_ENROL_H
#define TOOLSYNC_ENROL_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_ENROL_API "enrol"
#define TS_ENROL_API_VERSION 3   /* 2: enrol instances, enrol_meta propagation;
                                    3: questions answered from the run's memory */

/* Status of an enrolment (ENROL_USER_*). */
#define TS_ENROLMENT_ACTIVE     0
#define TS_ENROLMENT_SUSPENDED  1
#define TS_ENROLMENT_KEEP     (-1)   /* active when new, unchanged when it exists */

/* One enrolment.  Versioned by `size`: use TS_ENROLMENT_HEADER. */
typedef struct ts_enrolment {
    uint32_t size;
    int64_t enrolid;        /* the enrol instance (resolve.h enrol_instance)              */
    int64_t userid;
    int64_t roleid;         /* > 0: also assign it in the course context (component ''
                               for manual instances, enrol_<method> + itemid otherwise) */
    int64_t timestart;      /* 0: no start                                              */
    int64_t timeend;        /* 0: no end                                                */
    int status;             /* TS_ENROLMENT_*                                            */
} ts_enrolment;
#define TS_ENROLMENT_HEADER .size = sizeof(ts_enrolment)

/* One role assignment.  Versioned by `size`: use TS_ROLE_ASSIGNMENT_HEADER. */
typedef struct ts_role_assignment {
    uint32_t size;
    int64_t roleid;
    int64_t contextid;
    int64_t userid;
    const char *component;  /* "" (NULL taken as ""), or the owning plugin "enrol_cohort" */
    int64_t itemid;         /* the owning instance, 0 with component ""                   */
} ts_role_assignment;
#define TS_ROLE_ASSIGNMENT_HEADER .size = sizeof(ts_role_assignment)

/* Status of an enrol instance (ENROL_INSTANCE_*). */
#define TS_INSTANCE_ENABLED   0
#define TS_INSTANCE_DISABLED  1

/* A new enrol instance (version 2).  Versioned by `size`: use TS_ENROL_INSTANCE_HEADER.
 * manual, self and guest start from the plugin's defaults ({config_plugins}, as
 * add_default_instance() reads them: a bare self instance would refuse new enrolments),
 * then take status, roleid (> 0) and name from here, as Moodle's course upload does.
 * cohort and meta take the fields below; those they do not use are written NULL. */
typedef struct ts_enrol_instance {
    uint32_t size;
    int64_t courseid;
    const char *enrol;          /* the plugin: "manual", "self", "guest", "cohort", "meta" */
    int status;                 /* TS_INSTANCE_*                                          */
    int64_t roleid;             /* 0: manual, self: the plugin's default role; cohort:
                                   none; meta: unused, 0 (it copies the parent's roles)   */
    int64_t customint1;         /* cohort: the cohort id; meta: the parent course id      */
    int64_t customint2;         /* cohort, meta: the group to add members to (0: none)     */
    const char *name;           /* NULL: none ('' for cohort, as its form writes)         */
} ts_enrol_instance;
#define TS_ENROL_INSTANCE_HEADER .size = sizeof(ts_enrol_instance)

typedef struct ts_enrol_api {
    ts_api api;
    /* Enrols (user_enrolments) and assigns the role; an existing enrolment gets the
     * given status and times. */
    int (*enrol_user)(ts_run *run, const ts_enrolment *e);
    /* Removes the enrolment and what it owns: its role assignments and group
     * memberships, and all of the user's roles and groups in the course when it was the
     * last enrolment there (moodle-writes §1.12). */
    int (*unenrol_user)(ts_run *run, int64_t enrolid, int64_t userid);
    int (*role_assign)(ts_run *run, const ts_role_assignment *a);
    int (*role_unassign)(ts_run *run, const ts_role_assignment *a);

    /* --- version 2: instances, and what enrol_meta's observers do ----------------------
     * enrol_user, unenrol_user, role_assign and role_unassign in a course that is the
     * parent of meta links propagate to the child courses as enrol_meta's observers
     * would (component "enrol_meta", itemid = the child's meta instance), when `meta`
     * is in enrol_plugins_enabled (it is not on a new site), within the same call.
     * Settings honoured: nosyncroleids, syncall, unenrolaction.  A site without meta
     * links pays one query per run for knowing it (none when the plugin is off). */

    /* Adds an instance as the plugin's add_instance(): next sortorder in the course,
     * enrol_instance_created event (add_instance() does not bump the course's cacherev:
     * no course cache holds instances).  A second manual instance is refused, as
     * enrol_manual does.  A cohort instance enrols the cohort's members at once
     * (enrol_cohort_sync for it), a meta instance the parent course's enrolled users
     * with their roles (enrol_meta_sync).  Its id (> 0), or -1. */
    int64_t (*instance_add)(ts_run *run, const ts_enrol_instance *i);
    /* The default instances create_course() adds: one per plugin of config
     * `enrol_plugins_enabled` that adds one (manual, guest, self, in that setting's
     * order) when its `defaultenrol` setting is on, with that plugin's defaults from
     * {config_plugins}; an existing manual instance is kept.  The number added, or -1. */
    int (*instance_add_defaults)(ts_run *run, int64_t courseid);
    /* update_status(): the status (timemodified stays, as Moodle rewrites the record as
     * read), enrol_instance_updated, the course context marked dirty
     * (accesslib/dirtycontexts: every user's access in it is reloaded); cohort and meta
     * instances sync (roles given or taken back), meta links to the course sync.
     * 1 changed, 0 already so, -1 error. */
    int (*instance_set_status)(ts_run *run, int64_t enrolid, int status);
    /* delete_instance(): each user unenrolled as unenrol_user does, then what the
     * instance still owns (role assignments and group memberships with its component
     * and itemid), the row, enrol_instance_deleted, the course context marked dirty.
     * 1 deleted, 0 no such instance, -1 error. */
    int (*instance_delete)(ts_run *run, int64_t enrolid);

    /* --- version 3: what a course holds, asked without a round trip --------------------
     * The first question about a course reads its enrolments, course-level role
     * assignments and group memberships (three queries); from then on the writers of
     * this service and of the groups service keep that memory true, so that a file of
     * many lines per course asks the database nothing more.  A rollback drops it.  They
     * answer 1 yes, 0 no, -1 error (the reason on the row). */

    /* The user's enrolment through an instance: *status (TS_ENROLMENT_ACTIVE or _SUSPENDED),
     * *timestart and *timeend when found (any may be NULL). */
    int (*enrolment)(ts_run *run, int64_t enrolid, int64_t userid, int *status,
                     int64_t *timestart, int64_t *timeend);
    /* Has the user any enrolment in the course, any status (is_enrolled() without
     * $onlyactive)? */
    int (*is_enrolled)(ts_run *run, int64_t courseid, int64_t userid);
    /* How many of the user's role assignments in the course context match: roleid <= 0
     * any role; component NULL any owner, else that component ("" manual) and itemid.
     * The number (>= 0), or -1. */
    int (*course_roles)(ts_run *run, int64_t courseid, int64_t userid, int64_t roleid,
                        const char *component, int64_t itemid);
    /* A module that wrote user_enrolments, role_assignments or groups_members with its
     * own SQL calls this afterwards: the memory above is read again when next asked. */
    void (*state_changed)(ts_run *run);
    /* instance_add_defaults for a course the module has just inserted in this run (it
     * has no instance yet), so that nothing needs reading first. */
    int (*instance_add_defaults_new)(ts_run *run, int64_t courseid);
} ts_enrol_api;

#ifdef __cplusplus
}
#endif
#endif
