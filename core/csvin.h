/* Streaming reader of command files (libcsv + iconv).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads one record at a time; memory does not grow with the file.  Handles: a leading
 * UTF-8 BOM, a configurable source encoding converted to UTF-8 exactly once, LF / CRLF /
 * CR line ends, quoted fields ("a;b", doubled quotes, newlines inside quotes), tool_sync's
 * skipped lines (empty, or starting with '(' '[' '-' '#' '/' or a space), value trimming,
 * and, for values written unquoted only (tool_sync style), one leading/trailing '"'
 * stripped and `&#44`/`&#59` decoded; a quoted value is kept as written.  A NUL byte
 * is an error (key nulbyte) naming line and column; the record's raw bytes then come
 * in raw_file, as for an overlong record or an unterminated quote's rest of file.  Each record keeps its
 * physical first line number and its raw text (re-encoded to UTF-8, without the line end)
 * so that a failed record can be copied verbatim into the tryback file.
 */
#ifndef TS_CSVIN_H
#define TS_CSVIN_H

#include <stddef.h>
#include <stdio.h>

typedef struct csvin csvin;

typedef struct {
    char separator;          /* ';' by default                                      */
    const char *encoding;    /* "UTF-8" (default), "ISO-8859-1", "CP1252", any iconv name */
    size_t max_record;       /* longest record accepted, bytes (0 = 1 MiB)          */
} csvin_options;

typedef struct {
    size_t nfields;
    char **fields;           /* decoded, trimmed UTF-8 values                         */
    long line;               /* physical line number where the record starts (1-based) */
    long last_line;          /* physical line where it ends (quoted newlines)         */
    const char *raw;         /* raw record text in UTF-8, without the final line end  */
    FILE *raw_file;          /* recordtoolong, nulbyte, a long unterminatedquote: the
                                whole raw text byte for byte (raw holds a prefix),
                                rewound; owned by the reader until the next call unless
                                taken with csvin_take_raw_file()                        */
} csv_record;

/* Error of the reader: where and what. */
typedef struct {
    long line;
    long column;             /* 1-based character column in the physical line, 0 = n/a */
    char key[48];            /* message key: invalidutf8, unterminatedquote, recordtoolong,
                                encodingerror, nulbyte, ioerror                         */
    char text[256];
} csvin_error;

/* Opens a file.  NULL and *err filled on failure. */
csvin *csvin_open(const char *path, const csvin_options *opt, csvin_error *err);

/* Reads the next non-skipped record.  Returns 1 and fills *rec (valid until the next
 * call), 0 at end of file, -1 on error (filled *err).  After an error that concerns
 * one record only (invalid UTF-8 in it, record too long) the reader has skipped that
 * record and *rec holds its raw text and line, so that the caller can send it to the
 * tryback; csvin_next may be called again.  An unterminated quote at end of file is
 * fatal (returns -1 and every following call returns 0). */
int csvin_next(csvin *in, csv_record *rec, csvin_error *err);

/* Takes ownership of the last record's raw_file (the caller fcloses it), so that an
 * overlong line can reach the tryback whole without being held in memory. */
FILE *csvin_take_raw_file(csvin *in);

/* Lines skipped as comments or blanks so far (for the report summary). */
long csvin_skipped(const csvin *in);
/* Bytes consumed so far and total size (for the progress display). */
long long csvin_offset(const csvin *in);
long long csvin_size(const csvin *in);
void csvin_close(csvin *in);

#endif
