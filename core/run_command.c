/* A module's own command (ABI 2.2, ts_command): a run without input, in one transaction,
 * whose outcomes are printed on standard output instead of a report.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "run.h"
#include "svc.h"

static const char *status_name(ts_status st)
{
    static const char *const names[] = { "OK", "SKIP", "WARN", "ERROR" };
    return st <= TS_ERROR ? names[st] : "?";
}

void command_say(ts_run *r, ts_status st, const char *key, const char *text)
{
    if (st == TS_ERROR)
        r->cmd_errors++;
    /* -q is for cron: only what needs a look. */
    if (r->e->flags.quiet && st < TS_WARN)
        return;
    printf("%s %s: %s\n", status_name(st), key ? key : "", text);
    fflush(stdout);
}

/* Calls the command inside one transaction: committed when it returned TS_DONE (rolled
 * back in a dry run), rolled back when it returned TS_ERR.  0, or -1 when the command
 * failed as a whole or the commit did. */
static int call_in_transaction(ts_run *r, int argc, char **argv)
{
    engine *e = r->e;
    if (db_begin(e->db) != 0) {
        ts_logf(TS_LOG_ERROR, "%s: cannot begin a transaction: %s", r->cmd->c->name,
                db_error(e->db));
        return -1;
    }
    int rc = r->cmd->c->run(r, argc, argv);
    /* The site's queued writes (events, flags) belong to the same transaction. */
    if (rc == TS_DONE && moodle_flush(e->site) != 0) {
        ts_logf(TS_LOG_ERROR, "%s: %s", r->cmd->c->name, db_error(e->db));
        rc = TS_ERR;
    }
    if (rc != TS_DONE || e->flags.dry_run) {
        moodle_forget(e->site);
        if (!db_connection_lost(e->db))
            db_rollback(e->db);
        return rc == TS_DONE ? 0 : -1;
    }
    if (db_commit(e->db) != 0) {
        ts_logf(TS_LOG_ERROR, "%s: the commit failed: %s", r->cmd->c->name, db_error(e->db));
        return -1;
    }
    return 0;
}

int run_command(engine *e, command_entry *ce, int argc, char **argv)
{
    ts_run run, *r = &run;
    memset(r, 0, sizeof *r);
    r->e = e;
    r->mod = ce->mod;
    r->cmd = ce;
    r->started = time(NULL);
    r->now = (int64_t)r->started;
    if (engine_open_site(e) != 0)
        return TS_EXIT_FATAL;
    run_resolvers_begin(r);
    int failed = call_in_transaction(r, argc, argv) != 0;
    if (!failed)
        run_purges(r);
    run_resolvers_end(r);
    sql_cache_free(r);
    files_end(r);
    return failed ? TS_EXIT_FATAL : r->cmd_errors ? TS_EXIT_LINES : TS_EXIT_OK;
}
