/* The tryback of an archive: a new zip holding copies of the failed entries.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The path is reserved at once with an empty file created exclusively, mode 0600 (never
 * an existing file, never through a link).  libzip writes the archive only at
 * zipout_close, into a private directory (0700) beside the path, because it writes
 * through a temporary file of its own that it makes readable by all (0666 & ~umask)
 * and the tryback holds personal data; the complete archive is then made 0600, synced,
 * and renamed over the reservation.  On any failure nothing is left: neither the
 * reservation nor the partial archive.
 *
 * The input archive is held open (a reference) until the tryback is written, so the caller
 * may close it before zipout_close.
 *
 * Entries are copied as stored (libzip's zip_source_zip copies the compressed data when
 * the whole entry is asked for): byte-equal content, bounded memory, and a zip bomb
 * is copied without ever being inflated.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zipin_private.h"

struct zipout {
    zip_t *za;
    char *path;                 /* the tryback, reserved */
    char *tmpdir;               /* private directory where libzip writes */
    char *tmpzip;               /* the archive inside it */
    zipin *src;                 /* the archive the entries come from (held open until written) */
    long added;
};

/* Removes whatever libzip may have left in the private directory, then the directory. */
static void remove_tmpdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Frees o; with drop, also removes the reservation and the private directory. */
static void zipout_free(zipout *o, int drop)
{
    if (drop) {
        if (o->tmpdir) remove_tmpdir(o->tmpdir);
        unlink(o->path);
    }
    if (o->src) zipin_release(o->src);
    free(o->path);
    free(o->tmpdir);
    free(o->tmpzip);
    free(o);
}

/* Makes the private directory beside path: ".<name>.XXXXXX" in the same directory, so
 * that the final rename never crosses file systems. */
static int make_tmpdir(zipout *o)
{
    const char *slash = strrchr(o->path, '/');
    int dirlen = slash ? (int)(slash - o->path) : 1;
    const char *dir = slash ? o->path : ".";
    const char *base = slash ? slash + 1 : o->path;
    size_t n = strlen(o->path) + 32;
    char *d = malloc(n);
    if (!d || !(o->tmpzip = malloc(n + 16))) { free(d); return -1; }
    snprintf(d, n, "%.*s/.%s.XXXXXX", dirlen, dir, base);
    if (!mkdtemp(d)) { free(d); return -1; }
    o->tmpdir = d;      /* only once it exists: zipout_free removes it */
    snprintf(o->tmpzip, n + 16, "%s/tryback.zip", o->tmpdir);
    return 0;
}

zipout *zipout_create(const char *path, zipin_error *err)
{
    zipout *o = calloc(1, sizeof *o);
    if (!o || !(o->path = strdup(path))) {
        free(o);
        zipin_seterr(err, "nomemory", "tryback %s: out of memory", path);
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        zipin_seterr(err, e == EEXIST || e == ELOOP ? "exists" : "writefailed", "tryback %s: %s",
                     path, e == EEXIST ? "already exists (never overwritten)" : strerror(e));
        zipout_free(o, 0);
        return NULL;
    }
    close(fd);
    if (make_tmpdir(o) != 0) {
        zipin_seterr(err, "writefailed", "tryback %s: cannot make a private directory beside it: %s",
                     path, strerror(errno));
        zipout_free(o, 1);
        return NULL;
    }
    int code = 0;
    if (!(o->za = zip_open(o->tmpzip, ZIP_CREATE | ZIP_EXCL, &code))) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        zipin_seterr(err, "writefailed", "tryback %s: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zipout_free(o, 1);
        return NULL;
    }
    return o;
}

/* Reads entry i's stored bytes through once: the copy happens only at zipout_close, and
 * one entry whose data cannot be read (damaged, cut short) must not cost the whole
 * tryback then.  0, or a libzip error code. */
static int stored_bytes_readable(zip_t *za, zip_uint64_t i)
{
    char buf[16384];
    zip_file_t *f = zip_fopen_index(za, i, ZIP_FL_COMPRESSED);
    if (!f) return zip_error_code_zip(zip_get_error(za));
    zip_int64_t n;
    while ((n = zip_fread(f, buf, sizeof buf)) > 0) continue;
    int code = n < 0 ? zip_error_code_zip(zip_file_get_error(f)) : 0;
    zip_fclose(f);
    return code;
}

/* Adds entry i of src to o; 0, or a libzip error code. */
static int copy_entry(zipout *o, zip_t *src, zip_uint64_t i, const char *raw)
{
    int code = stored_bytes_readable(src, i);
    if (code) return code;
    zip_source_t *s = zip_source_zip(o->za, src, i, 0, 0, 0);
    zip_int64_t added = s ? zip_file_add(o->za, raw, s, ZIP_FL_ENC_GUESS) : -1;
    if (added < 0) {
        if (s) zip_source_free(s);
        return zip_error_code_zip(zip_get_error(o->za));
    }
    /* libzip copies the attributes too: a link or a device refused in the input must
     * come out of the tryback as a plain file, private as every tryback is */
    zip_file_set_external_attributes(o->za, (zip_uint64_t)added, 0, ZIP_OPSYS_UNIX,
                                     (zip_uint32_t)(S_IFREG | 0600) << 16);
    return 0;
}

int zipout_add_entry(zipout *o, zipin *z, long number, zipin_error *err)
{
    if (number < 1 || (zip_uint64_t)number > z->count) {
        zipin_seterr(err, "noentry", "archive %s has no entry %ld", z->label, number);
        return -1;
    }
    if (o->src && o->src != z) {
        zipin_seterr(err, "noentry", "a tryback holds the entries of one archive, not also of %s", z->label);
        return -1;
    }
    zip_uint64_t i = (zip_uint64_t)number - 1;
    /* the name as stored, bytes unchanged: libzip sets the UTF-8 flag again if it is UTF-8 */
    const char *raw = zip_get_name(z->za, i, ZIP_FL_ENC_RAW);
    int code = raw ? copy_entry(o, z->za, i, raw) : zip_error_code_zip(zip_get_error(z->za));
    if (code) {
        char q[200];
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        zipin_quote(q, sizeof q, raw ? raw : "?");
        zipin_seterr(err, code == ZIP_ER_EXISTS ? "exists" : code == ZIP_ER_NOPASSWD ? "encrypted" : "zipcorrupt",
                     "entry %s of %s cannot be copied into the tryback: %s", q, z->label,
                     code == ZIP_ER_EXISTS ? "an entry of that name is already there" : zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    if (!o->src) {
        o->src = z;
        z->refs++;
    }
    o->added++;
    return 0;
}

/* Gives the finished archive its mode and puts it on disk for good before it takes the
 * reservation's place: a tryback that a crash could leave half-written is no tryback. */
static int commit(zipout *o, zipin_error *err)
{
    int fd = open(o->tmpzip, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fchmod(fd, 0600) != 0 || fsync(fd) != 0 || rename(o->tmpzip, o->path) != 0) {
        zipin_seterr(err, "writefailed", "tryback %s: %s", o->path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int zipout_close(zipout *o, zipin_error *err)
{
    if (o->added == 0) {
        zip_discard(o->za);
        zipout_free(o, 1);
        return 0;
    }
    if (zip_close(o->za) != 0) {
        zipin_seterr(err, "writefailed", "tryback %s could not be written: %s", o->path, zip_strerror(o->za));
        zip_discard(o->za);
        zipout_free(o, 1);
        return -1;
    }
    if (commit(o, err) != 0) {
        zipout_free(o, 1);
        return -1;
    }
    rmdir(o->tmpdir);
    zipout_free(o, 0);
    return 0;
}
