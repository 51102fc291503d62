/* Private helpers of the CSV reader: text scanners with no I/O (quote-state mirror,
 * UTF-8 check, value cleaning).  Used by core/csvin.c only.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_CSVIN_SCAN_H
#define TS_CSVIN_SCAN_H

#include <stddef.h>

/* Mirror of libcsv's (non-strict) quote state transitions, without field contents.
 * It follows a record that is no longer given to libcsv (too long) to its end, and
 * finds where an unterminated quoted field was opened.  It must agree with libcsv on
 * every byte: a record ends at a line end unless inside a quoted field. */
enum { CSVIN_Q_START,        /* row or field not begun                              */
       CSVIN_Q_UNQ,          /* inside an unquoted field (quotes there are literal) */
       CSVIN_Q_INQ,          /* inside a quoted field                               */
       CSVIN_Q_MHE };        /* just after a quote inside a quoted field            */

struct csvin_qstate {
    int st;
    int spaces;               /* blanks seen in CSVIN_Q_MHE                          */
    long line, col;           /* position of the last byte fed (col in characters)   */
    long open_line, open_col; /* where the last quoted field was opened              */
    long field;               /* index of the current field in the record            */
    /* Called (when set) as a field opens with a quote: the reader then keeps that
     * value as written (no tool_sync quote stripping nor &#44/&#59 decoding). */
    void (*on_quoted)(void *ctx, long field);
    void *ctx;
};

void csvin_q_init(struct csvin_qstate *q, long line);
/* Bytes of one physical line (no CR/LF in them). */
void csvin_q_content(struct csvin_qstate *q, const unsigned char *s, size_t n,
                     unsigned char sep);
/* End of a physical line: 1 when it ends the record (then back to the start state). */
int csvin_q_term(struct csvin_qstate *q);
/* Runs the mirror over raw record text whose lines are separated by CR, LF or CRLF. */
void csvin_q_replay(struct csvin_qstate *q, const unsigned char *s, size_t n,
                    unsigned char sep);

/* Offset of the first byte that is not well-formed UTF-8 (RFC 3629), n if none. */
size_t csvin_utf8_check(const unsigned char *s, size_t n);

/* Cleans one value as libcsv gave it: trims space, tab, CR, LF, VT.  An unquoted value
 * (tool_sync style, `quoted` 0) also loses one leading and one trailing '"' and has
 * `&#44` and `&#59` (each optionally followed by ';') decoded into ',' and ';' (plugin
 * compatibility); a value written quoted is kept as the quotes delimit it.  Writes at
 * most len + 1 bytes (NUL-terminated) to dst and returns the length of the result. */
size_t csvin_clean_value(const void *src, size_t len, char *dst, int quoted);

#endif
