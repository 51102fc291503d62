/* The account store behind the user resolver: the accounts a batch reads or writes,
 * indexed by id, (host, username), idnumber and e-mail, with a journal of what the
 * current row changed so that a failed row leaves it as it was.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It lives for one batch (cleared at each batch start and rollback): accounts are many,
 * and memory must not grow with the file.  A narrow store (the run reads a few columns
 * only) lives longer, up to USTORE_KEEP accounts: re-reading every account of every
 * batch was the largest cost of an enrolment line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resolve/ustore.h"

static char *dup0(const char *s) { return s ? strdup(s) : NULL; }

static void rec_free(ustore *u, ts_user *r)
{
    if (!r)
        return;
    for (size_t c = 0; c < u->ncols; c++)
        free(r->v[c]);
    free(r->v);
    if (r->pdata) {
        for (size_t i = 0; i < u->nprofile; i++)
            free(r->pdata[i]);
        free(r->pdata);
    }
    free(r);
}

ts_user *ustore_rec_new(ustore *u, int64_t id)
{
    ts_user *r = calloc(1, sizeof *r);
    r->id = id;
    r->v = calloc(u->ncols ? u->ncols : 1, sizeof *r->v);
    return r;
}

static ts_user *rec_copy(ustore *u, const ts_user *r)
{
    ts_user *c = ustore_rec_new(u, r->id);
    c->isnew = r->isnew;
    c->pfetched = r->pfetched;
    c->ctxid = r->ctxid;
    for (size_t k = 0; k < u->ncols; k++)
        c->v[k] = dup0(r->v[k]);
    if (r->pdata) {
        c->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *c->pdata);
        for (size_t i = 0; i < u->nprofile; i++)
            c->pdata[i] = dup0(r->pdata[i]);
    }
    return c;
}

/* --- keys ------------------------------------------------------------------------------ */

char *ustore_key(const ustore *u, const char *s)
{
    return u->fold ? text_utf8_lower(s) : strdup(s);
}

static char *uname_key(const ustore *u, int64_t host, const char *username)
{
    char *k = ustore_key(u, username);
    size_t n = strlen(k) + 32;
    char *full = malloc(n);
    snprintf(full, n, "%lld\x1f%s", (long long)host, k);
    free(k);
    return full;
}

static void vec_add(ts_map *m, const char *key, ts_user *r)
{
    void **slot = map_slot(m, key);
    if (!*slot)
        *slot = calloc(1, sizeof(pvec));
    pvec_push(*slot, r);
}

static void vec_del(ts_map *m, const char *key, ts_user *r)
{
    pvec *p = map_get(m, key);
    if (p)
        pvec_remove(p, r);
}

int64_t ustore_host(const ustore *u, const ts_user *r)
{
    const char *h = r->v[u->c_host];
    return h ? strtoll(h, NULL, 10) : 0;
}

static void index_rec(ustore *u, ts_user *r, int add)
{
    char *k;
    const char *name = r->v[u->c_username], *idn = r->v[u->c_idnumber],
               *email = r->v[u->c_email];
    if (name) {
        k = uname_key(u, ustore_host(u, r), name);
        add ? vec_add(u->by_uname, k, r) : vec_del(u->by_uname, k, r);
        free(k);
    }
    if (idn && *idn) {
        k = ustore_key(u, idn);
        add ? vec_add(u->by_idn, k, r) : vec_del(u->by_idn, k, r);
        free(k);
    }
    if (email && *email) {
        k = ustore_key(u, email);
        add ? vec_add(u->by_email, k, r) : vec_del(u->by_email, k, r);
        free(k);
    }
}

static void id_key(char *buf, int64_t id)
{
    snprintf(buf, 24, "%lld", (long long)id);
}

/* --- life ------------------------------------------------------------------------------------ */

ustore *ustore_new(int fold)
{
    ustore *u = calloc(1, sizeof *u);
    u->by_id = map_new();
    u->by_uname = map_new();
    u->by_idn = map_new();
    u->by_email = map_new();
    u->asked = map_new();
    u->fold = fold;
    return u;
}

static void undo_forget(ustore *u)
{
    for (size_t i = 0; i < u->nundo; i++)
        rec_free(u, u->undo[i].copy);
    u->nundo = 0;
}

void ustore_clear(ustore *u)
{
    undo_forget(u);
    for (size_t i = 0; i < u->n; i++)
        rec_free(u, u->recs[i]);
    u->n = 0;
    map_clear(u->by_id, NULL);
    map_clear(u->by_uname, pvec_free);
    map_clear(u->by_idn, pvec_free);
    map_clear(u->by_email, pvec_free);
    map_clear(u->asked, NULL);
}

void ustore_batch_begin(ustore *u)
{
    if (!u->want || u->n >= USTORE_KEEP) {
        ustore_clear(u);
        return;
    }
    undo_forget(u);
    for (size_t i = 0; i < u->n; i++)
        u->recs[i]->isnew = 0;
}

void ustore_free(ustore *u)
{
    if (!u)
        return;
    ustore_clear(u);
    free(u->recs);
    free(u->undo);
    free(u->fieldids);
    free(u->want);
    for (int i = 0; i < 8; i++)
        free(u->fetch_sql[i][0]), free(u->fetch_sql[i][1]);
    map_free(u->by_id, NULL);
    map_free(u->by_uname, pvec_free);
    map_free(u->by_idn, pvec_free);
    map_free(u->by_email, pvec_free);
    map_free(u->asked, NULL);
    free(u);
}

void ustore_add(ustore *u, ts_user *r)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 256;
        u->recs = realloc(u->recs, u->cap * sizeof *u->recs);
    }
    u->recs[u->n++] = r;
    char k[24];
    id_key(k, r->id);
    *map_slot(u->by_id, k) = r;
    index_rec(u, r, 1);
}

static void drop_rec(ustore *u, ts_user *r)
{
    index_rec(u, r, 0);
    char k[24];
    id_key(k, r->id);
    void **slot = map_slot(u->by_id, k);
    if (*slot == r)
        *slot = NULL;
    for (size_t i = 0; i < u->n; i++)
        if (u->recs[i] == r) {
            u->recs[i] = u->recs[--u->n];
            break;
        }
    rec_free(u, r);
}

/* --- lookups ----------------------------------------------------------------------------------- */

ts_user *ustore_by_id(const ustore *u, int64_t id)
{
    char k[24];
    id_key(k, id);
    return map_get(u->by_id, k);
}

ts_user *ustore_by_username(const ustore *u, int64_t host, const char *username)
{
    char *k = uname_key(u, host, username);
    pvec *p = map_get(u->by_uname, k);
    free(k);
    return p && p->n ? p->v[0] : NULL;
}

/* Accounts of `host` (host < 0: any) holding `v` in one of the indexes. */
size_t ustore_by_vec(const ustore *u, int idn, int64_t host, const char *v, ts_user **out,
                     size_t max)
{
    if (!v || !*v)
        return 0;
    char *k = ustore_key(u, v);
    pvec *p = map_get(idn ? u->by_idn : u->by_email, k);
    free(k);
    size_t n = 0;
    for (size_t i = 0; p && i < p->n; i++) {
        ts_user *r = p->v[i];
        if (host >= 0 && ustore_host(u, r) != host)
            continue;
        if (n < max)
            out[n] = r;
        n++;
    }
    return n;
}

/* --- the row journal ---------------------------------------------------------------------- */

static int journaled(const ustore *u, const ts_user *r)
{
    for (size_t i = 0; i < u->nundo; i++)
        if (u->undo[i].rec == r)
            return 1;
    return 0;
}

static void journal(ustore *u, ts_user *r, ts_user *copy)
{
    if (u->nundo == u->capundo) {
        u->capundo = u->capundo ? u->capundo * 2 : 8;
        u->undo = realloc(u->undo, u->capundo * sizeof *u->undo);
    }
    u->undo[u->nundo].rec = r;
    u->undo[u->nundo].copy = copy;
    u->nundo++;
}

void ustore_row_begin(ustore *u) { undo_forget(u); }

void ustore_row_undo(ustore *u)
{
    while (u->nundo > 0) {
        struct ustore_undo *e = &u->undo[--u->nundo];
        if (!e->copy) {          /* created by the row */
            drop_rec(u, e->rec);
            continue;
        }
        ts_user *r = e->rec, *c = e->copy;
        index_rec(u, r, 0);
        char **v = r->v, **pd = r->pdata;
        r->v = c->v;
        r->pdata = c->pdata;
        r->pfetched = c->pfetched;
        r->ctxid = c->ctxid;
        c->v = v;
        c->pdata = pd;
        index_rec(u, r, 1);
        rec_free(u, c);
    }
}

void ustore_journal_new(ustore *u, ts_user *r) { journal(u, r, NULL); }

void ustore_journal_change(ustore *u, ts_user *r)
{
    if (!journaled(u, r))
        journal(u, r, rec_copy(u, r));
}

void ustore_set(ustore *u, ts_user *r, size_t c, const char *value)
{
    ustore_journal_change(u, r);
    int key = c == u->c_username || c == u->c_host || c == u->c_idnumber || c == u->c_email;
    if (key)
        index_rec(u, r, 0);
    char *nv = dup0(value);
    free(r->v[c]);
    r->v[c] = nv;
    if (key)
        index_rec(u, r, 1);
}

void ustore_set_pdata(ustore *u, ts_user *r, size_t i, const char *value)
{
    ustore_journal_change(u, r);
    if (!r->pdata)
        r->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *r->pdata);
    char *nv = dup0(value);
    free(r->pdata[i]);
    r->pdata[i] = nv;
}
