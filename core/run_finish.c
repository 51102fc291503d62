/* Processing and the end of a file's journey: the handler's begin/rows/end, the cache
 * purge, then tryback, archive and cleanup, in that order (spec 00 §8), each write
 * checked: the input is deleted only once everything about it is safely on disk.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run_steps.h"
#include "progress.h"

static void close_tryback(journey *j)
{
    ts_run *r = j->r;
    if (!r->tb)
        return;
    snprintf(r->tryback_path, sizeof r->tryback_path, "%s", tryback_path(r->tb));
    int t = tryback_close(r->tb);
    int err = errno;
    r->tb = NULL;
    if (t < 0)
        run_output_lost(j, "tryback", *r->tryback_path ? r->tryback_path
                                                       : "(next to the input)", err);
    else if (t > 0)
        ts_logf(TS_LOG_INFO, "failed lines written to %s", r->tryback_path);
}

void finish_files(journey *j, int processed)
{
    ts_run *r = j->r;
    engine *e = j->e;
    close_tryback(j);
    if (archive_finish(r) != 0)
        run_output_lost(j, "tryback", r->tryback_path, errno);
    if (!processed || e->flags.dry_run)
        return;
    /* The report must be on disk before the input may go. */
    if (report_sync(r->rep) != 0)
        run_output_lost(j, "report", r->report_path, errno);
    if (j->output_lost)
        return;
    if (run_gbool(e, "filearchive")) {
        char archived[4096];
        if (fs_archive(j->root, r->path, r->started, archived, sizeof archived) != 0) {
            run_output_lost(j, "archive of", r->path, errno);
            return;
        }
    }
    if (run_gbool(e, "filecleanup") && fs_cleanup(r->path) != 0)
        ts_logf(TS_LOG_ERROR, "cannot delete %s: %s", r->path, strerror(errno));
}

int run_exit_status(journey *j, int file_error)
{
    ts_run *r = j->r;
    if (r->fatal || j->output_lost || r->output_failed)
        return TS_EXIT_FATAL;
    if (file_error)
        return TS_EXIT_FILE;
    const report_counts *c = report_get_counts(r->rep);
    return c->error > 0 ? TS_EXIT_LINES : TS_EXIT_OK;
}

static void end_file(ts_run *r)
{
    engine *e = r->e;
    int dry = e->flags.dry_run;
    if (r->fatal || !r->h->end_file)
        return;
    int ok = (dry ? db_savepoint(e->db, "ts_end") : db_begin(e->db)) == 0;
    if (ok && (r->h->end_file(r, r->state) != 0 || moodle_flush(e->site) != 0)) {
        moodle_forget(e->site);
        report_file(r->rep, TS_ERROR, "endfilefailed", db_error(e->db));
        dry ? db_rollback_to(e->db, "ts_end") : db_rollback(e->db);
    } else if (ok) {
        dry ? db_release(e->db, "ts_end") : db_commit(e->db);
    }
}

int step_process(journey *j)
{
    ts_run *r = j->r;
    engine *e = j->e;
    /* An archive's tryback is a zip of its failed entries, made at the first one. */
    r->want_tryback = run_gbool(e, "filefailed") &&
                      (!e->flags.dry_run || run_gbool(e, "simulate_tryback"));
    if (r->want_tryback && !(r->h->flags & TS_H_ARCHIVE))
        r->tb = tryback_new(r->path, r->started, e->flags.dry_run,
                            (r->h->flags & TS_H_NO_HEADER) ? NULL : r->header_line);
    if (e->flags.dry_run) {
        if (db_begin(e->db) != 0) {
            report_file(r->rep, TS_ERROR, "dberror", db_error(e->db));
            return TS_EXIT_FATAL;
        }
        j->dry_tx = 1;
    }
    if (r->h->begin_file && r->h->begin_file(r, &r->state) != 0) {
        if (report_get_counts(r->rep)->error == 0)
            report_file(r->rep, TS_ERROR, "handlerrefused", "the handler refused the file (see log)");
        return TS_EXIT_FILE;
    }
    j->begun = 1;
    progress_start(r, e->flags);
    int file_error = process_rows(r, j->in) != 0;
    report_count_comments(r->rep, j->in ? csvin_skipped(j->in) : 0);
    end_file(r);
    progress_end(r);
    if (r->fatal) {
        report_file(r->rep, TS_ERROR, "dbconnectionlost", r->fatal_msg);
        ts_logf(TS_LOG_ERROR, "%s", r->fatal_msg);
    } else {
        run_purges(r);
    }
    /* A file cut short (unreadable tail, database gone) stays in place: every line is
     * already accounted for (applied or in the tryback), and a re-run is harmless. */
    finish_files(j, !file_error && !r->fatal);
    progress_stats(r, e->flags);
    return run_exit_status(j, file_error);
}
