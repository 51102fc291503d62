/* The JSON reader of log rows' `other` column: JSON text in, the PHP value it stands for
 * out (phpvalue.h), as PHP's json_decode($s, true) would build it.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "moodle/phpvalue.h"

/* ---- growing buffer ------------------------------------------------------------ */

void pv_sb_add(sbuf *b, const char *s, size_t len)
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

void pv_sb_str(sbuf *b, const char *s) { pv_sb_add(b, s, strlen(s)); }

void pv_sb_fmt(sbuf *b, const char *fmt, long long v)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, fmt, v);
    pv_sb_add(b, tmp, (size_t)k);
}

/* ---- values -------------------------------------------------------------------- */
void pv_free(pv *v)
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
    pv_sb_add(b, u, n);
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
                pv_sb_add(&b, &map[simple - "\"\\/bfnrt"], 1);
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
        pv_sb_add(&b, j->p, n);
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

pv *pv_parse_json(const char *json_in, char *err, size_t errlen)
{
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
    if (!v)
        snprintf(err, errlen, "event data is not valid JSON (%s at offset %ld)",
                 j.err ? j.err : "out of memory", (long)(j.p - json_in));
    return v;
}
