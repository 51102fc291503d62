/* One file's journey: choose → reserve → read header → batches → end → report,
 * tryback, archive, cleanup → release.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run.h"
#include "filestore.h"
#include "progress.h"
#include "moodle/enrol.h"

static ts_run *current_run;
ts_run *run_current(void) { return current_run; }

int engine_open_site(engine *e)
{
    char err[1024];
    db_params p;
    if (e->site)
        return 0;
    if (config_db_params(e->cfg, &p, err, sizeof err) != 0) {
        ts_logf(TS_LOG_ERROR, "%s", err);
        return -1;
    }
    e->db = db_open(&p, err, sizeof err);
    if (!e->db) {
        ts_logf(TS_LOG_ERROR, "cannot connect to the database: %s", err);
        return -1;
    }
    e->site = moodle_open(e->db, err, sizeof err);
    if (!e->site) {
        ts_logf(TS_LOG_ERROR, "%s", err);
        return -1;
    }
    return 0;
}

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int gbool(engine *e, const char *name)
{
    return strcmp(config_global_str(e->cfg, name), "true") == 0;
}

static char separator(engine *e)
{
    const char *s = config_global_str(e->cfg, "csvseparator");
    return strcmp(s, "tab") == 0 ? '\t' : *s ? *s : ';';
}

/* The whole file refused (missing, header, lock): a report saying why, exit 2. */
static report *open_report(ts_run *r)
{
    if (r->rep)
        return r->rep;
    const char *root = config_global_str(r->e->cfg, "syncdir");
    int store = gbool(r->e, "storereport");
    if (store)
        fs_report_name(root, r->name, r->started, r->report_path, sizeof r->report_path);
    r->rep = report_open(store ? r->report_path : NULL, r->h->name, r->display, r->started,
                         r->e->flags.dry_run, r->e->flags.verbose ? stdout : NULL);
    if (!r->rep && store)
        ts_logf(TS_LOG_ERROR, "cannot write the report %s: %s", r->report_path, strerror(errno));
    return r->rep;
}

static int choose_file(ts_run *r, const char *explicit_file)
{
    engine *e = r->e;
    const char *root = config_global_str(e->cfg, "syncdir");
    if (explicit_file) {
        if (!realpath(explicit_file, r->path))
            snprintf(r->path, sizeof r->path, "%s", explicit_file);
        snprintf(r->display, sizeof r->display, "%s", r->path);
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", r->path);
        snprintf(r->name, sizeof r->name, "%s", basename(tmp));
        if (access(r->path, R_OK) != 0) {
            open_report(r);
            char msg[4200];
            snprintf(msg, sizeof msg, "file %s not found", r->display);
            report_file(r->rep, TS_ERROR, "filenotfound", msg);
            ts_logf(TS_LOG_ERROR, "%s", msg);
            return -1;
        }
        return 0;
    }
    const char *location = r->h->location_option
        ? config_module_str(e->cfg, r->he->mod->desc->name, r->h->location_option) : "";
    fs_choice ch;
    memset(&ch, 0, sizeof ch);
    int rc = fs_choose(root, location, r->h->default_file, &ch);
    if (rc == 0) {
        snprintf(r->path, sizeof r->path, "%s", ch.path);
        snprintf(r->display, sizeof r->display, "%s", ch.display);
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", ch.path);
        snprintf(r->name, sizeof r->name, "%s", basename(tmp));
        for (int i = 0; i < 8 && ch.others[i][0]; i++)
            ts_logf(TS_LOG_INFO, "other match waiting: %s", ch.others[i]);
        return 0;
    }
    /* Not found: the report is named after the expected file. */
    const char *want = *location ? location : r->h->default_file;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", want);
    snprintf(r->name, sizeof r->name, "%s", basename(tmp));
    for (char *p = r->name; *p; p++)
        if (*p == '*' || *p == '?' || *p == ',')
            *p = '_';
    snprintf(r->display, sizeof r->display, "%s%s", *want == '/' ? "" : "/", want);
    open_report(r);
    char msg[4200];
    if (strcmp(ch.status, "nomatch") == 0)
        snprintf(msg, sizeof msg, "no file matches %s", r->display);
    else
        snprintf(msg, sizeof msg, "file %s not found", r->display);
    report_file(r->rep, TS_ERROR, *ch.status ? ch.status : "filenotfound", msg);
    ts_logf(rc < 0 ? TS_LOG_ERROR : TS_LOG_WARN, "%s", msg);
    return -1;
}

/* Reads the header (or fakes one for headerless handlers). */
static int read_header(ts_run *r, csvin *in)
{
    csv_record rec;
    csvin_error err;
    if (r->h->flags & TS_H_ARCHIVE) {
        /* A zip: each entry is a row of columns name and size. */
        csv_record fake = { .nfields = 2, .fields = (char *[]){ "name", "size" },
                            .raw = "name;size" };
        return header_bind(r, &fake);
    }
    if (r->h->flags & TS_H_NO_HEADER) {
        csv_record fake = { .nfields = 1, .fields = (char *[]){ (char *)r->h->columns[0].name },
                             .raw = "" };
        return header_bind(r, &fake);
    }
    memset(&err, 0, sizeof err);
    int rc = csvin_next(in, &rec, &err);
    if (rc == 0) {
        report_file(r->rep, TS_ERROR, "emptyfile", "the file has no header line");
        ts_logf(TS_LOG_ERROR, "%s: the file has no header line", r->display);
        return -1;
    }
    if (rc < 0) {
        char msg[5200];
        snprintf(msg, sizeof msg, "%s:%ld:%ld: header line: %s", r->display, err.line,
                 err.column, err.text);
        report_file(r->rep, TS_ERROR, err.key, msg);
        ts_logf(TS_LOG_ERROR, "%s (%s)", msg, err.key);
        return -1;
    }
    return header_bind(r, &rec);
}

/* A record the reader or the column count rejects never reaches the handler. */
static ts_row *prefailed_row(ts_run *r, long line, const char *raw, const char *key,
                             const char *text)
{
    csv_record rec = { .line = line, .last_line = line, .raw = raw ? raw : "" };
    ts_row *row = row_new(r, &rec);
    row->pre_failed = 1;
    row_add_msg(row, TS_ERROR, key, NULL, text);
    return row;
}

/* After the database went away, nothing more is applied: every line read from then on
 * is reported and sent to the tryback, so that none is lost. */
static void mark_unapplied(ts_row **batch, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!batch[i]->pre_failed) {
            row_reset_outcome(batch[i]);
            row_add_msg(batch[i], TS_ERROR, "dbconnectionlost", NULL,
                        "not applied: the database connection was lost");
        }
}

static void flush_and_progress(ts_run *r, ts_row **batch, size_t *n, csvin *in)
{
    batch_flush(r, batch, *n);
    *n = 0;
    progress_update(r, csvin_offset(in), csvin_size(in), 0);
}

/* Reads every record, applying them batch by batch.  Returns 0, or -1 when the file
 * turned out unreadable (truncated quote), r->fatal when the database went away. */
static int process_rows(ts_run *r, csvin *in)
{
    if (!in)
        return archive_process(r);   /* a zip: one row per entry */
    long bsize = strtol(config_global_str(r->e->cfg, "batchsize"), NULL, 10);
    if (bsize < 1)
        bsize = 1;
    ts_row **batch = calloc((size_t)bsize, sizeof *batch);
    size_t n = 0;
    int file_error = 0;
    for (;;) {
        csv_record rec;
        csvin_error err;
        memset(&err, 0, sizeof err);
        memset(&rec, 0, sizeof rec);
        int rc = csvin_next(in, &rec, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            char msg[5200];
            snprintf(msg, sizeof msg, "%s:%ld:%ld: %s", r->display, err.line, err.column,
                     err.text);
            if (strcmp(err.key, "unterminatedquote") == 0 || strcmp(err.key, "ioerror") == 0) {
                /* The rest of the file cannot be read: its text still goes to the
                 * tryback, so that nothing is lost. */
                if (rec.raw && *rec.raw)
                    batch[n++] = prefailed_row(r, err.line, rec.raw, err.key, msg);
                else
                    report_file(r->rep, TS_ERROR, err.key, msg);
                ts_logf(TS_LOG_ERROR, "%s (%s)", msg, err.key);
                file_error = 1;
                break;
            }
            batch[n++] = prefailed_row(r, rec.line ? rec.line : err.line, rec.raw, err.key, msg);
            if (rec.raw_file)
                batch[n - 1]->raw_file = csvin_take_raw_file(in);
        } else if (!(r->h->flags & TS_H_NO_HEADER) && rec.nfields > r->ncols) {
            char msg[256];
            snprintf(msg, sizeof msg, "%zu values found, %zu expected", rec.nfields, r->ncols);
            batch[n++] = prefailed_row(r, rec.line, rec.raw, "errorbadcount", msg);
        } else {
            batch[n++] = row_new(r, &rec);
        }
        if (n == (size_t)bsize) {
            if (!r->fatal)
                batch_apply(r, batch, n);
            else
                mark_unapplied(batch, n);
            flush_and_progress(r, batch, &n, in);
        }
    }
    if (n) {
        if (!r->fatal)
            batch_apply(r, batch, n);
        else
            mark_unapplied(batch, n);
        flush_and_progress(r, batch, &n, in);
    }
    free(batch);
    return file_error ? -1 : 0;
}

static void finish_files(ts_run *r, int processed)
{
    engine *e = r->e;
    const char *root = config_global_str(e->cfg, "syncdir");
    int t = r->tb ? tryback_close(r->tb) : 0;
    r->tb = NULL;
    if (t > 0) {
        char msg[4200];
        snprintf(msg, sizeof msg, "failed lines written to %s", r->tryback_path);
        ts_logf(TS_LOG_INFO, "%s", msg);
    }
    if (!processed || e->flags.dry_run)
        return;
    if (gbool(e, "filearchive")) {
        char archived[4096];
        if (fs_archive(root, r->path, r->started, archived, sizeof archived) != 0)
            ts_logf(TS_LOG_ERROR, "cannot archive %s: %s", r->path, strerror(errno));
    }
    if (gbool(e, "filecleanup") && fs_cleanup(r->path) != 0)
        ts_logf(TS_LOG_ERROR, "cannot delete %s: %s", r->path, strerror(errno));
}

static void free_run(ts_run *r)
{
    run_resolvers_end(r);
    sql_cache_free(r);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    free(r->header_line);
}

static int exit_status(ts_run *r)
{
    if (r->fatal)
        return TS_EXIT_FATAL;
    const report_counts *c = r->rep ? report_get_counts(r->rep) : NULL;
    return c && c->error > 0 ? TS_EXIT_LINES : TS_EXIT_OK;
}

int run_handler(engine *e, handler_entry *he, const char *explicit_file)
{
    ts_run run, *r = &run;
    memset(r, 0, sizeof *r);
    r->e = e;
    r->he = he;
    r->h = he->h;
    r->started = time(NULL);
    r->now = (int64_t)r->started;
    r->sep = separator(e);
    current_run = r;
    const char *root = config_global_str(e->cfg, "syncdir");
    int status;

    if (mkdir_p(root) != 0) {
        ts_logf(TS_LOG_ERROR, "cannot create the sync directory %s: %s", root, strerror(errno));
        return TS_EXIT_FATAL;
    }
    if (choose_file(r, explicit_file) != 0) {
        report_close(r->rep);
        current_run = NULL;
        return TS_EXIT_FILE;
    }

    fs_lock *lock = NULL;
    char stale[4096] = "";
    const char *lockname = r->h->lock_name ? r->h->lock_name : r->h->name;
    int lr = fs_reserve(root, lockname, r->path, &lock, stale, sizeof stale);
    if (lr != 0) {
        open_report(r);
        char msg[512];
        snprintf(msg, sizeof msg, lr > 0
                 ? "another toolsync run holds the '%s' reservation: nothing done"
                 : "cannot take the '%s' reservation", lockname);
        report_file(r->rep, TS_ERROR, "lockbusy", msg);
        ts_logf(TS_LOG_ERROR, "%s", msg);
        report_close(r->rep);
        current_run = NULL;
        return lr > 0 ? TS_EXIT_FILE : TS_EXIT_FATAL;
    }
    open_report(r);
    if (*stale || fs_lock_stale(lock)) {
        char msg[9000];
        if (*stale && gbool(e, "discardfileonfailure")) {
            char newpath[4096] = "";
            fs_discard_failed(stale, newpath, sizeof newpath);
            snprintf(msg, sizeof msg, "the previous run crashed while processing %s: renamed "
                     "to %s (discardfileonfailure); nothing processed this time, rearming "
                     "for next run", stale, newpath);
            report_file(r->rep, TS_ERROR, "discardedfile", msg);
            ts_logf(TS_LOG_ERROR, "%s", msg);
            report_close(r->rep);
            fs_release(lock);
            current_run = NULL;
            return TS_EXIT_FILE;
        }
        snprintf(msg, sizeof msg, "the previous run crashed while processing %s",
                 *stale ? stale : "(unknown file)");
        report_file(r->rep, TS_WARN, "previousruncrashed", msg);
        ts_logf(TS_LOG_WARN, "%s", msg);
    }

    if (engine_open_site(e) != 0) {
        report_file(r->rep, TS_ERROR, "dberror", "cannot open the Moodle database (see log)");
        report_close(r->rep);
        fs_release(lock);
        current_run = NULL;
        return TS_EXIT_FATAL;
    }

    run_resolvers_begin(r);
    csvin_options opt = { r->sep, config_global_str(e->cfg, "encoding"),
                          (size_t)strtol(config_global_str(e->cfg, "maxlinelength"), NULL, 10) };
    csvin_error cerr;
    memset(&cerr, 0, sizeof cerr);
    int binary = (r->h->flags & TS_H_ARCHIVE) != 0;
    csvin *in = binary ? NULL : csvin_open(r->path, &opt, &cerr);
    if (!in && !binary) {
        char msg[5200];
        snprintf(msg, sizeof msg, "%.4000s: %.1000s", r->display, cerr.text);
        report_file(r->rep, TS_ERROR, cerr.key, msg);
        ts_logf(TS_LOG_ERROR, "%s", msg);
        report_close(r->rep);
        fs_release(lock);
        run_resolvers_end(r);
        current_run = NULL;
        return strcmp(cerr.key, "unknownencoding") == 0 ? TS_EXIT_FATAL : TS_EXIT_FILE;
    }

    if (read_header(r, in) != 0) {
        /* Header refused: nothing processed, input left in place, no tryback. */
        if (in)
        csvin_close(in);
        report_close(r->rep);
        fs_release(lock);
        free_run(r);
        current_run = NULL;
        return TS_EXIT_FILE;
    }

    if (gbool(e, "filefailed") && (!e->flags.dry_run || gbool(e, "simulate_tryback"))) {
        fs_tryback_name(r->path, r->started, e->flags.dry_run, r->tryback_path,
                        sizeof r->tryback_path);
        /* An archive's tryback is a zip, made at its first failed entry. */
        if (!(r->h->flags & TS_H_ARCHIVE))
            r->tb = tryback_new(r->tryback_path, (r->h->flags & TS_H_NO_HEADER) ? NULL
                                                                                  : r->header_line);
    }

    if (e->flags.dry_run && db_begin(e->db) != 0) {
        report_file(r->rep, TS_ERROR, "dberror", db_error(e->db));
        r->fatal = 1;
    }

    int begun = 0, file_error = 0;
    if (!r->fatal) {
        if (r->h->begin_file && r->h->begin_file(r, &r->state) != 0) {
            const report_counts *c = report_get_counts(r->rep);
            if (c->error == 0)
                report_file(r->rep, TS_ERROR, "handlerrefused",
                            "the handler refused the file (see log)");
            if (in)
        csvin_close(in);
            if (e->flags.dry_run)
                db_rollback(e->db);
            finish_files(r, 0);
            report_close(r->rep);
            fs_release(lock);
            free_run(r);
            current_run = NULL;
            return TS_EXIT_FILE;
        }
        begun = 1;
        progress_start(r, e->flags);
        file_error = process_rows(r, in) != 0;
        report_count_comments(r->rep, in ? csvin_skipped(in) : 0);
        if (!r->fatal && r->h->end_file) {
            int ok = (e->flags.dry_run ? db_savepoint(e->db, "ts_end") : db_begin(e->db)) == 0;
            if (ok && (r->h->end_file(r, r->state) != 0 || moodle_flush(e->site) != 0)) {
                moodle_forget(e->site);
                report_file(r->rep, TS_ERROR, "endfilefailed", db_error(e->db));
                e->flags.dry_run ? db_rollback_to(e->db, "ts_end") : db_rollback(e->db);
            } else if (ok) {
                e->flags.dry_run ? db_release(e->db, "ts_end") : db_commit(e->db);
            }
        }
        progress_end(r);
    }
    if (e->flags.dry_run && !db_connection_lost(e->db))
        db_rollback(e->db);
    if (begun && r->h->free_state)
        r->h->free_state(r->state);
    if (in)
        csvin_close(in);

    if (r->fatal) {
        report_file(r->rep, TS_ERROR, "dbconnectionlost", r->fatal_msg);
        ts_logf(TS_LOG_ERROR, "%s", r->fatal_msg);
    } else {
        run_purges(r);
    }
    if (archive_finish(r) != 0)
        file_error = 1;
    /* A file cut short (unreadable tail, database gone) stays in place: every line is
     * already accounted for (applied or in the tryback), and a re-run is harmless. */
    finish_files(r, !file_error && !r->fatal);
    status = file_error ? TS_EXIT_FILE : exit_status(r);
    progress_stats(r, e->flags);
    if (report_close(r->rep) != 0)
        ts_logf(TS_LOG_ERROR, "cannot write the report %s", r->report_path);
    if (r->fatal || r->output_failed)
        status = TS_EXIT_FATAL;
    fs_release(lock);
    free_run(r);
    current_run = NULL;
    return status;
}
