/* The enrols handler (enrols.csv, spec 40): header binding, then per line the command,
 * the account, the course, the dates, the role and the enrol instance, resolved and
 * checked before anything is written; enrolcmd.c applies the command, gcols.c the groups.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

int enrols_begin(en_state *s)
{
    ts_run *run = s->run;
    s->c_cmd = column(run, "cmd");
    s->c_course = column(run, "cid");
    s->c_user = column(run, "uid");
    s->c_role = column(run, "rolename");
    s->c_enrol = column(run, "enrol");
    s->c_start = column(run, "starttime");
    s->c_end = column(run, "endtime");
    if (column(run, "hidden") >= 0)
        RT->file_outcome(run, TS_WARN, "columnignored", "hidden",
                         "hidden role assignments no longer exist in Moodle: ignored");
    return gcols_begin(s);
}

int enrols_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    en_state *s = state;
    return prefetch_keys(s, rows, n, s->c_user, s->c_course);
}

static int parse_cmd(const char *v)
{
    static const struct { const char *name; int cmd; } cmds[] = {
        { "add", CMD_ADD }, { "del", CMD_DEL }, { "delete", CMD_DEL },
        { "shift", CMD_SHIFT }, { "enable", CMD_ENABLE }, { "disable", CMD_DISABLE },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(v, cmds[i].name) == 0)
            return cmds[i].cmd;
    return 0;
}

/* starttime / endtime: timestamps or dates (00 §5.7); an end before the start is
 * refused rather than written as an enrolment that never starts. */
static int dates(en_state *s, enrol_line *l)
{
    const char *sv = cell(s, s->c_start), *ev = cell(s, s->c_end);
    l->has_start = *sv != '\0';
    l->has_end = *ev != '\0';
    l->start = RT->now(s->run);
    l->end = 0;
    if (l->has_start && U->parse_date(sv, &l->start) != 0) {
        say(s, TS_ERROR, "invalidvalue", "starttime", "invalid date '%s'", sv);
        return -1;
    }
    if (l->has_end && U->parse_date(ev, &l->end) != 0) {
        say(s, TS_ERROR, "invalidvalue", "endtime", "invalid date '%s'", ev);
        return -1;
    }
    if (l->has_end && l->end > 0 && l->end < l->start) {
        say(s, TS_ERROR, "errorenddate", "endtime",
            "end date '%s' is before the start date (%s)", ev, l->has_start ? sv : "now");
        return -1;
    }
    return 0;
}

/* Roles assignable in a course context (role_context_levels), remembered per run. */
static int assignable(en_state *s, int64_t roleid)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)roleid);
    void **slot = U->map_slot(s->assignable, key);
    if (*slot)
        return *slot == (void *)1;
    ts_stmt *st = Q(s, "SELECT id FROM {role_context_levels} WHERE roleid = ? "
                       "AND contextlevel = ?");
    if (!st || SQL->exec(st, "ii", roleid, (int64_t)TS_CTX_COURSE) != 0)
        return -1;
    int rc = SQL->next(st);
    while (rc > 0 && SQL->next(st) > 0)
        ;
    if (rc < 0)
        return -1;
    *U->map_slot(s->assignable, key) = rc ? (void *)1 : (void *)2;
    return rc;
}

/* The role of the line.  add and shift need one; del may name none (all roles). */
static int role(en_state *s, enrol_line *l)
{
    l->rolename = cell(s, s->c_role);
    if (l->cmd == CMD_ENABLE || l->cmd == CMD_DISABLE)
        return 0;   /* a status change concerns the enrolment, whatever the role */
    if (!*l->rolename) {
        if (l->cmd == CMD_ADD || l->cmd == CMD_SHIFT) {
            say(s, TS_ERROR, "errornorole", "rolename", "no role given");
            return -1;
        }
        return 0;
    }
    l->roleid = R->role(s->run, TS_BY_SHORTNAME, l->rolename);
    if (l->roleid == TS_R_ERROR)
        return -1;
    if (l->roleid <= 0) {
        say(s, TS_ERROR, "errornorole", "rolename", "unknown role '%s'", l->rolename);
        return -1;
    }
    int a = assignable(s, l->roleid);
    if (a < 0)
        return -1;
    if (!a && (l->cmd == CMD_ADD || l->cmd == CMD_SHIFT)) {
        say(s, TS_ERROR, "errorrolenotassignable", "rolename",
            "role '%s' cannot be assigned in a course", l->rolename);
        return -1;
    }
    return 0;
}

/* The instance of the line's method.  The manual instance is created when the course
 * has none at all (enrol_get_plugin('manual')->add_default_instance()). */
static int instance(en_state *s, enrol_line *l)
{
    if (s->c_enrol < 0)
        return 0;
    l->method = cell(s, s->c_enrol);
    if (!*l->method)
        l->method = "manual";
    l->enrolid = R->enrol_instance(s->run, l->courseid, l->method, s->enableondisabled);
    if (l->enrolid < 0)
        return -1;
    if (l->enrolid > 0 || l->cmd == CMD_DEL)
        return 0;   /* del without an instance: nothing to remove */
    int64_t any = s->enableondisabled ? 0
                : R->enrol_instance(s->run, l->courseid, l->method, 1);
    if (any < 0)
        return -1;
    if (!any && strcmp(l->method, "manual") == 0 && (l->cmd == CMD_ADD || l->cmd == CMD_SHIFT)) {
        ts_enrol_instance in = { TS_ENROL_INSTANCE_HEADER, .courseid = l->courseid,
                                 .enrol = "manual", .status = TS_INSTANCE_ENABLED,
                                 .roleid = R->role(s->run, TS_BY_SHORTNAME, "student") };
        if (in.roleid < 0)
            in.roleid = 0;
        l->enrolid = E->instance_add(s->run, &in);
        if (l->enrolid < 0)
            return -1;
        say(s, TS_OK, "enrolinstancecreated", "enrol", "manual enrolments added to %s",
            l->course);
        return 0;
    }
    if (s->fallback) {
        say(s, TS_WARN, "errornoenrolmethod", "enrol", "no usable '%s' enrolment in %s: "
            "role assignment only", l->method, l->course);
        l->method = NULL;
        return 0;
    }
    if (l->cmd == CMD_ENABLE || l->cmd == CMD_DISABLE) {
        say(s, TS_ERROR, "errornotenrolled", "enrol", "no '%s' enrolment in %s", l->method,
            l->course);
        return -1;
    }
    say(s, TS_ERROR, "errornoenrolmethod", "enrol", any
        ? "the '%s' enrolment of %s is disabled (enrolments.enableenrolondisabled is off)"
        : "no '%s' enrolment in %s", l->method, l->course);
    return -1;
}

static int resolve_line(en_state *s, enrol_line *l)
{
    const char *c = s->c_cmd >= 0 ? cell(s, s->c_cmd) : "";
    l->cmd = parse_cmd(*c ? c : s->defaultcmd);
    if (!l->cmd) {
        say(s, TS_ERROR, "errorbadcmd", "cmd", "unknown command '%s'", *c ? c : s->defaultcmd);
        return -1;
    }
    l->user = cell(s, s->c_user);
    l->course = cell(s, s->c_course);
    if (find_user(s, s->c_user, &l->userid) != 0 ||
        find_course(s, s->c_course, &l->courseid) != 0)
        return -1;
    if (dates(s, l) != 0 || role(s, l) != 0 || instance(s, l) != 0)
        return -1;
    l->coursectx = M->context_id(s->run, TS_CTX_COURSE, l->courseid);
    if (l->coursectx <= 0) {
        if (l->coursectx == 0)
            say(s, TS_ERROR, "errornocourse", "cid", "course %s has no context", l->course);
        return -1;
    }
    return 0;
}

int enrols_row(ts_run *run, void *state, ts_row *row)
{
    en_state *s = state;
    s->row = row;
    enrol_line l = { 0 };
    if (resolve_line(s, &l) != 0)
        return TS_ERR;
    int rc;
    switch (l.cmd) {
    case CMD_ADD: rc = cmd_add(s, &l); break;
    case CMD_DEL: rc = cmd_del(s, &l); break;
    case CMD_SHIFT: rc = cmd_shift(s, &l); break;
    default: rc = cmd_status(s, &l); break;
    }
    if (rc == 0)
        rc = gcols_apply(s, &l);
    return rc == 0 && RT->row_status(row) != TS_ERROR ? TS_DONE : TS_ERR;
}
