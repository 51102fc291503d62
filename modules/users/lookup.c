/* Batch prefetch of accounts and the per-batch identity maps (by id, username, idnumber,
 * e-mail), kept right as the rows of the batch create, rename and delete accounts.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One query per batch and per key kind, with an IN list of fixed length (padded with
 * NULL) so that the core's statement cache holds one statement per kind.  Everything
 * here lives for one batch: prefetch starts afresh and rollback() empties it.  What a
 * row changes is journaled so that a row that fails leaves the maps as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

#define CHUNK 100


ts_stmt *Q(users_state *s, const char *sql)
{
    return H->prepare(s->run, sql);
}

/* --- records ------------------------------------------------------------------------ */

static void rec_free(urec *r, size_t np)
{
    if (!r)
        return;
    for (int c = 0; c < UC_COUNT; c++)
        free(r->v[c]);
    if (r->pdata) {
        for (size_t i = 0; i < np; i++)
            free(r->pdata[i]);
        free(r->pdata);
    }
    free(r);
}

static urec *rec_copy(const urec *r, size_t np)
{
    urec *c = calloc(1, sizeof *c);
    c->id = r->id;
    c->isnew = r->isnew;
    c->pfetched = r->pfetched;
    for (int k = 0; k < UC_COUNT; k++)
        c->v[k] = xstrdup(r->v[k]);
    if (r->pdata) {
        c->pdata = calloc(np ? np : 1, sizeof *c->pdata);
        for (size_t i = 0; i < np; i++)
            c->pdata[i] = xstrdup(r->pdata[i]);
    }
    return c;
}

/* --- maps --------------------------------------------------------------------------------- */

char *store_key(const ustore *u, const char *s)
{
    return u->fold ? utf8_lower(s) : strdup(s);
}

static char *uname_key(const ustore *u, int64_t host, const char *username)
{
    char *k = store_key(u, username);
    char *full = xprintf("%lld\x1f%s", (long long)host, k);
    free(k);
    return full;
}

static void vec_add(smap *m, const char *key, urec *r)
{
    void **slot = smap_slot(m, key);
    if (!*slot)
        *slot = calloc(1, sizeof(pvec));
    pvec_push(*slot, r);
}

static void vec_del(smap *m, const char *key, urec *r)
{
    pvec *p = smap_get(m, key);
    if (p)
        pvec_remove(p, r);
}

static int64_t rec_host(const urec *r)
{
    return r->v[UC_MNETHOSTID] ? strtoll(r->v[UC_MNETHOSTID], NULL, 10) : 0;
}

static void index_rec(ustore *u, urec *r, int add)
{
    char *k;
    if (r->v[UC_USERNAME]) {
        k = uname_key(u, rec_host(r), r->v[UC_USERNAME]);
        add ? vec_add(u->by_uname, k, r) : vec_del(u->by_uname, k, r);
        free(k);
    }
    if (r->v[UC_IDNUMBER] && *r->v[UC_IDNUMBER]) {
        k = store_key(u, r->v[UC_IDNUMBER]);
        add ? vec_add(u->by_idn, k, r) : vec_del(u->by_idn, k, r);
        free(k);
    }
    if (r->v[UC_EMAIL] && *r->v[UC_EMAIL]) {
        k = store_key(u, r->v[UC_EMAIL]);
        add ? vec_add(u->by_email, k, r) : vec_del(u->by_email, k, r);
        free(k);
    }
}

static void id_key(char *buf, int64_t id)
{
    snprintf(buf, 24, "%lld", (long long)id);
}

void store_init(ustore *u, int fold)
{
    memset(u, 0, sizeof *u);
    u->by_id = smap_new();
    u->by_uname = smap_new();
    u->by_idn = smap_new();
    u->by_email = smap_new();
    u->fold = fold;
}

static void undo_forget(ustore *u)
{
    for (size_t i = 0; i < u->nundo; i++)
        rec_free(u->undo[i].copy, u->nprofile);
    u->nundo = 0;
}

void store_clear(ustore *u)
{
    undo_forget(u);
    for (size_t i = 0; i < u->n; i++)
        rec_free(u->recs[i], u->nprofile);
    u->n = 0;
    smap_clear(u->by_id, NULL);
    smap_clear(u->by_uname, pvec_free);
    smap_clear(u->by_idn, pvec_free);
    smap_clear(u->by_email, pvec_free);
}

void store_free(ustore *u)
{
    store_clear(u);
    free(u->recs);
    free(u->undo);
    smap_free(u->by_id, NULL);
    smap_free(u->by_uname, pvec_free);
    smap_free(u->by_idn, pvec_free);
    smap_free(u->by_email, pvec_free);
    memset(u, 0, sizeof *u);
}

static void add_rec(ustore *u, urec *r)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 256;
        u->recs = realloc(u->recs, u->cap * sizeof *u->recs);
    }
    u->recs[u->n++] = r;
    char k[24];
    id_key(k, r->id);
    *smap_slot(u->by_id, k) = r;
    index_rec(u, r, 1);
}

static void drop_rec(ustore *u, urec *r)
{
    index_rec(u, r, 0);
    char k[24];
    id_key(k, r->id);
    void **slot = smap_slot(u->by_id, k);
    if (*slot == r)
        *slot = NULL;
    for (size_t i = 0; i < u->n; i++)
        if (u->recs[i] == r) {
            u->recs[i] = u->recs[--u->n];
            break;
        }
    rec_free(r, u->nprofile);
}

urec *store_by_id(const ustore *u, int64_t id)
{
    char k[24];
    id_key(k, id);
    return smap_get(u->by_id, k);
}

urec *store_by_username(const ustore *u, int64_t host, const char *username)
{
    char *k = uname_key(u, host, username);
    pvec *p = smap_get(u->by_uname, k);
    free(k);
    return p && p->n ? p->v[0] : NULL;
}

static size_t by_vec(const ustore *u, smap *m, int64_t host, const char *v, urec **out,
                     size_t max)
{
    if (!v || !*v)
        return 0;
    char *k = store_key(u, v);
    pvec *p = smap_get(m, k);
    free(k);
    size_t n = 0;
    for (size_t i = 0; p && i < p->n; i++) {
        urec *r = p->v[i];
        if (host >= 0 && rec_host(r) != host)
            continue;
        if (n < max)
            out[n] = r;
        n++;
    }
    return n;
}

size_t store_by_idnumber(const ustore *u, int64_t host, const char *v, urec **out, size_t max)
{
    return by_vec(u, u->by_idn, host, v, out, max);
}

size_t store_by_email(const ustore *u, int64_t host, const char *v, urec **out, size_t max)
{
    return by_vec(u, u->by_email, host, v, out, max);
}

/* --- the row journal -------------------------------------------------------------------- */

static int journaled(const ustore *u, const urec *r)
{
    for (size_t i = 0; i < u->nundo; i++)
        if (u->undo[i].rec == r)
            return 1;
    return 0;
}

static void journal(ustore *u, urec *r, urec *copy)
{
    if (u->nundo == u->capundo) {
        u->capundo = u->capundo ? u->capundo * 2 : 8;
        u->undo = realloc(u->undo, u->capundo * sizeof *u->undo);
    }
    u->undo[u->nundo].rec = r;
    u->undo[u->nundo].copy = copy;
    u->nundo++;
}

void store_row_begin(ustore *u)
{
    undo_forget(u);
}

void store_row_commit(ustore *u)
{
    undo_forget(u);
}

void store_row_undo(ustore *u)
{
    while (u->nundo > 0) {
        struct uundo *e = &u->undo[--u->nundo];
        if (!e->copy) {          /* created by the row */
            drop_rec(u, e->rec);
            continue;
        }
        urec *r = e->rec, *c = e->copy;
        index_rec(u, r, 0);
        for (int k = 0; k < UC_COUNT; k++) {
            free(r->v[k]);
            r->v[k] = c->v[k];
            c->v[k] = NULL;
        }
        if (r->pdata) {
            for (size_t i = 0; i < u->nprofile; i++)
                free(r->pdata[i]);
            free(r->pdata);
        }
        r->pdata = c->pdata;
        c->pdata = NULL;
        r->pfetched = c->pfetched;
        index_rec(u, r, 1);
        rec_free(c, u->nprofile);
    }
}

urec *store_add_new(ustore *u, int64_t id, char *const v[UC_COUNT])
{
    urec *r = calloc(1, sizeof *r);
    r->id = id;
    r->isnew = 1;
    r->pfetched = 1;
    r->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *r->pdata);
    for (int c = 0; c < UC_COUNT; c++)
        r->v[c] = xstrdup(v[c]);
    add_rec(u, r);
    journal(u, r, NULL);
    return r;
}

void store_set(ustore *u, urec *r, int c, const char *value)
{
    if (!journaled(u, r))
        journal(u, r, rec_copy(r, u->nprofile));
    int key = c == UC_USERNAME || c == UC_MNETHOSTID || c == UC_IDNUMBER || c == UC_EMAIL;
    if (key)
        index_rec(u, r, 0);
    char *nv = xstrdup(value);
    free(r->v[c]);
    r->v[c] = nv;
    if (key)
        index_rec(u, r, 1);
}

void store_set_pdata(ustore *u, urec *r, size_t i, const char *value)
{
    if (!journaled(u, r))
        journal(u, r, rec_copy(r, u->nprofile));
    if (!r->pdata)
        r->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *r->pdata);
    char *nv = xstrdup(value);
    free(r->pdata[i]);
    r->pdata[i] = nv;
}

/* --- fetching --------------------------------------------------------------------------------- */

static int read_users(users_state *s, ts_stmt *st)
{
    int rc;
    while ((rc = H->next(st)) > 0) {
        int64_t id = H->col_int(st, 0);
        if (store_by_id(&s->store, id))
            continue;    /* already known (and possibly changed by this batch) */
        urec *r = calloc(1, sizeof *r);
        r->id = id;
        for (int c = 0; c < UC_COUNT; c++)
            r->v[c] = xstrdup(H->col_text(st, c));
        if (!H->col_null(st, UC_COUNT))
            r->ctxid = H->col_int(st, UC_COUNT);
        add_rec(&s->store, r);
    }
    return rc < 0 ? -1 : 0;
}

/* Unique keys of a list (the same username may come twice in a batch). */
static size_t dedupe(char **keys, size_t n)
{
    smap *seen = smap_new();
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i] || !*keys[i])
            continue;
        void **slot = smap_slot(seen, keys[i]);
        if (*slot)
            continue;
        *slot = (void *)1;
        keys[m++] = keys[i];
    }
    smap_free(seen, NULL);
    return m;
}

int store_fetch(users_state *s, const char *field, int64_t host, char **keys, size_t n)
{
    char sql[4096];
    int byid = strcmp(field, "id") == 0;
    /* The user context comes along: every update logs an event in it, and asking for it
     * row by row would cost a round trip per line. */
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT %s, (SELECT c.id FROM {context} c "
                                "WHERE c.contextlevel = 30 AND c.instanceid = {user}.id) "
                                "FROM {user} WHERE ", UCOL_LIST);
    if (host >= 0)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "mnethostid = ? AND ");
    o += (size_t)snprintf(sql + o, sizeof sql - o, "%s IN (", field);
    for (int i = 0; i < CHUNK; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
    snprintf(sql + o, sizeof sql - o, ")");

    n = dedupe(keys, n);
    ts_stmt *st = Q(s, sql);
    if (!st)
        return -1;
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        char types[CHUNK + 2];
        ts_value a[CHUNK + 1];
        size_t t = 0;
        if (host >= 0) {
            types[t] = 'i';
            a[t++].i = host;
        }
        /* The IN list has a fixed length (one prepared statement): unused slots are
         * NULL, which matches nothing. */
        size_t m = 0;
        for (size_t i = 0; i < CHUNK; i++) {
            int64_t idv;
            if (byid) {
                while (m < k && parse_int(keys[at + m], &idv) != 0)
                    m++;
                types[t] = m < k ? 'i' : 'n';
                a[t++].i = m < k ? idv : 0;
                m++;
            } else {
                types[t] = 's';
                a[t++].s = i < k ? keys[at + i] : NULL;
            }
        }
        types[t] = '\0';
        int rc = H->exec_array(st, types, a);
        if (rc != 0 || read_users(s, st) != 0)
            return -1;
    }
    return 0;
}

int store_fetch_profiles(users_state *s)
{
    ustore *u = &s->store;
    if (s->npcols == 0)
        return 0;
    char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql,
        "SELECT userid, fieldid, data FROM {user_info_data} WHERE userid IN (");
    for (int i = 0; i < CHUNK; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ", ?" : "?");
    snprintf(sql + o, sizeof sql - o, ")");
    ts_stmt *st = Q(s, sql);
    if (!st)
        return -1;

    urec **todo = malloc((u->n ? u->n : 1) * sizeof *todo);
    size_t nt = 0;
    for (size_t i = 0; i < u->n; i++)
        if (!u->recs[i]->pfetched) {
            urec *r = u->recs[i];
            r->pdata = calloc(u->nprofile ? u->nprofile : 1, sizeof *r->pdata);
            r->pfetched = 1;
            todo[nt++] = r;
        }
    int ret = 0;
    for (size_t at = 0; at < nt && ret == 0; at += CHUNK) {
        size_t k = nt - at < CHUNK ? nt - at : CHUNK;
        ts_value ids[CHUNK];
        char types[CHUNK + 1];
        for (size_t i = 0; i < CHUNK; i++) {
            ids[i].i = i < k ? todo[at + i]->id : 0;
            types[i] = i < k ? 'i' : 'n';
        }
        types[CHUNK] = '\0';
        if (H->exec_array(st, types, ids) != 0) {
            ret = -1;
            break;
        }
        int rc;
        while ((rc = H->next(st)) > 0) {
            urec *r = store_by_id(u, H->col_int(st, 0));
            int64_t fid = H->col_int(st, 1);
            if (!r)
                continue;
            for (size_t p = 0; p < s->npcols; p++)
                if (s->pcols[p].fieldid == fid) {
                    const char *d = H->col_text(st, 2);
                    free(r->pdata[p]);
                    r->pdata[p] = strdup(d ? d : "");
                }
        }
        if (rc < 0)
            ret = -1;
    }
    free(todo);
    return ret;
}

/* --- identity ------------------------------------------------------------------------------- */

int resolve_identity(users_state *s, int64_t host, const char *username,
                     const char *idnumber, const char *email, urec **found)
{
    urec *c[32];
    size_t n;
    *found = NULL;
    if (s->identity == ID_IDNUMBER && idnumber && *idnumber)
        n = store_by_idnumber(&s->store, host, idnumber, c, 32);
    else if (s->identity == ID_EMAIL && email && *email)
        n = store_by_email(&s->store, host, email, c, 32);
    else {
        /* username (and id, which the users file cannot carry: spec 20 §3.4) */
        *found = username ? store_by_username(&s->store, host, username) : NULL;
        return 0;
    }
    if (n > 32)
        return -1;
    /* Deleted accounts are found (to be revived) only when no live one matches. */
    urec *live = NULL, *dead = NULL;
    size_t nlive = 0, ndead = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i]->v[UC_DELETED] && strcmp(c[i]->v[UC_DELETED], "0") != 0) {
            dead = c[i];
            ndead++;
        } else {
            live = c[i];
            nlive++;
        }
    }
    if (nlive > 1 || (nlive == 0 && ndead > 1))
        return -1;
    *found = nlive ? live : dead;
    return 0;
}
