/* The commands of enrols.csv (spec 40 §4): add, del, shift, enable, disable, each
 * through the core's enrolment writers; a command whose target state already holds
 * writes nothing and reports SKIP, so that re-running a file changes nothing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

/* The user's enrolment in an instance: 1 found, 0 none, -1 error (the core answers
 * from its memory of the course: no round trip per line). */
static int current_ue(en_state *s, int64_t enrolid, int64_t userid, int64_t *start,
                      int64_t *end)
{
    return E->enrolment(s->run, enrolid, userid, NULL, start, end);
}

/* Writes an enrolment with `status`; times not given on the line stay as they are, so
 * that an empty starttime does not move an existing enrolment on every run. */
static int write_ue(en_state *s, const enrol_line *l, int64_t roleid, int status)
{
    int64_t start = l->start, end = l->end, cs, ce;
    int found = current_ue(s, l->enrolid, l->userid, &cs, &ce);
    if (found < 0)
        return -1;
    if (found) {
        if (!l->has_start)
            start = cs;
        if (!l->has_end)
            end = ce;
    }
    ts_enrolment e = { TS_ENROLMENT_HEADER, .enrolid = l->enrolid, .userid = l->userid,
                       .roleid = roleid, .timestart = start, .timeend = end,
                       .status = status };
    return E->enrol_user(s->run, &e);
}

/* Who owns the roles an instance gives: its plugin ("enrol_<method>", itemid = the
 * instance) when the user holds such a role, else manual ('' and 0), as enrol_user()
 * writes them for plugins whose roles are not protected. */
static void owner(en_state *s, const enrol_line *l, char *comp, size_t len, int64_t *item)
{
    snprintf(comp, len, "enrol_%s", l->method);
    *item = l->enrolid;
    int rc = E->course_roles(s->run, l->courseid, l->userid, 0, comp, l->enrolid);
    if (rc <= 0) {
        comp[0] = '\0';
        *item = 0;
    }
}

/* Removes the user's course roles owned by (comp, item): only `only` when > 0, every
 * one but `keep`.  The number removed, or -1. */
static int remove_roles(en_state *s, const enrol_line *l, const char *comp, int64_t item,
                        int64_t only, int64_t keep)
{
    ts_stmt *st = Q(s, "SELECT DISTINCT roleid FROM {role_assignments} WHERE userid = ? "
                       "AND contextid = ? AND component = ? AND itemid = ?");
    int64_t *roles;
    size_t n;
    if (!st || SQL->exec(st, "iisi", l->userid, l->coursectx, comp, item) != 0 ||
        read_ids(st, &roles, &n) != 0)
        return -1;
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        if ((only > 0 && roles[i] != only) || roles[i] == keep)
            continue;
        ts_role_assignment a = { TS_ROLE_ASSIGNMENT_HEADER, .roleid = roles[i],
                                 .contextid = l->coursectx, .userid = l->userid,
                                 .component = comp, .itemid = item };
        int r = E->role_unassign(s->run, &a);
        if (r < 0) {
            free(roles);
            return -1;
        }
        removed += r;
    }
    free(roles);
    return removed;
}

static int assign(en_state *s, const enrol_line *l)
{
    ts_role_assignment a = { TS_ROLE_ASSIGNMENT_HEADER, .roleid = l->roleid,
                             .contextid = l->coursectx, .userid = l->userid,
                             .component = "" };
    return E->role_assign(s->run, &a);
}

int cmd_add(en_state *s, const enrol_line *l)
{
    int r;
    if (l->method) {
        r = write_ue(s, l, l->roleid, TS_ENROLMENT_ACTIVE);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "enrolled", NULL, r ? "%s enrolled in %s (%s) as %s"
            : "%s already enrolled in %s (%s) as %s", l->user, l->course, l->method,
            l->rolename);
        return 0;
    }
    r = assign(s, l);
    if (r < 0)
        return -1;
    say(s, r ? TS_OK : TS_SKIP, r ? "assign" : "alreadyassigned", NULL,
        r ? "%s == %s ==> %s" : "%s already %s in %s", l->user, l->rolename, l->course);
    return 0;
}

/* del with an instance, as enrolments.delmode says. */
static int del_enrolment(en_state *s, const enrol_line *l)
{
    int64_t cs, ce;
    int r = l->enrolid ? current_ue(s, l->enrolid, l->userid, &cs, &ce) : 0;
    if (r <= 0) {
        if (r == 0)
            say(s, TS_SKIP, "unenrolled", NULL, "%s not enrolled in %s (%s)", l->user,
                l->course, l->method);
        return r;
    }
    if (s->delmode == DEL_UNENROL) {
        r = E->unenrol_user(s->run, l->enrolid, l->userid);
        if (r < 0)
            return -1;
        say(s, r ? TS_OK : TS_SKIP, "unenrolled", NULL, "%s unenrolled from %s (%s)",
            l->user, l->course, l->method);
        return 0;
    }
    int wrote = 0;
    if (s->delmode != DEL_ROLE) {
        enrol_line keep = *l;
        keep.has_start = keep.has_end = 0;
        if ((r = write_ue(s, &keep, 0, TS_ENROLMENT_SUSPENDED)) < 0)
            return -1;
        wrote += r;
    }
    if (s->delmode != DEL_SUSPEND) {
        char comp[40];
        int64_t item;
        owner(s, l, comp, sizeof comp, &item);
        if ((r = remove_roles(s, l, comp, item, l->roleid, 0)) < 0)
            return -1;
        wrote += r;
    }
    say(s, wrote ? TS_OK : TS_SKIP, s->delmode == DEL_ROLE ? "unassign" : "enrolsuspended",
        NULL, s->delmode == DEL_ROLE ? "%s: role%s%s removed in %s" : "%s: enrolment%s%s in "
        "%s suspended", l->user, *l->rolename ? " " : "", l->rolename, l->course);
    return 0;
}

int cmd_del(en_state *s, const enrol_line *l)
{
    if (l->method)
        return del_enrolment(s, l);
    int r = remove_roles(s, l, "", 0, l->roleid, 0);
    if (r < 0)
        return -1;
    if (l->roleid > 0)
        say(s, r ? TS_OK : TS_SKIP, "unassign", NULL, r ? "%s no longer %s in %s"
            : "%s was not %s in %s", l->user, l->rolename, l->course);
    else
        say(s, r ? TS_OK : TS_SKIP, "unassignall", NULL, "%s: %d role%s removed in %s",
            l->user, r, r == 1 ? "" : "s", l->course);
    return 0;
}

/* shift: the new role, and no other from the same owner (spec 40 §4.3).  Enrolling
 * first tells who owns the instance's roles; nothing is unenrolled, so that the user's
 * groups and grades in the course stay. */
int cmd_shift(en_state *s, const enrol_line *l)
{
    char comp[40] = "";
    int64_t item = 0;
    int r, wrote;
    if (l->method) {
        wrote = write_ue(s, l, l->roleid, TS_ENROLMENT_ACTIVE);
        if (wrote < 0)
            return -1;
        owner(s, l, comp, sizeof comp, &item);
    } else {
        wrote = assign(s, l);
        if (wrote < 0)
            return -1;
    }
    r = remove_roles(s, l, comp, item, 0, l->roleid);
    if (r < 0)
        return -1;
    say(s, wrote || r ? TS_OK : TS_SKIP, "shifted", NULL, wrote || r
        ? "%s now %s only in %s" : "%s already %s only in %s", l->user, l->rolename, l->course);
    return 0;
}

/* enable / disable: one enrolment (with an instance) or all of the user's in the course. */
int cmd_status(en_state *s, const enrol_line *l)
{
    int status = l->cmd == CMD_ENABLE ? TS_ENROLMENT_ACTIVE : TS_ENROLMENT_SUSPENDED;
    const char *word = status == TS_ENROLMENT_ACTIVE ? "enabled" : "disabled";
    int64_t *ids = NULL;
    size_t n = 0;
    if (l->method) {
        ids = malloc(sizeof *ids);
        ids[n++] = l->enrolid;
    } else {
        ts_stmt *st = Q(s, "SELECT ue.enrolid FROM {user_enrolments} ue JOIN {enrol} e "
                           "ON e.id = ue.enrolid WHERE e.courseid = ? AND ue.userid = ? "
                           "ORDER BY e.sortorder, e.id");
        if (!st || SQL->exec(st, "ii", l->courseid, l->userid) != 0 ||
            read_ids(st, &ids, &n) != 0)
            return -1;
    }
    int wrote = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t cs, ce;
        int r = current_ue(s, ids[i], l->userid, &cs, &ce);
        if (r > 0) {
            enrol_line one = *l;
            one.enrolid = ids[i];
            found++;
            r = write_ue(s, &one, 0, status);
        }
        if (r < 0) {
            free(ids);
            return -1;
        }
        wrote += r > 0;
    }
    free(ids);
    if (!found) {
        say(s, TS_ERROR, "errornotenrolled", NULL, "%s is not enrolled in %s%s%s", l->user,
            l->course, l->method ? " by " : "", l->method ? l->method : "");
        return -1;
    }
    say(s, wrote ? TS_OK : TS_SKIP, l->method ? "enrolupdated" : "allenrolupdated", NULL,
        "%s: %s%s in %s", l->user, wrote ? "" : "already ", word, l->course);
    return 0;
}
