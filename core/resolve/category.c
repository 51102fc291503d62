/* The category resolver: by id, idnumber, or path of names from the top, creating the
 * missing levels when asked (spec 10 §2.3).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A path is split on '/', where "\/" stands for a slash inside a name.  Each level is
 * found by name under its parent (the first by sortorder when names repeat, as the
 * reference tool does) and remembered for the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/enrol.h"
#include "resolve/objects.h"

/* The next name of a path into `name`, unescaping "\/"; returns where the rest starts,
 * or NULL at the end. */
static const char *next_level(const char *p, char *name, size_t len)
{
    size_t o = 0;
    if (!*p)
        return NULL;
    for (; *p && *p != '/'; p++) {
        if (*p == '\\' && p[1] == '/')
            p++;
        if (o + 1 < len)
            name[o++] = *p;
    }
    name[o] = '\0';
    return *p == '/' ? p + 1 : p;
}

/* First by sortorder when names repeat under one parent, as the reference tool does. */
static int64_t level_by_name(ts_run *run, int64_t parent, const char *name)
{
    ts_value a[2] = { { .i = parent }, { .s = name } };
    return res_lookup(run, 'k', parent, TS_BY_NAME, name,
                      "SELECT id FROM {course_categories} WHERE parent = ? AND name = ? "
                      "ORDER BY sortorder, id", "is", a, RES_FIRST);
}

static int64_t create_level(ts_run *run, int64_t parent, const char *name)
{
    moodle_site *site = RH->site(run);
    int64_t id = moodle_category_create(site, RH->now(run), parent, name, NULL, 1, NULL);
    if (id < 0) {
        RH->fail(run, "errorcategorycreate", "category '%s' not created: %s", name,
                 moodle_error(site));
        return TS_R_ERROR;
    }
    resolver_learn(RH->of(run), 'k', parent, TS_BY_NAME, name, id);
    RH->bridge->purge(run, "changesincoursecat");
    return id;
}

static int64_t by_path(ts_run *run, const char *path, unsigned flags)
{
    char name[1024];
    int64_t parent = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    if (!*p)
        return TS_R_NOTFOUND;
    while ((p = next_level(p, name, sizeof name)) != NULL) {
        if (!*name) {
            RH->fail(run, "invalidvalue", "empty category name in path '%s'", path);
            return TS_R_ERROR;
        }
        int64_t id = level_by_name(run, parent, name);
        if (id == 0 && (flags & TS_R_CREATE))
            id = create_level(run, parent, name);
        if (id <= 0)
            return id;
        parent = id;
    }
    return parent;
}

int64_t res_category(ts_run *run, ts_by by, const char *key, unsigned flags)
{
    ts_value a[1] = { { .s = key } };
    switch (by) {
    case TS_BY_ID:
        if (value_int(key, &a[0].i) != 0 || a[0].i <= 0)
            return TS_R_NOTFOUND;
        return res_lookup(run, 'k', -1, by, key,
                          "SELECT id FROM {course_categories} WHERE id = ?", "i", a, 0);
    case TS_BY_IDNUMBER:
        return res_lookup(run, 'k', -1, by, key,
                          "SELECT id FROM {course_categories} WHERE idnumber = ?", "s", a, 0);
    case TS_BY_PATH:
        return by_path(run, key, flags);
    default:
        return TS_R_NOTFOUND;
    }
}
