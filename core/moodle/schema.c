/* The live schema: which columns each table of this site has, read from the database's
 * catalog once per table per run, so that writers name only the columns this site's
 * Moodle version has (a column dropped in 5.2 fails an INSERT that names it).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "moodle_internal.h"

struct moodle_table_cols {
    char *table;
    char **cols;            /* in the table's order, NULL-terminated                    */
    int *len;               /* char columns: their length in characters; else 0         */
    size_t n;
};

static const char *columns_sql(ts_db_kind kind)
{
    switch (kind) {
    case TS_DB_SQLITE:   /* the length is in the declared type: VARCHAR(100) */
        return "SELECT name, type FROM pragma_table_info(?) ORDER BY cid";
    case TS_DB_POSTGRES:
        return "SELECT column_name, character_maximum_length FROM information_schema.columns "
               "WHERE table_schema = current_schema() AND table_name = ? "
               "ORDER BY ordinal_position";
    default:
        return "SELECT column_name, character_maximum_length FROM information_schema.columns "
               "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position";
    }
}

/* A char column's length: the number itself, or SQLite's "VARCHAR(N)". */
static int col_length(const char *v)
{
    if (!v)
        return 0;
    const char *p = strchr(v, '(');
    if (p && strncasecmp(v, "varchar", 7) != 0 && strncasecmp(v, "char", 4) != 0)
        return 0;
    long n = strtol(p ? p + 1 : v, NULL, 10);
    return n > 0 && n < 65536 ? (int)n : 0;   /* MariaDB's LONGTEXT says 4294967295 */
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
        if (t->n + 1 >= cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(t->cols, cap * sizeof *p);
            int *l = p ? realloc(t->len, cap * sizeof *l) : NULL;
            if (p)
                t->cols = p;
            if (!l) {
                moodle_drain(st);
                return moodle_fail(s, "out of memory");
            }
            t->len = l;
        }
        if (!(t->cols[t->n] = strdup(name))) {
            moodle_drain(st);
            return moodle_fail(s, "out of memory");
        }
        t->len[t->n] = col_length(db_col_text(st, 1));
        t->cols[++t->n] = NULL;
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

/* Index of the column in t, or -1. */
static long col_index(const struct moodle_table_cols *t, const char *column)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->cols[i], column) == 0)
            return (long)i;
    return -1;
}

int moodle_column_exists(moodle_site *s, const char *table, const char *column)
{
    if (!table || !column)
        return 0;
    const struct moodle_table_cols *t = table_cols(s, table);
    if (!t)
        return -1;
    return col_index(t, column) >= 0;
}

int moodle_column_length(moodle_site *s, const char *table, const char *column)
{
    const struct moodle_table_cols *t = table_cols(s, table);
    if (!t)
        return -1;
    long i = col_index(t, column);
    return i < 0 ? 0 : t->len[i];
}

const char *const *moodle_table_columns(moodle_site *s, const char *table, size_t *n)
{
    const struct moodle_table_cols *t = table_cols(s, table);
    *n = t ? t->n : 0;
    return t && t->n ? (const char *const *)t->cols : NULL;
}

/* The product is in the version text itself on MariaDB ("10.11.6-MariaDB-0+deb12u1");
 * MySQL answers the bare number. */
int moodle_server_name(moodle_site *s, char *out, size_t len)
{
    ts_db_kind k = db_kind(s->d);
    const char *sql = k == TS_DB_SQLITE ? "SELECT sqlite_version()"
                    : k == TS_DB_POSTGRES ? "SHOW server_version" : "SELECT VERSION()";
    db_stmt *st = moodle_prepared(s, sql);
    if (!st || db_exec(st, "") != 0 || db_next(st) != 1)
        return moodle_fail_db(s, "reading the server version");
    char v[128];
    snprintf(v, sizeof v, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "?");
    moodle_drain(st);
    if (k == TS_DB_SQLITE)
        snprintf(out, len, "SQLite %s", v);
    else if (k == TS_DB_POSTGRES)
        snprintf(out, len, "PostgreSQL %s", v);
    else {
        char *m = strstr(v, "-MariaDB");
        if (m)
            *m = '\0';
        snprintf(out, len, "%s %s", m ? "MariaDB" : "MySQL", v);
    }
    return 0;
}

void moodle_table_cols_free(struct moodle_table_cols *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        for (size_t j = 0; j < t[i].n; j++)
            free(t[i].cols[j]);
        free(t[i].cols);
        free(t[i].len);
        free(t[i].table);
    }
}
