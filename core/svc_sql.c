/* Service "sql": parameterised statements, prepared once per run and cached by their
 * text, on the site's database.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "svc.h"

/* A failed statement: the database's reason goes on the current row, so that the
 * report says why (a constraint, a lost connection), not only "failed". */
static void sql_failed(ts_stmt *s)
{
    ts_logf(TS_LOG_DEBUG, "statement failed: %s", db_error(s->run->e->db));
    run_fail(s->run, "dberror", "%s", db_error(s->run->e->db));
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

ts_stmt *sql_prepare(ts_run *r, const char *sql)
{
    if (r->capstmts == 0 || r->nstmts * 2 >= r->capstmts) {
        size_t cap = r->capstmts ? r->capstmts * 2 : 64;
        ts_stmt **t = calloc(cap, sizeof *t);
        for (size_t i = 0; i < r->capstmts; i++)
            if (r->stmts[i]) {
                size_t j = hash_str(r->stmts[i]->sql) & (cap - 1);
                while (t[j])
                    j = (j + 1) & (cap - 1);
                t[j] = r->stmts[i];
            }
        free(r->stmts);
        r->stmts = t;
        r->capstmts = cap;
    }
    size_t j = hash_str(sql) & (r->capstmts - 1);
    while (r->stmts[j]) {
        if (strcmp(r->stmts[j]->sql, sql) == 0)
            return r->stmts[j];
        j = (j + 1) & (r->capstmts - 1);
    }
    db_stmt *st = db_prepare(r->e->db, sql);
    if (!st) {
        ts_logf(TS_LOG_ERROR, "cannot prepare statement: %s", db_error(r->e->db));
        run_fail(r, "dberror", "%s", db_error(r->e->db));
        return NULL;
    }
    ts_stmt *s = calloc(1, sizeof *s);
    s->st = st;
    s->run = r;
    s->sql = strdup(sql);
    r->stmts[j] = s;
    r->nstmts++;
    return s;
}

void sql_cache_free(ts_run *r)
{
    for (size_t i = 0; i < r->capstmts; i++)
        if (r->stmts[i]) {
            db_finalize(r->stmts[i]->st);
            free(r->stmts[i]->sql);
            free(r->stmts[i]);
        }
    free(r->stmts);
    r->stmts = NULL;
    r->nstmts = r->capstmts = 0;
}

int sql_exec(ts_stmt *s, const char *types, ...)
{
    if (!s)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = db_execv(s->st, types, ap);
    va_end(ap);
    if (rc != 0)
        sql_failed(s);
    return rc;
}

int sql_exec_array(ts_stmt *s, const char *types, const ts_value *values)
{
    _Static_assert(sizeof(ts_value) == sizeof(db_arg), "ts_value and db_arg share a layout");
    if (!s)
        return -1;
    int rc = db_execa(s->st, types, (const db_arg *)values);
    if (rc != 0)
        sql_failed(s);
    return rc;
}

int sql_next(ts_stmt *s) { return s ? db_next(s->st) : -1; }
int64_t sql_col_int(ts_stmt *s, int c) { return db_col_int(s->st, c); }
const char *sql_col_text(ts_stmt *s, int c) { return db_col_text(s->st, c); }
int sql_col_null(ts_stmt *s, int c) { return db_col_null(s->st, c); }
static int64_t sql_last_id(ts_stmt *s) { return db_last_id(s->st); }
static int64_t sql_changes(ts_stmt *s) { return db_changes(s->st); }
static int64_t sql_reserve_id(ts_run *r, const char *table) { return db_reserve_id(r->e->db, table); }
static ts_db_kind sql_dialect(ts_run *r) { return db_kind(r->e->db); }

int64_t sql_single_id(ts_stmt *st)
{
    int64_t id = 0;
    int n = 0, rc;
    while ((rc = sql_next(st)) > 0) {
        if (!n)
            id = sql_col_int(st, 0);
        n++;
    }
    if (rc < 0)
        return -1;
    return n > 1 ? -2 : id;
}

const ts_sql_api svc_sql = {
    .api = { sizeof(ts_sql_api), TS_SQL_API_VERSION, TS_SQL_API },
    .dialect = sql_dialect,
    .prepare = sql_prepare,
    .exec = sql_exec,
    .exec_array = sql_exec_array,
    .next = sql_next,
    .col_int = sql_col_int,
    .col_text = sql_col_text,
    .col_null = sql_col_null,
    .last_id = sql_last_id,
    .changes = sql_changes,
    .reserve_id = sql_reserve_id,
    .single_id = sql_single_id,
};
