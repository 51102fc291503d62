/* The PHP value model shared by the JSON reader (phpvalue_json.c) and the PHP writers
 * (phpvalue.c) of log rows' `other` column.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_MOODLE_PHPVALUE_H
#define TS_MOODLE_PHPVALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { PV_NULL, PV_FALSE, PV_TRUE, PV_INT, PV_FLOAT, PV_STR, PV_ARR } pv_type;

typedef struct pv pv;
typedef struct {
    int int_key;
    int64_t ikey;
    char *skey;
    size_t sklen;
    pv *val;
} pv_item;

struct pv {
    pv_type t;
    int64_t i;
    double f;
    char *s;          /* PV_STR: bytes (UTF-8), len bytes */
    size_t len;
    pv_item *items;   /* PV_ARR */
    size_t n, cap;
};

/* A growing output buffer; `oom` set (and the content dropped) when memory ran out. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;
void pv_sb_add(sbuf *b, const char *s, size_t len);
void pv_sb_str(sbuf *b, const char *s);
void pv_sb_fmt(sbuf *b, const char *fmt, long long v);

void pv_free(pv *v);
/* The PHP value a JSON text stands for (objects as arrays, "12" keys as integer keys),
 * or NULL with the reason and its offset in err. */
pv *pv_parse_json(const char *json, char *err, size_t errlen);

#endif
