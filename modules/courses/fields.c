/* The courses file's columns: declaration, header binding, the site's course defaults
 * (moodlecourse) and the validated record of one line (spec 10 §2.1-2.2).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "courses.h"

#define I64MAX 4294967295LL

/* Lengths are {course}'s (Moodle 4.1-5.x); fullname's depends on the version. */
const cfield CFIELDS[CF_COUNT] = {
    [CF_FULLNAME] = { "fullname", FK_TEXT, 0, 0, 254, 1 },
    [CF_SHORTNAME] = { "shortname", FK_TEXT, 0, 0, 255, 1 },
    [CF_IDNUMBER] = { "idnumber", FK_TEXT, 0, 0, 100, 1 },
    [CF_SUMMARY] = { "summary", FK_TEXT, 0, 0, 0, 1 },
    [CF_FORMAT] = { "format", FK_TEXT, 0, 0, 21, 1 },
    [CF_SORTORDER] = { "sortorder", FK_INT, 0, I64MAX, 0, 1 },
    [CF_SHOWGRADES] = { "showgrades", FK_BOOL, 0, 1, 0, 1 },
    [CF_NEWSITEMS] = { "newsitems", FK_INT, 0, 10, 0, 1 },
    [CF_STARTDATE] = { "startdate", FK_DATE, 0, 0, 0, 1 },
    [CF_ENDDATE] = { "enddate", FK_DATE, 0, 0, 0, 1 },
    [CF_MARKER] = { "marker", FK_INT, 0, I64MAX, 0, 1 },
    [CF_MAXBYTES] = { "maxbytes", FK_INT, 0, I64MAX, 0, 1 },
    [CF_LEGACYFILES] = { "legacyfiles", FK_BOOL, 0, 1, 0, 1 },
    [CF_SHOWREPORTS] = { "showreports", FK_BOOL, 0, 1, 0, 1 },
    [CF_VISIBLE] = { "visible", FK_BOOL, 0, 1, 0, 1 },
    [CF_VISIBLEOLD] = { "visibleold", FK_BOOL, 0, 1, 0, 1 },
    [CF_GROUPMODE] = { "groupmode", FK_INT, 0, 2, 0, 1 },
    [CF_GROUPMODEFORCE] = { "groupmodeforce", FK_BOOL, 0, 1, 0, 1 },
    [CF_DEFAULTGROUPINGID] = { "defaultgroupingid", FK_INT, 0, I64MAX, 0, 1 },
    [CF_LANG] = { "lang", FK_TEXT, 0, 0, 30, 1 },
    [CF_THEME] = { "theme", FK_TEXT, 0, 0, 50, 1 },
    [CF_TIMECREATED] = { "timecreated", FK_DATE, 0, 0, 0, 1 },
    [CF_TIMEMODIFIED] = { "timemodified", FK_DATE, 0, 0, 0, 1 },
    [CF_ENABLECOMPLETION] = { "enablecompletion", FK_BOOL, 0, 1, 0, 1 },
    [CF_SHOWACTIVITYDATES] = { "showactivitydates", FK_BOOL, 0, 1, 0, 0 },
    [CF_SHOWCOMPLETIONCONDITIONS] = { "showcompletionconditions", FK_BOOL, 0, 1, 0, 0 },
};

const ts_column COURSES_CREATE_COLUMNS[] = {
    { "fullname", TS_COL_REQUIRED, "the course's full name" },
    { "shortname", TS_COL_REQUIRED, "the course's short name (unique)" },
    { "id", TS_COL_OPTIONAL, "existing course id (with fileuploadidentifier = id)" },
    { "category", TS_COL_OPTIONAL, "category id, path (Faculty/Department) or idnumber" },
    { "idnumber", TS_COL_OPTIONAL, "course idnumber (unique when not empty)" },
    { "summary", TS_COL_OPTIONAL, "summary (HTML)" },
    { "format", TS_COL_OPTIONAL, "course format plugin (site default: moodlecourse)" },
    { "sortorder", TS_COL_OPTIONAL, "accepted; the sort order is Moodle's rule" },
    { "showgrades", TS_COL_OPTIONAL, "0/1" },
    { "newsitems", TS_COL_OPTIONAL, "0..10" },
    { "startdate", TS_COL_OPTIONAL, "date" },
    { "enddate", TS_COL_OPTIONAL, "date" },
    { "marker", TS_COL_OPTIONAL, "highlighted section" },
    { "maxbytes", TS_COL_OPTIONAL, "upload limit" },
    { "legacyfiles", TS_COL_OPTIONAL, "0/1" },
    { "showreports", TS_COL_OPTIONAL, "0/1" },
    { "visible", TS_COL_OPTIONAL, "0/1" },
    { "visibleold", TS_COL_OPTIONAL, "0/1" },
    { "coursedisplay", TS_COL_OPTIONAL, "0/1 (format option)" },
    { "groupmode", TS_COL_OPTIONAL, "0/1/2" },
    { "groupmodeforce", TS_COL_OPTIONAL, "0/1" },
    { "enablecompletion", TS_COL_OPTIONAL, "0/1" },
    { "defaultgroupingid", TS_COL_OPTIONAL, "grouping id" },
    { "lang", TS_COL_OPTIONAL, "forced language" },
    { "theme", TS_COL_OPTIONAL, "forced theme" },
    { "timecreated", TS_COL_OPTIONAL, "date" },
    { "timemodified", TS_COL_OPTIONAL, "date" },
    { "self", TS_COL_OPTIONAL, "1 enables a self enrolment instance, 0 disables it" },
    { "guest", TS_COL_OPTIONAL, "1 enables guest access, 0 disables it" },
    { "template", TS_COL_OPTIONAL, "course shortname or .mbz to restore (bridge)" },
    { "topic", TS_COL_INDEXED, "topic0..topic52: section name or name|summary" },
    { "teacher", TS_COL_PREFIX, "teacherN_account (user id or search), teacherN_role" },
    { NULL, 0, NULL },
};

/* --- site defaults ---------------------------------------------------------------------- */

static int64_t mc_int(cstate *s, const char *name, int64_t fallback)
{
    const char *v = M->plugin_config(s->run, "moodlecourse", name);
    int64_t n;
    return v && U->parse_int(v, &n) == 0 ? n : fallback;
}

static void defaults_read(cstate *s)
{
    crec *d = &s->defaults;
    int64_t now = RT->now(s->run);
    const char *v = M->plugin_config(s->run, "moodlecourse", "format");
    snprintf(s->def_format, sizeof s->def_format, "%s", v && *v ? v : "topics");
    v = M->plugin_config(s->run, "moodlecourse", "lang");
    snprintf(s->def_lang, sizeof s->def_lang, "%s", v ? v : "");
    d->s[CF_FORMAT] = s->def_format;
    d->s[CF_LANG] = s->def_lang;
    d->s[CF_IDNUMBER] = d->s[CF_SUMMARY] = d->s[CF_THEME] = "";
    d->i[CF_SHOWGRADES] = mc_int(s, "showgrades", 1);
    d->i[CF_NEWSITEMS] = mc_int(s, "newsitems", 5);
    d->i[CF_MAXBYTES] = mc_int(s, "maxbytes", 0);
    d->i[CF_SHOWREPORTS] = mc_int(s, "showreports", 0);
    d->i[CF_VISIBLE] = mc_int(s, "visible", 1);
    d->i[CF_VISIBLEOLD] = d->i[CF_VISIBLE];
    d->i[CF_GROUPMODE] = mc_int(s, "groupmode", 0);
    d->i[CF_GROUPMODEFORCE] = mc_int(s, "groupmodeforce", 0);
    d->i[CF_ENABLECOMPLETION] = mc_int(s, "enablecompletion", 1);
    d->i[CF_SHOWACTIVITYDATES] = mc_int(s, "showactivitydates", 1);
    d->i[CF_SHOWCOMPLETIONCONDITIONS] = mc_int(s, "showcompletionconditions", 1);
    d->i[CF_STARTDATE] = d->i[CF_TIMECREATED] = d->i[CF_TIMEMODIFIED] = now;
    d->coursedisplay = (int)mc_int(s, "coursedisplay", 0);
    s->def_numsections = (int)mc_int(s, "numsections", 4);
    if (s->def_numsections < 0 || s->def_numsections > 52)
        s->def_numsections = 4;
    s->def_hiddensections = (int)mc_int(s, "hiddensections", 1);
}

/* --- header ------------------------------------------------------------------------------- */

static int refuse(cstate *s, const char *key, const char *column, const char *text)
{
    RT->file_outcome(s->run, TS_ERROR, key, column, "%s", text);
    return -1;
}

/* "teacher<N>_account" / "teacher<N>_role", N >= 1: its N and kind (0 account, 1 role). */
static int teacher_column(const char *name, int *n, int *role)
{
    const char *p = name + strlen("teacher");
    if (*p < '1' || *p > '9')
        return -1;
    char *end;
    long v = strtol(p, &end, 10);
    if (v < 1 || v > 99)
        return -1;
    *n = (int)v;
    if (!strcmp(end, "_account"))
        *role = 0;
    else if (!strcmp(end, "_role"))
        *role = 1;
    else
        return -1;
    return 0;
}

static int bind_extra(cstate *s, const char *name, long i)
{
    if (!strncmp(name, "topic", 5)) {
        char *end;
        long n = strtol(name + 5, &end, 10);
        if (*end || n < 0 || n >= MAX_TOPICS || (name[5] == '0' && name[6]))
            return refuse(s, "errorinvalidfieldname", name, "topic columns are topic0..topic52");
        s->c_topic[n] = i;
    } else if (!strncmp(name, "teacher", 7)) {
        int n, role;
        if (teacher_column(name, &n, &role) != 0)
            return refuse(s, "errorinvalidfieldname", name,
                          "teacher columns are teacherN_account and teacherN_role");
        (role ? s->c_teacher_role : s->c_teacher_account)[n] = i;
        if (n >= s->nteachers)
            s->nteachers = n + 1;
    } else if (!strcmp(name, "id")) {
        s->c_id = i;
    } else if (!strcmp(name, "category")) {
        s->c_category = i;
    } else if (!strcmp(name, "self")) {
        s->c_self = i;
    } else if (!strcmp(name, "guest")) {
        s->c_guest = i;
    } else if (!strcmp(name, "template")) {
        s->c_template = i;
    } else if (!strcmp(name, "coursedisplay")) {
        s->c_coursedisplay = i;
    }
    return 0;
}

int fields_begin(cstate *s)
{
    ts_run *run = s->run;
    s->catbyidnumber = !strcmp(RT->conf_str(run, "coursecategoryidentifier"), "idnumber");
    s->newcatvisible = RT->conf_bool(run, "newcategoriesvisible");
    s->protectcategory = RT->conf_bool(run, "protectcategory");
    s->forceupdate = RT->conf_bool(run, "forceupdate");
    s->templatemode = (int)RT->conf_int(run, "template_mode");
    s->fullname_max = M->version(run) >= 2024111500 ? 1333 : 254;
    s->has_activitydates = M->column_exists(run, "course", "showactivitydates") > 0;
    s->has_completionconditions = M->column_exists(run, "course", "showcompletionconditions") > 0;
    defaults_read(s);

    s->c_id = s->c_category = s->c_self = s->c_guest = s->c_template = -1;
    s->c_coursedisplay = -1;
    for (int f = 0; f < CF_COUNT; f++)
        s->c_field[f] = -1;
    for (int t = 0; t < MAX_TOPICS; t++)
        s->c_topic[t] = -1;
    for (int t = 0; t < 100; t++)
        s->c_teacher_account[t] = s->c_teacher_role[t] = -1;
    size_t nc = RT->ncolumns(run);
    for (size_t i = 0; i < nc; i++) {
        const char *name = RT->column_name(run, i);
        int known = 0;
        for (int f = 0; f < CF_COUNT; f++)
            if (CFIELDS[f].infile && !strcmp(CFIELDS[f].name, name)) {
                s->c_field[f] = (long)i;
                known = 1;
            }
        if (!known && bind_extra(s, name, (long)i) != 0)
            return -1;
    }
    if (s->ident == CI_ID && s->c_id < 0)
        return refuse(s, "fieldrequired", "id", "fileuploadidentifier = id needs an id column");
    if (s->ident == CI_IDNUMBER && s->c_field[CF_IDNUMBER] < 0)
        return refuse(s, "fieldrequired", "idnumber",
                      "fileuploadidentifier = idnumber needs an idnumber column");
    for (int t = 1; t < s->nteachers; t++)
        if (s->c_teacher_role[t] >= 0 && s->c_teacher_account[t] < 0)
            return refuse(s, "errornoteacheraccountkey", "teacher",
                          "a teacherN_role column needs its teacherN_account column");
    return 0;
}

/* --- one line ------------------------------------------------------------------------------ */

static int bad(ts_row *r, const char *column, const char *fmt, const char *v)
{
    RT->outcome(r, TS_ERROR, "errorvalidation", column, fmt, column, v);
    return -1;
}

static int read_one(cstate *s, ts_row *r, crec *c, int f, const char *v)
{
    const cfield *cf = &CFIELDS[f];
    int64_t n;
    int b;
    switch (cf->kind) {
    case FK_TEXT: {
        int max = f == CF_FULLNAME ? s->fullname_max : cf->maxlen;
        if (max && (int)U->utf8_chars(v) > max) {
            RT->outcome(r, TS_ERROR, "errorvalidationlength", cf->name,
                        "%s is longer than the %d characters of this site's column",
                        cf->name, max);
            return -1;
        }
        c->s[f] = v;
        break;
    }
    case FK_BOOL:
        if (U->parse_bool(v, &b) != 0)
            return bad(r, cf->name, "%s: '%s' is not 0 or 1", v);
        c->i[f] = b;
        break;
    case FK_INT:
        if (U->parse_int(v, &n) != 0 || n < cf->min || n > cf->max)
            return bad(r, cf->name, "%s: '%s' is not an integer in range", v);
        c->i[f] = n;
        break;
    case FK_DATE:
        if (U->parse_date(v, &n) != 0)
            return bad(r, cf->name, "%s: '%s' is not a date", v);
        c->i[f] = n;
        break;
    }
    c->given[f] = 1;
    return 0;
}

int fields_read(cstate *s, ts_row *r, crec *c)
{
    *c = s->defaults;
    memset(c->given, 0, sizeof c->given);
    c->coursedisplay_given = 0;
    for (int f = 0; f < CF_COUNT; f++) {
        if (s->c_field[f] < 0)
            continue;
        const char *v = RT->value_at(r, (size_t)s->c_field[f]);
        if (!v)
            v = "";
        /* An empty number, date or format means the default; an empty text is a value. */
        if (!*v && (CFIELDS[f].kind != FK_TEXT || f == CF_FORMAT))
            continue;
        if (read_one(s, r, c, f, v) != 0)
            return -1;
    }
    if (!c->s[CF_FULLNAME] || !*c->s[CF_FULLNAME])
        return bad(r, "fullname", "%s is empty%s", "");
    if (!c->s[CF_SHORTNAME] || !*c->s[CF_SHORTNAME])
        return bad(r, "shortname", "%s is empty%s", "");
    if (c->given[CF_FORMAT]) {
        char plugin[40];
        snprintf(plugin, sizeof plugin, "format_%s", c->s[CF_FORMAT]);
        if (!*c->s[CF_FORMAT] || !M->plugin_config(s->run, plugin, "version"))
            return bad(r, "format", "%s: '%s' is no course format installed on this site",
                       c->s[CF_FORMAT]);
    }
    if (s->c_coursedisplay >= 0) {
        const char *v = RT->value_at(r, (size_t)s->c_coursedisplay);
        int b;
        if (v && *v) {
            if (U->parse_bool(v, &b) != 0)
                return bad(r, "coursedisplay", "%s: '%s' is not 0 or 1", v);
            c->coursedisplay = b;
            c->coursedisplay_given = 1;
        }
    }
    if (c->given[CF_VISIBLE] && !c->given[CF_VISIBLEOLD])
        c->i[CF_VISIBLEOLD] = c->i[CF_VISIBLE];
    return teachers_check(s, r);
}
