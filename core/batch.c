/* Applies rows in batches: one transaction per batch, and when a row fails after having
 * written something, the batch is rolled back and replayed row by row with savepoints,
 * so that one bad line never costs the others.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In a dry run the whole file runs inside one outer transaction (rolled back at the
 * end), so batches become savepoints: the dry run executes exactly the real writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "resolve/resolve.h"

static int begin_batch(ts_run *r)
{
    resolver_batch_begin(r->res);
    return r->e->flags.dry_run ? db_savepoint(r->e->db, "ts_batch") : db_begin(r->e->db);
}

static int commit_batch(ts_run *r)
{
    /* Buffered events belong to this transaction. */
    if (moodle_flush(r->e->site) != 0)
        return -1;
    int rc = r->e->flags.dry_run ? db_release(r->e->db, "ts_batch") : db_commit(r->e->db);
    if (rc == 0) {
        resolver_commit(r->res);
        /* Moodle's PHP sees the batch only now that it is committed. */
        run_ops_after_commit(r);
    }
    return rc;
}

static void rollback_batch(ts_run *r)
{
    /* Contexts and ids learnt in the rolled-back writes must not be answered again. */
    moodle_forget(r->e->site);
    resolver_rollback(r->res);
    run_ops_drop_all(r);
    if (r->e->flags.dry_run) {
        db_rollback_to(r->e->db, "ts_batch");
        db_release(r->e->db, "ts_batch");
    } else {
        db_rollback(r->e->db);
    }
}

static int failed(ts_row *row, int rc)
{
    return rc == TS_ERR || row_status(row) == TS_ERROR;
}

/* A row that failed without saying why gets the reason a service recorded, or the
 * database's message. */
static void ensure_error_msg(ts_run *r, ts_row *row)
{
    if (row_status(row) == TS_ERROR)
        return;
    if (row->reason)
        row_add_msg(row, TS_ERROR, row->reason_key, NULL, row->reason);
    else
        row_add_msg(row, TS_ERROR, "dberror", NULL, db_error(r->e->db));
}

/* One row callback, with the resolvers told where the row starts and whether it failed
 * (they forget what a failed row taught them). */
static int call_row(ts_run *r, ts_row *row)
{
    resolver_row_begin(r->res);
    r->current = row;
    int rc = r->h->row(r, r->state, row);
    r->current = NULL;
    resolver_row_end(r->res, failed(row, rc));
    return rc;
}

/* The database is gone: every row of the batch goes to the tryback.  When the connection
 * broke during the COMMIT itself, the server may have committed without being able to
 * say so: the lines are then reported as of unknown outcome (re-running them from the
 * tryback is harmless: what was applied is found already so). */
static int give_up_at(ts_run *r, ts_row **rows, size_t n, int in_commit)
{
    r->fatal = 1;
    snprintf(r->fatal_msg, sizeof r->fatal_msg, "database connection lost: %s",
             db_error(r->e->db));
    for (size_t i = 0; i < n; i++) {
        if (rows[i]->pre_failed)
            continue;
        row_reset_outcome(rows[i]);
        if (in_commit)
            row_add_msg(rows[i], TS_ERROR, "dbcommitunknown", NULL,
                        "outcome unknown: the database connection was lost during the "
                        "commit; re-running the line is harmless");
        else
            row_add_msg(rows[i], TS_ERROR, "dbconnectionlost", NULL,
                        "not applied: the database connection was lost");
    }
    return -1;
}

static int give_up(ts_run *r, ts_row **rows, size_t n) { return give_up_at(r, rows, n, 0); }

static int lost(ts_run *r) { return db_connection_lost(r->e->db); }

/* Rows that reach the handler (not rejected by the reader). */
static size_t live_rows(ts_row **rows, size_t n, ts_row **out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!rows[i]->pre_failed)
            out[m++] = rows[i];
    return m;
}

static int prefetch(ts_run *r, ts_row **live, size_t m)
{
    if (!r->h->prefetch || m == 0)
        return 0;
    r->current = NULL;
    return r->h->prefetch(r, r->state, (ts_row *const *)live, m);
}

/* Row by row, each inside a savepoint. */
static int replay(ts_run *r, ts_row **live, size_t m)
{
    db *d = r->e->db;
    if (begin_batch(r) != 0)
        return lost(r) ? -1 : -2;
    if (prefetch(r, live, m) != 0)
        return lost(r) ? -1 : -2;
    for (size_t i = 0; i < m; i++) {
        ts_row *row = live[i];
        row_reset_outcome(row);
        if (db_savepoint(d, "ts_row") != 0)
            return -1;
        int rc = call_row(r, row);
        if (!failed(row, rc) && moodle_flush(r->e->site) != 0) {
            rc = TS_ERR;
            row_add_msg(row, TS_ERROR, "dberror", NULL, db_error(d));
        }
        if (!failed(row, rc) && db_sync(d) != 0) {
            /* A queued write failed: it belongs to this row. */
            rc = TS_ERR;
            row_add_msg(row, TS_ERROR, "dberror", NULL, db_error(d));
        }
        if (lost(r))
            return -1;
        if (failed(row, rc)) {
            ensure_error_msg(r, row);
            if (db_rollback_to(d, "ts_row") != 0 || db_release(d, "ts_row") != 0)
                return -1;
            moodle_forget(r->e->site);
            /* Ids learnt since the batch began may belong to the rolled-back row (its
             * writes failed at flush): forget them all; the store starts over. */
            resolver_rollback(r->res);
            run_ops_drop_row(r, row);
            /* The module may have cached what this row did: start its knowledge over
             * for the rows that follow. */
            if (r->h->rollback)
                r->h->rollback(r, r->state);
            if (prefetch(r, live + i + 1, m - i - 1) != 0)
                return lost(r) ? -1 : -2;
        } else if (db_release(d, "ts_row") != 0) {
            return -1;
        }
    }
    if (commit_batch(r) != 0)
        return -1;
    return 0;
}

int batch_apply(ts_run *r, ts_row **rows, size_t n)
{
    db *d = r->e->db;
    ts_row **live = malloc((n ? n : 1) * sizeof *live);
    size_t m = live_rows(rows, n, live);
    int need_replay = 0, rc;

    if (m == 0) {
        free(live);
        return 0;
    }
    if (begin_batch(r) != 0) {
        free(live);
        return give_up(r, rows, n);
    }
    if (prefetch(r, live, m) != 0) {
        if (lost(r)) {
            free(live);
            return give_up(r, rows, n);
        }
        need_replay = 1;
    }
    for (size_t i = 0; i < m && !need_replay; i++) {
        ts_row *row = live[i];
        row_reset_outcome(row);
        uint64_t w0 = db_write_count(d);
        rc = call_row(r, row);
        if (lost(r)) {
            free(live);
            rollback_batch(r);
            return give_up(r, rows, n);
        }
        if (failed(row, rc)) {
            ensure_error_msg(r, row);
            /* A failure before any write costs nothing; after a write, only a replay
             * can take that row's writes out. */
            if (db_write_count(d) != w0)
                need_replay = 1;
        }
        r->rows_done++;
    }
    if (!need_replay) {
        if (commit_batch(r) == 0) {
            free(live);
            return 0;
        }
        if (lost(r)) {
            free(live);
            return give_up_at(r, rows, n, 1);
        }
    }
    /* Replay: undo the batch, forget what the module learnt, then one row at a time. */
    rollback_batch(r);
    if (r->h->rollback)
        r->h->rollback(r, r->state);
    rc = replay(r, live, m);
    free(live);
    if (rc == -1 || lost(r)) {
        rollback_batch(r);
        return give_up(r, rows, n);
    }
    if (rc == -2) {
        /* The prefetch itself fails on healthy database: no row can be applied. */
        for (size_t i = 0; i < n; i++)
            if (!rows[i]->pre_failed && row_status(rows[i]) != TS_ERROR)
                row_add_msg(rows[i], TS_ERROR, "dberror", NULL, db_error(d));
        rollback_batch(r);
    }
    return 0;
}

void batch_flush(ts_run *r, ts_row **rows, size_t n)
{
    int dry = r->e->flags.dry_run;
    for (size_t i = 0; i < n; i++) {
        ts_row *row = rows[i];
        ts_status st = row->nmsgs ? row_status(row) : TS_OK;
        const char *key = "applied", *column = NULL;
        char text[4096] = "";
        /* The key shown is the first message of the most severe status; the others
         * follow in the text, so that nothing said about the line is lost. */
        const row_msg *lead = NULL;
        for (size_t k = 0; k < row->nmsgs; k++)
            if (row->msgs[k].status == st) {
                lead = &row->msgs[k];
                break;
            }
        if (lead) {
            key = lead->key;
            column = *lead->column ? lead->column : NULL;
            snprintf(text, sizeof text, "%s", lead->text);
        }
        for (size_t k = 0; k < row->nmsgs; k++) {
            const row_msg *m = &row->msgs[k];
            /* A failed row was undone: what it had done is no longer true. */
            if (m == lead || (st == TS_ERROR && (m->status == TS_OK || m->status == TS_SKIP)))
                continue;
            size_t len = strlen(text);
            snprintf(text + len, sizeof text - len, "%s%s: %s%s%s", len ? "; " : "", m->key,
                     *m->column ? "column " : "", m->column, *m->column ? ": " : "");
            len = strlen(text);
            snprintf(text + len, sizeof text - len, "%s", m->text);
        }
        if (st == TS_ERROR && row->reason && lead && strcmp(lead->text, row->reason) != 0) {
            size_t len = strlen(text);
            snprintf(text + len, sizeof text - len, " (%s)", row->reason);
        }
        if (dry && st != TS_ERROR) {
            char sim[4200];
            snprintf(sim, sizeof sim, "SIMULATION: %s", text);
            report_row(r->rep, row->line, st, key, column, sim);
        } else {
            report_row(r->rep, row->line, st, key, column, text);
        }
        if (st == TS_ERROR && r->zin) {
            archive_tryback_add(r, row);
        } else if (st == TS_ERROR && r->tb) {
            if (row->raw_file)
                tryback_add_file(r->tb, row->raw_file);
            else
                tryback_add(r->tb, row->raw);
        }
        row_free(row);
        rows[i] = NULL;
    }
}
