/* The enrolments module: descriptor, options, the handlers enrols, groups and
 * groupmembers, and their file-level state.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec 40 (enrols.csv) and 60 (groups.csv, groupmembers.csv); the engine defaults of
 * those specs are this module's defaults.
 */
#include <stdlib.h>
#include <string.h>
#include "enrolments.h"

const ts_runtime *RT;
const ts_sql_api *SQL;
const ts_moodle_api *M;
const ts_resolve_api *R;
const ts_enrol_api *E;
const ts_groups_api *G;
const ts_util_api *U;

static const char *const COURSEIDS[] = { "id", "idnumber", "shortname", NULL };
static const char *const USERIDS[] = { "id", "idnumber", "username", "email", NULL };
static const char *const GROUPIDS[] = { "id", "idnumber", "name", NULL };
static const char *const CMDS[] = { "add", "del", "shift", "enable", "disable", NULL };
static const char *const DELMODES[] = { "unenrol", "suspend", "suspendnoroles", "role", NULL };
static const char *const PURGES[] = { "0", "1", "2", NULL };

static const ts_option OPTIONS[] = {
    { "enrolsfilelocation", TS_OPT_STRING, NULL, NULL, "enrolment file (empty: enrols.csv)" },
    { "groupsfilelocation", TS_OPT_STRING, NULL, NULL, "group definitions (empty: groups.csv)" },
    { "groupmembersfilelocation", TS_OPT_STRING, NULL, NULL,
      "group memberships (empty: groupmembers.csv)" },
    { "courseidentifier", TS_OPT_CHOICE, "shortname", COURSEIDS,
      "enrols.csv: what cid holds (id, idnumber or shortname)" },
    { "useridentifier", TS_OPT_CHOICE, "username", USERIDS,
      "enrols.csv: what uid holds (id, idnumber, username or email)" },
    { "defaultcmd", TS_OPT_CHOICE, "add", CMDS, "enrols.csv: command of lines without one" },
    { "delmode", TS_OPT_CHOICE, "unenrol", DELMODES,
      "del with an enrol method: unenrol, suspend the enrolment, suspend and remove its "
      "roles, or only remove the role (as enrol_flatfile's unenrolaction)" },
    { "enableenrolondisabled", TS_OPT_BOOL, "false", NULL,
      "enrol through a disabled enrol instance too" },
    { "fallbacktoroleassign", TS_OPT_BOOL, "false", NULL,
      "no usable instance of the line's method: assign the role only (WARN) instead of "
      "failing the line" },
    { "protectgroups", TS_OPT_BOOL, "false", NULL,
      "enrols.csv: memberships owned by tool_sync; greplace and gdel remove only those" },
    { "groupscourseidentifier", TS_OPT_CHOICE, "shortname", COURSEIDS,
      "groups files: what courseid holds" },
    { "groupsuseridentifier", TS_OPT_CHOICE, "username", USERIDS,
      "groupmembers.csv: what userid holds" },
    { "groupidentifier", TS_OPT_CHOICE, "idnumber", GROUPIDS,
      "groupmembers.csv groupid and groups.csv updateid of groups: id, idnumber or name" },
    { "groupingidentifier", TS_OPT_CHOICE, "idnumber", GROUPIDS,
      "groups.csv updateid of groupings: id, idnumber or name" },
    { "purgeemptygroups", TS_OPT_CHOICE, "0", PURGES,
      "after groupmembers.csv, in its courses: 1 delete empty groups, 2 also groupings "
      "without groups" },
    { NULL, 0, NULL, NULL, NULL }
};

static const ts_column ENROLS_COLUMNS[] = {
    { "rolename", TS_COL_REQUIRED, "role shortname (may be empty for del)" },
    { "cid", TS_COL_REQUIRED, "course, as enrolments.courseidentifier says" },
    { "uid", TS_COL_REQUIRED, "account, as enrolments.useridentifier says" },
    { "cmd", TS_COL_OPTIONAL, "add, del (delete), shift, enable, disable" },
    { "enrol", TS_COL_OPTIONAL, "enrol method (empty: manual); absent: role assignment only" },
    { "starttime", TS_COL_OPTIONAL, "enrolment start (date or timestamp)" },
    { "endtime", TS_COL_OPTIONAL, "enrolment end (date or timestamp)" },
    { "gcmd", TS_COL_OPTIONAL, "gadd, gaddcreate, greplace, greplacecreate, gdel" },
    { "g1", TS_COL_OPTIONAL, "group name" }, { "g2", TS_COL_OPTIONAL, "group name" },
    { "g3", TS_COL_OPTIONAL, "group name" }, { "g4", TS_COL_OPTIONAL, "group name" },
    { "g5", TS_COL_OPTIONAL, "group name" }, { "g6", TS_COL_OPTIONAL, "group name" },
    { "g7", TS_COL_OPTIONAL, "group name" }, { "g8", TS_COL_OPTIONAL, "group name" },
    { "g9", TS_COL_OPTIONAL, "group name" },
    { "hidden", TS_COL_OPTIONAL, "ignored (hidden role assignments are gone from Moodle)" },
    { NULL, 0, NULL },
};

static const ts_column GROUPS_COLUMNS[] = {
    { "courseid", TS_COL_REQUIRED, "course, as enrolments.groupscourseidentifier says" },
    { "name", TS_COL_REQUIRED, "group or grouping name" },
    { "type", TS_COL_OPTIONAL, "group (default) or grouping" },
    { "idnumber", TS_COL_OPTIONAL, "idnumber of the group or grouping" },
    { "description", TS_COL_OPTIONAL, "description" },
    { "updateid", TS_COL_OPTIONAL, "update mode: the group/grouping to change" },
    { "selfgrouping", TS_COL_OPTIONAL, "groups: also a grouping of the same name holding it" },
    { "grouping", TS_COL_OPTIONAL, "groups: idnumber of a grouping to put the group in" },
    { "visibility", TS_COL_OPTIONAL, "groups (Moodle 4.2+): 0 all, 1 members, 2 own, 3 none" },
    { "participation", TS_COL_OPTIONAL, "groups (Moodle 4.2+): 1 shown in participation" },
    { NULL, 0, NULL },
};

static const ts_column MEMBERS_COLUMNS[] = {
    { "courseid", TS_COL_REQUIRED, "course, as enrolments.groupscourseidentifier says" },
    { "groupid", TS_COL_REQUIRED, "group, as enrolments.groupidentifier says" },
    { "userid", TS_COL_REQUIRED, "account, as enrolments.groupsuseridentifier says" },
    { "cmd", TS_COL_OPTIONAL, "add (default), shift, del" },
    { NULL, 0, NULL },
};

static void free_state(void *state)
{
    en_state *s = state;
    if (!s)
        return;
    if (s->assignable)
        U->map_free(s->assignable, NULL);
    if (s->courses)
        U->map_free(s->courses, NULL);
    free(s->purge_ids);
    free(s);
}

static int begin(ts_run *run, void **state, int kind)
{
    en_state *s = calloc(1, sizeof *s);
    s->run = run;
    s->kind = kind;
    s->mnethost = M->mnet_localhost(run);
    int g = kind != HK_ENROLS;
    s->course_by = by_option(RT->conf_str(run, g ? "groupscourseidentifier" : "courseidentifier"));
    s->user_by = by_option(RT->conf_str(run, g ? "groupsuseridentifier" : "useridentifier"));
    s->group_by = by_option(RT->conf_str(run, "groupidentifier"));
    s->grouping_by = by_option(RT->conf_str(run, "groupingidentifier"));
    s->defaultcmd = RT->conf_str(run, "defaultcmd");
    const char *dm = RT->conf_str(run, "delmode");
    s->delmode = !strcmp(dm, "suspend") ? DEL_SUSPEND : !strcmp(dm, "suspendnoroles")
               ? DEL_SUSPENDNOROLES : !strcmp(dm, "role") ? DEL_ROLE : DEL_UNENROL;
    s->enableondisabled = RT->conf_bool(run, "enableenrolondisabled");
    s->fallback = RT->conf_bool(run, "fallbacktoroleassign");
    /* Spec 60: the group files always own their memberships; spec 40: by setting. */
    s->protectgroups = g || RT->conf_bool(run, "protectgroups");
    s->component = s->protectgroups ? "tool_sync" : "";
    s->purge = (int)RT->conf_int(run, "purgeemptygroups");
    s->assignable = U->map_new();
    s->courses = U->map_new();
    /* Accounts are only found here, never read: the core may keep them for the run. */
    int rc = R->user_read_columns(run, NULL, 0) != 0 ? -1
           : kind == HK_ENROLS ? enrols_begin(s) : kind == HK_GROUPS ? groups_begin(s)
           : members_begin(s);
    if (rc != 0) {
        free_state(s);
        return TS_ERR;
    }
    *state = s;
    return TS_DONE;
}

static int begin_enrols(ts_run *run, void **state) { return begin(run, state, HK_ENROLS); }
static int begin_groups(ts_run *run, void **state) { return begin(run, state, HK_GROUPS); }
static int begin_members(ts_run *run, void **state) { return begin(run, state, HK_MEMBERS); }

static int members_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n)
{
    en_state *s = state;
    return prefetch_keys(s, rows, n, s->c_user, s->c_course);
}

static const ts_handler HANDLERS[] = {
    { TS_HANDLER_HEADER, .name = "enrols", .default_file = "enrols.csv",
      .summary = "enrolments, role assignments and group columns (tool_sync enrols)",
      .location_option = "enrolsfilelocation", .columns = ENROLS_COLUMNS,
      .begin_file = begin_enrols, .prefetch = enrols_prefetch, .row = enrols_row,
      .free_state = free_state },
    { TS_HANDLER_HEADER, .name = "groups", .default_file = "groups.csv",
      .summary = "create and update groups and groupings", .lock_name = "groups",
      .location_option = "groupsfilelocation", .columns = GROUPS_COLUMNS,
      .begin_file = begin_groups, .row = groups_row, .free_state = free_state },
    { TS_HANDLER_HEADER, .name = "groupmembers", .default_file = "groupmembers.csv",
      .summary = "group memberships: add, shift, del; purge of empty groups",
      .lock_name = "groups", .location_option = "groupmembersfilelocation",
      .columns = MEMBERS_COLUMNS, .begin_file = begin_members, .prefetch = members_prefetch,
      .row = members_row, .end_file = members_end, .free_state = free_state },
};

static int init(const ts_runtime *rt)
{
    RT = rt;
    SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
    R = rt->get_api(TS_RESOLVE_API, 2);          /* 2: user_read_columns */
    /* Version 3: the enrolments, roles and memberships a line decides on are asked of
     * the core's memory of the course (enrolment, is_enrolled, course_roles). */
    E = rt->get_api(TS_ENROL_API, 3);
    G = rt->get_api(TS_GROUPS_API, TS_GROUPS_API_VERSION);
    U = rt->get_api(TS_UTIL_API, TS_UTIL_API_VERSION);
    if (!SQL || !M || !R || !E || !G || !U) {
        rt->log(TS_LOG_ERROR, "enrolments: this toolsync lacks a service the module needs");
        return -1;
    }
    for (size_t i = 0; i < sizeof HANDLERS / sizeof HANDLERS[0]; i++)
        if (rt->register_handler(&HANDLERS[i]) != 0)
            return -1;
    return 0;
}

TOOLSYNC_MODULE("enrolments", "0.1.0", "enrolments, roles, groups and group members",
                OPTIONS, init, NULL);
