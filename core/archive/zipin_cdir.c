/* What the zip reader learns from the archive's raw central directory before and
 * besides libzip: how many entries it declares, and which names hold a NUL byte.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libzip loads the whole central directory at open, so the entry count is checked
 * first; and libzip turns a NUL byte inside a stored name into a space, so only the
 * raw directory can tell that a name was built to be read two ways ("x.php\0.jpg").
 * Anything this code cannot make sense of is left to libzip, which judges the archive.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zipin_private.h"

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* The zip64 record, found through the locator just before the classic record at eocd. */
static void read_zip64(int fd, off_t eocd, zipin_cdir *d)
{
    unsigned char loc[20], rec[56];
    if (eocd < 20 || pread(fd, loc, sizeof loc, eocd - 20) != (ssize_t)sizeof loc) return;
    if (memcmp(loc, "PK\6\7", 4) != 0) return;
    uint64_t off = le(loc + 8, 8);
    if (off > (uint64_t)eocd || pread(fd, rec, sizeof rec, (off_t)off) != (ssize_t)sizeof rec) return;
    if (memcmp(rec, "PK\6\6", 4) != 0) return;
    d->entries = le(rec + 32, 8);
    d->size = le(rec + 40, 8);
    d->offset = le(rec + 48, 8);
}

int zipin_read_cdir(int fd, zipin_cdir *d)
{
    /* the record (22 bytes) is followed by a comment of at most 65535 bytes */
    enum { TAIL = 22 + 65535 };
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 22) return 0;
    size_t n = size < TAIL ? (size_t)size : TAIL;
    off_t base = size - (off_t)n;
    unsigned char *buf = malloc(n);
    int found = 0;
    if (!buf || pread(fd, buf, n, base) != (ssize_t)n) { free(buf); return 0; }
    /* the last signature wins: the comment may hold the bytes of another */
    for (size_t i = n - 22 + 1; i-- > 0 && !found;) {
        const unsigned char *r = buf + i;
        if (memcmp(r, "PK\5\6", 4) != 0) continue;
        found = 1;
        d->entries = le(r + 10, 2);
        d->size = le(r + 12, 4);
        d->offset = le(r + 16, 4);
        if (d->entries == 0xffff || d->size == 0xffffffff || d->offset == 0xffffffff)
            read_zip64(fd, base + (off_t)i, d);
    }
    free(buf);
    return found;
}

/* Appends i to the list *v of *n indices. */
static int push(uint64_t **v, size_t *n, uint64_t i)
{
    if ((*n & (*n - 1)) == 0) {     /* grows at each power of two */
        uint64_t *nv = realloc(*v, (*n ? *n * 2 : 4) * sizeof **v);
        if (!nv) return -1;
        *v = nv;
    }
    (*v)[(*n)++] = i;
    return 0;
}

size_t zipin_nul_names(int fd, const zipin_cdir *d, uint64_t **idx)
{
    size_t n = 0;
    *idx = NULL;
    int dfd = dup(fd);
    FILE *f = dfd >= 0 ? fdopen(dfd, "rb") : NULL;
    if (!f) { if (dfd >= 0) close(dfd); return 0; }
    static const size_t NAMEMAX = 65535;
    unsigned char h[46], *name = malloc(NAMEMAX);
    if (name && fseeko(f, (off_t)d->offset, SEEK_SET) == 0) {
        for (uint64_t i = 0; i < d->entries; i++) {
            if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, "PK\1\2", 4) != 0) break;
            size_t nl = (size_t)le(h + 28, 2);
            if (fread(name, 1, nl, f) != nl) break;
            if (memchr(name, 0, nl) && push(idx, &n, i) != 0) break;
            if (fseeko(f, (off_t)(le(h + 30, 2) + le(h + 32, 2)), SEEK_CUR) != 0) break;
        }
    }
    free(name);
    fclose(f);
    return n;
}
