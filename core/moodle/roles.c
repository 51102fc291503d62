/* Role assignments as accesslib's role_assign()/role_unassign_all() write them (Moodle 4.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * spec/moodle-writes.md §1.8-1.9.  role_assigned carries {"id":<new id>, "component",
 * "itemid"}: the id is a number (insert_record() returns an int), itemid is the number 0
 * for manual assignments and, for plugin-owned ones, the enrol instance id as read from
 * the database (a string) - a non-zero itemid always comes from such a record.
 * role_unassigned carries the deleted row's values, all strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/enrolstate.h"

/* core_course_category::role_assignment_changed(): course contacts purge when the role
 * is a course contact role and the context is at or above course level. */
static void role_changed(moodle_site *s, int64_t roleid, const moodle_ctx *ctx)
{
    if (ctx->level > 50)
        return;   /* module/block level: no course contacts change */
    /* $CFG->coursecontact is set at install (editingteacher); absent = that default. */
    const char *list = moodle_config(s, "coursecontact");
    if (!list)
        list = "3";
    char id[24];
    int n = snprintf(id, sizeof id, "%lld", (long long)roleid);
    for (const char *p = list; *p; ) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == (size_t)n && memcmp(p, id, len) == 0) {
            moodle_request_purge(s, "coursecontacts");
            return;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
}

/* enrol_meta observes role_assigned/unassigned in course contexts, but for its own
 * roles.  1, or -1. */
static int meta_observes(moodle_site *s, const moodle_ctx *ctx, const char *component,
                         int64_t userid)
{
    if (ctx->level != 50 || strcmp(component, "enrol_meta") == 0)
        return 1;
    return moodle_meta_note(s, ctx->instanceid, userid) < 0 ? -1 : 1;
}

static const char SQL_RA_FIND[] =
    "SELECT id FROM {role_assignments} WHERE roleid = ? AND contextid = ? AND userid = ? "
    "AND component = ? AND itemid = ? ORDER BY id";
static const char SQL_RA_DELETE[] = "DELETE FROM {role_assignments} WHERE id = ?";
static const char SQL_RA_INSERT_ID[] =
    "INSERT INTO {role_assignments} (id, roleid, contextid, userid, timemodified, "
    "modifierid, component, itemid, sortorder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)";
static const char SQL_RA_INSERT[] =
    "INSERT INTO {role_assignments} (roleid, contextid, userid, timemodified, "
    "modifierid, component, itemid, sortorder) VALUES (?, ?, ?, ?, ?, ?, ?, 0)";

/* The assignments already there, by query: 0 none, 1 + the number of duplicates
 * deleted when there is one (Moodle keeps the first), -1 error. */
static int find_duplicates(moodle_site *s, int64_t roleid, int64_t contextid, int64_t userid,
                           const char *component, int64_t itemid, const moodle_ctx *ctx)
{
    db_stmt *st = moodle_prepared(s, SQL_RA_FIND);
    if (!st)
        return -1;
    if (db_exec(st, "iiisi", roleid, contextid, userid, component, itemid) != 0)
        return moodle_fail_db(s, "cannot read role assignments");
    int64_t dup[16];
    size_t ndup = 0, found = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        /* Keep the first; Moodle deletes duplicates (there should be none). */
        if (found++ && ndup < sizeof dup / sizeof dup[0])
            dup[ndup++] = db_col_int(st, 0);
    }
    if (r < 0)
        return moodle_fail_db(s, "cannot read role assignments");
    if (!found)
        return 0;
    for (size_t i = 0; i < ndup; i++) {
        if (moodle_exec(s, SQL_RA_DELETE, "cannot delete a role assignment", "i", dup[i]) < 0)
            return -1;
        if (ctx->level == 50)
            moodle_state_ra_gone(s, ctx->instanceid, contextid, userid, dup[i]);
    }
    return 1 + (ndup > 0);
}

/* role_assign()'s parameter checks. */
static int check_owner(moodle_site *s, const char *component, int64_t itemid)
{
    if (itemid && !strchr(component, '_'))
        return moodle_fail(s, "role owner '%s' must be a plugin (enrol_...) with an item",
                           component);
    if (!itemid && *component && !strchr(component, '_'))
        return moodle_fail(s, "invalid role owner '%s'", component);
    return 0;
}

int moodle_role_assign(moodle_site *s, int64_t now, int64_t roleid, int64_t contextid,
                       int64_t userid, const char *component, int64_t itemid)
{
    s->err[0] = '\0';
    if (roleid <= 0 || userid <= 0)
        return moodle_fail(s, "role assignment needs a role and a user");
    if (!component)
        component = "";
    if (!*component)
        itemid = 0;
    if (check_owner(s, component, itemid) < 0)
        return -1;
    moodle_ctx ctx;
    int r = moodle_ctx_get(s, contextid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "context %lld does not exist", (long long)contextid);

    /* In a course context the course's state answers; duplicates (there should be
     * none) are left to the query below, which deletes them as Moodle does. */
    if (ctx.level == 50) {
        r = moodle_state_ra_count(s, ctx.instanceid, contextid, userid, roleid, component,
                                  itemid, NULL);
        if (r < 0)
            return -1;
        if (r == 1)
            return 0;
    }
    if (ctx.level != 50 || r > 1) {
        int dup = find_duplicates(s, roleid, contextid, userid, component, itemid, &ctx);
        if (dup != 0)
            return dup < 0 ? -1 : dup - 1;
    }

    int64_t id = moodle_reserve_id(s, "role_assignments");
    if (id < 0)
        return -1;
    id = moodle_insert_later(s, SQL_RA_INSERT_ID, SQL_RA_INSERT, "iiiiiisi", id, roleid, contextid,
                      userid, now, moodle_admin_id(s), component, itemid);
    if (id < 0)
        return -1;
    if (ctx.level == 50)
        moodle_state_ra_added(s, ctx.instanceid, contextid, userid, id, roleid, component,
                              itemid);
    if (moodle_mark_user_dirty(s, now, userid) < 0)
        return -1;
    role_changed(s, roleid, &ctx);

    char json[160], comp[128], item[32];
    if (itemid)
        snprintf(item, sizeof item, "\"%lld\"", (long long)itemid);
    else
        snprintf(item, sizeof item, "%lld", (long long)itemid);
    snprintf(json, sizeof json, "{\"id\":%lld,\"component\":%s,\"itemid\":%s}",
             (long long)id, moodle_json_str(comp, sizeof comp, component), item);
    if (moodle_core_event(s, now, "role_assigned", "c", "role", roleid, &ctx, userid, json) < 0)
        return -1;
    return meta_observes(s, &ctx, component, userid);
}

/* One assignment to remove, read completely before anything is written. */
typedef struct {
    int64_t id, roleid, contextid, itemid;
    int level;
    int64_t instanceid;
    char component[104];
    char sid[24], sitemid[24];    /* as the database returned them, for the event */
} ra_row;

static const char SQL_RA_IN_CONTEXT[] =
    "SELECT id, roleid, contextid, component, itemid FROM {role_assignments} "
    "WHERE userid = ? AND contextid = ? AND (? = 0 OR roleid = ?) "
    "AND (? = 0 OR (component = ? AND itemid = ?)) ORDER BY id";
static const char SQL_RA_BELOW[] =
    "SELECT ra.id, ra.roleid, ra.contextid, ra.component, ra.itemid, ctx.contextlevel, "
    "ctx.instanceid FROM {role_assignments} ra JOIN {context} ctx ON ctx.id = ra.contextid "
    "WHERE ra.userid = ? AND ctx.path LIKE ? AND (? = 0 OR ra.roleid = ?) "
    "AND (? = 0 OR (ra.component = ? AND ra.itemid = ?)) ORDER BY ctx.path, ra.id";

static int read_ras(moodle_site *s, db_stmt *st, int below, ra_row **rows, size_t *n)
{
    size_t cap = 0;
    int r;
    *rows = NULL;
    *n = 0;
    while ((r = db_next(st)) > 0) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            ra_row *p = realloc(*rows, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                free(*rows);
                *rows = NULL;
                return moodle_fail(s, "out of memory");
            }
            *rows = p;
        }
        ra_row *ra = &(*rows)[(*n)++];
        memset(ra, 0, sizeof *ra);
        ra->id = db_col_int(st, 0);
        ra->roleid = db_col_int(st, 1);
        ra->contextid = db_col_int(st, 2);
        const char *c = db_col_text(st, 3);
        snprintf(ra->component, sizeof ra->component, "%s", c ? c : "");
        ra->itemid = db_col_int(st, 4);
        const char *t = db_col_text(st, 0);
        snprintf(ra->sid, sizeof ra->sid, "%s", t ? t : "0");
        t = db_col_text(st, 4);
        snprintf(ra->sitemid, sizeof ra->sitemid, "%s", t ? t : "0");
        if (below) {
            ra->level = (int)db_col_int(st, 5);
            ra->instanceid = db_col_int(st, 6);
        }
    }
    if (r < 0) {
        free(*rows);
        *rows = NULL;
        return moodle_fail_db(s, "cannot read role assignments");
    }
    return 0;
}

/* Deletes the rows, one event each, in the order read. */
static int unassign_rows(moodle_site *s, int64_t now, int64_t userid, const ra_row *rows,
                         size_t n, const moodle_ctx *parent)
{
    for (size_t i = 0; i < n; i++) {
        const ra_row *ra = &rows[i];
        moodle_ctx ctx = *parent;
        if (ra->contextid != parent->id) {
            ctx.id = ra->contextid;
            ctx.level = ra->level;
            ctx.instanceid = ra->instanceid;
            ctx.path[0] = '\0';
            if (ra->level == 50)
                ctx.courseid = ra->instanceid;
            else if (ra->level > 50 && parent->level >= 50)
                ctx.courseid = parent->courseid;
            else if (ra->level > 50) {
                if (moodle_ctx_get(s, ra->contextid, &ctx) < 0)
                    return -1;
            } else
                ctx.courseid = 0;
        }
        if (moodle_exec(s, SQL_RA_DELETE, "cannot delete a role assignment", "i", ra->id) < 0)
            return -1;
        if (ctx.level == 50)
            moodle_state_ra_gone(s, ctx.instanceid, ctx.id, userid, ra->id);
        if (moodle_mark_user_dirty(s, now, userid) < 0)
            return -1;
        char json[200], a[40], b[128], c[40];
        snprintf(json, sizeof json, "{\"id\":%s,\"component\":%s,\"itemid\":%s}",
                 moodle_json_str(a, sizeof a, ra->sid),
                 moodle_json_str(b, sizeof b, ra->component),
                 moodle_json_str(c, sizeof c, ra->sitemid));
        if (moodle_core_event(s, now, "role_unassigned", "d", "role", ra->roleid, &ctx, userid,
                        json) < 0)
            return -1;
        role_changed(s, ra->roleid, &ctx);
        if (meta_observes(s, &ctx, ra->component, userid) < 0)
            return -1;
    }
    return 0;
}

int moodle_role_unassign_all(moodle_site *s, int64_t now, int64_t roleid,
                             int64_t contextid, int64_t userid, const char *component,
                             int64_t itemid, int subcontexts)
{
    s->err[0] = '\0';
    if (userid <= 0 || contextid <= 0)
        return moodle_fail(s, "role unassignment needs a user and a context");
    if (component && check_owner(s, component, itemid) < 0)
        return -1;
    moodle_ctx ctx;
    int r = moodle_ctx_get(s, contextid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return 0;   /* no context, no assignments in it */
    int64_t byrole = roleid > 0, byowner = component != NULL;
    const char *comp = component ? component : "";
    if (!component)
        itemid = 0;

    db_stmt *st = moodle_prepared(s, SQL_RA_IN_CONTEXT);
    if (!st)
        return -1;
    if (db_exec(st, "iiiiisi", userid, contextid, byrole, roleid, byowner, comp, itemid) != 0)
        return moodle_fail_db(s, "cannot read role assignments");
    ra_row *rows;
    size_t n, total = 0;
    if (read_ras(s, st, 0, &rows, &n) < 0)
        return -1;
    r = unassign_rows(s, now, userid, rows, n, &ctx);
    free(rows);
    if (r < 0)
        return -1;
    total += n;

    if (subcontexts && ctx.path[0]) {
        char like[272];
        snprintf(like, sizeof like, "%s/%%", ctx.path);
        st = moodle_prepared(s, SQL_RA_BELOW);
        if (!st)
            return -1;
        if (db_exec(st, "isiiisi", userid, like, byrole, roleid, byowner, comp, itemid) != 0)
            return moodle_fail_db(s, "cannot read role assignments");
        if (read_ras(s, st, 1, &rows, &n) < 0)
            return -1;
        r = unassign_rows(s, now, userid, rows, n, &ctx);
        free(rows);
        if (r < 0)
            return -1;
        total += n;
    }
    return (int)total;
}

int moodle_role_unassign(moodle_site *s, int64_t now, int64_t roleid, int64_t contextid,
                         int64_t userid, const char *component, int64_t itemid)
{
    if (roleid <= 0 || userid <= 0 || contextid <= 0) {
        s->err[0] = '\0';
        return moodle_fail(s, "role unassignment needs a role, a user and a context");
    }
    if (!component)
        component = "";
    if (!*component)
        itemid = 0;
    int n = moodle_role_unassign_all(s, now, roleid, contextid, userid, component, itemid, 0);
    return n < 0 ? -1 : n > 0;
}
