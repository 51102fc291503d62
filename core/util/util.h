/* Small tools of the core, also handed to modules through the SDK's util service:
 * string map, pointer vector, UTF-8 and JSON text, the value syntax of the files.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_CORE_UTIL_H
#define TS_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "toolsync/util.h"

/* map.c: keys copied; values owned by the caller (freeval frees them). */
ts_map *map_new(void);
void map_free(ts_map *m, void (*freeval)(void *));
void map_clear(ts_map *m, void (*freeval)(void *));
void *map_get(const ts_map *m, const char *key);
void **map_slot(ts_map *m, const char *key);   /* inserted (NULL) when absent */
size_t map_count(const ts_map *m);

/* imap.c: int64 -> int64 hash table for per-run caches (a pointer value is stored as
 * (int64_t)(intptr_t)p; the caller owns what it points to).  No single-key removal:
 * such caches are cleared whole. */
typedef struct imap imap;
imap *imap_new(void);                               /* NULL when out of memory */
void imap_free(imap *m);
void imap_clear(imap *m);
size_t imap_count(const imap *m);
int imap_get(const imap *m, int64_t key, int64_t *val);   /* 1 found, 0 not */
int imap_put(imap *m, int64_t key, int64_t val);          /* 0, -1 out of memory */
void imap_each(const imap *m, void (*fn)(void *ctx, int64_t key, int64_t val), void *ctx);

/* A small set of pointers (no duplicates). */
typedef struct { void **v; size_t n, cap; } pvec;
void pvec_push(pvec *p, void *x);
void pvec_remove(pvec *p, void *x);
void pvec_free(void *p);   /* frees a malloc'd pvec (usable as a map's freeval) */

/* text.c */
unsigned text_utf8_decode(const unsigned char **p);   /* one code point; advances *p */
char *text_utf8_lower(const char *s);                  /* malloc'd */
size_t text_utf8_chars(const char *s);
/* Escapes s[0..len) (NULs included) as json_encode() does, quotes excluded, handing
 * the output to put() piece by piece. */
void text_json_escape(const char *s, size_t len,
                      void (*put)(void *ctx, const char *p, size_t n), void *ctx);
/* Appends `s` as a json_encode() string literal (quotes included) to buf. */
void text_json_string(char *buf, size_t size, const char *s);

/* values.c: 0 and *out, or -1 when the text is not such a value. */
int value_bool(const char *s, int *out);
int value_int(const char *s, int64_t *out);
int value_date(const char *s, int64_t *out);

#endif
