/* The users module's internal interface: state, column table, per-batch store.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec: shared/spec/20-users.md ("Engine" rules), moodle-writes.md §1.1-1.3, §1.17.
 * The module talks to the core only through the ts_host table kept in `H`.
 */
#ifndef TS_USERS_H
#define TS_USERS_H

#include <stddef.h>
#include <stdint.h>
#include "toolsync/toolsync.h"

extern const ts_host *H;

/* ------------------------------------------------------------------------------------
 * Columns of {user} (Moodle 4.1-4.5, lib/db/install.xml order).  Every SELECT of a user
 * reads all of them in this order, so that an update can compare and a deletion can
 * report the old values.
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
/* "id, auth, ..., moodlenetprofile" */
extern const char *UCOL_LIST;

/* Column declarations of the handlers (columns.c). */
extern const ts_column USERS_IMPORT_COLUMNS[];
extern const ts_column USERS_ACTION_COLUMNS[];
/* Header names accepted for compatibility that are no column of {user} in Moodle 4.x
 * (the plugin copies them onto the record and Moodle drops them). */
int users_obsolete_column(const char *name);

/* ------------------------------------------------------------------------------------
 * String map (map.c): open addressing, string keys copied, void * values.
 * ---------------------------------------------------------------------------------- */
typedef struct smap smap;
smap *smap_new(void);
void smap_free(smap *m, void (*freeval)(void *));
void smap_clear(smap *m, void (*freeval)(void *));
void *smap_get(const smap *m, const char *key);
/* Address of the value of `key`, inserting a NULL value when absent. */
void **smap_slot(smap *m, const char *key);
size_t smap_count(const smap *m);

/* A small vector of pointers. */
typedef struct { void **v; size_t n, cap; } pvec;
void pvec_push(pvec *p, void *x);
void pvec_remove(pvec *p, void *x);
void pvec_free(void *p);   /* frees a malloc'd pvec (usable as smap freeval) */

/* ------------------------------------------------------------------------------------
 * Per-batch knowledge of accounts (lookup.c).
 * ---------------------------------------------------------------------------------- */
typedef struct urec {
    int64_t id;
    char *v[UC_COUNT];      /* text of each column, NULL = SQL NULL (v[UC_ID] unused)   */
    char **pdata;           /* user_info_data of the file's profile columns (NULL: no row) */
    int pfetched;           /* pdata was read from the database                         */
    int isnew;              /* created by this batch                                    */
    int64_t ctxid;          /* the user context, fetched with the account (0: unknown)  */
} urec;

typedef struct ustore {
    urec **recs;
    size_t n, cap;
    smap *by_id;            /* "<id>"                  -> urec *                        */
    smap *by_uname;         /* "<host>\x1f<username>"  -> pvec of urec *               */
    smap *by_idn;           /* idnumber (folded)       -> pvec                          */
    smap *by_email;         /* e-mail (folded)         -> pvec                          */
    /* What the current row changed, to undo it when the row fails. */
    struct uundo { urec *rec; urec *copy; } *undo;
    size_t nundo, capundo;
    size_t nprofile;        /* length of pdata arrays                                   */
    int fold;               /* keys compared case-insensitively (MariaDB collation)     */
} ustore;

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

/* Per-run caches of read-only Moodle objects (courses, roles, enrol instances) and of
 * objects the run may create (groups, cohorts: dropped on rollback). */
typedef struct {
    smap *courses;          /* identifier -> struct course_info *  */
    smap *roles;            /* shortname -> int64 id (boxed)        */
    smap *enrols;           /* "<courseid>:<plugin>" -> boxed id    */
    smap *groups;           /* "<courseid>:<name>" -> boxed id      */
    smap *cohorts;          /* name -> boxed id                     */
} ucache;

/* A row's outcome messages, emitted in a controlled order at the end of the row. */
typedef struct {
    struct omsg { ts_status st; char key[48]; char column[64]; char *text; } *m;
    size_t n, cap;
} obuf;

typedef struct users_state {
    ts_run *run;
    int kind;
    ts_db_kind db;

    /* options */
    int identity, allowrename, protectemails, createpasswords, emailrefuse;
    int uniqueidnumber, courseident;

    /* site */
    int64_t mnet_local;
    int extendedchars;
    int64_t guestid;
    char *siteadmins;       /* comma-separated ids */
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
    char *update_sql;       /* the UPDATE of this file's columns                       */
    unsigned char upd_cols[UC_COUNT];   /* columns in update_sql's SET list            */

    /* per batch */
    ustore store;
    smap *pw;               /* "<line>" -> malloc'd hash (prefetched)                  */
    obuf ob;

    /* per run */
    ucache cache;
} users_state;

/* ------------------------------------------------------------------------------------
 * Functions shared between the files.
 * ---------------------------------------------------------------------------------- */

/* module.c */
int users_is_siteadmin(const users_state *s, int64_t id);
int users_is_guest(const users_state *s, const urec *r);

/* values.c */
char *utf8_lower(const char *s);                 /* malloc'd */
size_t utf8_chars(const char *s);
int users_clean_username(const char *in, int extended, char **out);  /* 0 valid */
int parse_bool(const char *s, int *out);         /* 0 ok, -1 not a boolean */
int parse_int(const char *s, int64_t *out);      /* 0 ok */
int parse_date(const char *s, int64_t *out);     /* 00 §5.7; 0 ok */
char *norm_country(const char *s);               /* malloc'd; NULL invalid */
char *norm_lang(const char *s);                  /* malloc'd; NULL invalid */
/* Appends a PHP json_encode()-compatible string literal (with quotes) to buf. */
void json_str(char *buf, size_t size, const char *s);
int md5_hex(const char *s, char out[33]);
void php_string_increment(char *s, size_t size);
char *xstrdup(const char *s);                    /* NULL -> NULL */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int streq_null(const char *a, const char *b);   /* NULL-aware equality */

/* outcome buffer (module.c) */
void ob_add(users_state *s, ts_status st, const char *key, const char *column,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int ob_has_error(const users_state *s);
/* Emits the buffered messages for `row` (on error only the WARN/ERROR ones, since the
 * row's writes are undone) and empties the buffer.  Returns TS_DONE or TS_ERR. */
int ob_flush(users_state *s, ts_row *row);
void ob_free(users_state *s);

/* lookup.c */
void store_init(ustore *u, int fold);
void store_clear(ustore *u);
void store_free(ustore *u);
char *store_key(const ustore *u, const char *s);          /* folded copy */
urec *store_by_id(const ustore *u, int64_t id);
urec *store_by_username(const ustore *u, int64_t host, const char *username);
/* Accounts of `host` (host < 0: any) having that idnumber / e-mail. */
size_t store_by_idnumber(const ustore *u, int64_t host, const char *v, urec **out, size_t max);
size_t store_by_email(const ustore *u, int64_t host, const char *v, urec **out, size_t max);
urec *store_add_new(ustore *u, int64_t id, char *const v[UC_COUNT]);
/* Changes column `c` of `r` (value copied; NULL = SQL NULL), keeping the maps right and
 * remembering the old state for store_row_undo. */
void store_set(ustore *u, urec *r, int c, const char *value);
void store_set_pdata(ustore *u, urec *r, size_t i, const char *value);
void store_row_begin(ustore *u);
void store_row_commit(ustore *u);
void store_row_undo(ustore *u);
/* Reads the accounts whose `field` (username | idnumber | email | id) is one of
 * keys[0..n) into the store; host >= 0 restricts to that host (username only). */
int store_fetch(users_state *s, const char *field, int64_t host, char **keys, size_t n);
/* Reads the user_info_data of the file's profile columns for every known account that
 * does not have it yet. */
int store_fetch_profiles(users_state *s);

/* Identity resolution: the account a line designates (spec 20 §3.4).  Returns 0 and
 * *found (NULL when none), or -1 when several accounts match (*found = NULL). */
int resolve_identity(users_state *s, int64_t host, const char *username,
                     const char *idnumber, const char *email, urec **found);

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

/* create.c / update.c */
int create_account(users_state *s, uline *l, urec **out);
int update_account(users_state *s, uline *l, urec *r, int revived, int renamed);
/* Writes the non-NULL values of nv (NULL = keep) into r's row and the store. */
int users_write_columns(users_state *s, urec *r, char *const nv[UC_COUNT]);
/* password handling shared by both: returns the value to store in `password` (malloc'd)
 * or NULL to keep the stored one; *changed tells whether a new hash/marker is stored. */
char *password_value(users_state *s, uline *l, const urec *r, int *changed);
/* Events and preference that follow a password change (moodle-writes §1.1/1.2). */
int password_changed(users_state *s, int64_t userid, int64_t ctxid, const char *auth);

/* profile.c */
int profile_begin(users_state *s);
/* Does any profile column of the line differ from what `r` holds (r NULL: new)? */
int profile_differs(users_state *s, const uline *l, const urec *r);
int profile_save(users_state *s, const uline *l, urec *r);

/* delete.c */
int delete_account(users_state *s, urec *r);     /* 0 done, -1 error (outcome added) */

/* suspend.c */
int set_suspended(users_state *s, urec *r, int value);
int kill_sessions(users_state *s, int64_t userid);
int actions_row(ts_run *run, void *state, ts_row *row);
int actions_begin(users_state *s);

/* rename.c */
/* Applies `oldusername` (spec 20 §3.3): 0 nothing to do or renamed in memory (*renamed
 * = the account, whose username is now the line's), -1 refused (outcome added). */
int rename_prepare(users_state *s, uline *l, urec **renamed);

/* cohortcols.c / enrolcols.c */
int cohort_apply(users_state *s, ts_row *row, int64_t userid);
int enrolcols_begin(users_state *s);
int enrolcols_apply(users_state *s, ts_row *row, int64_t userid, int isnew);
void cache_free(ucache *c);
void cache_drop_created(ucache *c);

/* user context: path and id, created when missing (Moodle's context_user::instance) */
int64_t user_context(users_state *s, int64_t userid);

/* Small prepared-statement helpers. */
ts_stmt *Q(users_state *s, const char *sql);


/* The id of the only row `st` returns: 0 none, -2 several, -1 error. */
int64_t single_id(ts_stmt *st);
/* A malloc'd copy of an id, as the value of an smap (freed with the map). */
int64_t *box(int64_t v);
/* Id lookups remembered per run in *cache under `key`: 0 none, -1 error.
 * CACHE_FIRST: reference data (roles, enrol instances): the first row, misses remembered.
 * CACHE_UNIQUE: objects a later line may create (groups, cohorts): the only row (-2 when
 * several), misses not remembered. */
enum { CACHE_FIRST, CACHE_UNIQUE };
int64_t cached_id(users_state *s, smap **cache, const char *key, const char *sql,
                  const char *types, const ts_value *args, int mode);

#endif
