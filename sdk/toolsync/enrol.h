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
#define TS_ENROL_API_VERSION 1

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
} ts_enrol_api;

#ifdef __cplusplus
}
#endif
#endif
