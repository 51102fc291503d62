/* courses-delete (spec 10 §3): a course with nothing in it (what a creation leaves) is
 * deleted with SQL as delete_course() would leave the database; a course with content is
 * deleted by Moodle's delete_course() through the bridge (op "course_delete").
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Nothing in it": no enrolled user, no role assignment in its context, no context below
 * it (modules, blocks), no module, group, grouping, grade item, file, and no meta link
 * pulling from it.  Tables a site lacks are not asked.  Anything else needs Moodle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

typedef struct {
    int64_t id, category, sortorder, ctx;
    char path[256];
    char shortname[256], fullname[1400], idnumber[128];
} victim;

static const struct { const char *table, *column, *sql; } CONTENT[] = {
    { "user_enrolments", "enrolid", "SELECT COUNT(*) FROM {user_enrolments} ue JOIN {enrol} "
      "e ON e.id = ue.enrolid WHERE e.courseid = ?" },
    { "course_modules", "course", "SELECT COUNT(*) FROM {course_modules} WHERE course = ?" },
    { "groups", "courseid", "SELECT COUNT(*) FROM {groups} WHERE courseid = ?" },
    { "groupings", "courseid", "SELECT COUNT(*) FROM {groupings} WHERE courseid = ?" },
    { "grade_items", "courseid", "SELECT COUNT(*) FROM {grade_items} WHERE courseid = ?" },
    { "enrol", "customint1", "SELECT COUNT(*) FROM {enrol} WHERE enrol = 'meta' AND "
      "customint1 = ?" },
};

static int64_t count(cstate *s, const char *sql, const char *types, int64_t a, const char *b)
{
    ts_stmt *st = SQL->prepare(s->run, sql);
    if (!st || (b ? SQL->exec(st, types, b) : SQL->exec(st, types, a)) != 0 ||
        SQL->next(st) <= 0)
        return -1;
    int64_t n = SQL->col_int(st, 0);
    while (SQL->next(st) > 0)
        ;
    return n;
}

/* 1 empty, 0 has content, -1 error. */
static int is_empty(cstate *s, const victim *v)
{
    for (size_t i = 0; i < sizeof CONTENT / sizeof CONTENT[0]; i++) {
        int has = M->column_exists(s->run, CONTENT[i].table, CONTENT[i].column);
        if (has < 0)
            return -1;
        int64_t n = has ? count(s, CONTENT[i].sql, "i", v->id, NULL) : 0;
        if (n != 0)
            return n < 0 ? -1 : 0;
    }
    char like[300];
    snprintf(like, sizeof like, "%s/%%", v->path);
    int64_t n = count(s, "SELECT COUNT(*) FROM {context} WHERE path LIKE ?", "s", 0, like);
    if (n == 0)
        n = count(s, "SELECT COUNT(*) FROM {role_assignments} WHERE contextid = ?", "i",
                  v->ctx, NULL);
    if (n == 0 && M->column_exists(s->run, "files", "contextid") > 0)
        n = count(s, "SELECT COUNT(*) FROM {files} WHERE contextid = ?", "i", v->ctx, NULL);
    return n < 0 ? -1 : n == 0;
}

static int read_victim(cstate *s, int64_t id, victim *v)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT c.category, c.sortorder, c.shortname, "
                               "c.fullname, c.idnumber, x.id, x.path FROM {course} c LEFT JOIN "
                               "{context} x ON x.contextlevel = 50 AND x.instanceid = c.id "
                               "WHERE c.id = ?");
    if (!st || SQL->exec(st, "i", id) != 0)
        return -1;
    int rc = SQL->next(st);
    if (rc <= 0)
        return rc;
    v->id = id;
    v->category = SQL->col_int(st, 0);
    v->sortorder = SQL->col_int(st, 1);
    snprintf(v->shortname, sizeof v->shortname, "%s", SQL->col_text(st, 2));
    snprintf(v->fullname, sizeof v->fullname, "%s", SQL->col_text(st, 3));
    snprintf(v->idnumber, sizeof v->idnumber, "%s", SQL->col_text(st, 4) ? SQL->col_text(st, 4) : "");
    v->ctx = SQL->col_null(st, 5) ? 0 : SQL->col_int(st, 5);
    snprintf(v->path, sizeof v->path, "%s", SQL->col_text(st, 6) ? SQL->col_text(st, 6) : "");
    while (SQL->next(st) > 0)
        ;
    return 1;
}

static int exec_i(cstate *s, const char *sql, int64_t a)
{
    ts_stmt *st = SQL->prepare(s->run, sql);
    return st && SQL->exec(st, "i", a) == 0 ? 0 : -1;
}

/* Its enrol instances as delete_instance() removes them, then the rows creation wrote. */
static int delete_by_sql(cstate *s, ts_row *r, const victim *v)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT id FROM {enrol} WHERE courseid = ? ORDER BY id");
    if (!st || SQL->exec(st, "i", v->id) != 0)
        return -1;
    int64_t ids[64];
    int n = 0, rc;
    while ((rc = SQL->next(st)) > 0)
        if (n < 64)
            ids[n++] = SQL->col_int(st, 0);
    if (rc < 0 || n == 64)
        return -1;
    for (int i = 0; i < n; i++)
        if (E->instance_delete(s->run, ids[i]) < 0)
            return -1;
    ts_stmt *gap = SQL->prepare(s->run, "UPDATE {course} SET sortorder = sortorder - 1 "
                                "WHERE category = ? AND sortorder > ?");
    if (exec_i(s, "DELETE FROM {course_format_options} WHERE courseid = ?", v->id) != 0 ||
        exec_i(s, "DELETE FROM {course_sections} WHERE course = ?", v->id) != 0 ||
        exec_i(s, "DELETE FROM {context} WHERE id = ?", v->ctx) != 0 ||
        exec_i(s, "DELETE FROM {course} WHERE id = ?", v->id) != 0 || !gap ||
        SQL->exec(gap, "ii", v->category, v->sortorder) != 0 ||
        category_count(s, v->category, -1) != 0)
        return -1;
    courses_drop_cats(s);
    if (*v->path && M->cache_flag(s->run, "accesslib/dirtycontexts", v->path) != 0)
        return -1;
    size_t size = strlen(v->fullname) * 6 + 900;
    char *other = malloc(size);
    strcpy(other, "{\"shortname\":");
    U->json_string(other, size, v->shortname);
    strcat(other, ",\"fullname\":");
    U->json_string(other, size, v->fullname);
    strcat(other, ",\"idnumber\":");
    U->json_string(other, size, v->idnumber);
    strcat(other, "}");
    rc = courses_event(s, "\\core\\event\\course_deleted", "d", TS_EDU_TEACHING, "course",
                       v->id, v->ctx, v->id, other);
    free(other);
    return rc;
}

int delete_row(ts_run *run, void *st, ts_row *r)
{
    cstate *s = st;
    const char *key = RT->value_at(r, 0);
    int64_t id = courses_find(s, r, key, "coursenotfound", NULL);
    victim v;
    if (id <= 0)
        return id < 0 ? TS_ERR : TS_DONE;
    int found = read_victim(s, id, &v);
    if (found < 0)
        return TS_ERR;
    if (!found) {   /* deleted by an earlier line of this file */
        RT->outcome(r, TS_ERROR, "coursenotfound", NULL, "no course with %s '%s'",
                    courses_ident_name(s->ident), key);
        return TS_DONE;
    }
    if (id == TS_SITE_COURSE_ID || v.category == 0) {
        RT->outcome(r, TS_ERROR, "errorsitecourse", NULL, "the front page course is never "
                    "deleted");
        return TS_DONE;
    }
    int empty = v.ctx > 0 ? is_empty(s, &v) : 0;
    if (empty < 0)
        return TS_ERR;
    if (empty) {
        if (delete_by_sql(s, r, &v) != 0)
            return TS_ERR;
        B->purge(run, "changesincourse");
        RT->outcome(r, TS_OK, "coursedeleted", NULL, "course %s deleted (it was empty)", key);
        return TS_DONE;
    }
    if (!B->configured(run)) {
        RT->outcome(r, TS_ERROR, "errorbridgenotconfigured", NULL, "course %s has content: "
                    "deleting it needs Moodle's delete_course(); set moodle.dirroot so that "
                    "the bridge can run it; the line is in the tryback", key);
        return TS_DONE;
    }
    char args[64];
    snprintf(args, sizeof args, "{\"courseid\":%lld}", (long long)id);
    if (B->queue(run, r, "course_delete", args) != 0)
        return TS_ERR;
    RT->outcome(r, TS_OK, "coursedeleted", NULL, "course %s deleted by Moodle after the batch",
                key);
    return TS_DONE;
}
