/* Input stage of the CSV reader: file bytes to UTF-8 text (iconv when the source is
 * another encoding), BOM removal, and the search for line ends.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "csvin_private.h"

void csvin_set_err(csvin_error *err, const char *key, long line, long column,
                   const char *text)
{
    if (!err)
        return;
    err->line = line;
    err->column = column;
    snprintf(err->key, sizeof err->key, "%s", key);
    snprintf(err->text, sizeof err->text, "%s", text);
}


/* ------------------------------------------------------------------ input */

/* read() into dst: bytes read, 0 at end of file, -1 on error (err filled). */
static ssize_t read_some(csvin *in, unsigned char *dst, size_t room, csvin_error *err)
{
    for (;;) {
        ssize_t r = read(in->fd, dst, room);
        if (r >= 0) {
            in->offset += r;
            return r;
        }
        if (errno == EINTR)
            continue;
        char t[160];
        snprintf(t, sizeof t, "read error: %s", strerror(errno));
        csvin_set_err(err, "ioerror", in->line + 1, 0, t);
        return -1;
    }
}

/* One round of conversion of ibuf into ubuf (sources that are not UTF-8).  Bytes
 * invalid in the source encoding become one ENC_MARK each; an incomplete sequence at
 * the end of ibuf waits for the next chunk (or becomes one ENC_MARK at end of file). */
static void convert(csvin *in)
{
    char *src = (char *)in->ibuf, *dst = (char *)in->ubuf + in->ulen;
    size_t left = in->ilen, room = UCAP - in->ulen;

    while (left) {
        if (iconv(in->cd, &src, &left, &dst, &room) != (size_t)-1)
            break;
        int e = errno;
        if (e == E2BIG)
            break;
        if (e == EINVAL && !in->ieof && (src != (char *)in->ibuf || left < CHUNK))
            break;               /* incomplete sequence: wait for more input */
        if (room < 1)
            break;
        *dst++ = (char)ENC_MARK; /* EILSEQ, or a sequence that can never complete */
        room--;
        if (e == EINVAL && in->ieof) {
            src += left;         /* the truncated tail of the file: one error */
            left = 0;
        } else {
            src++;
            left--;
        }
    }
    memmove(in->ibuf, src, left);
    in->ilen = left;
    in->ulen = (size_t)(dst - (char *)in->ubuf);
    if (in->ieof && !in->ilen && !in->iflushed) {
        room = UCAP - in->ulen;  /* stateful encodings: back to the initial state */
        if (room >= 32) {
            iconv(in->cd, NULL, NULL, &dst, &room);
            in->ulen = (size_t)(dst - (char *)in->ubuf);
            in->iflushed = 1;
        }
    }
}

/* Makes more UTF-8 text available in ubuf.  1: some, 0: end of file, -1: I/O error. */
/* Appends what read() gives to buf (CHUNK bytes) after *len: -1 on error, else 0, with
 * ieof set at the end of the file. */
static int read_more(csvin *in, unsigned char *buf, size_t *len, csvin_error *err)
{
    ssize_t r = read_some(in, buf + *len, CHUNK - *len, err);
    if (r < 0)
        return -1;
    if (r == 0)
        in->ieof = 1;
    *len += (size_t)r;
    return 0;
}

int csvin_refill(csvin *in, csvin_error *err)
{
    in->upos = in->ulen = 0;
    in->lf_at = in->cr_at = SIZE_MAX;
    while (in->upos == in->ulen) {
        if (in->cd == (iconv_t)-1) {
            if (in->ieof)
                return 0;
            if (read_more(in, in->ubuf, &in->ulen, err) < 0)
                return -1;
            if (!in->started) {  /* the BOM is looked for on the first 3 bytes */
                if (in->ulen < 3 && !in->ieof)
                    continue;
                in->started = 1;
                if (in->ulen >= 3 && !memcmp(in->ubuf, "\xEF\xBB\xBF", 3))
                    in->upos = 3;
            }
        } else {
            if (in->ieof && !in->ilen && in->iflushed)
                return 0;
            if (!in->ieof && in->ilen < CHUNK && read_more(in, in->ibuf, &in->ilen, err) < 0)
                return -1;
            convert(in);
            /* UTF-16LE/BE and UTF-32LE/BE decoders keep the BOM as U+FEFF: drop it.
             * (Bytes EF BB BF in a Latin-1 file convert to "ï»¿", not to U+FEFF.) */
            if (!in->started && (in->ulen >= 3 || in->ieof)) {
                in->started = 1;
                if (in->ulen >= 3 && !memcmp(in->ubuf, "\xEF\xBB\xBF", 3))
                    in->upos = 3;
            }
        }
    }
    return 1;
}

/* Position of the next CR or LF at or after upos, ulen if none.  Both positions are
 * cached so that a file using only one kind of line end stays linear. */
size_t csvin_find_eol(csvin *in)
{
    if (in->lf_at == SIZE_MAX || in->lf_at < in->upos) {
        unsigned char *p = memchr(in->ubuf + in->upos, '\n', in->ulen - in->upos);
        in->lf_at = p ? (size_t)(p - in->ubuf) : in->ulen;
    }
    if (in->cr_at == SIZE_MAX || in->cr_at < in->upos) {
        size_t lim = in->lf_at;  /* a CR after the next LF does not matter yet */
        unsigned char *p = memchr(in->ubuf + in->upos, '\r', lim - in->upos);
        /* not found before lf_at: remember that, by pointing at lf_at (re-searched
         * once upos passes it) */
        in->cr_at = p ? (size_t)(p - in->ubuf) : lim;
    }
    return in->cr_at < in->lf_at ? in->cr_at : in->lf_at;
}

