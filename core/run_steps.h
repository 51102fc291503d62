/* The steps of one file's journey (run.c drives them; run_choose.c, run_rows.c and
 * run_finish.c implement them).  Private to those files.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each step returns RUN_GO to go on, or the run's exit status to stop there; whatever
 * the step, cleanup (report close, lock release, handler state, statement cache) is done
 * once, by run.c's journey_end.
 */
#ifndef TS_RUN_STEPS_H
#define TS_RUN_STEPS_H

#include "run.h"
#include "filestore.h"

#define RUN_GO (-1)
#define RUN_MAX_NOTES 8

typedef struct journey {
    ts_run *r;
    engine *e;
    const char *root;          /* syncdir                                           */
    const char *after;         /* a wildcard takes only names after this one (a run
                                  working through every match: the last one done)   */
    fs_lock *lock;             /* held from step_reserve on                         */
    char stale[4096];          /* file a crashed previous run left unfinished       */
    int crashed;               /* the previous holder of the reservation died       */
    csvin *in;
    int begun;                 /* begin_file succeeded: free_state is owed          */
    int dry_tx;                /* the dry run's outer transaction is open           */
    int output_lost;           /* a report / tryback / archive write failed: exit 3 */
    /* warnings met before the report is open (capture, crash), written once it is */
    struct { char key[32]; char text[700]; } notes[RUN_MAX_NOTES];
    int nnotes;
} journey;

/* run.c */
int run_gbool(engine *e, const char *name);
/* Keeps a warning for the report, which is opened later. */
void run_note(journey *j, const char *key, const char *text);
/* Opens the report (after the reservation); RUN_GO, or exit 3 when it cannot be
 * written (nothing is processed without a report). */
int step_open_report(journey *j);
/* A report, tryback or archive could not be written: said on stderr and in the report;
 * the input is kept, the exit status becomes 3. */
void run_output_lost(journey *j, const char *what, const char *path, int err);

/* run_choose.c */
int step_reserve(journey *j);
int step_capture(journey *j);
int step_crashed_before(journey *j);
int step_choose(journey *j, const char *explicit_file);

/* run_rows.c */
int step_open_input(journey *j);
int step_read_header(journey *j);
/* Reads every record, applying them batch by batch (the place where the file's rows
 * are read: a second input kind plugs in here).  Returns 0, or -1 when the file turned
 * out unreadable (truncated quote), r->fatal set when the database went away. */
int process_rows(ts_run *r, csvin *in);

/* run_finish.c */
int step_process(journey *j);
/* The end-of-run cache purge (to be replaced by the PHP bridge). */
void finish_files(journey *j, int processed);
int run_exit_status(journey *j, int file_error);

#endif
