/* One run: the state shared by run.c (the file's journey), batch.c (transactions and
 * replay), header.c (column binding) and host.c (what modules see).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_RUN_H
#define TS_RUN_H

#include "engine.h"

/* One message recorded for a row (a row may get several). */
typedef struct row_msg {
    ts_status status;
    char key[48];
    char column[64];
    char *text;
} row_msg;

struct ts_row {
    long line;
    char *raw;               /* verbatim text, for the tryback               */
    size_t nfields;
    char **fields;
    ts_run *run;
    row_msg *msgs;           /* outcome messages                            */
    size_t nmsgs, capmsgs;
    int pre_failed;          /* rejected before reaching the handler        */
    FILE *raw_file;          /* an overlong line's whole text (raw: a prefix) */
    char *reason;            /* why a service failed on this row (run_fail)   */
    char reason_key[48];
    unsigned char *entry_data;         /* an archive entry's bytes (archive rows)  */
    size_t entry_len;
};

/* A cached prepared statement, keyed by its SQL text. */
struct ts_stmt {
    db_stmt *st;
    ts_run *run;
    char *sql;
};

struct ts_run {
    engine *e;
    handler_entry *he;       /* NULL in a command's run                      */
    const ts_handler *h;
    module_entry *mod;       /* the module whose handler or command runs     */
    const command_entry *cmd;   /* a module's command: a run without input    */
    long cmd_errors;         /* ERROR outcomes the command recorded          */
    void *state;             /* the handler's                                */
    time_t started;
    int64_t now;

    /* input */
    char path[4096];
    char display[4096];
    char name[1024];         /* base name of the input                       */
    size_t ncols;
    char **cols;             /* header names                                 */
    char *header_line;       /* rebuilt header for the tryback              */
    char sep;

    /* outputs */
    report *rep;
    tryback *tb;
    char report_path[4096];
    char tryback_path[4096];

    ts_row *current;         /* row whose callback runs                      */
    int fatal;               /* database lost or unrecoverable              */
    char fatal_msg[512];

    /* statement cache (open addressing) */
    ts_stmt **stmts;
    size_t nstmts, capstmts;

    /* the resolvers of the run (resolve/) and the cache purges asked for */
    struct resolver *res;
#define RUN_MAX_PURGES 16
    char purges[RUN_MAX_PURGES][48];
    size_t npurges;

    /* operations for Moodle's PHP, queued by the rows of the current batch */
    struct run_op { ts_row *row; char *op; char *args; } *ops;
    size_t nops, capops;
    /* an archive input and the zip of its failed entries (run_archive.c) */
    struct zipin *zin;
    struct zipout *ztb;
    int output_failed;       /* a report, tryback or archive could not be written */
    int want_tryback;        /* filefailed (and, in a dry run, simulate_tryback)        */

    /* Moodle's content pool (svc_files.c), opened on first use */
    struct moodle_pool_state *files;

    /* counters for --stats and the progress line */
    long rows_done;
};

/* --- header.c ---------------------------------------------------------------------- */
/* Validates the header record against the handler's columns.  On failure writes the
 * file-level message into the report and returns -1. */
int header_bind(ts_run *r, const csv_record *hdr);
/* Index of column `name` in the header, or -1. */
long header_index(const ts_run *r, const char *name);

/* --- batch.c ----------------------------------------------------------------------- */
/* Applies the rows of one batch (prefetch, rows, commit; replay row by row when needed).
 * Returns 0, or -1 when the database is gone (r->fatal set; the rows not committed
 * are marked ERROR). */
int batch_apply(ts_run *r, ts_row **rows, size_t n);
/* Writes each row's outcome to the report and failed rows to the tryback, then frees. */
void batch_flush(ts_run *r, ts_row **rows, size_t n);

/* --- rows (host.c) ------------------------------------------------------------------- */
ts_row *row_new(ts_run *r, const csv_record *rec);
void row_free(ts_row *row);
void row_reset_outcome(ts_row *row);
ts_status row_status(const ts_row *row);
void row_add_msg(ts_row *row, ts_status st, const char *key, const char *column,
                 const char *text);
/* Why the row's service call failed (the first reason is kept): reported with the row's
 * ERROR, or as its ERROR when the module said nothing. */
void row_set_reason(ts_row *row, const char *key, const char *text);

/* --- run_bridge.c: operations for Moodle's PHP -------------------------------------------- */
typedef struct run_op run_op;
int run_bridge_configured(ts_run *r);
int run_ops_queue(ts_run *r, ts_row *row, const char *op, const char *args);
void run_ops_drop_row(ts_run *r, const ts_row *row);   /* the row failed in a replay */
void run_ops_drop_all(ts_run *r);                      /* the batch was rolled back   */
void run_ops_after_commit(ts_run *r);                  /* run what the batch queued   */
void run_purges(ts_run *r);                            /* the run's purges, at its end */

/* --- run_archive.c: archive inputs --------------------------------------------------------- */
int archive_process(ts_run *r);          /* 0, or -1: the archive cannot be read (reported) */
void archive_tryback_add(ts_run *r, const ts_row *row);
int archive_finish(ts_run *r);           /* closes the tryback zip; -1 when it failed     */

/* --- svc_bridge.c: the run's cache purges ------------------------------------------------ */
void run_request_purge(void *run, const char *what);     /* also the site's purge sink */
const char *run_purge_list(ts_run *r, char *buf, size_t len);   /* "a,b" or "" */

/* --- run_command.c ---------------------------------------------------------------------- */
/* A command's file_outcome: its line on standard output. */
void command_say(ts_run *r, ts_status st, const char *key, const char *text);

/* --- runtime.c / svc_sql.c ---------------------------------------------------------------- */
const ts_runtime *runtime_table(void);
void sql_cache_free(ts_run *r);
void run_resolvers_begin(ts_run *r);   /* resolvers and purge sink for the run (batch.c) */
void run_resolvers_end(ts_run *r);

#endif
