/* The groups handler (groups.csv, spec 60 §2): groups and groupings created, or updated
 * when the header has updateid; a group put into its self-grouping and into the
 * grouping the line names.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

int groups_begin(en_state *s)
{
    ts_run *run = s->run;
    s->c_course = column(run, "courseid");
    s->c_name = column(run, "name");
    s->c_type = column(run, "type");
    s->c_idnumber = column(run, "idnumber");
    s->c_description = column(run, "description");
    s->c_updateid = column(run, "updateid");
    s->c_selfgrouping = column(run, "selfgrouping");
    s->c_grouping = column(run, "grouping");
    s->c_visibility = column(run, "visibility");
    s->c_participation = column(run, "participation");
    if (s->c_visibility >= 0 || s->c_participation >= 0) {
        int has = M->column_exists(run, "groups", "visibility");
        if (has <= 0) {
            if (has == 0)
                RT->file_outcome(run, TS_ERROR, "errorinvalidcolumnname",
                                 s->c_visibility >= 0 ? "visibility" : "participation",
                                 "group visibility and participation need Moodle 4.2");
            return -1;
        }
    }
    if (s->c_updateid >= 0)
        RT->file_outcome(run, TS_OK, "updatemode", "updateid",
                         "With explicit group or grouping id for Updates.");
    return 0;
}

/* A cell that is absent stays NULL (update: unchanged). */
static const char *opt(en_state *s, long col) { return col >= 0 ? cell(s, col) : NULL; }

/* visibility 0..3 and participation 0/1 of the line (-1 / DEFAULT when not given). */
static int vis_part(en_state *s, ts_group *g)
{
    const char *v = opt(s, s->c_visibility), *p = opt(s, s->c_participation);
    int64_t n;
    g->visibility = -1;
    g->participation = TS_GROUP_PARTICIPATION_DEFAULT;
    if (v && *v) {
        if (U->parse_int(v, &n) != 0 || n < 0 || n > 3) {
            say(s, TS_ERROR, "invalidvalue", "visibility", "visibility is 0 to 3, not '%s'", v);
            return -1;
        }
        g->visibility = (int)n;
    }
    if (p && *p) {
        int b;
        if (U->parse_bool(p, &b) != 0) {
            say(s, TS_ERROR, "invalidvalue", "participation", "not a boolean: '%s'", p);
            return -1;
        }
        g->participation = b ? TS_GROUP_PARTICIPATION_YES : TS_GROUP_PARTICIPATION_NO;
    }
    return 0;
}

/* Puts the group into a grouping (one outcome). */
static int bind(en_state *s, int64_t groupingid, int64_t gid, const char *gname,
                const char *grouping)
{
    int r = G->grouping_add_group(s->run, groupingid, gid);
    if (r < 0)
        return -1;
    say(s, r ? TS_OK : TS_SKIP, "groupingbound", NULL, r ? "group %s put into grouping %s"
        : "group %s already in grouping %s", gname, grouping);
    return 0;
}

/* selfgrouping and grouping columns of a group line (§2.4). */
static int groupings_of(en_state *s, int64_t courseid, int64_t gid, const char *name,
                        const char *idnumber)
{
    const char *self = cell(s, s->c_selfgrouping), *gi = cell(s, s->c_grouping);
    if (*self && strcmp(self, "0") != 0) {
        int64_t id = R->grouping(s->run, courseid, TS_BY_NAME, name, 0);
        if (id < 0)
            return -1;
        if (id == 0) {
            ts_grouping g = { TS_GROUPING_HEADER, .courseid = courseid, .name = name,
                              .idnumber = idnumber, .description = opt(s, s->c_description) };
            if ((id = G->grouping_create(s->run, &g)) < 0)
                return -1;
            say(s, TS_OK, "groupingcreated", "selfgrouping", "self-grouping %s created", name);
        }
        if (bind(s, id, gid, name, name) != 0)
            return -1;
    }
    if (*gi) {
        int64_t id = R->grouping(s->run, courseid, TS_BY_IDNUMBER, gi, 0);
        if (id < 0)
            return -1;
        if (id == 0) {
            say(s, TS_ERROR, "errornogrouping", "grouping", "no grouping with idnumber '%s' in %s",
                gi, cell(s, s->c_course));
            return -1;
        }
        if (bind(s, id, gid, name, gi) != 0)
            return -1;
    }
    return 0;
}

/* A group line: found (by updateid in update mode, else by idnumber or name), updated
 * in update mode, or created.  *gid receives it. */
static int group_line(en_state *s, int64_t courseid, int64_t *gid)
{
    ts_group g = { TS_GROUP_HEADER, .courseid = courseid, .name = cell(s, s->c_name),
                   .idnumber = opt(s, s->c_idnumber), .description = opt(s, s->c_description) };
    if (vis_part(s, &g) != 0)
        return -1;
    const char *upd = opt(s, s->c_updateid);
    if (upd && *upd) {
        /* Never erase the identifier the lookup used. */
        if (s->group_by == TS_BY_IDNUMBER && (!g.idnumber || !*g.idnumber))
            g.idnumber = s->c_idnumber >= 0 ? NULL : upd;
        *gid = R->group(s->run, courseid, s->group_by, upd, 0);
    } else {
        *gid = g.idnumber && *g.idnumber
             ? R->group(s->run, courseid, TS_BY_IDNUMBER, g.idnumber, 0)
             : R->group(s->run, courseid, TS_BY_NAME, g.name, 0);
    }
    if (*gid == TS_R_ERROR)
        return -1;
    if (*gid == TS_R_AMBIGUOUS) {
        say(s, TS_ERROR, "ambiguous", "name", "several groups match in %s", cell(s, s->c_course));
        return -1;
    }
    if (*gid > 0 && upd && *upd) {
        if (s->group_by == TS_BY_IDNUMBER && g.idnumber && !*g.idnumber)
            g.idnumber = NULL;
        int r = G->group_update(s->run, *gid, &g);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "groupupdated", NULL, r ? "group %s updated in %s"
            : "group %s unchanged in %s", g.name, cell(s, s->c_course));
        return 0;
    }
    if (*gid > 0) {
        say(s, TS_SKIP, "groupexists", NULL, "group %s exists in %s", g.name,
            cell(s, s->c_course));
        return 0;
    }
    if (!g.idnumber && upd && s->group_by == TS_BY_IDNUMBER)
        g.idnumber = upd;
    if (g.visibility < 0)
        g.visibility = 0;
    if ((*gid = G->group_create(s->run, &g)) < 0)
        return -1;
    say(s, TS_OK, "groupcreated", NULL, "group %s created in %s", g.name, cell(s, s->c_course));
    return 0;
}

static int grouping_line(en_state *s, int64_t courseid)
{
    ts_grouping g = { TS_GROUPING_HEADER, .courseid = courseid, .name = cell(s, s->c_name),
                      .idnumber = opt(s, s->c_idnumber),
                      .description = opt(s, s->c_description) };
    const char *upd = opt(s, s->c_updateid), *course = cell(s, s->c_course);
    int64_t id;
    if (upd && *upd)
        id = R->grouping(s->run, courseid, s->grouping_by, upd, 0);
    else
        id = g.idnumber && *g.idnumber ? R->grouping(s->run, courseid, TS_BY_IDNUMBER,
                                                     g.idnumber, 0)
           : R->grouping(s->run, courseid, TS_BY_NAME, g.name, 0);
    if (id < 0)
        return -1;
    if (id > 0 && upd && *upd) {
        /* Spec 60 §2.3: the identifier used for the lookup is never changed. */
        if (s->grouping_by == TS_BY_NAME)
            g.name = NULL;
        if (s->grouping_by == TS_BY_IDNUMBER || (g.idnumber && !*g.idnumber))
            g.idnumber = NULL;
        int r = G->grouping_update(s->run, id, &g);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "groupingupdated", NULL, r ? "grouping %s updated in %s"
            : "grouping %s unchanged in %s", upd, course);
        return 0;
    }
    if (id > 0) {
        say(s, TS_SKIP, "groupingexists", NULL, "grouping %s exists in %s", g.name, course);
        return 0;
    }
    if (!g.idnumber && upd && s->grouping_by == TS_BY_IDNUMBER)
        g.idnumber = upd;
    if (G->grouping_create(s->run, &g) < 0)
        return -1;
    say(s, TS_OK, "groupingcreated", NULL, "grouping %s created in %s", g.name, course);
    if (!g.idnumber || !*g.idnumber)
        say(s, TS_WARN, "groupingnoidnumber", "idnumber", "grouping %s has no idnumber: later "
            "lines cannot name it in their grouping column", g.name);
    return 0;
}

int groups_row(ts_run *run, void *state, ts_row *row)
{
    en_state *s = state;
    s->row = row;
    const char *type = cell(s, s->c_type);
    int grouping = !strcmp(type, "grouping");
    if (*type && !grouping && strcmp(type, "group") != 0) {
        say(s, TS_ERROR, "invalidvalue", "type", "type is group or grouping, not '%s'", type);
        return TS_ERR;
    }
    int64_t courseid, gid;
    if (find_course(s, s->c_course, &courseid) != 0)
        return TS_ERR;
    if (!*cell(s, s->c_name)) {
        say(s, TS_ERROR, "invalidvalue", "name", "empty name");
        return TS_ERR;
    }
    if (grouping)
        return grouping_line(s, courseid) == 0 ? TS_DONE : TS_ERR;
    if (group_line(s, courseid, &gid) != 0)
        return TS_ERR;
    const char *idn = cell(s, s->c_idnumber);
    return groupings_of(s, courseid, gid, cell(s, s->c_name), idn) == 0 ? TS_DONE : TS_ERR;
}
