/* The PostgreSQL driver's pipeline: the queue of commands sent without waiting, the
 * reading of their answers up to a Sync, and which caller each error belongs to.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pg.c says why the driver pipelines and the rules that keep errors attributed to the
 * right caller; this file applies them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pg_internal.h"

/* ------------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------------- */

int pgq_sqlstate_is(const PGresult *r, const char *code)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s && strcmp(s, code) == 0;
}

/* Class 08 (connection exception) and 57P01..57P03 (server shutting down). */
int pgq_sqlstate_lost(const PGresult *r)
{
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s && (strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0);
}

/* One-line message: primary text plus detail, except the "Failing row contains (...)"
 * detail, which would copy a whole row (password hash included) into reports. */
void pgq_result_message(pg_db *pd, const PGresult *r, char *buf, size_t len)
{
    const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *det = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (!prim) {
        const char *m = r ? PQresultErrorMessage(r) : "";
        if (!m || !*m)
            m = PQerrorMessage(pd->c);
        snprintf(buf, len, "%s", m && *m ? m : "unknown PostgreSQL error");
    } else if (det && strncmp(det, "Failing row contains", 20) != 0) {
        snprintf(buf, len, "%s: %s", prim, det);
    } else {
        snprintf(buf, len, "%s", prim);
    }
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\n')
            *c = ' ';
}

static void keep_error(pg_db *pd, const char *msg, int lost)
{
    if (lost && !pd->pend_lost) {
        /* The loss outranks whatever else went wrong. */
        free(pd->pend_err);
        pd->pend_err = NULL;
        pd->pend_lost = 1;
    }
    if (!pd->pend_err)
        pd->pend_err = strdup(msg);
}

/* Hands the pending error (if any) to the caller: 0 or -1. */
int pgq_report(pg_db *pd)
{
    if (!pd->pend_err && !pd->pend_lost)
        return 0;
    db_set_error(&pd->base, pd->pend_lost, "%s",
                 pd->pend_err ? pd->pend_err : "connection to the server lost");
    free(pd->pend_err);
    pd->pend_err = NULL;
    pd->pend_lost = 0;
    return -1;
}

int pgq_conn_bad(pg_db *pd)
{
    return PQstatus(pd->c) != CONNECTION_OK;
}

/* The connection is gone: nothing queued will ever be answered. */
void pgq_connection_gone(pg_db *pd)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(pd->c));
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    keep_error(pd, *msg ? msg : "connection to the server lost", 1);
    pd->qhead = pd->qlen = 0;
}

/* For calls made on a pgq_dead connection. */
int pgq_dead(pg_db *pd)
{
    if (!pgq_conn_bad(pd))
        return 0;
    pgq_connection_gone(pd);
    pgq_report(pd);
    return 1;
}

/* ------------------------------------------------------------------------------------
 * The queue of unanswered commands
 * ---------------------------------------------------------------------------------- */

int pgq_push(pg_db *pd, ent_kind kind, pg_stmt *st, unsigned flags, db_txn_op op)
{
    if (pd->qlen == pd->qcap) {
        if (pd->qhead > 0) {
            memmove(pd->q, pd->q + pd->qhead, (pd->qlen - pd->qhead) * sizeof *pd->q);
            pd->qlen -= pd->qhead;
            pd->qhead = 0;
        }
        if (pd->qlen == pd->qcap) {
            size_t cap = pd->qcap ? pd->qcap * 2 : 256;
            ent *q = realloc(pd->q, cap * sizeof *q);
            if (!q)
                return -1;
            pd->q = q;
            pd->qcap = cap;
        }
    }
    pd->q[pd->qlen++] = (ent){ kind, flags, st, op };
    return 0;
}

int pgq_queue_empty(const pg_db *pd)
{
    return pd->qhead == pd->qlen;
}

/* A Sync closes the current segment (and, outside BEGIN, the implicit transaction). */
int pgq_send_sync(pg_db *pd)
{
    if (!pgq_queue_empty(pd) && pd->q[pd->qlen - 1].kind == E_SYNC)
        return 0;
    if (!PQpipelineSync(pd->c) || pgq_push(pd, E_SYNC, NULL, 0, 0) < 0) {
        pgq_connection_gone(pd);
        return -1;
    }
    return 0;
}

void pgq_set_result(pg_stmt *st, PGresult *r)
{
    if (st->res)
        PQclear(st->res);
    st->res = r;
    st->row = -1;
}

static void handle_error(pg_db *pd, ent *e, PGresult *r)
{
    char msg[1024];
    ExecStatusType s = PQresultStatus(r);

    if (s == PGRES_PIPELINE_ABORTED) {
        /* Skipped because an earlier command of the segment failed.  That failure is
         * normally the error already kept; say so in case it was one not reported. */
        if (!(e->flags & EF_DISCARD) && !pd->pend_err) {
            snprintf(msg, sizeof msg, "not executed: an earlier statement failed%s%.900s",
                     pd->seg_err[0] ? ": " : "", pd->seg_err);
            keep_error(pd, msg, 0);
        }
        return;
    }
    pgq_result_message(pd, r, msg, sizeof msg);
    snprintf(pd->seg_err, sizeof pd->seg_err, "%s", msg);
    int lost = pgq_sqlstate_lost(r) || pgq_conn_bad(pd);
    if (lost || !(e->flags & (EF_DISCARD | EF_IGNORE)))
        keep_error(pd, msg, lost);
}

/* Deals with the first result of a queued command; takes ownership of r. */
static void handle(pg_db *pd, ent *e, PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    pg_stmt *st = e->st;

    if (e->flags & EF_OWN) {
        if (pd->own)
            PQclear(pd->own);
        pd->own = r;
        if (s == PGRES_PIPELINE_ABORTED || s == PGRES_FATAL_ERROR) {
            char msg[1024] = "connection to the server lost";
            if (s == PGRES_FATAL_ERROR) {
                pgq_result_message(pd, r, msg, sizeof msg);
                snprintf(pd->seg_err, sizeof pd->seg_err, "%s", msg);
            }
            if (pgq_sqlstate_lost(r) || pgq_conn_bad(pd))
                keep_error(pd, msg, 1);
        }
        if (st && e->kind == E_PREPARE)
            st->prep = s == PGRES_COMMAND_OK ? PREP_OK : PREP_NONE;
        return;
    }
    switch (e->kind) {
    case E_PREPARE:
        if (st) {
            st->prep = ok ? PREP_OK : PREP_NONE;
            /* INSERT into a table without `id`: forget our RETURNING for next time. */
            if (!ok && st->sql_plain && pgq_sqlstate_is(r, "42703")) {
                free(st->sql);
                st->sql = st->sql_plain;
                st->sql_plain = NULL;
            }
        }
        break;
    case E_EXEC:
        if (ok && st) {
            st->changes = strtoll(PQcmdTuples(r), NULL, 10);
            if (st->sql_plain) {          /* our RETURNING id */
                int n = PQntuples(r);
                st->last_id = n > 0 ? strtoll(PQgetvalue(r, n - 1, 0), NULL, 10) : 0;
            } else if (s == PGRES_TUPLES_OK) {
                pgq_set_result(st, r);
                return;
            }
        }
        break;
    case E_CMD:
        if (ok && e->op == DB_TXN_COMMIT && strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
            keep_error(pd, "COMMIT failed: the transaction had already failed and was "
                           "rolled back", 0);
        break;
    default:
        break;
    }
    if (!ok)
        handle_error(pd, e, r);
    PQclear(r);
}

/* Reads every answer up to the last Sync sent.  Errors go to pend_err. */
void pgq_collect(pg_db *pd)
{
    int nulls = 0;
    while (!pgq_queue_empty(pd)) {
        ent e = pd->q[pd->qhead];
        PGresult *r = PQgetResult(pd->c);

        if (e.kind == E_SYNC) {
            if (!r) {
                /* A stray end-of-command marker; twice in a row means nothing more
                 * will come. */
                if (pgq_conn_bad(pd) || ++nulls > 1) {
                    pgq_connection_gone(pd);
                    return;
                }
                continue;
            }
            nulls = 0;
            ExecStatusType s = PQresultStatus(r);
            if (s != PGRES_PIPELINE_SYNC) {
                /* Only a broken connection gets here. */
                char msg[1024];
                pgq_result_message(pd, r, msg, sizeof msg);
                PQclear(r);
                keep_error(pd, msg, 1);
                if (pgq_conn_bad(pd)) {
                    pd->qhead = pd->qlen = 0;
                    return;
                }
                continue;
            }
            PQclear(r);
            pd->qhead++;
            pd->seg_err[0] = '\0';
            continue;
        }
        if (!r) {
            pgq_connection_gone(pd);
            return;
        }
        pd->qhead++;
        handle(pd, &e, r);
        /* A command ends with a NULL result. */
        for (int guard = 0; (r = PQgetResult(pd->c)) != NULL && guard < 1000; guard++)
            PQclear(r);
        if (pgq_conn_bad(pd)) {
            pgq_connection_gone(pd);
            return;
        }
    }
    pd->qhead = pd->qlen = 0;
}

/* Sync + read everything; does not pgq_report (errors stay pending). */
void pgq_flush_all(pg_db *pd)
{
    if (pgq_queue_empty(pd))
        return;
    if (pgq_send_sync(pd) == 0)
        pgq_collect(pd);
}

/* The synchronising call: sends what is queued, reads all answers, reports. */
int pgq_sync(db *d)
{
    pg_db *pd = PG(d);
    if (pgq_dead(pd))
        return -1;
    pgq_flush_all(pd);
    return pgq_report(pd);
}

