/* Groups and group members as group/lib.php writes them (Moodle 4.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * spec/moodle-writes.md §1.10-1.11.  The group caches (groupdata per course,
 * user_group_groupings per user) live in MUC: we only ask for their purge.
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/enrolstate.h"
#include "moodle/groups.h"

/* Moodle 4.2 (2023042400) added groups.visibility and groups.participation. */
#define GROUPS_VISIBILITY_VERSION 2023042400LL

static const char SQL_GROUP_BY_IDNUMBER[] =
    "SELECT id FROM {groups} WHERE courseid = ? AND idnumber = ?";
static const char SQL_GROUP_INSERT_ID[] =
    "INSERT INTO {groups} (id, courseid, idnumber, name, description, descriptionformat, "
    "enrolmentkey, picture, timecreated, timemodified) "
    "VALUES (?, ?, ?, ?, ?, 0, NULL, 0, ?, ?)";
static const char SQL_GROUP_INSERT[] =
    "INSERT INTO {groups} (courseid, idnumber, name, description, descriptionformat, "
    "enrolmentkey, picture, timecreated, timemodified) "
    "VALUES (?, ?, ?, ?, 0, NULL, 0, ?, ?)";
static const char SQL_GROUP42_INSERT_ID[] =
    "INSERT INTO {groups} (id, courseid, idnumber, name, description, descriptionformat, "
    "enrolmentkey, picture, visibility, participation, timecreated, timemodified) "
    "VALUES (?, ?, ?, ?, ?, 0, NULL, 0, ?, ?, ?, ?)";
static const char SQL_GROUP42_INSERT[] =
    "INSERT INTO {groups} (courseid, idnumber, name, description, descriptionformat, "
    "enrolmentkey, picture, visibility, participation, timecreated, timemodified) "
    "VALUES (?, ?, ?, ?, 0, NULL, 0, ?, ?, ?, ?)";

/* PHP trim(): " \t\n\r\0\x0B" at both ends, into out.  -1 when it does not fit. */
int moodle_php_trim(char *out, size_t outlen, const char *in)
{
    static const char ws[] = " \t\n\r\v";
    if (!in)
        in = "";
    while (*in && strchr(ws, *in))
        in++;
    size_t n = strlen(in);
    while (n && strchr(ws, in[n - 1]))
        n--;
    if (n >= outlen)
        return -1;
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

int64_t moodle_group_create(moodle_site *s, int64_t now, int64_t courseid, const char *name,
                            const char *idnumber, const char *description)
{
    moodle_group_fields f = { courseid, name, idnumber, description, -1, -1 };
    return moodle_group_create_fields(s, now, &f);
}

static const char SQL_GROUPING_BY_IDNUMBER[] =
    "SELECT id FROM {groupings} WHERE courseid = ? AND idnumber = ?";

int moodle_idnumber_taken(moodle_site *s, int grouping, int64_t courseid,
                          const char *idnumber, int64_t self)
{
    /* groups_get_group_by_idnumber() treats '' (and PHP's empty "0") as no idnumber. */
    if (!*idnumber || strcmp(idnumber, "0") == 0)
        return 0;
    db_stmt *st = moodle_prepared(s, grouping ? SQL_GROUPING_BY_IDNUMBER
                                              : SQL_GROUP_BY_IDNUMBER);
    if (!st)
        return -1;
    if (db_exec(st, "is", courseid, idnumber) != 0)
        return moodle_fail_db(s, "cannot read groups");
    int r, taken = 0;
    while ((r = db_next(st)) > 0)
        taken |= db_col_int(st, 0) != self;
    if (r < 0)
        return moodle_fail_db(s, "cannot read groups");
    if (taken)
        moodle_fail(s, "%s idnumber '%s' is already used in course %lld",
                    grouping ? "grouping" : "group", idnumber, (long long)courseid);
    return taken;
}

int64_t moodle_group_create_fields(moodle_site *s, int64_t now, const moodle_group_fields *f)
{
    s->err[0] = '\0';
    int64_t courseid = f->courseid;
    const char *description = f->description;
    char gname[1024], gidnumber[400];   /* varchar(254) / (100) characters, in UTF-8 */
    if (moodle_php_trim(gname, sizeof gname, f->name) < 0 ||
        moodle_php_trim(gidnumber, sizeof gidnumber, f->idnumber) < 0)
        return moodle_fail(s, "group name or idnumber too long");
    if (!*gname)
        return moodle_fail(s, "a group needs a name");

    moodle_ctx ctx;
    int r = moodle_course_ctx(s, courseid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "course %lld does not exist", (long long)courseid);

    if (moodle_idnumber_taken(s, 0, courseid, gidnumber, 0) != 0)
        return -1;

    int v42 = moodle_version(s) >= GROUPS_VISIBILITY_VERSION;
    int64_t id = moodle_reserve_id(s, "groups");
    if (id < 0)
        return -1;
    /* Visibility other than all/members turns participation off (groups_create_group). */
    int64_t vis = f->visibility >= 0 ? f->visibility : 0;
    int64_t part = vis > 1 ? 0 : f->participation >= 0 ? f->participation : 1;
    if (v42)
        id = moodle_insert(s, SQL_GROUP42_INSERT_ID, SQL_GROUP42_INSERT, "iisssiiii", id,
                           courseid, gidnumber, gname, description, vis, part, now, now);
    else
        id = moodle_insert(s, SQL_GROUP_INSERT_ID, SQL_GROUP_INSERT, "iisssii", id,
                           courseid, gidnumber, gname, description, now, now);
    if (id < 0)
        return -1;
    moodle_request_purge(s, "groupdata");
    if (moodle_core_event(s, now, "group_created", "c", "groups", id, &ctx, 0, "null") < 0)
        return -1;
    return id;
}

static const char SQL_GROUP_COURSE[] = "SELECT courseid FROM {groups} WHERE id = ?";
static const char SQL_GM_INSERT_ID[] =
    "INSERT INTO {groups_members} (id, groupid, userid, timeadded, component, itemid) "
    "VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_GM_INSERT[] =
    "INSERT INTO {groups_members} (groupid, userid, timeadded, component, itemid) "
    "VALUES (?, ?, ?, ?, ?)";
static const char SQL_GM_DELETE[] =
    "DELETE FROM {groups_members} WHERE groupid = ? AND userid = ?";
static const char SQL_GROUP_TOUCH[] = "UPDATE {groups} SET timemodified = ? WHERE id = ?";

/* The group's course and its context.  0 found, 1 not found, -1 error. */
static int group_course(moodle_site *s, int64_t groupid, moodle_ctx *ctx)
{
    int r;
    int64_t courseid = moodle_group_course_known(s, groupid);
    if (!courseid) {
        db_stmt *st = moodle_read_row(s, SQL_GROUP_COURSE, "a group", &r, groupid);
        if (r <= 0)
            return r < 0 ? -1 : 1;
        courseid = db_col_int(st, 0);
        moodle_drain(st);
        moodle_group_course_learn(s, groupid, courseid);
    }
    r = moodle_course_ctx(s, courseid, ctx);
    if (r > 0)
        return moodle_fail(s, "course %lld of group %lld has no context",
                           (long long)courseid, (long long)groupid);
    return r;
}


int moodle_group_add_member(moodle_site *s, int64_t now, int64_t groupid, int64_t userid,
                            const char *component, int64_t itemid)
{
    s->err[0] = '\0';
    if (!component)
        component = "";
    if (!*component && itemid)
        return moodle_fail(s, "a group membership with an item needs its component");
    if (!*component)
        itemid = 0;
    moodle_ctx ctx;
    int r = group_course(s, groupid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "group %lld does not exist", (long long)groupid);

    /* groups_add_member() refuses users without any enrolment in the course
     * (is_enrolled(), any status); the guest account is never enrolled. */
    r = userid > 0 && userid != moodle_guest_id(s)
        ? moodle_state_enrolled(s, ctx.instanceid, userid) : 0;
    if (r < 0)
        return -1;
    if (r == 0)
        return moodle_fail(s, "user %lld is not enrolled in course %lld", (long long)userid,
                           (long long)ctx.instanceid);
    r = moodle_state_gm(s, ctx.instanceid, groupid, userid, NULL);
    if (r < 0)
        return -1;
    if (r > 0)
        return 0;

    int64_t id = moodle_reserve_id(s, "groups_members");
    if (id < 0)
        return -1;
    id = moodle_insert_later(s, SQL_GM_INSERT_ID, SQL_GM_INSERT, "iiiisi", id, groupid, userid, now,
                      component, itemid);
    if (id < 0)
        return -1;
    ks_gm gm = { .id = id, .itemid = itemid };
    gm.component = moodle_state_name(s, component);
    moodle_state_gm_set(s, ctx.instanceid, groupid, userid, &gm);
    if (!moodle_group_touched(s, groupid, now) &&
        moodle_exec(s, SQL_GROUP_TOUCH, "cannot update a group", "ii", now, groupid) < 0)
        return -1;
    moodle_request_purge(s, "user_group_groupings");
    moodle_request_purge(s, "groupdata");

    /* itemid: PHP's default 0 (a number) when none is given, else the owner's id as
     * the plugin read it from the database (a string). */
    char json[160], comp[128];
    if (itemid)
        snprintf(json, sizeof json, "{\"component\":%s,\"itemid\":\"%lld\"}",
                 moodle_json_str(comp, sizeof comp, component), (long long)itemid);
    else
        snprintf(json, sizeof json, "{\"component\":%s,\"itemid\":0}",
                 moodle_json_str(comp, sizeof comp, component));
    if (moodle_core_event(s, now, "group_member_added", "c", "groups", groupid, &ctx, userid,
                    json) < 0)
        return -1;
    return 1;
}

int moodle_group_remove_member(moodle_site *s, int64_t now, int64_t groupid, int64_t userid)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    int r = group_course(s, groupid, &ctx);
    if (r < 0)
        return -1;
    if (r > 0)
        return moodle_fail(s, "group %lld does not exist", (long long)groupid);
    r = moodle_state_gm(s, ctx.instanceid, groupid, userid, NULL);
    if (r <= 0)
        return r;
    if (moodle_exec(s, SQL_GM_DELETE, "cannot delete a group membership", "ii", groupid,
                   userid) < 0)
        return -1;
    moodle_state_gm_set(s, ctx.instanceid, groupid, userid, NULL);
    if (!moodle_group_touched(s, groupid, now) &&
        moodle_exec(s, SQL_GROUP_TOUCH, "cannot update a group", "ii", now, groupid) < 0)
        return -1;
    moodle_request_purge(s, "user_group_groupings");
    moodle_request_purge(s, "groupdata");
    if (moodle_core_event(s, now, "group_member_removed", "d", "groups", groupid, &ctx, userid,
                    "null") < 0)
        return -1;
    return 1;
}

static const char SQL_GROUP_ROW_COURSE[] = "SELECT courseid FROM {groups} WHERE id = ?";
static const char SQL_GROUPING_ROW_COURSE[] = "SELECT courseid FROM {groupings} WHERE id = ?";

int moodle_group_row_course(moodle_site *s, const char *table, int64_t id, int64_t *courseid)
{
    int r;
    int grouping = strcmp(table, "groupings") == 0;
    db_stmt *st = moodle_read_row(s, grouping ? SQL_GROUPING_ROW_COURSE : SQL_GROUP_ROW_COURSE,
                                  grouping ? "a grouping" : "a group", &r, id);
    if (r <= 0)
        return r < 0 ? -1 : 1;
    *courseid = db_col_int(st, 0);
    moodle_drain(st);
    return 0;
}

int moodle_is_group_member(moodle_site *s, int64_t groupid, int64_t userid,
                           const char *component)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    int r = group_course(s, groupid, &ctx);
    if (r != 0)
        return r < 0 ? -1 : 0;   /* no group, no member */
    ks_gm gm;
    r = moodle_state_gm(s, ctx.instanceid, groupid, userid, &gm);
    if (r <= 0 || !component)
        return r;
    return gm.component && strcmp(gm.component, component) == 0;
}
