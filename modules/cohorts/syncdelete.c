/* cohorts.syncdelete: after the cohort file, the cohorts it emptied are deleted.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spec 50 §3.6 (engine option, default off): a cohort that is empty once the file has
 * been applied and that a line of this file touched (created it, added or removed a
 * member, freed it) is deleted through the cohorts service, which also deletes its
 * cohort enrol instances as cohort_delete_cohort() and enrol_cohort's observer do.
 * A cohort owned by a component is never deleted: its plugin manages it.
 *
 * The rows record what they touched (cohortid, line).  The SDK has no commit callback,
 * so an entry cannot be confirmed when its batch commits; instead a row that is undone
 * takes its entries with it: the core calls rollback() right after the row it undoes
 * (a replayed row) or after the last row of a batch it undoes, whose other rows it then
 * replays, each either recording again or being undone in its turn.  One case escapes:
 * when a replay's prefetch fails after a failed row, the core fails the whole batch
 * without telling the module about the rows replayed before; their entries stay (a
 * cohort they emptied, if still empty, may then be deleted though their lines failed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cohorts.h"

void touch_record(cstate *s, int64_t cohortid, long line)
{
    if (s->ntouched == s->captouched) {
        size_t cap = s->captouched ? s->captouched * 2 : 64;
        touched *t = realloc(s->touched, cap * sizeof *t);
        if (!t) {
            /* Losing an entry only keeps a cohort: never deletes one wrongly. */
            RT->log(TS_LOG_WARN, "cohorts.syncdelete: out of memory, cohort %lld kept",
                    (long long)cohortid);
            return;
        }
        s->touched = t;
        s->captouched = cap;
    }
    s->touched[s->ntouched++] = (touched){ cohortid, line };
}

/* Forgets what the rows of lines `from` to `to` touched (they were undone). */
static void touch_forget(cstate *s, long from, long to)
{
    size_t k = 0;
    for (size_t i = 0; i < s->ntouched; i++)
        if (s->touched[i].line < from || s->touched[i].line > to)
            s->touched[k++] = s->touched[i];
    s->ntouched = k;
}

void touch_rollback(ts_run *run, void *st)
{
    (void)run;
    cstate *s = st;
    if (s->last_line > 0)
        touch_forget(s, s->last_line, s->last_line);
}

/* A failed prefetch fails its rows without a rollback() when it is a replay's: what the
 * first pass over them recorded goes (rows come in line order, the batch's last). */
void touch_prefetch_failed(cstate *s, ts_row *const *rows, size_t n)
{
    if (n > 0)
        touch_forget(s, RT->line(rows[0]), RT->line(rows[n - 1]));
}

static int by_cohort(const void *a, const void *b)
{
    int64_t x = ((const touched *)a)->cohortid, y = ((const touched *)b)->cohortid;
    return x < y ? -1 : x > y;
}

/* A deletion to report once every deletion of the file went through. */
typedef struct {
    int64_t id;
    char label[600];
} victim;

/* Name the report gives a cohort: its name, and its idnumber when it has one. */
static void label_of(char *buf, size_t size, int64_t id, const char *name, const char *idn)
{
    if (idn && *idn)
        snprintf(buf, size, "cohort '%s' (id %lld, idnumber '%s')", name ? name : "",
                 (long long)id, idn);
    else
        snprintf(buf, size, "cohort '%s' (id %lld)", name ? name : "", (long long)id);
}

/* Empty, and nobody's: delete it.  1 deleted (`v` filled), 0 kept, -1 error. */
static int maybe_delete(cstate *s, int64_t id, victim *v, const char *sim)
{
    ts_stmt *st = SQL->prepare(s->run,
        "SELECT c.name, c.idnumber, c.component, "
        "(SELECT COUNT(1) FROM {cohort_members} m WHERE m.cohortid = c.id) "
        "FROM {cohort} c WHERE c.id = ?");
    if (!st || SQL->exec(st, "i", id) != 0)
        return -1;
    int r = SQL->next(st);
    if (r <= 0)
        return r;   /* gone already (a del line deleted it): nothing to do */
    const char *component = SQL->col_text(st, 2);
    int64_t members = SQL->col_int(st, 3);
    label_of(v->label, sizeof v->label, id, SQL->col_text(st, 0), SQL->col_text(st, 1));
    if (members > 0)
        return 0;
    if (component && *component) {
        RT->file_outcome(s->run, TS_SKIP, "cohortnotdeleted", NULL,
                         "%s%s is empty after this file but owned by component '%s': kept",
                         sim, v->label, component);
        return 0;
    }
    if (C->cohort_delete(s->run, id) < 0)
        return -1;
    v->id = id;
    return 1;
}

int syncdelete_end(ts_run *run, void *st)
{
    cstate *s = st;
    if (!s->syncdelete || s->ntouched == 0)
        return TS_DONE;
    const char *sim = RT->dry_run(run) ? "SIMULATION: " : "";
    qsort(s->touched, s->ntouched, sizeof *s->touched, by_cohort);
    victim *v = NULL, one;
    size_t nv = 0, cap = 0;
    int rc = TS_DONE;
    for (size_t i = 0; i < s->ntouched && rc == TS_DONE; i++) {
        if (i > 0 && s->touched[i].cohortid == s->touched[i - 1].cohortid)
            continue;
        int r = maybe_delete(s, s->touched[i].cohortid, &one, sim);
        if (r < 0) {
            rc = TS_ERR;
        } else if (r > 0) {
            if (nv == cap) {
                victim *nvp = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
                if (!nvp) {
                    rc = TS_ERR;
                    break;
                }
                v = nvp;
            }
            v[nv++] = one;
        }
    }
    /* Reported only now: a failure above undoes every deletion of this step (the core
     * then reports endfilefailed), so no line may announce one that did not happen. */
    for (size_t i = 0; rc == TS_DONE && i < nv; i++)
        RT->file_outcome(run, TS_OK, "cohortdeleted", NULL,
                         "%s%s deleted: empty after this file, which touched it "
                         "(cohorts.syncdelete)", sim, v[i].label);
    free(v);
    return rc;
}
