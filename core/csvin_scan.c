/* Text scanners of the CSV reader: quote-state mirror, UTF-8 check, value cleaning.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "csvin_scan.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ quote mirror */

void csvin_q_init(struct csvin_qstate *q, long line)
{
    memset(q, 0, sizeof *q);
    q->st = CSVIN_Q_START;
    q->line = line;
}

/* Inside a value only one byte can change the state (the separator unquoted, the quote
 * quoted): the bytes before it just move the column.  A tight loop for them keeps the
 * mirror cheap on long lines. */
static size_t skip_plain(struct csvin_qstate *q, const unsigned char *s, size_t i, size_t n,
                         unsigned char stop)
{
    long cols = 0;
    while (i < n && s[i] != stop) {
        cols += (s[i] & 0xC0) != 0x80;
        i++;
    }
    q->col += cols;
    return i;
}

void csvin_q_content(struct csvin_qstate *q, const unsigned char *s, size_t n,
                     unsigned char sep)
{
    for (size_t i = 0; i < n; i++) {
        if (q->st == CSVIN_Q_UNQ || q->st == CSVIN_Q_INQ) {
            i = skip_plain(q, s, i, n, q->st == CSVIN_Q_UNQ ? sep : '"');
            if (i == n)
                break;
        }
        unsigned char c = s[i];
        if ((c & 0xC0) != 0x80)
            q->col++;
        switch (q->st) {
        case CSVIN_Q_START:      /* libcsv skips blanks before a value */
            if (c == sep) {
                q->field++;
                break;
            }
            if (c == ' ' || c == '\t')
                break;
            if (c == '"') {
                q->st = CSVIN_Q_INQ;
                q->open_line = q->line;
                q->open_col = q->col;
                if (q->on_quoted)
                    q->on_quoted(q->ctx, q->field);
            } else {
                q->st = CSVIN_Q_UNQ;
            }
            break;
        case CSVIN_Q_UNQ:
            if (c == sep) {
                q->st = CSVIN_Q_START;
                q->field++;
            }
            break;
        case CSVIN_Q_INQ:
            if (c == '"') {
                q->st = CSVIN_Q_MHE;
                q->spaces = 0;
            }
            break;
        case CSVIN_Q_MHE:
            if (c == sep) {
                q->st = CSVIN_Q_START;
                q->field++;
            }
            else if (c == ' ' || c == '\t')
                q->spaces = 1;
            else if (c == '"') {
                if (q->spaces)   /* `"a" "`: libcsv keeps the quote and stays here */
                    q->spaces = 0;
                else             /* doubled quote */
                    q->st = CSVIN_Q_INQ;
            } else {
                q->st = CSVIN_Q_INQ;  /* `"a"b`: non-strict libcsv goes on, quoted */
            }
            break;
        }
    }
}

int csvin_q_term(struct csvin_qstate *q)
{
    q->line++;
    q->col = 0;
    if (q->st == CSVIN_Q_INQ)
        return 0;
    q->st = CSVIN_Q_START;
    q->field = 0;
    return 1;
}

void csvin_q_replay(struct csvin_qstate *q, const unsigned char *s, size_t n,
                    unsigned char sep)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        csvin_q_content(q, s + i, j - i, sep);
        if (j == n)
            break;
        csvin_q_term(q);
        if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
            j++;
        i = j + 1;
    }
}

/* ------------------------------------------------------------------ UTF-8 */

size_t csvin_utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {        /* ASCII fast path, 8 bytes at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;  /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;       /* overlong */
            else if (c == 0xED)
                hi = 0x9F;       /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;       /* overlong */
            else if (c == 0xF4)
                hi = 0x8F;       /* above U+10FFFF */
        } else
            return i;            /* continuation byte, C0, C1, F5..FF */
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

/* ------------------------------------------------------------------ values */

/* NUL is not trimmed: a NUL byte is refused by the reader before values are cleaned. */
static int is_trim(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

size_t csvin_clean_value(const void *src, size_t len, char *dst, int quoted)
{
    const unsigned char *p = src;
    unsigned char *d = (unsigned char *)dst;

    while (len && is_trim(p[0]))
        p++, len--;
    while (len && is_trim(p[len - 1]))
        len--;
    if (quoted) {           /* `"say ""hi"""` means exactly that: nothing decoded */
        memcpy(d, p, len);
        d[len] = '\0';
        return len;
    }
    /* tool_sync strips one quote on each side, independently (plugin compatibility for
     * unquoted files, where a stray quote was decoration) */
    if (len && p[0] == '"')
        p++, len--;
    if (len && p[len - 1] == '"')
        len--;

    const unsigned char *amp;
    while (len && (amp = memchr(p, '&', len)) != NULL) {
        size_t k = (size_t)(amp - p);
        memcpy(d, p, k);
        d += k, p += k, len -= k;
        if (len >= 4 && p[1] == '#' && ((p[2] == '4' && p[3] == '4') ||
                                        (p[2] == '5' && p[3] == '9'))) {
            *d++ = p[2] == '4' ? ',' : ';';
            k = (len >= 5 && p[4] == ';') ? 5 : 4;
        } else {
            *d++ = '&';
            k = 1;
        }
        p += k, len -= k;
    }
    memcpy(d, p, len);
    d += len;
    *d = '\0';
    return (size_t)(d - (unsigned char *)dst);
}
