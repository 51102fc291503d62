/* The cohorts module: descriptor, options, columns and the two handlers' file steps.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handlers (spec 50): cohorts (cohorts.csv: cohorts and their members) and
 * cohorts-courses (cohortscourses.csv: cohort enrol instances in courses).  They share
 * the reservation "cohorts", as tool_sync's cohort task runs both modes in sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cohorts.h"

const ts_runtime *RT;
const ts_sql_api *SQL;
const ts_moodle_api *M;
const ts_resolve_api *R;
const ts_enrol_api *E;
const ts_cohorts_api *C;

static const char *const USERIDS[] = { "id", "idnumber", "username", "email", NULL };
static const char *const COHORTIDS[] = { "id", "idnumber", "name", NULL };
static const char *const COURSEIDS[] = { "id", "idnumber", "shortname", NULL };
static const char *const ROLEIDS[] = { "id", "shortname", NULL };

static const ts_option OPTIONS[] = {
    { "filelocation", TS_OPT_STRING, NULL, NULL, "cohort file (empty: cohorts.csv)" },
    { "coursebindingfilelocation", TS_OPT_STRING, NULL, NULL,
      "cohort-to-course binding file (empty: cohortscourses.csv)" },
    { "useridentifier", TS_OPT_CHOICE, "idnumber", USERIDS,
      "meaning of the userid column: id, idnumber, username or email" },
    { "cohortidentifier", TS_OPT_CHOICE, "idnumber", COHORTIDS,
      "cohort identifier: id, idnumber or name (the cohort file's column cid, cidnumber "
      "or cname; the binding file's cohort column)" },
    { "courseidentifier", TS_OPT_CHOICE, "idnumber", COURSEIDS,
      "meaning of the binding file's course column: id, idnumber or shortname" },
    { "roleidentifier", TS_OPT_CHOICE, "shortname", ROLEIDS,
      "meaning of the binding file's role column: id or shortname" },
    { "autocreate", TS_OPT_BOOL, "true", NULL, "add: create a missing cohort" },
    { "syncdelete", TS_OPT_BOOL, "false", NULL,
      "after the cohort file: delete the cohorts its lines touched that are left empty "
      "(never a component's), with their cohort enrol instances" },
    { NULL, 0, NULL, NULL, NULL }
};

const ts_column COHORTS_COLUMNS[] = {
    { "cmd", TS_COL_OPTIONAL, "add (default), del or free" },
    { "cid", TS_COL_OPTIONAL, "cohort id (the identifier when cohortidentifier = id)" },
    { "cidnumber", TS_COL_OPTIONAL, "cohort idnumber (identifier, or new idnumber)" },
    { "cname", TS_COL_OPTIONAL, "cohort name (identifier, or new name)" },
    { "userid", TS_COL_OPTIONAL, "the member, per useridentifier" },
    { "cdescription", TS_COL_OPTIONAL, "description (an empty value keeps it)" },
    { "ccatcontext", TS_COL_OPTIONAL, "id of the category holding the cohort (0: system)" },
    { "ccatcontextidnumber", TS_COL_OPTIONAL, "idnumber of the category holding it" },
    { "component", TS_COL_OPTIONAL, "component owning a new cohort" },
    { NULL, 0, NULL },
};

const ts_column BINDINGS_COLUMNS[] = {
    { "cohort", TS_COL_REQUIRED, "the cohort, per cohortidentifier" },
    { "course", TS_COL_REQUIRED, "the course, per courseidentifier" },
    { "cmd", TS_COL_OPTIONAL, "add (default), del (disable), restore (enable), fulldel" },
    { "role", TS_COL_OPTIONAL, "role per roleidentifier (empty: student; *: every role)" },
    { "enrol", TS_COL_OPTIONAL, "enrol plugin (empty: cohort)" },
    { "enrolstart", TS_COL_OPTIONAL, "accepted; the cohort plugin has no enrolment window" },
    { "enrolend", TS_COL_OPTIONAL, "accepted; the cohort plugin has no enrolment window" },
    { "makegroup", TS_COL_OPTIONAL, "1: members also join a group named after the cohort" },
    { NULL, 0, NULL },
};

/* --- helpers shared by the handlers --------------------------------------------------- */

const char *cell(ts_row *row, long col)
{
    return col < 0 ? NULL : RT->value_at(row, (size_t)col);
}

const char *given(ts_row *row, long col)
{
    const char *v = cell(row, col);
    return v && *v ? v : NULL;
}

const char *by_name(ts_by by)
{
    switch (by) {
    case TS_BY_ID: return "id";
    case TS_BY_IDNUMBER: return "idnumber";
    case TS_BY_USERNAME: return "username";
    case TS_BY_EMAIL: return "email";
    case TS_BY_SHORTNAME: return "shortname";
    case TS_BY_NAME: return "name";
    default: return "key";
    }
}

int lookup_failed(ts_row *row, int64_t rc, const char *key, const char *column,
                  const char *what, const char *value)
{
    if (rc == TS_R_AMBIGUOUS)
        RT->outcome(row, TS_ERROR, key, column, "several %ss match '%s'", what, value);
    else if (rc == TS_R_NOTFOUND)
        RT->outcome(row, TS_ERROR, key, column, "no %s '%s'", what, value);
    return TS_ERR;
}

static ts_by choice_by(ts_run *run, const char *option)
{
    const char *v = RT->conf_str(run, option);
    return !strcmp(v, "id") ? TS_BY_ID : !strcmp(v, "username") ? TS_BY_USERNAME
         : !strcmp(v, "email") ? TS_BY_EMAIL : !strcmp(v, "name") ? TS_BY_NAME
         : !strcmp(v, "shortname") ? TS_BY_SHORTNAME : TS_BY_IDNUMBER;
}

/* --- file level ------------------------------------------------------------------------- */

static void free_state(void *state)
{
    cstate *s = state;
    if (s)
        free(s->touched);
    free(s);
}

static int begin(ts_run *run, void **state, int kind)
{
    cstate *s = calloc(1, sizeof *s);
    if (!s)
        return TS_ERR;
    s->run = run;
    s->kind = kind;
    s->cohort_by = choice_by(run, "cohortidentifier");
    s->user_by = choice_by(run, "useridentifier");
    s->course_by = choice_by(run, "courseidentifier");
    s->role_by = choice_by(run, "roleidentifier");
    s->autocreate = RT->conf_bool(run, "autocreate");
    s->syncdelete = kind == HK_COHORTS && RT->conf_bool(run, "syncdelete");
    /* Members are only found, never read: the core may keep them for the run. */
    if (R->user_read_columns(run, NULL, 0) != 0) {
        free(s);
        return TS_ERR;
    }
#define COL(f, name) s->f = RT->column_index(run, name)
    COL(cmd, "cmd"); COL(cid, "cid"); COL(cidnumber, "cidnumber"); COL(cname, "cname");
    COL(userid, "userid"); COL(cdescription, "cdescription"); COL(ccatcontext, "ccatcontext");
    COL(ccatcontextidnumber, "ccatcontextidnumber"); COL(component, "component");
    COL(b_cohort, "cohort"); COL(b_course, "course"); COL(b_role, "role");
    COL(b_enrol, "enrol"); COL(b_makegroup, "makegroup");
#undef COL
    if (kind == HK_COHORTS) {
        /* The identifier column is "c" + the setting (spec 50 §2). */
        s->primary_name = s->cohort_by == TS_BY_ID ? "cid"
                        : s->cohort_by == TS_BY_NAME ? "cname" : "cidnumber";
        s->primary = RT->column_index(run, s->primary_name);
        if (s->primary < 0) {
            RT->file_outcome(run, TS_ERROR, "cohortprimaryidentifiermissing", s->primary_name,
                             "cohorts.cohortidentifier = %s needs the column %s",
                             by_name(s->cohort_by), s->primary_name);
            free(s);
            return TS_ERR;
        }
    }
    *state = s;
    return TS_DONE;
}

static int begin_cohorts(ts_run *run, void **state) { return begin(run, state, HK_COHORTS); }
static int begin_bindings(ts_run *run, void **state) { return begin(run, state, HK_BINDINGS); }

/* What the handlers learn lives in the core's resolver, which forgets failed rows by
 * itself; the cohort file's rollback only drops what syncdelete recorded of the line
 * undone, and its end_file deletes the cohorts the file emptied (both no-ops when
 * cohorts.syncdelete is off). */
static const ts_handler HANDLERS[] = {
    { TS_HANDLER_HEADER, .name = "cohorts", .default_file = "cohorts.csv",
      .summary = "cohorts and their members (tool_sync cohort sync)",
      .location_option = "filelocation", .lock_name = "cohorts", .columns = COHORTS_COLUMNS,
      .begin_file = begin_cohorts, .prefetch = members_prefetch, .row = members_row,
      .rollback = touch_rollback, .end_file = syncdelete_end, .free_state = free_state },
    { TS_HANDLER_HEADER, .name = "cohorts-courses", .default_file = "cohortscourses.csv",
      .summary = "cohort enrol instances in courses (tool_sync cohort bindings)",
      .location_option = "coursebindingfilelocation", .lock_name = "cohorts",
      .columns = BINDINGS_COLUMNS, .begin_file = begin_bindings,
      .prefetch = bindings_prefetch, .row = bindings_row, .free_state = free_state },
};

static int init(const ts_runtime *rt)
{
    RT = rt;
    SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
    R = rt->get_api(TS_RESOLVE_API, 2);          /* 2: user_read_columns */
    E = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
    C = rt->get_api(TS_COHORTS_API, TS_COHORTS_API_VERSION);
    if (!SQL || !M || !R || !E || !C) {
        rt->log(TS_LOG_ERROR, "cohorts: this toolsync lacks a service the module needs");
        return -1;
    }
    for (size_t i = 0; i < sizeof HANDLERS / sizeof HANDLERS[0]; i++)
        if (rt->register_handler(&HANDLERS[i]) != 0)
            return -1;
    return 0;
}

TOOLSYNC_MODULE("cohorts", "0.1.0", "cohorts, members and cohort-to-course bindings",
                OPTIONS, init, NULL);
