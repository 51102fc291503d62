/* UTF-8 text as Moodle compares and PHP encodes it: lower case (mb_strtolower), length
 * in characters, and JSON string literals as json_encode() writes them.  The one place
 * of the core and of every module for these (shared with modules through util.h).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include "util/util.h"

size_t text_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Decodes one UTF-8 sequence (the core hands us valid UTF-8). */
unsigned text_utf8_decode(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned c = s[0];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len > 1) {
        c &= 0xFF >> (len + 1);
        for (int i = 1; i < len; i++) {
            if ((s[i] & 0xC0) != 0x80) {   /* broken: take the byte as is */
                *p = s + 1;
                return s[0];
            }
            c = (c << 6) | (s[i] & 0x3F);
        }
    }
    *p = s + len;
    return c;
}

static size_t encode(unsigned c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* A private UTF-8 locale for towlower_l: the process locale is the core's business. */
static locale_t utf8_locale(void)
{
    static locale_t loc;
    static int tried;
    if (!tried) {
        tried = 1;
        const char *names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8", NULL };
        for (int i = 0; names[i] && !loc; i++)
            loc = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
    }
    return loc;
}

/* Lower case as Moodle's core_text::strtolower (mb_strtolower) for the common cases;
 * without a UTF-8 locale only ASCII letters are folded. */
char *text_utf8_lower(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = malloc(len * 2 + 1);   /* a lower-case form is at most 2x longer */
    size_t o = 0;
    locale_t loc = utf8_locale();
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = text_utf8_decode(&p);
        if (c < 0x80)
            c = (unsigned)tolower((int)c);
        else if (loc)
            c = (unsigned)towlower_l((wint_t)c, loc);
        o += encode(c, out + o);
    }
    out[o] = '\0';
    return out;
}

/* PHP json_encode() with default flags: '/' escaped, non-ASCII as \uXXXX (UTF-16
 * surrogate pairs past the BMP), control characters as \b \f \n \r \t or \u00XX. */
void text_json_escape(const char *s, size_t len,
                      void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    char u[16];
    while (p < end) {
        unsigned c = *p < 0x80 ? *p++ : text_utf8_decode(&p);
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '/': e = "\\/"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default: break;
        }
        if (e) {
            put(ctx, e, 2);
        } else if (c >= 0x20 && c < 0x80) {
            u[0] = (char)c;
            put(ctx, u, 1);
        } else if (c < 0x10000) {
            put(ctx, u, (size_t)snprintf(u, sizeof u, "\\u%04x", c));
        } else {
            c -= 0x10000;
            put(ctx, u, (size_t)snprintf(u, sizeof u, "\\u%04x\\u%04x", 0xD800 + (c >> 10),
                                         0xDC00 + (c & 0x3FF)));
        }
    }
}

/* A bounded buffer as the sink of text_json_escape. */
typedef struct { char *buf; size_t size, o; } bounded;

static void put_bounded(void *ctx, const char *p, size_t n)
{
    bounded *b = ctx;
    if (b->o + n + 1 > b->size)
        n = b->o + 1 < b->size ? b->size - b->o - 1 : 0;
    memcpy(b->buf + b->o, p, n);
    b->o += n;
    b->buf[b->o] = '\0';
}

void text_json_string(char *buf, size_t size, const char *s)
{
    if (size == 0)
        return;
    bounded b = { buf, size, strlen(buf) };
    if (!s)
        s = "";
    put_bounded(&b, "\"", 1);
    text_json_escape(s, strlen(s), put_bounded, &b);
    put_bounded(&b, "\"", 1);
}
