/* An integer-keyed hash table for the core's per-run caches (contexts, enrol
 * instances, groups): open addressing, linear probing, no deletion but clearing.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The caches it serves are dropped whole on a rollback or when they grow past their
 * bound, so single-key deletion (tombstones and their cost) is never needed.
 */
#include <stdlib.h>
#include "util/util.h"

struct imap {
    int64_t *keys;
    int64_t *vals;
    unsigned char *used;
    size_t cap, n;          /* cap: a power of two, kept at least twice n */
};

imap *imap_new(void)
{
    return calloc(1, sizeof(imap));
}

void imap_free(imap *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m->used);
    free(m);
}

void imap_clear(imap *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    m->keys = m->vals = NULL;
    m->used = NULL;
    m->cap = m->n = 0;
}

size_t imap_count(const imap *m) { return m->n; }

static size_t home(int64_t key, size_t cap)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

int imap_get(const imap *m, int64_t key, int64_t *val)
{
    if (!m->cap)
        return 0;
    for (size_t i = home(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) {
            if (val)
                *val = m->vals[i];
            return 1;
        }
    return 0;
}

static int grow(imap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    int64_t *k = malloc(cap * sizeof *k), *v = malloc(cap * sizeof *v);
    unsigned char *u = calloc(cap, 1);
    if (!k || !v || !u) {
        free(k);
        free(v);
        free(u);
        return -1;
    }
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->used[j])
            continue;
        size_t i = home(m->keys[j], cap);
        while (u[i])
            i = (i + 1) & (cap - 1);
        u[i] = 1;
        k[i] = m->keys[j];
        v[i] = m->vals[j];
    }
    free(m->keys);
    free(m->vals);
    free(m->used);
    m->keys = k;
    m->vals = v;
    m->used = u;
    m->cap = cap;
    return 0;
}

int imap_put(imap *m, int64_t key, int64_t val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    size_t i = home(key, m->cap);
    while (m->used[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->used[i]) {
        m->used[i] = 1;
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
    return 0;
}

void imap_each(const imap *m, void (*fn)(void *ctx, int64_t key, int64_t val), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i])
            fn(ctx, m->keys[i], m->vals[i]);
}
