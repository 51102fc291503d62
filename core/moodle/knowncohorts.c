/* What the cohort writers remember during a run: each cohort's row and the enabled
 * cohort enrol instances bound to it.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A membership file of 100,000 lines names a thousand cohorts over and over; each line
 * read the cohort's row (twice: the update check and the context) and its instances.
 * Kept here, they cost one read per cohort.  Cohort writes replace or drop the entry,
 * instance changes (added, switched, deleted) drop the instance lists, a rollback drops
 * everything (moodle_forget).
 */
#include <stdlib.h>
#include <string.h>
#include "moodle/knowncohorts.h"
#include "util/util.h"

#define KNOWN_COHORTS_MAX 20000

struct moodle_known_cohorts {
    imap *rows;             /* cohort id -> moodle_cohort_row * (owned)                 */
    imap *links;            /* cohort id -> cohort_links * (enabled instances)          */
};

static char *dup_or_null(const char *v)
{
    return v ? strdup(v) : NULL;
}

static void free_row(void *ctx, int64_t key, int64_t val)
{
    (void)ctx;
    (void)key;
    moodle_cohort_row *c = (moodle_cohort_row *)(intptr_t)val;
    if (!c)
        return;   /* forgotten entry */
    moodle_cohort_row_free(c);
    free(c);
}

static void free_links(void *ctx, int64_t key, int64_t val)
{
    (void)ctx;
    (void)key;
    free((void *)(intptr_t)val);
}

static struct moodle_known_cohorts *kc(moodle_site *s)
{
    if (!s->cohorts) {
        struct moodle_known_cohorts *k = calloc(1, sizeof *k);
        if (!k)
            return NULL;
        k->rows = imap_new();
        k->links = imap_new();
        if (!k->rows || !k->links) {
            imap_free(k->rows);
            imap_free(k->links);
            free(k);
            return NULL;
        }
        s->cohorts = k;
    }
    return s->cohorts;
}

static void clear_links(struct moodle_known_cohorts *k)
{
    imap_each(k->links, free_links, NULL);
    imap_clear(k->links);
}

void moodle_cohorts_forget(moodle_site *s)
{
    struct moodle_known_cohorts *k = s->cohorts;
    if (!k)
        return;
    imap_each(k->rows, free_row, NULL);
    imap_clear(k->rows);
    clear_links(k);
}

void moodle_cohorts_free(moodle_site *s)
{
    moodle_cohorts_forget(s);
    if (s->cohorts) {
        imap_free(s->cohorts->rows);
        imap_free(s->cohorts->links);
        free(s->cohorts);
        s->cohorts = NULL;
    }
}

int moodle_cohort_known(moodle_site *s, int64_t cohortid, moodle_cohort_row *out)
{
    int64_t v;
    if (!s->cohorts || !imap_get(s->cohorts->rows, cohortid, &v) || !v)
        return 0;
    const moodle_cohort_row *c = (const moodle_cohort_row *)(intptr_t)v;
    out->id = c->id;
    out->contextid = c->contextid;
    out->name = dup_or_null(c->name);
    out->idnumber = dup_or_null(c->idnumber);
    out->description = dup_or_null(c->description);
    return 1;
}

void moodle_cohort_learn(moodle_site *s, const moodle_cohort_row *c)
{
    struct moodle_known_cohorts *k = kc(s);
    if (!k)
        return;
    moodle_cohort_forget_one(s, c->id);
    if (imap_count(k->rows) >= KNOWN_COHORTS_MAX)
        moodle_cohorts_forget(s);
    moodle_cohort_row *copy = malloc(sizeof *copy);
    if (!copy)
        return;
    *copy = (moodle_cohort_row){ c->id, c->contextid, dup_or_null(c->name),
                                 dup_or_null(c->idnumber), dup_or_null(c->description) };
    if (imap_put(k->rows, c->id, (int64_t)(intptr_t)copy) < 0)
        free_row(NULL, 0, (int64_t)(intptr_t)copy);
}

void moodle_cohort_forget_one(moodle_site *s, int64_t cohortid)
{
    int64_t v;
    if (!s->cohorts || !imap_get(s->cohorts->rows, cohortid, &v) || !v)
        return;
    free_row(NULL, 0, v);
    imap_put(s->cohorts->rows, cohortid, 0);   /* 0: not known (no single-key removal) */
}

const cohort_links *moodle_cohort_links_known(moodle_site *s, int64_t cohortid)
{
    int64_t v;
    if (!s->cohorts || !imap_get(s->cohorts->links, cohortid, &v))
        return NULL;
    return (const cohort_links *)(intptr_t)v;
}

void moodle_cohort_links_learn(moodle_site *s, int64_t cohortid, const cohort_link *v,
                               size_t n)
{
    struct moodle_known_cohorts *k = kc(s);
    if (!k)
        return;
    if (imap_count(k->links) >= KNOWN_COHORTS_MAX)
        clear_links(k);
    cohort_links *l = malloc(sizeof *l + n * sizeof *v);
    if (!l)
        return;
    l->n = n;
    if (n)
        memcpy(l->v, v, n * sizeof *v);
    int64_t old;
    if (imap_get(k->links, cohortid, &old))
        free((void *)(intptr_t)old);
    if (imap_put(k->links, cohortid, (int64_t)(intptr_t)l) < 0)
        free(l);
}

void moodle_cohort_links_changed(moodle_site *s)
{
    if (s->cohorts)
        clear_links(s->cohorts);
}
