/* Capture of the drop directory: files an external feeder left in <dataroot>/sync are
 * moved into the area root (spec 00 §2.2, with the engine's fixes).
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "fs_private.h"

#define WRITE_LOCK "alock.txt"   /* held by the remote feeder while it uploads */
#define READ_LOCK  "lock.txt"    /* held by us while capturing                 */
#define OLD_LOCK   (3 * 3600)    /* a lock older than this is suspicious       */

static void say(void (*warn)(void *, const char *), void *ctx, const char *fmt,
                const char *a, const char *b)
{
    char msg[2 * PATH_MAX + 256];
    if (!warn)
        return;
    snprintf(msg, sizeof msg, fmt, a, b);
    warn(ctx, msg);
}

/* 1 when the file exists, and *old set when its mtime is more than 3 hours ago.  The
 * plugin read a non-existent creation time, so every lock looked old. */
static int lock_exists(const char *path, int *old)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    *old = st.st_mtime < time(NULL) - OLD_LOCK;
    return 1;
}

/* Output files (leading '_'), hidden files and anything named like a lock stay. */
static int skipped_name(const char *name)
{
    return name[0] == '.' || name[0] == '_' || strstr(name, "lock") != NULL;
}

/* Moves one file; across file systems, a private copy is first written under a hidden
 * temporary name and then renamed over the target, so that a half-copied command file
 * is never visible in the area. */
static int move_file(const char *src, const char *dst, const char *root, const char *name)
{
    char tmp[PATH_MAX];

    if (rename(src, dst) == 0)
        return 0;
    if (errno != EXDEV)
        return -1;
    if (snprintf(tmp, sizeof tmp, "%s/.capture-%ld-%s", root, (long)getpid(), name)
        >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    unlink(tmp);            /* ours: left by a capture killed half-way */
    if (fs_copy_private(src, tmp) != 0)
        return -1;
    if (rename(tmp, dst) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return unlink(src) == 0 ? 0 : -1;
}

/* A file still being written is not captured: its last change must be `settle`
 * seconds old and its last line complete (a feeder paused in the middle of a line).
 * Returns NULL when stable, else why not. */
static const char *unstable(const char *path, const struct stat *st, int settle)
{
    if (settle > 0 && st->st_mtime > time(NULL) - settle)
        return "still being written (modified less than capturesettle seconds ago)";
    if (st->st_size == 0)
        return NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    char last = 0;
    ssize_t n = fd < 0 ? -1 : pread(fd, &last, 1, st->st_size - 1);
    if (fd >= 0)
        close(fd);
    if (n != 1)
        return "unreadable";
    return last == '\n' || last == '\r' ? NULL : "its last line is incomplete";
}

/* One drop entry: 1 moved, 0 left (skipped or held back, said), -1 failed (said). */
static int capture_one(const char *dropdir, const char *aroot, const char *name, int settle,
                       void (*warn)(void *, const char *), void *ctx)
{
    char src[PATH_MAX], dst[PATH_MAX];
    struct stat st;
    const char *why;

    if (skipped_name(name) || fs_join(src, sizeof src, dropdir, name) != 0 ||
        fs_join(dst, sizeof dst, aroot, name) != 0)
        return 0;
    /* lstat: sub-directories stay, and so do symbolic links, which could make us copy a
     * file the feeder may not read into the area. */
    if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if ((why = unstable(src, &st, settle)) != NULL) {
        say(warn, ctx, "capture: %s held back: %s", src, why);
        return 0;
    }
    /* The area's file of that name is being processed, or a crashed run left it
     * unfinished: replacing it would lose its lines.  The new one waits its turn. */
    if (fs_path_reserved(aroot, dst)) {
        say(warn, ctx, "capture: %s held back: %s is reserved or was left unfinished by a "
            "crashed run", src, dst);
        return 0;
    }
    if (move_file(src, dst, aroot, name) != 0) {
        if (errno == ENOENT && access(src, F_OK) != 0)
            return 0;   /* taken by a concurrent capture */
        char why2[128];
        snprintf(why2, sizeof why2, "%s", strerror(errno));
        say(warn, ctx, "cannot capture %s: %s", src, why2);
        return -1;
    }
    return 1;
}

/* Writes our read lock (never through a symbolic link: the drop directory is writable
 * by the feeder).  0 or -1. */
static int write_read_lock(const char *rlock)
{
    char stamp[32];
    int n = snprintf(stamp, sizeof stamp, "%ld\n", (long)time(NULL));
    int fd = open(rlock, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    int bad = fd < 0 || write(fd, stamp, (size_t)n) != n;
    if (fd >= 0)
        bad |= close(fd) != 0;
    return bad ? -1 : 0;
}

int fs_capture(const char *dropdir, const char *root, int settle,
               void (*warn)(void *ctx, const char *msg), void *ctx)
{
    char alock[PATH_MAX], rlock[PATH_MAX], aroot[PATH_MAX];
    int old = 0, moved = 0, al;
    DIR *d;
    struct dirent *e;

    if (fs_join(alock, sizeof alock, dropdir, WRITE_LOCK) != 0 ||
        fs_join(rlock, sizeof rlock, dropdir, READ_LOCK) != 0 ||
        fs_root_abs(root, aroot, sizeof aroot) != 0)
        return -1;

    /* 1. The feeder is still writing: capture nothing this time. */
    if (lock_exists(alock, &old)) {
        if (old)
            say(warn, ctx, "drop directory %s: the write lock %s is older than 3 hours "
                "(possible remote writer process issue)", dropdir, WRITE_LOCK);
        return 0;
    }
    d = opendir(dropdir);
    if (!d) {
        if (errno == ENOENT)
            return 0;       /* no drop directory: nothing was dropped */
        return -1;
    }
    /* 2. A previous capture did not finish: warn, go on. */
    if (lock_exists(rlock, &old) && old)
        say(warn, ctx, "drop directory %s: the read lock %s is older than 3 hours "
            "(possible local sync process issue)", dropdir, READ_LOCK);

    /* 3. Our own read lock, holding the current time. */
    if (write_read_lock(rlock) != 0) {
        say(warn, ctx, "drop directory %s: cannot write the read lock %s", dropdir,
            READ_LOCK);
        closedir(d);
        return -1;
    }
    if (fs_mkdir_private(aroot) != 0 || (al = fs_area_lock(aroot)) < 0) {
        say(warn, ctx, "cannot create the sync area %s%s", aroot, "");
        unlink(rlock);
        closedir(d);
        return -1;
    }

    /* 4. Move every stable plain file, under the area lock: no run can record a file
     *    as reserved between our check and our move. */
    while ((e = readdir(d)) != NULL) {
        int r = capture_one(dropdir, aroot, e->d_name, settle, warn, ctx);
        if (r > 0)
            moved++;
    }
    close(al);
    closedir(d);

    /* 5. Done. */
    unlink(rlock);
    return moved;
}
