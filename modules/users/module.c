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

const ts_host *H;

static const char *const IDENTITIES[] = { "id", "idnumber", "username", "email", NULL };
static const char *const COLLISIONS[] = { "site", "refuse", "allow", NULL };
static const char *const COURSEIDS[] = { "id", "idnumber", "shortname", NULL };

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
    { NULL, 0, NULL, NULL, NULL }
};

/* --- outcome buffer ------------------------------------------------------------------ */

void ob_add(users_state *s, ts_status st, const char *key, const char *column,
            const char *fmt, ...)
{
    obuf *b = &s->ob;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->m = realloc(b->m, b->cap * sizeof *b->m);
    }
    struct omsg *m = &b->m[b->n++];
    m->st = st;
    snprintf(m->key, sizeof m->key, "%s", key);
    snprintf(m->column, sizeof m->column, "%s", column ? column : "");
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&m->text, fmt, ap) < 0)
        m->text = NULL;
    va_end(ap);
}

int ob_has_error(const users_state *s)
{
    for (size_t i = 0; i < s->ob.n; i++)
        if (s->ob.m[i].st == TS_ERROR)
            return 1;
    return 0;
}

static void ob_clear(users_state *s)
{
    for (size_t i = 0; i < s->ob.n; i++)
        free(s->ob.m[i].text);
    s->ob.n = 0;
}

int ob_flush(users_state *s, ts_row *row)
{
    int err = ob_has_error(s);
    /* A failed row is undone by the core: report only why, not what it had done. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->ob.n; i++) {
            struct omsg *m = &s->ob.m[i];
            if (err && ((pass == 0 && m->st != TS_ERROR) ||
                        (pass == 1 && m->st != TS_WARN)))
                continue;
            if (!err && pass == 1)
                continue;
            H->outcome(row, m->st, m->key, *m->column ? m->column : NULL, "%s",
                       m->text ? m->text : "");
        }
    if (s->ob.n == 0)
        H->outcome(row, TS_SKIP, "nothing", NULL, "nothing to do");
    ob_clear(s);
    return err ? TS_ERR : TS_DONE;
}

void ob_free(users_state *s)
{
    ob_clear(s);
    free(s->ob.m);
    s->ob.m = NULL;
    s->ob.cap = 0;
}

/* --- site facts ------------------------------------------------------------------------- */

int users_is_siteadmin(const users_state *s, int64_t id)
{
    const char *p = s->siteadmins;
    while (p && *p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end != p && v == id)
            return 1;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return 0;
}

int users_is_guest(const users_state *s, const urec *r)
{
    if (s->guestid > 0 && r->id == s->guestid)
        return 1;
    return r->v[UC_USERNAME] && strcmp(r->v[UC_USERNAME], "guest") == 0 &&
           r->v[UC_MNETHOSTID] && strtoll(r->v[UC_MNETHOSTID], NULL, 10) == s->mnet_local;
}

static char *cfg_dup(ts_run *run, const char *name, const char *fallback)
{
    const char *v = H->site_config(run, name);
    return strdup(v ? v : fallback);
}

static int cfg_int(ts_run *run, const char *name, int fallback)
{
    const char *v = H->site_config(run, name);
    int64_t n;
    return v && parse_int(v, &n) == 0 ? (int)n : fallback;
}

/* --- file level ------------------------------------------------------------------------- */

static void free_state(void *state)
{
    users_state *s = state;
    if (!s)
        return;
    store_free(&s->store);
    smap_free(s->pw, free);
    ob_free(s);
    cache_free(&s->cache);
    for (size_t i = 0; i < s->npcols; i++) {
        free(s->pcols[i].shortname);
        free(s->pcols[i].datatype);
    }
    free(s->pcols);
    free(s->csets);
    free(s->update_sql);
    free(s->siteadmins);
    free(s->def_city);
    free(s->def_country);
    free(s->def_lang);
    free(s->def_calendartype);
    free(s);
}

static int fail_file(users_state *s, const char *key, const char *column, const char *text)
{
    H->outcome(NULL, TS_ERROR, key, column, "%s", text);
    free_state(s);
    return TS_ERR;
}

static int begin(ts_run *run, void **state, int kind)
{
    users_state *s = calloc(1, sizeof *s);
    s->run = run;
    s->kind = kind;
    s->db = H->dialect(run);

    const char *id = H->conf_str(run, "primaryidentity");
    s->identity = !strcmp(id, "id") ? ID_ID : !strcmp(id, "username") ? ID_USERNAME
                : !strcmp(id, "email") ? ID_EMAIL : ID_IDNUMBER;
    s->allowrename = H->conf_bool(run, "allowrename");
    s->protectemails = H->conf_bool(run, "protectemails");
    s->createpasswords = H->conf_bool(run, "createpasswords");
    s->uniqueidnumber = H->conf_bool(run, "uniqueidnumber");
    const char *ec = H->conf_str(run, "emailcollision");
    if (!strcmp(ec, "allow"))
        s->emailrefuse = 0;
    else if (!strcmp(ec, "refuse"))
        s->emailrefuse = 1;
    else {
        const char *same = H->site_config(run, "allowaccountssameemail");
        s->emailrefuse = !(same && strcmp(same, "1") == 0);
    }
    const char *ci = H->conf_str(run, "courseidentifier");
    s->courseident = !strcmp(ci, "id") ? CI_ID : !strcmp(ci, "idnumber") ? CI_IDNUMBER
                   : CI_SHORTNAME;

    if (kind == HK_IMPORT && H->conf_bool(run, "sendpasswordtousers"))
        return fail_file(s, "errorunsupported", NULL,
                         "users.sendpasswordtousers = true: mailing passwords is not "
                         "implemented by toolsync yet; set it to false");

    /* Site settings (spec 20 §1, moodle-writes §1.1). */
    const char *v = H->site_config(run, "mnet_localhost_id");
    int64_t n;
    s->mnet_local = v && parse_int(v, &n) == 0 ? n : 1;
    v = H->site_config(run, "extendedusernamechars");
    s->extendedchars = v && *v && strcmp(v, "0") != 0;
    v = H->site_config(run, "siteguest");
    s->guestid = v && parse_int(v, &n) == 0 ? n : 0;
    s->siteadmins = cfg_dup(run, "siteadmins", "");
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
    v = H->plugin_config(run, "tool_dataprivacy", "automaticdeletionrequests");
    s->dataprivacy = v && *v && strcmp(v, "0") != 0;

    store_init(&s->store, s->db == TS_DB_MARIADB);
    s->pw = smap_new();

    /* Header binding. */
    for (int c = 0; c < UC_COUNT; c++)
        s->ci[c] = -1;
    s->c_oldusername = s->c_cohort = s->c_cohortid = s->c_identity = s->c_id = -1;
    size_t nc = H->ncolumns(run);
    int warned = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *name = H->column_name(run, i);
        for (int c = 0; c < UC_COUNT; c++)
            if (!(UCOLS[c].flags & UF_NOFILE) && strcmp(UCOLS[c].name, name) == 0)
                s->ci[c] = (long)i;
        if (!strcmp(name, "oldusername"))
            s->c_oldusername = (long)i;
        else if (!strcmp(name, "cohort"))
            s->c_cohort = (long)i;
        else if (!strcmp(name, "cohortid"))
            s->c_cohortid = (long)i;
        else if (!strcmp(name, "id"))
            s->c_id = (long)i;
        else if (kind == HK_IMPORT && users_obsolete_column(name) && !warned++)
            H->outcome(NULL, TS_WARN, "columnignored", name,
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

/* The batch was undone: forget the accounts and the groups/cohorts it created. */
static void rollback(ts_run *run, void *state)
{
    users_state *s = state;
    (void)run;
    store_clear(&s->store);
    cache_drop_created(&s->cache);
    ob_clear(s);
}

static const ts_handler HANDLERS[] = {
    { "users", "create and update user accounts (tool_sync users sync)", "userimport.csv",
      "filelocation", "users", USERS_IMPORT_COLUMNS, 0,
      begin_import, users_prefetch, import_row, rollback, NULL, free_state },
    { "users-delete", "delete user accounts as Moodle does", "userdelete.csv",
      "deletefilelocation", "users", USERS_ACTION_COLUMNS, 0,
      begin_delete, actions_prefetch, actions_row, rollback, NULL, free_state },
    { "users-suspend", "suspend user accounts and end their sessions", "usersuspend.csv",
      "suspendfilelocation", "users", USERS_ACTION_COLUMNS, 0,
      begin_suspend, actions_prefetch, actions_row, rollback, NULL, free_state },
    { "users-restore", "unsuspend user accounts", "userrestore.csv",
      "restorefilelocation", "users", USERS_ACTION_COLUMNS, 0,
      begin_restore, actions_prefetch, actions_row, rollback, NULL, free_state },
};

static int init(const ts_host *host)
{
    H = host;
    if (host->abi_major != TOOLSYNC_ABI_MAJOR || host->size < sizeof(ts_host))
        return -1;
    for (size_t i = 0; i < sizeof HANDLERS / sizeof HANDLERS[0]; i++)
        if (host->register_handler(&HANDLERS[i]) != 0)
            return -1;
    return 0;
}

TOOLSYNC_MODULE("users", "0.1.0", "user accounts: create, update, rename, suspend, delete",
                OPTIONS, init, NULL);
