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

/* ---- growing buffer ------------------------------------------------------------ */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_fmt(sbuf *b, const char *fmt, long long v)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, fmt, v);
    sb_add(b, tmp, (size_t)k);
}

/* ---- values -------------------------------------------------------------------- */
static void pv_free(pv *v)
{
    if (!v)
        return;
    free(v->s);
    for (size_t k = 0; k < v->n; k++) {
        free(v->items[k].skey);
        pv_free(v->items[k].val);
    }
    free(v->items);
    free(v);
}

/* Adds key => val to a PHP array; a repeated key replaces the value in place, as
 * PHP's assignment does. */
static int pv_put(pv *arr, int int_key, int64_t ikey, char *skey, size_t sklen, pv *val)
{
    for (size_t k = 0; k < arr->n; k++) {
        pv_item *it = &arr->items[k];
        if (it->int_key == int_key &&
            (int_key ? it->ikey == ikey
                     : it->sklen == sklen && memcmp(it->skey, skey, sklen) == 0)) {
            pv_free(it->val);
            it->val = val;
            free(skey);
            return 0;
        }
    }
    if (arr->n == arr->cap) {
        size_t cap = arr->cap ? arr->cap * 2 : 8;
        pv_item *ni = realloc(arr->items, cap * sizeof *ni);
        if (!ni)
            return -1;
        arr->items = ni;
        arr->cap = cap;
    }
    arr->items[arr->n++] = (pv_item){ int_key, ikey, skey, sklen, val };
    return 0;
}

/* PHP turns array keys that are canonical decimal integers ("7", "-3"; not "07",
 * "-0", "+1" or out of range) into integer keys. */
static int php_int_key(const char *s, size_t len, int64_t *out)
{
    size_t k = 0;
    if (len == 0 || len > 20)
        return 0;
    if (s[0] == '-')
        k = 1;
    if (k == len || s[k] < '0' || s[k] > '9')
        return 0;
    if (s[k] == '0' && (len - k > 1 || k == 1))
        return 0;
    for (size_t j = k; j < len; j++)
        if (s[j] < '0' || s[j] > '9')
            return 0;
    char tmp[24];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    errno = 0;
    long long v = strtoll(tmp, NULL, 10);
    if (errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

/* ---- JSON parser ----------------------------------------------------------------- */
typedef struct {
    const char *p;
    const char *err;
    int depth;
} jp;

static void ws(jp *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
        j->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(sbuf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    sb_add(b, u, n);
}

/* Decodes one UTF-8 sequence at s (len bytes left); returns its length, 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) { *cp = c; return 1; }
    if ((c & 0xE0) == 0xC0) { n = 2; *cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; *cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; *cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        *cp = *cp << 6 | (s[k] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return n;
}

static int parse_string(jp *j, char **out, size_t *outlen)
{
    sbuf b = { 0 };
    j->p++;   /* opening quote */
    for (;;) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            break;
        }
        if (c == '\0' || c < 0x20) {
            j->err = "unterminated string or control character in string";
            goto bad;
        }
        if (c == '\\') {
            char e = j->p[1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char map[] = "\"\\/\b\f\n\r\t";
                sb_add(&b, &map[simple - "\"\\/bfnrt"], 1);
                j->p += 2;
                continue;
            }
            if (e != 'u') {
                j->err = "bad escape in string";
                goto bad;
            }
            unsigned cp, lo;
            if (hex4(j->p + 2, &cp) != 0) {
                j->err = "bad \\u escape";
                goto bad;
            }
            j->p += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    j->err = "lone surrogate in string";
                    goto bad;
                }
                j->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                j->err = "lone surrogate in string";
                goto bad;
            }
            put_utf8(&b, cp);
            continue;
        }
        unsigned cp;
        size_t n = utf8_next((const unsigned char *)j->p, strlen(j->p), &cp);
        if (n == 0) {
            j->err = "invalid UTF-8 in string";
            goto bad;
        }
        sb_add(&b, j->p, n);
        j->p += n;
    }
    if (b.oom)
        goto bad;
    if (!b.p)
        b.p = calloc(1, 1);
    *out = b.p;
    *outlen = b.n;
    return 0;
bad:
    if (!j->err)
        j->err = "out of memory";
    free(b.p);
    return -1;
}

static pv *parse_value(jp *j);

static pv *new_pv(pv_type t)
{
    pv *v = calloc(1, sizeof *v);
    if (v)
        v->t = t;
    return v;
}

static pv *parse_number(jp *j)
{
    const char *start = j->p;
    const char *p = j->p;
    int is_float = 0;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9') p++;
    else {
        j->err = "bad number";
        return NULL;
    }
    if (*p == '.') {
        is_float = 1;
        p++;
        if (*p < '0' || *p > '9') { j->err = "bad number"; return NULL; }
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        is_float = 1;
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') { j->err = "bad number"; return NULL; }
        while (*p >= '0' && *p <= '9') p++;
    }
    pv *v = new_pv(PV_INT);
    if (!v)
        return NULL;
    size_t len = (size_t)(p - start);
    char *tmp = malloc(len + 1);
    if (!tmp) { free(v); return NULL; }
    memcpy(tmp, start, len);
    tmp[len] = '\0';
    if (!is_float) {
        errno = 0;
        long long x = strtoll(tmp, NULL, 10);
        if (errno == ERANGE)
            is_float = 1;   /* json_decode() gives a float past PHP_INT_MAX */
        else
            v->i = x;
    }
    if (is_float) {
        v->t = PV_FLOAT;
        v->f = strtod(tmp, NULL);
    }
    free(tmp);
    j->p = p;
    return v;
}

static pv *parse_container(jp *j, char close)
{
    if (++j->depth > 512) {   /* json_decode()'s default depth */
        j->err = "nesting too deep";
        return NULL;
    }
    pv *arr = new_pv(PV_ARR);
    if (!arr)
        return NULL;
    j->p++;
    ws(j);
    int64_t next = 0;
    if (*j->p == close) {
        j->p++;
        j->depth--;
        return arr;
    }
    for (;;) {
        int int_key = 1;
        int64_t ikey = next;
        char *skey = NULL;
        size_t sklen = 0;
        if (close == '}') {
            ws(j);
            if (*j->p != '"') { j->err = "object key expected"; goto bad; }
            if (parse_string(j, &skey, &sklen) != 0) goto bad;
            int_key = php_int_key(skey, sklen, &ikey);
            if (int_key) { free(skey); skey = NULL; sklen = 0; }
            ws(j);
            if (*j->p != ':') { free(skey); j->err = "':' expected"; goto bad; }
            j->p++;
        }
        pv *val = parse_value(j);
        if (!val) { free(skey); goto bad; }
        if (pv_put(arr, int_key, ikey, skey, sklen, val) != 0) {
            free(skey);
            pv_free(val);
            goto bad;
        }
        if (int_key && ikey >= next)
            next = ikey + 1;
        ws(j);
        if (*j->p == ',') { j->p++; continue; }
        if (*j->p == close) { j->p++; break; }
        j->err = close == '}' ? "',' or '}' expected" : "',' or ']' expected";
        goto bad;
    }
    j->depth--;
    return arr;
bad:
    if (!j->err)
        j->err = "out of memory";
    pv_free(arr);
    return NULL;
}

static pv *parse_value(jp *j)
{
    ws(j);
    char c = *j->p;
    if (c == '{')
        return parse_container(j, '}');
    if (c == '[')
        return parse_container(j, ']');
    if (c == '"') {
        pv *v = new_pv(PV_STR);
        if (!v)
            return NULL;
        if (parse_string(j, &v->s, &v->len) != 0) {
            free(v);
            return NULL;
        }
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(j);
    static const struct { const char *word; pv_type t; } words[] = {
        { "null", PV_NULL }, { "true", PV_TRUE }, { "false", PV_FALSE },
    };
    for (size_t k = 0; k < 3; k++) {
        size_t len = strlen(words[k].word);
        if (strncmp(j->p, words[k].word, len) == 0) {
            j->p += len;
            return new_pv(words[k].t);
        }
    }
    j->err = "unexpected character";
    return NULL;
}

/* ---- PHP output ------------------------------------------------------------------ */

/* A double the way PHP prints it with serialize_precision = -1: the shortest digits
 * that read back to the same value, exponent form outside 1e-5 .. 1e15.  `e` is the
 * exponent letter ('E' for serialize, 'e' for json_encode); zero_frac adds ".0" to
 * integral values as json_encode does. */
static void put_double(sbuf *b, double x, char e, int zero_frac)
{
    if (isnan(x)) { sb_str(b, "NAN"); return; }
    if (isinf(x)) { sb_str(b, x < 0 ? "-INF" : "INF"); return; }
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
        sb_add(b, "-", 1);
    if (x == 0) {
        sb_str(b, zero_frac ? "0.0" : "0");
        return;
    }
    if (decpt < -3 || decpt > 15) {
        sb_add(b, digits, 1);
        sb_add(b, ".", 1);
        if (nd > 1)
            sb_add(b, digits + 1, nd - 1);
        else
            sb_add(b, "0", 1);
        char ex[16];
        int k = snprintf(ex, sizeof ex, "%c%c%d", e, decpt - 1 < 0 ? '-' : '+',
                         abs(decpt - 1));
        sb_add(b, ex, (size_t)k);
    } else if (decpt <= 0) {
        sb_str(b, "0.");
        for (int k = 0; k < -decpt; k++)
            sb_add(b, "0", 1);
        sb_add(b, digits, nd);
    } else if ((size_t)decpt >= nd) {
        sb_add(b, digits, nd);
        for (size_t k = nd; k < (size_t)decpt; k++)
            sb_add(b, "0", 1);
        if (zero_frac)
            sb_str(b, ".0");
    } else {
        sb_add(b, digits, (size_t)decpt);
        sb_add(b, ".", 1);
        sb_add(b, digits + decpt, nd - (size_t)decpt);
    }
}

static void put_sbuf(void *ctx, const char *p, size_t n) { sb_add(ctx, p, n); }

/* json_encode()'s string escaping with default flags (the one writer, core/util). */
static void json_string(sbuf *b, const char *s, size_t len)
{
    sb_add(b, "\"", 1);
    text_json_escape(s, len, put_sbuf, b);
    sb_add(b, "\"", 1);
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
    case PV_NULL: sb_str(b, "null"); break;
    case PV_TRUE: sb_str(b, "true"); break;
    case PV_FALSE: sb_str(b, "false"); break;
    case PV_INT: sb_fmt(b, "%lld", (long long)v->i); break;
    case PV_FLOAT: put_double(b, v->f, 'e', 1); break;
    case PV_STR: json_string(b, v->s, v->len); break;
    case PV_ARR:
        if (is_list(v)) {
            sb_add(b, "[", 1);
            for (size_t k = 0; k < v->n; k++) {
                if (k)
                    sb_add(b, ",", 1);
                emit_json(b, v->items[k].val);
            }
            sb_add(b, "]", 1);
        } else {
            sb_add(b, "{", 1);
            for (size_t k = 0; k < v->n; k++) {
                const pv_item *it = &v->items[k];
                if (k)
                    sb_add(b, ",", 1);
                if (it->int_key)
                    sb_fmt(b, "\"%lld\"", (long long)it->ikey);
                else
                    json_string(b, it->skey, it->sklen);
                sb_add(b, ":", 1);
                emit_json(b, it->val);
            }
            sb_add(b, "}", 1);
        }
        break;
    }
}

static void ser_string(sbuf *b, const char *s, size_t len)
{
    sb_fmt(b, "s:%lld:\"", (long long)len);
    sb_add(b, s, len);
    sb_add(b, "\";", 2);
}

static void emit_serialize(sbuf *b, const pv *v)
{
    switch (v->t) {
    case PV_NULL: sb_str(b, "N;"); break;
    case PV_TRUE: sb_str(b, "b:1;"); break;
    case PV_FALSE: sb_str(b, "b:0;"); break;
    case PV_INT: sb_fmt(b, "i:%lld;", (long long)v->i); break;
    case PV_FLOAT:
        sb_str(b, "d:");
        put_double(b, v->f, 'E', 0);
        sb_add(b, ";", 1);
        break;
    case PV_STR: ser_string(b, v->s, v->len); break;
    case PV_ARR:
        sb_fmt(b, "a:%lld:{", (long long)v->n);
        for (size_t k = 0; k < v->n; k++) {
            const pv_item *it = &v->items[k];
            if (it->int_key)
                sb_fmt(b, "i:%lld;", (long long)it->ikey);
            else
                ser_string(b, it->skey, it->sklen);
            emit_serialize(b, it->val);
        }
        sb_add(b, "}", 1);
        break;
    }
}

char *moodle_php_other(const char *json_in, int json, char *err, size_t errlen)
{
    if (!json_in || !*json_in)
        return strdup(json ? "null" : "N;");
    jp j = { json_in, NULL, 0 };
    pv *v = parse_value(&j);
    if (v) {
        ws(&j);
        if (*j.p) {
            j.err = "trailing characters";
            pv_free(v);
            v = NULL;
        }
    }
    if (!v) {
        snprintf(err, errlen, "event data is not valid JSON (%s at offset %ld)",
                 j.err ? j.err : "out of memory", (long)(j.p - json_in));
        return NULL;
    }
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
