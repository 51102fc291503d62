/* The group columns of enrols.csv (spec 40 §5): gcmd (gadd, gaddcreate, greplace,
 * greplacecreate, gdel) on the groups named g1..g9 in the line's course.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engine rules: an unknown group, a group not created, an unknown gcmd and a member who
 * is not enrolled fail the whole line (undone, tryback); greplace removes only the
 * memberships that are not among the line's groups, so that a re-run writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

int gcols_begin(en_state *s)
{
    s->c_gcmd = column(s->run, "gcmd");
    for (int i = 0; i < NGCOLS; i++) {
        char name[8];
        snprintf(name, sizeof name, "g%d", i + 1);
        s->c_g[i] = column(s->run, name);
    }
    return 0;
}

static int parse_gcmd(const char *v)
{
    static const char *const names[] = { "gadd", "gaddcreate", "greplace", "greplacecreate",
                                         "gdel" };
    for (int i = 0; i < 5; i++)
        if (strcmp(v, names[i]) == 0)
            return GCMD_ADD + i;
    return -1;
}

/* The group named in column i: its id, 0 missing (created when asked), -1 failed. */
static int64_t group_of(en_state *s, const enrol_line *l, int i, int create)
{
    const char *name = cell(s, s->c_g[i]);
    const char *col = RT->column_name(s->run, (size_t)s->c_g[i]);
    int64_t gid = R->group(s->run, l->courseid, TS_BY_NAME, name, 0);
    if (gid == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "groupunknown", col, "several groups '%s' in %s", name, l->course);
        return -1;
    }
    if (gid != 0 || !create)
        return gid;
    ts_group g = { TS_GROUP_HEADER, .courseid = l->courseid, .name = name };
    gid = G->group_create(s->run, &g);
    if (gid <= 0) {
        say(s, TS_ERROR, "errorgroupnotacreated", col, "group '%s' not created in %s", name,
            l->course);
        return -1;
    }
    say(s, TS_OK, "groupcreated", col, "group %s created in %s", name, l->course);
    return gid;
}

static int gdel(en_state *s, const enrol_line *l, int i, int64_t gid)
{
    const char *name = cell(s, s->c_g[i]);
    const char *col = RT->column_name(s->run, (size_t)s->c_g[i]);
    if (gid == 0) {
        say(s, TS_WARN, "removedfromgroupnot", col, "no group '%s' in %s", name, l->course);
        return 0;
    }
    int r = is_member(s, gid, l->userid, s->protectgroups ? s->component : NULL);
    if (r > 0)
        r = G->remove_member(s->run, gid, l->userid);
    if (r < 0)
        return -1;
    say(s, r ? TS_OK : TS_SKIP, "removedfromgroup", col, r ? "%s removed from group %s"
        : "%s not in group %s", l->user, name);
    return 0;
}

/* greplace: the user's memberships of the course (the tool's own when groups are
 * protected) that are not among `keep` go. */
static int replace(en_state *s, const enrol_line *l, const int64_t *keep, size_t nkeep)
{
    int64_t *ids;
    size_t n;
    if (user_groups(s, l->courseid, l->userid, s->protectgroups ? s->component : NULL,
                    &ids, &n) != 0)
        return -1;
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < nkeep && keep[k] != ids[i])
            k++;
        if (k < nkeep)
            continue;
        int r = G->remove_member(s->run, ids[i], l->userid);
        if (r < 0) {
            free(ids);
            return -1;
        }
        removed += r;
    }
    free(ids);
    if (removed)
        say(s, TS_OK, "groupassigndeleted", "gcmd", "%s: %d group membership%s removed in %s",
            l->user, removed, removed == 1 ? "" : "s", l->course);
    return 0;
}

static int add(en_state *s, const enrol_line *l, int i, int64_t gid)
{
    const char *col = RT->column_name(s->run, (size_t)s->c_g[i]);
    int r = G->add_member(s->run, gid, l->userid, s->component, 0);
    if (r < 0)
        return -1;
    say(s, r ? TS_OK : TS_SKIP, "addedtogroup", col, r ? "%s added to group %s"
        : "%s already in group %s", l->user, cell(s, s->c_g[i]));
    return 0;
}

int gcols_apply(en_state *s, const enrol_line *l)
{
    const char *v = cell(s, s->c_gcmd);
    if (!*v)
        return 0;
    int gcmd = parse_gcmd(v);
    if (gcmd < 0) {
        say(s, TS_ERROR, "errorgcmdvalue", "gcmd", "unknown group command '%s'", v);
        return -1;
    }
    int create = gcmd == GCMD_ADDCREATE || gcmd == GCMD_REPLACECREATE;
    int64_t gids[NGCOLS];
    size_t n = 0;
    int idx[NGCOLS];
    for (int i = 0; i < NGCOLS; i++) {
        if (s->c_g[i] < 0 || !*cell(s, s->c_g[i]))
            continue;
        int64_t gid = group_of(s, l, i, create);
        if (gid < 0)
            return -1;
        if (gcmd == GCMD_DEL) {
            if (gdel(s, l, i, gid) != 0)
                return -1;
            continue;
        }
        if (gid == 0) {
            say(s, TS_ERROR, "groupunknown", RT->column_name(s->run, (size_t)s->c_g[i]),
                "no group '%s' in %s", cell(s, s->c_g[i]), l->course);
            return -1;
        }
        idx[n] = i;
        gids[n++] = gid;
    }
    if (gcmd == GCMD_DEL)
        return 0;
    /* A line that has just enrolled the user needs no query to know it. */
    int r = l->method && (l->cmd == CMD_ADD || l->cmd == CMD_SHIFT) ? 1
          : is_enrolled(s, l->courseid, l->userid);
    if (r <= 0) {
        if (r == 0)
            say(s, TS_ERROR, "addedtogroupnotenrolled", "gcmd", "%s is not enrolled in %s",
                l->user, l->course);
        return -1;
    }
    if ((gcmd == GCMD_REPLACE || gcmd == GCMD_REPLACECREATE) && replace(s, l, gids, n) != 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (add(s, l, idx[k], gids[k]) != 0)
            return -1;
    return 0;
}
