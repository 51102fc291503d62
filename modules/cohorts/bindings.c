/* The binding file's lines: cohort enrol instances added, disabled (del), enabled
 * (restore) or deleted (fulldel) in courses (spec 50 §4, engine rules).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The enrol service writes the instances as the plugin's add_instance(), update_status()
 * and delete_instance() do, so a new binding enrols the cohort's members at once and a
 * deleted one takes its enrolments, roles and group memberships with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cohorts.h"

enum { B_ADD, B_DEL, B_RESTORE, B_FULLDEL };

int bindings_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n)
{
    cstate *s = st;
    if (n == 0)
        return TS_DONE;
    const char **keys = malloc(n * sizeof *keys);
    if (!keys)
        return TS_ERR;
    for (size_t i = 0; i < n; i++)
        keys[i] = given(rows[i], s->b_course);
    int rc = R->course_prefetch(run, s->course_by, keys, n);
    free(keys);
    return rc == 0 ? TS_DONE : TS_ERR;
}

/* The instances of `method` binding the cohort to the course (with that role, or any
 * role when roleid is 0), ids and statuses in order; their number, or -1. */
#define MAX_MATCH 64
static int matching(cstate *s, const char *method, int64_t course, int64_t cohort,
                    int64_t roleid, int64_t *ids, int *status)
{
    ts_stmt *st = SQL->prepare(s->run, "SELECT id, status, roleid FROM {enrol} WHERE "
                                       "enrol = ? AND courseid = ? AND customint1 = ? "
                                       "ORDER BY id");
    if (!st || SQL->exec(st, "sii", method, course, cohort) != 0)
        return -1;
    int n = 0, rc;
    while ((rc = SQL->next(st)) > 0)
        if ((roleid == 0 || SQL->col_int(st, 2) == roleid) && n < MAX_MATCH) {
            ids[n] = SQL->col_int(st, 0);
            status[n++] = (int)SQL->col_int(st, 1);
        }
    return rc < 0 ? -1 : n;
}

/* makegroup 1: a group named after the cohort in the course (created when missing). */
static int64_t cohort_group(cstate *s, ts_row *row, int64_t course, int64_t cohort)
{
    const char *mg = given(row, s->b_makegroup);
    if (!mg || !strcmp(mg, "0"))
        return 0;
    ts_stmt *st = SQL->prepare(s->run, "SELECT name FROM {cohort} WHERE id = ?");
    if (!st || SQL->exec(st, "i", cohort) != 0 || SQL->next(st) <= 0)
        return TS_ERR;
    char *name = strdup(SQL->col_text(st, 0));
    while (SQL->next(st) > 0)
        ;
    int64_t g = R->group(s->run, course, TS_BY_NAME, name, TS_R_CREATE);
    if (g == TS_R_AMBIGUOUS)
        RT->outcome(row, TS_ERROR, "errornogroup", "makegroup",
                    "several groups of the course are named '%s'", name);
    free(name);
    return g > 0 ? g : TS_ERR;
}

static int add(cstate *s, ts_row *row, const char *method, int64_t course, int64_t cohort,
               int64_t roleid, const char *what)
{
    int64_t ids[MAX_MATCH];
    int status[MAX_MATCH];
    int n = matching(s, method, course, cohort, roleid, ids, status);
    if (n < 0)
        return TS_ERR;
    if (n > 0 && status[0] == TS_INSTANCE_ENABLED) {
        RT->outcome(row, TS_SKIP, "cohortbindingadded", NULL, "%s: already bound", what);
        return TS_DONE;
    }
    if (n > 0) {
        if (E->instance_set_status(s->run, ids[0], TS_INSTANCE_ENABLED) < 0)
            return TS_ERR;
        RT->outcome(row, TS_OK, "cohortbindingadded", NULL, "%s: enabled again", what);
        return TS_DONE;
    }
    int64_t group = cohort_group(s, row, course, cohort);
    if (group < 0)
        return TS_ERR;
    ts_enrol_instance ei = { TS_ENROL_INSTANCE_HEADER, .courseid = course, .enrol = method,
                             .status = TS_INSTANCE_ENABLED, .roleid = roleid,
                             .customint1 = cohort, .customint2 = group };
    if (E->instance_add(s->run, &ei) <= 0)
        return TS_ERR;
    RT->outcome(row, TS_OK, "cohortbindingadded", NULL, "%s: bound", what);
    return TS_DONE;
}

/* del, restore, fulldel: every matching instance (every role with `*`). */
static int change(cstate *s, ts_row *row, int cmd, const char *method, int64_t course,
                  int64_t cohort, int64_t roleid, const char *what)
{
    int64_t ids[MAX_MATCH];
    int status[MAX_MATCH];
    int n = matching(s, method, course, cohort, roleid, ids, status);
    if (n < 0)
        return TS_ERR;
    const char *key = cmd == B_DEL ? "cohortbindingdisabled" : cmd == B_RESTORE
                    ? "cohortbindingrestored" : "cohortbindingdeleted";
    if (n == 0)
        RT->outcome(row, TS_SKIP, key, NULL, "%s: no such binding", what);
    for (int i = 0; i < n; i++) {
        int want = cmd == B_DEL ? TS_INSTANCE_DISABLED : TS_INSTANCE_ENABLED;
        int rc = cmd == B_FULLDEL ? E->instance_delete(s->run, ids[i])
               : status[i] == want ? 0 : E->instance_set_status(s->run, ids[i], want);
        if (rc < 0)
            return TS_ERR;
        RT->outcome(row, rc > 0 ? TS_OK : TS_SKIP, key, NULL, "%s: instance %lld %s", what,
                    (long long)ids[i], rc == 0 ? "already so" : cmd == B_DEL ? "disabled"
                    : cmd == B_RESTORE ? "enabled" : "deleted");
    }
    return TS_DONE;
}

static int parse_cmd(ts_row *row, long col)
{
    const char *cmd = given(row, col);
    if (!cmd || !strcmp(cmd, "add"))
        return B_ADD;
    if (!strcmp(cmd, "del"))
        return B_DEL;
    if (!strcmp(cmd, "restore"))
        return B_RESTORE;
    if (!strcmp(cmd, "fulldel"))
        return B_FULLDEL;
    RT->outcome(row, TS_ERROR, "errorbadcmd", "cmd",
                "unknown command '%s' (add, del, restore, fulldel)", cmd);
    return -1;
}

/* The role of the line: its id, 0 for `*` (every role), or TS_ERR (reason recorded). */
static int64_t line_role(cstate *s, ts_row *row, int cmd)
{
    const char *role = given(row, s->b_role);
    if (role && !strcmp(role, "*")) {
        if (cmd != B_ADD)
            return 0;
        RT->outcome(row, TS_ERROR, "cohortbindingbadroleid", "role",
                    "role * (every role) cannot be added: name one role");
        return TS_ERR;
    }
    int64_t id = role ? R->role(s->run, s->role_by, role)
                      : R->role(s->run, TS_BY_SHORTNAME, "student");
    return id > 0 ? id : lookup_failed(row, id, "cohortbindingbadroleid", "role", "role",
                                       role ? role : "student");
}

int bindings_row(ts_run *run, void *st, ts_row *row)
{
    cstate *s = st;
    int cmd = parse_cmd(row, s->cmd);
    if (cmd < 0)
        return TS_ERR;
    int64_t roleid = line_role(s, row, cmd);
    if (roleid < 0)
        return TS_ERR;
    const char *ck = cell(row, s->b_course), *hk = cell(row, s->b_cohort);
    int64_t course = R->course(run, s->course_by, ck);
    if (course <= 0)
        return lookup_failed(row, course, "cohortbindingbadcourseid", "course", "course", ck);
    int64_t cohort = R->cohort(run, s->cohort_by, hk, 0);
    if (cohort <= 0)
        return lookup_failed(row, cohort, "cohortbindingbadcohortid", "cohort", "cohort", hk);
    const char *method = given(row, s->b_enrol);
    if (!method)
        method = "cohort";
    char what[160];
    snprintf(what, sizeof what, "course %lld, cohort %lld, role %s", (long long)course,
             (long long)cohort, roleid ? given(row, s->b_role) ? given(row, s->b_role)
             : "student" : "*");
    return cmd == B_ADD ? add(s, row, method, course, cohort, roleid, what)
                        : change(s, row, cmd, method, course, cohort, roleid, what);
}
