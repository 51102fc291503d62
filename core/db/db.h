/* The SQL layer: one interface, one driver per database.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Callers write SQL with `{name}` for table names (expanded with the table prefix) and `?`
 * for parameters (rewritten to $1.. for PostgreSQL).  Values are always bound.
 * `{name}` is expanded everywhere, in literals too (`nextval('{user}_id_seq')`); only
 * `{[a-z0-9_]+}` is, so `'{"a":1}'` stays.  A `?` in a literal, quoted identifier or
 * comment is no parameter.
 * Nothing here knows Moodle.
 */
#ifndef TS_DB_H
#define TS_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "toolsync/toolsync.h"   /* ts_db_kind */

typedef struct db db;
typedef struct db_stmt db_stmt;

/* Connection parameters (from toolsync.conf section `database`). */
typedef struct {
    ts_db_kind kind;
    const char *host;      /* pg/mariadb: host name or socket directory; "" = default */
    int port;              /* 0 = default                                             */
    const char *name;      /* database name; sqlite: file path                        */
    const char *user;
    const char *password;  /* never logged                                            */
    const char *socket;    /* mariadb unix socket path, optional                      */
    const char *prefix;    /* table prefix, e.g. "mdl_"                               */
} db_params;

/* Opens a connection.  On failure returns NULL and writes a message (without the
 * password) into err. */
db *db_open(const db_params *p, char *err, size_t errlen);
void db_close(db *d);
ts_db_kind db_kind(const db *d);
const char *db_prefix(const db *d);

/* Last error message of the connection (or of its last statement). */
const char *db_error(const db *d);
/* Did the last error mean the connection is gone (server down, network)? */
int db_connection_lost(const db *d);

/* Transactions.  Savepoints nest inside a transaction; names are [a-z0-9_]. */
int db_begin(db *d);
int db_commit(db *d);
int db_rollback(db *d);
int db_savepoint(db *d, const char *name);
int db_release(db *d, const char *name);
int db_rollback_to(db *d, const char *name);

/* Runs SQL without parameters or results (DDL, SET ...).  May hold several statements
 * separated by ';' (used to load schemas). */
int db_exec_script(db *d, const char *sql);

/* Prepared statements.  The text is expanded ({table}, ?) once. */
db_stmt *db_prepare(db *d, const char *sql);
void db_finalize(db_stmt *st);
/* types: one letter per parameter: 'i' int64_t, 's' const char* (NULL = SQL NULL), 'n'. */
int db_execv(db_stmt *st, const char *types, va_list ap);
/* The same with the values in an array, one slot per parameter (for statements built at
 * run time, such as multi-row inserts); the slot of an 'n' is ignored. */
typedef union { int64_t i; const char *s; } db_arg;
int db_execa(db_stmt *st, const char *types, const db_arg *args);
int db_exec(db_stmt *st, const char *types, ...);
int db_next(db_stmt *st);                 /* 1 row, 0 done, -1 error */
int64_t db_col_int(db_stmt *st, int col);
const char *db_col_text(db_stmt *st, int col);   /* NULL when SQL NULL */
int db_col_null(db_stmt *st, int col);
int db_ncols(db_stmt *st);
/* Both synchronise (see db_sync) and answer -1 when a pending write failed. */
int64_t db_last_id(db_stmt *st);          /* id of the row the last INSERT created */
int64_t db_changes(db_stmt *st);          /* rows changed by the last UPDATE/DELETE
                                             (rows matched, on every database) */
db *db_stmt_db(db_stmt *st);

/* A driver may send writes without waiting for their answer (PostgreSQL pipeline mode);
 * their errors then surface at the next synchronising call: db_next, db_last_id,
 * db_changes, savepoint/commit/rollback operations, or db_sync, which fails if any
 * pending write failed. */
int db_sync(db *d);

/* Next id of `table`'s sequence, taken ahead of the insert ('0' when the database cannot:
 * then insert without id and use db_last_id).  PostgreSQL takes ids from
 * <prefix><table>_id_seq in blocks to save round trips. */
int64_t db_reserve_id(db *d, const char *table);

/* Number of statements executed that may have written (not SELECT) since the counter
 * was last reset: the batch runner uses it to know whether a failed row left writes. */
uint64_t db_write_count(const db *d);
void db_write_count_reset(db *d);
/* Number of SELECT statements run since the connection opened (each one a round trip):
 * the unit tests count what the per-run caches of core/moodle save. */
uint64_t db_read_count(const db *d);

/* Rows inserted later (later.c).  Queues one row of a single-row INSERT, "INSERT INTO
 * {t} (a, b) VALUES (?, ?)" (literals may stand in the tuple), to be sent with the other
 * rows of the same text in multi-row INSERTs: before any statement that names the table
 * runs, before scripts, savepoints, releases and commits, and at db_sync; a rollback
 * drops them.  Errors surface at the call that sends them.  Strings are copied.  Only
 * for rows whose id nobody asks of the database (given, or not needed): there is no
 * db_last_id.  Counted as a write at once. */
int db_insert_later(db *d, const char *sql, const char *types, ...);
int db_insert_laterv(db *d, const char *sql, const char *types, va_list ap);
int db_insert_later_a(db *d, const char *sql, const char *types, const db_arg *args);
size_t db_later_rows(const db *d);

/* PostgreSQL only: queue writes (1, the default) or wait for each answer (0; slower,
 * errors then surface at the failing db_exec).  Returns the previous setting; other
 * databases always answer 0 and ignore it. */
int db_set_pipeline(db *d, int on);

/* --- dialect helpers (core/db/dialect.c) ------------------------------------------ */
/* Expands `{table}` and `?` for the connection; returns a malloc'd string. */
char *dialect_expand(ts_db_kind kind, const char *prefix, const char *sql);
/* Does the table exist (with prefix)? */
int db_table_exists(db *d, const char *table);

/* Transaction operations a driver implements (db_begin ... db_rollback_to). */
typedef enum {
    DB_TXN_BEGIN, DB_TXN_COMMIT, DB_TXN_ROLLBACK,
    DB_TXN_SAVEPOINT, DB_TXN_RELEASE, DB_TXN_ROLLBACK_TO
} db_txn_op;

/* Driver table: each driver fills one. */
typedef struct db_driver {
    const char *name;
    db *(*open)(const db_params *p, char *err, size_t errlen);
    void (*close)(db *d);
    int (*exec_script)(db *d, const char *sql);
    db_stmt *(*prepare)(db *d, const char *expanded_sql, int nparams);
    void (*finalize)(db_stmt *st);
    int (*execa)(db_stmt *st, const char *types, const db_arg *args);
    int (*next)(db_stmt *st);
    int64_t (*col_int)(db_stmt *st, int col);
    const char *(*col_text)(db_stmt *st, int col);
    int (*col_null)(db_stmt *st, int col);
    int (*ncols)(db_stmt *st);
    int64_t (*last_id)(db_stmt *st);
    int64_t (*changes)(db_stmt *st);
    int (*sync)(db *d);
    int64_t (*reserve_id)(db *d, const char *table);
    const char *(*error)(const db *d);
    int (*connection_lost)(const db *d);
    int (*txn)(db *d, db_txn_op op, const char *name);   /* name: savepoints only */
    int (*set_pipeline)(db *d, int on);                  /* NULL: not supported   */
} db_driver;

extern const db_driver db_driver_sqlite, db_driver_pg, db_driver_mariadb;

#endif
