/* A string-keyed hash map and a pointer vector, for lookup tables of the core and of
 * modules (shared through util.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Open addressing with linear probing; keys are copied.  Entries are never removed one
 * by one (maps are cleared whole), which keeps probing simple.
 */
#include <stdlib.h>
#include <string.h>
#include "util/util.h"

struct ts_map {
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

ts_map *map_new(void)
{
    return calloc(1, sizeof(ts_map));
}

void map_clear(ts_map *m, void (*freeval)(void *))
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

void map_free(ts_map *m, void (*freeval)(void *))
{
    if (!m)
        return;
    map_clear(m, freeval);
    free(m->keys);
    free(m->vals);
    free(m);
}

static size_t find(const ts_map *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *map_get(const ts_map *m, const char *key)
{
    if (!m || m->n == 0)
        return NULL;
    size_t i = find(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

static void grow(ts_map *m)
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

void **map_slot(ts_map *m, const char *key)
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

size_t map_count(const ts_map *m)
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

