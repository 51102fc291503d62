/* The zip input reader: an archive, entry by entry, with the unsafe entries refused and
 * the size limits enforced on the bytes actually inflated.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libzip reads the archive from its file; only the central directory is held in memory,
 * and its size is checked before libzip loads it (zipin_declared_entries).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zipin_private.h"

/* Does the file start as a zip does?  Tells a damaged (truncated) archive, which libzip
 * calls "not a zip" too since its end record is gone, from a file that never was one. */
static int starts_as_zip(int fd)
{
    unsigned char sig[4];
    return pread(fd, sig, 4, 0) == 4 && sig[0] == 'P' && sig[1] == 'K' &&
           ((sig[2] == 3 && sig[3] == 4) || (sig[2] == 5 && sig[3] == 6));
}

/* err for a libzip error code met while opening or reading. */
static void zip_err(zipin_error *err, int code, int fd, const char *label, const char *what)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    const char *msg = zip_error_strerror(&ze);
    const char *key = "zipcorrupt";
    switch (code) {
    case ZIP_ER_NOZIP: key = fd >= 0 && !starts_as_zip(fd) ? "notzip" : "zipcorrupt"; break;
    case ZIP_ER_OPEN: case ZIP_ER_READ: case ZIP_ER_SEEK: key = "unreadable"; break;
    case ZIP_ER_MEMORY: key = "nomemory"; break;
    case ZIP_ER_NOPASSWD: case ZIP_ER_WRONGPASSWD: case ZIP_ER_ENCRNOTSUPP: key = "encrypted"; break;
    case ZIP_ER_COMPNOTSUPP: key = "unsupported"; break;
    default: break;
    }
    zipin_seterr(err, key, "%s %s: %s", what, label, msg);
    zip_error_fini(&ze);
}

/* Refuses the whole archive when its directory declares far more entries than it may
 * hand out: libzip would hold all of them in memory before the first one is read. */
static int too_many_declared(const zipin_cdir *cd, const zipin_limits *lim, const char *label,
                             zipin_error *err)
{
    if (!lim->max_entries) return 0;
    if (lim->max_entries > UINT64_MAX / 2 || cd->entries <= 2 * lim->max_entries) return 0;
    zipin_seterr(err, "toomanyentries", "archive %s declares %llu entries (at most %llu are read)",
                 label, (unsigned long long)cd->entries, (unsigned long long)lim->max_entries);
    return 1;
}

/* The descriptor of path, when it is a regular file; -1 with err otherwise. */
static int open_regular(const char *path, const char *label, zipin_error *err)
{
    struct stat st;
    /* O_NONBLOCK: a FIFO put in the archive's place must not hang the run */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        zipin_seterr(err, "unreadable", "archive %s: %s", label, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        zipin_seterr(err, "unreadable", "archive %s: not a regular file", label);
        close(fd);
        return -1;
    }
    return fd;
}

static zipin *open_failed(zipin *z, int fd)
{
    if (fd >= 0) close(fd);
    if (z) {
        free(z->nul_names);
        free(z->label);
        free(z);
    }
    return NULL;
}

zipin *zipin_open(const char *path, const zipin_limits *lim, zipin_error *err)
{
    static const zipin_limits none = { 0, 0, 0, 0 };
    const char *slash = strrchr(path, '/');
    const char *label = slash ? slash + 1 : path;
    int fd = open_regular(path, label, err);
    if (fd < 0) return NULL;
    if (!lim) lim = &none;
    zipin_cdir cd;
    int have_cd = zipin_read_cdir(fd, &cd);
    if (have_cd && too_many_declared(&cd, lim, label, err)) return open_failed(NULL, fd);
    zipin *z = calloc(1, sizeof *z);
    if (!z || !(z->label = strdup(label))) {
        zipin_seterr(err, "nomemory", "archive %s: out of memory", label);
        return open_failed(z, fd);
    }
    if (have_cd) z->n_nul = zipin_nul_names(fd, &cd, &z->nul_names);
    int code = 0;
    /* zip_fdopen reads the very file checked above; it owns fd once it succeeds */
    if (!(z->za = zip_fdopen(fd, ZIP_RDONLY, &code))) {
        zip_err(err, code, fd, z->label, "archive");
        return open_failed(z, fd);
    }
    z->lim = *lim;
    z->count = (zip_uint64_t)zip_get_num_entries(z->za, 0);
    z->cur = -1;
    z->refs = 1;
    return z;
}

/* Directories carry no data: a name ending in "/" (how zip marks them), or a Unix
 * directory mode. */
static int is_directory(const char *name, zip_uint32_t attr)
{
    size_t n = strlen(name);
    return (n > 0 && name[n - 1] == '/') || ((attr >> 16) & S_IFMT) == S_IFDIR;
}

static void refuse(zipin_entry *e, const char *key, const char *quoted, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void refuse(zipin_entry *e, const char *key, const char *quoted, const char *fmt, ...)
{
    char t[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    e->refused = 1;
    e->refusal_key = key;
    snprintf(e->refusal_text, sizeof e->refusal_text, "entry %s: %s", quoted, t);
}

/* Refusals that the entry's name and attributes decide. */
static void judge_kind(zipin *z, zip_uint64_t i, const zip_stat_t *st, zip_uint32_t attr,
                       zipin_entry *e, const char *q)
{
    const char *why = NULL;
    const char *key = zipin_name_refusal(zip_get_name(z->za, i, ZIP_FL_ENC_RAW), &why);
    zip_uint32_t type = (attr >> 16) & S_IFMT;
    while (z->nul_next < z->n_nul && z->nul_names[z->nul_next] < i) z->nul_next++;
    if (z->nul_next < z->n_nul && z->nul_names[z->nul_next] == i)
        refuse(e, "badname", q, "has a NUL byte in its name");
    else if (key)
        refuse(e, key, q, "%s", why);
    else if (type == S_IFLNK)
        refuse(e, "symlink", q, "is a symbolic link");
    else if (type != 0 && type != S_IFREG)
        refuse(e, "specialfile", q, "is not a regular file");
    else if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) && st->encryption_method != ZIP_EM_NONE)
        refuse(e, "encrypted", q, "is encrypted");
    else if ((st->valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(st->comp_method, 0))
        refuse(e, "unsupported", q, "uses an unsupported compression method (%u)", (unsigned)st->comp_method);
}

/* Refusals that the limits decide (the count, the declared sizes, the ratio). */
static void judge_limits(zipin *z, const zip_stat_t *st, zipin_entry *e, const char *q)
{
    const zipin_limits *l = &z->lim;
    unsigned long long size = st->size, comp = st->comp_size;
    if (l->max_entries && z->data_entries > l->max_entries)
        refuse(e, "toomanyentries", q, "comes after the first %llu entries", (unsigned long long)l->max_entries);
    else if (l->max_ratio > 0 && size >= ZIPIN_RATIO_FLOOR && (comp == 0 || (double)size / (double)comp > l->max_ratio))
        refuse(e, "zipbomb", q, "inflates far too much (%llu bytes from %llu compressed)", size, comp);
    else if (l->max_entry_size && size > l->max_entry_size)
        refuse(e, "toolarge", q, "declares %llu bytes (at most %llu)", size, (unsigned long long)l->max_entry_size);
    else if (l->max_total_size && (z->total_passed || size > l->max_total_size - z->total)) {
        z->total_passed = 1;
        refuse(e, "archivetoolarge", q, "comes after the archive's first %llu bytes in all",
               (unsigned long long)l->max_total_size);
    }
    if (!e->refused) z->total += size;
}

static void end_current(zipin *z)
{
    if (z->zf) zip_fclose(z->zf);
    z->zf = NULL;
    z->cur = -1;
    z->cur_readable = 0;
}

int zipin_next(zipin *z, zipin_entry *e, zipin_error *err)
{
    end_current(z);
    memset(e, 0, sizeof *e);
    while (z->next < z->count) {
        zip_uint64_t i = z->next++;
        zip_stat_t st;
        zip_uint8_t opsys;
        zip_uint32_t attr = 0;
        const char *name = zip_get_name(z->za, i, 0);
        if (!name || zip_stat_index(z->za, i, 0, &st) != 0 ||
            zip_file_get_external_attributes(z->za, i, 0, &opsys, &attr) != 0) {
            zip_err(err, zip_error_code_zip(zip_get_error(z->za)), -1, z->label, "archive");
            return -1;
        }
        if (is_directory(name, attr)) continue;
        z->data_entries++;
        e->number = (long)(i + 1);
        e->name = name;
        e->size = st.size;
        char q[200];
        zipin_quote(q, sizeof q, name);
        judge_kind(z, i, &st, attr, e, q);
        if (!e->refused) judge_limits(z, &st, e, q);
        z->cur = (zip_int64_t)i;
        z->cur_name = name;
        z->cur_readable = !e->refused;
        z->cur_size = st.size;
        z->cur_read = 0;
        return 1;
    }
    return 0;
}

/* Marks the current entry unreadable after an error, so that a caller that goes on
 * reading gets the error again instead of the middle of a damaged stream. */
static long read_failed(zipin *z)
{
    z->cur_readable = 0;
    if (z->zf) zip_fclose(z->zf);
    z->zf = NULL;
    return -1;
}

long zipin_read(zipin *z, void *buf, size_t len, zipin_error *err)
{
    char q[200];
    if (z->cur < 0 || !z->cur_readable) {
        zipin_seterr(err, "noentry", "archive %s: no readable current entry", z->label);
        return -1;
    }
    zipin_quote(q, sizeof q, z->cur_name);
    if (!z->zf && !(z->zf = zip_fopen_index(z->za, (zip_uint64_t)z->cur, 0))) {
        zip_err(err, zip_error_code_zip(zip_get_error(z->za)), -1, q, "entry");
        return read_failed(z);
    }
    /* Never ask for more than one byte past what the entry may hold: the declared size
     * (already within max_entry_size), so that a lying header is caught at once. */
    uint64_t allowed = z->cur_size;
    if (z->lim.max_entry_size && z->lim.max_entry_size < allowed) allowed = z->lim.max_entry_size;
    uint64_t room = allowed - z->cur_read + 1;
    if (len > room) len = (size_t)room;
    if (len > LONG_MAX) len = LONG_MAX;
    zip_int64_t n = zip_fread(z->zf, buf, len);
    if (n < 0) {
        zip_err(err, zip_error_code_zip(zip_file_get_error(z->zf)), -1, q, "entry");
        return read_failed(z);
    }
    z->cur_read += (uint64_t)n;
    if (z->cur_read > allowed) {
        if (allowed < z->cur_size)
            zipin_seterr(err, "toolarge", "entry %s: more than %llu bytes", q, (unsigned long long)allowed);
        else
            zipin_seterr(err, "zipbomb", "entry %s: inflates past its declared size of %llu bytes (a crafted archive)",
                         q, (unsigned long long)z->cur_size);
        return read_failed(z);
    }
    return (long)n;
}

int zipin_read_all(zipin *z, unsigned char **data, size_t *len, zipin_error *err)
{
    /* Grow as the bytes come rather than trusting the declared size for the first
     * allocation: a header declaring the limit for a few bytes costs a few bytes. */
    size_t cap = 0, n = 0;
    unsigned char *buf = NULL;
    *data = NULL;
    *len = 0;
    for (;;) {
        if (cap - n < 2) {
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                zipin_seterr(err, "nomemory", "archive %s: out of memory", z->label);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        long r = zipin_read(z, buf + n, cap - n - 1, err);
        if (r < 0) { free(buf); return -1; }
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

void zipin_release(zipin *z)
{
    if (--z->refs > 0) return;
    zip_discard(z->za);
    free(z->nul_names);
    free(z->label);
    free(z);
}

void zipin_close(zipin *z)
{
    if (!z) return;
    end_current(z);
    zipin_release(z);
}
