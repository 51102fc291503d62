/* PostgreSQL driver (libpq), in pipeline mode: writes are sent without waiting.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why: creating a user is ~3 INSERTs; waiting for each answer would cap us at a few
 * thousand statements per second on a network.  So every command goes into libpq's
 * pipeline and this file keeps a queue of what was sent (`ent`), in order.  Nothing is
 * read back until a synchronising call (a SELECT, db_next/db_last_id/db_changes,
 * savepoint/commit/rollback operations, db_sync) sends a Sync and reads every answer
 * up to it.  The first error among them is kept in `pend_err` and makes that call fail.
 *
 * Rules that keep errors attributed to the right caller:
 *  - BEGIN and SAVEPOINT synchronise first when writes are pending (so a failure from
 *    before them is not reported later as theirs), then are queued without waiting.
 *  - ROLLBACK / ROLLBACK TO put a Sync before themselves (after a failure the server
 *    skips everything up to the next Sync) and throw away the errors of the writes
 *    they undo.
 *  - COMMIT that the server turned into ROLLBACK (transaction already failed) is an
 *    error.
 * A connection failure is never thrown away.
 *
 * INSERT statements get " RETURNING id" appended (unless they have RETURNING) so that
 * db_last_id needs no extra round trip; should the table have no id column, the
 * statement is prepared again without it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg_internal.h"
/* ------------------------------------------------------------------------------------
 * Connection
 * ---------------------------------------------------------------------------------- */

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static db *pg_open(const db_params *p, char *err, size_t errlen)
{
    const char *keys[16], *vals[16];
    char port[16];
    int n = 0;

#define KV(k, v) do { const char *v_ = (v); if (v_ && *v_) { keys[n] = (k); vals[n] = v_; n++; } } while (0)
    KV("host", p->host);
    if (p->port > 0) {
        snprintf(port, sizeof port, "%d", p->port);
        KV("port", port);
    }
    KV("dbname", p->name);
    KV("user", p->user);
    KV("password", p->password);
    KV("connect_timeout", "10");
    /* A server that vanished without closing the socket is noticed within a minute. */
    KV("keepalives_idle", "30");
    KV("keepalives_interval", "10");
    KV("keepalives_count", "3");
    KV("application_name", "toolsync");
    KV("client_encoding", "UTF8");
    keys[n] = vals[n] = NULL;
#undef KV

    pg_db *pd = calloc(1, sizeof *pd);
    if (!pd) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pd->c = PQconnectdbParams(keys, vals, 0);
    if (!pd->c || PQstatus(pd->c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", pd->c ? PQerrorMessage(pd->c) : "out of memory");
        size_t ml = strlen(msg);
        while (ml > 0 && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
            msg[--ml] = '\0';
        for (char *c = msg; *c; c++)
            if (*c == '\n')
                *c = ' ';
        snprintf(err, errlen, "PostgreSQL: cannot connect to database %s on %s%s%s as %s: %s",
                 p->name && *p->name ? p->name : "(default)",
                 p->host && *p->host ? p->host : "(default host)", n > 0 && p->port > 0 ? ":" : "",
                 p->port > 0 ? port : "", p->user && *p->user ? p->user : "(default user)", msg);
        PQfinish(pd->c);
        free(pd);
        return NULL;
    }
    if (!PQenterPipelineMode(pd->c)) {
        snprintf(err, errlen, "PostgreSQL: cannot enter pipeline mode: %s",
                 PQerrorMessage(pd->c));
        PQfinish(pd->c);
        free(pd);
        return NULL;
    }
    /* Server notices (e.g. "there is no transaction in progress") are not ours to print. */
    PQsetNoticeProcessor(pd->c, ignore_notice, NULL);
    pd->pipeline = 1;
    return &pd->base;
}

static void pg_close(db *d)
{
    pg_db *pd = PG(d);
    /* Writes sent outside a transaction are meant to be kept: let them finish. */
    if (!pgq_conn_bad(pd))
        pgq_flush_all(pd);
    PQfinish(pd->c);
    for (size_t i = 0; i < pd->nids; i++) {
        free(pd->ids[i].table);
        free(pd->ids[i].ids);
    }
    free(pd->ids);
    free(pd->q);
    free(pd->pend_err);
    if (pd->own)
        PQclear(pd->own);
    free(pd);
}

static int pg_set_pipeline(db *d, int on)
{
    int old = PG(d)->pipeline;
    PG(d)->pipeline = on ? 1 : 0;
    return old;
}

/* Multi-statement scripts need the simple query protocol, so leave pipeline mode. */
static int pg_exec_script(db *d, const char *sql)
{
    pg_db *pd = PG(d);
    if (pgq_sync(d) < 0)
        return -1;
    if (!PQexitPipelineMode(pd->c)) {
        db_set_error(d, pgq_conn_bad(pd), "%s", PQerrorMessage(pd->c));
        return -1;
    }
    PGresult *r = PQexec(pd->c, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        char msg[1024];
        pgq_result_message(pd, r, msg, sizeof msg);
        db_set_error(d, pgq_sqlstate_lost(r) || pgq_conn_bad(pd), "%s", msg);
        rc = -1;
    }
    PQclear(r);
    if (!pgq_conn_bad(pd) && !PQenterPipelineMode(pd->c)) {
        db_set_error(d, 0, "cannot re-enter pipeline mode: %s", PQerrorMessage(pd->c));
        rc = -1;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * Statements
 * ---------------------------------------------------------------------------------- */

static int send_prepare(pg_db *pd, pg_stmt *st, unsigned flags)
{
    if (!PQsendPrepare(pd->c, st->name, st->sql, st->base.nparams, NULL) ||
        pgq_push(pd, E_PREPARE, st, flags, 0) < 0) {
        pgq_connection_gone(pd);
        return -1;
    }
    st->prep = PREP_SENT;
    return 0;
}

/* Prepares at once, to pgq_report mistakes to the caller rather than at some later sync.
 * Pending writes ride along in the same round trip; their errors stay pending.
 * Returns 0 (prepared), 1 (not now: an earlier write failed and the transaction is
 * pgq_dead; the statement will be prepared with its next execution) or -1 (error set). */
static int prepare_now(pg_db *pd, pg_stmt *st)
{
    db *d = &pd->base;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (send_prepare(pd, st, EF_OWN) < 0 || pgq_send_sync(pd) < 0)
            break;
        pgq_collect(pd);
        PGresult *r = pd->own;
        pd->own = NULL;
        if (!r)                           /* the connection went away */
            break;
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_COMMAND_OK) {
            PQclear(r);
            return 0;
        }
        if (s == PGRES_PIPELINE_ABORTED || pgq_sqlstate_is(r, "25P02")) {
            PQclear(r);
            st->prep = PREP_NONE;
            return 1;
        }
        if (attempt == 0 && st->sql_plain && pgq_sqlstate_is(r, "42703")) {
            PQclear(r);                   /* no `id` column: prepare without RETURNING */
            free(st->sql);
            st->sql = st->sql_plain;
            st->sql_plain = NULL;
            continue;
        }
        char msg[1024];
        pgq_result_message(pd, r, msg, sizeof msg);
        db_set_error(d, pgq_sqlstate_lost(r) || pgq_conn_bad(pd), "%s", msg);
        PQclear(r);
        return -1;
    }
    st->prep = PREP_NONE;
    if (pgq_report(pd) == 0)
        db_set_error(d, 1, "connection to the server lost");
    return -1;
}

static void free_stmt(pg_stmt *st)
{
    if (st->res)
        PQclear(st->res);
    free(st->sql);
    free(st->sql_plain);
    free(st->vals);
    free(st->ibuf);
    free(st);
}

static db_stmt *pg_prepare(db *d, const char *sql, int nparams)
{
    pg_db *pd = PG(d);
    if (pgq_dead(pd))
        return NULL;
    pg_stmt *st = calloc(1, sizeof *st);
    if (!st)
        goto oom;
    db_stmt_init(&st->base, d, sql, nparams);
    snprintf(st->name, sizeof st->name, "ts%lu", ++pd->nstmt);
    if (nparams > 0) {
        st->vals = calloc((size_t)nparams, sizeof *st->vals);
        st->ibuf = calloc((size_t)nparams, sizeof *st->ibuf);
        if (!st->vals || !st->ibuf)
            goto oom;
    }
    if (st->base.verb == DB_VERB_INSERT && !dialect_has_word(TS_DB_POSTGRES, sql, "RETURNING")) {
        size_t n = strlen(sql);
        while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' ||
                         sql[n - 1] == '\t' || sql[n - 1] == '\r'))
            n--;
        st->sql = malloc(n + sizeof " RETURNING id");
        st->sql_plain = strdup(sql);
        if (!st->sql || !st->sql_plain)
            goto oom;
        memcpy(st->sql, sql, n);
        memcpy(st->sql + n, " RETURNING id", sizeof " RETURNING id");
    } else if (!(st->sql = strdup(sql))) {
        goto oom;
    }

    if (prepare_now(pd, st) < 0) {
        free_stmt(st);
        return NULL;
    }
    return &st->base;
oom:
    db_set_error(d, 0, "out of memory");
    if (st)
        free_stmt(st);
    return NULL;
}

static void pg_finalize(db_stmt *bst)
{
    pg_stmt *st = PGS(bst);
    pg_db *pd = PG(bst->d);

    /* Only a statement known to exist is deallocated (DEALLOCATE of an unknown name
     * would fail and take the rest of its pipeline segment with it); so learn the fate
     * of a prepare still in flight.  Errors read meanwhile stay pending. */
    if (st->prep == PREP_SENT && !pgq_conn_bad(pd))
        pgq_flush_all(pd);
    for (size_t i = pd->qhead; i < pd->qlen; i++)
        if (pd->q[i].st == st)
            pd->q[i].st = NULL;
    if (st->prep == PREP_OK && !pgq_conn_bad(pd)) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        if (PQsendQueryParams(pd->c, sql, 0, NULL, NULL, NULL, NULL, 0))
            pgq_push(pd, E_CMD, NULL, EF_IGNORE, DB_TXN_BEGIN);
    }
    free_stmt(st);
}

static int pg_execa(db_stmt *bst, const char *types, const db_arg *args)
{
    pg_stmt *st = PGS(bst);
    pg_db *pd = PG(bst->d);
    int n = bst->nparams;

    if (pgq_dead(pd))
        return -1;
    pgq_set_result(st, NULL);
    st->last_id = st->changes = 0;
    for (int i = 0; i < n; i++) {
        if (types[i] == 'i') {
            snprintf(st->ibuf[i], sizeof st->ibuf[i], "%" PRId64, args[i].i);
            st->vals[i] = st->ibuf[i];
        } else if (types[i] == 's') {
            st->vals[i] = args[i].s;
        } else {
            st->vals[i] = NULL;
        }
    }
    if (st->prep == PREP_NONE) {
        /* Its first prepare met a failed transaction: try again now, or queue it. */
        int r = prepare_now(pd, st);
        if (r < 0)
            return -1;
        if (r == 1 && send_prepare(pd, st, 0) < 0)
            return pgq_report(pd);
    }
    /* Reads are planned for their actual values every time (an unnamed statement): a
     * generic plan made while a table was small (a sequential scan) would otherwise stay
     * for the whole run.  Writes keep their prepared, generic plans: they are trivial and
     * planning them per row would cost more than executing them. */
    int sent = bst->verb == DB_VERB_SELECT
        ? PQsendQueryParams(pd->c, st->sql, n, NULL, st->vals, NULL, NULL, 0)
        : PQsendQueryPrepared(pd->c, st->name, n, st->vals, NULL, NULL, 0);
    if (!sent || pgq_push(pd, E_EXEC, st, 0, 0) < 0) {
        pgq_connection_gone(pd);
        return pgq_report(pd);
    }
    if (bst->verb == DB_VERB_SELECT || !pd->pipeline)
        return pgq_sync(bst->d);
    if (pd->qlen - pd->qhead >= QUEUE_SOFT_MAX)
        pgq_flush_all(pd);
    return 0;
}

static int pg_next(db_stmt *bst)
{
    pg_stmt *st = PGS(bst);
    pg_db *pd = PG(bst->d);
    if ((!pgq_queue_empty(pd) || pd->pend_err) && pgq_sync(bst->d) < 0)
        return -1;
    if (!st->res)
        return 0;
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return 1;
    }
    st->row = PQntuples(st->res);
    return 0;
}

static const char *pg_col_text(db_stmt *bst, int col)
{
    pg_stmt *st = PGS(bst);
    if (!st->res || st->row < 0 || st->row >= PQntuples(st->res) || col < 0 ||
        col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_col_int(db_stmt *bst, int col)
{
    const char *v = pg_col_text(bst, col);
    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == '\0')      /* boolean */
        return 1;
    return strtoll(v, NULL, 10);
}

static int pg_col_null(db_stmt *bst, int col)
{
    return pg_col_text(bst, col) == NULL;
}

static int pg_ncols(db_stmt *bst)
{
    pg_stmt *st = PGS(bst);
    return st->res ? PQnfields(st->res) : 0;
}

static int64_t pg_last_id(db_stmt *bst)
{
    if (pgq_sync(bst->d) < 0)
        return -1;
    return PGS(bst)->last_id;
}

static int64_t pg_changes(db_stmt *bst)
{
    if (pgq_sync(bst->d) < 0)
        return -1;
    return PGS(bst)->changes;
}

/* ------------------------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------------------- */

static int send_cmd(pg_db *pd, db_txn_op op, const char *name)
{
    char sql[128];
    db_txn_sql(op, name, TS_DB_POSTGRES, sql, sizeof sql);
    if (!PQsendQueryParams(pd->c, sql, 0, NULL, NULL, NULL, NULL, 0) ||
        pgq_push(pd, E_CMD, NULL, 0, op) < 0) {
        pgq_connection_gone(pd);
        return -1;
    }
    return 0;
}

static int pg_txn(db *d, db_txn_op op, const char *name)
{
    pg_db *pd = PG(d);
    if (pgq_dead(pd))
        return -1;
    switch (op) {
    case DB_TXN_BEGIN:
    case DB_TXN_SAVEPOINT:
        /* Earlier failures are reported here, not after the new (sub)transaction. */
        if ((!pgq_queue_empty(pd) || pd->pend_err) && pgq_sync(d) < 0)
            return -1;
        if (send_cmd(pd, op, name) < 0)
            return pgq_report(pd);
        if (op == DB_TXN_BEGIN)
            pd->in_txn = 1;
        return pd->pipeline ? 0 : pgq_sync(d);
    case DB_TXN_RELEASE:
        if (send_cmd(pd, op, name) < 0)
            return pgq_report(pd);
        return pgq_sync(d);
    case DB_TXN_COMMIT:
        if (send_cmd(pd, op, name) < 0)
            return pgq_report(pd);
        if (pgq_sync(d) < 0)
            return -1;
        pd->in_txn = 0;
        return 0;
    case DB_TXN_ROLLBACK:
    case DB_TXN_ROLLBACK_TO: {
        /* What is queued is being undone: its errors no longer matter (unless we are
         * outside a transaction, where writes were autocommitted). */
        int discard = op == DB_TXN_ROLLBACK_TO || pd->in_txn;
        if (discard) {
            for (size_t i = pd->qhead; i < pd->qlen; i++)
                pd->q[i].flags |= EF_DISCARD;
            if (!pd->pend_lost) {
                free(pd->pend_err);
                pd->pend_err = NULL;
            }
        }
        if (!pgq_queue_empty(pd) && pgq_send_sync(pd) < 0)
            return pgq_report(pd);
        if (send_cmd(pd, op, name) < 0)
            return pgq_report(pd);
        int rc = pgq_sync(d);
        if (op == DB_TXN_ROLLBACK)
            pd->in_txn = 0;
        return rc;
    }
    }
    return -1;
}

/* ------------------------------------------------------------------------------------
 * Ids ahead of the INSERT
 * ---------------------------------------------------------------------------------- */

static int64_t pg_reserve_id(db *d, const char *table)
{
    pg_db *pd = PG(d);
    id_cache *c = NULL;

    for (size_t i = 0; i < pd->nids; i++)
        if (strcmp(pd->ids[i].table, table) == 0)
            c = &pd->ids[i];
    if (c && c->pos < c->n)
        return c->ids[c->pos++];
    if (pgq_dead(pd))
        return -1;
    if (!c) {
        id_cache *a = realloc(pd->ids, (pd->nids + 1) * sizeof *a);
        if (!a)
            goto oom;
        pd->ids = a;
        c = &pd->ids[pd->nids];
        memset(c, 0, sizeof *c);
        if (!(c->table = strdup(table)))
            goto oom;
        pd->nids++;
    }
    /* Blocks grow 16 → 1024: a few rows cost little, a big file few round trips.
     * Ids from one query need not be consecutive (other sessions), so keep them all. */
    size_t block = c->block ? c->block * 2 : 16;
    if (block > 1024)
        block = 1024;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT nextval('%s%s_id_seq') FROM generate_series(1, %zu)",
             d->prefix, table, block);
    if (!PQsendQueryParams(pd->c, sql, 0, NULL, NULL, NULL, NULL, 0) ||
        pgq_push(pd, E_QUERY, NULL, EF_OWN, 0) < 0 || pgq_send_sync(pd) < 0) {
        pgq_connection_gone(pd);
        pgq_report(pd);
        return -1;
    }
    pgq_collect(pd);
    PGresult *r = pd->own;
    pd->own = NULL;
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[1024];
        if (r && PQresultStatus(r) == PGRES_PIPELINE_ABORTED)
            snprintf(msg, sizeof msg, "cannot take ids for %s: an earlier statement "
                                      "failed%s%s", table, pd->seg_err[0] ? ": " : "",
                     pd->pend_err ? pd->pend_err : "");
        else
            pgq_result_message(pd, r, msg, sizeof msg);
        db_set_error(d, pd->pend_lost || pgq_conn_bad(pd), "%s", msg);
        if (r)
            PQclear(r);
        return -1;
    }
    int n = PQntuples(r);
    int64_t *ids = realloc(c->ids, (size_t)(n > 0 ? n : 1) * sizeof *ids);
    if (!ids) {
        PQclear(r);
        goto oom;
    }
    c->ids = ids;
    for (int i = 0; i < n; i++)
        c->ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    c->n = (size_t)n;
    c->pos = 0;
    c->block = block;
    if (c->n == 0) {
        db_set_error(d, 0, "cannot take ids for %s", table);
        return -1;
    }
    return c->ids[c->pos++];
oom:
    db_set_error(d, 0, "out of memory");
    return -1;
}

const db_driver db_driver_pg = {
    .name = "pgsql",
    .open = pg_open,
    .close = pg_close,
    .exec_script = pg_exec_script,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .execa = pg_execa,
    .next = pg_next,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .ncols = pg_ncols,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .sync = pgq_sync,
    .reserve_id = pg_reserve_id,
    .error = db_base_error,
    .connection_lost = db_base_connection_lost,
    .txn = pg_txn,
    .set_pipeline = pg_set_pipeline,
};
