/* Reading the file: opening the input, the header, and the rows batch by batch.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run_steps.h"
#include "progress.h"

/* Memory held by one batch: once its rows weigh this much the batch is applied, even
 * before batchsize rows, so that memory stays bounded by a few lines whatever their
 * length (100 lines of 1 MB must not all be held at once). */
#define BATCH_BYTES (4u * 1024 * 1024)

int step_open_input(journey *j)
{
    ts_run *r = j->r;
    engine *e = j->e;
    if (r->h->flags & TS_H_ARCHIVE)
        return RUN_GO;      /* a zip: read entry by entry (run_archive.c) */
    csvin_options opt = { r->sep, config_global_str(e->cfg, "encoding"),
                          (size_t)strtol(config_global_str(e->cfg, "maxlinelength"), NULL, 10) };
    csvin_error cerr;
    memset(&cerr, 0, sizeof cerr);
    j->in = csvin_open(r->path, &opt, &cerr);
    if (j->in)
        return RUN_GO;
    char msg[5200];
    snprintf(msg, sizeof msg, "%.4000s: %.1000s", r->display, cerr.text);
    report_file(r->rep, TS_ERROR, cerr.key, msg);
    ts_logf(TS_LOG_ERROR, "%s", msg);
    return strcmp(cerr.key, "unknownencoding") == 0 ? TS_EXIT_FATAL : TS_EXIT_FILE;
}

/* Reads the header (or fakes one for headerless and binary handlers).  A refused
 * header: nothing processed, the input left in place, no tryback. */
int step_read_header(journey *j)
{
    ts_run *r = j->r;
    csv_record rec;
    csvin_error err;
    if (r->h->flags & TS_H_ARCHIVE) {
        /* A zip: each entry is a row of columns name and size. */
        csv_record fake = { .nfields = 2, .fields = (char *[]){ "name", "size" },
                            .raw = "name;size" };
        return header_bind(r, &fake) == 0 ? RUN_GO : TS_EXIT_FILE;
    }
    if (r->h->flags & TS_H_NO_HEADER) {
        csv_record fake = { .nfields = 1, .fields = (char *[]){ (char *)r->h->columns[0].name },
                             .raw = "" };
        return header_bind(r, &fake) == 0 ? RUN_GO : TS_EXIT_FILE;
    }
    memset(&err, 0, sizeof err);
    int rc = csvin_next(j->in, &rec, &err);
    if (rc == 0) {
        report_file(r->rep, TS_ERROR, "emptyfile", "the file has no header line");
        ts_logf(TS_LOG_ERROR, "%s: the file has no header line", r->display);
        return TS_EXIT_FILE;
    }
    if (rc < 0) {
        char msg[5200];
        snprintf(msg, sizeof msg, "%s:%ld:%ld: header line: %s", r->display, err.line,
                 err.column, err.text);
        report_file(r->rep, TS_ERROR, err.key, msg);
        ts_logf(TS_LOG_ERROR, "%s (%s)", msg, err.key);
        return TS_EXIT_FILE;
    }
    return header_bind(r, &rec) == 0 ? RUN_GO : TS_EXIT_FILE;
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

static void apply_and_flush(ts_run *r, ts_row **batch, size_t *n, csvin *in)
{
    if (!*n)
        return;
    if (!r->fatal)
        batch_apply(r, batch, *n);
    else
        mark_unapplied(batch, *n);
    batch_flush(r, batch, *n);
    *n = 0;
    progress_update(r, csvin_offset(in), csvin_size(in), 0);
}

/* Turns the reader's answer into a row; *stop set when the rest of the file cannot be
 * read (its text still reaches the tryback whole, so that nothing is lost). */
static ts_row *row_of(ts_run *r, csvin *in, int rc, csv_record *rec, csvin_error *err,
                      int *stop)
{
    ts_row *row = NULL;
    if (rc > 0) {
        if ((r->h->flags & TS_H_NO_HEADER) || rec->nfields <= r->ncols)
            return row_new(r, rec);
        char msg[256];
        snprintf(msg, sizeof msg, "%zu values found, %zu expected", rec->nfields, r->ncols);
        return prefailed_row(r, rec->line, rec->raw, "errorbadcount", msg);
    }
    char msg[5200];
    snprintf(msg, sizeof msg, "%s:%ld:%ld: %s", r->display, err->line, err->column, err->text);
    *stop = strcmp(err->key, "unterminatedquote") == 0 || strcmp(err->key, "ioerror") == 0;
    if (*stop)
        ts_logf(TS_LOG_ERROR, "%s (%s)", msg, err->key);
    if (*stop && !(rec->raw && *rec->raw) && !rec->raw_file) {
        report_file(r->rep, TS_ERROR, err->key, msg);
        return NULL;
    }
    row = prefailed_row(r, rec->line ? rec->line : err->line, rec->raw, err->key, msg);
    if (rec->raw_file)
        row->raw_file = csvin_take_raw_file(in);
    return row;
}

static size_t row_weight(const csv_record *rec)
{
    /* The raw copy and the values, roughly the same size again. */
    return 2 * strlen(rec->raw ? rec->raw : "") + 64 * (rec->nfields + 1);
}

int process_rows(ts_run *r, csvin *in)
{
    if (!in)
        return archive_process(r);   /* a zip: one row per entry */
    long bsize = strtol(config_global_str(r->e->cfg, "batchsize"), NULL, 10);
    if (bsize < 1)
        bsize = 1;
    ts_row **batch = calloc((size_t)bsize, sizeof *batch);
    size_t n = 0, bytes = 0;
    int stop = 0;
    while (!stop) {
        csv_record rec;
        csvin_error err;
        memset(&err, 0, sizeof err);
        memset(&rec, 0, sizeof rec);
        int rc = csvin_next(in, &rec, &err);
        if (rc == 0)
            break;
        ts_row *row = row_of(r, in, rc, &rec, &err, &stop);
        if (row) {
            batch[n++] = row;
            bytes += row_weight(&rec);
        }
        if (n == (size_t)bsize || bytes >= BATCH_BYTES) {
            apply_and_flush(r, batch, &n, in);
            bytes = 0;
        }
    }
    apply_and_flush(r, batch, &n, in);
    free(batch);
    return stop ? -1 : 0;
}
