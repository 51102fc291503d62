/* groups_update_group() and groups_update_grouping() (Moodle 4.2): the given fields
 * only, an idnumber held by another row of the course refused, one event.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/groups.h"

#define GROUPS_VISIBILITY_VERSION 2023042400LL

static const char SQL_GROUP_READ[] =
    "SELECT courseid, name, idnumber, description FROM {groups} WHERE id = ?";
static const char SQL_GROUPING_READ[] =
    "SELECT courseid, name, idnumber, description FROM {groupings} WHERE id = ?";
static const char SQL_GROUP_VIS[] =
    "SELECT visibility, participation FROM {groups} WHERE id = ?";
static const char SQL_GROUP_SET[] =
    "UPDATE {groups} SET name = ?, idnumber = ?, description = ?, timemodified = ? "
    "WHERE id = ?";
static const char SQL_GROUP42_SET[] =
    "UPDATE {groups} SET name = ?, idnumber = ?, description = ?, visibility = ?, "
    "participation = ?, timemodified = ? WHERE id = ?";
static const char SQL_GROUPING_SET[] =
    "UPDATE {groupings} SET name = ?, idnumber = ?, description = ?, timemodified = ? "
    "WHERE id = ?";

/* The row as it is, and as it will be. */
typedef struct {
    int64_t courseid;
    char name[1024], idnumber[400], description[8192];
    int descnull;
    int64_t vis, part;
} grow;

static int read_row(moodle_site *s, int grouping, int64_t id, grow *g)
{
    int r;
    db_stmt *st = moodle_read_row(s, grouping ? SQL_GROUPING_READ : SQL_GROUP_READ,
                                  grouping ? "a grouping" : "a group", &r, id);
    if (r <= 0)
        return r < 0 ? -1 : 1;
    g->courseid = db_col_int(st, 0);
    const char *v = db_col_text(st, 1);
    snprintf(g->name, sizeof g->name, "%s", v ? v : "");
    v = db_col_text(st, 2);
    snprintf(g->idnumber, sizeof g->idnumber, "%s", v ? v : "");
    v = db_col_text(st, 3);
    g->descnull = v == NULL;
    snprintf(g->description, sizeof g->description, "%s", v ? v : "");
    moodle_drain(st);
    g->vis = g->part = -1;
    if (!grouping && moodle_version(s) >= GROUPS_VISIBILITY_VERSION) {
        st = moodle_read_row(s, SQL_GROUP_VIS, "a group", &r, id);
        if (r <= 0)
            return r < 0 ? -1 : 1;
        g->vis = db_col_int(st, 0);
        g->part = db_col_int(st, 1);
        moodle_drain(st);
    }
    return 0;
}

int moodle_group_names(moodle_site *s, int grouping, int64_t id, char *name, size_t nlen,
                       char *idnumber, size_t ilen)
{
    grow g;
    int r = read_row(s, grouping, id, &g);
    if (r == 0) {
        snprintf(name, nlen, "%s", g.name);
        snprintf(idnumber, ilen, "%s", g.idnumber);
    }
    return r;
}

/* Applies the given fields to `g`: 1 when something differs, 0 not, -1 refused. */
static int merge(moodle_site *s, int grouping, int64_t id, grow *g, const moodle_group_fields *f)
{
    grow old = *g;
    if (f->name && moodle_php_trim(g->name, sizeof g->name, f->name) < 0)
        return moodle_fail(s, "name too long");
    if (f->idnumber && moodle_php_trim(g->idnumber, sizeof g->idnumber, f->idnumber) < 0)
        return moodle_fail(s, "idnumber too long");
    if (!*g->name)
        return moodle_fail(s, "a group or grouping needs a name");
    if (f->description) {
        if (strlen(f->description) >= sizeof g->description)
            return moodle_fail(s, "description too long");
        snprintf(g->description, sizeof g->description, "%s", f->description);
        g->descnull = 0;
    }
    if (g->vis >= 0 && f->visibility >= 0)
        g->vis = f->visibility;
    if (g->part >= 0 && f->participation >= 0)
        g->part = f->participation;
    if (g->vis > 1)
        g->part = 0;   /* as groups_update_group() */
    if (strcmp(g->idnumber, old.idnumber) != 0 &&
        moodle_idnumber_taken(s, grouping, g->courseid, g->idnumber, id) != 0)
        return -1;
    return strcmp(g->name, old.name) || strcmp(g->idnumber, old.idnumber) ||
           strcmp(g->description, old.description) || g->descnull != old.descnull ||
           g->vis != old.vis || g->part != old.part;
}

static int update(moodle_site *s, int64_t now, int grouping, int64_t id,
                  const moodle_group_fields *f)
{
    s->err[0] = '\0';
    grow g;
    int r = read_row(s, grouping, id, &g);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "%s %lld does not exist",
                                        grouping ? "grouping" : "group", (long long)id);
    if (f->courseid && f->courseid != g.courseid)
        return moodle_fail(s, "%s %lld is not in course %lld", grouping ? "grouping" : "group",
                           (long long)id, (long long)f->courseid);
    r = merge(s, grouping, id, &g, f);
    if (r <= 0)
        return r;
    const char *desc = g.descnull ? NULL : g.description;
    if (grouping)
        r = moodle_exec(s, SQL_GROUPING_SET, "cannot update a grouping", "sssii", g.name,
                        g.idnumber, desc, now, id);
    else if (g.vis >= 0)
        r = moodle_exec(s, SQL_GROUP42_SET, "cannot update a group", "sssiiii", g.name,
                        g.idnumber, desc, g.vis, g.part, now, id);
    else
        r = moodle_exec(s, SQL_GROUP_SET, "cannot update a group", "sssii", g.name,
                        g.idnumber, desc, now, id);
    if (r < 0)
        return -1;
    moodle_ctx ctx;
    r = moodle_course_ctx(s, g.courseid, &ctx);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "course %lld has no context", (long long)g.courseid);
    moodle_request_purge(s, "groupdata");
    if (moodle_core_event(s, now, grouping ? "grouping_updated" : "group_updated", "u",
                          grouping ? "groupings" : "groups", id, &ctx, 0, "null") < 0)
        return -1;
    return 1;
}

int moodle_group_update(moodle_site *s, int64_t now, int64_t groupid,
                        const moodle_group_fields *f)
{
    return update(s, now, 0, groupid, f);
}

int moodle_grouping_update(moodle_site *s, int64_t now, int64_t groupingid,
                           const moodle_group_fields *f)
{
    return update(s, now, 1, groupingid, f);
}
