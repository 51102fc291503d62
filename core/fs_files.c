/* The sync area's files: derived names, private (0600) creation, archive, cleanup,
 * discard-on-failure renaming and the scheduled area cleanup (spec 00 §4, §7, §8, §12).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* renameat2 */
#endif
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "fs_private.h"

/* ---------------------------------------------------------------------------------
 * Small path helpers shared by the fs_*.c files.
 * ------------------------------------------------------------------------------- */

int fs_join(char *out, size_t len, const char *a, const char *b)
{
    size_t la = strlen(a);
    /* "/" + "x" gives "/x", not "//x". */
    const char *sep = (la > 0 && a[la - 1] == '/') ? "" : "/";
    int n = snprintf(out, len, "%s%s%s", a, sep, b);
    if (n < 0 || (size_t)n >= len) {
        if (len)
            out[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

const char *fs_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

size_t fs_ext_pos(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return strlen(name);
    return (size_t)(dot - name);
}

int fs_mkdir_private(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int fs_root_abs(const char *root, char *out, size_t len)
{
    char cwd[PATH_MAX];
    int n;

    if (!root || !*root) {
        errno = EINVAL;
        return -1;
    }
    if (root[0] == '/') {
        n = snprintf(out, len, "%s", root);
    } else {
        if (!getcwd(cwd, sizeof cwd))
            return -1;
        /* "." alone names the working directory itself. */
        if (strcmp(root, ".") == 0)
            n = snprintf(out, len, "%s", cwd);
        else
            n = snprintf(out, len, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", root);
    }
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* Drop trailing slashes, but keep "/" itself. */
    for (size_t l = strlen(out); l > 1 && out[l - 1] == '/'; l--)
        out[l - 1] = '\0';
    return 0;
}

/* ---------------------------------------------------------------------------------
 * Names.
 * ------------------------------------------------------------------------------- */

void fs_stamp(time_t t, char out[16])
{
    struct tm tm;
    /* Seconds, not minutes: two runs of one file in the same minute (a re-run, a dry
     * run after a real run) must not even try the same name. */
    if (!localtime_r(&t, &tm) || strftime(out, 16, "%Y%m%d-%H%M%S", &tm) == 0)
        snprintf(out, 16, "00000000-000000");
}

/* The stamp of run `t`, and for the seq-th try (seq >= 2) "-<seq>" after it: names are
 * created exclusively, so a name taken by another run of the same second moves on. */
static void stamp_seq(time_t t, int seq, char out[32])
{
    char stamp[16];
    fs_stamp(t, stamp);
    if (seq >= 2)
        snprintf(out, 32, "%s-%d", stamp, seq);
    else
        snprintf(out, 32, "%s", stamp);
}

/* Writes the formatted name, or "" when it does not fit: a truncated name could point
 * at another file, an empty one makes the later open fail instead. */
static void fit(char *out, size_t len, int n)
{
    if ((n < 0 || (size_t)n >= len) && len)
        out[0] = '\0';
}

void fs_tryback_name(const char *input_path, time_t t, int simulated, int seq,
                     char *out, size_t len)
{
    char stamp[32];
    const char *name = fs_basename(input_path);
    size_t dirlen = (size_t)(name - input_path);
    size_t dot = fs_ext_pos(name);

    stamp_seq(t, seq, stamp);
    /* No extension → no trailing dot (the plugin wrote one; spec 00 §7). */
    int n = snprintf(out, len, "%.*s%.*s_tryback_%s%s%s", (int)dirlen, input_path,
                     (int)dot, name, simulated ? "sim_" : "", stamp, name + dot);
    fit(out, len, n);
}

void fs_report_name(const char *root, const char *input_name, time_t t, int seq,
                    char *out, size_t len)
{
    char stamp[32];
    stamp_seq(t, seq, stamp);
    int n = snprintf(out, len, "%s%s" FS_REPORTS_DIR "/%s_report_%s", root,
                     root[0] && root[strlen(root) - 1] == '/' ? "" : "/", stamp,
                     fs_basename(input_name));
    fit(out, len, n);
}

void fs_archive_name(const char *root, const char *input_name, time_t t, int seq,
                     char *out, size_t len)
{
    char stamp[32];
    stamp_seq(t, seq, stamp);
    int n = snprintf(out, len, "%s%s" FS_ARCHIVES_DIR "/%s_%s", root,
                     root[0] && root[strlen(root) - 1] == '/' ? "" : "/", stamp,
                     fs_basename(input_name));
    fit(out, len, n);
}

/* ---------------------------------------------------------------------------------
 * Private files.
 * ------------------------------------------------------------------------------- */

/* Always a new file: O_EXCL never opens an existing file, nor a symbolic or hard link
 * planted at the path, so nothing that is already there can be truncated or written
 * through (the caller picks another name on EEXIST). */
static int open_private(const char *path)
{
    return open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
}

FILE *fs_create_private(const char *path)
{
    int fd;
    FILE *fp;

    if (!path || !*path) {
        errno = EINVAL;
        return NULL;
    }
    fd = open_private(path);
    if (fd < 0 && errno == ENOENT) {
        /* archives/ and reports/ are created on demand; only the last level, so that a
         * mistyped area root is not silently built. */
        char parent[PATH_MAX];
        const char *name = fs_basename(path);
        size_t dl = (size_t)(name - path);
        if (dl > 1 && dl < sizeof parent) {
            memcpy(parent, path, dl - 1);
            parent[dl - 1] = '\0';
            if (fs_mkdir_private(parent) == 0)
                fd = open_private(path);
        }
        if (fd < 0)
            errno = ENOENT;
    }
    if (fd < 0)
        return NULL;
    /* Exactly 0600 whatever the umask. */
    if (fchmod(fd, 0600) != 0 || !(fp = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    return fp;
}

int fs_copy_private(const char *src, const char *dst)
{
    char buf[65536];
    int in, e;
    FILE *out;
    ssize_t n;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    out = fs_create_private(dst);
    if (!out) {
        e = errno;
        close(in);
        errno = e;
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
            goto fail;
    }
    close(in);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        e = errno;
        fclose(out);
        unlink(dst);
        errno = e;
        return -1;
    }
    if (fclose(out) != 0) {
        e = errno;
        unlink(dst);
        errno = e;
        return -1;
    }
    return 0;
fail:
    e = errno;
    close(in);
    fclose(out);
    unlink(dst);
    errno = e;
    return -1;
}

/* ---------------------------------------------------------------------------------
 * Archive, cleanup, discard.
 * ------------------------------------------------------------------------------- */

int fs_first_free(fs_namer name, const void *nctx, fs_maker make, void *mctx,
                  char *out, size_t len)
{
    for (int seq = 1; seq <= FS_MAX_SEQ; seq++) {
        name(nctx, seq, out, len);
        if (!out[0]) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (make(mctx, out) == 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    if (len)
        out[0] = '\0';
    return -1;
}

/* fs_first_free callbacks of the archive and of the discarded file. */
typedef struct { const char *root, *path; time_t t; } archive_ctx;

static void archive_namer(const void *c, int seq, char *out, size_t len)
{
    const archive_ctx *a = c;
    fs_archive_name(a->root, a->path, a->t, seq, out, len);
}

static int copy_maker(void *src, const char *dst) { return fs_copy_private(src, dst); }

static void discard_namer(const void *c, int seq, char *out, size_t len)
{
    /* <name>-tryback-failed[-<n>]<.ext>: still excluded from selection by its marker */
    const char *path = c, *name = fs_basename(path);
    size_t dot = (size_t)(name - path) + fs_ext_pos(name);
    char num[16] = "";
    if (seq >= 2)
        snprintf(num, sizeof num, "-%d", seq);
    fit(out, len, snprintf(out, len, "%.*s-tryback-failed%s%s", (int)dot, path, num, path + dot));
}

static int rename_maker(void *src, const char *dst) { return fs_rename_noreplace(src, dst); }

int fs_archive(const char *root, const char *path, time_t t, char *archived, size_t len)
{
    char dir[PATH_MAX], dst[PATH_MAX];
    archive_ctx a = { root, path, t };

    if (archived && len)
        archived[0] = '\0';
    if (fs_join(dir, sizeof dir, root, FS_ARCHIVES_DIR) != 0 || fs_mkdir_private(dir) != 0)
        return -1;
    /* Never over an older archive: the next free name of this second. */
    if (fs_first_free(archive_namer, &a, copy_maker, (void *)path, dst, sizeof dst) != 0)
        return -1;
    if (archived && len)
        snprintf(archived, len, "%s", dst);
    return 0;
}

int fs_cleanup(const char *path)
{
    return unlink(path) == 0 ? 0 : -1;
}

int fs_rename_noreplace(const char *src, const char *dst)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    /* File systems without RENAME_NOREPLACE: link() refuses an existing target too. */
    if (link(src, dst) != 0)
        return -1;
    if (unlink(src) != 0) {
        int e = errno;
        unlink(dst);
        errno = e;
        return -1;
    }
    return 0;
}

int fs_discard_failed(const char *path, char *newpath, size_t len)
{
    char dst[PATH_MAX];

    if (newpath && len)
        newpath[0] = '\0';
    /* An older discarded file keeps its name: this one takes the next free one. */
    if (fs_first_free(discard_namer, path, rename_maker, (void *)path, dst, sizeof dst) != 0)
        return -1;
    if (newpath && len)
        snprintf(newpath, len, "%s", dst);
    return 0;
}

/* ---------------------------------------------------------------------------------
 * Area cleanup (spec 00 §12).
 * ------------------------------------------------------------------------------- */

typedef struct {
    time_t cutoff;
    const char *const *protected_names;
    void (*removed)(void *ctx, const char *path);
    void *ctx;
    int count;
    int failed;
} sweep;

/* A protected entry names an area-relative path ("enrols.csv", "in/enrols.csv", a
 * leading '/' allowed); wildcard locations ("chunk*.csv") protect their matches. */
static int is_protected(const sweep *s, const char *rel)
{
    if (!s->protected_names)
        return 0;
    for (const char *const *p = s->protected_names; *p; p++) {
        const char *pat = *p;
        while (*pat == '/')
            pat++;
        if (!*pat)
            continue;
        if (strcmp(pat, rel) == 0 || fnmatch(pat, rel, FNM_PATHNAME | FNM_PERIOD) == 0)
            return 1;
    }
    return 0;
}

/* An output of the engine: everything under archives/ and reports/, and tryback or
 * discarded files anywhere.  Only these are the cleanup's: an input waiting in a
 * sub-folder or as a wildcard chunk must never go, whatever the handlers' locations. */
static int is_output(const char *rel, const char *name)
{
    size_t la = strlen(FS_ARCHIVES_DIR), lr = strlen(FS_REPORTS_DIR);
    if ((strncmp(rel, FS_ARCHIVES_DIR, la) == 0 && rel[la] == '/') ||
        (strncmp(rel, FS_REPORTS_DIR, lr) == 0 && rel[lr] == '/'))
        return 1;
    return strstr(name, "_tryback_") != NULL || strstr(name, "-tryback-failed") != NULL;
}

/* Walks one directory (dfd, owned here) whose absolute path is `path` and area-relative
 * path is `rel` ("" for the root).  Symbolic links are never followed. */
static void sweep_dir(sweep *s, int dfd, const char *path, const char *rel)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;

    if (!d) {
        close(dfd);
        s->failed = 1;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char full[PATH_MAX], sub[PATH_MAX];
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!*rel && strcmp(e->d_name, FS_LOCKS_DIR) == 0)
            continue;   /* reservations are not files of the area */
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;   /* vanished meanwhile */
        if (fs_join(full, sizeof full, path, e->d_name) != 0)
            continue;
        if (*rel)
            snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        else
            snprintf(sub, sizeof sub, "%s", e->d_name);

        if (S_ISDIR(st.st_mode)) {
            int sfd = openat(dirfd(d), e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sfd < 0) {
                s->failed = 1;
                continue;
            }
            sweep_dir(s, sfd, full, sub);
            continue;
        }
        if (st.st_mtime >= s->cutoff || !is_output(sub, e->d_name) || is_protected(s, sub))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
            if (errno != ENOENT)
                s->failed = 1;
            continue;
        }
        s->count++;
        if (s->removed)
            s->removed(s->ctx, full);
    }
    closedir(d);
}

int fs_area_cleanup(const char *root, int days, const char *const *protected_names,
                    void (*removed)(void *ctx, const char *path), void *ctx)
{
    char abs[PATH_MAX];
    sweep s = { 0 };
    int fd;

    if (days <= 0)
        return 0;           /* fileareacleanupdelay empty or 0: nothing to do */
    if (fs_root_abs(root, abs, sizeof abs) != 0)
        return -1;
    fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    s.cutoff = time(NULL) - (time_t)days * 86400;
    s.protected_names = protected_names;
    s.removed = removed;
    s.ctx = ctx;
    sweep_dir(&s, fd, abs, "");
    return s.failed ? -1 : s.count;
}
