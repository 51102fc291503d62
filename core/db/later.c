/* Rows inserted later: single-row INSERTs gathered into multi-row ones.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An enrolment line writes a row into each of three or four tables.  Sent one by one,
 * each costs the server a statement (bind, execute, answer) for a few microseconds of
 * actual insertion: PostgreSQL spent more on the statements than on the rows.  Queued
 * here, the rows of one INSERT text go together, up to LATER_MAX per statement.
 *
 * The rule that keeps this invisible: queued rows are sent before any statement that
 * names one of their tables runs, before any script, savepoint, release or commit, and at
 * db_sync; a statement that names none of them cannot see the difference.  A rollback
 * (to a savepoint or whole) drops them: a savepoint sent every row queued before it, so
 * all that remain were written after it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db_internal.h"

#define LATER_MAX 128      /* rows per statement; powers of two below it for the rest */
#define LATER_KINDS 8      /* distinct INSERT texts queued at once                     */
#define LATER_SIZES 8      /* 1, 2, 4 ... 128                                          */

typedef struct {
    const char *given;     /* the caller's text (a literal, usually: compared first) */
    char *sql;             /* a copy of it, the key                                  */
    char *head;            /* the text up to and including "VALUES "                 */
    char *tuple;           /* "(?, ?, ...)"                                          */
    char table[72];        /* expanded table name: statements naming it flush       */
    int nparams;
    int stats_slot;
    db_stmt *st[LATER_SIZES];
    /* queued rows: their types one after the other, their values as offsets */
    char *types;
    size_t ntypes, captypes;
    struct later_val { int64_t i; size_t off; } *vals;   /* off: into text, or SIZE_MAX */
    size_t nvals, capvals, nrows;
} later_kind;

struct db_later {
    later_kind k[LATER_KINDS];
    int nk;
    char *text;            /* copied strings, NUL-terminated one after the other    */
    size_t ntext, captext;
    size_t nrows;          /* over all kinds                                         */
    int sending;
};

static int send_full(db *d, later_kind *k);

/* Makes room for `need` elements of `size` in *p: 0, or -1 (out of memory). */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap && *p)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* "INSERT INTO {t} (a, b) VALUES (?, ?)" split into head and tuple (as written: the
 * placeholders are numbered only once the rows are put together). */
static int kind_init(db *d, later_kind *k, const char *sql)
{
    memset(k, 0, sizeof *k);
    const char *v = strstr(sql, "VALUES ");
    if (!v || v[7] != '(' || strchr(v + 7, ';')) {
        db_set_error(d, 0, "not a single-row INSERT for db_insert_later");
        return -1;
    }
    k->head = strndup(sql, (size_t)(v + 7 - sql));
    k->tuple = strdup(v + 7);
    k->sql = strdup(sql);
    int n = 0;
    char *x = k->head && k->tuple ? dialect_expand_n(d->kind, d->prefix, sql, &n) : NULL;
    const char *into = x ? strstr(x, "INTO ") : NULL;
    if (!into || !k->sql) {
        free(x);
        free(k->head);
        free(k->tuple);
        free(k->sql);
        db_set_error(d, 0, into || !x ? "out of memory" : "an INSERT without INTO");
        return -1;
    }
    into += 5;
    size_t tl = strcspn(into, " (");
    snprintf(k->table, sizeof k->table, "%.*s", (int)(tl < 71 ? tl : 71), into);
    k->given = sql;
    k->nparams = n;
    k->stats_slot = db_stats_slot(d, x);
    free(x);
    return 0;
}

static void kind_free(later_kind *k)
{
    for (int i = 0; i < LATER_SIZES; i++)
        db_finalize(k->st[i]);
    free(k->sql);
    free(k->head);
    free(k->tuple);
    free(k->types);
    free(k->vals);
}

static later_kind *kind_for(db *d, const char *sql)
{
    struct db_later *L = d->later;
    for (int i = 0; i < L->nk; i++)
        if (L->k[i].given == sql || strcmp(L->k[i].sql, sql) == 0)
            return &L->k[i];
    if (L->nk == LATER_KINDS) {
        /* Full: what is queued goes now, and the oldest text makes room. */
        if (db_later_send(d) != 0)
            return NULL;
        kind_free(&L->k[0]);
        memmove(&L->k[0], &L->k[1], (LATER_KINDS - 1) * sizeof L->k[0]);
        L->nk--;
    }
    if (kind_init(d, &L->k[L->nk], sql) != 0)
        return NULL;
    return &L->k[L->nk++];
}

int db_insert_later_a(db *d, const char *sql, const char *types, const db_arg *args)
{
    if (!d || !sql || !types)
        return -1;
    if (!d->later && !(d->later = calloc(1, sizeof *d->later))) {
        db_set_error(d, 0, "out of memory");
        return -1;
    }
    struct db_later *L = d->later;
    later_kind *k = kind_for(d, sql);
    if (!k)
        return -1;
    size_t nt = strlen(types);
    if (nt != (size_t)k->nparams) {
        db_set_error(d, 0, "statement takes %d parameter(s), %zu given", k->nparams, nt);
        return -1;
    }
    size_t text = 0;
    for (size_t i = 0; i < nt; i++)
        if (types[i] == 's' && args[i].s)
            text += strlen(args[i].s) + 1;
    if (grow((void **)&k->types, &k->captypes, k->ntypes + nt, 1) != 0 ||
        grow((void **)&k->vals, &k->capvals, k->nvals + nt, sizeof *k->vals) != 0 ||
        grow((void **)&L->text, &L->captext, L->ntext + text, 1) != 0) {
        db_set_error(d, 0, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nt; i++) {
        char ty = types[i] == 's' && !args[i].s ? 'n' : types[i];
        struct later_val *o = &k->vals[k->nvals++];
        o->i = ty == 'i' ? args[i].i : 0;
        o->off = SIZE_MAX;
        if (ty == 's') {
            size_t len = strlen(args[i].s) + 1;
            memcpy(L->text + L->ntext, args[i].s, len);
            o->off = L->ntext;
            L->ntext += len;
        }
        k->types[k->ntypes++] = ty;
    }
    k->nrows++;
    L->nrows++;
    d->writes++;
    if (k->stats_slot >= 0)
        d->stats[k->stats_slot].inserted++;
    /* A full statement goes at once: the server works on it while the next rows are
     * made (PostgreSQL pipelines it), instead of everything waiting for the commit. */
    return k->nrows >= LATER_MAX ? send_full(d, k) : 0;
}

int db_insert_laterv(db *d, const char *sql, const char *types, va_list ap)
{
    db_arg args[64];
    size_t nt = types ? strlen(types) : 0;
    if (nt > 64) {
        if (d)
            db_set_error(d, 0, "too many parameters");
        return -1;
    }
    db_args_from(types, nt, ap, args);
    return db_insert_later_a(d, sql, types, args);
}

int db_insert_later(db *d, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = db_insert_laterv(d, sql, types, ap);
    va_end(ap);
    return rc;
}

/* The statement of 2^e rows of a kind, prepared once. */
static db_stmt *chunk_stmt(db *d, later_kind *k, int e)
{
    if (k->st[e])
        return k->st[e];
    size_t rows = (size_t)1 << e, tl = strlen(k->tuple), hl = strlen(k->head);
    char *sql = malloc(hl + rows * (tl + 2) + 1);
    if (!sql) {
        db_set_error(d, 0, "out of memory");
        return NULL;
    }
    size_t o = 0;
    memcpy(sql, k->head, hl);
    o = hl;
    for (size_t r = 0; r < rows; r++) {
        if (r) {
            memcpy(sql + o, ", ", 2);
            o += 2;
        }
        memcpy(sql + o, k->tuple, tl);
        o += tl;
    }
    sql[o] = '\0';
    int n = 0;
    char *x = dialect_expand_n(d->kind, d->prefix, sql, &n);
    free(sql);
    if (!x) {
        db_set_error(d, 0, "out of memory");
        return NULL;
    }
    k->st[e] = d->drv->prepare(d, x, n);
    free(x);
    return k->st[e];
}

static int send_kind(db *d, later_kind *k)
{
    struct db_later *L = d->later;
    size_t row = 0, np = (size_t)k->nparams;
    db_arg *args = malloc(LATER_MAX * np * sizeof *args);
    char *types = malloc(LATER_MAX * np + 1);
    int rc = args && types ? 0 : -1;
    if (rc)
        db_set_error(d, 0, "out of memory");
    while (rc == 0 && row < k->nrows) {
        int e = LATER_SIZES - 1;
        while (((size_t)1 << e) > k->nrows - row)
            e--;
        size_t rows = (size_t)1 << e, first = row * np, nv = rows * np;
        db_stmt *st = chunk_stmt(d, k, e);
        if (!st) {
            rc = -1;
            break;
        }
        memcpy(types, k->types + first, nv);
        types[nv] = '\0';
        for (size_t i = 0; i < nv; i++) {
            const struct later_val *v = &k->vals[first + i];
            if (types[i] == 's')
                args[i].s = L->text + v->off;
            else
                args[i].i = v->i;
        }
        rc = d->drv->execa(st, types, args);
        row += rows;
    }
    free(args);
    free(types);
    return rc;
}

/* One kind's LATER_MAX rows, sent alone: its queue starts again empty. */
static int send_full(db *d, later_kind *k)
{
    struct db_later *L = d->later;
    if (L->sending)
        return 0;
    L->sending = 1;
    int rc = send_kind(d, k);
    L->sending = 0;
    L->nrows -= k->nrows;
    k->nrows = k->ntypes = k->nvals = 0;
    if (L->nrows == 0)
        L->ntext = 0;        /* the strings of other kinds' rows stay until then */
    return rc;
}

static void drop_rows(struct db_later *L)
{
    for (int i = 0; i < L->nk; i++)
        L->k[i].nrows = L->k[i].ntypes = L->k[i].nvals = 0;
    L->ntext = 0;
    L->nrows = 0;
}

int db_later_send(db *d)
{
    struct db_later *L = d ? d->later : NULL;
    if (!L || L->nrows == 0 || L->sending)
        return 0;
    L->sending = 1;
    int rc = 0;
    for (int i = 0; i < L->nk && rc == 0; i++)
        if (L->k[i].nrows)
            rc = send_kind(d, &L->k[i]);
    L->sending = 0;
    /* Sent or failed, they are the database's now: a failure fails the batch, which is
     * rolled back and replayed line by line. */
    drop_rows(L);
    return rc;
}

int db_later_before(db *d, const char *sql)
{
    struct db_later *L = d ? d->later : NULL;
    if (!L || L->nrows == 0 || L->sending)
        return 0;
    if (!sql)
        return db_later_send(d);
    for (int i = 0; i < L->nk; i++)
        if (L->k[i].nrows && strstr(sql, L->k[i].table))
            return db_later_send(d);
    return 0;
}

void db_later_drop(db *d)
{
    if (d && d->later)
        drop_rows(d->later);
}

size_t db_later_rows(const db *d)
{
    return d && d->later ? d->later->nrows : 0;
}

void db_later_free(db *d)
{
    if (!d || !d->later)
        return;
    for (int i = 0; i < d->later->nk; i++)
        kind_free(&d->later->k[i]);
    free(d->later->text);
    free(d->later);
    d->later = NULL;
}
