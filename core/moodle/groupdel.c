/* groups_delete_group() (Moodle 4.2) and the empty groups and groupings of a course,
 * for the purge after a membership file (spec 60 §4).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/groups.h"

static const char SQL_GROUP_FILES[] =
    "SELECT id FROM {files} WHERE contextid = ? AND component = 'group' AND itemid = ?";
static const char SQL_GROUP_CONVERSATION[] =
    "SELECT id FROM {message_conversations} WHERE component = 'core_group' "
    "AND itemtype = 'groups' AND itemid = ? AND contextid = ?";
static const char SQL_GROUP_EVENTS[] = "DELETE FROM {event} WHERE groupid = ?";
static const char SQL_GG_OF_GROUP[] = "DELETE FROM {groupings_groups} WHERE groupid = ?";
static const char SQL_GM_OF_GROUP[] = "DELETE FROM {groups_members} WHERE groupid = ?";
static const char SQL_GROUP_DELETE[] = "DELETE FROM {groups} WHERE id = ?";

/* What only Moodle's PHP deletes right: the picture and description files, a group
 * conversation.  0 none, 1 some (s->err says which), -1 error. */
static int php_owned(moodle_site *s, int64_t groupid, const moodle_ctx *ctx)
{
    int r = moodle_row_exists(s, SQL_GROUP_FILES, ctx->id, groupid);
    if (r != 0)
        return r < 0 ? -1 : (moodle_fail(s, "group %lld has files (picture or description): "
                                         "delete it in Moodle", (long long)groupid), 1);
    r = moodle_column_exists(s, "message_conversations", "itemid");
    if (r > 0)
        r = moodle_row_exists(s, SQL_GROUP_CONVERSATION, groupid, ctx->id);
    if (r != 0)
        return r < 0 ? -1 : (moodle_fail(s, "group %lld has a conversation: delete it in "
                                         "Moodle", (long long)groupid), 1);
    return 0;
}

int moodle_group_delete(moodle_site *s, int64_t now, int64_t groupid)
{
    s->err[0] = '\0';
    int64_t courseid;
    int r = moodle_group_row_course(s, "groups", groupid, &courseid);
    if (r != 0)
        return r < 0 ? -1 : 0;   /* already gone: Moodle ignores it too */
    moodle_ctx ctx;
    r = moodle_course_ctx(s, courseid, &ctx);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "course %lld has no context", (long long)courseid);
    if (php_owned(s, groupid, &ctx) != 0)
        return -1;
    moodle_groups_changed(s);
    moodle_state_forget(s);   /* its memberships go with it */
    if (moodle_exec(s, SQL_GROUP_EVENTS, "cannot delete group events", "i", groupid) < 0 ||
        moodle_exec(s, SQL_GG_OF_GROUP, "cannot delete grouping links", "i", groupid) < 0 ||
        moodle_exec(s, SQL_GM_OF_GROUP, "cannot delete group members", "i", groupid) < 0 ||
        moodle_exec(s, SQL_GROUP_DELETE, "cannot delete a group", "i", groupid) < 0)
        return -1;
    moodle_request_purge(s, "groupdata");
    moodle_request_purge(s, "user_group_groupings");
    return moodle_core_event(s, now, "group_deleted", "d", "groups", groupid, &ctx, 0,
                             "null") < 0 ? -1 : 1;
}

static const char SQL_EMPTY_GROUPS[] =
    "SELECT g.id FROM {groups} g WHERE g.courseid = ? AND NOT EXISTS "
    "(SELECT 1 FROM {groups_members} gm WHERE gm.groupid = g.id) ORDER BY g.id";
static const char SQL_EMPTY_GROUPINGS[] =
    "SELECT gg.id FROM {groupings} gg WHERE gg.courseid = ? AND NOT EXISTS "
    "(SELECT 1 FROM {groupings_groups} x WHERE x.groupingid = gg.id) ORDER BY gg.id";

static long list_ids(moodle_site *s, const char *sql, int64_t courseid, int64_t *ids,
                     size_t max)
{
    s->err[0] = '\0';
    db_stmt *st = moodle_prepared(s, sql);
    if (!st)
        return -1;
    if (db_exec(st, "i", courseid) != 0)
        return moodle_fail_db(s, "cannot read groups");
    long n = 0;
    int r;
    while ((r = db_next(st)) > 0) {
        if ((size_t)n < max)
            ids[n] = db_col_int(st, 0);
        n++;
    }
    return r < 0 ? moodle_fail_db(s, "cannot read groups") : n;
}

long moodle_groups_empty(moodle_site *s, int64_t courseid, int64_t *ids, size_t max)
{
    return list_ids(s, SQL_EMPTY_GROUPS, courseid, ids, max);
}

long moodle_groupings_empty(moodle_site *s, int64_t courseid, int64_t *ids, size_t max)
{
    return list_ids(s, SQL_EMPTY_GROUPINGS, courseid, ids, max);
}
