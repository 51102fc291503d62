/* The SQL layer's common part: driver dispatch, SQL expansion, errors, write counter.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db_internal.h"

static const db_driver *driver_for(ts_db_kind kind)
{
    switch (kind) {
    case TS_DB_SQLITE: return &db_driver_sqlite;
    case TS_DB_POSTGRES: return &db_driver_pg;
    case TS_DB_MARIADB: return &db_driver_mariadb;
    }
    return NULL;
}

/* Belt and braces: no client library is known to echo the password, but a message
 * that would contain it must not leave this function with it. */
static void scrub(char *msg, const char *secret)
{
    size_t sl;
    char *p;
    if (!msg || !secret || (sl = strlen(secret)) < 3)
        return;
    while ((p = strstr(msg, secret)) != NULL) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + sl, strlen(p + sl) + 1);
    }
}

db *db_open(const db_params *p, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!p) {
        snprintf(err, errlen, "no database parameters");
        return NULL;
    }
    const db_driver *drv = driver_for(p->kind);
    if (!drv) {
        snprintf(err, errlen, "unknown database type %d", (int)p->kind);
        return NULL;
    }
    /* The prefix is spliced into SQL text: only plain name characters. */
    if (p->prefix && *p->prefix && !dialect_valid_name(p->prefix, 32, 1)) {
        snprintf(err, errlen, "invalid table prefix '%s' (letters, digits and _ only)",
                 p->prefix);
        return NULL;
    }
    char *prefix = strdup(p->prefix ? p->prefix : "");
    if (!prefix) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    db *d = drv->open(p, err, errlen);
    if (!d) {
        scrub(err, p->password);
        free(prefix);
        return NULL;
    }
    d->drv = drv;
    d->kind = p->kind;
    d->prefix = prefix;
    return d;
}

void db_close(db *d)
{
    if (!d)
        return;
    char *prefix = d->prefix;
    db_later_free(d);
    d->drv->close(d);
    free(prefix);
}

ts_db_kind db_kind(const db *d) { return d->kind; }
const char *db_prefix(const db *d) { return d->prefix; }

const char *db_error(const db *d)
{
    if (!d)
        return "no database connection";
    return d->drv->error ? d->drv->error(d) : d->err;
}

int db_connection_lost(const db *d)
{
    if (!d)
        return 1;
    return d->drv->connection_lost ? d->drv->connection_lost(d) : d->lost;
}

void db_set_error(db *d, int lost, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    /* One line: server messages end with newlines. */
    size_t n = strlen(d->err);
    while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
        d->err[--n] = '\0';
    for (char *c = d->err; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    if (lost)
        d->lost = 1;
}

void db_clear_error(db *d)
{
    d->err[0] = '\0';
}

const char *db_base_error(const db *d) { return d->err; }
int db_base_connection_lost(const db *d) { return d->lost; }

void db_stmt_init(db_stmt *st, db *d, const char *sql, int nparams)
{
    st->d = d;
    st->nparams = nparams;
    st->verb = dialect_verb(sql);
    st->stats_slot = st->verb == DB_VERB_INSERT ? db_stats_slot(d, sql) : -1;
    st->sql = strdup(sql);
}

/* --- transactions ----------------------------------------------------------------- */

const char *db_txn_sql(db_txn_op op, const char *name, ts_db_kind kind, char *buf,
                       size_t len)
{
    switch (op) {
    case DB_TXN_BEGIN:
        /* SQLite: take the write lock now rather than fail to upgrade later. */
        snprintf(buf, len, "%s", kind == TS_DB_SQLITE ? "BEGIN IMMEDIATE" :
                                 kind == TS_DB_MARIADB ? "START TRANSACTION" : "BEGIN");
        break;
    case DB_TXN_COMMIT: snprintf(buf, len, "COMMIT"); break;
    case DB_TXN_ROLLBACK: snprintf(buf, len, "ROLLBACK"); break;
    case DB_TXN_SAVEPOINT: snprintf(buf, len, "SAVEPOINT %s", name); break;
    case DB_TXN_RELEASE: snprintf(buf, len, "RELEASE SAVEPOINT %s", name); break;
    case DB_TXN_ROLLBACK_TO: snprintf(buf, len, "ROLLBACK TO SAVEPOINT %s", name); break;
    }
    return buf;
}

static int txn(db *d, db_txn_op op, const char *name)
{
    if (!d)
        return -1;
    if (op >= DB_TXN_SAVEPOINT && !dialect_valid_name(name, 63, 0)) {
        db_set_error(d, 0, "invalid savepoint name '%s' (a-z, 0-9, _)", name ? name : "");
        return -1;
    }
    /* Rows queued since the last savepoint go with a rollback, and before the rest. */
    if (op == DB_TXN_ROLLBACK || op == DB_TXN_ROLLBACK_TO)
        db_later_drop(d);
    else if (db_later_before(d, NULL) != 0)
        return -1;
    return d->drv->txn(d, op, name);
}

int db_begin(db *d) { return txn(d, DB_TXN_BEGIN, NULL); }
int db_commit(db *d)
{
    int rc = txn(d, DB_TXN_COMMIT, NULL);
    if (rc == 0)
        db_stats_after_commit(d);
    return rc;
}
int db_rollback(db *d) { return txn(d, DB_TXN_ROLLBACK, NULL); }
int db_savepoint(db *d, const char *name) { return txn(d, DB_TXN_SAVEPOINT, name); }
int db_release(db *d, const char *name) { return txn(d, DB_TXN_RELEASE, name); }
int db_rollback_to(db *d, const char *name) { return txn(d, DB_TXN_ROLLBACK_TO, name); }

/* --- statements ------------------------------------------------------------------- */

int db_exec_script(db *d, const char *sql)
{
    if (!d || !sql)
        return -1;
    char *x = dialect_expand_n(d->kind, d->prefix, sql, NULL);
    if (!x) {
        db_set_error(d, 0, "out of memory");
        return -1;
    }
    if (dialect_verb(x) != DB_VERB_SELECT)
        d->writes++;
    if (db_later_before(d, NULL) != 0) {
        free(x);
        return -1;
    }
    int r = d->drv->exec_script(d, x);
    free(x);
    return r;
}

db_stmt *db_prepare(db *d, const char *sql)
{
    int n = 0;
    if (!d || !sql)
        return NULL;
    char *x = dialect_expand_n(d->kind, d->prefix, sql, &n);
    if (!x) {
        db_set_error(d, 0, "out of memory");
        return NULL;
    }
    db_stmt *st = d->drv->prepare(d, x, n);
    free(x);
    return st;
}

void db_finalize(db_stmt *st)
{
    if (!st)
        return;
    char *sql = st->sql;
    st->d->drv->finalize(st);
    free(sql);
}

void db_args_from(const char *types, size_t nt, va_list ap, db_arg *args)
{
    for (size_t i = 0; i < nt; i++) {
        if (types[i] == 'i')
            args[i].i = va_arg(ap, int64_t);
        else if (types[i] == 's')
            args[i].s = va_arg(ap, const char *);
        else
            args[i].s = NULL;
    }
}

int db_execv(db_stmt *st, const char *types, va_list ap)
{
    /* Gathered into an array: the drivers bind from one form only. */
    db_arg small[64] = { { 0 } }, *args = small;
    size_t nt = types ? strlen(types) : 0;
    if (nt > 64 && !(args = malloc(nt * sizeof *args))) {
        if (st)
            db_set_error(st->d, 0, "out of memory");
        return -1;
    }
    db_args_from(types, nt, ap, args);
    int rc = db_execa(st, types, args);
    if (args != small)
        free(args);
    return rc;
}

int db_execa(db_stmt *st, const char *types, const db_arg *args)
{
    if (!st)
        return -1;
    db *d = st->d;
    if (!types)
        types = "";
    size_t nt = strlen(types);
    if (nt != (size_t)st->nparams) {
        db_set_error(d, 0, "statement takes %d parameter(s), %zu given", st->nparams, nt);
        return -1;
    }
    for (size_t i = 0; i < nt; i++) {
        if (types[i] != 'i' && types[i] != 's' && types[i] != 'n') {
            db_set_error(d, 0, "unknown parameter type '%c'", types[i]);
            return -1;
        }
    }
    if (st->verb != DB_VERB_SELECT)
        d->writes++;
    else
        d->reads++;
    if (st->stats_slot >= 0)
        d->stats[st->stats_slot].inserted++;
    if (d->later && db_later_before(d, st->sql) != 0)
        return -1;
    return d->drv->execa(st, types, args);
}

int db_exec(db_stmt *st, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int r = db_execv(st, types, ap);
    va_end(ap);
    return r;
}

int db_next(db_stmt *st) { return st ? st->d->drv->next(st) : -1; }
int64_t db_col_int(db_stmt *st, int col) { return st->d->drv->col_int(st, col); }
const char *db_col_text(db_stmt *st, int col) { return st->d->drv->col_text(st, col); }
int db_col_null(db_stmt *st, int col) { return st->d->drv->col_null(st, col); }
int db_ncols(db_stmt *st) { return st->d->drv->ncols(st); }
int64_t db_last_id(db_stmt *st) { return st ? st->d->drv->last_id(st) : -1; }
int64_t db_changes(db_stmt *st) { return st ? st->d->drv->changes(st) : -1; }
db *db_stmt_db(db_stmt *st) { return st ? st->d : NULL; }

int db_sync(db *d)
{
    if (!d)
        return -1;
    if (d->lost)            /* nothing more will reach that server */
        return -1;
    if (db_later_send(d) != 0) {
        if (d->drv->sync)
            d->drv->sync(d);
        return -1;
    }
    return d->drv->sync ? d->drv->sync(d) : 0;
}

int64_t db_reserve_id(db *d, const char *table)
{
    if (!d)
        return -1;
    if (!dialect_valid_name(table, 60, 0)) {
        db_set_error(d, 0, "invalid table name '%s'", table ? table : "");
        return -1;
    }
    return d->drv->reserve_id ? d->drv->reserve_id(d, table) : 0;
}

uint64_t db_write_count(const db *d) { return d ? d->writes : 0; }
uint64_t db_read_count(const db *d) { return d ? d->reads : 0; }
void db_write_count_reset(db *d) { if (d) d->writes = 0; }

int db_set_pipeline(db *d, int on)
{
    if (!d || !d->drv->set_pipeline)
        return 0;
    return d->drv->set_pipeline(d, on);
}

int db_table_exists(db *d, const char *table)
{
    const char *sql;
    if (!d)
        return -1;
    switch (d->kind) {
    case TS_DB_SQLITE:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
        break;
    case TS_DB_POSTGRES:
        sql = "SELECT 1 FROM information_schema.tables "
              "WHERE table_schema = current_schema() AND table_name = ?";
        break;
    default:
        sql = "SELECT 1 FROM information_schema.tables "
              "WHERE table_schema = DATABASE() AND table_name = ?";
        break;
    }
    size_t n = strlen(d->prefix) + strlen(table ? table : "") + 1;
    char *full = malloc(n);
    if (!full) {
        db_set_error(d, 0, "out of memory");
        return -1;
    }
    snprintf(full, n, "%s%s", d->prefix, table ? table : "");
    db_stmt *st = db_prepare(d, sql);
    int r = -1;
    if (st) {
        if (db_exec(st, "s", full) == 0)
            r = db_next(st);
        db_finalize(st);
    }
    free(full);
    return r < 0 ? -1 : r;
}
