/* The id cache of the object resolvers: "<kind>\x1f<scope>\x1f<by>\x1f<key>" -> id for
 * the run, with a journal of the entries learnt since the last commit so that a failed
 * row or a rolled-back batch forgets exactly what it taught (an object it created is
 * gone, and its id may be handed out again).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resolve/idcache.h"

struct idcache {
    ts_map *ids;            /* key -> int64_t * (NULL: forgotten)                      */
    char **journal;         /* keys set since the last commit                           */
    size_t n, cap, row_mark;
};

idcache *idcache_new(void)
{
    idcache *c = calloc(1, sizeof *c);
    c->ids = map_new();
    return c;
}

static void forget_from(idcache *c, size_t from)
{
    while (c->n > from) {
        char *k = c->journal[--c->n];
        void **slot = map_slot(c->ids, k);
        free(*slot);
        *slot = NULL;
        free(k);
    }
}

void idcache_free(idcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->journal[i]);
    free(c->journal);
    map_free(c->ids, free);
    free(c);
}

char *idcache_key(char kind, int64_t scope, ts_by by, const char *key, int fold)
{
    char *k = fold ? text_utf8_lower(key) : strdup(key);
    size_t n = strlen(k) + 64;
    char *full = malloc(n);
    snprintf(full, n, "%c\x1f%lld\x1f%d\x1f%s", kind, (long long)scope, (int)by, k);
    free(k);
    return full;
}

int idcache_get(idcache *c, const char *key, int64_t *id)
{
    int64_t *v = map_get(c->ids, key);
    if (!v)
        return 0;
    *id = *v;
    return 1;
}

void idcache_put(idcache *c, const char *key, int64_t id)
{
    void **slot = map_slot(c->ids, key);
    if (!*slot)
        *slot = malloc(sizeof(int64_t));
    *(int64_t *)*slot = id;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->journal = realloc(c->journal, c->cap * sizeof *c->journal);
    }
    c->journal[c->n++] = strdup(key);
}

/* Forgetting needs no journal: an unknown key is read again, whatever was rolled back. */
void idcache_forget(idcache *c, const char *key)
{
    int64_t *v = map_get(c->ids, key);
    if (!v)
        return;
    void **slot = map_slot(c->ids, key);
    free(*slot);
    *slot = NULL;
}

void idcache_row_begin(idcache *c) { c->row_mark = c->n; }
void idcache_row_undo(idcache *c) { forget_from(c, c->row_mark); }
void idcache_rollback(idcache *c) { forget_from(c, 0); c->row_mark = 0; }

void idcache_commit(idcache *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->journal[i]);
    c->n = c->row_mark = 0;
}
