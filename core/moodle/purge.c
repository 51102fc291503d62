/* Per-run bookkeeping of the enrolment writers: requested cache purges, prepared statements.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Caches such as groupdata or coursecontacts live in Moodle's MUC (files, Redis...), out
 * of reach of SQL (moodle-writes §2.3).  The writers only note which ones they made
 * stale; the core purges each once at the end of the run.
 *
 * struct moodle_site belongs to site.c, so the statements of enrol.c, roles.c,
 * groups.c and cohorts.c are kept here, in a small table keyed by the site pointer and
 * its connection, and finalized by moodle_enrol_release().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "moodle/enrol_internal.h"

/* ---- purges ---------------------------------------------------------------------- */

#define PURGE_MAX 16
#define PURGE_NAME 48

static char purge_names[PURGE_MAX][PURGE_NAME];
static size_t purge_count;
static char purge_list[PURGE_MAX * (PURGE_NAME + 1) + 1];

void moodle_request_purge(moodle_site *s, const char *what)
{
    (void)s;   /* one run, one site: the list is the run's */
    if (!what || !*what || strlen(what) >= PURGE_NAME)
        return;
    for (size_t i = 0; i < purge_count; i++)
        if (strcmp(purge_names[i], what) == 0)
            return;
    if (purge_count == PURGE_MAX)
        return;   /* more kinds than Moodle has caches for us to name: cannot happen */
    strcpy(purge_names[purge_count++], what);
}

const char *moodle_requested_purges(const moodle_site *s)
{
    (void)s;
    char *p = purge_list;
    *p = '\0';
    for (size_t i = 0; i < purge_count; i++) {
        if (i)
            *p++ = ',';
        size_t n = strlen(purge_names[i]);
        memcpy(p, purge_names[i], n + 1);
        p += n;
    }
    return purge_list;
}

void moodle_purges_reset(void)
{
    purge_count = 0;
    purge_list[0] = '\0';
}

/* ---- prepared statements ------------------------------------------------------------ */

/* About 45 statements in all; a power of two well above it keeps probing short. */
#define STMT_SLOTS 128
#define SITE_SLOTS 4

typedef struct {
    const char *sql;      /* key: the address of the statement's text */
    db_stmt *st;
} stmt_slot;

typedef struct {
    moodle_site *site;
    db *d;
    stmt_slot slot[STMT_SLOTS];
} site_stmts;

static site_stmts sites[SITE_SLOTS];

static void release_slot(site_stmts *ss)
{
    for (size_t i = 0; i < STMT_SLOTS; i++)
        if (ss->slot[i].st)
            db_finalize(ss->slot[i].st);
    memset(ss, 0, sizeof *ss);
}

void moodle_enrol_release(moodle_site *s)
{
    for (size_t i = 0; i < SITE_SLOTS; i++)
        if (sites[i].site == s)
            release_slot(&sites[i]);
}

static site_stmts *site_of(moodle_site *s)
{
    db *d = moodle_db(s);
    site_stmts *free_slot = NULL;
    for (size_t i = 0; i < SITE_SLOTS; i++) {
        if (sites[i].site == s) {
            if (sites[i].d == d)
                return &sites[i];
            /* Same address, another connection: a site closed without
             * moodle_enrol_release() and a new one allocated in its place.  Its
             * statements belong to a connection that may be gone; drop them unfinalized. */
            memset(&sites[i], 0, sizeof sites[i]);
        }
        if (!sites[i].site && !free_slot)
            free_slot = &sites[i];
    }
    if (!free_slot)
        return NULL;
    free_slot->site = s;
    free_slot->d = d;
    return free_slot;
}

db_stmt *enrol_stmt(moodle_site *s, const char *sql)
{
    site_stmts *ss = site_of(s);
    if (!ss) {
        moodle_fail(s, "too many Moodle sites open at once");
        return NULL;
    }
    uintptr_t h = (uintptr_t)sql;
    size_t i = (size_t)((h >> 3) * 0x9E3779B97F4A7C15ULL >> 40) % STMT_SLOTS;
    for (size_t n = 0; n < STMT_SLOTS; n++, i = (i + 1) % STMT_SLOTS) {
        stmt_slot *sl = &ss->slot[i];
        if (sl->sql == sql)
            return sl->st;
        if (!sl->sql) {
            db_stmt *st = db_prepare(ss->d, sql);
            if (!st) {
                moodle_fail_db(s, "cannot prepare a statement");
                return NULL;
            }
            sl->sql = sql;
            sl->st = st;
            return st;
        }
    }
    moodle_fail(s, "statement table full");
    return NULL;
}
