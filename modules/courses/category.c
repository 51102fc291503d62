/* The category column (spec 10 §2.3) and a course's place in its category's block of
 * sort orders (moodle-writes §1.4, §1.6).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Paths are cleaned here (segments trimmed, empty or overlong ones refused) and resolved
 * by the core's category resolver, which creates the missing levels.  A new course goes
 * after the last course of its category: the state fix_course_sortorder() leaves
 * (courses at category.sortorder + 1 .. + coursecount) without renumbering the others.
 * Where the next course goes is remembered per category for the batch; creating a
 * category moves the blocks of later ones, so that memory is dropped then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

#define PATH_MAX_LEVELS 32
#define NAME_MAX_CHARS 255

typedef struct {
    char *seg[PATH_MAX_LEVELS];
    int n;
} cpath;

static void cpath_free(cpath *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->seg[i]);
    p->n = 0;
}

/* Splits on '/' ("\/" is a slash inside a name), trims each name.  0, or -1 with the
 * reason on the row. */
static int cpath_split(ts_row *r, const char *v, cpath *p)
{
    size_t len = strlen(v);
    char *buf = malloc(len + 1);
    p->n = 0;
    while (*v == '/')
        v++;
    while (*v) {
        size_t o = 0;
        for (; *v && *v != '/'; v++) {
            if (*v == '\\' && v[1] == '/')
                v++;
            buf[o++] = *v;
        }
        buf[o] = '\0';
        if (*v == '/')
            v++;
        char *a = buf, *z = buf + o;
        while (*a == ' ' || *a == '\t')
            a++;
        while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
            *--z = '\0';
        if (!*a && !*v)
            break;   /* a trailing '/' */
        if (!*a || p->n == PATH_MAX_LEVELS) {
            RT->outcome(r, TS_ERROR, "errorvalidationcategorytype", "category",
                        !*a ? "empty category name at level %d of the path"
                            : "more than %d levels in the path", p->n + 1);
            goto fail;
        }
        if (U->utf8_chars(a) > NAME_MAX_CHARS) {
            RT->outcome(r, TS_ERROR, "errorvalidationcategorylength", "category",
                        "category name at level %d is longer than %d characters", p->n + 1,
                        NAME_MAX_CHARS);
            goto fail;
        }
        p->seg[p->n++] = strdup(a);
    }
    free(buf);
    if (p->n == 0) {
        RT->outcome(r, TS_ERROR, "errorvalidationcategorytype", "category", "empty path");
        return -1;
    }
    return 0;
fail:
    free(buf);
    cpath_free(p);
    return -1;
}

/* The first k levels as the resolver reads paths (slashes in names escaped). */
static void cpath_join(const cpath *p, int k, char *out, size_t size)
{
    size_t o = 0;
    for (int i = 0; i < k && o + 1 < size; i++) {
        if (i)
            out[o++] = '/';
        for (const char *c = p->seg[i]; *c && o + 2 < size; c++) {
            if (*c == '/')
                out[o++] = '\\';
            out[o++] = *c;
        }
    }
    out[o < size ? o : size - 1] = '\0';
}

static int64_t default_category(cstate *s, ts_row *r)
{
    if (s->default_category > 0)
        return s->default_category;
    ts_stmt *st = SQL->prepare(s->run, "SELECT MIN(id) FROM {course_categories}");
    if (!st || SQL->exec(st, "") != 0 || SQL->next(st) < 0)
        return -1;
    int64_t id = SQL->col_null(st, 0) ? 0 : SQL->col_int(st, 0);
    while (SQL->next(st) > 0)
        ;
    if (id <= 0) {
        RT->outcome(r, TS_ERROR, "errorcategoryparenterror", "category",
                    "the site has no category to put the course in");
        return -1;
    }
    return s->default_category = id;
}

/* Hidden new levels when newcategoriesvisible is off (the resolver creates them visible,
 * as core_course_category::create() does by default). */
static int hide_levels(cstate *s, const cpath *p, int from)
{
    char path[4096];
    ts_stmt *st = SQL->prepare(s->run, "UPDATE {course_categories} SET visible = 0, "
                               "visibleold = 0 WHERE id = ?");
    for (int k = from; k <= p->n; k++) {
        cpath_join(p, k, path, sizeof path);
        int64_t id = R->category(s->run, TS_BY_PATH, path, 0);
        if (!st || id <= 0 || SQL->exec(st, "i", id) != 0)
            return -1;
    }
    return 0;
}

static int64_t by_path(cstate *s, ts_row *r, const char *v, int *created)
{
    cpath p;
    char path[4096];
    if (cpath_split(r, v, &p) != 0)
        return -1;
    cpath_join(&p, p.n, path, sizeof path);
    int64_t id = R->category(s->run, TS_BY_PATH, path, 0);
    if (id == 0) {
        int first = 1;   /* the first missing level */
        char prefix[4096];
        for (; first < p.n; first++) {
            cpath_join(&p, first, prefix, sizeof prefix);
            if (R->category(s->run, TS_BY_PATH, prefix, 0) <= 0)
                break;
        }
        id = R->category(s->run, TS_BY_PATH, path, TS_R_CREATE);
        if (id > 0) {
            *created = p.n - first + 1;
            courses_drop_cats(s);   /* later blocks moved */
            if (!s->newcatvisible && hide_levels(s, &p, first) != 0)
                id = -1;
        }
    }
    if (id <= 0 && RT->row_status(r) != TS_ERROR)
        RT->outcome(r, TS_ERROR, "errorcategoryparenterror", "category",
                    id == TS_R_AMBIGUOUS ? "category path '%s' is ambiguous"
                                         : "category path '%s' could not be resolved", v);
    cpath_free(&p);
    return id > 0 ? id : -1;
}

int64_t category_of_row(cstate *s, ts_row *r, int creating, int *created)
{
    *created = 0;
    const char *v = s->c_category >= 0 ? RT->value_at(r, (size_t)s->c_category) : NULL;
    if (!v || !*v)   /* a new course goes to the default, an update stays */
        return creating ? default_category(s, r) : 0;
    if (s->catbyidnumber) {
        int64_t id = R->category(s->run, TS_BY_IDNUMBER, v, 0);
        if (id <= 0 && id != TS_R_ERROR)
            RT->outcome(r, TS_ERROR, "catidnumbererror", "category",
                        id == 0 ? "no category with idnumber '%s'"
                                : "several categories have idnumber '%s'", v);
        return id > 0 ? id : -1;
    }
    int64_t n;
    if (U->parse_int(v, &n) == 0) {
        int64_t id = n > 0 ? R->category(s->run, TS_BY_ID, v, 0) : 0;
        if (id == 0)
            RT->outcome(r, TS_ERROR, "errorvalidationcategoryid", "category",
                        "no category with id %s", v);
        return id > 0 ? id : -1;
    }
    return by_path(s, r, v, created);
}

/* Reads where the category's next course goes. */
static catslot *slot_load(cstate *s, int64_t catid)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT cc.sortorder, (SELECT MAX(c.sortorder) FROM "
                               "{course} c WHERE c.category = cc.id) FROM "
                               "{course_categories} cc WHERE cc.id = ?");
    if (!st || SQL->exec(st, "i", catid) != 0)
        return NULL;
    int rc = SQL->next(st);
    if (rc <= 0)
        return NULL;
    catslot *c = malloc(sizeof *c);
    c->sortorder = SQL->col_int(st, 0);
    int64_t last = SQL->col_null(st, 1) ? 0 : SQL->col_int(st, 1);
    c->next = (last > c->sortorder ? last : c->sortorder) + 1;
    while (SQL->next(st) > 0)
        ;
    return c;
}

int category_place(cstate *s, int64_t catid, int64_t *sortorder)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)catid);
    void **slot = U->map_slot(s->cats, key);
    if (!*slot && !(*slot = slot_load(s, catid)))
        return -1;
    catslot *c = *slot;
    if (c->next >= c->sortorder + COURSE_BLOCK)
        return -2;
    *sortorder = c->next++;
    return 0;
}

int category_count(cstate *s, int64_t catid, int delta)
{
    ts_stmt *st = SQL->prepare(s->run, "UPDATE {course_categories} SET coursecount = "
                               "coursecount + ? WHERE id = ?");
    return st && SQL->exec(st, "ii", (int64_t)delta, catid) == 0 ? 0 : -1;
}
