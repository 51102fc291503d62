/* The enrolment state of the courses a run touches: user enrolments, course-level role
 * assignments and group memberships, read once per course and kept up to date by the
 * writers, so that deciding what a line changes costs no round trip.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An enrolment file of 200,000 lines asks, for every line, whether the user already
 * has the enrolment, the role, the group.  Asked of the database, that is four waits per
 * line; asked here, none, for three reads per course.  The state of a course is read
 * in full the first time one of its facts is asked, and from then on every write of
 * enrol.c, roles.c and groups.c updates it.  Whatever else writes those tables (an
 * instance deleted with its enrolments, a group deleted, a module's own SQL) drops the
 * whole state, as does a rollback (moodle_forget): it is read again when next asked.
 * Past STATE_MAX remembered rows it takes no new course or cohort: their questions go to
 * the database (enrolstate_sql.c).  Starting afresh instead would read every course
 * again and again when a file cycles through more courses than the bound holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/enrolstate.h"
#include "util/util.h"

/* About 130 bytes a row: some 100 MB at most, a site's 250,000 enrolments with their
 * roles and groups. */
#define STATE_MAX 750000

/* The role assignments of a user in a course context. */
typedef struct {
    size_t n, cap;
    struct ks_ra { int64_t id, roleid, itemid; const char *component; } *v;
} ra_list;

struct moodle_enrolstate {
    imap *loaded;           /* course id -> 1 once its state has been read             */
    ts_map *ue;             /* "enrolid:userid" -> ks_ue *                               */
    ts_map *enrolled;       /* "courseid:userid" -> number of enrolments (as a pointer)  */
    ts_map *ra;             /* "contextid:userid" -> ra_list *                           */
    ts_map *gm;             /* "groupid:userid" -> ks_gm *                               */
    imap *cohorts;          /* cohort id -> 1 once its members have been read            */
    ts_map *names;          /* component name -> its one copy (kept until moodle_close)   */
    ts_map *cm;             /* "cohortid:userid" -> non-NULL for a member                */
    size_t rows;
    size_t max;             /* past it no new course or cohort (STATE_MAX; tests lower it) */
};

static void key2(char *k, int64_t a, int64_t b)
{
    snprintf(k, 48, "%lld:%lld", (long long)a, (long long)b);
}

static void free_ra(void *p)
{
    ra_list *l = p;
    if (l)
        free(l->v);
    free(l);
}

static void noop(void *p) { (void)p; }

void moodle_state_forget(moodle_site *s)
{
    struct moodle_enrolstate *k = s->state;
    if (!k)
        return;
    imap_clear(k->loaded);
    map_clear(k->ue, free);
    map_clear(k->enrolled, noop);
    map_clear(k->ra, free_ra);
    map_clear(k->gm, free);
    imap_clear(k->cohorts);
    map_clear(k->cm, noop);
    k->rows = 0;
}

void moodle_state_free(moodle_site *s)
{
    struct moodle_enrolstate *k = s->state;
    if (!k)
        return;
    imap_free(k->loaded);
    map_free(k->ue, free);
    map_free(k->enrolled, noop);
    map_free(k->ra, free_ra);
    map_free(k->gm, free);
    imap_free(k->cohorts);
    map_free(k->cm, noop);
    map_free(k->names, free);
    free(k);
    s->state = NULL;
}

static struct moodle_enrolstate *state(moodle_site *s)
{
    if (!s->state) {
        struct moodle_enrolstate *k = calloc(1, sizeof *k);
        if (!k)
            return NULL;
        k->loaded = imap_new();
        k->ue = map_new();
        k->enrolled = map_new();
        k->ra = map_new();
        k->gm = map_new();
        k->cohorts = imap_new();
        k->cm = map_new();
        k->names = map_new();
        k->max = STATE_MAX;
        s->state = k;
        if (!k->loaded || !k->ue || !k->enrolled || !k->ra || !k->gm || !k->cohorts ||
            !k->cm || !k->names) {
            moodle_state_free(s);
            return NULL;
        }
    }
    return s->state;
}

int moodle_state_limit(moodle_site *s, size_t max)
{
    struct moodle_enrolstate *k = state(s);
    if (!k)
        return moodle_fail(s, "out of memory");
    k->max = max;
    return 0;
}

const char *moodle_state_name(moodle_site *s, const char *name)
{
    struct moodle_enrolstate *k = state(s);
    if (!k)
        return NULL;
    void **slot = map_slot(k->names, name ? name : "");
    if (!*slot)
        *slot = strdup(name ? name : "");
    return *slot;
}

/* ---- remembering rows ---------------------------------------------------------------- */

static void ue_put(struct moodle_enrolstate *k, int64_t courseid, int64_t enrolid,
                   int64_t userid, const ks_ue *ue)
{
    char key[48];
    key2(key, enrolid, userid);
    void **slot = map_slot(k->ue, key);
    if (!*slot) {
        if (!(*slot = malloc(sizeof(ks_ue))))
            return;
        key2(key, courseid, userid);
        void **n = map_slot(k->enrolled, key);
        *n = (void *)((intptr_t)*n + 1);
        k->rows++;
    }
    *(ks_ue *)*slot = *ue;
}

static void ra_put(moodle_site *s, struct moodle_enrolstate *k, int64_t contextid,
                   int64_t userid, int64_t id, int64_t roleid, const char *component,
                   int64_t itemid)
{
    const char *name = moodle_state_name(s, component);
    if (!name)
        return;
    char key[48];
    key2(key, contextid, userid);
    void **slot = map_slot(k->ra, key);
    ra_list *l = *slot;
    if (!l && !(l = *slot = calloc(1, sizeof *l)))
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 2;
        struct ks_ra *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    struct ks_ra *r = &l->v[l->n++];
    r->id = id;
    r->roleid = roleid;
    r->itemid = itemid;
    r->component = name;
    k->rows++;
}

static void gm_put(struct moodle_enrolstate *k, int64_t groupid, int64_t userid,
                   const ks_gm *gm)
{
    char key[48];
    key2(key, groupid, userid);
    void **slot = map_slot(k->gm, key);
    if (!*slot) {
        if (!(*slot = malloc(sizeof(ks_gm))))
            return;
        k->rows++;
    }
    *(ks_gm *)*slot = *gm;
}

/* ---- reading a course ------------------------------------------------------------------ */

static const char SQL_COURSE_UE[] =
    "SELECT ue.id, ue.enrolid, ue.userid, ue.status, ue.timestart, ue.timeend "
    "FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid WHERE e.courseid = ?";
static const char SQL_COURSE_RA[] =
    "SELECT id, userid, roleid, component, itemid FROM {role_assignments} "
    "WHERE contextid = ?";
static const char SQL_COURSE_GM[] =
    "SELECT gm.id, gm.groupid, gm.userid, gm.component, gm.itemid FROM {groups_members} gm "
    "JOIN {groups} g ON g.id = gm.groupid WHERE g.courseid = ?";

/* Runs one of the queries above for the course (or its context) and remembers its rows. */
static int load_rows(moodle_site *s, struct moodle_enrolstate *k, const char *sql,
                     int64_t courseid, int64_t contextid)
{
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    if (db_exec(st, "i", sql == SQL_COURSE_RA ? contextid : courseid) != 0)
        return moodle_fail_db(s, "cannot read the course's enrolments");
    int r;
    while ((r = db_next(st)) > 0) {
        if (sql == SQL_COURSE_UE) {
            ks_ue ue = { db_col_int(st, 0), (int)db_col_int(st, 3), db_col_int(st, 4),
                         db_col_int(st, 5) };
            ue_put(k, courseid, db_col_int(st, 1), db_col_int(st, 2), &ue);
        } else if (sql == SQL_COURSE_RA) {
            const char *c = db_col_text(st, 3);
            ra_put(s, k, contextid, db_col_int(st, 1), db_col_int(st, 0), db_col_int(st, 2),
                   c ? c : "", db_col_int(st, 4));
        } else {
            ks_gm gm = { .id = db_col_int(st, 0), .itemid = db_col_int(st, 4) };
            const char *c = db_col_text(st, 3);
            gm.component = moodle_state_name(s, c);
            gm_put(k, db_col_int(st, 1), db_col_int(st, 2), &gm);
        }
    }
    return r < 0 ? moodle_fail_db(s, "cannot read the course's enrolments") : 0;
}

/* The state with the course's part read: 1 and *out, 0 when the memory is full (ask
 * the database), -1 on error (s->err set). */
static int course_state(moodle_site *s, int64_t courseid, struct moodle_enrolstate **out)
{
    struct moodle_enrolstate *k = *out = state(s);
    if (!k)
        return moodle_fail(s, "out of memory");
    if (imap_get(k->loaded, courseid, NULL))
        return 1;
    if (k->rows > k->max)
        return 0;
    moodle_ctx ctx;
    int r = moodle_course_ctx(s, courseid, &ctx);
    if (r < 0)
        return -1;
    if (load_rows(s, k, SQL_COURSE_UE, courseid, 0) < 0 ||
        (r == 0 && load_rows(s, k, SQL_COURSE_RA, courseid, ctx.id) < 0) ||
        load_rows(s, k, SQL_COURSE_GM, courseid, 0) < 0 ||
        imap_put(k->loaded, courseid, 1) < 0) {
        moodle_state_forget(s);   /* half a course would answer wrongly */
        return -1;
    }
    return 1;
}

static int loaded(moodle_site *s, int64_t courseid)
{
    return s->state && imap_get(s->state->loaded, courseid, NULL);
}

/* ---- questions ---------------------------------------------------------------------------- */

int moodle_state_ue(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid,
                    ks_ue *out)
{
    struct moodle_enrolstate *k;
    int c = course_state(s, courseid, &k);
    if (c <= 0)
        return c < 0 ? -1 : moodle_direct_ue(s, enrolid, userid, out);
    char key[48];
    key2(key, enrolid, userid);
    const ks_ue *ue = map_get(k->ue, key);
    if (ue && out)
        *out = *ue;
    return ue != NULL;
}

int moodle_state_enrolled(moodle_site *s, int64_t courseid, int64_t userid)
{
    struct moodle_enrolstate *k;
    int c = course_state(s, courseid, &k);
    if (c <= 0)
        return c < 0 ? -1 : moodle_direct_enrolled(s, courseid, userid);
    char key[48];
    key2(key, courseid, userid);
    return map_get(k->enrolled, key) != NULL;
}

int moodle_state_ra_count(moodle_site *s, int64_t courseid, int64_t contextid,
                          int64_t userid, int64_t roleid, const char *component,
                          int64_t itemid, int64_t *first)
{
    struct moodle_enrolstate *k;
    int c = course_state(s, courseid, &k);
    if (c <= 0)
        return c < 0 ? -1 : moodle_direct_ra_count(s, contextid, userid, roleid, component,
                                                   itemid, first);
    char key[48];
    key2(key, contextid, userid);
    const ra_list *l = map_get(k->ra, key);
    int n = 0;
    for (size_t i = 0; l && i < l->n; i++) {
        const struct ks_ra *r = &l->v[i];
        if ((roleid <= 0 || r->roleid == roleid) &&
            (!component || (strcmp(r->component, component) == 0 && r->itemid == itemid))) {
            if (!n++ && first)
                *first = r->id;
        }
    }
    return n;
}

int moodle_state_gm(moodle_site *s, int64_t courseid, int64_t groupid, int64_t userid,
                    ks_gm *out)
{
    struct moodle_enrolstate *k;
    int c = course_state(s, courseid, &k);
    if (c <= 0)
        return c < 0 ? -1 : moodle_direct_gm(s, groupid, userid, out);
    char key[48];
    key2(key, groupid, userid);
    const ks_gm *gm = map_get(k->gm, key);
    if (gm && out)
        *out = *gm;
    return gm != NULL;
}

/* ---- what the writers tell ------------------------------------------------------------------ */

void moodle_state_ue_set(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid,
                         const ks_ue *ue)
{
    if (loaded(s, courseid))
        ue_put(s->state, courseid, enrolid, userid, ue);
}

void moodle_state_ue_gone(moodle_site *s, int64_t courseid, int64_t enrolid, int64_t userid)
{
    if (!loaded(s, courseid))
        return;
    struct moodle_enrolstate *k = s->state;
    char key[48];
    key2(key, enrolid, userid);
    void **slot = map_slot(k->ue, key);
    if (!*slot)
        return;
    free(*slot);
    *slot = NULL;
    key2(key, courseid, userid);
    void **n = map_slot(k->enrolled, key);
    *n = (void *)((intptr_t)*n - 1);
}

void moodle_state_ra_added(moodle_site *s, int64_t courseid, int64_t contextid,
                           int64_t userid, int64_t id, int64_t roleid,
                           const char *component, int64_t itemid)
{
    if (loaded(s, courseid))
        ra_put(s, s->state, contextid, userid, id, roleid, component, itemid);
}

void moodle_state_ra_gone(moodle_site *s, int64_t courseid, int64_t contextid,
                          int64_t userid, int64_t id)
{
    if (!loaded(s, courseid))
        return;
    char key[48];
    key2(key, contextid, userid);
    ra_list *l = map_get(s->state->ra, key);
    for (size_t i = 0; l && i < l->n; i++)
        if (l->v[i].id == id) {
            l->v[i] = l->v[--l->n];
            return;
        }
}

void moodle_state_gm_set(moodle_site *s, int64_t courseid, int64_t groupid, int64_t userid,
                         const ks_gm *gm)
{
    if (!loaded(s, courseid))
        return;
    if (gm) {
        gm_put(s->state, groupid, userid, gm);
        return;
    }
    char key[48];
    key2(key, groupid, userid);
    void **slot = map_slot(s->state->gm, key);
    free(*slot);
    *slot = NULL;
}

/* ---- cohort members -------------------------------------------------------------------------- */

static const char SQL_COHORT_MEMBERS[] =
    "SELECT userid FROM {cohort_members} WHERE cohortid = ?";

int moodle_state_cm(moodle_site *s, int64_t cohortid, int64_t userid)
{
    struct moodle_enrolstate *k = state(s);
    if (!k)
        return moodle_fail(s, "out of memory");
    char key[48];
    if (!imap_get(k->cohorts, cohortid, NULL)) {
        if (k->rows > k->max)
            return moodle_direct_cm(s, cohortid, userid);
        db_stmt *st = moodle_prepared(s, SQL_COHORT_MEMBERS);
        if (!st)
            return -1;
        if (db_exec(st, "i", cohortid) != 0)
            return moodle_fail_db(s, "cannot read cohort members");
        int r;
        while ((r = db_next(st)) > 0) {
            key2(key, cohortid, db_col_int(st, 0));
            *map_slot(k->cm, key) = k;   /* any non-NULL pointer marks a member */
            k->rows++;
        }
        if (r < 0 || imap_put(k->cohorts, cohortid, 1) < 0) {
            moodle_state_forget(s);
            return r < 0 ? moodle_fail_db(s, "cannot read cohort members")
                         : moodle_fail(s, "out of memory");
        }
    }
    key2(key, cohortid, userid);
    return map_get(k->cm, key) != NULL;
}

void moodle_state_cm_set(moodle_site *s, int64_t cohortid, int64_t userid, int member)
{
    struct moodle_enrolstate *k = s->state;
    if (!k || !imap_get(k->cohorts, cohortid, NULL))
        return;
    char key[48];
    key2(key, cohortid, userid);
    void **slot = map_slot(k->cm, key);
    if (member && !*slot)
        k->rows++;
    *slot = member ? k : NULL;
}
