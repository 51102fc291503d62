/* Archive inputs (TS_H_ARCHIVE handlers): a zip read entry by entry into batches, each
 * entry a row with its own outcome; refused entries never reach the module; the tryback
 * is a zip of the failed entries.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"
#include "filestore.h"
#include "archive/zipin.h"

/* Entries are held whole while their batch runs: a few per batch keeps memory bounded
 * by a few entries, whatever the archive. */
#define ARCHIVE_BATCH 8

static uint64_t setting(ts_run *r, const char *name)
{
    return (uint64_t)strtoull(config_global_str(r->e->cfg, name), NULL, 10);
}

static ts_row *entry_row(ts_run *r, const zipin_entry *e)
{
    char size[32];
    snprintf(size, sizeof size, "%llu", (unsigned long long)e->size);
    char *fields[2] = { (char *)e->name, size };
    csv_record rec = { .line = e->number, .last_line = e->number, .nfields = 2,
                       .fields = fields, .raw = e->name };
    return row_new(r, &rec);
}

/* The row of one entry: refused, unreadable, or with its bytes. */
static ts_row *read_entry(ts_run *r, const zipin_entry *e)
{
    ts_row *row = entry_row(r, e);
    zipin_error err = { "", "" };
    if (e->refused) {
        row->pre_failed = 1;
        row_add_msg(row, TS_ERROR, e->refusal_key, NULL, e->refusal_text);
    } else if (zipin_read_all(r->zin, &row->entry_data, &row->entry_len, &err) != 0) {
        row->pre_failed = 1;
        row_add_msg(row, TS_ERROR, err.key, NULL, err.text);
    }
    return row;
}

static void apply(ts_run *r, ts_row **batch, size_t *n)
{
    if (!r->fatal)
        batch_apply(r, batch, *n);
    batch_flush(r, batch, *n);
    *n = 0;
}

int archive_process(ts_run *r)
{
    zipin_limits lim = {
        .max_entry_size = setting(r, "archivemaxentrysize"),
        .max_total_size = setting(r, "archivemaxtotalsize"),
        .max_entries = setting(r, "archivemaxentries"),
        .max_ratio = (double)setting(r, "archivemaxratio"),
    };
    zipin_error err = { "", "" };
    r->zin = zipin_open(r->path, &lim, &err);
    if (!r->zin) {
        char msg[1400];
        snprintf(msg, sizeof msg, "%.300s: %s", r->display, err.text);
        report_file(r->rep, TS_ERROR, err.key, msg);
        ts_logf(TS_LOG_ERROR, "%s (%s)", msg, err.key);
        return -1;
    }
    ts_row *batch[ARCHIVE_BATCH];
    size_t n = 0;
    zipin_entry e;
    int rc;
    while ((rc = zipin_next(r->zin, &e, &err)) > 0) {
        batch[n++] = read_entry(r, &e);
        if (n == ARCHIVE_BATCH)
            apply(r, batch, &n);
    }
    if (n)
        apply(r, batch, &n);
    if (rc < 0) {
        char msg[1400];
        snprintf(msg, sizeof msg, "%.300s: the rest of the archive cannot be read: %s",
                 r->display, err.text);
        report_file(r->rep, TS_ERROR, err.key, msg);
        ts_logf(TS_LOG_ERROR, "%s", msg);
        return -1;
    }
    return 0;
}

/* The tryback zip's name: the first free one of the input's series (fs_first_free). */
static void tryback_namer(const void *ctx, int seq, char *out, size_t len)
{
    const ts_run *r = ctx;
    fs_tryback_name(r->path, r->started, r->e->flags.dry_run, seq, out, len);
}

static int tryback_maker(void *ctx, const char *path)
{
    ts_run *r = ctx;
    zipin_error err = { "", "" };
    r->ztb = zipout_create(path, &err);
    if (r->ztb)
        return 0;
    errno = strcmp(err.key, "exists") == 0 ? EEXIST : EIO;
    return -1;
}

void archive_tryback_add(ts_run *r, const ts_row *row)
{
    zipin_error err = { "", "" };
    if (r->output_failed || !r->want_tryback)
        return;              /* said once: the input stays in place for a re-run */
    if (!r->ztb && fs_first_free(tryback_namer, r, tryback_maker, r, r->tryback_path,
                                 sizeof r->tryback_path) != 0) {
        char msg[4400];
        snprintf(msg, sizeof msg, "cannot create the tryback archive next to %s: %s",
                 r->path, strerror(errno));
        report_file(r->rep, TS_ERROR, "outputlost", msg);
        r->output_failed = 1;
        return;
    }
    if (zipout_add_entry(r->ztb, r->zin, row->line, &err) != 0) {
        char msg[1400];
        snprintf(msg, sizeof msg, "entry %ld not copied into the tryback: %s", row->line,
                 err.text);
        report_file(r->rep, TS_WARN, err.key, msg);
    }
}

int archive_finish(ts_run *r)
{
    zipin_error err = { "", "" };
    int rc = 0;
    if (r->ztb && zipout_close(r->ztb, &err) != 0) {
        report_file(r->rep, TS_ERROR, err.key, err.text);
        r->output_failed = 1;
        rc = -1;
    }
    r->ztb = NULL;
    if (r->zin)
        zipin_close(r->zin);
    r->zin = NULL;
    return rc;
}
