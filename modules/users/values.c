/* Value syntax of the users files that is the users module's own: usernames, country,
 * language, and the encodings Moodle's deletion needs (MD5, PHP's string increment).
 * Booleans, integers, dates, UTF-8 and JSON come from the core's util service.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

/* --- usernames ---------------------------------------------------------------------- */

/* PARAM_USERNAME: trimmed, lower case; without extendedusernamechars only a-z 0-9 and
 * - . @ _ survive.  A username is valid when cleaning leaves it unchanged. */
int users_clean_username(const char *in, int extended, char **out)
{
    *out = NULL;
    if (!in)
        return -1;
    char *low = U->utf8_lower(in);
    /* trim (the core trims too, but the lower-casing may not change that) */
    size_t b = strspn(low, " \t\r\n\v");
    size_t e = strlen(low);
    while (e > b && strchr(" \t\r\n\v", low[e - 1]))
        e--;
    memmove(low, low + b, e - b);
    low[e - b] = '\0';
    *out = low;
    if (!*low || U->utf8_chars(low) > 100)
        return -1;
    if (extended)
        return 0;
    for (const char *p = low; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '@' || *p == '_'))
            return -1;
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
    char *l = U->utf8_lower(s ? s : "");
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
