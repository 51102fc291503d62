/* Reservation of a tool while it processes a file (spec 00 §4): an flock for "is a run
 * alive?" and a state record for "which file was a dead run processing?".
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * <root>/.locks/<name>.lock   flock(LOCK_EX) held for the whole run; never deleted, so
 *                             that two runs never lock two different inodes.
 * <root>/.locks/<name>.state  "pid=<pid>\nstarted=<unix time>\nfile=<path>", present only
 *                             while a run holds the lock; a state found with the lock
 *                             free means the previous holder died (crash, kill, timeout).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filestore.h"
#include "fs_private.h"

struct fs_lock {
    int fd;
    char root[PATH_MAX];
    time_t started;
    int stale;              /* the previous holder died without releasing */
    char state[PATH_MAX];
};

static int valid_name(const char *name)
{
    return name && *name && name[0] != '.' && !strchr(name, '/') &&
           strlen(name) < NAME_MAX - 16;
}

/* Reads the file recorded in a state file into out; 1 if a state file exists. */
static int read_state(const char *path, char *out, size_t len)
{
    char buf[PATH_MAX + 128];
    size_t n;
    FILE *fp = fopen(path, "re");

    if (out && len)
        out[0] = '\0';
    if (!fp)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *f = strstr(buf, "file=");
    if (f && (f == buf || f[-1] == '\n') && out && len) {
        snprintf(out, len, "%s", f + 5);
        /* A state written by hand usually ends with a line end: not part of the path. */
        size_t k = strlen(out);
        while (k > 0 && (out[k - 1] == '\n' || out[k - 1] == '\r'))
            out[--k] = '\0';
    }
    return 1;
}

/* Replaces the state file atomically (write aside, then rename). */
static int write_state(const fs_lock *l, const char *file_path)
{
    char tmp[PATH_MAX];
    FILE *fp;
    int bad;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", l->state) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A .tmp left by a run killed here is ours to replace (the flock is held). */
    unlink(tmp);
    fp = fs_create_private(tmp);
    if (!fp)
        return -1;
    bad = fprintf(fp, "pid=%ld\nstarted=%ld\nfile=%s", (long)getpid(), (long)l->started,
                  file_path ? file_path : "") < 0;
    bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fclose(fp) != 0;
    if (bad)
        goto fail;
    /* Under the area lock: a capture never sees a state between its check and its move. */
    int al = fs_area_lock(l->root);
    if (al < 0)
        goto fail;
    bad = rename(tmp, l->state) != 0;
    close(al);
    if (bad)
        goto fail;
    return 0;
fail:;
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
}

int fs_area_lock(const char *root)
{
    char dir[PATH_MAX], path[PATH_MAX];
    int fd, r;

    if (fs_join(dir, sizeof dir, root, FS_LOCKS_DIR) != 0 || fs_mkdir_private(dir) != 0 ||
        fs_join(path, sizeof path, dir, FS_AREA_LOCK) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    do
        r = flock(fd, LOCK_EX);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int fs_path_reserved(const char *root, const char *path)
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int hit = 0;

    if (fs_join(dir, sizeof dir, root, FS_LOCKS_DIR) != 0 || !(d = opendir(dir)))
        return 0;
    while (!hit && (e = readdir(d)) != NULL) {
        char st[PATH_MAX], file[PATH_MAX];
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".state") != 0 ||
            fs_join(st, sizeof st, dir, e->d_name) != 0)
            continue;
        /* Live or stale alike: a dead run's file is unfinished and must stay. */
        if (read_state(st, file, sizeof file) && *file && strcmp(file, path) == 0)
            hit = 1;
    }
    closedir(d);
    return hit;
}

int fs_reserve(const char *root, const char *name, const char *file_path,
               fs_lock **lock, char *stale_path, size_t stale_len)
{
    char dir[PATH_MAX], lpath[PATH_MAX];
    fs_lock *l;
    int fd, r;

    *lock = NULL;
    if (stale_path && stale_len)
        stale_path[0] = '\0';
    if (!valid_name(name)) {
        errno = EINVAL;
        return -1;
    }
    if (fs_join(dir, sizeof dir, root, FS_LOCKS_DIR) != 0 || fs_mkdir_private(dir) != 0)
        return -1;
    if (snprintf(lpath, sizeof lpath, "%s/%s.lock", dir, name) >= (int)sizeof lpath) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    do
        r = flock(fd, LOCK_EX | LOCK_NB);
    while (r != 0 && errno == EINTR);
    if (r != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return 1;
        errno = e;
        return -1;
    }

    if (!(l = calloc(1, sizeof *l))) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    l->fd = fd;
    l->started = time(NULL);
    if (snprintf(l->state, sizeof l->state, "%s/%s.state", dir, name) >= (int)sizeof l->state) {
        flock(fd, LOCK_UN);
        close(fd);
        free(l);
        errno = ENAMETOOLONG;
        return -1;
    }

    snprintf(l->root, sizeof l->root, "%s", root);
    /* The lock was free: a state left behind is a run that died. */
    char dead[PATH_MAX];
    l->stale = read_state(l->state, dead, sizeof dead);
    if (stale_path && stale_len)
        snprintf(stale_path, stale_len, "%s", dead);

    /* No file chosen yet: keep naming the dead run's file, which is still unfinished. */
    if (write_state(l, file_path ? file_path : dead) != 0) {
        int e = errno;
        flock(fd, LOCK_UN);
        close(fd);
        free(l);
        errno = e;
        return -1;
    }
    *lock = l;
    return 0;
}

int fs_lock_set_file(fs_lock *lock, const char *file_path)
{
    if (!lock) {
        errno = EINVAL;
        return -1;
    }
    return write_state(lock, file_path);
}

int fs_lock_stale(const fs_lock *lock)
{
    return lock ? lock->stale : 0;
}

void fs_release(fs_lock *lock)
{
    if (!lock)
        return;
    /* State first: once the flock is gone another run may start and must not see it. */
    unlink(lock->state);
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    free(lock);
}
