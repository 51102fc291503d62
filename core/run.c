/* One file's journey: reserve → capture → choose → report → input and header → batches
 * → end → tryback, archive, cleanup → release.  This file drives the steps and owns the
 * single exit path; the steps live in run_choose.c, run_rows.c and run_finish.c.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run_steps.h"
#include "svc.h"

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
    /* SQLite creates a missing file on open: a mistyped path would leave an empty
     * database behind and fail later with a puzzling message. */
    if (p.kind == TS_DB_SQLITE && p.name && strcmp(p.name, ":memory:") != 0 &&
        strncmp(p.name, "file:", 5) != 0 && access(p.name, F_OK) != 0) {
        ts_logf(TS_LOG_ERROR, "cannot connect to the database: the SQLite file %s does not "
                "exist (database.name)", p.name);
        return -1;
    }
    e->db = db_open(&p, err, sizeof err);
    if (!e->db) {
        ts_logf(TS_LOG_ERROR, "cannot connect to the database: %s", err);
        return -1;
    }
    moodle_options mo = {
        .acceptversion = cfg_getint(cfg_getsec(e->cfg, "moodle"), "acceptversion"),
        .bcrypt_cost = (int)cfg_getint(e->cfg, "passwordhashcost"),
        .sha512_rounds = (int)cfg_getint(e->cfg, "passwordrounds"),
    };
    e->site = moodle_open_with(e->db, &mo, err, sizeof err);
    if (!e->site) {
        ts_logf(TS_LOG_ERROR, "%s", err);
        return -1;
    }
    return 0;
}

int run_gbool(engine *e, const char *name)
{
    return strcmp(config_global_str(e->cfg, name), "true") == 0;
}

static char separator(engine *e)
{
    const char *s = config_global_str(e->cfg, "csvseparator");
    return strcmp(s, "tab") == 0 ? '\t' : *s ? *s : ';';
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

void run_output_lost(journey *j, const char *what, const char *path, int err)
{
    char msg[5000];
    j->output_lost = 1;
    snprintf(msg, sizeof msg, "cannot write the %s %s: %s; the input %s is kept in place",
             what, path && *path ? path : "(no name)", strerror(err ? err : EIO),
             *j->r->path ? j->r->path : "(none)");
    ts_logf(TS_LOG_ERROR, "%s", msg);
    report_file(j->r->rep, TS_ERROR, "outputlost", msg);
}

void run_note(journey *j, const char *key, const char *text)
{
    if (j->nnotes >= RUN_MAX_NOTES)
        return;
    snprintf(j->notes[j->nnotes].key, sizeof j->notes[0].key, "%s", key);
    snprintf(j->notes[j->nnotes].text, sizeof j->notes[0].text, "%s", text);
    j->nnotes++;
}

int step_open_report(journey *j)
{
    ts_run *r = j->r;
    if (r->rep)
        return RUN_GO;
    int store = run_gbool(j->e, "storereport");
    /* The header names the input by its full path: "/userimport.csv" looked like a file
     * at the root of the file system. */
    r->rep = report_open(store ? j->root : NULL, r->name, r->h->name, r->path, r->started,
                         j->e->flags.dry_run, j->e->flags.verbose ? stdout : NULL);
    if (r->rep) {
        snprintf(r->report_path, sizeof r->report_path, "%s", report_path(r->rep));
        for (int i = 0; i < j->nnotes; i++)
            report_file(r->rep, TS_WARN, j->notes[i].key, j->notes[i].text);
        return RUN_GO;
    }
    /* No report, no outcomes: nothing is processed, the input stays. */
    ts_logf(TS_LOG_ERROR, "cannot write the report in %s/reports: %s; the input %s is kept "
            "in place", j->root, strerror(errno), *r->path ? r->path : "(none)");
    j->output_lost = 1;
    return TS_EXIT_FATAL;
}

static int step_area(journey *j)
{
    if (mkdir_p(j->root) == 0)
        return RUN_GO;
    ts_logf(TS_LOG_ERROR, "cannot create the sync directory %s: %s", j->root, strerror(errno));
    return TS_EXIT_FATAL;
}

static int step_open_site(journey *j)
{
    if (engine_open_site(j->e) == 0) {
        run_resolvers_begin(j->r);
        return RUN_GO;
    }
    report_file(j->r->rep, TS_ERROR, "dberror", "cannot open the Moodle database (see log)");
    return TS_EXIT_FATAL;
}

static int run_steps(journey *j, const char *explicit_file)
{
    int st;
    if ((st = step_area(j)) != RUN_GO || (st = step_reserve(j)) != RUN_GO ||
        (st = step_capture(j)) != RUN_GO || (st = step_crashed_before(j)) != RUN_GO ||
        (st = step_choose(j, explicit_file)) != RUN_GO || (st = step_open_report(j)) != RUN_GO ||
        (st = step_open_site(j)) != RUN_GO || (st = step_open_input(j)) != RUN_GO ||
        (st = step_read_header(j)) != RUN_GO)
        return st;
    return step_process(j);
}

/* The single exit path: whatever step stopped the journey, everything it opened is
 * closed here, in the reverse order. */
static int journey_end(journey *j, int status)
{
    ts_run *r = j->r;
    if (j->dry_tx && !db_connection_lost(j->e->db))
        db_rollback(j->e->db);
    if (j->begun && r->h->free_state)
        r->h->free_state(r->state);
    if (j->in)
        csvin_close(j->in);
    if (r->tb || r->ztb)
        finish_files(j, 0);
    if (r->rep && report_close(r->rep) != 0) {
        ts_logf(TS_LOG_ERROR, "cannot write the report %s", r->report_path);
        j->output_lost = 1;
    }
    fs_release(j->lock);
    run_ops_drop_all(r);
    free(r->ops);
    run_resolvers_end(r);
    sql_cache_free(r);
    files_end(r);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    free(r->header_line);
    current_run = NULL;
    return j->output_lost ? TS_EXIT_FATAL : status;
}

/* One journey (a wildcard taking only names after `after`); *chosen gets the file it
 * worked on ("" when none was waiting). */
static int run_one(engine *e, handler_entry *he, const char *explicit_file, const char *after,
                   char *chosen, size_t len)
{
    ts_run run, *r = &run;
    journey j;
    memset(r, 0, sizeof *r);
    memset(&j, 0, sizeof j);
    r->e = e;
    r->he = he;
    r->h = he->h;
    r->mod = he->mod;
    r->started = time(NULL);
    r->now = (int64_t)r->started;
    r->sep = separator(e);
    j.r = r;
    j.e = e;
    j.root = config_global_str(e->cfg, "syncdir");
    j.after = after;
    current_run = r;
    int st = journey_end(&j, run_steps(&j, explicit_file));
    snprintf(chosen, len, "%.4000s", r->path);
    return st;
}

int run_handler(engine *e, handler_entry *he, const char *explicit_file)
{
    char chosen[4096];
    return run_one(e, he, explicit_file, NULL, chosen, sizeof chosen);
}

int run_waiting(engine *e, handler_entry *he)
{
    char chosen[4096], previous[4096] = "";
    int worst = TS_EXIT_OK;
    for (;;) {
        /* After the first, only names after the last one done: a file left in place
         * (no archive, no cleanup, a dry run) is not taken twice. */
        const char *slash = strrchr(previous, '/');
        int st = run_one(e, he, NULL, slash ? slash + 1 : previous, chosen, sizeof chosen);
        if (st > worst)
            worst = st;
        /* Done: one file asked, nothing (more) waiting, a fatal error, or the same file
         * again (not a wildcard: the location names one file). */
        if (!(he->h->flags & TS_H_EVERY_MATCH) || !chosen[0] || st == TS_EXIT_FATAL ||
            strcmp(chosen, previous) == 0)
            return worst;
        snprintf(previous, sizeof previous, "%s", chosen);
    }
}
