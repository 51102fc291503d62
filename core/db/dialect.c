/* SQL text rewriting: `{table}` names with the prefix, `?` placeholders per database.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The scanner knows just enough SQL lexis to leave literals, quoted identifiers and
 * comments alone: a `?` inside them is not a placeholder.  `{name}` is expanded
 * everywhere, literals included, so that `nextval('{user}_id_seq')` works.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "db_internal.h"

typedef struct {
    char *p;
    size_t n, cap;
    int failed;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* If s[i] opens a literal, quoted identifier or comment, returns the index just past
 * its end (the end of the string when unterminated); otherwise returns i. */
static size_t skip_special(ts_db_kind k, const char *s, size_t i)
{
    char c = s[i];
    size_t j;

    if (c == '\'' || c == '"' || c == '`') {
        if (c == '`' && k == TS_DB_POSTGRES)
            return i;
        /* MariaDB strings take backslash escapes (and "..." is a string there);
         * PostgreSQL only in E'...' literals. */
        int bs = (k == TS_DB_MARIADB && c != '`') ||
                 (k == TS_DB_POSTGRES && c == '\'' && i > 0 &&
                  (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !ident_char(s[i - 2])));
        for (j = i + 1; s[j]; j++) {
            if (bs && s[j] == '\\' && s[j + 1]) {
                j++;
                continue;
            }
            if (s[j] == c) {
                if (s[j + 1] == c) {     /* doubled quote */
                    j++;
                    continue;
                }
                return j + 1;
            }
        }
        return j;
    }
    if ((c == '-' && s[i + 1] == '-') || (c == '#' && k == TS_DB_MARIADB)) {
        for (j = i; s[j] && s[j] != '\n'; j++)
            ;
        return j;
    }
    if (c == '/' && s[i + 1] == '*') {
        const char *e = strstr(s + i + 2, "*/");
        return e ? (size_t)(e - s) + 2 : strlen(s);
    }
    if (c == '$' && k == TS_DB_POSTGRES && (i == 0 || !ident_char(s[i - 1]))) {
        /* Dollar quoting: $$...$$ or $tag$...$tag$ (a tag never starts with a digit,
         * so $1 is not one). */
        j = i + 1;
        if (s[j] != '$') {
            if (!(isalpha((unsigned char)s[j]) || s[j] == '_'))
                return i;
            while (ident_char(s[j]))
                j++;
            if (s[j] != '$')
                return i;
        }
        size_t taglen = j - i + 1;
        const char *p = s + j + 1;
        for (;;) {
            const char *e = strchr(p, '$');
            if (!e)
                return strlen(s);
            if (strncmp(e, s + i, taglen) == 0)
                return (size_t)(e - s) + taglen;
            p = e + 1;
        }
    }
    return i;
}

/* Length of a `{name}` token at s (name = [a-z0-9_]+), 0 if there is none. */
static size_t brace_len(const char *s)
{
    size_t j = 1;
    if (s[0] != '{')
        return 0;
    while ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= '0' && s[j] <= '9') || s[j] == '_')
        j++;
    return (j > 1 && s[j] == '}') ? j + 1 : 0;
}

static void copy_expanding(sbuf *b, const char *prefix, const char *s, size_t n)
{
    size_t i = 0, start = 0, bl;
    while (i < n) {
        if (s[i] == '{' && (bl = brace_len(s + i)) && i + bl <= n) {
            sb_putn(b, s + start, i - start);
            sb_putn(b, prefix, strlen(prefix));
            sb_putn(b, s + i + 1, bl - 2);
            i += bl;
            start = i;
        } else {
            i++;
        }
    }
    sb_putn(b, s + start, n - start);
}

char *dialect_expand_n(ts_db_kind kind, const char *prefix, const char *sql, int *nparams)
{
    sbuf b = { 0 };
    size_t i = 0, j;
    int n = 0;
    char num[16];

    if (!prefix)
        prefix = "";
    if (!sql)
        return NULL;
    sb_putn(&b, "", 0);
    while (sql[i]) {
        j = skip_special(kind, sql, i);
        if (j > i) {
            copy_expanding(&b, prefix, sql + i, j - i);
            i = j;
            continue;
        }
        /* Copy a plain run up to the next character that may matter. */
        j = i;
        while (sql[j] && !strchr("?'\"`-#/$", sql[j]))
            j++;
        if (j > i) {
            copy_expanding(&b, prefix, sql + i, j - i);
            i = j;
            continue;
        }
        if (sql[i] == '?') {
            n++;
            if (kind == TS_DB_POSTGRES) {
                int len = snprintf(num, sizeof num, "$%d", n);
                sb_putn(&b, num, (size_t)len);
            } else {
                sb_putn(&b, "?", 1);
            }
        } else {
            sb_putn(&b, sql + i, 1);
        }
        i++;
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    if (nparams)
        *nparams = n;
    return b.p;
}

char *dialect_expand(ts_db_kind kind, const char *prefix, const char *sql)
{
    return dialect_expand_n(kind, prefix, sql, NULL);
}

/* Skips blanks, opening parentheses and comments at the start of a statement. */
static const char *skip_lead(const char *s)
{
    for (;;) {
        while (*s && (isspace((unsigned char)*s) || *s == '('))
            s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else {
            return s;
        }
    }
}

static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

db_verb dialect_verb(const char *sql)
{
    const char *s = skip_lead(sql ? sql : "");
    size_t n = 0;
    while (isalpha((unsigned char)s[n]))
        n++;
    if (word_is(s, n, "SELECT"))
        return DB_VERB_SELECT;
    if (word_is(s, n, "INSERT"))
        return DB_VERB_INSERT;
    if (word_is(s, n, "UPDATE"))
        return DB_VERB_UPDATE;
    if (word_is(s, n, "DELETE"))
        return DB_VERB_DELETE;
    return DB_VERB_OTHER;
}

int dialect_has_word(ts_db_kind kind, const char *sql, const char *word)
{
    size_t i = 0, j, wl = strlen(word);
    while (sql[i]) {
        j = skip_special(kind, sql, i);
        if (j > i) {
            i = j;
            continue;
        }
        if (ident_char(sql[i]) && (i == 0 || !ident_char(sql[i - 1]))) {
            j = i;
            while (ident_char(sql[j]))
                j++;
            if (j - i == wl && strncasecmp(sql + i, word, wl) == 0)
                return 1;
            i = j;
            continue;
        }
        i++;
    }
    return 0;
}

int dialect_valid_name(const char *s, size_t maxlen, int ok_upper)
{
    size_t n = 0;
    if (!s || !*s)
        return 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (ok_upper && c >= 'A' && c <= 'Z')))
            return 0;
    }
    return n <= maxlen;
}
