/* A string-keyed hash map and a pointer vector, for the per-batch lookup tables.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Open addressing with linear probing; keys are copied.  Entries are never removed one
 * by one (the maps live for one batch and are cleared whole), which keeps probing simple.
 */
#include <stdlib.h>
#include <string.h>
#include "users.h"

struct smap {
    char **keys;
    void **vals;
    size_t cap, n;
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

smap *smap_new(void)
{
    return calloc(1, sizeof(smap));
}

void smap_clear(smap *m, void (*freeval)(void *))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            free(m->keys[i]);
            if (freeval)
                freeval(m->vals[i]);
            m->keys[i] = NULL;
            m->vals[i] = NULL;
        }
    m->n = 0;
}

void smap_free(smap *m, void (*freeval)(void *))
{
    if (!m)
        return;
    smap_clear(m, freeval);
    free(m->keys);
    free(m->vals);
    free(m);
}

static size_t find(const smap *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *smap_get(const smap *m, const char *key)
{
    if (!m || m->n == 0)
        return NULL;
    size_t i = find(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

static void grow(smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **k = calloc(cap, sizeof *k);
    void **v = calloc(cap, sizeof *v);
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = hash(m->keys[i]) & (cap - 1);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = m->keys[i];
            v[j] = m->vals[i];
        }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
}

void **smap_slot(smap *m, const char *key)
{
    if (m->cap == 0 || (m->n + 1) * 2 > m->cap)
        grow(m);
    size_t i = find(m, key);
    if (!m->keys[i]) {
        m->keys[i] = strdup(key);
        m->vals[i] = NULL;
        m->n++;
    }
    return &m->vals[i];
}

size_t smap_count(const smap *m)
{
    return m ? m->n : 0;
}

void pvec_push(pvec *p, void *x)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == x)
            return;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 2;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = x;
}

void pvec_remove(pvec *p, void *x)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == x) {
            memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof *p->v);
            p->n--;
            return;
        }
}

void pvec_free(void *pv)
{
    pvec *p = pv;
    if (!p)
        return;
    free(p->v);
    free(p);
}

int64_t single_id(ts_stmt *st)
{
    int64_t id = 0;
    int n = 0, rc;
    while ((rc = H->next(st)) > 0) {
        if (!n)
            id = H->col_int(st, 0);
        n++;
    }
    if (rc < 0)
        return -1;
    return n > 1 ? -2 : id;
}

int64_t *box(int64_t v)
{
    int64_t *p = malloc(sizeof *p);
    if (p)
        *p = v;
    return p;
}

int64_t cached_id(users_state *s, smap **cache, const char *key, const char *sql,
                  const char *types, const ts_value *args, int mode)
{
    if (!*cache)
        *cache = smap_new();
    int64_t *hit = smap_get(*cache, key);
    if (hit)
        return *hit;
    ts_stmt *st = Q(s, sql);
    if (!st || H->exec_array(st, types, args) != 0)
        return -1;
    int64_t id = 0;
    if (mode == CACHE_UNIQUE) {
        id = single_id(st);
    } else {
        int rc = H->next(st);
        if (rc > 0)
            id = H->col_int(st, 0);
        while (rc > 0)
            rc = H->next(st);
        if (rc < 0)
            return -1;
    }
    if (id > 0 || (id == 0 && mode == CACHE_FIRST))
        *smap_slot(*cache, key) = box(id);
    return id;
}
