/* Choosing the command file to process from a location setting (spec 00 §3): default
 * name, comma-separated candidates, sub-folders of the area, absolute paths, wildcards.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "filestore.h"
#include "fs_private.h"

#define SET(field, ...) snprintf((field), sizeof(field), __VA_ARGS__)

/* One location resolved to a folder, a file name (maybe a pattern) and a display. */
typedef struct {
    char folder[PATH_MAX];    /* absolute, no trailing slash (except "/")           */
    char name[NAME_MAX + 1];  /* file name or pattern                                */
    char display[PATH_MAX];   /* "/in/enrols.csv", or the absolute path outside     */
    int in_area;              /* the folder is the root or below it                  */
    char top[NAME_MAX + 1];   /* first folder below the root ("" for the root)       */
} target;

static int has_wildcard(const char *name)
{
    return strpbrk(name, "*?") != NULL;
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Splits an absolute path into folder and name, and sees whether it lies in the area. */
static int target_absolute(const char *root, const char *loc, target *t)
{
    const char *name = fs_basename(loc);
    size_t dl = (size_t)(name - loc);
    size_t rl = strlen(root);

    if (!*name || strlen(name) > NAME_MAX || dl >= sizeof t->folder) {
        errno = EINVAL;
        return -1;
    }
    SET(t->name, "%s", name);
    memcpy(t->folder, loc, dl);
    t->folder[dl] = '\0';
    for (size_t l = strlen(t->folder); l > 1 && t->folder[l - 1] == '/'; l--)
        t->folder[l - 1] = '\0';

    if (strcmp(root, "/") == 0) {
        t->in_area = 1;
        SET(t->display, "%s", loc);
    } else if (strncmp(loc, root, rl) == 0 && loc[rl] == '/') {
        t->in_area = 1;
        SET(t->display, "%s", loc + rl);
    } else {
        SET(t->display, "%s", loc);
    }
    if (t->in_area) {
        /* The first component below the root, for the archives/reports exclusion. */
        const char *rest = t->display + 1, *slash = strchr(rest, '/');
        if (slash && (size_t)(slash - rest) <= NAME_MAX)
            SET(t->top, "%.*s", (int)(slash - rest), rest);
    }
    return 0;
}

/* A path inside the area: "in/enrols.csv", "./x.csv".  Normalised lexically; ".." that
 * would leave the root is refused (returns -1). */
static int target_relative(const char *root, const char *loc, target *t)
{
    char comp[64][NAME_MAX + 1];
    int n = 0;
    const char *p = loc;

    if (loc[strlen(loc) - 1] == '/') {
        errno = EINVAL;     /* a folder, no file name */
        return -1;
    }
    while (*p) {
        const char *end = strchr(p, '/');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (l == 0 || (l == 1 && p[0] == '.')) {
            /* empty component or "." */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (n == 0) {
                errno = EACCES;
                return -1;
            }
            n--;
        } else {
            if (l > NAME_MAX || n == (int)(sizeof comp / sizeof comp[0])) {
                errno = ENAMETOOLONG;
                return -1;
            }
            memcpy(comp[n], p, l);
            comp[n][l] = '\0';
            n++;
        }
        p += l;
        if (*p == '/')
            p++;
    }
    if (n == 0) {
        errno = EINVAL;     /* "." or "a/.." : no file name left */
        return -1;
    }
    /* A ".." as the last component leaves a folder, not a file. */
    {
        const char *last = fs_basename(loc);
        if (strcmp(last, "..") == 0 || strcmp(last, ".") == 0) {
            errno = EINVAL;
            return -1;
        }
    }

    SET(t->name, "%s", comp[n - 1]);
    SET(t->folder, "%s", root);
    t->display[0] = '\0';
    for (int i = 0; i < n - 1; i++) {
        size_t fl = strlen(t->folder), dl = strlen(t->display);
        const char *sep = strcmp(t->folder, "/") ? "/" : "";
        if ((size_t)snprintf(t->folder + fl, sizeof t->folder - fl, "%s%s", sep, comp[i])
                >= sizeof t->folder - fl ||
            (size_t)snprintf(t->display + dl, sizeof t->display - dl, "/%s", comp[i])
                >= sizeof t->display - dl) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    {
        size_t dl = strlen(t->display);
        if ((size_t)snprintf(t->display + dl, sizeof t->display - dl, "/%s", t->name)
            >= sizeof t->display - dl) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    t->in_area = 1;
    SET(t->top, "%s", n > 1 ? comp[0] : "");
    return 0;
}

/* Output of the engine or of the plugin's failure handling: never a candidate. */
static int is_excluded_name(const char *name)
{
    return strstr(name, "_tryback_") || strstr(name, "-tryback-failed");
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_found(fs_choice *c, const target *t, const char *name)
{
    char path[PATH_MAX];
    fs_join(path, sizeof path, t->folder, name);
    SET(c->status, "found");
    SET(c->path, "%s", path);
    if (has_wildcard(t->name)) {
        /* The display names the match, in the pattern's folder. */
        size_t keep = strlen(t->display) - strlen(t->name);
        SET(c->display, "%.*s%s", (int)keep, t->display, name);
    } else {
        SET(c->display, "%s", t->display);
    }
}

/* Wildcard: the first match in byte order; the next ones go to `others`. */
static int choose_pattern(const target *t, const char *after, fs_choice *c)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    /* Nothing under archives/, reports/ or .locks/ is ever a command file. */
    if (t->in_area && (strcmp(t->top, FS_ARCHIVES_DIR) == 0 ||
                       strcmp(t->top, FS_REPORTS_DIR) == 0 ||
                       strcmp(t->top, FS_LOCKS_DIR) == 0))
        goto nomatch;

    d = opendir(t->folder);
    if (!d)
        goto nomatch;       /* a missing folder simply matches nothing */
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        if (fnmatch(t->name, e->d_name, FNM_PERIOD) != 0 || is_excluded_name(e->d_name))
            continue;
        if (after && *after && strcmp(e->d_name, after) <= 0)
            continue;       /* worked on earlier in this invocation */
        if (fs_join(path, sizeof path, t->folder, e->d_name) != 0 || !is_regular(path))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn)
                goto oom;
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name)))
            goto oom;
        n++;
    }
    closedir(d);
    if (n == 0)
        goto nomatch;

    qsort(names, n, sizeof *names, cmp_names);
    set_found(c, t, names[0]);
    for (size_t i = 1; i < n && i <= 8; i++)
        SET(c->others[i - 1], "%s", names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return 0;

oom:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    errno = ENOMEM;
    return -1;

nomatch:
    SET(c->status, "nomatch");
    SET(c->display, "%s", t->display);
    return 1;
}

/* One candidate: 0 found, 1 not found (status set), -1 invalid location. */
static int choose_one(const char *root, const char *loc, const char *after, fs_choice *c)
{
    target t;
    memset(&t, 0, sizeof t);

    if ((loc[0] == '/' ? target_absolute(root, loc, &t) : target_relative(root, loc, &t)) != 0) {
        SET(c->status, "invalidpath");
        SET(c->display, "%s", loc);
        return -1;
    }
    if (has_wildcard(t.name))
        return choose_pattern(&t, after, c);

    char path[PATH_MAX];
    if (fs_join(path, sizeof path, t.folder, t.name) != 0) {
        SET(c->status, "invalidpath");
        return -1;
    }
    if (is_regular(path)) {
        set_found(c, &t, t.name);
        return 0;
    }
    SET(c->status, "filenotfound");
    SET(c->display, "%s", t.display);
    SET(c->path, "%s", path);
    return 1;
}

/* Copies s without surrounding white space into out. */
static void trimmed(const char *s, size_t l, char *out, size_t len)
{
    while (l && isspace((unsigned char)*s)) {
        s++;
        l--;
    }
    while (l && isspace((unsigned char)s[l - 1]))
        l--;
    if (l >= len)
        l = len - 1;
    memcpy(out, s, l);
    out[l] = '\0';
}

int fs_choose(const char *root, const char *location, const char *default_name,
              fs_choice *choice)
{
    return fs_choose_after(root, location, default_name, NULL, choice);
}

int fs_choose_after(const char *root, const char *location, const char *default_name,
                    const char *after, fs_choice *choice)
{
    char aroot[PATH_MAX], loc[PATH_MAX];

    memset(choice, 0, sizeof *choice);
    if (!root || fs_root_abs(root, aroot, sizeof aroot) != 0) {
        SET(choice->status, "invalidpath");
        return -1;
    }
    trimmed(location ? location : "", location ? strlen(location) : 0, loc, sizeof loc);
    if (!*loc) {
        if (!default_name || !*default_name) {
            SET(choice->status, "invalidpath");
            errno = EINVAL;
            return -1;
        }
        trimmed(default_name, strlen(default_name), loc, sizeof loc);
    }
    if (strstr(loc, "://")) {
        /* URLs (a pro feature of the plugin) are fetched by the caller, which then
         * passes the downloaded file's name. */
        SET(choice->status, "unsupported");
        SET(choice->display, "%s", loc);
        errno = ENOTSUP;
        return -1;
    }
    if (!strchr(loc, ','))
        return choose_one(aroot, loc, after, choice);

    /* "a,b,c": the first candidate that exists.  When none does, the display lists
     * them all for the filenotfound message. */
    char tried[sizeof choice->display] = "";
    const char *p = loc;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        char cand[PATH_MAX];
        trimmed(p, l, cand, sizeof cand);
        if (*cand) {
            int r = choose_one(aroot, cand, after, choice);
            if (r <= 0)
                return r;
            size_t tl = strlen(tried);
            if (snprintf(tried + tl, sizeof tried - tl, "%s%s", tl ? ", " : "",
                         choice->display) >= (int)(sizeof tried - tl))
                tried[tl] = '\0';   /* too long to list: keep the ones before */
        }
        if (!end)
            break;
        p = end + 1;
    }
    memset(choice, 0, sizeof *choice);
    SET(choice->status, "filenotfound");
    SET(choice->display, "%s", tried);
    return 1;
}
