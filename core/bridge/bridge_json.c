/* The small part of JSON the bridge reads: one answer object per line, kept exact.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only validation, string decoding and member iteration are needed: the "result" of an
 * answer is handed on as raw text, for the caller to read with whatever it likes.  The
 * reader is strict (RFC 8259): what PHP's json_encode writes always passes; stray output
 * on the protocol channel does not.  Nesting is bounded so that a hostile line cannot
 * exhaust the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "bridge/bridge_internal.h"

#define BJ_MAX_DEPTH 64

static const char *value_end(const char *p, int depth);

const char *bj_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static int hex4(const char *p, unsigned *out)
{
    char h[5];
    for (int i = 0; i < 4; i++) {
        if (!isxdigit((unsigned char)p[i])) return -1;   /* also stops at the NUL */
        h[i] = p[i];
    }
    h[4] = '\0';
    *out = (unsigned)strtoul(h, NULL, 16);
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash at *pp; writes its bytes to o (when o) and returns how
 * many, or -1.  \u0000 is refused: the strings become C strings. */
static int escape(const char **pp, char *o)
{
    const char *p = *pp + 1;
    char one;
    unsigned cp, lo;
    switch (*p) {
    case '"': one = '"'; break;   case '\\': one = '\\'; break;
    case '/': one = '/'; break;   case 'b': one = '\b'; break;
    case 'f': one = '\f'; break;  case 'n': one = '\n'; break;
    case 'r': one = '\r'; break;  case 't': one = '\t'; break;
    case 'u':
        if (hex4(p + 1, &cp) < 0 || cp == 0) return -1;
        p += 5;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        *pp = p;
        { char tmp[4]; return (int)put_utf8(o ? o : tmp, cp); }
    default: return -1;
    }
    if (o) *o = one;
    *pp = p + 1;
    return 1;
}

/* Walks the string at p; when o, writes the decoded bytes there (room: the raw length). */
static const char *string_walk(const char *p, char *o, size_t *olen)
{
    size_t n = 0;
    if (*p++ != '"') return NULL;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20) return NULL;     /* NUL (end of text) included */
        if (*p == '\\') {
            int k = escape(&p, o ? o + n : NULL);
            if (k < 0) return NULL;
            n += (size_t)k;
        } else {
            if (o) o[n] = *p;
            n++, p++;
        }
    }
    if (olen) *olen = n;
    return p + 1;
}

int bj_string(const char *p, const char **end, char **out)
{
    const char *e = string_walk(p, NULL, NULL);
    if (!e) return -1;
    if (out) {
        size_t n;
        char *s = malloc((size_t)(e - p) + 1);
        if (!s) return -1;
        string_walk(p, s, &n);
        s[n] = '\0';
        *out = s;
    }
    if (end) *end = e;
    return 0;
}

static const char *digits(const char *p)
{
    if (*p < '0' || *p > '9') return NULL;
    while (*p >= '0' && *p <= '9') p++;
    return p;
}

static const char *number_end(const char *p)
{
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (!(p = digits(p))) return NULL;
    if (*p == '.' && !(p = digits(p + 1))) return NULL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(p = digits(p))) return NULL;
    }
    return p;
}

static int skip_member(void *ctx, const char *key, const char *val, const char *valend)
{
    return 0;
}

/* Arrays and objects: elements separated by commas, up to the closing bracket. */
static const char *container_end(const char *p, int depth, bj_member_fn fn, void *ctx, int *stop)
{
    char close = *p == '[' ? ']' : '}';
    p = bj_ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
        char *key = NULL;
        if (close == '}') {
            if (bj_string(p, &p, fn != skip_member ? &key : NULL) < 0) return NULL;
            p = bj_ws(p);
            if (*p++ != ':') { free(key); return NULL; }
            p = bj_ws(p);
        }
        const char *v = p;
        p = value_end(p, depth + 1);
        if (p && key && !*stop) *stop = fn(ctx, key, v, p);
        free(key);
        if (!p) return NULL;
        p = bj_ws(p);
        if (*p == close) return p + 1;
        if (*p++ != ',') return NULL;
        p = bj_ws(p);
    }
}

static const char *value_end(const char *p, int depth)
{
    int stop = 0;
    if (depth > BJ_MAX_DEPTH) return NULL;
    switch (*p) {
    case '"': return string_walk(p, NULL, NULL);
    case '{': case '[': return container_end(p, depth, skip_member, NULL, &stop);
    case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
    default: return number_end(p);
    }
}

const char *bj_value_end(const char *p)
{
    return value_end(p, 0);
}

int bj_object(const char *p, const char **end, bj_member_fn fn, void *ctx)
{
    int stop = 0;
    if (*p != '{') return -1;
    const char *e = container_end(p, 0, fn, ctx, &stop);
    if (!e) return -1;
    if (end) *end = e;
    return stop;
}

/* ---- answers ------------------------------------------------------------------------- */

static int dup_span(const char *v, const char *e, char **out)
{
    free(*out);
    *out = strndup(v, (size_t)(e - v));
    return *out ? 0 : -1;
}

static int answer_member(void *ctx, const char *key, const char *v, const char *e)
{
    struct bridge_answer *a = ctx;
    if (!strcmp(key, "id")) {
        char *end;
        errno = 0;
        long id = strtol(v, &end, 10);
        if (end != e || errno) return -1;              /* 1.5, 1e3, out of range */
        a->id = id, a->has_id = 1;
    } else if (!strcmp(key, "status")) {
        a->status = !strncmp(v, "\"ok\"", 4) && e - v == 4 ? 0
                  : !strncmp(v, "\"error\"", 7) && e - v == 7 ? 1 : -2;
        if (a->status == -2) return -1;
    } else if (!strcmp(key, "key") || !strcmp(key, "message")) {
        char **dst = key[0] == 'k' ? &a->key : &a->message;
        if (*v == 'n') return 0;                       /* null: as absent */
        free(*dst), *dst = NULL;
        if (*v != '"' || bj_string(v, NULL, dst) < 0) return -1;
    } else if (!strcmp(key, "result")) {
        if (*v == 'n') { free(a->result); a->result = NULL; return 0; }
        return dup_span(v, e, &a->result);
    }
    return 0;
}

void bridge_answer_clear(struct bridge_answer *a)
{
    free(a->key), free(a->message), free(a->result);
    memset(a, 0, sizeof *a);
    a->status = -1;
}

int bridge_parse_answer(const char *line, struct bridge_answer *a)
{
    const char *end;
    memset(a, 0, sizeof *a);
    a->status = -1;
    const char *p = bj_ws(line);
    if (bj_object(p, &end, answer_member, a) != 0 || *bj_ws(end) != '\0'
        || !a->has_id || a->status < 0) {
        bridge_answer_clear(a);
        return -1;
    }
    return 0;
}
