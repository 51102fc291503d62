/* Groupings as group/lib.php writes them (Moodle 4.2): groups_create_grouping(),
 * groups_assign_grouping(), groups_unassign_grouping(), groups_delete_grouping().
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each change asks for the groupdata (course) and user_group_groupings purges, which
 * only PHP can do (moodle-writes §2.3).
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"
#include "moodle/groups.h"

static const char SQL_GROUPING_INSERT_ID[] =
    "INSERT INTO {groupings} (id, courseid, name, idnumber, description, descriptionformat, "
    "configdata, timecreated, timemodified) VALUES (?, ?, ?, ?, ?, 0, NULL, ?, ?)";
static const char SQL_GROUPING_INSERT[] =
    "INSERT INTO {groupings} (courseid, name, idnumber, description, descriptionformat, "
    "configdata, timecreated, timemodified) VALUES (?, ?, ?, ?, 0, NULL, ?, ?)";

/* The course context of a course, failing when there is none. */
static int course_ctx(moodle_site *s, int64_t courseid, moodle_ctx *ctx)
{
    int r = moodle_course_ctx(s, courseid, ctx);
    if (r > 0)
        return moodle_fail(s, "course %lld does not exist", (long long)courseid);
    return r;
}

static void purge(moodle_site *s)
{
    moodle_request_purge(s, "groupdata");
    moodle_request_purge(s, "user_group_groupings");
}

int64_t moodle_grouping_create(moodle_site *s, int64_t now, const moodle_group_fields *f)
{
    s->err[0] = '\0';
    char name[1024], idnumber[400];
    if (moodle_php_trim(name, sizeof name, f->name) < 0 ||
        moodle_php_trim(idnumber, sizeof idnumber, f->idnumber) < 0)
        return moodle_fail(s, "grouping name or idnumber too long");
    if (!*name)
        return moodle_fail(s, "a grouping needs a name");
    moodle_ctx ctx;
    if (course_ctx(s, f->courseid, &ctx) != 0)
        return -1;
    if (moodle_idnumber_taken(s, 1, f->courseid, idnumber, 0) != 0)
        return -1;
    int64_t id = moodle_reserve_id(s, "groupings");
    if (id < 0)
        return -1;
    id = moodle_insert(s, SQL_GROUPING_INSERT_ID, SQL_GROUPING_INSERT, "iisssii", id,
                       f->courseid, name, idnumber, f->description, now, now);
    if (id < 0)
        return -1;
    moodle_request_purge(s, "groupdata");
    if (moodle_core_event(s, now, "grouping_created", "c", "groupings", id, &ctx, 0,
                          "null") < 0)
        return -1;
    return id;
}

static const char SQL_GG_FIND[] =
    "SELECT id FROM {groupings_groups} WHERE groupingid = ? AND groupid = ?";
static const char SQL_GG_INSERT_ID[] =
    "INSERT INTO {groupings_groups} (id, groupingid, groupid, timeadded) VALUES (?, ?, ?, ?)";
static const char SQL_GG_INSERT[] =
    "INSERT INTO {groupings_groups} (groupingid, groupid, timeadded) VALUES (?, ?, ?)";
static const char SQL_GG_DELETE[] =
    "DELETE FROM {groupings_groups} WHERE groupingid = ? AND groupid = ?";

/* The grouping's course context, the group being of the same course. */
static int pair_ctx(moodle_site *s, int64_t groupingid, int64_t groupid, moodle_ctx *ctx)
{
    int64_t c1 = 0, c2 = 0;
    int r = moodle_group_row_course(s, "groupings", groupingid, &c1);
    if (r == 0)
        r = moodle_group_row_course(s, "groups", groupid, &c2);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "no grouping %lld or no group %lld",
                                        (long long)groupingid, (long long)groupid);
    if (c1 != c2)
        return moodle_fail(s, "group %lld and grouping %lld are not of the same course",
                           (long long)groupid, (long long)groupingid);
    return course_ctx(s, c1, ctx);
}

static int grouping_group_event(moodle_site *s, int64_t now, const char *name,
                                const char *crud, int64_t groupingid, int64_t groupid,
                                const moodle_ctx *ctx)
{
    char json[64];
    snprintf(json, sizeof json, "{\"groupid\":%lld}", (long long)groupid);
    purge(s);
    return moodle_core_event(s, now, name, crud, "groupings", groupingid, ctx, 0, json);
}

int moodle_grouping_add_group(moodle_site *s, int64_t now, int64_t groupingid,
                              int64_t groupid)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    if (pair_ctx(s, groupingid, groupid, &ctx) != 0)
        return -1;
    int r = moodle_row_exists(s, SQL_GG_FIND, groupingid, groupid);
    if (r != 0)
        return r < 0 ? -1 : 0;
    int64_t id = moodle_reserve_id(s, "groupings_groups");
    if (id < 0)
        return -1;
    if (moodle_insert(s, SQL_GG_INSERT_ID, SQL_GG_INSERT, "iiii", id, groupingid, groupid,
                      now) < 0)
        return -1;
    return grouping_group_event(s, now, "grouping_group_assigned", "c", groupingid, groupid,
                                &ctx) < 0 ? -1 : 1;
}

int moodle_grouping_remove_group(moodle_site *s, int64_t now, int64_t groupingid,
                                 int64_t groupid)
{
    s->err[0] = '\0';
    moodle_ctx ctx;
    if (pair_ctx(s, groupingid, groupid, &ctx) != 0)
        return -1;
    int r = moodle_row_exists(s, SQL_GG_FIND, groupingid, groupid);
    if (r <= 0)
        return r;
    if (moodle_exec(s, SQL_GG_DELETE, "cannot remove a group from a grouping", "ii",
                    groupingid, groupid) < 0)
        return -1;
    return grouping_group_event(s, now, "grouping_group_unassigned", "d", groupingid,
                                groupid, &ctx) < 0 ? -1 : 1;
}

static const char SQL_GROUPING_FILES[] =
    "SELECT id FROM {files} WHERE contextid = ? AND component = 'grouping' AND itemid = ?";
static const char SQL_GG_DELETE_ALL[] = "DELETE FROM {groupings_groups} WHERE groupingid = ?";
static const char SQL_COURSE_DEFAULT[] =
    "UPDATE {course} SET defaultgroupingid = 0 WHERE defaultgroupingid = ?";
static const char SQL_CM_GROUPING[] =
    "UPDATE {course_modules} SET groupingid = 0 WHERE groupingid = ?";
static const char SQL_GROUPING_DELETE[] = "DELETE FROM {groupings} WHERE id = ?";

int moodle_grouping_delete(moodle_site *s, int64_t now, int64_t groupingid)
{
    s->err[0] = '\0';
    int64_t courseid;
    int r = moodle_group_row_course(s, "groupings", groupingid, &courseid);
    if (r != 0)
        return r < 0 ? -1 : 0;   /* deleting what is gone is no error (Moodle's too) */
    moodle_ctx ctx;
    if (course_ctx(s, courseid, &ctx) != 0)
        return -1;
    /* Description files live in the file storage: only Moodle deletes them right. */
    r = moodle_row_exists(s, SQL_GROUPING_FILES, ctx.id, groupingid);
    if (r != 0)
        return r < 0 ? -1 : moodle_fail(s, "grouping %lld has files: delete it in Moodle",
                                        (long long)groupingid);
    if (moodle_exec(s, SQL_GG_DELETE_ALL, "cannot delete grouping links", "i", groupingid) < 0 ||
        moodle_exec(s, SQL_COURSE_DEFAULT, "cannot update a course", "i", groupingid) < 0 ||
        moodle_exec(s, SQL_CM_GROUPING, "cannot update course modules", "i", groupingid) < 0 ||
        moodle_exec(s, SQL_GROUPING_DELETE, "cannot delete a grouping", "i", groupingid) < 0)
        return -1;
    purge(s);
    return moodle_core_event(s, now, "grouping_deleted", "d", "groupings", groupingid, &ctx, 0,
                             "null") < 0 ? -1 : 1;
}
