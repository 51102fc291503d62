/* The live schema: which columns each table of this site has, read from the database's
 * catalog once per table per run, so that writers name only the columns this site's
 * Moodle version has (a column dropped in 5.2 fails an INSERT that names it).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle_internal.h"

struct moodle_table_cols {
    char *table;
    char **cols;
    size_t n;
};

static const char *columns_sql(ts_db_kind kind)
{
    switch (kind) {
    case TS_DB_SQLITE:
        return "SELECT name FROM pragma_table_info(?)";
    case TS_DB_POSTGRES:
        return "SELECT column_name FROM information_schema.columns "
               "WHERE table_schema = current_schema() AND table_name = ?";
    default:
        return "SELECT column_name FROM information_schema.columns "
               "WHERE table_schema = DATABASE() AND table_name = ?";
    }
}

static int load_table(moodle_site *s, const char *table, struct moodle_table_cols *t)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", db_prefix(s->d), table);
    db_stmt *st = moodle_prepared(s, columns_sql(db_kind(s->d)));
    if (!st || db_exec(st, "s", full) != 0)
        return moodle_fail_db(s, "reading the columns of a table");
    size_t cap = 0;
    int r;
    while ((r = db_next(st)) == 1) {
        const char *name = db_col_text(st, 0);
        if (!name)
            continue;
        if (t->n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(t->cols, cap * sizeof *p);
            if (!p) {
                moodle_drain(st);
                return moodle_fail(s, "out of memory");
            }
            t->cols = p;
        }
        if (!(t->cols[t->n] = strdup(name))) {
            moodle_drain(st);
            return moodle_fail(s, "out of memory");
        }
        t->n++;
    }
    return r < 0 ? moodle_fail_db(s, "reading the columns of a table") : 0;
}

static struct moodle_table_cols *table_cols(moodle_site *s, const char *table)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].table, table) == 0)
            return &s->tables[i];
    struct moodle_table_cols *p = realloc(s->tables, (s->ntables + 1) * sizeof *p);
    if (!p)
        return NULL;
    s->tables = p;
    struct moodle_table_cols *t = &p[s->ntables];
    memset(t, 0, sizeof *t);
    if (!(t->table = strdup(table)) || load_table(s, table, t) != 0) {
        moodle_table_cols_free(t, 1);
        return NULL;
    }
    s->ntables++;
    return t;
}

int moodle_column_exists(moodle_site *s, const char *table, const char *column)
{
    if (!table || !column)
        return 0;
    const struct moodle_table_cols *t = table_cols(s, table);
    if (!t)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->cols[i], column) == 0)
            return 1;
    return 0;
}

void moodle_table_cols_free(struct moodle_table_cols *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        for (size_t j = 0; j < t[i].n; j++)
            free(t[i].cols[j]);
        free(t[i].cols);
        free(t[i].table);
    }
}
