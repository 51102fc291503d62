/* The groupmembers handler (groupmembers.csv, spec 60 §3-4): add, shift and del of
 * memberships owned by tool_sync, then the purge of empty groups and groupings in the
 * courses the file named.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

int members_begin(en_state *s)
{
    s->c_course = column(s->run, "courseid");
    s->c_group = column(s->run, "groupid");
    s->c_user = column(s->run, "userid");
    s->c_cmd = column(s->run, "cmd");
    return 0;
}

/* Remembers a course for the purge, once. */
static void note_course(en_state *s, int64_t courseid)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)courseid);
    void **slot = U->map_slot(s->courses, key);
    if (*slot)
        return;
    *slot = (void *)1;
    s->purge_ids = realloc(s->purge_ids, (s->npurge + 1) * sizeof *s->purge_ids);
    s->purge_ids[s->npurge++] = courseid;
}

static int find_group(en_state *s, int64_t courseid, int64_t *gid)
{
    const char *key = cell(s, s->c_group), *course = cell(s, s->c_course);
    if (!*key) {
        say(s, TS_ERROR, "errornullgroupidentifier", "groupid", "empty group identifier");
        return -1;
    }
    /* Always inside the line's course (the plugin looks across courses by id/idnumber). */
    *gid = R->group(s->run, courseid, s->group_by, key, 0);
    if (*gid == TS_R_ERROR)
        return -1;
    if (*gid <= 0) {
        say(s, TS_ERROR, "errornogroup", "groupid", *gid == TS_R_AMBIGUOUS
            ? "several groups '%s' in %s" : "no group '%s' in %s", key, course);
        return -1;
    }
    return 0;
}

/* shift: the user's tool_sync memberships of the course other than the target go. */
static int shift_out(en_state *s, int64_t courseid, int64_t gid, int64_t uid)
{
    int64_t *ids;
    size_t n;
    if (user_groups(s, courseid, uid, s->component, &ids, &n) != 0)
        return -1;
    int removed = 0;
    for (size_t i = 0; i < n && removed >= 0; i++)
        if (ids[i] != gid) {
            int r = G->remove_member(s->run, ids[i], uid);
            removed = r < 0 ? -1 : removed + r;
        }
    free(ids);
    if (removed > 0)
        say(s, TS_OK, "groupassigndeleted", NULL, "%s: %d group membership%s removed in %s",
            cell(s, s->c_user), removed, removed == 1 ? "" : "s", cell(s, s->c_course));
    return removed < 0 ? -1 : 0;
}

static int apply(en_state *s, int cmd, int64_t courseid, int64_t gid, int64_t uid)
{
    const char *user = cell(s, s->c_user), *group = cell(s, s->c_group);
    int r;
    if (cmd == CMD_DEL) {
        r = is_member(s, gid, uid, s->component);
        if (r > 0)
            r = G->remove_member(s->run, gid, uid);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "removedfromgroup", NULL, r ? "%s removed from group %s"
            : "%s not in group %s (as tool_sync)", user, group);
        return 0;
    }
    r = is_enrolled(s, courseid, uid);
    if (r <= 0) {
        if (r == 0)
            say(s, TS_ERROR, "addedtogroupnotenrolled", "userid", "%s is not enrolled in %s",
                user, cell(s, s->c_course));
        return -1;
    }
    if (cmd == CMD_SHIFT && shift_out(s, courseid, gid, uid) != 0)
        return -1;
    r = G->add_member(s->run, gid, uid, s->component, 0);
    if (r < 0)
        return -1;
    say(s, r ? TS_OK : TS_SKIP, "addedtogroup", NULL, r ? "%s added to group %s"
        : "%s already in group %s", user, group);
    return 0;
}

int members_row(ts_run *run, void *state, ts_row *row)
{
    en_state *s = state;
    s->row = row;
    const char *c = cell(s, s->c_cmd);
    int cmd = !*c || !strcmp(c, "add") ? CMD_ADD : !strcmp(c, "shift") ? CMD_SHIFT
            : !strcmp(c, "del") || !strcmp(c, "delete") ? CMD_DEL : 0;
    if (!cmd) {
        say(s, TS_ERROR, "errorbadcmd", "cmd", "unknown command '%s'", c);
        return TS_ERR;
    }
    int64_t courseid, gid, uid;
    if (find_course(s, s->c_course, &courseid) != 0)
        return TS_ERR;
    note_course(s, courseid);
    if (find_group(s, courseid, &gid) != 0 || find_user(s, s->c_user, &uid) != 0 ||
        apply(s, cmd, courseid, gid, uid) != 0)
        return TS_ERR;
    return TS_DONE;
}

/* Deletes what `list` answers for one course; each deletion reported on the file. */
static int purge_course(en_state *s, int64_t courseid, int groupings)
{
    int64_t ids[256];
    long n = groupings ? G->empty_groupings(s->run, courseid, ids, 256)
                       : G->empty_groups(s->run, courseid, ids, 256);
    if (n < 0)
        return -1;
    for (long i = 0; i < n && i < 256; i++) {
        int r = groupings ? G->grouping_delete(s->run, ids[i]) : G->group_delete(s->run, ids[i]);
        if (r < 0) {
            RT->file_outcome(s->run, TS_WARN, groupings ? "removeemptygrouping"
                             : "removeemptygroup", NULL, "%s %lld of course %lld not deleted",
                             groupings ? "grouping" : "group", (long long)ids[i],
                             (long long)courseid);
            continue;
        }
        if (r > 0)
            RT->file_outcome(s->run, TS_OK, groupings ? "removeemptygrouping"
                             : "removeemptygroup", NULL, "empty %s %lld of course %lld deleted",
                             groupings ? "grouping" : "group", (long long)ids[i],
                             (long long)courseid);
    }
    return 0;
}

/* Spec 60 §4, restricted to the courses the file named (engine rule). */
int members_end(ts_run *run, void *state)
{
    en_state *s = state;
    if (s->purge < 1)
        return TS_DONE;
    for (size_t i = 0; i < s->npurge; i++)
        if (purge_course(s, s->purge_ids[i], 0) != 0 ||
            (s->purge >= 2 && purge_course(s, s->purge_ids[i], 1) != 0))
            return TS_ERR;
    return TS_DONE;
}
