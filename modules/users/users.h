/* The users module's internal interface: state, column table, per-batch store.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec: shared/spec/20-users.md ("Engine" rules), moodle-writes.md §1.1-1.3, §1.17.
 * The module talks to the core only through the runtime and the services below.
 */
#ifndef TS_USERS_H
#define TS_USERS_H

#include <stddef.h>
#include <stdint.h>
#include <toolsync/toolsync.h>

/* The runtime and the services (module.c looks them up in init()). */
extern const ts_runtime *RT;
extern const ts_sql_api *SQL;
extern const ts_moodle_api *M;
extern const ts_resolve_api *R;
extern const ts_enrol_api *E;
extern const ts_groups_api *G;
extern const ts_cohorts_api *C;
extern const ts_util_api *U;

/* ------------------------------------------------------------------------------------
 * Columns of {user} (Moodle 4.1-5.3, lib/db/install.xml order; 5.2 has no
 * moodlenetprofile).  Every account is read with all the site's columns, so that an
 * update can compare and a deletion can report the old values.
 * ---------------------------------------------------------------------------------- */
enum {
    UC_ID, UC_AUTH, UC_CONFIRMED, UC_POLICYAGREED, UC_DELETED, UC_SUSPENDED,
    UC_MNETHOSTID, UC_USERNAME, UC_PASSWORD, UC_IDNUMBER, UC_FIRSTNAME, UC_LASTNAME,
    UC_EMAIL, UC_EMAILSTOP, UC_PHONE1, UC_PHONE2, UC_INSTITUTION, UC_DEPARTMENT,
    UC_ADDRESS, UC_CITY, UC_COUNTRY, UC_LANG, UC_CALENDARTYPE, UC_THEME, UC_TIMEZONE,
    UC_FIRSTACCESS, UC_LASTACCESS, UC_LASTLOGIN, UC_CURRENTLOGIN, UC_LASTIP, UC_SECRET,
    UC_PICTURE, UC_DESCRIPTION, UC_DESCRIPTIONFORMAT, UC_MAILFORMAT, UC_MAILDIGEST,
    UC_MAILDISPLAY, UC_AUTOSUBSCRIBE, UC_TRACKFORUMS, UC_TIMECREATED, UC_TIMEMODIFIED,
    UC_TRUSTBITMASK, UC_IMAGEALT, UC_LASTNAMEPHONETIC, UC_FIRSTNAMEPHONETIC,
    UC_MIDDLENAME, UC_ALTERNATENAME, UC_MOODLENETPROFILE,
    UC_COUNT
};

/* Column properties. */
#define UF_INT      0x01u   /* integer column                                          */
#define UF_BOOL     0x02u   /* 0/1 column: file values read as booleans (00 §5.8)      */
#define UF_NULL     0x04u   /* nullable: NULL on creation unless given (moodle-writes §0.6) */
#define UF_KEEP     0x08u   /* an empty file value means "leave as is" / "use default"  */
#define UF_NOFILE   0x10u   /* never taken from the file (id, timecreated)              */
#define UF_IGNORED  0x20u   /* accepted in the header, value ignored (timemodified)     */
#define UF_SPECIAL  0x40u   /* handled by its own code (username, password, deleted)    */

typedef struct {
    const char *name;
    unsigned flags;
    int maxlen;             /* characters (char columns), 0 = unlimited / int           */
} ucol;

extern const ucol UCOLS[UC_COUNT];

/* Column declarations of the handlers (columns.c). */
extern const ts_column USERS_IMPORT_COLUMNS[];
extern const ts_column USERS_ACTION_COLUMNS[];
/* Header names accepted for compatibility that are no column of {user} in Moodle 4.x
 * (the plugin copies them onto the record and Moodle drops them). */
int users_obsolete_column(const char *name);

/* ------------------------------------------------------------------------------------
 * Handler state.
 * ---------------------------------------------------------------------------------- */
enum { HK_IMPORT = 1, HK_DELETE, HK_SUSPEND, HK_RESTORE };
enum { ID_ID = 1, ID_IDNUMBER, ID_USERNAME, ID_EMAIL };
enum { CI_ID = 1, CI_IDNUMBER, CI_SHORTNAME };

/* A profile_field_<shortname> column of the file. */
typedef struct {
    long col;               /* header index */
    int64_t fieldid;
    char *shortname;
    char *datatype;
} pcol;

/* One course<N> set of the file. */
typedef struct {
    long n;
    long course, role, enrol, group, start, end, wwwroot;   /* header index or -1 */
} cset;

/* An account as the resolver holds it, and its columns by our UC_ index. */
typedef ts_user urec;
#define UV(s, r, c) R->user_value((r), (s)->uix[c])
#define UID(r) R->user_id(r)

typedef struct users_state {
    ts_run *run;
    ts_row *row;            /* the row being applied (outcomes go there)               */
    int kind;
    int uix[UC_COUNT];      /* the resolver's index of each UC_ column (-1: the site has
                               no such column)                                          */
    ts_db_kind db;

    /* options */
    int identity, allowrename, protectemails, createpasswords, emailrefuse;
    int uniqueidnumber, courseident;

    /* site */
    int64_t mnet_local;
    int extendedchars;
    int64_t guestid;
    char *def_city, *def_country, *def_lang, *def_calendartype;
    int def_maildisplay, def_mailformat, def_maildigest, def_autosubscribe,
        def_trackforums;
    int dataprivacy;        /* write the automatic deletion request (tool_dataprivacy) */

    /* header binding */
    long ci[UC_COUNT];      /* header index of each {user} column, -1 if absent        */
    long c_oldusername, c_cohort, c_cohortid, c_identity, c_id;
    pcol *pcols;
    size_t npcols;
    cset *csets;
    size_t ncsets;
    /* The {user} statements naming the columns this site has (usersql.c). */
    char *insert_sql, *insert_id_sql, *update_sql;
    int nsitecols;          /* columns 1.. the site has (the values they take)          */

    /* per batch */
    ts_map *pw;             /* "<line>" -> malloc'd hash (prefetched)                  */

    /* per run: the last language and auth plugin checked (files repeat them) */
    struct users_memo { char value[64]; int rc; } memo_lang, memo_auth;
} users_state;

/* ------------------------------------------------------------------------------------
 * Functions shared between the files.
 * ---------------------------------------------------------------------------------- */

/* module.c */
int users_is_siteadmin(const users_state *s, int64_t id);
int users_is_guest(const users_state *s, const urec *r);

/* values.c */
int users_clean_username(const char *in, int extended, char **out);  /* 0 valid */
char *norm_country(const char *s);               /* malloc'd; NULL invalid */
char *norm_lang(const char *s);                  /* malloc'd; NULL invalid */
int md5_hex(const char *s, char out[33]);
void php_string_increment(char *s, size_t size);
char *xstrdup(const char *s);                    /* NULL -> NULL */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int streq_null(const char *a, const char *b);   /* NULL-aware equality */

/* Outcome of the current row (s->row). */
#define say(s, ...) RT->outcome((s)->row, __VA_ARGS__)
int users_row_failed(const users_state *s);
int users_is_deleted(const users_state *s, const urec *r);   /* an ERROR was recorded for s->row */
/* The end of a row callback: rc of the work (0 or -1) -> TS_DONE / TS_ERR. */
int users_row_done(users_state *s, int rc);

/* Identity resolution: the account a line designates (spec 20 §3.4), through the
 * resolver (deleted accounts only when no live one matches).  0 and *found (NULL when
 * none), or -1 when several accounts match or the lookup failed. */
int resolve_identity(users_state *s, int64_t host, const char *username,
                     const char *idnumber, const char *email, const urec **found);
/* Accounts of `host` holding that username / idnumber / e-mail (among those read). */
const urec *users_by_username(users_state *s, int64_t host, const char *username);
size_t users_by_key(users_state *s, ts_by by, int64_t host, const char *v, const urec **out,
                    size_t max);
/* Writes a column of an account the run changed into the resolver. */
void users_changed(users_state *s, const urec *r, int c, const char *value);

/* prefetch entry points */
int users_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n);
int actions_prefetch(ts_run *run, void *state, ts_row *const *rows, size_t n);

/* import.c: the users handler's row */
int import_row(ts_run *run, void *state, ts_row *row);

/* The parsed line of the users file. */
typedef struct uline {
    ts_row *row;
    long line;
    char *username;                 /* cleaned                                         */
    char *oldusername;              /* lower-cased, NULL when not renaming             */
    int64_t host;
    char *val[UC_COUNT];            /* value to write; NULL: column absent / kept      */
    unsigned char given[UC_COUNT];  /* the column was taken from the file              */
    int has_password;               /* password column present                        */
    const char *password;           /* its raw value (never reported)                  */
} uline;

/* usersql.c: the INSERT / UPDATE texts of the site's {user} columns (0, -1); the values
 * of v[1..] for them, in their order, into out (returns how many); does the site lack
 * column c (Moodle 5.2+ has no moodlenetprofile)? */
int users_sql_begin(users_state *s);
size_t users_sql_values(const users_state *s, char *const v[UC_COUNT], ts_value *out);
int users_site_lacks(const users_state *s, int c);

/* create.c / update.c */
int create_account(users_state *s, uline *l, const urec **out);
int update_account(users_state *s, uline *l, const urec *r, int revived, int renamed);
/* Writes the non-NULL values of nv (NULL = keep) into r's row and the resolver. */
int users_write_columns(users_state *s, const urec *r, char *const nv[UC_COUNT]);
/* password handling shared by both: returns the value to store in `password` (malloc'd)
 * or NULL to keep the stored one; *changed tells whether a new hash/marker is stored. */
char *password_value(users_state *s, uline *l, const urec *r, int *changed);
/* Events and preference that follow a password change (moodle-writes §1.1/1.2). */
int password_changed(users_state *s, int64_t userid, int64_t ctxid, const char *auth);

/* missing.c: a line whose account is not there: SKIP when it was deleted, else WARN
 * (ERROR and -1 with users.unknownaccount = error). */
int users_missing(users_state *s, ts_by by, const char *column, const char *key);

/* checks.c: what Moodle's upload checks (WARN, or ERROR with -1). */
int users_check_values(users_state *s, uline *l);

/* profile.c */
int profile_begin(users_state *s);
/* Does any profile column of the line differ from what `r` holds (r NULL: new)? */
int profile_differs(users_state *s, const uline *l, const urec *r);
int profile_save(users_state *s, const uline *l, const urec *r);

/* delete.c */
int delete_account(users_state *s, const urec *r);     /* 0 done, -1 error (outcome added) */

/* suspend.c */
int set_suspended(users_state *s, const urec *r, int value);
int kill_sessions(users_state *s, int64_t userid);
int actions_row(ts_run *run, void *state, ts_row *row);
int actions_begin(users_state *s);

/* rename.c */
/* Applies `oldusername` (spec 20 §3.3): 0 nothing to do or renamed in memory (*renamed
 * = the account, whose username is now the line's), -1 refused (outcome added). */
int rename_prepare(users_state *s, uline *l, const urec **renamed);

/* cohortcols.c / enrolcols.c */
int cohort_apply(users_state *s, ts_row *row, int64_t userid);
int enrolcols_begin(users_state *s);
int enrolcols_apply(users_state *s, ts_row *row, int64_t userid, int isnew);
int enrolcols_prefetch(users_state *s, ts_row *const *rows, size_t n);

/* user context: path and id, created when missing (Moodle's context_user::instance) */
int64_t user_context(users_state *s, const urec *r);

/* A prepared statement of the run. */
ts_stmt *Q(users_state *s, const char *sql);
/* An event in a user's context (moodle-writes §1.1-1.3, §1.17). */
int users_event(users_state *s, const char *name, const char *crud, const char *objecttable,
                int64_t userid, int64_t ctxid, const char *other_json);

#endif
