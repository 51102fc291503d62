/* Service "groups": groups, groupings and their members through core/moodle's writers
 * for the run's time, the reason of a failure on the current row, and the resolver told
 * of what they create or rename.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdio.h>
#include "run.h"
#include "svc.h"
#include "moodle/enrol.h"
#include "moodle/groups.h"
#include "resolve/resolve.h"

/* 1 wrote, 0 already so; -1 with the site's reason on the row. */
static int answer(ts_run *r, int rc, const char *what)
{
    if (rc < 0)
        run_fail_moodle(r, "dberror", what);
    return rc;
}

/* A module's ts_group, read no further than its size (fields appended in version 2
 * read as zero: Moodle's defaults). */
static moodle_group_fields fields_of(const ts_group *g, int update)
{
    moodle_group_fields f = { g->courseid, g->name, g->idnumber, g->description,
                              update ? -1 : 0, -1 };
    if (g->size >= offsetof(ts_group, participation) + sizeof g->participation) {
        f.visibility = g->visibility;
        f.participation = g->participation == TS_GROUP_PARTICIPATION_YES ? 1
                        : g->participation == TS_GROUP_PARTICIPATION_NO ? 0 : -1;
    }
    return f;
}

static void learn(ts_run *r, char kind, int64_t courseid, const char *name,
                  const char *idnumber, int64_t id)
{
    resolver_learn(r->res, kind, courseid, TS_BY_NAME, name, id);
    resolver_learn(r->res, kind, courseid, TS_BY_IDNUMBER, idnumber, id);
}

static int64_t g_create(ts_run *r, const ts_group *g)
{
    moodle_group_fields f = fields_of(g, 0);
    int64_t id = moodle_group_create_fields(r->e->site, r->now, &f);
    if (id < 0)
        return answer(r, -1, "group not created");
    learn(r, 'g', g->courseid, g->name, g->idnumber, id);
    return id;
}

static int g_add(ts_run *r, int64_t gid, int64_t uid, const char *comp, int64_t item)
{
    return answer(r, moodle_group_add_member(r->e->site, r->now, gid, uid, comp ? comp : "",
                                             item),
                  "group membership not written");
}

static int g_remove(ts_run *r, int64_t gid, int64_t uid)
{
    return answer(r, moodle_group_remove_member(r->e->site, r->now, gid, uid),
                  "group membership not removed");
}

/* A rename: the resolver forgets the old name and idnumber, learns the new ones. */
static int renamed(ts_run *r, int grouping, int64_t id, const moodle_group_fields *f)
{
    char name[1024], idn[400];
    char kind = grouping ? 'G' : 'g';
    int rc = moodle_group_names(r->e->site, grouping, id, name, sizeof name, idn, sizeof idn);
    if (rc != 0)
        return answer(r, rc < 0 ? -1 : 0, "group not read");
    rc = grouping ? moodle_grouping_update(r->e->site, r->now, id, f)
                  : moodle_group_update(r->e->site, r->now, id, f);
    if (rc > 0) {
        resolver_forget(r->res, kind, f->courseid, TS_BY_NAME, name);
        resolver_forget(r->res, kind, f->courseid, TS_BY_IDNUMBER, idn);
        learn(r, kind, f->courseid, f->name ? f->name : name, f->idnumber ? f->idnumber : idn,
              id);
    }
    return answer(r, rc, grouping ? "grouping not updated" : "group not updated");
}

static int g_update(ts_run *r, int64_t gid, const ts_group *g)
{
    moodle_group_fields f = fields_of(g, 1);
    return renamed(r, 0, gid, &f);
}

static moodle_group_fields grouping_fields(const ts_grouping *g)
{
    moodle_group_fields f = { g->courseid, g->name, g->idnumber, g->description, -1, -1 };
    return f;
}

static int64_t gg_create(ts_run *r, const ts_grouping *g)
{
    moodle_group_fields f = grouping_fields(g);
    int64_t id = moodle_grouping_create(r->e->site, r->now, &f);
    if (id < 0)
        return answer(r, -1, "grouping not created");
    learn(r, 'G', g->courseid, g->name, g->idnumber, id);
    return id;
}

static int gg_update(ts_run *r, int64_t id, const ts_grouping *g)
{
    moodle_group_fields f = grouping_fields(g);
    return renamed(r, 1, id, &f);
}

static int gg_add(ts_run *r, int64_t groupingid, int64_t groupid)
{
    return answer(r, moodle_grouping_add_group(r->e->site, r->now, groupingid, groupid),
                  "group not added to the grouping");
}

static int gg_remove(ts_run *r, int64_t groupingid, int64_t groupid)
{
    return answer(r, moodle_grouping_remove_group(r->e->site, r->now, groupingid, groupid),
                  "group not removed from the grouping");
}

static int g_delete(ts_run *r, int64_t gid)
{
    return answer(r, moodle_group_delete(r->e->site, r->now, gid), "group not deleted");
}

static int gg_delete(ts_run *r, int64_t id)
{
    return answer(r, moodle_grouping_delete(r->e->site, r->now, id), "grouping not deleted");
}

static long g_empty(ts_run *r, int64_t courseid, int64_t *ids, size_t max)
{
    long n = moodle_groups_empty(r->e->site, courseid, ids, max);
    if (n < 0)
        answer(r, -1, "groups not read");
    return n;
}

static long gg_empty(ts_run *r, int64_t courseid, int64_t *ids, size_t max)
{
    long n = moodle_groupings_empty(r->e->site, courseid, ids, max);
    if (n < 0)
        answer(r, -1, "groupings not read");
    return n;
}

static int g_is_member(ts_run *r, int64_t groupid, int64_t userid, const char *component)
{
    int rc = moodle_is_group_member(r->e->site, groupid, userid, component);
    if (rc < 0)
        run_fail_moodle(r, "dberror", "group memberships not read");
    return rc;
}

const ts_groups_api svc_groups = {
    .api = { sizeof(ts_groups_api), TS_GROUPS_API_VERSION, TS_GROUPS_API },
    .group_create = g_create,
    .add_member = g_add,
    .remove_member = g_remove,
    .group_update = g_update,
    .grouping_create = gg_create,
    .grouping_update = gg_update,
    .grouping_add_group = gg_add,
    .grouping_remove_group = gg_remove,
    .group_delete = g_delete,
    .grouping_delete = gg_delete,
    .empty_groups = g_empty,
    .empty_groupings = gg_empty,
    .is_member = g_is_member,
};
