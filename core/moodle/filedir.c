/* Moodle's content pool: <dataroot>/filedir/<h0h1>/<h2h3>/<sha1>, written as
 * file_system_filedir does (temporary file, then its name), but never replacing a file.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "moodle/moodle.h"

void moodle_sha1_hex(const void *data, size_t len, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL))
        mdlen = 0;        /* cannot happen with the default provider; an empty hash fails later */
    for (unsigned i = 0; i < mdlen && i < 20; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[mdlen ? 40 : 0] = '\0';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A new folder or file gets the owner of filedir/ when we run as root: Moodle's own
 * files belong to the web server's user, which must be able to read and replace them. */
static void give_owner(const moodle_pool *p, int fd)
{
    if (p->uid != (uid_t)-1 && geteuid() == 0 && fchown(fd, p->uid, p->gid) != 0)
        (void)0;   /* a filesystem without owners: the modes still let the server read */
}

/* The sub-folder `name` of dirfd, created with Moodle's mode when missing; never
 * through a link (an attacker's link would carry content out of filedir). */
static int open_subdir(const moodle_pool *p, int dirfd, const char *name, char *err,
                       size_t errlen)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT) {
        if (fd < 0)
            fail(err, errlen, "filedir/…/%s: %s", name, strerror(errno));
        return fd;
    }
    if (p->dry)
        return -2;                                  /* nothing created in a dry run */
    if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
        return fail(err, errlen, "cannot create filedir/…/%s: %s", name, strerror(errno));
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, "filedir/…/%s: %s", name, strerror(errno));
    struct stat st;
    /* Moodle's umask lets directorypermissions through whole; setgid comes from the
     * parent folder as mkdir gives it on Linux. */
    mode_t keep = fstat(fd, &st) == 0 ? (st.st_mode & S_ISGID) : 0;
    give_owner(p, fd);
    if (fchmod(fd, (p->dirmode & 0777) | keep) != 0) {
        close(fd);
        return fail(err, errlen, "cannot set the mode of filedir/…/%s: %s", name,
                    strerror(errno));
    }
    return fd;
}

/* Does the file `name` in dirfd hold exactly this content?  1 yes, 0 no, -1 error. */
static int same_content(int dirfd, const char *name, const char *hash, size_t len)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int same = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
        unsigned char *buf = len ? malloc(len) : NULL;
        size_t got = 0;
        ssize_t k = 0;
        while (buf && got < len && (k = read(fd, buf + got, len - got)) > 0)
            got += (size_t)k;
        if (got == len) {
            char h[41];
            moodle_sha1_hex(buf ? buf : (unsigned char *)"", len, h);
            same = strcmp(h, hash) == 0;
        }
        free(buf);
    }
    close(fd);
    return same;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Writes a temporary file in dirfd, then links it to `hash`: the name appears whole or
 * not at all, and link (unlike rename) never replaces a file that is there. */
static int write_new(const moodle_pool *p, int dirfd, const char *hash, const void *data,
                     size_t len, char *err, size_t errlen)
{
    char tmp[80];
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
        snprintf(tmp, sizeof tmp, ".%s.%ld.%d.tmp", hash, (long)getpid(), rand());
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return fail(err, errlen, "cannot create a file in filedir: %s", strerror(errno));
    }
    if (fd < 0)
        return fail(err, errlen, "cannot create a temporary file in filedir");
    give_owner(p, fd);
    int ok = write_all(fd, data, len) == 0 && fchmod(fd, p->filemode & 07777) == 0 &&
             fdatasync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && linkat(dirfd, tmp, dirfd, hash, 0) != 0) {
        saved = errno;
        ok = saved == EEXIST ? 2 : 0;
    }
    unlinkat(dirfd, tmp, 0);
    if (ok == 2) {       /* written meanwhile by someone else: it must be this content */
        if (same_content(dirfd, hash, hash, len) == 1)
            return 0;
        return fail(err, errlen, "filedir content %s exists and does not hash to its name: "
                    "left as it is", hash);
    }
    if (!ok)
        return fail(err, errlen, "cannot write filedir content %s: %s", hash, strerror(saved));
    fsync(dirfd);        /* the name is durable before the row that points to it commits */
    return 0;
}

int moodle_pool_store(const moodle_pool *p, const void *data, size_t len, char hash[41],
                      char *err, size_t errlen)
{
    moodle_sha1_hex(data ? data : "", len, hash);
    if (!p || !*p->filedir)
        return fail(err, errlen, "moodle.dataroot is not set: no filedir to store content in");
    int root = open(p->filedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail(err, errlen, "%s: %s", p->filedir, strerror(errno));
    char l1[3] = { hash[0], hash[1], 0 }, l2[3] = { hash[2], hash[3], 0 };
    int rc = -1, d1 = open_subdir(p, root, l1, err, errlen), d2 = -1;
    if (d1 >= 0)
        d2 = open_subdir(p, d1, l2, err, errlen);
    if (d1 == -2 || d2 == -2)
        rc = 0;                                   /* dry run: the folder would be created */
    else if (d2 >= 0) {
        struct stat st;
        if (fstatat(d2, hash, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            rc = same_content(d2, hash, hash, len) == 1 ? 0
               : fail(err, errlen, "filedir content %s exists and does not hash to its "
                      "name: left as it is", hash);
        } else if (errno != ENOENT)
            rc = fail(err, errlen, "filedir content %s: %s", hash, strerror(errno));
        else
            rc = p->dry ? 0 : write_new(p, d2, hash, data ? data : "", len, err, errlen);
    }
    if (d2 >= 0)
        close(d2);
    if (d1 >= 0)
        close(d1);
    close(root);
    return rc;
}

int moodle_pool_open(moodle_pool *p, const char *dataroot, const char *dirperms,
                     const char *fileperms, int dry, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->uid = (uid_t)-1;
    p->gid = (gid_t)-1;
    p->dry = dry;
    if (!dataroot || !*dataroot)
        return fail(err, errlen, "moodle.dataroot is not set: no filedir to store content in");
    char *end;
    long dm = dirperms && *dirperms ? strtol(dirperms, &end, 8) : 02777;
    if (dirperms && *dirperms && (*end || dm < 0 || dm > 07777))
        return fail(err, errlen, "moodle.directorypermissions '%s' is not an octal mode",
                    dirperms);
    long fm = fileperms && *fileperms ? strtol(fileperms, &end, 8) : (dm & 0666);
    if (fileperms && *fileperms && (*end || fm < 0 || fm > 07777))
        return fail(err, errlen, "moodle.filepermissions '%s' is not an octal mode", fileperms);
    p->dirmode = (unsigned)dm;
    p->filemode = (unsigned)fm;
    snprintf(p->filedir, sizeof p->filedir, "%s/filedir", dataroot);
    struct stat st;
    if (stat(p->filedir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s is not Moodle's dataroot: it holds no filedir/", dataroot);
    p->uid = st.st_uid;
    p->gid = st.st_gid;
    return 0;
}
