/* Keeps the planner's statistics up with a bulk load.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sync may multiply the rows of a table within minutes (a new site, the start of a
 * school year).  PostgreSQL plans with the statistics of the last ANALYZE, which the
 * autovacuum daemon refreshes only later: meanwhile it believes the table is tiny and
 * scans it whole for every lookup.  So after a commit, a table that received many rows
 * since its last refresh is analysed, at growing intervals (2,000, 8,000, 32,000 rows...),
 * which costs a few ANALYZEs per run whatever its size.  MariaDB (InnoDB recalculates
 * by itself) and SQLite (indexes preferred without statistics) need nothing.
 */
#include <stdio.h>
#include <string.h>
#include "db_internal.h"

#define FIRST_THRESHOLD 2000

/* The table an INSERT writes to: the word after INTO. */
int db_stats_slot(db *d, const char *sql)
{
    const char *p = strstr(sql, "INTO ");
    if (!p)
        p = strstr(sql, "into ");
    if (!p)
        return -1;
    p += 5;
    while (*p == ' ')
        p++;
    char name[64];
    size_t n = 0;
    while (n < sizeof name - 1 && (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
                                   (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
        n++;
    if (n == 0 || n == sizeof name - 1)
        return -1;
    memcpy(name, p, n);
    name[n] = 0;
    for (int i = 0; i < d->nstats; i++)
        if (strcmp(d->stats[i].name, name) == 0)
            return i;
    if (d->nstats == DB_STATS_TABLES)
        return -1;
    db_table_stats *t = &d->stats[d->nstats];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->inserted = 0;
    t->threshold = FIRST_THRESHOLD;
    return d->nstats++;
}

void db_stats_after_commit(db *d)
{
    if (d->kind != TS_DB_POSTGRES)
        return;
    for (int i = 0; i < d->nstats; i++) {
        db_table_stats *t = &d->stats[i];
        if (t->inserted < t->threshold)
            continue;
        char sql[96];
        snprintf(sql, sizeof sql, "ANALYZE %s", t->name);
        /* Outside any transaction; a failure only costs speed. */
        if (d->drv->exec_script(d, sql) == 0)
            db_clear_error(d);
        t->inserted = 0;
        t->threshold *= 4;
    }
}
