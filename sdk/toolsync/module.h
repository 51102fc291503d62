/* toolsync SDK: how a module declares itself, its handlers and their columns, and the
 * runtime table the core hands it.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A module is a shared object (libtool module) that exports exactly one symbol,
 * `toolsync_module` (a ts_module_desc, written with TOOLSYNC_MODULE()).  The core opens it
 * with libltdl, checks its ABI, then calls its init() with a ts_runtime: a small table of
 * functions (registration, configuration, the input row, outcomes) plus get_api(), which
 * hands out the named, separately versioned service tables (sql.h, moodle.h, resolve.h,
 * enrol.h, groups.h, cohorts.h, bridge.h, archive.h, util.h).  init() registers one or
 * more row handlers (and, from ABI 2.2, commands of its own: ts_command below); the core
 * drives each handler through the common processing scheme:
 *
 *   file chosen and reserved -> header bound to the declared columns (before any write)
 *   -> begin_file -> for each batch: prefetch -> row ... -> commit (on failure: rollback,
 *   then replay row by row, each row in a savepoint) -> end_file -> report, tryback,
 *   archive, cleanup -> free_state.
 *
 * Versioning.  ABI major: any incompatible change; a module built for another major is
 * refused.  ABI minor: something was appended (a field at the end of a structure below,
 * a function at the end of ts_runtime); a module built for a newer minor than the core is
 * refused, an older one is accepted.  Every structure a module hands the core starts with
 * its own size (`size`, filled by the macros below), and the core reads no byte past it:
 * fields appended after the module was built read as zero/NULL.  A module may target an
 * older minor, to run on older cores, by defining TOOLSYNC_ABI_TARGET_MINOR before
 * including this header.  Service tables are versioned on their own (see get_api).
 *
 * Rules for module authors:
 *  - Never print, never exit, never reach the database except through the sql service.
 *  - A row callback records at least one outcome (rt->outcome); it may record several
 *    (one per thing it did).  The report line shows the most severe status with its key
 *    and text first, then the others.  When the row fails (TS_ERROR recorded or TS_ERR
 *    returned) its writes are undone, so its OK/SKIP outcomes are dropped from the report:
 *    only ERROR and WARN texts remain.  A row callback that records nothing and returns
 *    TS_DONE is reported OK "applied".
 *  - State kept across rows (caches of your own) must be dropped in rollback().  The
 *    core's resolvers (resolve.h) keep themselves right; you need not tell them.
 *  - Every pointer the core returns is owned by the core.  Unless its function says
 *    otherwise it stays valid until the next call of the same function on the same
 *    object, or the end of the callback, whichever comes first: copy what you keep.
 */
#ifndef TOOLSYNC_MODULE_H
#define TOOLSYNC_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOOLSYNC_ABI_MAJOR 2
#define TOOLSYNC_ABI_MINOR 2
#ifndef TOOLSYNC_ABI_TARGET_MINOR
#define TOOLSYNC_ABI_TARGET_MINOR TOOLSYNC_ABI_MINOR
#endif

/* --------------------------------------------------------------------------------------
 * Handles owned by the core (opaque).
 * ------------------------------------------------------------------------------------ */
typedef struct ts_run ts_run;   /* one input file processed by one handler: valid from
                                   begin_file to free_state; or one call of a module's
                                   command (2.2, ts_command): valid during the call    */
typedef struct ts_row ts_row;   /* one data line (or one archive entry): valid during the
                                   callbacks of its batch (prefetch, row)               */

/* Row outcomes: one report line per data line, `[<line>] <STATUS> <key>: <text>`. */
typedef enum {
    TS_OK = 0,      /* the line was applied                                            */
    TS_SKIP,        /* nothing to do: the target state already held                    */
    TS_WARN,        /* applied, with a remark                                          */
    TS_ERROR        /* not applied (nothing of it remains); the line goes to the tryback */
} ts_status;

/* Return values of callbacks. */
#define TS_DONE   0    /* the callback finished                                         */
#define TS_ERR   (-1)  /* row: the row fails (ERROR, undone, tryback);
                          begin_file: the file is refused (exit status 2);
                          prefetch: the batch is replayed row by row (each row's own
                          prefetch failing marks it ERROR); end_file: its writes undone */

/* Log levels (standard error and syslog; never the report). */
typedef enum { TS_LOG_ERROR = 0, TS_LOG_WARN, TS_LOG_INFO, TS_LOG_DEBUG } ts_log_level;

/* --------------------------------------------------------------------------------------
 * Options a module declares; toolsync.conf is validated against them (an unknown key in
 * the module's section `<module> { ... }` is an error naming file and line).
 * Layout frozen for ABI major 2 (ts_module_desc.option_size carries its size anyway).
 * ------------------------------------------------------------------------------------ */
typedef enum {
    TS_OPT_STRING = 1,   /* free text                                                 */
    TS_OPT_INT,          /* integer                                                   */
    TS_OPT_BOOL,         /* true/false, yes/no, on/off, 1/0                           */
    TS_OPT_CHOICE        /* one of `choices`                                          */
} ts_opt_type;

typedef struct {
    const char *name;            /* key in the module's section, e.g. "primaryidentity"  */
    ts_opt_type type;
    const char *default_value;   /* as text ("idnumber", "0", "true"); NULL = empty      */
    const char *const *choices;  /* TS_OPT_CHOICE: allowed values, NULL-terminated       */
    const char *help;            /* one line for `toolsync modules -v`                   */
} ts_option;

/* --------------------------------------------------------------------------------------
 * Columns of a handler's input.  Layout frozen for ABI major 2 (ts_handler.column_size).
 * ------------------------------------------------------------------------------------ */
typedef enum {
    TS_COL_REQUIRED = 1,  /* must be in the header; `name` is the exact column name      */
    TS_COL_OPTIONAL,      /* may be in the header                                       */
    TS_COL_INDEXED,       /* `name` then digits: "course" matches course1, course2 ...   */
    TS_COL_PREFIX         /* `name` then anything: "profile_field_" ...                  */
} ts_col_kind;

typedef struct {
    const char *name;
    ts_col_kind kind;
    const char *help;     /* one line for `toolsync modules -v`                          */
} ts_column;

/* --------------------------------------------------------------------------------------
 * A row handler: one kind of input file.  Declare it with TS_HANDLER_HEADER first:
 *   static const ts_handler h = { TS_HANDLER_HEADER, .name = "badges", ... };
 * ------------------------------------------------------------------------------------ */
typedef struct ts_handler {
    uint32_t size;                 /* sizeof(ts_handler) the module was built with       */
    uint32_t column_size;          /* sizeof(ts_column)                                   */
    const char *name;              /* `toolsync run <name>`; required                     */
    const char *summary;           /* one line for `toolsync modules` and --help          */
    const char *default_file;      /* e.g. "userimport.csv"; may be a wildcard
                                      ("userpictures_*.zip": one file per run)           */
    const char *location_option;   /* module option holding the file location, or NULL    */
    const char *lock_name;         /* reservation shared by handlers that must never run
                                      at the same time (e.g. "users"); NULL = name        */
    const ts_column *columns;      /* required; ends with an entry whose name is NULL    */
    unsigned flags;                /* TS_H_* below                                       */

    /* Optional.  After the header was validated, before the first row.  *state receives
     * your per-file data, handed back to every other callback (NULL when absent). */
    int (*begin_file)(ts_run *run, void **state);
    /* Optional.  Before the rows of each batch (and again before a replay, and after a
     * failed row in a replay with the rows that follow it), with those rows: fill your
     * lookups with one query per batch (resolve.h prefetch functions), hash passwords
     * on every core.  Rows stay valid until the batch ends. */
    int (*prefetch)(ts_run *run, void *state, ts_row *const *rows, size_t n);
    /* Required.  One data line, inside the batch transaction. */
    int (*row)(ts_run *run, void *state, ts_row *row);
    /* Optional.  The batch (or, in a replay, the row) was rolled back: forget what you
     * learnt since the last commit. */
    void (*rollback)(ts_run *run, void *state);
    /* Optional.  After the last batch, in a transaction of its own. */
    int (*end_file)(ts_run *run, void *state);
    /* Optional.  Frees `state`; called whenever begin_file succeeded. */
    void (*free_state)(void *state);
#if TOOLSYNC_ABI_TARGET_MINOR >= 1
    /* 2.1: several lines of help for `toolsync modules -v <handler>` (NULL: none). */
    const char *description;
#endif
} ts_handler;

#define TS_HANDLER_HEADER .size = sizeof(ts_handler), .column_size = sizeof(ts_column)

#define TS_H_NO_HEADER 0x1u  /* the file has no header line: each line is one value, the
                                column `columns[0].name` (e.g. a list of shortnames)     */
#define TS_H_ARCHIVE   0x2u  /* the input is a zip archive: one row per entry (columns
                                "name" and "size"; its line is the entry number); the
                                core refuses unsafe entries before the handler sees them,
                                and the tryback is a zip of the failed entries.  Read an
                                entry's bytes through archive.h                          */
#define TS_H_EVERY_MATCH 0x4u /* `toolsync run` without a file works through every file
                                the location matches (a wildcard), in name order, each
                                its own journey and report, instead of the first only
                                (whether each is archived, deleted or left in place);
                                it stops at a fatal error                               */

#if TOOLSYNC_ABI_TARGET_MINOR >= 2
/* --------------------------------------------------------------------------------------
 * 2.2: a command of the module's own, `toolsync [OPTIONS] <name> [ARGS...]`, for work
 * that reads no input file (e.g. `toolsync userpictures hashes`).  Declare it with
 * TS_COMMAND_HEADER first and register it with rt->register_command during init():
 *   static const ts_command c = { TS_COMMAND_HEADER, .name = "userpictures", ... };
 *
 * The command runs as a run without input: `run` is a ts_run like a handler's, so the
 * same runtime functions and services work on it, with these differences:
 *  - There is no input and no row: ncolumns() is 0, column_name() NULL, column_index()
 *    -1; outcome() needs a row and is not for commands; the archive service has no entry.
 *  - file_outcome() is the command's output: each call prints one line on standard
 *    output, `<STATUS> <key>: <text>` (with -q only WARN and ERROR).  No report file is
 *    written and no reservation is taken.  A service's failure reason (recorded "on the
 *    current row" for handlers) is logged on standard error instead.
 *  - conf_str/int/bool read the module's own section; global_str, now, dry_run, log and
 *    get_api work as for handlers.
 *  - The core opens the site's database, then begins one transaction and calls run();
 *    TS_DONE commits it (a dry run, -n, rolls it back instead, and the files service
 *    writes nothing into filedir: say what would be done), TS_ERR rolls it back.
 * Exit status of toolsync (README, toolsync(1)): 0 when run() returned TS_DONE having
 * recorded no ERROR; 1 when it returned TS_DONE with at least one ERROR recorded (some
 * items failed, the others were written); 3 when it returned TS_ERR (the command as a
 * whole failed: bad arguments, configuration, database: record an ERROR saying why
 * first), or the database could not be opened or committed.
 * Layout versioned by `size`: fields appended later read as zero from older modules.
 * ------------------------------------------------------------------------------------ */
typedef struct ts_command {
    uint32_t size;             /* sizeof(ts_command) the module was built with          */
    const char *name;          /* the command word; required; not one of the core's
                                  (run, task, modules, check, capture, cleanup, help)
                                  nor another module's                                 */
    const char *usage;         /* its arguments, for --help: "hashes"; NULL: none       */
    const char *summary;       /* one line for `toolsync --help` and `toolsync modules`  */
    const char *description;   /* several lines for `toolsync modules -v`; NULL: none   */
    /* Required.  argv[0..argc-1] are the words after the name (argc may be 0; the
     * core's options come before the name, so every word after it is the command's);
     * they and `run` are valid during the call only.  TS_DONE or TS_ERR (above). */
    int (*run)(ts_run *run, int argc, char *const *argv);
} ts_command;

#define TS_COMMAND_HEADER .size = sizeof(ts_command)
#endif

/* --------------------------------------------------------------------------------------
 * Service tables.  Each starts with this header; get_api() returns a table only when
 * the core has that name at a version >= the one asked for (same major).
 * ------------------------------------------------------------------------------------ */
typedef struct ts_api {
    uint32_t size;          /* sizeof the table in the core: functions appended later
                               lie past it when the core is older                       */
    uint32_t version;       /* the table's version (bumped when functions are appended) */
    const char *name;       /* "sql", "moodle", "resolve" ...                           */
} ts_api;

/* True when `tbl` (a service table) has member `field` (built against a newer header). */
#define TS_API_HAS(tbl, field) \
    ((tbl) && offsetof(__typeof__(*(tbl)), field) < (tbl)->api.size && (tbl)->field)

/* --------------------------------------------------------------------------------------
 * The runtime table handed to init().  Valid for the life of the process.
 * ------------------------------------------------------------------------------------ */
typedef struct ts_runtime {
    uint32_t size;                         /* sizeof(ts_runtime) of the core             */
    uint16_t abi_major, abi_minor;         /* the core's ABI                             */

    /* Only during init().  `h` must outlive the module (use a static).  0, or -1 when
     * refused (logged: no name, no row callback, no columns, name taken). */
    int (*register_handler)(const ts_handler *h);
    /* A service table by name, at least at `version`; NULL when the core has none (say
     * so and fail init).  Cast to the type of that service's header.  The table lives as
     * long as the process.  Callable at any time. */
    const void *(*get_api)(const char *name, uint32_t version);
    void (*log)(ts_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* --- configuration of the calling module (already validated) ---------------------- */
    /* The option's value as text, the default when unset, "" when it has none.  Valid
     * for the whole run. */
    const char *(*conf_str)(ts_run *run, const char *name);
    long (*conf_int)(ts_run *run, const char *name);
    int (*conf_bool)(ts_run *run, const char *name);
    /* A global setting ("csvseparator", "encoding", "syncdir" ...); "" when unknown.
     * Valid for the whole run. */
    const char *(*global_str)(ts_run *run, const char *name);

    /* --- the input -------------------------------------------------------------------- */
    size_t (*ncolumns)(ts_run *run);
    /* Name of header column i (0-based), NULL past the end.  Valid for the whole run. */
    const char *(*column_name)(ts_run *run, size_t i);
    /* Index of the header column of that exact name, or -1. */
    long (*column_index)(ts_run *run, const char *name);
    /* Value of column `name` of the row (decoded to UTF-8, trimmed), "" when the line has
     * fewer cells, NULL when the header has no such column.  Valid while the row is. */
    const char *(*value)(ts_row *row, const char *name);
    /* The same by header index (faster: bind indexes in begin_file); NULL past the end. */
    const char *(*value_at)(ts_row *row, size_t i);
    /* Physical line of the row in the file (its first line when quoted fields span
     * several), or the entry number of an archive entry. */
    long (*line)(ts_row *row);

    /* --- outcomes ---------------------------------------------------------------------- */
    /* Records an outcome of the row: status, message key (as tool_sync's, e.g.
     * "useraccountadded"), the column concerned (NULL if none) and a text.  See the rules
     * at the top for several calls.  Never put a password into the text. */
    void (*outcome)(ts_row *row, ts_status status, const char *key, const char *column,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
    /* The most severe status recorded for the row so far, or -1 when none. */
    int (*row_status)(ts_row *row);
    /* A message about the whole file (from begin_file, end_file).  An ERROR from
     * begin_file, which then returns TS_ERR, names why the file was refused. */
    void (*file_outcome)(ts_run *run, ts_status status, const char *key, const char *column,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

    /* --- the run ----------------------------------------------------------------------- */
    /* Time of the run (seconds since the epoch); every row a run writes uses it. */
    int64_t (*now)(ts_run *run);
    /* A dry run: writes happen and are rolled back at the end; the bridge runs nothing. */
    int (*dry_run)(ts_run *run);

#if TOOLSYNC_ABI_TARGET_MINOR >= 2
    /* --- 2.2 ------------------------------------------------------------------------- */
    /* Only during init().  `c` must outlive the module (use a static).  0, or -1 when
     * refused (logged: no name, no run callback, name taken by the core or another
     * module). */
    int (*register_command)(const ts_command *c);
#endif
} ts_runtime;

/* --------------------------------------------------------------------------------------
 * The module descriptor, exported as `toolsync_module` by TOOLSYNC_MODULE().
 * ------------------------------------------------------------------------------------ */
typedef struct ts_module_desc {
    uint32_t magic;                /* TOOLSYNC_MODULE_MAGIC                               */
    uint32_t size;                 /* sizeof(ts_module_desc) the module was built with    */
    uint16_t abi_major, abi_minor; /* the ABI it was built for                           */
    uint32_t option_size;          /* sizeof(ts_option)                                   */
    const char *name;              /* its section in toolsync.conf, e.g. "users"         */
    const char *version;           /* the module's own version                            */
    const char *summary;           /* one line                                            */
    const ts_option *options;      /* ends with an entry whose name is NULL; may be NULL */
    /* Called once after loading, with the runtime table; registers handlers and looks
     * up the services it needs.  0 on success. */
    int (*init)(const ts_runtime *rt);
    /* Optional, called before unloading. */
    void (*fini)(void);
} ts_module_desc;

#define TOOLSYNC_MODULE_MAGIC 0x54534d32u  /* "TSM2" */

/* In the module's source: TOOLSYNC_MODULE("badges", "1.0", "...", options, init, NULL) */
#define TOOLSYNC_MODULE(name_, version_, summary_, options_, init_, fini_)               \
    const ts_module_desc toolsync_module = {                                            \
        TOOLSYNC_MODULE_MAGIC, sizeof(ts_module_desc), TOOLSYNC_ABI_MAJOR,              \
        TOOLSYNC_ABI_TARGET_MINOR, sizeof(ts_option), name_, version_, summary_,        \
        options_, init_, fini_ }

#ifdef __cplusplus
}
#endif
#endif /* TOOLSYNC_MODULE_H */
