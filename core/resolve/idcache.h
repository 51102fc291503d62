/* The transactional id cache of the object resolvers (idcache.c).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_RESOLVE_IDCACHE_H
#define TS_RESOLVE_IDCACHE_H

#include "resolve/resolve.h"

/* malloc'd key; `fold`: compare case-insensitively (MariaDB's collation). */
char *idcache_key(char kind, int64_t scope, ts_by by, const char *key, int fold);
int idcache_get(idcache *c, const char *key, int64_t *id);   /* 1 known, 0 not */
void idcache_put(idcache *c, const char *key, int64_t id);   /* id 0: known missing */
void idcache_forget(idcache *c, const char *key);            /* unknown again        */

#endif
