/* Streaming reader of command files: iconv to UTF-8, physical lines, libcsv fields.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pipeline, all inside one csvin object (no global state, re-entrant):
 *
 *   file --read() 64 KiB--> [iconv to UTF-8 | UTF-8 kept as is] --> line splitter
 *   --> skipped-line rule at record starts --> raw record buffer
 *   --> libcsv, fed one physical line at a time (each followed by "\n")
 *   --> field callback (trim, one '"' each side, &#44 / &#59).
 *
 * Why one physical line at a time: libcsv's end-of-row callback then tells us whether
 * the line ended the record or was a newline inside quotes, so that we keep exact
 * physical line numbers and the record's raw text (for the tryback) without parsing the
 * quotes twice.  CSV_REPALL_NL makes libcsv report every unquoted newline, even on a
 * line that holds only blanks, so "no row callback" always means "inside quotes".
 *
 * Memory is bounded by the longest accepted record (max_record): a record that grows
 * past it is dropped from libcsv and followed to its end by a tiny state machine that
 * mirrors libcsv's quote states (csvin_scan.c) without buffering anything.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "csvin_private.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_utf8_name(const char *e)
{
    return !strcasecmp(e, "UTF-8") || !strcasecmp(e, "UTF8");
}


/* ------------------------------------------------------------------ the record */

static int grow(void **buf, size_t *cap, size_t need, size_t unit)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*buf, n * unit);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* The record has grown past max_record: stop buffering it, leave libcsv, and follow
 * it to its end with the mirror state machine. */
static void enter_toolong(csvin *in)
{
    in->toolong = 1;
    /* Nothing may be lost: the whole text goes to an unlinked temporary file (tmpfile
     * creates it 0600), so that the tryback gets the line entire, memory staying flat. */
    if (in->spill)
        fclose(in->spill);
    in->spill = tmpfile();
    if (in->spill)
        fwrite(in->rbuf, 1, in->rlen, in->spill);
    csvin_q_init(&in->q, in->rec_line);
    csvin_q_replay(&in->q, in->rbuf, in->rlen, (unsigned char)in->sep);
    size_t keep = in->rlen < TOOLONG_PREFIX ? in->rlen : TOOLONG_PREFIX;
    while (keep > 0 && keep < in->rlen && (in->rbuf[keep] & 0xC0) == 0x80)
        keep--;                  /* do not cut a character in two */
    in->rlen = keep;
    csv_fini(&in->csv, NULL, NULL, NULL);  /* resets libcsv to "row not begun" */
    in->nf = in->flen = 0;
    in->row_done = 0;
}

/* Adds bytes to the current record's raw text.  -1 when out of memory. */
static int raw_add(csvin *in, const unsigned char *s, size_t n, int kind)
{
    if (!in->toolong && in->rlen + n > in->max_record) {
        if (kind == RAW_CONTENT) {  /* keep what fits: the prefix given back */
            size_t fit = in->max_record - in->rlen;
            if (grow((void **)&in->rbuf, &in->rcap, in->rlen + fit + 2, 1))
                return -1;
            memcpy(in->rbuf + in->rlen, s, fit);
            in->rlen += fit;
            s += fit;
            n -= fit;
        }
        enter_toolong(in);
        if (kind == RAW_TERM)    /* newline inside quotes (libcsv said so) */
            csvin_q_term(&in->q);
    }
    if (in->toolong) {
        if (in->spill)
            fwrite(s, 1, n, in->spill);
        if (kind == RAW_CONTENT)
            csvin_q_content(&in->q, s, n, (unsigned char)in->sep);
        return 0;
    }
    if (grow((void **)&in->rbuf, &in->rcap, in->rlen + n + 2, 1))
        return -1;
    memcpy(in->rbuf + in->rlen, s, n);
    in->rlen += n;
    return 0;
}

/* The field mirror saw field `field` open with a quote. */
static void on_quoted(void *ctx, long field)
{
    csvin *in = ctx;
    size_t f = (size_t)field;
    if (grow((void **)&in->qflag, &in->qcap, f + 1, 1)) {
        in->oom = 1;
        return;
    }
    while (in->qmax <= f)
        in->qflag[in->qmax++] = 0;
    in->qflag[f] = 1;
}

static void start_fields(csvin *in)
{
    csvin_q_init(&in->fq, in->rec_line);
    in->fq.on_quoted = on_quoted;
    in->fq.ctx = in;
    in->qmax = 0;
}

/* libcsv field callback: the cleaned value is stored in fbuf. */
static void on_field(void *s, size_t len, void *data)
{
    csvin *in = data;
    if (grow((void **)&in->fbuf, &in->fcap, in->flen + len + 1, 1) ||
        grow((void **)&in->foff, &in->focap, in->nf + 1, sizeof *in->foff)) {
        in->oom = 1;
        return;
    }
    int quoted = in->nf < in->qmax && in->qflag[in->nf];
    in->foff[in->nf++] = in->flen;
    in->flen += csvin_clean_value(s, len, in->fbuf + in->flen, quoted) + 1;
}

/* libcsv end-of-row callback (only ever at the "\n" we add after a line). */
static void on_row(int c, void *data)
{
    (void)c;
    ((csvin *)data)->row_done = 1;
}

/* Checks the physical line just completed; remembers the first bad byte of a record. */
static void check_line(csvin *in)
{
    const unsigned char *s = in->rbuf + in->line_start;
    size_t n = in->rlen - in->line_start, bad;
    if (in->cd == (iconv_t)-1) {
        bad = csvin_utf8_check(s, n);
    } else {
        const unsigned char *m = memchr(s, ENC_MARK, n);
        bad = m ? (size_t)(m - s) : n;
    }
    /* A NUL byte would silently cut the value (C strings): it is invalid input. */
    const unsigned char *nul = memchr(s, 0, bad);
    if (nul)
        bad = (size_t)(nul - s);
    if (bad == n)
        return;
    long col = 1;
    for (size_t i = 0; i < bad; i++)
        col += (s[i] & 0xC0) != 0x80;
    char t[256];
    in->bad = 1;
    if (nul) {
        snprintf(t, sizeof t, "NUL byte at line %ld, column %ld (not allowed in a value)",
                 in->line, col);
        csvin_set_err(&in->bad_err, "nulbyte", in->line, col, t);
    } else if (in->cd == (iconv_t)-1) {
        snprintf(t, sizeof t, "invalid UTF-8 (byte 0x%02X) at line %ld, column %ld; if the "
                 "file is not UTF-8, set encoding (e.g. encoding = \"ISO-8859-1\")",
                 s[bad], in->line, col);
        csvin_set_err(&in->bad_err, "invalidutf8", in->line, col, t);
    } else {
        snprintf(t, sizeof t, "bytes not valid in encoding %s at line %ld, column %ld",
                 in->encoding, in->line, col);
        csvin_set_err(&in->bad_err, "encodingerror", in->line, col, t);
    }
}

/* The raw text of a record with an encoding error: each ENC_MARK becomes U+FFFD so
 * that what goes to the tryback is UTF-8. */
static int unmark_raw(csvin *in)
{
    size_t marks = 0;
    for (size_t i = 0; i < in->rlen; i++)
        marks += in->rbuf[i] == ENC_MARK;
    if (!marks)
        return 0;
    if (grow((void **)&in->rbuf, &in->rcap, in->rlen + 2 * marks + 2, 1))
        return -1;
    size_t j = in->rlen + 2 * marks;
    for (size_t i = in->rlen; i-- > 0;) {
        if (in->rbuf[i] == ENC_MARK) {
            in->rbuf[--j] = 0xBD;
            in->rbuf[--j] = 0xBF;
            in->rbuf[--j] = 0xEF;
        } else {
            in->rbuf[--j] = in->rbuf[i];
        }
    }
    in->rlen += 2 * marks;
    return 0;
}

static int fail_oom(csvin *in, csvin_error *err)
{
    csvin_set_err(err, "ioerror", in->line, 0, "out of memory");
    in->done = 1;
    return -1;
}

static void rec_fill(csvin *in, csv_record *rec)
{
    in->rbuf[in->rlen] = '\0';
    rec->raw = (const char *)in->rbuf;
    rec->line = in->rec_line;
    rec->last_line = in->line;
    rec->nfields = 0;
    rec->fields = NULL;
}

/* raw is a C string: a record holding NUL bytes reaches the tryback byte for byte
 * through a private temporary file instead. */
static void spill_if_nul(csvin *in, csv_record *rec)
{
    if (!memchr(in->rbuf, 0, in->rlen))
        return;
    if (in->spill)
        fclose(in->spill);
    in->spill = tmpfile();
    if (in->spill && fwrite(in->rbuf, 1, in->rlen, in->spill) == in->rlen &&
        fflush(in->spill) == 0) {
        rewind(in->spill);
        rec->raw_file = in->spill;
    }
}

/* The record ended (libcsv's row callback, or the mirror for a too long one). */
static int finish_record(csvin *in, csv_record *rec, csvin_error *err)
{
    in->in_record = 0;
    if (in->toolong) {
        rec_fill(in, rec);
        if (in->spill && fflush(in->spill) == 0) {
            rewind(in->spill);
            rec->raw_file = in->spill;
        }
        char t[256];
        snprintf(t, sizeof t, "record longer than %zu bytes (lines %ld-%ld, maxlinelength) "
                 "not processed", in->max_record, in->rec_line, in->line);
        csvin_set_err(err, "recordtoolong", in->rec_line, 0, t);
        return -1;
    }
    if (in->bad) {
        /* UTF-8 input: the raw bytes go back verbatim; converted input: show U+FFFD */
        if (in->cd != (iconv_t)-1 && unmark_raw(in))
            return fail_oom(in, err);
        rec_fill(in, rec);
        spill_if_nul(in, rec);
        if (err)
            *err = in->bad_err;
        return -1;
    }
    if (in->nf == 0)             /* a line of blanks: one empty value */
        on_field((void *)"", 0, in);
    if (in->oom || grow((void **)&in->fptr, &in->fpcap, in->nf + 1, sizeof *in->fptr))
        return fail_oom(in, err);
    for (size_t i = 0; i < in->nf; i++)
        in->fptr[i] = in->fbuf + in->foff[i];
    in->fptr[in->nf] = NULL;
    rec_fill(in, rec);
    rec->nfields = in->nf;
    rec->fields = in->fptr;
    return 1;
}

/* A physical line has ended (t: its CR or LF, 0 at end of file without one).
 * 0: go on reading, 1 or -1: csvin_next returns that. */
static int end_of_line(csvin *in, unsigned char t, csv_record *rec, csvin_error *err)
{
    in->line++;
    int ls = in->lstate;
    in->lstate = LS_START;
    if (ls == LS_SKIP) {
        in->skipped++;
        return 0;
    }
    if (in->toolong) {
        if (csvin_q_term(&in->q))
            return finish_record(in, rec, err);
        if (t && in->spill)      /* a newline inside quotes is part of the text */
            fwrite(&t, 1, 1, in->spill);
        return 0;
    }

    if (!in->bad)
        check_line(in);
    csvin_q_content(&in->fq, in->rbuf + in->line_start, in->rlen - in->line_start,
                    (unsigned char)in->sep);
    csvin_q_term(&in->fq);
    /* feed the line and a "\n" in one call (rbuf always has 2 spare bytes) */
    size_t n = in->rlen - in->line_start;
    in->rbuf[in->rlen] = '\n';
    if (csv_parse(&in->csv, in->rbuf + in->line_start, n + 1, on_field, on_row, in) != n + 1
        || in->oom)
        return fail_oom(in, err);
    if (in->row_done)
        return finish_record(in, rec, err);
    if (t && raw_add(in, &t, 1, RAW_TERM))  /* newline inside quotes: keep it */
        return fail_oom(in, err);
    return 0;
}

static int at_eof(csvin *in, csv_record *rec, csvin_error *err)
{
    if (in->lstate != LS_START) {  /* last line without a line end */
        int r = end_of_line(in, 0, rec, err);
        if (r)
            return r;
    }
    in->done = 1;
    if (!in->in_record)
        return 0;
    /* end of file inside a quoted field: find where that quote was opened */
    if (!in->toolong) {
        csvin_q_init(&in->q, in->rec_line);
        csvin_q_replay(&in->q, in->rbuf, in->rlen, (unsigned char)in->sep);
    }
    in->in_record = 0;
    rec_fill(in, rec);
    /* The rest of the file goes to the tryback whole, however long (streamed). */
    if (in->toolong && in->spill && fflush(in->spill) == 0) {
        rewind(in->spill);
        rec->raw_file = in->spill;
    } else {
        spill_if_nul(in, rec);
    }
    char t[256];
    snprintf(t, sizeof t, "end of file inside a quoted field opened at line %ld, column %ld",
             in->q.open_line, in->q.open_col);
    csvin_set_err(err, "unterminatedquote", in->q.open_line, in->q.open_col, t);
    return -1;
}

/* ------------------------------------------------------------------ public */

csvin *csvin_open(const char *path, const csvin_options *opt, csvin_error *err)
{
    csvin_error dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);

    const char *enc = opt && opt->encoding && *opt->encoding ? opt->encoding : "UTF-8";
    char sep = opt && opt->separator ? opt->separator : ';';
    if (sep == '"' || sep == '\r' || sep == '\n') {
        csvin_set_err(err, "invalidseparator", 0, 0, "the separator cannot be a quote or a line end");
        return NULL;
    }
    iconv_t cd = (iconv_t)-1;
    if (!is_utf8_name(enc)) {
        cd = iconv_open("UTF-8", enc);
        if (cd == (iconv_t)-1) {
            char t[200];
            snprintf(t, sizeof t, "unknown encoding \"%.100s\"", enc);
            csvin_set_err(err, "unknownencoding", 0, 0, t);
            return NULL;
        }
    }

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int e = 0;
    if (fd < 0 || fstat(fd, &st) < 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    if (e) {
        char t[256];
        snprintf(t, sizeof t, "%.180s: %s", path, strerror(e));
        csvin_set_err(err, "ioerror", 0, 0, t);
        if (fd >= 0)
            close(fd);
        if (cd != (iconv_t)-1)
            iconv_close(cd);
        return NULL;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif

    csvin *in = calloc(1, sizeof *in);
    if (in) {
        in->ubuf = malloc(cd == (iconv_t)-1 ? CHUNK : UCAP);
        in->ibuf = cd == (iconv_t)-1 ? NULL : malloc(CHUNK);
    }
    if (!in || !in->ubuf || (cd != (iconv_t)-1 && !in->ibuf)) {
        if (in) {
            free(in->ubuf);
            free(in->ibuf);
            free(in);
        }
        close(fd);
        if (cd != (iconv_t)-1)
            iconv_close(cd);
        csvin_set_err(err, "ioerror", 0, 0, "out of memory");
        return NULL;
    }
    in->fd = fd;
    in->cd = cd;
    in->sep = sep;
    in->max_record = opt && opt->max_record ? opt->max_record : DEFAULT_MAX;
    snprintf(in->encoding, sizeof in->encoding, "%s", enc);
    in->size = S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
    in->lf_at = in->cr_at = SIZE_MAX;
    csv_init(&in->csv, CSV_APPEND_NULL | CSV_REPALL_NL);
    csv_set_delim(&in->csv, (unsigned char)sep);
    csv_set_quote(&in->csv, '"');
    csv_set_blk_size(&in->csv, 4096);
    return in;
}

int csvin_next(csvin *in, csv_record *rec, csvin_error *err)
{
    csv_record dummy_rec;
    csvin_error dummy_err;
    if (!rec)
        rec = &dummy_rec;
    if (!err)
        err = &dummy_err;
    memset(rec, 0, sizeof *rec);
    rec->raw = "";
    memset(err, 0, sizeof *err);
    if (!in || in->done)
        return 0;

    /* we always come back here between records */
    if (in->spill) {
        fclose(in->spill);
        in->spill = NULL;
    }
    in->rlen = in->nf = in->flen = 0;
    in->bad = in->toolong = in->row_done = 0;

    for (;;) {
        if (in->upos == in->ulen) {
            int r = csvin_refill(in, err);
            if (r < 0) {
                in->done = 1;
                return -1;
            }
            if (r == 0)
                return at_eof(in, rec, err);
        }
        unsigned char c = in->ubuf[in->upos];
        if (in->after_cr) {      /* the LF of a CRLF, maybe in the next chunk */
            in->after_cr = 0;
            if (c == '\n') {
                in->upos++;
                if (in->in_record && raw_add(in, &c, 1, RAW_LF_AFTER_CR))
                    return fail_oom(in, err);
                continue;
            }
        }
        if (in->lstate == LS_START) {
            if (in->in_record) {  /* continuation line of a quoted newline */
                in->lstate = LS_RECORD;
                in->line_start = in->rlen;
            } else if (c == '\n' || c == '\r' || c == '(' || c == '[' || c == '-' ||
                       c == '#' || c == '/' || c == ' ') {
                in->lstate = LS_SKIP;  /* tool_sync's empty and comment lines */
            } else {
                in->lstate = LS_RECORD;
                in->in_record = 1;
                in->rec_line = in->line + 1;
                in->line_start = 0;
                start_fields(in);
            }
        }
        size_t e = csvin_find_eol(in);
        if (e > in->upos && in->lstate == LS_RECORD &&
            raw_add(in, in->ubuf + in->upos, e - in->upos, RAW_CONTENT))
            return fail_oom(in, err);
        in->upos = e;
        if (e == in->ulen)
            continue;            /* the line goes on in the next chunk */
        unsigned char t = in->ubuf[in->upos++];
        in->after_cr = t == '\r';
        int r = end_of_line(in, t, rec, err);
        if (r)
            return r;
    }
}

long csvin_skipped(const csvin *in)
{
    return in ? in->skipped : 0;
}

long long csvin_offset(const csvin *in)
{
    return in ? in->offset : 0;
}

long long csvin_size(const csvin *in)
{
    return in ? in->size : 0;
}

void csvin_close(csvin *in)
{
    if (!in)
        return;
    csv_free(&in->csv);
    if (in->spill)
        fclose(in->spill);
    if (in->cd != (iconv_t)-1)
        iconv_close(in->cd);
    close(in->fd);
    free(in->ibuf);
    free(in->ubuf);
    free(in->rbuf);
    free(in->fbuf);
    free(in->foff);
    free(in->fptr);
    free(in->qflag);
    free(in);
}

FILE *csvin_take_raw_file(csvin *in)
{
    FILE *f = in ? in->spill : NULL;
    if (in)
        in->spill = NULL;
    return f;
}
