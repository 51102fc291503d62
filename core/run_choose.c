/* The first steps of a file's journey: take the handler's reservation, capture the drop
 * directory under it, deal with a crashed previous run, choose the file.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run_steps.h"
#include "log.h"

int step_reserve(journey *j)
{
    const ts_handler *h = j->r->h;
    const char *lockname = h->lock_name ? h->lock_name : h->name;
    /* No file yet: it is chosen after the capture, which runs under this reservation.
     * Nothing (no report) is opened before it is held, so that a refused run cannot
     * touch the outputs of the run that holds it. */
    int lr = fs_reserve(j->root, lockname, NULL, &j->lock, j->stale, sizeof j->stale);
    if (lr == 0) {
        j->crashed = *j->stale || fs_lock_stale(j->lock);
        return RUN_GO;
    }
    if (lr > 0) {
        ts_logf(TS_LOG_ERROR, "another toolsync run holds the '%s' reservation: nothing done",
                lockname);
        return TS_EXIT_FILE;
    }
    ts_logf(TS_LOG_ERROR, "cannot take the '%s' reservation: %s", lockname, strerror(errno));
    return TS_EXIT_FATAL;
}

/* Capture notices go to stderr now and into the report once it is open. */
static void capture_note(void *ctx, const char *msg)
{
    journey *j = ctx;
    ts_logf(TS_LOG_WARN, "%s", msg);
    run_note(j, "captureheldback", msg);
}

int step_capture(journey *j)
{
    engine *e = j->e;
    const char *drop = config_global_str(e->cfg, "dropdir");
    if (e->flags.no_capture || !*drop)
        return RUN_GO;
    int settle = (int)strtol(config_global_str(e->cfg, "capturesettle"), NULL, 10);
    int n = fs_capture(drop, j->root, settle, capture_note, j);
    if (n < 0) {
        ts_logf(TS_LOG_ERROR, "capture of %s failed", drop);
        return TS_EXIT_FATAL;
    }
    if (n > 0)
        ts_logf(TS_LOG_INFO, "captured %d file(s) from %s", n, drop);
    return RUN_GO;
}

/* The previous holder died.  With discardfileonfailure its file is set aside (under a
 * name no other discarded file has) and nothing else is done; otherwise the file is
 * processed again, and the administrator is told even under --quiet. */
int step_crashed_before(journey *j)
{
    ts_run *r = j->r;
    char msg[9000];
    if (!j->crashed)
        return RUN_GO;
    const char *what = *j->stale ? j->stale : "(unknown file)";
    if (!*j->stale || !run_gbool(j->e, "discardfileonfailure")) {
        snprintf(msg, sizeof msg, "the previous run crashed while processing %s: %s", what,
                 *j->stale && access(j->stale, F_OK) == 0
                     ? "the file is processed again now (lines already applied are found so)"
                     : "that file is no longer there");
        ts_log_event("%s", msg);
        run_note(j, "previousruncrashed", msg);
        return RUN_GO;
    }
    snprintf(r->path, sizeof r->path, "%s", j->stale);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", j->stale);
    snprintf(r->name, sizeof r->name, "%s", basename(tmp));
    int st = step_open_report(j);
    if (st != RUN_GO)
        return st;
    char newpath[4096] = "";
    if (fs_discard_failed(j->stale, newpath, sizeof newpath) != 0)
        snprintf(msg, sizeof msg, "the previous run crashed while processing %s; it could "
                 "not be set aside (%s); nothing processed this time", what, strerror(errno));
    else
        snprintf(msg, sizeof msg, "the previous run crashed while processing %s: renamed "
                 "to %s (discardfileonfailure); nothing processed this time, rearming "
                 "for next run", what, newpath);
    report_file(r->rep, TS_ERROR, "discardedfile", msg);
    ts_logf(TS_LOG_ERROR, "%s", msg);
    return TS_EXIT_FILE;
}

static void set_names(ts_run *r, const char *path, const char *display)
{
    char tmp[4096];
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->display, sizeof r->display, "%s", display);
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(r->name, sizeof r->name, "%s", basename(tmp));
}

/* A file named on the command line: missing is the operator's error (exit 2). */
static int choose_explicit(journey *j, const char *explicit_file)
{
    ts_run *r = j->r;
    char real[PATH_MAX];
    const char *path = realpath(explicit_file, real) ? real : explicit_file;
    set_names(r, path, path);
    if (access(r->path, R_OK) == 0)
        return RUN_GO;
    int st = step_open_report(j);
    if (st != RUN_GO)
        return st;
    char msg[4200];
    snprintf(msg, sizeof msg, "file %s not found", r->display);
    report_file(r->rep, TS_ERROR, "filenotfound", msg);
    ts_logf(TS_LOG_ERROR, "%s", msg);
    return TS_EXIT_FILE;
}

int step_choose(journey *j, const char *explicit_file)
{
    ts_run *r = j->r;
    int st = explicit_file ? choose_explicit(j, explicit_file) : RUN_GO;
    if (explicit_file && st != RUN_GO)
        return st;
    if (!explicit_file) {
        const char *location = r->h->location_option
            ? config_module_str(j->e->cfg, r->he->mod->desc->name, r->h->location_option) : "";
        fs_choice ch;
        memset(&ch, 0, sizeof ch);
        int rc = fs_choose_after(j->root, location, r->h->default_file, j->after, &ch);
        if (rc < 0) {
            ts_logf(TS_LOG_ERROR, "%s: invalid location '%s' (%s)", r->h->name,
                    *location ? location : r->h->default_file, ch.status);
            return TS_EXIT_FATAL;
        }
        if (rc > 0) {
            /* Under cron, "nothing waiting" is the normal case: no report, exit 0. */
            ts_logf(TS_LOG_INFO, "%s: no file waiting (%s %s)", r->h->name,
                    ch.status, ch.display);
            return TS_EXIT_OK;
        }
        set_names(r, ch.path, ch.display);
        for (int i = 0; i < 8 && ch.others[i][0]; i++)
            ts_logf(TS_LOG_INFO, "other match waiting: %s", ch.others[i]);
    }
    if (fs_lock_set_file(j->lock, r->path) != 0) {
        ts_logf(TS_LOG_ERROR, "cannot record the reservation of %s: %s", r->path,
                strerror(errno));
        return TS_EXIT_FATAL;
    }
    return RUN_GO;
}
