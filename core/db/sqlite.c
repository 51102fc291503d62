/* SQLite driver (libsqlite3): the database of the tests and of small setups.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "db_internal.h"

typedef struct {
    struct db base;
    sqlite3 *h;
} sq_db;

typedef struct {
    struct db_stmt base;
    sqlite3_stmt *s;
    int row_ready;      /* db_execv stepped onto a row that db_next has not returned */
    int done;
    int64_t last_id, changes;
} sq_stmt;

#define SQ(d) ((sq_db *)(d))
#define SQS(st) ((sq_stmt *)(st))

/* I/O errors are the nearest thing to a lost server that a file database has. */
static int is_lost(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN || rc == SQLITE_NOTADB ||
           rc == SQLITE_CORRUPT;
}

static int fail(db *d, int rc)
{
    db_set_error(d, is_lost(rc), "%s", sqlite3_errmsg(SQ(d)->h));
    return -1;
}

static db *sq_open(const db_params *p, char *err, size_t errlen)
{
    if (!p->name || !*p->name) {
        snprintf(err, errlen, "SQLite: no database file given");
        return NULL;
    }
    sq_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(p->name, &d->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    char *msg = NULL;
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(d->h, 1);
        sqlite3_busy_timeout(d->h, 10000);
        /* Moodle's schema has no foreign keys to honour; WAL lets readers run beside
         * the writer; NORMAL is durable enough with WAL. */
        rc = sqlite3_exec(d->h, "PRAGMA foreign_keys=OFF; PRAGMA journal_mode=WAL; "
                                "PRAGMA synchronous=NORMAL;", NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "SQLite: cannot open %s: %s", p->name,
                 msg ? msg : d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(d->h);
        free(d);
        return NULL;
    }
    return &d->base;
}

static void sq_close(db *d)
{
    sqlite3_close_v2(SQ(d)->h);
    free(d);
}

static int sq_exec_script(db *d, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(SQ(d)->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        db_set_error(d, is_lost(rc), "%s", msg ? msg : sqlite3_errmsg(SQ(d)->h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static db_stmt *sq_prepare(db *d, const char *sql, int nparams)
{
    sq_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        db_set_error(d, 0, "out of memory");
        return NULL;
    }
    int rc = sqlite3_prepare_v3(SQ(d)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s, NULL);
    if (rc != SQLITE_OK || !st->s) {
        if (rc == SQLITE_OK)
            db_set_error(d, 0, "empty statement");
        else
            fail(d, rc);
        sqlite3_finalize(st->s);
        free(st);
        return NULL;
    }
    (void)nparams;   /* SQLite counts its own placeholders */
    db_stmt_init(&st->base, d, sql, sqlite3_bind_parameter_count(st->s));
    return &st->base;
}

static void sq_finalize(db_stmt *st)
{
    sqlite3_finalize(SQS(st)->s);
    free(st);
}

/* The statement ran to its end: remember what it did and let go of its locks. */
static void finished(sq_stmt *st)
{
    sqlite3 *h = SQ(st->base.d)->h;
    st->done = 1;
    st->changes = st->base.verb == DB_VERB_SELECT ? 0 : sqlite3_changes(h);
    st->last_id = st->base.verb == DB_VERB_INSERT ? sqlite3_last_insert_rowid(h) : 0;
    sqlite3_reset(st->s);
}

static int sq_execa(db_stmt *bst, const char *types, const db_arg *args)
{
    sq_stmt *st = SQS(bst);
    db *d = bst->d;
    int rc = SQLITE_OK;

    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    st->row_ready = st->done = 0;
    st->last_id = st->changes = 0;
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 'i') {
            rc = sqlite3_bind_int64(st->s, i + 1, args[i].i);
        } else if (types[i] == 's') {
            const char *v = args[i].s;
            rc = v ? sqlite3_bind_text(st->s, i + 1, v, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st->s, i + 1);
        } else {
            rc = sqlite3_bind_null(st->s, i + 1);
        }
    }
    if (rc != SQLITE_OK)
        return fail(d, rc);
    rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW) {
        st->row_ready = 1;
        return 0;
    }
    if (rc == SQLITE_DONE) {
        finished(st);
        return 0;
    }
    fail(d, rc);
    sqlite3_reset(st->s);
    return -1;
}

static int sq_next(db_stmt *bst)
{
    sq_stmt *st = SQS(bst);
    if (st->row_ready) {
        st->row_ready = 0;
        return 1;
    }
    if (st->done)
        return 0;
    int rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        finished(st);
        return 0;
    }
    fail(bst->d, rc);
    sqlite3_reset(st->s);
    st->done = 1;
    return -1;
}

static int valid_col(sq_stmt *st, int col)
{
    return !st->done && col >= 0 && col < sqlite3_column_count(st->s);
}

static int64_t sq_col_int(db_stmt *st, int col)
{
    return valid_col(SQS(st), col) ? sqlite3_column_int64(SQS(st)->s, col) : 0;
}

static const char *sq_col_text(db_stmt *st, int col)
{
    return valid_col(SQS(st), col) ? (const char *)sqlite3_column_text(SQS(st)->s, col)
                                   : NULL;
}

static int sq_col_null(db_stmt *st, int col)
{
    return valid_col(SQS(st), col) ? sqlite3_column_type(SQS(st)->s, col) == SQLITE_NULL
                                   : 1;
}

static int sq_ncols(db_stmt *st) { return sqlite3_column_count(SQS(st)->s); }
static int64_t sq_last_id(db_stmt *st) { return SQS(st)->last_id; }
static int64_t sq_changes(db_stmt *st) { return SQS(st)->changes; }

static int sq_txn(db *d, db_txn_op op, const char *name)
{
    char sql[128];
    return sq_exec_script(d, db_txn_sql(op, name, TS_DB_SQLITE, sql, sizeof sql));
}

const db_driver db_driver_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec_script = sq_exec_script,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .execa = sq_execa,
    .next = sq_next,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .ncols = sq_ncols,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .sync = NULL,
    .reserve_id = NULL,
    .error = db_base_error,
    .connection_lost = db_base_connection_lost,
    .txn = sq_txn,
    .set_pipeline = NULL,
};
