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
    uint64_t *nul_names;        /* indices of the entries whose name holds a NUL byte */
    size_t n_nul, nul_next;     /* how many; the first not yet passed (entries go in order) */
    /* the current entry */
    zip_int64_t cur;            /* its index, -1: none */
    const char *cur_name;
    int cur_readable;           /* not refused, no read error yet */
    uint64_t cur_size;          /* declared uncompressed size */
    uint64_t cur_read;          /* bytes inflated so far */
    zip_file_t *zf;             /* opened at the first read */
    int refs;                   /* the caller's, plus one per tryback copying from it */
};

/* Drops a reference: the archive is closed with the last one, so that a tryback still
 * reads its entries when the caller closed the input first. */
void zipin_release(zipin *z);

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

/* The archive's central directory as its end record declares it (zip64 aware). */
typedef struct {
    uint64_t entries;
    uint64_t offset;            /* from the start of the file */
    uint64_t size;
} zipin_cdir;

/* Reads the end record from fd: 1 found, 0 not found (libzip will say what is wrong). */
int zipin_read_cdir(int fd, zipin_cdir *d);

/* The indices (ascending, malloc'd into *idx) of the entries whose stored name holds a
 * NUL byte; returns how many.  0 also when the directory cannot be walked. */
size_t zipin_nul_names(int fd, const zipin_cdir *d, uint64_t **idx);

#endif
