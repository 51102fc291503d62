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
    char msg[PATH_MAX + 256];
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

int fs_capture(const char *dropdir, const char *root,
               void (*warn)(void *ctx, const char *msg), void *ctx)
{
    char alock[PATH_MAX], rlock[PATH_MAX];
    int old = 0, moved = 0;
    DIR *d;
    struct dirent *e;

    if (fs_join(alock, sizeof alock, dropdir, WRITE_LOCK) != 0 ||
        fs_join(rlock, sizeof rlock, dropdir, READ_LOCK) != 0)
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

    /* 3. Our own read lock, holding the current time (never through a symbolic link:
     *    the drop directory is writable by the feeder). */
    {
        char stamp[32];
        int n = snprintf(stamp, sizeof stamp, "%ld\n", (long)time(NULL));
        int fd = open(rlock, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        int bad = fd < 0 || write(fd, stamp, (size_t)n) != n;
        if (fd >= 0)
            bad |= close(fd) != 0;
        if (bad) {
            say(warn, ctx, "drop directory %s: cannot write the read lock %s", dropdir,
                READ_LOCK);
            closedir(d);
            return -1;
        }
    }
    if (fs_mkdir_private(root) != 0) {
        say(warn, ctx, "cannot create the sync area %s%s", root, "");
        unlink(rlock);
        closedir(d);
        return -1;
    }

    /* 4. Move every plain file. */
    while ((e = readdir(d)) != NULL) {
        char src[PATH_MAX], dst[PATH_MAX];
        struct stat st;

        if (skipped_name(e->d_name))
            continue;
        if (fs_join(src, sizeof src, dropdir, e->d_name) != 0 ||
            fs_join(dst, sizeof dst, root, e->d_name) != 0)
            continue;
        /* lstat: sub-directories stay, and so do symbolic links, which could make us
         * copy a file the feeder may not read into the area. */
        if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (move_file(src, dst, root, e->d_name) != 0) {
            if (errno == ENOENT && access(src, F_OK) != 0)
                continue;   /* taken by a concurrent capture */
            char why[128];
            snprintf(why, sizeof why, "%s", strerror(errno));
            say(warn, ctx, "cannot capture %s: %s", src, why);
            continue;
        }
        moved++;
    }
    closedir(d);

    /* 5. Done. */
    unlink(rlock);
    return moved;
}
