/* Value syntax of the users files: usernames, country, language, booleans, integers,
 * dates (spec 00 §5.7-5.8, 20 §2), and the few encodings Moodle's rows need (JSON as
 * PHP writes it, MD5, PHP's string increment).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wctype.h>
#include <openssl/evp.h>
#include "users.h"

char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *xprintf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

int streq_null(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* --- UTF-8 lower case ------------------------------------------------------------- */

/* Decodes one UTF-8 sequence (the core hands us valid UTF-8). */
static unsigned decode(const unsigned char **p)
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
char *utf8_lower(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = malloc(len * 2 + 1);   /* a lower-case form is at most 2x longer */
    size_t o = 0;
    locale_t loc = utf8_locale();
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = decode(&p);
        if (c < 0x80)
            c = (unsigned)tolower((int)c);
        else if (loc)
            c = (unsigned)towlower_l((wint_t)c, loc);
        o += encode(c, out + o);
    }
    out[o] = '\0';
    return out;
}

/* --- usernames ---------------------------------------------------------------------- */

/* PARAM_USERNAME: trimmed, lower case; without extendedusernamechars only a-z 0-9 and
 * - . @ _ survive.  A username is valid when cleaning leaves it unchanged. */
int users_clean_username(const char *in, int extended, char **out)
{
    *out = NULL;
    if (!in)
        return -1;
    char *low = utf8_lower(in);
    /* trim (the core trims too, but the lower-casing may not change that) */
    size_t b = strspn(low, " \t\r\n\v");
    size_t e = strlen(low);
    while (e > b && strchr(" \t\r\n\v", low[e - 1]))
        e--;
    memmove(low, low + b, e - b);
    low[e - b] = '\0';
    *out = low;
    if (!*low || utf8_chars(low) > 100)
        return -1;
    if (extended)
        return 0;
    for (const char *p = low; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '@' || *p == '_'))
            return -1;
    return 0;
}

/* --- booleans, integers, dates --------------------------------------------------------- */

int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "yes", "y", "true", "on", NULL };
    static const char *const no[] = { "0", "no", "n", "false", "off", "", NULL };
    if (!s)
        s = "";
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    return -1;
}

int parse_int(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!*p)
        return -1;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        if (v > (INT64_MAX - (*p - '0')) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* One parser for every date of the engine (spec 00 §5.7): a Unix time, YYYY-MM-DD,
 * YYYY-MM-DD hh:mm, YYYY-MM-DD hh:mm:ss (' ' or 'T'), or DD/MM/YYYY, in local time. */
int parse_date(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    if (strspn(s, "0123456789") == strlen(s))
        return parse_int(s, out);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, se = 0;
    size_t len = strlen(s);
    if (len == 10 && s[2] == '/' && s[5] == '/') {
        if (digits(s, 2, &d) || digits(s + 3, 2, &mo) || digits(s + 6, 4, &y))
            return -1;
    } else if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
            return -1;
        if (len > 10) {
            if ((s[10] != ' ' && s[10] != 'T') || (len != 16 && len != 19) || s[13] != ':')
                return -1;
            if (digits(s + 11, 2, &h) || digits(s + 14, 2, &mi))
                return -1;
            if (len == 19 && (s[16] != ':' || digits(s + 17, 2, &se)))
                return -1;
        }
    } else {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
        return -1;   /* 31/02 and the like */
    *out = (int64_t)t;
    return 0;
}

/* --- country, language ------------------------------------------------------------------ */

char *norm_country(const char *s)
{
    char *c = strdup(s ? s : "");
    for (char *p = c; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    if (*c && !(strlen(c) == 2 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]))) {
        free(c);
        return NULL;
    }
    return c;
}

char *norm_lang(const char *s)
{
    char *l = utf8_lower(s ? s : "");
    size_t n = strlen(l);
    if (n > 5 && strcmp(l + n - 5, "_utf8") == 0)
        l[n - 5] = '\0';
    if (!*l) {
        free(l);
        return NULL;
    }
    for (char *p = l; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) {
            free(l);
            return NULL;
        }
    return l;
}

/* --- encodings ------------------------------------------------------------------------------ */

/* PHP json_encode() with default flags: '/' escaped, non-ASCII as \uXXXX (UTF-16). */
void json_str(char *buf, size_t size, const char *s)
{
    size_t o = strlen(buf);
#define PUT(...) do { int k_ = snprintf(buf + o, o < size ? size - o : 0, __VA_ARGS__); \
                      if (k_ > 0) o += (size_t)k_; } while (0)
    PUT("\"");
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p < 0x80 ? *p++ : decode(&p);
        switch (c) {
        case '"': PUT("\\\""); break;
        case '\\': PUT("\\\\"); break;
        case '/': PUT("\\/"); break;
        case '\b': PUT("\\b"); break;
        case '\f': PUT("\\f"); break;
        case '\n': PUT("\\n"); break;
        case '\r': PUT("\\r"); break;
        case '\t': PUT("\\t"); break;
        default:
            if (c < 0x20)
                PUT("\\u%04x", c);
            else if (c < 0x80)
                PUT("%c", c);
            else if (c < 0x10000)
                PUT("\\u%04x", c);
            else {
                c -= 0x10000;
                PUT("\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
            }
        }
    }
    PUT("\"");
#undef PUT
}

int md5_hex(const char *s, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL) || len != 16)
        return -1;
    for (unsigned i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
    out[32] = '\0';
    return 0;
}

/* PHP's "$s++" on a non-numeric string (Moodle's delete_user uses it to make the
 * anonymised username unique): the last alphanumeric run is incremented with carry
 * (z->a, Z->A, 9->0); the carry stops at any other character; a carry out of the
 * first character prepends '1', 'a' or 'A'.  (A string PHP sees as a number would be
 * incremented arithmetically; "<email>.<time>" never is one in practice.) */
void php_string_increment(char *s, size_t size)
{
    size_t len = strlen(s);
    if (len == 0) {
        if (size > 1)
            strcpy(s, "1");
        return;
    }
    int carry = 0;
    char last = 0;
    for (size_t i = len; i-- > 0;) {
        char c = s[i];
        if (c >= 'a' && c <= 'z') {
            carry = c == 'z';
            s[i] = carry ? 'a' : (char)(c + 1);
            last = 'a';
        } else if (c >= 'A' && c <= 'Z') {
            carry = c == 'Z';
            s[i] = carry ? 'A' : (char)(c + 1);
            last = 'A';
        } else if (c >= '0' && c <= '9') {
            carry = c == '9';
            s[i] = carry ? '0' : (char)(c + 1);
            last = '1';
        } else {
            carry = 0;
            break;
        }
        if (!carry)
            break;
        if (i == 0 && carry && len + 2 <= size) {
            memmove(s + 1, s, len + 1);
            s[0] = last;
        }
    }
}
