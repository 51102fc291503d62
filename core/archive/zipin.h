/* Zip archives as inputs, entry by entry, and the tryback archive of the failed entries.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A handler whose input is a zip archive gets one row per entry (spec: issue 5, "Archive
 * inputs entry by entry").  The reader refuses the entries that must never reach a module
 * (names that climb out, links, encrypted or oversized entries, zip bombs) and enforces
 * its size limits on the bytes actually inflated, so that a lying header cannot make it
 * use more memory or disk than the limits allow.  The archive is read from the file
 * (libzip), never loaded whole.
 *
 * Limits: 0 in a field means "no limit" (the caller is expected to set all of them).
 * A zipin (and a zipout) is used by one thread at a time: libzip archives are not
 * thread-safe; read the bytes in one thread and hand the buffers to workers.
 * Error and refusal keys: "notzip", "zipcorrupt", "unreadable", "nomemory",
 * "unsafepath", "badname", "symlink", "specialfile", "encrypted", "unsupported",
 * "toolarge", "archivetoolarge", "toomanyentries", "zipbomb", "noentry", "exists",
 * "writefailed".
 */
#ifndef TS_ZIPIN_H
#define TS_ZIPIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct zipin zipin;

typedef struct {
    uint64_t max_entry_size;    /* refuse an entry whose declared OR actual uncompressed size passes this (bytes) */
    uint64_t max_total_size;    /* refuse the rest once the sum of the entries' sizes passes this */
    uint64_t max_entries;       /* refuse entries past this count (an archive declaring more than twice as many is refused whole) */
    double max_ratio;           /* refuse an entry whose uncompressed/compressed ratio passes this (zip bomb), 0 = off;
                                 * entries under ZIPIN_RATIO_FLOOR bytes are not judged by ratio */
} zipin_limits;

/* A tiny entry that compresses very well (a blank file, a short text) is harmless: the ratio
 * only tells a bomb from an honest entry once the entry is big enough to cost something. */
#define ZIPIN_RATIO_FLOOR ((uint64_t)1 << 20)

typedef struct {
    long number;                /* 1-based entry number in the archive (as `unzip -l` lists them, directories
                                 * included): the "line" of reports, and the number zipout_add_entry takes */
    const char *name;           /* the entry's name (UTF-8; valid until zipin_close) */
    uint64_t size;              /* declared uncompressed size */
    int refused;                /* 1: the reader refuses this entry (the caller reports it ERROR, never hands it to a module) */
    const char *refusal_key;    /* NULL when not refused, else one of the keys above */
    char refusal_text[512];     /* human text naming the entry */
} zipin_entry;

typedef struct { char key[48]; char text[1024]; } zipin_error;

/* Opens an archive for reading.  NULL + err when it is not a zip ("notzip"), damaged
 * ("zipcorrupt"), unreadable ("unreadable") or declares far too many entries
 * ("toomanyentries").  lim is copied. */
zipin *zipin_open(const char *path, const zipin_limits *lim, zipin_error *err);

/* Moves to the next entry: 1 an entry (directories are skipped silently: they carry no
 * data), 0 end, -1 error (err filled; the archive cannot be read further).  A refused
 * entry is still returned (refused = 1) so that it gets its own report line.  Refused:
 * names that are empty or hold a NUL or control byte ("badname"), that climb out
 * ("unsafepath": a ".." component with "/" or "\" as separator, a leading "/" or "\",
 * a drive letter "C:"), links ("symlink") and other non-regular files ("specialfile")
 * by the Unix mode in the external attributes, encrypted entries, compression methods
 * libzip cannot inflate ("unsupported"), then the limits: "toomanyentries", "zipbomb"
 * (declared ratio), "toolarge" (declared size), "archivetoolarge" (sum of the declared
 * sizes of the entries handed out unrefused). */
int zipin_next(zipin *z, zipin_entry *e, zipin_error *err);

/* Reads the current entry's bytes, streaming.  Returns the number of bytes read, 0 at
 * the end of the entry, -1 on error (err: "zipbomb" when the entry inflates past its
 * declared size, "toolarge", "zipcorrupt" for a damaged entry or a bad CRC, "encrypted",
 * "noentry" when there is no current readable entry).  After an error the entry cannot
 * be read further; the next entries still can. */
long zipin_read(zipin *z, void *buf, size_t len, zipin_error *err);

/* The whole current entry in a malloc'd buffer (bounded by max_entry_size, one extra
 * byte holds a NUL so that text can be read as a string; *len does not count it).
 * 0, or -1 with err as zipin_read.  The caller frees *data. */
int zipin_read_all(zipin *z, unsigned char **data, size_t *len, zipin_error *err);

void zipin_close(zipin *z);

/* Tryback of an archive: a new zip holding copies of the failed entries (same names,
 * content byte for byte: the compressed data is copied as stored, never inflated, so a
 * refused zip bomb costs nothing to copy). */
typedef struct zipout zipout;

/* Creates path exclusively (O_EXCL|O_NOFOLLOW, mode 0600): an existing path or a link is
 * refused ("exists"), nothing is ever truncated. */
zipout *zipout_create(const char *path, zipin_error *err);

/* Queues a copy of entry `number` (zipin_entry.number) of z, after checking that its
 * stored bytes can be read ("zipcorrupt" otherwise; "encrypted": libzip cannot copy
 * encrypted data without the password; "exists": a second entry of that name).  The
 * data is copied from z's file when zipout_close writes the archive; z may be closed
 * before (the tryback holds it open until then).  All entries come from one archive.
 * The copy is a plain file, mode 0600, whatever the original's attributes. */
int zipout_add_entry(zipout *o, zipin *z, long number, zipin_error *err);

/* Writes the archive: 0, or -1 when it could not be written completely (full disk...):
 * then nothing is left at path and err says why.  With no entry added, no file is left
 * either (an empty tryback says nothing).  Frees o in every case. */
int zipout_close(zipout *o, zipin_error *err);

#endif
