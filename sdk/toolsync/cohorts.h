/* toolsync SDK, service "cohorts": cohorts and their members as Moodle's API writes
 * them, with what enrol_cohort's observers do (moodle-writes.md §1.13-1.15, §3).
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_cohorts_api *C = rt->get_api(TS_COHORTS_API, TS_COHORTS_API_VERSION);
 *
 * Answers as enrol.h: 1 wrote, 0 already so, -1 error (reason on the current row).
 */
#ifndef TOOLSYNC_COHORTS_H
#define TOOLSYNC_COHORTS_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_COHORTS_API "cohorts"
#define TS_COHORTS_API_VERSION 2   /* 2: cohort_update, cohort_delete, cohort_free;
                                      ts_cohort.component and .format_moodle */

/* A new cohort.  Versioned by `size`: use TS_COHORT_HEADER. */
typedef struct ts_cohort {
    uint32_t size;
    int64_t contextid;          /* TS_SYSTEM_CONTEXT_ID (moodle.h) or a category context */
    const char *name;           /* required                                            */
    const char *idnumber;       /* NULL: none (written NULL, as cohort_add_cohort)     */
    const char *description;    /* NULL: ""                                            */
    /* version 2 (read only when `size` covers them: older modules get '' and HTML) */
    const char *component;      /* the owning plugin; NULL: '' (nobody)                */
    int format_moodle;          /* 1: descriptionformat FORMAT_MOODLE (0), as tool_sync's
                                   cohort file writes; 0: FORMAT_HTML (1), as
                                   cohort_add_cohort's default                          */
} ts_cohort;
#define TS_COHORT_HEADER .size = sizeof(ts_cohort)

typedef struct ts_cohorts_api {
    ts_api api;
    /* Creates the cohort (the resolver learns it): its id (> 0) or -1. */
    int64_t (*cohort_create)(ts_run *run, const ts_cohort *c);
    /* Adds a member and, as enrol_cohort's observer, enrols the user in every course
     * with an enabled cohort instance for the cohort (its role and group). */
    int (*add_member)(ts_run *run, int64_t cohortid, int64_t userid);
    /* Removes a member and, as the observer, unenrols or suspends the user in the
     * courses bound to the cohort, as each instance says. */
    int (*remove_member)(ts_run *run, int64_t cohortid, int64_t userid);

    /* --- version 2 --------------------------------------------------------------------
     * Nothing these return needs to be freed or kept: the strings of `c` are read during
     * the call only. */

    /* cohort_update_cohort(): sets the fields of `c` that are given (name, idnumber,
     * description not NULL; contextid > 0), with timemodified and the cohort_updated
     * event; the resolver learns the new name and idnumber and forgets the old ones.
     * 1 changed, 0 already so (nothing written), -1 error (an unknown cohort too). */
    int (*cohort_update)(ts_run *run, int64_t cohortid, const ts_cohort *c);
    /* cohort_delete_cohort() with enrol_cohort's observer: every cohort enrol instance
     * of the cohort (customint1) is deleted as delete_instance() does (its enrolments,
     * the roles and group memberships it owns), then the members (no event each, as
     * Moodle), the cohort and the cohort_deleted event; the resolver forgets it.
     * 1 deleted, 0 no such cohort, -1 error. */
    int (*cohort_delete)(ts_run *run, int64_t cohortid);
    /* Empties the cohort, each member removed as remove_member() does (its event, the
     * observer's unenrolments).  The number of members removed (0: it was empty), or
     * -1 (an unknown cohort too). */
    int64_t (*cohort_free)(ts_run *run, int64_t cohortid);
} ts_cohorts_api;

#ifdef __cplusplus
}
#endif
#endif
