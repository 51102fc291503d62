/* enrol_meta: the sync of a child course with its parent (enrol/meta/locallib.php of
 * Moodle 4.2) and what its observers do when a parent's enrolments or roles change.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A direct writer skips observers, so the writers note each (course, user) they
 * changed and moodle_meta_flush does the observers' work afterwards, one user at a time
 * (enrol_meta_handler::sync_with_parent_course).  Deciding whether a course is a parent
 * must cost nothing per row on the many sites without meta links: the site's meta
 * instances are read once, on the first note with the plugin enabled, and kept sorted
 * by parent course until an instance of them changes or a rollback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"

struct moodle_meta_link {
    int64_t parent, id, courseid, groupid;
    int status;
};
struct moodle_meta_pending {
    int64_t courseid, userid;
};

/* ENROL_EXT_REMOVED_*: what happens to a child enrolment whose parent one is gone. */
enum { UNENROL = 0, SUSPEND = 2, SUSPEND_NOROLES = 3 };

static int meta_enabled(moodle_site *s)
{
    return moodle_list_has(moodle_config(s, "enrol_plugins_enabled"), "meta");
}

static int64_t meta_cfg(moodle_site *s, const char *name, int64_t dflt)
{
    const char *v = moodle_plugin_config(s, "enrol_meta", name);
    return v && *v ? strtoll(v, NULL, 10) : dflt;
}

/* ---- the links ------------------------------------------------------------------- */

static const char SQL_LINKS[] =
    "SELECT customint1, id, courseid, customint2, status FROM {enrol} "
    "WHERE enrol = 'meta' ORDER BY customint1, id";

static int links_load(moodle_site *s)
{
    if (s->meta_loaded)
        return 0;
    db_stmt *st = moodle_prepared(s, SQL_LINKS);
    if (!st)
        return -1;
    if (db_exec(st, "") != 0)
        return moodle_fail_db(s, "cannot read meta enrol instances");
    s->meta_reads++;
    size_t cap = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        if (s->nmeta == cap) {
            cap = cap ? cap * 2 : 8;
            struct moodle_meta_link *p = realloc(s->meta, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                return moodle_fail(s, "out of memory");
            }
            s->meta = p;
        }
        struct moodle_meta_link *l = &s->meta[s->nmeta++];
        l->parent = db_col_null(st, 0) ? 0 : db_col_int(st, 0);
        l->id = db_col_int(st, 1);
        l->courseid = db_col_int(st, 2);
        l->groupid = db_col_null(st, 3) ? 0 : db_col_int(st, 3);
        l->status = (int)db_col_int(st, 4);
    }
    if (r < 0)
        return moodle_fail_db(s, "cannot read meta enrol instances");
    s->meta_loaded = 1;
    return 0;
}

/* The links whose parent is `course`: the index of the first, and how many. */
static size_t links_of(const moodle_site *s, int64_t course, size_t *first)
{
    size_t lo = 0, hi = s->nmeta;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->meta[mid].parent < course)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    size_t n = 0;
    while (lo + n < s->nmeta && s->meta[lo + n].parent == course)
        n++;
    return n;
}

void moodle_meta_links_changed(moodle_site *s)
{
    free(s->meta);
    s->meta = NULL;
    s->nmeta = 0;
    s->meta_loaded = 0;
}

void moodle_meta_forget(moodle_site *s)
{
    moodle_meta_links_changed(s);
    s->nmetapend = 0;
}

void moodle_meta_free(moodle_site *s)
{
    moodle_meta_links_changed(s);
    free(s->metapend);
}

unsigned moodle_meta_reads(const moodle_site *s) { return s->meta_reads; }

int moodle_meta_note(moodle_site *s, int64_t courseid, int64_t userid)
{
    /* busy: enrol_meta_handler's $preventrecursion, the observers do not nest. */
    if (s->meta_busy || !meta_enabled(s))
        return 0;
    if (links_load(s) < 0)
        return -1;
    size_t first;
    if (!links_of(s, courseid, &first))
        return 0;
    for (size_t i = 0; i < s->nmetapend; i++)
        if (s->metapend[i].courseid == courseid && s->metapend[i].userid == userid)
            return 0;
    if (s->nmetapend == s->capmetapend) {
        size_t cap = s->capmetapend ? s->capmetapend * 2 : 8;
        struct moodle_meta_pending *p = realloc(s->metapend, cap * sizeof *p);
        if (!p)
            return moodle_fail(s, "out of memory");
        s->metapend = p;
        s->capmetapend = cap;
    }
    s->metapend[s->nmetapend++] = (struct moodle_meta_pending){ courseid, userid };
    return 0;
}

/* ---- one user ---------------------------------------------------------------------- */

/* What the parent course holds for the user. */
typedef struct {
    int enrolled, active;
    int64_t timestart, timeend;          /* of the active enrolments, as Moodle merges them */
    int64_t roles[32];
    size_t nroles;
} parent_state;

static const char SQL_PARENT_UES[] =
    "SELECT ue.status, e.status, ue.timestart, ue.timeend, e.enrol FROM {user_enrolments} ue "
    "JOIN {enrol} e ON e.id = ue.enrolid WHERE ue.userid = ? AND e.courseid = ? "
    "AND e.enrol <> 'meta'";
static const char SQL_PARENT_ROLES[] =
    "SELECT DISTINCT roleid FROM {role_assignments} WHERE contextid = ? AND userid = ? "
    "AND component <> 'enrol_meta' ORDER BY roleid";
static const char SQL_LINK_ROLES[] =
    "SELECT roleid FROM {role_assignments} WHERE contextid = ? AND userid = ? "
    "AND component = 'enrol_meta' AND itemid = ? ORDER BY roleid";
static const char SQL_LINK_UE[] =
    "SELECT status, timestart, timeend FROM {user_enrolments} WHERE enrolid = ? AND userid = ?";
static const char SQL_GROUP_IN_COURSE[] = "SELECT id FROM {groups} WHERE id = ? AND courseid = ?";

/* Role ids of a statement (run), at most 32 (a user holds a handful in a course). */
static int read_roles(moodle_site *s, db_stmt *st, int64_t *roles, size_t *n,
                      const char *skip)
{
    int r;
    *n = 0;
    while ((r = db_next(st)) > 0) {
        const char *id = db_col_text(st, 0);
        if (*n < 32 && !(skip && id && moodle_list_has(skip, id)))
            roles[(*n)++] = db_col_int(st, 0);
    }
    return r < 0 ? moodle_fail_db(s, "cannot read role assignments") : 0;
}

static int has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int parent_read(moodle_site *s, int64_t parent, int64_t userid, parent_state *p)
{
    memset(p, 0, sizeof *p);
    const char *enabled = moodle_config(s, "enrol_plugins_enabled");
    db_stmt *st = moodle_prepared(s, SQL_PARENT_UES);
    if (!st)
        return -1;
    if (db_exec(st, "ii", userid, parent) != 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    int r, first = 1;
    while ((r = db_next(st)) > 0) {
        const char *plugin = db_col_text(st, 4);
        if (!plugin || !moodle_list_has(enabled, plugin))
            continue;
        p->enrolled = 1;
        if (db_col_int(st, 0) != 0 || db_col_int(st, 1) != 0)
            continue;
        int64_t start = db_col_int(st, 2), end = db_col_int(st, 3);
        /* The earliest start, and the latest end (0, no end, beats every date). */
        if (first || end == 0 || (p->timeend && p->timeend < end))
            p->timeend = end;
        if (first || p->timestart > start)
            p->timestart = start;
        p->active = 1;
        first = 0;
    }
    if (r < 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    if (!p->enrolled)
        return 0;
    moodle_ctx pctx;
    r = moodle_course_ctx(s, parent, &pctx);
    if (r != 0)
        return r < 0 ? -1 : 0;
    st = moodle_prepared(s, SQL_PARENT_ROLES);
    if (!st)
        return -1;
    if (db_exec(st, "ii", pctx.id, userid) != 0)
        return moodle_fail_db(s, "cannot read role assignments");
    return read_roles(s, st, p->roles, &p->nroles,
                      moodle_plugin_config(s, "enrol_meta", "nosyncroleids"));
}

/* The child enrolment: 1 with its state, 0 none, -1. */
static int link_ue(moodle_site *s, int64_t enrolid, int64_t userid, int *status,
                   int64_t *start, int64_t *end)
{
    db_stmt *st = moodle_prepared(s, SQL_LINK_UE);
    if (!st)
        return -1;
    if (db_exec(st, "ii", enrolid, userid) != 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    int r = db_next(st);
    if (r < 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    if (r > 0) {
        *status = (int)db_col_int(st, 0);
        *start = db_col_int(st, 1);
        *end = db_col_int(st, 2);
        moodle_drain(st);
    }
    return r;
}

/* user_not_supposed_to_be_here(): the unenrolaction setting. */
static int not_here(moodle_site *s, int64_t now, const struct moodle_meta_link *l,
                    const moodle_ctx *ctx, int64_t userid, int status, int64_t start,
                    int64_t end)
{
    int64_t action = meta_cfg(s, "unenrolaction", SUSPEND_NOROLES);
    if (action == UNENROL)
        return moodle_unenrol_user(s, now, l->id, userid) < 0 ? -1 : 0;
    if (action != SUSPEND && action != SUSPEND_NOROLES)
        return 0;
    if (status != 1 && moodle_enrol_user(s, now, l->id, userid, 0, start, end, 1) < 0)
        return -1;
    if (action == SUSPEND_NOROLES &&
        moodle_role_unassign_all(s, now, 0, ctx->id, userid, "enrol_meta", l->id, 0) < 0)
        return -1;
    return 0;
}

/* The child's enrolment takes the parent's merged status and dates; a new one joins
 * the link's group. */
static int sync_enrolment(moodle_site *s, int64_t now, const struct moodle_meta_link *l,
                          int64_t userid, const parent_state *p, int has_ue, int *status,
                          int64_t start, int64_t end)
{
    int pstatus = p->active ? 0 : 1;
    if (has_ue) {
        if (pstatus != *status || (p->active && (p->timestart != start || p->timeend != end))) {
            /* update_user_enrol(): a suspended parent leaves the dates alone. */
            if (moodle_enrol_user(s, now, l->id, userid, 0, p->active ? p->timestart : start,
                                  p->active ? p->timeend : end, pstatus) < 0)
                return -1;
            *status = pstatus;
        }
        return 0;
    }
    if (moodle_enrol_user(s, now, l->id, userid, 0, p->timestart, p->timeend, pstatus) < 0)
        return -1;
    *status = pstatus;
    if (!l->groupid)
        return 0;
    int r = moodle_row_exists(s, SQL_GROUP_IN_COURSE, l->groupid, l->courseid);
    if (r <= 0)
        return r;
    return moodle_group_add_member(s, now, l->groupid, userid, "enrol_meta", l->id) < 0 ? -1
                                                                                       : 0;
}

/* sync_with_parent_course(): one user of one link. */
static int sync_user(moodle_site *s, int64_t now, const struct moodle_meta_link *l,
                     int64_t userid)
{
    if (l->parent == l->courseid)
        return 0;
    moodle_ctx ctx;
    int r = moodle_course_ctx(s, l->courseid, &ctx);
    if (r != 0)
        return r < 0 ? -1 : 0;
    parent_state p;
    int status = 0;
    int64_t start = 0, end = 0;
    if (parent_read(s, l->parent, userid, &p) < 0)
        return -1;
    int has_ue = link_ue(s, l->id, userid, &status, &start, &end);
    if (has_ue < 0)
        return -1;
    if (!p.enrolled || (!meta_cfg(s, "syncall", 1) && p.nroles == 0))
        return has_ue ? not_here(s, now, l, &ctx, userid, status, start, end) : 0;

    int64_t roles[32];
    size_t nroles;
    db_stmt *st = moodle_prepared(s, SQL_LINK_ROLES);
    if (!st)
        return -1;
    if (db_exec(st, "iii", ctx.id, userid, l->id) != 0)
        return moodle_fail_db(s, "cannot read role assignments");
    if (read_roles(s, st, roles, &nroles, NULL) < 0)
        return -1;
    if (sync_enrolment(s, now, l, userid, &p, has_ue, &status, start, end) < 0)
        return -1;

    int64_t action = meta_cfg(s, "unenrolaction", SUSPEND_NOROLES);
    /* Only active users of enabled links hold roles. */
    if (status != 0 || l->status != 0 || (p.timeend && p.timeend < now) || p.timestart > now) {
        if (action != SUSPEND && nroles &&
            moodle_role_unassign_all(s, now, 0, ctx.id, userid, "enrol_meta", l->id, 0) < 0)
            return -1;
        return 0;
    }
    for (size_t i = 0; i < p.nroles; i++)
        if (!has_id(roles, nroles, p.roles[i]) &&
            moodle_role_assign(s, now, p.roles[i], ctx.id, userid, "enrol_meta", l->id) < 0)
            return -1;
    if (action == SUSPEND)
        return 0;
    for (size_t i = 0; i < nroles; i++)
        if (!has_id(p.roles, p.nroles, roles[i]) &&
            moodle_role_unassign(s, now, roles[i], ctx.id, userid, "enrol_meta", l->id) < 0)
            return -1;
    return 0;
}

/* ---- the observers and enrol_meta_sync ---------------------------------------------- */

int moodle_meta_flush(moodle_site *s, int64_t now)
{
    if (!s->nmetapend)
        return 0;
    int rc = 0;
    s->meta_busy = 1;
    for (size_t i = 0; i < s->nmetapend && rc == 0; i++) {
        rc = links_load(s);
        size_t first, n = rc < 0 ? 0 : links_of(s, s->metapend[i].courseid, &first);
        for (size_t k = 0; k < n && rc == 0; k++) {
            struct moodle_meta_link l = s->meta[first + k];
            rc = sync_user(s, now, &l, s->metapend[i].userid);
        }
    }
    s->meta_busy = 0;
    s->nmetapend = 0;
    return rc;
}

/* Everyone the link concerns: enrolled in the parent (meta enrolments aside), or
 * enrolled through the link. */
static const char SQL_LINK_USERS[] =
    "SELECT ue.userid FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid "
    "JOIN {user} u ON u.id = ue.userid AND u.deleted = 0 "
    "WHERE e.courseid = ? AND e.enrol <> 'meta' "
    "UNION SELECT userid FROM {user_enrolments} WHERE enrolid = ? ORDER BY 1";

static int sync_link(moodle_site *s, int64_t now, const struct moodle_meta_link *l)
{
    db_stmt *st = moodle_prepared(s, SQL_LINK_USERS);
    if (!st)
        return -1;
    if (db_exec(st, "ii", l->parent, l->id) != 0)
        return moodle_fail_db(s, "cannot read user enrolments");
    int64_t *users = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *p = realloc(users, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                free(users);
                return moodle_fail(s, "out of memory");
            }
            users = p;
        }
        users[n++] = db_col_int(st, 0);
    }
    int rc = r < 0 ? moodle_fail_db(s, "cannot read user enrolments") : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = sync_user(s, now, l, users[i]);
    free(users);
    return rc;
}

int moodle_meta_sync_course(moodle_site *s, int64_t now, int64_t childcourseid)
{
    /* A disabled plugin: Moodle's sync would drop every enrol_meta role of the site;
     * that is the cron's business, not a side effect of one line. */
    if (!meta_enabled(s))
        return 0;
    if (links_load(s) < 0)
        return -1;
    /* Copied: syncing may reload the links (a rollback of nothing, but be safe). */
    struct moodle_meta_link *mine = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->nmeta; i++) {
        if (s->meta[i].courseid != childcourseid)
            continue;
        struct moodle_meta_link *p = realloc(mine, (n + 1) * sizeof *p);
        if (!p) {
            free(mine);
            return moodle_fail(s, "out of memory");
        }
        mine = p;
        mine[n++] = s->meta[i];
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = sync_link(s, now, &mine[i]);
    free(mine);
    return rc;
}

int moodle_meta_parent_changed(moodle_site *s, int64_t now, int64_t courseid)
{
    if (!meta_enabled(s))
        return 0;
    if (links_load(s) < 0)
        return -1;
    size_t first, n = links_of(s, courseid, &first);
    int64_t *children = n ? malloc(n * sizeof *children) : NULL;
    size_t m = 0;
    if (n && !children)
        return moodle_fail(s, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!has_id(children, m, s->meta[first + i].courseid))
            children[m++] = s->meta[first + i].courseid;
    int rc = 0;
    for (size_t i = 0; i < m && rc == 0; i++)
        rc = moodle_meta_sync_course(s, now, children[i]);
    free(children);
    return rc;
}
