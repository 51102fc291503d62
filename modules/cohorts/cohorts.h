/* The cohorts module's internal interface: services, handler state, shared helpers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec: shared/spec/50-cohorts.md ("Engine" rules), moodle-writes.md §1.13-1.15, §3, §4.
 * The module reaches Moodle only through the core's services: the cohorts service does
 * what enrol_cohort's observers do, the enrol service writes the cohort enrol instances.
 */
#ifndef TS_COHORTS_MODULE_H
#define TS_COHORTS_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <toolsync/toolsync.h>

extern const ts_runtime *RT;
extern const ts_sql_api *SQL;
extern const ts_moodle_api *M;
extern const ts_resolve_api *R;
extern const ts_enrol_api *E;
extern const ts_cohorts_api *C;

enum { HK_COHORTS = 1, HK_BINDINGS };

/* A cohort a line of the cohort file touched (syncdelete.c). */
typedef struct {
    int64_t cohortid;
    long line;
} touched;

typedef struct {
    ts_run *run;
    int kind;
    ts_by cohort_by;        /* cohortidentifier: TS_BY_ID, TS_BY_IDNUMBER, TS_BY_NAME   */
    ts_by user_by;          /* useridentifier                                          */
    ts_by course_by;        /* courseidentifier (binding file)                         */
    ts_by role_by;          /* roleidentifier (binding file)                           */
    int autocreate;
    int syncdelete;         /* cohorts.syncdelete: delete the cohorts the file emptied */

    /* cohorts.csv: header index of each column, -1 when absent */
    long cmd, cid, cidnumber, cname, userid, cdescription, ccatcontext, ccatcontextidnumber,
         component;
    long primary;           /* the identifier column: c + the identifier setting       */
    const char *primary_name;

    /* cohortscourses.csv */
    long b_cohort, b_course, b_role, b_enrol, b_makegroup;

    /* syncdelete: what the applied lines touched, and the line called last */
    touched *touched;
    size_t ntouched, captouched;
    long last_line;
    int64_t touch;          /* the cohort the current line touched, 0 none            */
} cstate;

/* Column declarations (module.c). */
extern const ts_column COHORTS_COLUMNS[];
extern const ts_column BINDINGS_COLUMNS[];

/* The value of a header column on the row: NULL when the header lacks it, "" when
 * the line has no cell there. */
const char *cell(ts_row *row, long col);
/* Non-empty value, or NULL. */
const char *given(ts_row *row, long col);
/* "identifier 'value'" wording for reports. */
const char *by_name(ts_by by);
/* A lookup's answer as a row failure: records `key` for not found and ambiguous (the
 * core already recorded the reason of a database error).  Always TS_ERR. */
int lookup_failed(ts_row *row, int64_t rc, const char *key, const char *column,
                  const char *what, const char *value);

/* cohorts.csv (members.c, cohort.c). */
int members_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n);
int members_row(ts_run *run, void *st, ts_row *row);
/* add: the cohort found, created (autocreate) or updated from the line's data columns.
 * The cohort id (> 0), or TS_ERR with the reason on the row. */
int64_t cohort_for_add(cstate *s, ts_row *row, int64_t found, const char *primary);

/* cohorts.syncdelete (syncdelete.c): members_row records the cohort a successful line
 * touched; rollback forgets the entries of the line undone; end_file deletes the touched
 * cohorts left empty (never a component's), each reported on the file. */
void touch_record(cstate *s, int64_t cohortid, long line);
void touch_rollback(ts_run *run, void *st);
void touch_prefetch_failed(cstate *s, ts_row *const *rows, size_t n);
int syncdelete_end(ts_run *run, void *st);

/* cohortscourses.csv (bindings.c). */
int bindings_prefetch(ts_run *run, void *st, ts_row *const *rows, size_t n);
int bindings_row(ts_run *run, void *st, ts_row *row);

#endif
