/* Updating an existing course with forceupdate (spec 10 §2.2 C, engine rules): only the
 * columns the file has, plus timemodified; a move to another category keeps the sort
 * order blocks, counts and context paths right; cacherev bumped as update_course() does.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

/* increment_revision_number(): now, or +1 when already bumped this second. */
int course_bump_cacherev(cstate *s, int64_t courseid)
{
    int64_t now = RT->now(s->run);
    ts_stmt *st = SQL->prepare(s->run, "UPDATE {course} SET cacherev = CASE WHEN cacherev "
                               "IS NULL OR cacherev < ? OR cacherev > ? THEN ? ELSE cacherev "
                               "+ 1 END WHERE id = ?");
    return st && SQL->exec(st, "iiii", now, now + 3600, now, courseid) == 0 ? 0 : -1;
}

typedef struct {
    int64_t category, sortorder, ctx;
    char path[256];
} where_now;

static int read_place(cstate *s, int64_t courseid, where_now *w)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT c.category, c.sortorder, x.id, x.path FROM "
                               "{course} c JOIN {context} x ON x.contextlevel = 50 AND "
                               "x.instanceid = c.id WHERE c.id = ?");
    if (!st || SQL->exec(st, "i", courseid) != 0 || SQL->next(st) <= 0)
        return -1;
    w->category = SQL->col_int(st, 0);
    w->sortorder = SQL->col_int(st, 1);
    w->ctx = SQL->col_int(st, 2);
    snprintf(w->path, sizeof w->path, "%s", SQL->col_text(st, 3) ? SQL->col_text(st, 3) : "");
    while (SQL->next(st) > 0)
        ;
    return 0;
}

/* The context path of a category, from its ids' contexts (a context this transaction
 * created may not have its path written yet on MariaDB and SQLite). */
static int category_ctx_path(cstate *s, int64_t catid, char *out, size_t size)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT path FROM {course_categories} WHERE id = ?");
    char catpath[256];
    if (!st || SQL->exec(st, "i", catid) != 0 || SQL->next(st) <= 0)
        return -1;
    snprintf(catpath, sizeof catpath, "%s", SQL->col_text(st, 0) ? SQL->col_text(st, 0) : "");
    while (SQL->next(st) > 0)
        ;
    size_t o = (size_t)snprintf(out, size, "/%d", TS_SYSTEM_CONTEXT_ID);
    for (char *p = catpath; *p == '/';) {
        char *end;
        long long id = strtoll(p + 1, &end, 10);
        int64_t ctx = M->context_id(s->run, TS_CTX_COURSECAT, id);
        if (ctx <= 0 || o >= size)
            return -1;
        o += (size_t)snprintf(out + o, size - o, "/%lld", (long long)ctx);
        p = end;
    }
    return 0;
}

static int depth_of(const char *path)
{
    int n = 0;
    for (; *path; path++)
        n += *path == '/';
    return n;
}

/* The course and every context below it now hang under the new category's context. */
static int move_contexts(cstate *s, const where_now *w, int64_t catid)
{
    char parent[256], newpath[300], like[300];
    if (category_ctx_path(s, catid, parent, sizeof parent) != 0)
        return -1;
    snprintf(newpath, sizeof newpath, "%s/%lld", parent, (long long)w->ctx);
    ts_stmt *st;
    if (!*w->path) {   /* created by this transaction: nothing below it yet */
        st = SQL->prepare(s->run, "UPDATE {context} SET path = ?, depth = ? WHERE id = ?");
        if (!st || SQL->exec(st, "sii", newpath, (int64_t)depth_of(newpath), w->ctx) != 0)
            return -1;
        return M->cache_flag(s->run, "accesslib/dirtycontexts", newpath);
    }
    snprintf(like, sizeof like, "%s/%%", w->path);
    int64_t delta = depth_of(newpath) - depth_of(w->path);
    st = SQL->prepare(s->run, s->db == TS_DB_MARIADB
        ? "UPDATE {context} SET path = CONCAT(?, SUBSTR(path, ?)), depth = depth + ? "
          "WHERE id = ? OR path LIKE ?"
        : "UPDATE {context} SET path = ? || SUBSTR(path, ?), depth = depth + ? "
          "WHERE id = ? OR path LIKE ?");
    if (!st || SQL->exec(st, "siiis", newpath, (int64_t)strlen(w->path) + 1, delta, w->ctx,
                         like) != 0)
        return -1;
    return M->cache_flag(s->run, "accesslib/dirtycontexts", newpath);
}

static int move(cstate *s, ts_row *r, int64_t courseid, int64_t catid)
{
    where_now w;
    int64_t sortorder;
    if (read_place(s, courseid, &w) != 0)
        return -1;
    if (w.category == catid)
        return 0;
    int rc = category_place(s, catid, &sortorder);
    if (rc == -2)
        RT->outcome(r, TS_ERROR, "errorcategoryfull", "category",
                    "category %lld already holds %d courses", (long long)catid,
                    COURSE_BLOCK - 1);
    if (rc != 0)
        return -1;
    ts_stmt *st = SQL->prepare(s->run, "UPDATE {course} SET category = ?, sortorder = ? "
                               "WHERE id = ?");
    ts_stmt *gap = SQL->prepare(s->run, "UPDATE {course} SET sortorder = sortorder - 1 "
                                "WHERE category = ? AND sortorder > ?");
    if (!st || !gap || SQL->exec(st, "iii", catid, sortorder, courseid) != 0 ||
        SQL->exec(gap, "ii", w.category, w.sortorder) != 0 ||
        category_count(s, w.category, -1) != 0 || category_count(s, catid, 1) != 0)
        return -1;
    courses_drop_cats(s);   /* the old category's next place moved down */
    return move_contexts(s, &w, catid);
}

static int set_fields(cstate *s, const crec *c, int64_t courseid)
{
    char sql[1600];
    ts_value v[CF_COUNT + 2];
    char types[CF_COUNT + 3];
    int n = 0;
    size_t o = (size_t)snprintf(sql, sizeof sql, "UPDATE {course} SET ");
    for (int f = 0; f < CF_COUNT; f++) {
        /* format changes are not supported (as the reference tool); sortorder is ours */
        if (!c->given[f] || f == CF_FORMAT || f == CF_SORTORDER || f == CF_TIMEMODIFIED)
            continue;
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s = ?, ", CFIELDS[f].name);
        types[n] = CFIELDS[f].kind == FK_TEXT ? 's' : 'i';
        if (types[n] == 's')
            v[n++].s = c->s[f];
        else
            v[n++].i = c->i[f];
    }
    snprintf(sql + o, sizeof sql - o, "timemodified = ? WHERE id = ?");
    types[n] = 'i';
    v[n++].i = c->given[CF_TIMEMODIFIED] ? c->i[CF_TIMEMODIFIED] : RT->now(s->run);
    types[n] = 'i';
    v[n++].i = courseid;
    types[n] = '\0';
    ts_stmt *st = SQL->prepare(s->run, sql);
    return st && SQL->exec_array(st, types, v) == 0 ? 0 : -1;
}

static int coursedisplay(cstate *s, const crec *c, int64_t courseid)
{
    char v[8];
    snprintf(v, sizeof v, "%d", c->coursedisplay);
    ts_stmt *st = SQL->prepare(s->run, "UPDATE {course_format_options} SET value = ? WHERE "
                               "courseid = ? AND sectionid = 0 AND name = 'coursedisplay'");
    return st && SQL->exec(st, "si", v, courseid) == 0 ? 0 : -1;
}

int course_update(cstate *s, ts_row *r, const crec *c, int64_t courseid, int64_t catid)
{
    if (catid > 0 && !s->protectcategory && move(s, r, courseid, catid) != 0)
        return -1;
    if (set_fields(s, c, courseid) != 0)
        return -1;
    if (c->coursedisplay_given && coursedisplay(s, c, courseid) != 0)
        return -1;
    int64_t ctx = M->context_id(s->run, TS_CTX_COURSE, courseid);
    if (ctx <= 0 || topics_apply(s, r, courseid, ctx, 0) < 0 ||
        enrols_apply(s, r, courseid, 0) != 0 || teachers_apply(s, r, courseid, ctx) != 0 ||
        course_bump_cacherev(s, courseid) != 0)
        return -1;
    char *other = courses_names_json(c);
    int rc = courses_event(s, "\\core\\event\\course_updated", "u", TS_EDU_TEACHING, "course",
                           courseid, ctx, courseid, other);
    free(other);
    return rc;
}
