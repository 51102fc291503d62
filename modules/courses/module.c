/* The courses module: descriptor, options, the five handlers and their file-level steps.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handlers (spec 10): courses (create/update, uploadcourses.csv), courses-delete
 * (deletecourses.csv), courses-check (courses.csv), courses-reset (resetcourses.csv),
 * courses-metas (metacourses.csv).  They share the reservation "courses" (the reference
 * tool's one course lock).  A combined run goes reset, check, delete, create, metas:
 * contrib/toolsync.cron runs them in that order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

const ts_runtime *RT;
const ts_sql_api *SQL;
const ts_moodle_api *M;
const ts_resolve_api *R;
const ts_enrol_api *E;
const ts_bridge_api *B;
const ts_util_api *U;

static const char *const IDENTS[] = { "idnumber", "shortname", "id", NULL };
static const char *const CATIDENTS[] = { "idname", "idnumber", NULL };
static const char *const TEMPLATEMODES[] = { "0", "1", "2", NULL };

static const ts_option OPTIONS[] = {
    { "fileuploadlocation", TS_OPT_STRING, NULL, NULL,
      "create/update file (empty: uploadcourses.csv)" },
    { "fileuploadidentifier", TS_OPT_CHOICE, "shortname", IDENTS,
      "column identifying an existing course: idnumber, shortname or id" },
    { "coursecategoryidentifier", TS_OPT_CHOICE, "idname", CATIDENTS,
      "category column: idname (id or path Faculty/Department) or idnumber" },
    { "newcategoriesvisible", TS_OPT_BOOL, "true", NULL,
      "categories created from paths are visible" },
    { "protectcategory", TS_OPT_BOOL, "false", NULL, "an update never moves a course" },
    { "forceupdate", TS_OPT_BOOL, "false", NULL,
      "update existing courses (false: report courseexists)" },
    { "template_mode", TS_OPT_CHOICE, "0", TEMPLATEMODES,
      "template on an existing course: 0 nothing, 1 add content, 2 replace content" },
    { "filedeletelocation", TS_OPT_STRING, NULL, NULL, "delete file (empty: deletecourses.csv)" },
    { "filedeleteidentifier", TS_OPT_CHOICE, "shortname", IDENTS, "delete file identifier" },
    { "fileexistlocation", TS_OPT_STRING, NULL, NULL, "check file (empty: courses.csv)" },
    { "existfileidentifier", TS_OPT_CHOICE, "shortname", IDENTS, "check file identifier" },
    { "fileresetlocation", TS_OPT_STRING, NULL, NULL, "reset file (empty: resetcourses.csv)" },
    { "fileresetidentifier", TS_OPT_CHOICE, "shortname", IDENTS,
      "reset file: identifier column name and lookup field" },
    { "filemetabindinglocation", TS_OPT_STRING, NULL, NULL,
      "metacourse file (empty: metacourses.csv)" },
    { "filemetabindingidentifier", TS_OPT_CHOICE, "shortname", IDENTS,
      "metacourse file: how master and meta name courses" },
    { NULL, 0, NULL, NULL, NULL }
};

/* --- shared helpers ------------------------------------------------------------------ */

const char *courses_ident_name(int ident)
{
    return ident == CI_ID ? "id" : ident == CI_IDNUMBER ? "idnumber" : "shortname";
}

static int ident_of(const char *v)
{
    return !strcmp(v, "id") ? CI_ID : !strcmp(v, "idnumber") ? CI_IDNUMBER : CI_SHORTNAME;
}

int64_t courses_lookup(cstate *s, int ident, const char *key)
{
    ts_by by = ident == CI_ID ? TS_BY_ID : ident == CI_IDNUMBER ? TS_BY_IDNUMBER
             : TS_BY_SHORTNAME;
    if (!key || !*key)
        return 0;
    return R->course(s->run, by, key);
}

int64_t courses_find(cstate *s, ts_row *r, const char *key, const char *missing,
                     const char *column)
{
    int64_t id = courses_lookup(s, s->ident, key);
    if (id == TS_R_AMBIGUOUS || id == 0)
        RT->outcome(r, TS_ERROR, id ? "nonuniqueidentifierexception" : missing, column,
                    id ? "several courses have %s '%s'" : "no course with %s '%s'",
                    courses_ident_name(s->ident), key ? key : "");
    return id == TS_R_AMBIGUOUS ? 0 : id;
}

int courses_event(cstate *s, const char *name, const char *crud, int edulevel,
                  const char *table, int64_t objectid, int64_t ctx, int64_t courseid,
                  const char *other_json)
{
    ts_event ev = { TS_EVENT_HEADER, .name = name, .crud = crud, .edulevel = edulevel,
                    .objecttable = table, .objectid = objectid, .contextid = ctx,
                    .contextlevel = TS_CTX_COURSE, .contextinstanceid = courseid,
                    .courseid = courseid, .relateduserid = 0, .other_json = other_json };
    return M->event(s->run, &ev);
}

char *courses_names_json(const crec *c)
{
    size_t size = strlen(c->s[CF_SHORTNAME]) * 6 + strlen(c->s[CF_FULLNAME]) * 6 + 64;
    char *other = malloc(size);
    strcpy(other, "{\"shortname\":");
    U->json_string(other, size, c->s[CF_SHORTNAME]);
    strcat(other, ",\"fullname\":");
    U->json_string(other, size, c->s[CF_FULLNAME]);
    strcat(other, "}");
    return other;
}

void courses_drop_cats(cstate *s)
{
    if (s && s->cats)
        U->map_clear(s->cats, free);
}

/* --- file level ------------------------------------------------------------------------ */

static void free_state(void *state)
{
    cstate *s = state;
    if (!s)
        return;
    if (s->cats)
        U->map_free(s->cats, free);
    if (s->keys)
        U->map_free(s->keys, NULL);
    free(s);
}

static void rollback(ts_run *run, void *state)
{
    cstate *s = state;
    (void)run;
    courses_drop_cats(s);
    if (s->keys)
        U->map_clear(s->keys, NULL);
}

static const char *const IDENT_OPTION[] = {
    [HK_CREATE] = "fileuploadidentifier", [HK_DELETE] = "filedeleteidentifier",
    [HK_CHECK] = "existfileidentifier", [HK_RESET] = "fileresetidentifier",
    [HK_METAS] = "filemetabindingidentifier",
};

static int begin(ts_run *run, void **state, int kind)
{
    cstate *s = calloc(1, sizeof *s);
    if (!s)
        return TS_ERR;
    s->run = run;
    s->kind = kind;
    s->db = SQL->dialect(run);
    s->ident = ident_of(RT->conf_str(run, IDENT_OPTION[kind]));
    s->cats = U->map_new();
    s->keys = U->map_new();
    int rc = 0;
    if (kind == HK_CREATE)
        rc = fields_begin(s);
    else if (kind == HK_RESET)
        rc = reset_begin(s);
    if (rc != 0) {
        free_state(s);
        return TS_ERR;
    }
    *state = s;
    return TS_DONE;
}

static int begin_create(ts_run *run, void **state) { return begin(run, state, HK_CREATE); }
static int begin_delete(ts_run *run, void **state) { return begin(run, state, HK_DELETE); }
static int begin_check(ts_run *run, void **state) { return begin(run, state, HK_CHECK); }
static int begin_reset(ts_run *run, void **state) { return begin(run, state, HK_RESET); }
static int begin_metas(ts_run *run, void **state) { return begin(run, state, HK_METAS); }

static int end_create(ts_run *run, void *state)
{
    cstate *s = state;
    RT->file_outcome(run, TS_OK, "coursessummary", NULL,
                     "courses created: %ld, updated: %ld, already there: %ld, "
                     "categories created: %ld", s->created, s->updated, s->existing,
                     s->catcreated);
    return TS_DONE;
}

static const ts_column ONE_COURSE[] = {
    { "course", TS_COL_REQUIRED, "a course identifier (the whole line)" },
    { NULL, 0, NULL },
};
static const ts_column METAS_COLUMNS[] = {
    { "master", TS_COL_REQUIRED, "the course whose participants are pulled" },
    { "meta", TS_COL_REQUIRED, "the course receiving them" },
    { "cmd", TS_COL_OPTIONAL, "add (default) or del" },
    { NULL, 0, NULL },
};

#define COURSES_HANDLER(name_, summary_, file_, option_, flags_, columns_, begin_, row_) \
    { TS_HANDLER_HEADER, .name = name_, .summary = summary_, .default_file = file_,      \
      .location_option = option_, .lock_name = "courses", .columns = columns_,           \
      .flags = flags_, .begin_file = begin_, .row = row_, .rollback = rollback,          \
      .free_state = free_state }

static const ts_handler HANDLERS[] = {
    { TS_HANDLER_HEADER, .name = "courses", .summary = "create and update courses "
      "(tool_sync uploadcourses)", .default_file = "uploadcourses.csv",
      .location_option = "fileuploadlocation", .lock_name = "courses",
      .columns = COURSES_CREATE_COLUMNS, .begin_file = begin_create,
      .prefetch = create_prefetch, .row = create_row, .rollback = rollback,
      .end_file = end_create, .free_state = free_state },
    COURSES_HANDLER("courses-delete", "delete courses (one identifier per line)",
                    "deletecourses.csv", "filedeletelocation", TS_H_NO_HEADER, ONE_COURSE,
                    begin_delete, delete_row),
    COURSES_HANDLER("courses-check", "report which courses exist (identifier[;description])",
                    "courses.csv", "fileexistlocation", TS_H_NO_HEADER, ONE_COURSE,
                    begin_check, check_row),
    COURSES_HANDLER("courses-reset", "reset courses through Moodle (bridge)",
                    "resetcourses.csv", "fileresetlocation", 0, COURSES_RESET_COLUMNS,
                    begin_reset, reset_row),
    COURSES_HANDLER("courses-metas", "add and remove metacourse links", "metacourses.csv",
                    "filemetabindinglocation", 0, METAS_COLUMNS, begin_metas, metas_row),
};

static int find_services(const ts_runtime *rt)
{
    SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
    R = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
    E = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
    B = rt->get_api(TS_BRIDGE_API, TS_BRIDGE_API_VERSION);
    U = rt->get_api(TS_UTIL_API, TS_UTIL_API_VERSION);
    if (SQL && M && R && E && B && U)
        return 0;
    rt->log(TS_LOG_ERROR, "courses: this toolsync lacks a service the module needs "
            "(moodle 2, enrol 2)");
    return -1;
}

static int init(const ts_runtime *rt)
{
    RT = rt;
    if (find_services(rt) != 0)
        return -1;
    for (size_t i = 0; i < sizeof HANDLERS / sizeof HANDLERS[0]; i++)
        if (rt->register_handler(&HANDLERS[i]) != 0)
            return -1;
    return 0;
}

TOOLSYNC_MODULE("courses", "0.1.0",
                "courses and categories: create, update, delete, check, reset, metacourses",
                OPTIONS, init, NULL);
