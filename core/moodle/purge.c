/* The enrolment writers' bookkeeping on the site: requested cache purges go to the
 * run's sink, prepared statements live in the site's own table.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Caches such as groupdata or coursecontacts live in Moodle's MUC (files, Redis...), out
 * of reach of SQL (moodle-writes §2.3).  The writers only say which ones they made
 * stale; the run that set the sink purges each once, through the bridge.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "moodle/enrol_internal.h"

void moodle_set_purge_sink(moodle_site *s, void (*sink)(void *ctx, const char *what),
                           void *ctx)
{
    s->purge_sink = sink;
    s->purge_ctx = ctx;
}

void moodle_request_purge(moodle_site *s, const char *what)
{
    if (s->purge_sink)
        s->purge_sink(s->purge_ctx, what);
}

/* ---- prepared statements ------------------------------------------------------------ */

void moodle_enrol_release(moodle_site *s)
{
    for (size_t i = 0; i < MOODLE_STMT_SLOTS; i++)
        if (s->stmts[i].st)
            db_finalize(s->stmts[i].st);
    memset(s->stmts, 0, sizeof s->stmts);
}

db_stmt *enrol_stmt(moodle_site *s, const char *sql)
{
    uintptr_t h = (uintptr_t)sql;
    size_t i = (size_t)((h >> 3) * 0x9E3779B97F4A7C15ULL >> 40) % MOODLE_STMT_SLOTS;
    for (size_t n = 0; n < MOODLE_STMT_SLOTS; n++, i = (i + 1) % MOODLE_STMT_SLOTS) {
        struct moodle_stmt_slot *sl = &s->stmts[i];
        if (sl->sql == sql)
            return sl->st;
        if (!sl->sql) {
            db_stmt *st = db_prepare(s->d, sql);
            if (!st) {
                moodle_fail_db(s, "cannot prepare a statement");
                return NULL;
            }
            sl->sql = sql;
            sl->st = st;
            return st;
        }
    }
    moodle_fail(s, "statement table full");
    return NULL;
}
