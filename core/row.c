/* Rows: the data lines of a batch, their outcome messages and the reason of a failure.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

ts_row *row_new(ts_run *r, const csv_record *rec)
{
    ts_row *row = calloc(1, sizeof *row);
    row->run = r;
    row->line = rec->line;
    row->raw = strdup(rec->raw ? rec->raw : "");
    row->nfields = rec->nfields;
    row->fields = calloc(rec->nfields + 1, sizeof *row->fields);
    for (size_t i = 0; i < rec->nfields; i++)
        row->fields[i] = strdup(rec->fields[i] ? rec->fields[i] : "");
    return row;
}

void row_reset_outcome(ts_row *row)
{
    for (size_t i = 0; i < row->nmsgs; i++)
        free(row->msgs[i].text);
    row->nmsgs = 0;
    free(row->reason);
    row->reason = NULL;
    row->reason_key[0] = '\0';
}

void row_set_reason(ts_row *row, const char *key, const char *text)
{
    /* The first reason is the cause; what fails after it is a consequence. */
    if (row->reason)
        return;
    snprintf(row->reason_key, sizeof row->reason_key, "%s", key ? key : "dberror");
    row->reason = strdup(text ? text : "");
}

void row_free(ts_row *row)
{
    if (!row)
        return;
    row_reset_outcome(row);
    free(row->msgs);
    for (size_t i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
    free(row->raw);
    if (row->raw_file)
        fclose(row->raw_file);
    free(row->entry_data);
    free(row->reason);
    free(row);
}

static int severity(ts_status s)
{
    switch (s) {
    case TS_ERROR: return 3;
    case TS_WARN: return 2;
    case TS_OK: return 1;
    default: return 0;           /* SKIP: only when nothing else happened */
    }
}

ts_status row_status(const ts_row *row)
{
    ts_status st = TS_SKIP;
    int best = -1;
    for (size_t i = 0; i < row->nmsgs; i++)
        if (severity(row->msgs[i].status) > best) {
            best = severity(row->msgs[i].status);
            st = row->msgs[i].status;
        }
    return row->nmsgs ? st : TS_SKIP;
}

void row_add_msg(ts_row *row, ts_status st, const char *key, const char *column,
                 const char *text)
{
    if (row->nmsgs == row->capmsgs) {
        row->capmsgs = row->capmsgs ? row->capmsgs * 2 : 2;
        row->msgs = realloc(row->msgs, row->capmsgs * sizeof *row->msgs);
    }
    row_msg *m = &row->msgs[row->nmsgs++];
    m->status = st;
    snprintf(m->key, sizeof m->key, "%s", key ? key : "");
    snprintf(m->column, sizeof m->column, "%s", column ? column : "");
    m->text = strdup(text ? text : "");
}

