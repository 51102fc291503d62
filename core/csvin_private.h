/* Private state of the CSV reader, shared by core/csvin.c (records) and
 * core/csvin_input.c (bytes to UTF-8 text).  Not part of the reader's interface.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_CSVIN_PRIVATE_H
#define TS_CSVIN_PRIVATE_H

#include <csv.h>
#include <iconv.h>
#include <stdio.h>
#include <sys/types.h>
#include "csvin.h"
#include "csvin_scan.h"

#define CHUNK            (64 * 1024)
#define UCAP             (CHUNK * 4 + 64)  /* iconv output room for one input chunk  */
#define DEFAULT_MAX      (1024 * 1024)
#define TOOLONG_PREFIX   1024              /* raw text kept for a too long record     */
/* Put in the UTF-8 stream where the source had bytes invalid in its declared encoding.
 * 0xFF never occurs in UTF-8 and iconv's output is valid UTF-8, so the per-line check
 * finds it and reports line and column like an invalid UTF-8 byte. */
#define ENC_MARK         0xFF

enum { LS_START, LS_SKIP, LS_RECORD };           /* what the current physical line is */
enum { RAW_CONTENT, RAW_TERM, RAW_LF_AFTER_CR }; /* kinds of bytes added to a record  */

struct csvin {
    int fd;
    iconv_t cd;               /* (iconv_t)-1: the source is UTF-8                      */
    char sep;
    size_t max_record;
    char encoding[64];

    unsigned char *ibuf;      /* source bytes waiting for iconv (non-UTF-8 only)       */
    size_t ilen;
    int ieof, iflushed;
    unsigned char *ubuf;      /* UTF-8 text: [upos, ulen) not yet looked at            */
    size_t upos, ulen;
    size_t lf_at, cr_at;      /* cached next LF / CR in ubuf (SIZE_MAX = unknown)      */
    int started;              /* BOM already looked for                               */

    long line;                /* physical lines completed                             */
    int lstate;               /* LS_*: the current physical line                       */
    int after_cr;             /* last line ended with CR: a following LF belongs to it */

    int in_record;
    long rec_line;
    unsigned char *rbuf;      /* raw text of the current record (+2 spare bytes)       */
    size_t rlen, rcap, line_start;
    int toolong;
    FILE *spill;              /* while toolong: the whole raw text (a private tmpfile)  */
    struct csvin_qstate q;    /* valid while toolong                                  */
    struct csvin_qstate fq;   /* the record's fields as written: which were quoted     */
    unsigned char *qflag;     /* qflag[i]: field i was written quoted                  */
    size_t qcap, qmax;        /* allocated; highest index set + 1                      */
    int bad;                  /* an invalid byte was found in this record              */
    csvin_error bad_err;

    struct csv_parser csv;
    int row_done, oom;
    char *fbuf;               /* field values, NUL-separated                           */
    size_t flen, fcap;
    size_t *foff;             /* offsets of the values in fbuf                         */
    size_t nf, focap;
    char **fptr;              /* pointers handed out in csv_record (nf + 1)            */
    size_t fpcap;

    long skipped;
    long long offset, size;
    int done;                 /* end of file reached or fatal error                    */
};

/* Fills *err (may be NULL). */
void csvin_set_err(csvin_error *err, const char *key, long line, long column,
                   const char *text);
/* Makes more UTF-8 text available in ubuf.  1: some, 0: end of file, -1: I/O error. */
int csvin_refill(csvin *in, csvin_error *err);
/* Position of the next CR or LF at or after upos, ulen if none. */
size_t csvin_find_eol(csvin *in);

#endif
