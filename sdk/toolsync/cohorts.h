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
#define TS_COHORTS_API_VERSION 1

/* A new cohort.  Versioned by `size`: use TS_COHORT_HEADER. */
typedef struct ts_cohort {
    uint32_t size;
    int64_t contextid;          /* TS_SYSTEM_CONTEXT_ID (moodle.h) or a category context */
    const char *name;           /* required                                            */
    const char *idnumber;       /* NULL: none (written NULL, as cohort_add_cohort)     */
    const char *description;    /* NULL: ""                                            */
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
} ts_cohorts_api;

#ifdef __cplusplus
}
#endif
#endif
