/* The `other` column of log rows: JSON in, PHP json_encode() or serialize() out.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An event's `other` is a PHP value (mostly an array).  Moodle's log store writes it
 * with json_encode() when logstore_standard/jsonformat is on, with serialize() when
 * off (sites upgraded from before 3.7).  Callers describe it as JSON; we decode that
 * into the PHP value it stands for (objects become PHP arrays, "12" keys become
 * integer keys) and write it out the way PHP would, so that the rows look like
 * Moodle's own: "/" escaped as "\/", non-ASCII as \u00e9, {} as [], a:1:{...}.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/moodle_internal.h"
#include "util/util.h"
#include "moodle/phpvalue.h"

/* ---- PHP output ------------------------------------------------------------------ */

/* A double the way PHP prints it with serialize_precision = -1: the shortest digits
 * that read back to the same value, exponent form outside 1e-5 .. 1e15.  `e` is the
 * exponent letter ('E' for serialize, 'e' for json_encode); zero_frac adds ".0" to
 * integral values as json_encode does. */
static void put_double(sbuf *b, double x, char e, int zero_frac)
{
    if (isnan(x)) { pv_sb_str(b, "NAN"); return; }
    if (isinf(x)) { pv_sb_str(b, x < 0 ? "-INF" : "INF"); return; }
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    /* tmp = [-]d.ddde[+-]xx */
    char digits[24];
    size_t nd = 0;
    const char *q = tmp;
    int neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    int exp10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int decpt = exp10 + 1;   /* digits are 0.d1d2.. x 10^decpt */
    if (neg)
        pv_sb_add(b, "-", 1);
    if (x == 0) {
        pv_sb_str(b, zero_frac ? "0.0" : "0");
        return;
    }
    if (decpt < -3 || decpt > 15) {
        pv_sb_add(b, digits, 1);
        pv_sb_add(b, ".", 1);
        if (nd > 1)
            pv_sb_add(b, digits + 1, nd - 1);
        else
            pv_sb_add(b, "0", 1);
        char ex[16];
        int k = snprintf(ex, sizeof ex, "%c%c%d", e, decpt - 1 < 0 ? '-' : '+',
                         abs(decpt - 1));
        pv_sb_add(b, ex, (size_t)k);
    } else if (decpt <= 0) {
        pv_sb_str(b, "0.");
        for (int k = 0; k < -decpt; k++)
            pv_sb_add(b, "0", 1);
        pv_sb_add(b, digits, nd);
    } else if ((size_t)decpt >= nd) {
        pv_sb_add(b, digits, nd);
        for (size_t k = nd; k < (size_t)decpt; k++)
            pv_sb_add(b, "0", 1);
        if (zero_frac)
            pv_sb_str(b, ".0");
    } else {
        pv_sb_add(b, digits, (size_t)decpt);
        pv_sb_add(b, ".", 1);
        pv_sb_add(b, digits + decpt, nd - (size_t)decpt);
    }
}

static void put_sbuf(void *ctx, const char *p, size_t n) { pv_sb_add(ctx, p, n); }

/* json_encode()'s string escaping with default flags (the one writer, core/util). */
static void json_string(sbuf *b, const char *s, size_t len)
{
    pv_sb_add(b, "\"", 1);
    text_json_escape(s, len, put_sbuf, b);
    pv_sb_add(b, "\"", 1);
}

static int is_list(const pv *v)
{
    for (size_t k = 0; k < v->n; k++)
        if (!v->items[k].int_key || v->items[k].ikey != (int64_t)k)
            return 0;
    return 1;
}

static void emit_json(sbuf *b, const pv *v)
{
    switch (v->t) {
    case PV_NULL: pv_sb_str(b, "null"); break;
    case PV_TRUE: pv_sb_str(b, "true"); break;
    case PV_FALSE: pv_sb_str(b, "false"); break;
    case PV_INT: pv_sb_fmt(b, "%lld", (long long)v->i); break;
    case PV_FLOAT: put_double(b, v->f, 'e', 1); break;
    case PV_STR: json_string(b, v->s, v->len); break;
    case PV_ARR:
        if (is_list(v)) {
            pv_sb_add(b, "[", 1);
            for (size_t k = 0; k < v->n; k++) {
                if (k)
                    pv_sb_add(b, ",", 1);
                emit_json(b, v->items[k].val);
            }
            pv_sb_add(b, "]", 1);
        } else {
            pv_sb_add(b, "{", 1);
            for (size_t k = 0; k < v->n; k++) {
                const pv_item *it = &v->items[k];
                if (k)
                    pv_sb_add(b, ",", 1);
                if (it->int_key)
                    pv_sb_fmt(b, "\"%lld\"", (long long)it->ikey);
                else
                    json_string(b, it->skey, it->sklen);
                pv_sb_add(b, ":", 1);
                emit_json(b, it->val);
            }
            pv_sb_add(b, "}", 1);
        }
        break;
    }
}

static void ser_string(sbuf *b, const char *s, size_t len)
{
    pv_sb_fmt(b, "s:%lld:\"", (long long)len);
    pv_sb_add(b, s, len);
    pv_sb_add(b, "\";", 2);
}

static void emit_serialize(sbuf *b, const pv *v)
{
    switch (v->t) {
    case PV_NULL: pv_sb_str(b, "N;"); break;
    case PV_TRUE: pv_sb_str(b, "b:1;"); break;
    case PV_FALSE: pv_sb_str(b, "b:0;"); break;
    case PV_INT: pv_sb_fmt(b, "i:%lld;", (long long)v->i); break;
    case PV_FLOAT:
        pv_sb_str(b, "d:");
        put_double(b, v->f, 'E', 0);
        pv_sb_add(b, ";", 1);
        break;
    case PV_STR: ser_string(b, v->s, v->len); break;
    case PV_ARR:
        pv_sb_fmt(b, "a:%lld:{", (long long)v->n);
        for (size_t k = 0; k < v->n; k++) {
            const pv_item *it = &v->items[k];
            if (it->int_key)
                pv_sb_fmt(b, "i:%lld;", (long long)it->ikey);
            else
                ser_string(b, it->skey, it->sklen);
            emit_serialize(b, it->val);
        }
        pv_sb_add(b, "}", 1);
        break;
    }
}

char *moodle_php_other(const char *json_in, int json, char *err, size_t errlen)
{
    if (!json_in || !*json_in)
        return strdup(json ? "null" : "N;");
    pv *v = pv_parse_json(json_in, err, errlen);
    if (!v)
        return NULL;
    sbuf b = { 0 };
    if (json)
        emit_json(&b, v);
    else
        emit_serialize(&b, v);
    pv_free(v);
    if (b.oom) {
        free(b.p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return b.p;
}
