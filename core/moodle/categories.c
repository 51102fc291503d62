/* Course categories as core_course_category::create() writes them (moodle-writes.md
 * §1.4-1.5), for the category resolver's "create missing levels".
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sort order: categories and courses share one ordering in blocks of 10000 per category,
 * numbered depth-first.  Moodle inserts the new category last among its siblings and
 * renumbers the whole tree (fix_course_sortorder()); on a tree already numbered that
 * way, the result is the same as opening a block right after the parent's last
 * descendant and shifting every later category and course by one block, which is what
 * we do (two UPDATEs instead of one per row).
 */
#include <stdio.h>
#include <string.h>
#include "moodle/writer.h"

#define CATEGORY_BLOCK 10000

static const char SQL_PARENT[] =
    "SELECT depth, path, sortorder FROM {course_categories} WHERE id = ?";
/* The end of the parent's block: its last descendant (or itself). */
static const char SQL_LAST_BELOW[] =
    "SELECT MAX(sortorder) FROM {course_categories} WHERE id = ? OR path LIKE ?";
static const char SQL_LAST_TOP[] = "SELECT MAX(sortorder) FROM {course_categories}";
static const char SQL_SHIFT_CATS[] =
    "UPDATE {course_categories} SET sortorder = sortorder + ? WHERE sortorder >= ?";
static const char SQL_SHIFT_COURSES[] =
    "UPDATE {course} SET sortorder = sortorder + ? WHERE sortorder >= ? AND id <> 1";
static const char SQL_FRONTPAGE[] =
    "UPDATE {course} SET sortorder = 1 WHERE id = 1 AND sortorder = 0";
static const char SQL_CAT_INSERT_ID[] =
    "INSERT INTO {course_categories} (id, name, idnumber, description, descriptionformat, "
    "parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path, theme) "
    "VALUES (?, ?, ?, NULL, 0, ?, ?, 0, ?, ?, ?, ?, '', NULL)";
static const char SQL_CAT_INSERT[] =
    "INSERT INTO {course_categories} (name, idnumber, description, descriptionformat, "
    "parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path, theme) "
    "VALUES (?, ?, NULL, 0, ?, ?, 0, ?, ?, ?, ?, '', NULL)";
static const char SQL_CAT_PATH[] = "UPDATE {course_categories} SET path = ? WHERE id = ?";

/* A single integer the statement answers (0 when NULL or no row); -1 on error. */
static int read_int(moodle_site *s, db_stmt *st, int64_t *out)
{
    int r = db_next(st);
    if (r < 0)
        return moodle_fail_db(s, "cannot read course categories");
    *out = r > 0 && !db_col_null(st, 0) ? db_col_int(st, 0) : 0;
    if (r > 0)
        moodle_drain(st);
    return 0;
}

/* Where the new category's block starts, and its depth and path prefix. */
static int place(moodle_site *s, int64_t parentid, int64_t *sortorder, int *depth,
                 char *parentpath, size_t len)
{
    int64_t last = 0;
    *depth = 1;
    parentpath[0] = '\0';
    db_stmt *st;
    if (parentid > 0) {
        if (!(st = moodle_prepared(s, SQL_PARENT)) || db_exec(st, "i", parentid) != 0)
            return moodle_fail_db(s, "cannot read the parent category");
        int r = db_next(st);
        if (r <= 0)
            return r < 0 ? moodle_fail_db(s, "cannot read the parent category")
                         : moodle_fail(s, "category %lld does not exist", (long long)parentid);
        *depth = (int)db_col_int(st, 0) + 1;
        snprintf(parentpath, len, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
        moodle_drain(st);
        char like[300];
        snprintf(like, sizeof like, "%s/%%", parentpath);
        if (!(st = moodle_prepared(s, SQL_LAST_BELOW)) || db_exec(st, "is", parentid, like) != 0)
            return moodle_fail_db(s, "cannot read course categories");
    } else if (!(st = moodle_prepared(s, SQL_LAST_TOP)) || db_exec(st, "") != 0) {
        return moodle_fail_db(s, "cannot read course categories");
    }
    if (read_int(s, st, &last) != 0)
        return -1;
    *sortorder = (last / CATEGORY_BLOCK + 1) * CATEGORY_BLOCK;
    return 0;
}

int64_t moodle_category_create(moodle_site *s, int64_t now, int64_t parentid,
                               const char *name, const char *idnumber, int visible,
                               int64_t *contextid)
{
    int64_t sortorder = 0;
    int depth;
    char ppath[256], path[300];
    s->err[0] = '\0';
    if (place(s, parentid, &sortorder, &depth, ppath, sizeof ppath) != 0)
        return -1;
    /* Open the block: every later category and course moves down by one. */
    if (moodle_exec(s, SQL_SHIFT_CATS, "cannot renumber categories", "ii",
                   (int64_t)CATEGORY_BLOCK, sortorder) != 0 ||
        moodle_exec(s, SQL_SHIFT_COURSES, "cannot renumber courses", "ii",
                   (int64_t)CATEGORY_BLOCK, sortorder) != 0 ||
        moodle_exec(s, SQL_FRONTPAGE, "cannot number the front page", "") != 0)
        return -1;
    int64_t id = moodle_reserve_id(s, "course_categories");
    if (id < 0)
        return -1;
    const char *idn = idnumber && *idnumber ? idnumber : NULL;
    id = moodle_insert(s, SQL_CAT_INSERT_ID, SQL_CAT_INSERT, "issiiiiii", id, name, idn,
                      parentid, sortorder, (int64_t)visible, (int64_t)visible, now,
                      (int64_t)depth);
    if (id < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%lld", ppath, (long long)id);
    if (moodle_exec(s, SQL_CAT_PATH, "cannot set the category path", "si", path, id) != 0)
        return -1;

    char parentctx[256] = "/1", ctxpath[256];
    int64_t pid;
    if (parentid > 0 && moodle_context_path(s, 40, parentid, &pid, parentctx) != 0)
        return moodle_fail(s, "the parent context of category '%s' is missing", name);
    moodle_ctx ctx = { .level = 40, .instanceid = id };
    ctx.id = moodle_context_create(s, now, 40, id, parentctx, ctxpath);
    if (ctx.id < 0)
        return -1;
    snprintf(ctx.path, sizeof ctx.path, "%s", ctxpath);
    if (contextid)
        *contextid = ctx.id;
    if (moodle_core_event(s, now, "course_category_created", "c", "course_categories", id, &ctx,
                    0, "null") < 0)
        return -1;
    return id;
}
