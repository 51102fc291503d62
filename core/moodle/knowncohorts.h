/* What the cohort writers remember during a run (knowncohorts.c).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_MOODLE_KNOWNCOHORTS_H
#define TS_MOODLE_KNOWNCOHORTS_H

#include "moodle/writer.h"

/* One enabled cohort enrol instance bound to a cohort. */
typedef struct {
    int64_t id, courseid, roleid, groupid;
    int role_exists;
} cohort_link;
typedef struct {
    size_t n;
    cohort_link v[];
} cohort_links;

/* A cohort's row as last read or written this run: 1 and a copy in *out (free it with
 * moodle_cohort_row_free), 0 not known. */
int moodle_cohort_known(moodle_site *s, int64_t cohortid, moodle_cohort_row *out);
void moodle_cohort_learn(moodle_site *s, const moodle_cohort_row *c);
void moodle_cohort_forget_one(moodle_site *s, int64_t cohortid);
/* The enabled instances of a cohort, or NULL when not known; valid until the next
 * write of cohorts or instances. */
const cohort_links *moodle_cohort_links_known(moodle_site *s, int64_t cohortid);
void moodle_cohort_links_learn(moodle_site *s, int64_t cohortid, const cohort_link *v,
                               size_t n);
void moodle_cohort_links_changed(moodle_site *s);
void moodle_cohorts_free(moodle_site *s);

#endif
