/* toolsync SDK: the one contract between the toolsync core and its entity modules.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A module is a shared object (libtool module) that exports exactly one symbol,
 * `toolsync_module`, a ts_module_desc.  The core opens it with libltdl, refuses it when
 * its ABI major differs from the core's (or its minor is newer), then calls its init()
 * with a ts_host: a table of functions that is the only way a module reaches the core
 * (configuration, database, report, Moodle helpers).  init() registers one or more row
 * handlers; the core then drives each handler through the common processing scheme:
 *
 *   file chosen and reserved → header bound to the declared columns (before any write)
 *   → begin_file → for each batch of rows: prefetch → row … → commit (or replay row by
 *   row on failure) → end_file → report, tryback, archive, cleanup.
 *
 * Rules for module authors:
 *  - Never print, never exit, never talk to the database except through ts_host.
 *  - Every row callback ends with exactly one outcome through host->outcome() (the core
 *    records ERROR itself when a callback returns TS_ERR without one).
 *  - State kept across rows (caches) must be dropped in rollback(): after a failed batch
 *    the core rolls the database back and replays the batch row by row.
 *  - Write SQL with `{table}` for prefixed table names and `?` for parameters; values are
 *    always bound, never spliced.  Use host->dialect() for the rare differences.
 *
 * See sdk/README.md for a walk-through and an out-of-tree example in contrib/.
 */
#ifndef TOOLSYNC_SDK_H
#define TOOLSYNC_SDK_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version.  Major: changed on any incompatible change of a structure or function
 * signature below; a module built for another major is refused.  Minor: bumped when
 * something is appended (new host functions go at the end of ts_host); a module built
 * against a newer minor than the core is refused, an older one is accepted. */
#define TOOLSYNC_ABI_MAJOR 1
#define TOOLSYNC_ABI_MINOR 0

/* ------------------------------------------------------------------------------------
 * Opaque handles owned by the core.
 * ---------------------------------------------------------------------------------- */
typedef struct ts_run ts_run;     /* one processing of one input file by one handler */
typedef struct ts_row ts_row;     /* one data line of the input, valid during callbacks */
typedef struct ts_stmt ts_stmt;   /* a prepared statement, cached by the core per run */

/* ------------------------------------------------------------------------------------
 * Configuration options a module declares.  The core validates toolsync.conf against
 * them: an unknown key in the module's section is an error naming file and line.
 * In toolsync.conf the options of module "users" live in a section `users { … }`.
 * ---------------------------------------------------------------------------------- */
typedef enum {
    TS_OPT_STRING = 1,   /* free text                                                 */
    TS_OPT_INT,          /* integer                                                   */
    TS_OPT_BOOL,         /* true/false, yes/no, on/off, 1/0                           */
    TS_OPT_CHOICE        /* one of `choices` (a NULL-terminated list)                 */
} ts_opt_type;

typedef struct {
    const char *name;            /* key inside the module's section, e.g. "primaryidentity" */
    ts_opt_type type;
    const char *default_value;   /* as text ("idnumber", "0", "true"); NULL = empty      */
    const char *const *choices;  /* TS_OPT_CHOICE only: allowed values, NULL-terminated   */
    const char *help;            /* one line shown by `toolsync modules -v` and the docs  */
} ts_option;

/* ------------------------------------------------------------------------------------
 * Column declarations of a handler's input file.
 * ---------------------------------------------------------------------------------- */
typedef enum {
    TS_COL_REQUIRED = 1,  /* must be in the header; `name` is the exact column name      */
    TS_COL_OPTIONAL,      /* may be in the header                                       */
    TS_COL_INDEXED,       /* `name` followed by digits: "course" matches course1, course2 */
    TS_COL_PREFIX         /* `name` followed by anything: "profile_field_" …             */
} ts_col_kind;

typedef struct {
    const char *name;
    ts_col_kind kind;
    const char *help;     /* one line for --help / documentation                        */
} ts_column;

/* ------------------------------------------------------------------------------------
 * Row outcomes.  One per data line, written to the report as
 *   [<line>] <STATUS> <key>: <text>
 * ERROR lines also go, verbatim, to the tryback file.
 * ---------------------------------------------------------------------------------- */
typedef enum {
    TS_OK = 0,      /* the line was applied                                            */
    TS_SKIP,        /* nothing to do: the target state already held                    */
    TS_WARN,        /* applied, with a remark                                          */
    TS_ERROR        /* not applied (nothing of it remains); the line goes to the tryback */
} ts_status;

/* Return values of callbacks. */
#define TS_DONE   0    /* callback finished (row: its outcome was recorded)             */
#define TS_ERR   (-1)  /* failure: for a row, the row is rolled back and marked ERROR;
                          for begin_file/prefetch/end_file, the file is abandoned       */

/* ------------------------------------------------------------------------------------
 * A row handler: one kind of input file.
 * ---------------------------------------------------------------------------------- */
typedef struct ts_handler {
    const char *name;              /* command name: `toolsync run <name>`, e.g. "users"   */
    const char *summary;           /* one line for `toolsync modules` and --help          */
    const char *default_file;      /* e.g. "userimport.csv"                               */
    const char *location_option;   /* module option holding the file location, or NULL    */
    const char *lock_name;         /* reservation key shared by handlers that must never
                                      run at the same time (e.g. "users"); NULL = name   */
    const ts_column *columns;      /* terminated by an entry whose name is NULL          */
    unsigned flags;                /* TS_H_* below                                       */

    /* Called once after the header was validated and before the first row.  `state`
     * receives handler-private data passed back to the other callbacks. */
    int (*begin_file)(ts_run *run, void **state);

    /* Optional.  Called before the rows of each batch (and again before a replay) with
     * all the rows of the batch, so that lookups can be done with one query per batch
     * and passwords hashed on every core.  Rows stay valid until the batch ends. */
    int (*prefetch)(ts_run *run, void *state, ts_row *const *rows, size_t n);

    /* Called for each data line, inside the batch transaction. */
    int (*row)(ts_run *run, void *state, ts_row *row);

    /* Optional.  The batch was rolled back: forget whatever was learnt since the last
     * commit (ids of created objects, cached lookups). */
    void (*rollback)(ts_run *run, void *state);

    /* Optional.  After the last batch committed (or was rolled back in a dry run). */
    int (*end_file)(ts_run *run, void *state);

    /* Optional.  Free `state`; always called when begin_file succeeded. */
    void (*free_state)(void *state);
} ts_handler;

#define TS_H_NO_HEADER   0x1u   /* the file has no header line: one value per line,
                                   exposed as column `columns[0].name`               */
#define TS_H_BINARY      0x2u   /* the input is not CSV (e.g. a zip): the core selects,
                                   reserves, archives and reports, and calls row() once
                                   with a row whose only column "path" is the file   */

/* One parameter value for host->exec_array: `i` for type 'i', `s` for type 's'. */
typedef union ts_value { int64_t i; const char *s; } ts_value;

/* ------------------------------------------------------------------------------------
 * What the SQL dialect helper answers.
 * ---------------------------------------------------------------------------------- */
typedef enum { TS_DB_SQLITE = 1, TS_DB_POSTGRES, TS_DB_MARIADB } ts_db_kind;

/* ------------------------------------------------------------------------------------
 * Log levels for host->log (to standard error and syslog; never the report).
 * ---------------------------------------------------------------------------------- */
typedef enum { TS_LOG_ERROR = 0, TS_LOG_WARN, TS_LOG_INFO, TS_LOG_DEBUG } ts_log_level;

/* ------------------------------------------------------------------------------------
 * The host function table.  New functions are only ever appended (ABI minor bump);
 * `size` lets a module check that a function it needs exists.
 * ---------------------------------------------------------------------------------- */
typedef struct ts_host {
    uint32_t abi_major, abi_minor;
    size_t size;                                   /* sizeof(ts_host) of the core       */

    /* --- registration (only during init) -------------------------------------------- */
    int (*register_handler)(const ts_handler *h);  /* h must outlive the module         */

    /* --- logging --------------------------------------------------------------------- */
    void (*log)(ts_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* --- configuration of the calling module (values are validated) ------------------ */
    const char *(*conf_str)(ts_run *run, const char *name);   /* never NULL: "" if unset */
    long (*conf_int)(ts_run *run, const char *name);
    int (*conf_bool)(ts_run *run, const char *name);
    /* Global settings shared by every module, e.g. "csvseparator", "encoding". */
    const char *(*global_str)(ts_run *run, const char *name);

    /* --- the input row ---------------------------------------------------------------- */
    /* Value of column `name` (trimmed, decoded, UTF-8) or NULL when the header has no such
     * column.  A column present but empty gives "". */
    const char *(*value)(ts_row *row, const char *name);
    /* Number of header columns, and the name/value of column i (0-based). */
    size_t (*ncolumns)(ts_run *run);
    const char *(*column_name)(ts_run *run, size_t i);
    const char *(*value_at)(ts_row *row, size_t i);
    long (*line)(ts_row *row);                     /* physical line number in the file  */
    /* Has the header a column of that exact name? */
    int (*has_column)(ts_run *run, const char *name);

    /* --- outcome of a row ---------------------------------------------------------- */
    /* Records the outcome of `row`: status, message key (as tool_sync's, e.g.
     * "useraccountadded"), the column concerned (NULL if none) and a human text.  Called
     * several times for one row, the most severe status wins and every text is kept.
     * With row NULL (in begin_file / end_file) the message concerns the whole file; an
     * ERROR then, with begin_file returning TS_ERR, rejects the file (exit status 2). */
    void (*outcome)(ts_row *row, ts_status status, const char *key, const char *column,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

    /* --- database: parameterised statements -------------------------------------------- */
    ts_db_kind (*dialect)(ts_run *run);
    /* Prepares (once per run; later calls with the same text return the cached statement)
     * SQL with `{table}` names and `?` placeholders.  NULL on error (logged). */
    ts_stmt *(*prepare)(ts_run *run, const char *sql);
    /* Binds and executes.  `types` has one letter per `?`:
     *   'i' int64_t,  's' const char * (NULL binds SQL NULL),  'n' SQL NULL (no argument).
     * Returns 0 or -1 (the error is recorded for the current row).  A SELECT is then read
     * with next(); results of the previous execution are discarded. */
    int (*exec)(ts_stmt *st, const char *types, ...);
    /* Next result row: 1 there is one, 0 no more, -1 error. */
    int (*next)(ts_stmt *st);
    int64_t (*col_int)(ts_stmt *st, int col);
    const char *(*col_text)(ts_stmt *st, int col);  /* NULL when SQL NULL; valid until next */
    int (*col_null)(ts_stmt *st, int col);
    /* Id generated by the last INSERT of this statement (the SQL must insert into a table
     * whose primary key is `id`). */
    int64_t (*last_id)(ts_stmt *st);
    /* Number of rows changed by the last UPDATE/DELETE of this statement. */
    int64_t (*changes)(ts_stmt *st);
    /* An id for a new row of `table` taken from the database's sequence ahead of the
     * INSERT, so that the insert needs no answer (PostgreSQL).  Returns 0 when the
     * database cannot hand ids out ahead (MariaDB, SQLite): then insert without `id`
     * and read last_id(). */
    int64_t (*reserve_id)(ts_run *run, const char *table);

    /* --- Moodle knowledge shared by every module (core/moodle) ------------------------- */
    /* Site setting from {config} (NULL when absent); values are read once per run. */
    const char *(*site_config)(ts_run *run, const char *name);
    /* Plugin setting from {config_plugins}. */
    const char *(*plugin_config)(ts_run *run, const char *plugin, const char *name);
    /* Time of the run (seconds since the epoch); every row written by a run uses it. */
    int64_t (*now)(ts_run *run);
    /* Acting user id written into modifierid / logstore userid (the site admin). */
    int64_t (*acting_user)(ts_run *run);
    /* Creates the context of an object: level 30 user, 40 category, 50 course...;
     * `parent_path` is the parent context's path ("/1" for the system context).
     * Returns the new context id, or -1.  `path_out` (may be NULL, 256 bytes) gets the
     * new context path. */
    int64_t (*context_create)(ts_run *run, int level, int64_t instanceid,
                              const char *parent_path, char *path_out);
    /* Path of an existing context; returns 0 and fills path_out (256 bytes), -1 if none. */
    int (*context_path)(ts_run *run, int level, int64_t instanceid, int64_t *id_out,
                        char *path_out);
    /* Volatile flags: `accesslib/dirtyusers` for a user, `userpreferenceschanged` ... */
    int (*cache_flag)(ts_run *run, const char *flagtype, const char *name);
    /* Logs a Moodle event into logstore_standard_log when the site logs to it (no-op
     * otherwise).  `crud` is one of "c","r","u","d"; `other_json` NULL writes "null". */
    int (*event)(ts_run *run, const char *eventname, const char *target, const char *action,
                 const char *crud, int edulevel, const char *objecttable, int64_t objectid,
                 int64_t contextid, int contextlevel, int64_t contextinstanceid,
                 int64_t courseid, int64_t relateduserid, const char *other_json);
    /* Password hashing as Moodle's bulk upload does (bcrypt, "$2y$").  Hashes `n`
     * passwords on every core; out[i] receives a malloc'd hash (caller frees) or NULL. */
    int (*hash_passwords)(ts_run *run, const char *const *plain, char **out, size_t n);
    /* Verifies a password against a stored hash (1 match, 0 no). */
    int (*check_password)(const char *plain, const char *hash);
    /* Sets a user preference (insert or update) and flags userpreferenceschanged. */
    int (*set_user_preference)(ts_run *run, int64_t userid, const char *name,
                               const char *value);
    /* Is this a dry run?  (Writes happen and are rolled back at the end.) */
    int (*dry_run)(ts_run *run);

    /* --- enrolments, roles, groups, cohorts, as Moodle's API writes them --------------
     * Each returns 1 when it wrote, 0 when the state already held (nothing written),
     * -1 on error.  They write the rows, the cache flags and the events of
     * spec/moodle-writes.md §1.7-1.15. */
    /* Enrols a user in an enrol instance (user_enrolments) and, when roleid > 0, assigns
     * the role in the course context (component '' for manual instances, enrol_<name>
     * with itemid for the others).  An existing enrolment is updated (status, times). */
    int (*enrol_user)(ts_run *run, int64_t enrolid, int64_t userid, int64_t roleid,
                      int64_t timestart, int64_t timeend, int status);
    /* Removes a user enrolment and the roles/group memberships it owns (moodle-writes
     * §1.12; all of them when it was the user's last enrolment in the course). */
    int (*unenrol_user)(ts_run *run, int64_t enrolid, int64_t userid);
    int (*role_assign)(ts_run *run, int64_t roleid, int64_t contextid, int64_t userid,
                       const char *component, int64_t itemid);
    int (*role_unassign)(ts_run *run, int64_t roleid, int64_t contextid, int64_t userid,
                         const char *component, int64_t itemid);
    /* Creates a group; returns its id (> 0) or -1. */
    int64_t (*group_create)(ts_run *run, int64_t courseid, const char *name,
                            const char *idnumber, const char *description);
    int (*group_add_member)(ts_run *run, int64_t groupid, int64_t userid,
                            const char *component, int64_t itemid);
    int (*group_remove_member)(ts_run *run, int64_t groupid, int64_t userid);
    /* Creates a cohort in a context (1 = system); returns its id or -1. */
    int64_t (*cohort_create)(ts_run *run, int64_t contextid, const char *name,
                             const char *idnumber, const char *description);
    /* Adds a member and, like Moodle's enrol_cohort observer, enrols the user in every
     * course with an enabled cohort instance for that cohort. */
    int (*cohort_add_member)(ts_run *run, int64_t cohortid, int64_t userid);
    int (*cohort_remove_member)(ts_run *run, int64_t cohortid, int64_t userid);
    /* Records that a Moodle cache must be purged at the end of the run ("groupdata",
     * "user_group_groupings", "coursecat", "coursecontacts"...); the core purges once,
     * through the configured PHP bridge, or says in the report what to purge. */
    void (*request_purge)(ts_run *run, const char *what);

    /* exec() with the values in an array, one slot per `?` (the slot of an 'n' is not
     * read): for statements built at run time, such as IN lists of a batch's keys. */
    int (*exec_array)(ts_stmt *st, const char *types, const union ts_value *values);
} ts_host;

/* ------------------------------------------------------------------------------------
 * The module descriptor, exported as `toolsync_module`.
 * ---------------------------------------------------------------------------------- */
typedef struct ts_module_desc {
    uint32_t magic;                /* TOOLSYNC_MODULE_MAGIC                               */
    uint32_t abi_major, abi_minor; /* the ABI it was built for (use the macros)          */
    const char *name;              /* section name in toolsync.conf, e.g. "users"        */
    const char *version;           /* the module's own version                            */
    const char *summary;           /* one line                                            */
    const ts_option *options;      /* terminated by an entry whose name is NULL          */
    /* Called once after loading; registers handlers.  0 on success. */
    int (*init)(const ts_host *host);
    /* Optional, called before unloading. */
    void (*fini)(void);
} ts_module_desc;

#define TOOLSYNC_MODULE_MAGIC 0x54534d31u  /* "TSM1" */

/* Use in the module's source:  TOOLSYNC_MODULE("users", "1.0", "…", options, init, fini) */
#define TOOLSYNC_MODULE(name_, version_, summary_, options_, init_, fini_)               \
    const ts_module_desc toolsync_module = {                                            \
        TOOLSYNC_MODULE_MAGIC, TOOLSYNC_ABI_MAJOR, TOOLSYNC_ABI_MINOR,                  \
        name_, version_, summary_, options_, init_, fini_ }

#ifdef __cplusplus
}
#endif
#endif /* TOOLSYNC_SDK_H */
