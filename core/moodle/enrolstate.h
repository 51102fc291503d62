/* The enrolment state of the courses a run touches (enrolstate.c), for the writers of
 * core/moodle and the enrol and groups services.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Questions answer 1 yes, 0 no, -1 error (s->err set); the first question about a course
 * reads its state.  The writers tell every row they write or delete (a course whose
 * state was not read is skipped); whoever writes those tables otherwise calls
 * moodle_state_forget.
 */
#ifndef TS_MOODLE_ENROLSTATE_H
#define TS_MOODLE_ENROLSTATE_H

#include "moodle/moodle_internal.h"

typedef struct {
    int64_t id;
    int status;
    int64_t timestart, timeend;
} ks_ue;

typedef struct {
    int64_t id, itemid;
    const char *component;   /* interned (moodle_state_name): valid until moodle_close */
} ks_gm;

/* The one copy of a component name the state keeps (a few distinct ones per site), so
 * that a row holds a pointer, not 100 bytes; valid until moodle_close.  NULL: no memory. */
const char *moodle_state_name(moodle_site *s, const char *name);

/* The user's enrolment through one instance of the course. */
int moodle_state_ue(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid,
                    ks_ue *out);
/* Has the user any enrolment in the course (any status)? */
int moodle_state_enrolled(moodle_site *s, int64_t courseid, int64_t userid);
/* How many course-level role assignments match (roleid <= 0: any role; component NULL:
 * any owner, else that component and item); *first gets the first one's id. */
int moodle_state_ra_count(moodle_site *s, int64_t courseid, int64_t contextid,
                          int64_t userid, int64_t roleid, const char *component,
                          int64_t itemid, int64_t *first);
/* The user's membership of a group of the course. */
int moodle_state_gm(moodle_site *s, int64_t courseid, int64_t groupid, int64_t userid,
                    ks_gm *out);

void moodle_state_ue_set(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid,
                         const ks_ue *ue);
void moodle_state_ue_gone(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid);
void moodle_state_ra_added(moodle_site *s, int64_t courseid, int64_t contextid,
                           int64_t userid, int64_t id, int64_t roleid,
                           const char *component, int64_t itemid);
void moodle_state_ra_gone(moodle_site *s, int64_t courseid, int64_t contextid,
                          int64_t userid, int64_t id);
/* gm NULL: the membership is gone. */
void moodle_state_gm_set(moodle_site *s, int64_t courseid, int64_t groupid, int64_t userid,
                         const ks_gm *gm);

/* Is the user a member of the cohort?  The first question reads its members. */
int moodle_state_cm(moodle_site *s, int64_t cohortid, int64_t userid);
void moodle_state_cm_set(moodle_site *s, int64_t cohortid, int64_t userid, int member);

void moodle_state_free(moodle_site *s);
/* Sets the bound of remembered rows past which a course or cohort not yet read is asked
 * of the database line by line (enrolstate_sql.c); the unit test lowers it to reach
 * that path.  0 or -1. */
int moodle_state_limit(moodle_site *s, size_t max);

/* enrolstate_sql.c: the same questions asked of the database, for what the memory does
 * not hold (it is full). */
int moodle_direct_ue(moodle_site *s, int64_t enrolid, int64_t userid, ks_ue *out);
int moodle_direct_enrolled(moodle_site *s, int64_t courseid, int64_t userid);
int moodle_direct_ra_count(moodle_site *s, int64_t contextid, int64_t userid, int64_t roleid,
                           const char *component, int64_t itemid, int64_t *first);
int moodle_direct_gm(moodle_site *s, int64_t groupid, int64_t userid, ks_gm *out);
int moodle_direct_cm(moodle_site *s, int64_t cohortid, int64_t userid);

#endif
