/* toolsync SDK, service "sql": parameterised statements on the site's database.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_sql_api *SQL = rt->get_api(TS_SQL_API, TS_SQL_API_VERSION);
 *
 * SQL text rules, the same on every database:
 *  - Table names are written `{name}`: the core replaces each `{word}` by the prefixed
 *    name (`{user}` -> `mdl_user`) everywhere in the text, inside string literals too,
 *    so never write a literal brace pair in a value: bind values instead.  A `?`
 *    inside a string literal or a comment is not a parameter.
 *  - Parameters are `?`; values are always bound, never spliced into the text.
 *  - Write portable SQL (the core runs it on PostgreSQL, MariaDB/MySQL and SQLite);
 *    dialect() tells which one runs, for the rare differences.
 * All statements of a batch run in the batch's transaction: never COMMIT, ROLLBACK or
 * SAVEPOINT yourself.
 */
#ifndef TOOLSYNC_SQL_H
#define TOOLSYNC_SQL_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_SQL_API "sql"
#define TS_SQL_API_VERSION 1

typedef struct ts_stmt ts_stmt;   /* a prepared statement, owned and cached by the core
                                     for the whole run: never free it                  */

typedef enum { TS_DB_SQLITE = 1, TS_DB_POSTGRES, TS_DB_MARIADB } ts_db_kind;

/* One parameter for exec_array: `i` for type 'i', `s` for type 's'. */
typedef union ts_value { int64_t i; const char *s; } ts_value;

typedef struct ts_sql_api {
    ts_api api;
    ts_db_kind (*dialect)(ts_run *run);
    /* Prepares `sql` once per run: later calls with the same text return the same
     * statement (a hash lookup), so calling it on every row is fine.  NULL on error
     * (the database's message is recorded on the current row). */
    ts_stmt *(*prepare)(ts_run *run, const char *sql);
    /* Binds and runs.  `types` has one letter per `?`: 'i' int64_t, 's' const char *
     * (NULL binds SQL NULL), 'n' SQL NULL (takes no argument).  0, or -1 (the error is
     * recorded on the current row).  The rows of a SELECT are then read with next();
     * the rows of the statement's previous run are discarded. */
    int (*exec)(ts_stmt *st, const char *types, ...);
    /* exec() with the values in an array, one slot per `?` (the slot of an 'n' is not
     * read): for statements built at run time, such as IN lists of a batch's keys. */
    int (*exec_array)(ts_stmt *st, const char *types, const ts_value *values);
    /* Next result row: 1 there is one, 0 no more, -1 error. */
    int (*next)(ts_stmt *st);
    int64_t (*col_int)(ts_stmt *st, int col);
    /* Text of a column, NULL for SQL NULL; valid until the next next()/exec(). */
    const char *(*col_text)(ts_stmt *st, int col);
    int (*col_null)(ts_stmt *st, int col);
    /* Id the last INSERT of this statement generated (its table's key is `id`). */
    int64_t (*last_id)(ts_stmt *st);
    /* Rows changed by the last UPDATE/DELETE of this statement. */
    int64_t (*changes)(ts_stmt *st);
    /* An id for a new row of `table`, taken from the database's sequence ahead of the
     * INSERT, so that the insert needs no answer (PostgreSQL).  0 when the database
     * cannot hand ids out ahead (MariaDB, SQLite): insert without `id`, read last_id(). */
    int64_t (*reserve_id)(ts_run *run, const char *table);
    /* Reads every row of the result: the first column of the only row (> 0), 0 when
     * there is none, -2 when there are several, -1 on error. */
    int64_t (*single_id)(ts_stmt *st);
} ts_sql_api;

#ifdef __cplusplus
}
#endif
#endif
