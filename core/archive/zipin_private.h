/* What the zip reader's files share: the reader's state and the error helpers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef TS_ZIPIN_PRIVATE_H
#define TS_ZIPIN_PRIVATE_H

#include <zip.h>

#include "zipin.h"

struct zipin {
    zip_t *za;
    zipin_limits lim;
    char *label;                /* the archive's file name, for messages */
    zip_uint64_t count;         /* entries in the central directory */
    zip_uint64_t next;          /* index of the next entry zipin_next looks at */
    uint64_t data_entries;      /* entries handed out (directories not counted) */
    uint64_t total;             /* sum of the sizes of the entries handed out unrefused */
    int total_passed;           /* max_total_size was passed: every later entry is refused */
    /* the current entry */
    zip_int64_t cur;            /* its index, -1: none */
    const char *cur_name;
    int cur_readable;           /* not refused, no read error yet */
    uint64_t cur_size;          /* declared uncompressed size */
    uint64_t cur_read;          /* bytes inflated so far */
    zip_file_t *zf;             /* opened at the first read */
};

/* Fills err (when not NULL) with key and a formatted text. */
void zipin_seterr(zipin_error *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes name into out for a message: control bytes as \xNN, cut (on a character
 * boundary) with "..." when too long, so that a hostile name cannot flood or forge a
 * report line. */
void zipin_quote(char *out, size_t outsz, const char *name);

/* The refusal of entry name (raw bytes as stored), or NULL when its name is safe:
 * "badname" (empty, control characters) or "unsafepath" (climbs out); *why says how. */
const char *zipin_name_refusal(const char *raw, const char **why);

/* How many entries the archive's end of central directory record declares (zip64
 * aware), read from fd before libzip loads the whole directory: 1 found, 0 not found. */
int zipin_declared_entries(int fd, uint64_t *count);

#endif
