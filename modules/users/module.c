/* The users module: descriptor, options, the four handlers and their file-level steps.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handlers (spec 20): users (create/update, userimport.csv), users-delete
 * (userdelete.csv), users-suspend (usersuspend.csv), users-restore (userrestore.csv);
 * all share the reservation key "users" so that they never run at the same time.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

const ts_runtime *RT;
const ts_sql_api *SQL;
const ts_moodle_api *M;
const ts_resolve_api *R;
const ts_enrol_api *E;
const ts_groups_api *G;
const ts_cohorts_api *C;
const ts_util_api *U;

static const char *const IDENTITIES[] = { "id", "idnumber", "username", "email", NULL };
static const char *const COLLISIONS[] = { "site", "refuse", "allow", NULL };
static const char *const COURSEIDS[] = { "id", "idnumber", "shortname", NULL };
static const char *const UNKNOWN[] = { "warn", "error", NULL };

static const ts_option OPTIONS[] = {
    { "filelocation", TS_OPT_STRING, NULL, NULL,
      "create/update file (empty: userimport.csv in the sync area)" },
    { "deletefilelocation", TS_OPT_STRING, NULL, NULL, "delete file (empty: userdelete.csv)" },
    { "suspendfilelocation", TS_OPT_STRING, NULL, NULL, "suspend file (empty: usersuspend.csv)" },
    { "restorefilelocation", TS_OPT_STRING, NULL, NULL, "restore file (empty: userrestore.csv)" },
    { "primaryidentity", TS_OPT_CHOICE, "idnumber", IDENTITIES,
      "field identifying an existing account: id, idnumber, username or email" },
    { "allowrename", TS_OPT_BOOL, "false", NULL, "accept the oldusername column (renames)" },
    { "protectemails", TS_OPT_BOOL, "true", NULL,
      "never overwrite the non-empty e-mail of an existing account" },
    { "createpasswords", TS_OPT_BOOL, "false", NULL,
      "empty password: let Moodle's cron generate and mail one (create_password)" },
    { "sendpasswordtousers", TS_OPT_BOOL, "false", NULL,
      "mail explicit passwords to users (not implemented: refused when true)" },
    { "emailcollision", TS_OPT_CHOICE, "site", COLLISIONS,
      "e-mail shared with another account: site (allowaccountssameemail), refuse or allow" },
    { "uniqueidnumber", TS_OPT_BOOL, "false", NULL,
      "refuse an idnumber already held by another account" },
    { "courseidentifier", TS_OPT_CHOICE, "shortname", COURSEIDS,
      "how course<N> columns name courses: id, idnumber or shortname" },
    { "unknownaccount", TS_OPT_CHOICE, "warn", UNKNOWN,
      "a delete/suspend/restore line naming no account: warn (counted) or error (tryback)" },
    { NULL, 0, NULL, NULL, NULL }
};

/* --- site facts ------------------------------------------------------------------------- */

int users_is_siteadmin(const users_state *s, int64_t id)
{
    return M->is_siteadmin(s->run, id);
}

int users_is_guest(const users_state *s, const urec *r)
{
    if (s->guestid > 0 && UID(r) == s->guestid)
        return 1;
    return UV(s, r, UC_USERNAME) && strcmp(UV(s, r, UC_USERNAME), "guest") == 0 &&
           UV(s, r, UC_MNETHOSTID) && strtoll(UV(s, r, UC_MNETHOSTID), NULL, 10) == s->mnet_local;
}

static char *cfg_dup(ts_run *run, const char *name, const char *fallback)
{
    const char *v = M->config(run, name);
    return strdup(v ? v : fallback);
}

static int cfg_int(ts_run *run, const char *name, int fallback)
{
    const char *v = M->config(run, name);
    int64_t n;
    return v && U->parse_int(v, &n) == 0 ? (int)n : fallback;
}

/* --- file level ------------------------------------------------------------------------- */

static void free_state(void *state)
{
    users_state *s = state;
    if (!s)
        return;
    U->map_free(s->pw, free);
    for (size_t i = 0; i < s->npcols; i++) {
        free(s->pcols[i].shortname);
        free(s->pcols[i].datatype);
    }
    free(s->pcols);
    free(s->csets);
    free(s->update_sql);
    free(s->insert_sql);
    free(s->insert_id_sql);
    free(s->def_city);
    free(s->def_country);
    free(s->def_lang);
    free(s->def_calendartype);
    free(s);
}

static const char *site_release(ts_run *run)
{
    const char *r = M->config(run, "release");
    return r && *r ? r : "5.2 or later";
}

static int fail_file(users_state *s, const char *key, const char *column, const char *text)
{
    RT->file_outcome(s->run, TS_ERROR, key, column, "%s", text);
    free_state(s);
    return TS_ERR;
}

static int begin(ts_run *run, void **state, int kind)
{
    users_state *s = calloc(1, sizeof *s);
    s->run = run;
    s->kind = kind;
    s->db = SQL->dialect(run);
    /* Our columns in the resolver's records of this site. */
    for (int c = 0; c < UC_COUNT; c++)
        s->uix[c] = R->user_column(run, UCOLS[c].name);
    if (users_sql_begin(s) != 0)
        return fail_file(s, "dberror", NULL, "out of memory");

    const char *id = RT->conf_str(run, "primaryidentity");
    s->identity = !strcmp(id, "id") ? ID_ID : !strcmp(id, "username") ? ID_USERNAME
                : !strcmp(id, "email") ? ID_EMAIL : ID_IDNUMBER;
    s->allowrename = RT->conf_bool(run, "allowrename");
    s->protectemails = RT->conf_bool(run, "protectemails");
    s->createpasswords = RT->conf_bool(run, "createpasswords");
    s->uniqueidnumber = RT->conf_bool(run, "uniqueidnumber");
    const char *ec = RT->conf_str(run, "emailcollision");
    if (!strcmp(ec, "allow"))
        s->emailrefuse = 0;
    else if (!strcmp(ec, "refuse"))
        s->emailrefuse = 1;
    else {
        const char *same = M->config(run, "allowaccountssameemail");
        s->emailrefuse = !(same && strcmp(same, "1") == 0);
    }
    const char *ci = RT->conf_str(run, "courseidentifier");
    s->courseident = !strcmp(ci, "id") ? CI_ID : !strcmp(ci, "idnumber") ? CI_IDNUMBER
                   : CI_SHORTNAME;

    if (kind == HK_IMPORT && RT->conf_bool(run, "sendpasswordtousers"))
        return fail_file(s, "errorunsupported", NULL,
                         "users.sendpasswordtousers = true: mailing passwords is not "
                         "implemented by toolsync yet; set it to false");

    /* Site settings (spec 20 §1, moodle-writes §1.1). */
    const char *v = M->config(run, "mnet_localhost_id");
    int64_t n;
    s->mnet_local = v && U->parse_int(v, &n) == 0 ? n : 1;
    v = M->config(run, "extendedusernamechars");
    s->extendedchars = v && *v && strcmp(v, "0") != 0;
    v = M->config(run, "siteguest");
    s->guestid = v && U->parse_int(v, &n) == 0 ? n : 0;
    s->def_city = cfg_dup(run, "defaultcity", "");
    s->def_country = cfg_dup(run, "country", "");
    if (!strcmp(s->def_country, "0"))   /* $CFG->country defaults to 0: Moodle writes '' */
        s->def_country[0] = '\0';
    s->def_lang = cfg_dup(run, "lang", "en");
    if (!*s->def_lang) {
        free(s->def_lang);
        s->def_lang = strdup("en");
    }
    s->def_calendartype = cfg_dup(run, "calendartype", "gregorian");
    if (!*s->def_calendartype) {
        free(s->def_calendartype);
        s->def_calendartype = strdup("gregorian");
    }
    s->def_maildisplay = cfg_int(run, "defaultpreference_maildisplay", 2);
    s->def_mailformat = cfg_int(run, "defaultpreference_mailformat", 1);
    s->def_maildigest = cfg_int(run, "defaultpreference_maildigest", 0);
    s->def_autosubscribe = cfg_int(run, "defaultpreference_autosubscribe", 1);
    s->def_trackforums = cfg_int(run, "defaultpreference_trackforums", 0);
    /* tool_dataprivacy's observer of user_deleted (on by default).  Its setting exists
     * exactly when the plugin (and so its table) is installed. */
    v = M->plugin_config(run, "tool_dataprivacy", "automaticdeletionrequests");
    s->dataprivacy = v && *v && strcmp(v, "0") != 0;

    s->pw = U->map_new();

    /* Header binding. */
    for (int c = 0; c < UC_COUNT; c++)
        s->ci[c] = -1;
    s->c_oldusername = s->c_cohort = s->c_cohortid = s->c_identity = s->c_id = -1;
    size_t nc = RT->ncolumns(run);
    int warned = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *name = RT->column_name(run, i);
        for (int c = 0; c < UC_COUNT; c++)
            if (!(UCOLS[c].flags & UF_NOFILE) && strcmp(UCOLS[c].name, name) == 0) {
                if (users_site_lacks(s, c)) {
                    /* Moodle 5.2 moved moodlenetprofile to a profile field. */
                    if (kind == HK_IMPORT)
                        RT->file_outcome(run, TS_WARN, "columnignored", name,
                                         "not a column of this site's user table (Moodle "
                                         "%s): its values are ignored", site_release(run));
                } else {
                    s->ci[c] = (long)i;
                }
            }
        if (!strcmp(name, "oldusername"))
            s->c_oldusername = (long)i;
        else if (!strcmp(name, "cohort"))
            s->c_cohort = (long)i;
        else if (!strcmp(name, "cohortid"))
            s->c_cohortid = (long)i;
        else if (!strcmp(name, "id"))
            s->c_id = (long)i;
        else if (kind == HK_IMPORT && users_obsolete_column(name) && !warned++)
            RT->file_outcome(run, TS_WARN, "columnignored", name,
                       "not a column of Moodle 4's user table: its values are ignored");
    }

    if (kind == HK_IMPORT) {
        if (s->c_oldusername >= 0 && !s->allowrename)
            return fail_file(s, "invalidfieldname", "oldusername",
                             "column oldusername needs users.allowrename = true");
        if (profile_begin(s) != 0 || enrolcols_begin(s) != 0) {
            free_state(s);
            return TS_ERR;
        }
    } else if (actions_begin(s) != 0) {
        free_state(s);
        return TS_ERR;
    }
    *state = s;
    return TS_DONE;
}

static int begin_import(ts_run *run, void **state) { return begin(run, state, HK_IMPORT); }
static int begin_delete(ts_run *run, void **state) { return begin(run, state, HK_DELETE); }
static int begin_suspend(ts_run *run, void **state) { return begin(run, state, HK_SUSPEND); }
static int begin_restore(ts_run *run, void **state) { return begin(run, state, HK_RESTORE); }


/* All four share the reservation "users"; what they learn lives in the core's
 * resolver, which forgets failed rows by itself: no rollback callback is needed. */
#define USERS_HANDLER(name_, summary_, file_, option_, columns_, begin_, prefetch_, row_) \
    { TS_HANDLER_HEADER, .name = name_, .summary = summary_, .default_file = file_,      \
      .location_option = option_, .lock_name = "users", .columns = columns_,             \
      .begin_file = begin_, .prefetch = prefetch_, .row = row_, .free_state = free_state }

static const ts_handler HANDLERS[] = {
    USERS_HANDLER("users", "create and update user accounts (tool_sync users sync)",
                  "userimport.csv", "filelocation", USERS_IMPORT_COLUMNS, begin_import,
                  users_prefetch, import_row),
    USERS_HANDLER("users-delete", "delete user accounts as Moodle does", "userdelete.csv",
                  "deletefilelocation", USERS_ACTION_COLUMNS, begin_delete, actions_prefetch,
                  actions_row),
    USERS_HANDLER("users-suspend", "suspend user accounts and end their sessions",
                  "usersuspend.csv", "suspendfilelocation", USERS_ACTION_COLUMNS,
                  begin_suspend, actions_prefetch, actions_row),
    USERS_HANDLER("users-restore", "unsuspend user accounts", "userrestore.csv",
                  "restorefilelocation", USERS_ACTION_COLUMNS, begin_restore,
                  actions_prefetch, actions_row),
};

/* Every service this module uses, at the version it was written for. */
static int find_services(const ts_runtime *rt)
{
    SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
    M = rt->get_api(TS_MOODLE_API, TS_MOODLE_API_VERSION);
    R = rt->get_api(TS_RESOLVE_API, TS_RESOLVE_API_VERSION);
    E = rt->get_api(TS_ENROL_API, TS_ENROL_API_VERSION);
    G = rt->get_api(TS_GROUPS_API, TS_GROUPS_API_VERSION);
    C = rt->get_api(TS_COHORTS_API, TS_COHORTS_API_VERSION);
    U = rt->get_api(TS_UTIL_API, TS_UTIL_API_VERSION);
    if (SQL && M && R && E && G && C && U)
        return 0;
    rt->log(TS_LOG_ERROR, "users: this toolsync lacks a service the module needs");
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

TOOLSYNC_MODULE("users", "0.1.0", "user accounts: create, update, rename, suspend, delete",
                OPTIONS, init, NULL);
